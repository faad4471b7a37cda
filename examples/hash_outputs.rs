//! Hashes of every output the fast paths touch, over a folder of COGs (a check tool, not a test): run it
//! before and after a change to the tile, styling or decoding code and `diff` the two listings; a fast
//! path must not change a single line.
//!
//! ```text
//! /usr/bin/python3 tests/gdal_oracle.py fixtures /tmp/matrix > /dev/null     # the test fixture matrix
//! cargo run --release --example hash_outputs -- /tmp/matrix target/bench-fixtures > before.txt
//! ```
//!
//! Per file: every pixel-space tile of every level (large_image's 256-pixel pyramid, and the 512-pixel
//! one's deepest level) in RGBA with the default style, with a large_image palette style, with TiTiler
//! `rescale` + a colormap and with a TiTiler expression; web-mercator and geographic tiles around the
//! image centre with nearest, bilinear and cubic; the thumbnail (PNG), the pixel view at the centre, a
//! GeoTIFF region of band values and the rendered histogram. One line per output: FNV-1a 64 of its
//! bytes (errors hashed by their message).

use large_image_wasm::api::{HistogramOptions, LargeImage, RegionOptions, TileOptions};
use large_image_wasm::cog::OpenOptions;
use large_image_wasm::encode::Format;
use large_image_wasm::source::MemorySource;
use large_image_wasm::style::TitilerParams;
use large_image_wasm::warp::{Resampling, ResamplingChoice, TileScheme};
use serde_json::json;
use std::path::PathBuf;

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

fn line<E: std::fmt::Display>(file: &str, what: &str, r: Result<Vec<u8>, E>) {
    match r {
        Ok(b) => println!("{file} {what} {:016x} {}", fnv(&b), b.len()),
        Err(e) => println!("{file} {what} error {:016x}", fnv(e.to_string().as_bytes())),
    }
}

fn main() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in std::env::args().skip(1) {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "tif"))
            .collect();
        v.sort();
        files.extend(v);
    }
    for path in files {
        let name = path.file_name().expect("file name").to_string_lossy().to_string();
        let bytes = std::fs::read(&path).expect("read");
        let img = match pollster::block_on(LargeImage::open(MemorySource::new(&name, bytes), OpenOptions::default())) {
            Ok(i) => i,
            Err(e) => {
                line::<String>(&name, "open", Err(e.to_string()));
                continue;
            }
        };
        let bands = img.cog.base().samples as usize;
        let (w, h) = (img.cog.base().width, img.cog.base().height);
        let styles: Vec<(&str, TileOptions)> = {
            let base = || {
                let mut o = TileOptions::default();
                o.format = Format::Rgba;
                o
            };
            let mut palette = base();
            palette.style = Some(json!({"band": 1, "palette": "viridis", "min": "auto", "max": "auto"}));
            let mut titiler = base();
            titiler.titiler = TitilerParams::from_query("bidx=1&rescale=0,3000&colormap_name=terrain", bands).ok();
            let mut expr = base();
            expr.titiler = TitilerParams::from_query("expression=b1*2-1&rescale=-10,400", bands).ok();
            vec![("default", base()), ("palette", palette), ("titiler", titiler), ("expression", expr)]
        };
        for tile in [256u64, 512] {
            let levels = img.pixel_levels(tile);
            let zs: Vec<u32> = if tile == 256 { (0..levels).collect() } else { vec![levels - 1] };
            for z in zs {
                let s = 1u64 << (levels - 1 - z);
                let (nx, ny) = (w.div_ceil(s * tile), h.div_ceil(s * tile));
                for y in 0..ny.min(6) {
                    for x in 0..nx.min(6) {
                        for (sname, o) in &styles {
                            let mut o = o.clone();
                            o.size = tile as usize;
                            let r = pollster::block_on(img.tile(z, x, y, &o));
                            line(&name, &format!("pixel{tile} {z}/{x}/{y} {sname}"), r);
                        }
                    }
                }
            }
        }
        let centre = pollster::block_on(img.metadata(Some("EPSG:4326")))
            .ok()
            .and_then(|m| m.bounds)
            .map(|b| ((b.xmin + b.xmax) / 2.0, (b.ymin + b.ymax) / 2.0));
        if let Some((lon, lat)) = centre {
            for (scheme, proj) in [(TileScheme::WebMercator, "EPSG:3857"), (TileScheme::Geographic, "EPSG:4326")] {
                let levels = img.projected_levels(scheme).unwrap_or(1);
                for z in [levels.saturating_sub(1), levels.saturating_sub(3), levels + 1] {
                    let (px, py) = scheme.crs().from_lonlat(lon, lat);
                    let [x0, y0, x1, y1] = scheme.tile_bounds(z, 0, 0).expect("tile 0/0");
                    let (tx, ty) = (((px - x0) / (x1 - x0)).max(0.0) as u64, ((y1 - py) / (y1 - y0)).max(0.0) as u64);
                    for method in [Resampling::Nearest, Resampling::Bilinear, Resampling::Cubic] {
                        for (sname, o) in &styles[..2] {
                            let mut o = o.clone();
                            o.projection = Some(proj.into());
                            o.resampling = ResamplingChoice::Method(method);
                            let r = pollster::block_on(img.tile(z, tx, ty, &o));
                            line(&name, &format!("{proj} {z}/{tx}/{ty} {method:?} {sname}"), r);
                        }
                    }
                }
            }
        }
        line(&name, "thumbnail png", pollster::block_on(img.thumbnail(None, None, None, Format::Png)));
        let mut region = RegionOptions::new(0.1, 0.2, 0.6, 0.7);
        region.units = Some("fraction".into());
        line(&name, "region tiff", pollster::block_on(img.region(&region)));
        region.style = Some(json!({"band": 1, "palette": "viridis", "min": "min", "max": "max"}));
        region.format = Format::Rgba;
        line(&name, "region styled", pollster::block_on(img.region(&region)));
        let px = pollster::block_on(img.pixel(w as f64 / 2.0, h as f64 / 2.0, Some("pixels")))
            .map(|p| serde_json::to_vec(&p).expect("json"));
        line(&name, "pixel", px);
        let hist = pollster::block_on(img.histogram(&HistogramOptions::default(), &mut |_, _| {}))
            .map(|p| serde_json::to_vec(&p).expect("json"));
        line(&name, "histogram", hist);
    }
}
