//! The fast paths against the general path, byte for byte, on GDAL-made fixtures (tests/gdal_oracle.py's
//! matrix): a pixel-space tile whose style is drawn in one pass (`Plan::direct`: a copy of 8-bit bands,
//! a scaling of floats and 32-bit integers, byte tables of 16-bit ones) is drawn straight from the decoded tiles
//! (`LargeImage::tile`), which must equal the general path — the tile's samples
//! (`LargeImage::tile_raster`: window, nodata and alpha masking, padding) drawn by the plan
//! (`Plan::draw`, and its per-chunk loop: `Plan::colours` truncated to bytes) — on every fixture: masks,
//! alpha, nodata, palettes, planar and stripped files, 1-bit data, floats, partial tiles at the image's
//! edges, overviews, and tile sizes that do not match the file's blocks.

mod common;

use large_image_wasm::api::TileOptions;
use large_image_wasm::encode::Format;
use large_image_wasm::style::TitilerParams;
use serde_json::json;

#[test]
fn pixel_tiles_equal_the_general_path_byte_for_byte() {
    let (mut compared, mut direct_floats) = (0, 0);
    for f in common::fixtures() {
        let img = common::open(&f.path);
        let b = img.cog.base().clone();
        // The default style (a copy for 8-bit data, a stretch to grey for the others), one that is
        // neither, and TiTiler's rescale (grey or RGB, the file's nodata masked by the plan itself).
        let palette = Some(json!({"band": 1, "palette": "viridis", "min": 0, "max": 200}));
        let rescale = TitilerParams::from_query("rescale=-10,150", f.bands).unwrap();
        let styles = [(None, None), (palette, None), (None, Some(rescale))];
        for (style, titiler) in styles {
            let plan = pollster::block_on(img.plan(style.as_ref(), titiler.as_ref())).unwrap();
            let dtype = b.dtype.decoded();
            let direct_float = dtype.is_float() && plan.direct(b.samples as usize, dtype, 1).is_some();
            for size in [256usize, 512, 300] {
                let levels = img.pixel_levels(size as u64);
                for z in 0..levels {
                    let s = 1u64 << (levels - 1 - z);
                    let (nx, ny) = (b.width.div_ceil(s * size as u64), b.height.div_ceil(s * size as u64));
                    for y in 0..ny {
                        for x in 0..nx {
                            let mut o = TileOptions::default();
                            o.format = Format::Rgba;
                            o.size = size;
                            o.style = style.clone();
                            o.titiler = titiler.clone();
                            let fast = pollster::block_on(img.tile(z, x, y, &o)).unwrap();
                            let raster = pollster::block_on(img.tile_raster(z, x, y, &o)).unwrap();
                            let general = plan.draw(&raster);
                            let what = format!("{} size {size} tile {z}/{x}/{y} {style:?} {titiler:?}", f.name);
                            assert!(fast == general, "{what}");
                            // One layer: the chunked loop's colours, truncated, are what it draws.
                            let painted: Vec<u8> = plan.colours(&raster).iter().flatten().map(|&v| v as u8).collect();
                            assert!(painted == general, "{what}: draw vs paint");
                            compared += 1;
                            direct_floats += direct_float as usize;
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 500 && direct_floats > 50, "{compared} {direct_floats}");
}
