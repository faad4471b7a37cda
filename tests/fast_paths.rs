//! The fast paths against the general path, byte for byte, on GDAL-made fixtures (tests/gdal_oracle.py's
//! matrix): a pixel-space tile whose style is a copy of 8-bit bands is drawn straight from the decoded
//! tiles (`LargeImage::tile`), which must equal the general path — the tile's samples
//! (`LargeImage::tile_raster`: window, nodata and alpha masking, padding) drawn by the plan
//! (`Plan::draw`) — on every fixture: masks, alpha, palettes, planar and stripped files, 1-bit data,
//! partial tiles at the image's edges, overviews, and tile sizes that do not match the file's blocks.

mod common;

use large_image_wasm::api::TileOptions;
use large_image_wasm::encode::Format;
use serde_json::json;

#[test]
fn pixel_tiles_equal_the_general_path_byte_for_byte() {
    let mut compared = 0;
    for f in common::fixtures() {
        let img = common::open(&f.path);
        let b = img.cog.base().clone();
        // A style that is a copy (the default for 8-bit data) and one that is not.
        let styles = [None, Some(json!({"band": 1, "palette": "viridis", "min": 0, "max": 200}))];
        for style in styles {
            let plan = pollster::block_on(img.plan(style.as_ref(), None)).unwrap();
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
                            let fast = pollster::block_on(img.tile(z, x, y, &o)).unwrap();
                            let raster = pollster::block_on(img.tile_raster(z, x, y, &o)).unwrap();
                            let general = plan.draw(&raster);
                            assert!(fast == general, "{} size {size} tile {z}/{x}/{y} style {style:?}", f.name);
                            compared += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 500, "{compared}");
}
