//! Tiles per second for web mercator tiles (decode + warp + style + PNG), the number issue 4 compares with
//! rio-tiler and GDAL (benches/bench_tiles.py runs all three on the same file and tiles; a benchmark,
//! not a test):
//!
//! ```text
//! cargo run --release --example bench_tiles -- FILE --tiles z/x/y,z/x/y,... [--query 'bidx=1,2,3&rescale=0,10000'] [--passes 3]
//! ```
//! Opens FILE once (a file source; GDAL and rio-tiler also read the file), then renders every tile
//! once per pass with the TiTiler parameters `--query` to PNG; prints JSON `{tiles, best_s, tiles_per_s}`
//! with the best pass. Decoded source tiles stay in the reader's cache between tiles of a pass, as
//! GDAL's block cache keeps them; each pass opens the file again, so passes do not share it.

use large_image_wasm::api::{LargeImage, TileOptions};
use large_image_wasm::cog::OpenOptions;
use large_image_wasm::encode::Format;
use large_image_wasm::source::FileSource;
use large_image_wasm::style::TitilerParams;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: &str| args.iter().position(|a| a == k).and_then(|i| args.get(i + 1)).cloned();
    let file = args.first().expect("FILE").clone();
    let tiles: Vec<(u32, u64, u64)> = arg("--tiles")
        .expect("--tiles z/x/y,...")
        .split(',')
        .map(|t| {
            let v: Vec<u64> = t.split('/').map(|s| s.parse().expect("z/x/y")).collect();
            (v[0] as u32, v[1], v[2])
        })
        .collect();
    let query = arg("--query").unwrap_or_default();
    let passes: usize = arg("--passes").map(|p| p.parse().expect("--passes N")).unwrap_or(3);
    let mut best = f64::INFINITY;
    let mut bytes = 0;
    for _ in 0..passes {
        let img = pollster::block_on(LargeImage::open(FileSource::open(&file).expect("open"), OpenOptions::default()))
            .expect("open COG");
        let mut o = TileOptions::default();
        o.projection = Some("EPSG:3857".into());
        o.format = Format::Png;
        o.titiler = Some(TitilerParams::from_query(&query, img.cog.base().samples as usize).expect("query"));
        let t = Instant::now();
        bytes = 0;
        for &(z, x, y) in &tiles {
            bytes += pollster::block_on(img.tile(z, x, y, &o)).expect("tile").len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"tiles\": {}, \"best_s\": {best:.4}, \"tiles_per_s\": {:.2}, \"png_bytes\": {bytes}}}",
        tiles.len(),
        tiles.len() as f64 / best
    );
}
