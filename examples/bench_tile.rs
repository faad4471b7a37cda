//! Native cost of the path benches/bench_geotiffjs.mjs times in wasm (a benchmark, not a test): for
//! each fixture, every full-resolution pixel-space tile `LargeImage::tile(levels - 1, x, y, rgba)`
//! from a `MemorySource`, split into decode only, `Cog::read_window` of the tile, and the whole `tile()`
//! (window + nearest resampling + default styling to RGBA). Then, per resampling method, one 256² map
//! tile over the image centre (EPSG:3857 at z 12, reduced from level 0 at GDAL's scale ≈ 0.78; z 13,
//! enlarged; EPSG:4326 at z 12, reprojected) with its source tiles already decoded, so the time is
//! the grid, the resampling and the styling.
//!
//! ```text
//! cargo run --release --example bench_tile -- [DIR] [--passes 7] [--only u8_rgb_deflate,u8_rgb_jpeg,u16_deflate_pred2]
//! ```
//! Each pass opens a fresh image (untimed, with the default style's band ranges computed by a z = 0
//! tile), so no decoded tile is reused; best pass, in ms per tile.
//!
//! glibc hands large freed blocks back to the kernel, so every fresh tile-sized buffer costs a page
//! fault per 4 KiB (0.2–0.3 ms of a 512² RGBA tile, most of an uncompressed one); wasm's linear memory
//! never does that. To time what the wasm build pays, keep glibc from it:
//! `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456`.

use large_image_wasm::api::{LargeImage, TileOptions};
use large_image_wasm::cog::OpenOptions;
use large_image_wasm::decode::{decode_tile, TileSpec};
use large_image_wasm::encode::Format;
use large_image_wasm::source::MemorySource;
use large_image_wasm::warp::Resampling;
use large_image_wasm::warp::{Crs, TileScheme};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

fn open(name: &str, bytes: &[u8]) -> LargeImage<MemorySource> {
    let img = pollster::block_on(LargeImage::open(MemorySource::new(name, bytes.to_vec()), OpenOptions::default()))
        .expect("open");
    let mut o = TileOptions::default();
    o.format = Format::Rgba;
    pollster::block_on(img.tile(0, 0, 0, &o)).expect("z=0 tile");
    img
}

fn main() {
    let mut dir = PathBuf::from("target/bench-fixtures");
    let mut passes = 7usize;
    let mut only = "u8_rgb_deflate,u8_rgb_jpeg,u16_deflate_pred2".to_string();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--passes" => passes = it.next().expect("--passes N").parse().expect("--passes N"),
            "--only" => only = it.next().expect("--only LIST"),
            _ => dir = PathBuf::from(a),
        }
    }
    println!("| fixture | decode only ms/tile | read_window ms/tile | tile() RGBA ms/tile |");
    println!("|---|---:|---:|---:|");
    for name in only.split(',') {
        let path = dir.join(format!("{name}.tif"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let probe = open(name, &bytes);
        let cog = &probe.cog;
        let base = cog.base().clone();
        let order = cog.file.header.order;
        let (tx_n, ty_n) = (base.tiles_across(), base.tiles_down());
        let n = (tx_n * ty_n) as f64;
        // Pixel-space tiles of the file's own block size (the pyramid option of our JS API's `tileSize`).
        let z = probe.pixel_levels(base.tile_width) - 1;
        let compressed: Vec<Vec<u8>> = (0..ty_n)
            .flat_map(|ty| (0..tx_n).map(move |tx| (tx, ty)))
            .map(|(tx, ty)| {
                let r = pollster::block_on(cog.file.tile_range(&base, base.tile_index(tx, ty, 0))).unwrap().unwrap();
                bytes[r.start as usize..r.end as usize].to_vec()
            })
            .collect();
        let spec = TileSpec::for_image(&base, order, base.tile_height);
        let (mut dec, mut win, mut tile) = (f64::MAX, f64::MAX, f64::MAX);
        let mut o = TileOptions::default();
        o.format = Format::Rgba;
        o.size = base.tile_width as usize;
        for _ in 0..passes {
            let t = Instant::now();
            for c in &compressed {
                black_box(decode_tile(&spec, c, &cog.file.limits).unwrap());
            }
            dec = dec.min(t.elapsed().as_secs_f64());

            let img = open(name, &bytes);
            let t = Instant::now();
            for ty in 0..ty_n {
                for tx in 0..tx_n {
                    let (tw, th) = (base.tile_width, base.tile_height);
                    black_box(
                        pollster::block_on(img.cog.read_window(
                            0,
                            (tx * tw) as i64,
                            (ty * th) as i64,
                            tw as usize,
                            th as usize,
                        ))
                        .unwrap(),
                    );
                }
            }
            win = win.min(t.elapsed().as_secs_f64());

            let img = open(name, &bytes);
            let t = Instant::now();
            for ty in 0..ty_n {
                for tx in 0..tx_n {
                    black_box(pollster::block_on(img.tile(z, tx, ty, &o)).unwrap());
                }
            }
            tile = tile.min(t.elapsed().as_secs_f64());
        }
        println!("| {name} | {:.2} | {:.2} | {:.2} |", dec / n * 1e3, win / n * 1e3, tile / n * 1e3);
    }
    println!();
    println!("| fixture | map tile | nearest ms | bilinear ms | cubic ms |");
    println!("|---|---|---:|---:|---:|");
    for name in only.split(',') {
        let bytes = std::fs::read(dir.join(format!("{name}.tif"))).expect("fixture");
        let img = open(name, &bytes);
        let g = img.cog.georef.clone().expect("georeferenced fixture");
        let b = img.cog.base();
        let (cx, cy) = g.pixel_to_crs(b.width as f64 / 2.0, b.height as f64 / 2.0);
        let (lon, lat) = Crs::WebMercator.to_lonlat(cx, cy);
        for (scheme, z) in [(TileScheme::WebMercator, 12), (TileScheme::WebMercator, 13), (TileScheme::Geographic, 12)]
        {
            let (px, py) = scheme.crs().from_lonlat(lon, lat);
            let [x0, y0, x1, y1] = scheme.tile_bounds(z, 0, 0).expect("tile 0/0");
            let (tx, ty) = (((px - x0) / (x1 - x0)) as u64, ((y1 - py) / (y1 - y0)) as u64);
            let proj = if scheme == TileScheme::Geographic { "EPSG:4326" } else { "EPSG:3857" };
            let mut row = format!("| {name} | {proj} {z}/{tx}/{ty} |");
            for method in [Resampling::Nearest, Resampling::Bilinear, Resampling::Cubic] {
                let mut o = TileOptions::default();
                o.projection = Some(proj.into());
                o.format = Format::Rgba;
                o.resampling = method.into();
                black_box(pollster::block_on(img.tile(z, tx, ty, &o)).expect("warm-up tile"));
                let mut best = f64::MAX;
                for _ in 0..passes {
                    let t = Instant::now();
                    black_box(pollster::block_on(img.tile(z, tx, ty, &o)).unwrap());
                    best = best.min(t.elapsed().as_secs_f64());
                }
                row += &format!(" {:.2} |", best * 1e3);
            }
            println!("{row}");
        }
    }
}
