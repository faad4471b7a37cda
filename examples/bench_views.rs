//! Time of the data views on one COG (a benchmark, not a test): a full-resolution GeoTIFF region of the
//! whole image, a 256² thumbnail, and histograms (rendered and band values, default level and exact).
//!
//! ```text
//! cargo run --release --example bench_views -- FILE.tif [--runs 5]
//! ```
//!
//! The file is read into memory first ([`MemorySource`]) and each view runs on a freshly opened image
//! (empty tile cache), so every time includes decoding the tiles it touches. Best of `--runs`.

use large_image_wasm::api::LargeImage;
use large_image_wasm::api::{HistogramKind, HistogramOptions, RegionOptions, Resolution};
use large_image_wasm::cog::OpenOptions;
use large_image_wasm::encode::Format;
use large_image_wasm::source::MemorySource;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: bench_views FILE.tif [--runs N]");
    let runs: usize = args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(5);
    let bytes = std::fs::read(path).expect("read the file");
    let open = || {
        pollster::block_on(LargeImage::open(MemorySource::new(path.clone(), bytes.clone()), OpenOptions::default()))
            .expect("open")
    };
    let img = open();
    let b = img.cog.base();
    let (w, h) = (b.width, b.height);
    println!("{path}: {w}×{h}, {} bands {:?}, {} levels", b.samples, b.dtype, img.cog.levels.len());
    let time = |name: &str, f: &dyn Fn(&LargeImage<MemorySource>) -> usize| {
        let mut best = f64::INFINITY;
        let mut out = 0;
        for _ in 0..runs {
            let img = open();
            let t = Instant::now();
            out = f(&img);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:44} {:9.1} ms  ({out} bytes out)", best * 1e3);
    };
    let mut full = RegionOptions::new(0.0, 0.0, w as f64, h as f64);
    full.units = Some("pixels".into());
    time("region: whole image, GeoTIFF of band values", &|img| pollster::block_on(img.region(&full)).unwrap().len());
    time("thumbnail 256², PNG", &|img| {
        pollster::block_on(img.thumbnail(None, None, None, Format::Png)).unwrap().len()
    });
    for (name, kind, res) in [
        ("histogram rendered, default level", HistogramKind::Rendered, Resolution::MaxSize(256)),
        ("histogram rendered, exact", HistogramKind::Rendered, Resolution::Exact),
        ("histogram bands, default level", HistogramKind::Bands, Resolution::MaxSize(256)),
        ("histogram bands, exact", HistogramKind::Bands, Resolution::Exact),
    ] {
        let mut o = HistogramOptions::default();
        o.kind = kind;
        o.resolution = res;
        time(name, &|img| {
            serde_json::to_string(&pollster::block_on(img.histogram(&o, &mut |_, _| {})).unwrap()).unwrap().len()
        });
    }
}
