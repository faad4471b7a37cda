//! Decode throughput, ours vs GDAL, on the same files in the same run (a benchmark, not a test).
//!
//! ```text
//! /usr/bin/python3 benches/make_bench_fixtures.py            # target/bench-fixtures/*.tif
//! cargo run --release --example bench_decode -- target/bench-fixtures [--min-runs 5] [--min-secs 1]
//!     [--rounds 2] [--only SUBSTRING] [--no-gdal]
//! ```
//!
//! For each `*.tif` of the directory:
//! * **tiles**: every compressed full-resolution tile is read into memory first; one pass decodes all of
//!   them with [`decode_tile`] (decode only: no I/O, no copying into a window). Best pass of at least
//!   `--min-runs` passes and `--min-secs` seconds. MB/s = decoded bytes (native samples) / s, MB = 10⁶ B.
//! * **window**: one [`Cog::read_window`] of the whole full-resolution image from a [`MemorySource`]
//!   (tile cache disabled, so each pass decodes every tile once), which adds range slicing and the
//!   per-pixel copy into the window.
//! * **GDAL**: `benches/gdal_decode.py` (Debian's /usr/bin/python3 with python3-gdal) times the same
//!   two things with `ds.ReadRaster` (per block / whole image, pixel-interleaved buffer, dataset
//!   reopened before each timed pass so blocks are really decoded, single-threaded).
//!
//! Ours and GDAL alternate `--rounds` times per file and the best of each is kept, so a burst of
//! load from other processes hurts both sides alike. The `same` column says whether our full window and
//! GDAL's are byte-identical (CRC-32 of the pixel-interleaved samples).

use large_image_wasm::cog::{Cog, OpenOptions};
use large_image_wasm::decode::{decode_tile, TileSpec};
use large_image_wasm::source::MemorySource;
use large_image_wasm::tiff::tags::compression_name;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Args {
    dir: PathBuf,
    min_runs: usize,
    min_secs: f64,
    rounds: usize,
    only: Option<String>,
    gdal: bool,
    python: String,
}

fn parse_args() -> Args {
    let mut a = Args {
        dir: PathBuf::from("target/bench-fixtures"),
        min_runs: 5,
        min_secs: 1.0,
        rounds: 2,
        only: None,
        gdal: true,
        python: std::env::var("PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(s) = it.next() {
        let mut val = |name: &str| it.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match s.as_str() {
            "--min-runs" => a.min_runs = val("--min-runs").parse().expect("--min-runs N"),
            "--min-secs" => a.min_secs = val("--min-secs").parse().expect("--min-secs S"),
            "--rounds" => a.rounds = val("--rounds").parse().expect("--rounds N"),
            "--only" => a.only = Some(val("--only")),
            "--no-gdal" => a.gdal = false,
            "-h" | "--help" => {
                eprintln!(
                    "usage: bench_decode [DIR] [--min-runs N] [--min-secs S] [--rounds N] [--only SUBSTR] [--no-gdal]"
                );
                std::process::exit(0);
            }
            _ if s.starts_with("--") => panic!("unknown option {s}"),
            _ => a.dir = PathBuf::from(s),
        }
    }
    a
}

/// Best duration of `f` over at least `min_runs` runs and `min_secs` seconds (capped at 500 runs).
fn best(min_runs: usize, min_secs: f64, mut f: impl FnMut() -> Duration) -> Duration {
    let start = Instant::now();
    let mut best = Duration::MAX;
    let mut n = 0;
    while (n < min_runs || start.elapsed().as_secs_f64() < min_secs) && n < 500 {
        best = best.min(f());
        n += 1;
    }
    best
}

/// CRC-32 (IEEE, as Python's zlib.crc32).
fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, t) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
        *t = c;
    }
    let mut c = !0u32;
    for &b in data {
        c = table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

struct Ours {
    codec: String,
    dtype: &'static str,
    bands: u64,
    tiles: usize,
    compressed: u64,
    decoded: u64,
    tiles_s: f64,
    window_s: f64,
    window_crc: u32,
}

struct Gdal {
    tiles_s: f64,
    window_s: f64,
    decoded: u64,
    window_crc: Option<u32>,
    version: String,
}

fn codec_label(img: &large_image_wasm::tiff::ImageInfo) -> String {
    let mut s = compression_name(img.compression).to_string();
    if img.compression == 34887 {
        s = match img.lerc_additional {
            1 => "LERC_DEFLATE".into(),
            2 => "LERC_ZSTD".into(),
            _ => "LERC".into(),
        };
    }
    if img.predictor > 1 {
        s += &format!("+pred{}", img.predictor);
    }
    s
}

fn bench_ours(path: &Path, a: &Args) -> Ours {
    let bytes = std::fs::read(path).expect("read fixture");
    let name = path.display().to_string();
    let cog = pollster::block_on(Cog::open(MemorySource::new(name.clone(), bytes.clone()), OpenOptions::default()))
        .expect("open");
    let img = cog.level(0).expect("level 0").clone();
    let order = cog.file.header.order;
    let limits = cog.file.limits.clone();
    // Every compressed tile of the full-resolution image, in memory.
    let mut tiles: Vec<(u64, Vec<u8>)> = Vec::new();
    for plane in 0..img.planes() {
        for ty in 0..img.tiles_down() {
            for tx in 0..img.tiles_across() {
                let idx = img.tile_index(tx, ty, plane);
                let r = pollster::block_on(cog.file.tile_range(&img, idx)).expect("tile range");
                let Some(r) = r else { continue }; // sparse tile
                let rows =
                    if img.tiled { img.tile_height } else { img.tile_height.min(img.height - ty * img.tile_height) };
                tiles.push((rows, bytes[r.start as usize..r.end as usize].to_vec()));
            }
        }
    }
    let compressed = tiles.iter().map(|(_, t)| t.len() as u64).sum();
    let decode_all = || -> u64 {
        let mut n = 0u64;
        for (rows, t) in &tiles {
            let spec = TileSpec::for_image(&img, order, *rows);
            let out = decode_tile(&spec, black_box(t), &limits).expect("decode");
            n += black_box(out).len() as u64;
        }
        n
    };
    let decoded = decode_all();
    let tiles_s = best(a.min_runs, a.min_secs, || {
        let t = Instant::now();
        black_box(decode_all());
        t.elapsed()
    })
    .as_secs_f64();

    let mut o = OpenOptions::default();
    o.cache_bytes = 0; // no decoded-tile cache: every pass decodes every tile
    let wcog = pollster::block_on(Cog::open(MemorySource::new(name, bytes), o)).expect("open");
    let (w, h) = (img.width as usize, img.height as usize);
    let first = pollster::block_on(wcog.read_window(0, 0, 0, w, h)).expect("read_window");
    let window_crc = crc32(&first.data);
    drop(first);
    let window_s = best(a.min_runs, a.min_secs, || {
        let t = Instant::now();
        let r = pollster::block_on(wcog.read_window(0, 0, 0, w, h)).expect("read_window");
        black_box(r.data.len());
        t.elapsed()
    })
    .as_secs_f64();
    Ours {
        codec: codec_label(&img),
        dtype: img.dtype.decoded().name(),
        bands: img.samples,
        tiles: tiles.len(),
        compressed,
        decoded,
        tiles_s,
        window_s,
        window_crc,
    }
}

fn bench_gdal(path: &Path, a: &Args) -> Result<Gdal, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gdal_decode.py");
    let out = Command::new(&a.python)
        .arg(&script)
        .arg(path)
        .arg(a.min_runs.to_string())
        .arg(a.min_secs.to_string())
        .output()
        .map_err(|e| format!("{}: {e}", a.python))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let f = |k: &str| v[k].as_f64().ok_or_else(|| format!("no {k} in {v}"));
    Ok(Gdal {
        tiles_s: f("tiles_s")?,
        window_s: f("window_s")?,
        decoded: f("decoded_bytes")? as u64,
        window_crc: v["window_crc"].as_u64().map(|c| c as u32),
        version: v["gdal"].as_str().unwrap_or("?").to_string(),
    })
}

fn mbs(bytes: u64, s: f64) -> f64 {
    bytes as f64 / s / 1e6
}

fn main() {
    let a = parse_args();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&a.dir)
        .unwrap_or_else(|e| panic!("{}: {e} (make it with benches/make_bench_fixtures.py)", a.dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tif"))
        .filter(|p| a.only.as_ref().is_none_or(|o| p.file_name().unwrap().to_string_lossy().contains(o.as_str())))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    let mut version = String::new();
    for p in &files {
        let mut ours: Option<Ours> = None;
        let mut gdal: Option<Gdal> = None;
        for _ in 0..a.rounds.max(1) {
            let o = bench_ours(p, &a);
            ours = Some(match ours {
                Some(prev) => {
                    Ours { tiles_s: prev.tiles_s.min(o.tiles_s), window_s: prev.window_s.min(o.window_s), ..o }
                }
                None => o,
            });
            if a.gdal {
                match bench_gdal(p, &a) {
                    Ok(g) => {
                        version = g.version.clone();
                        gdal = Some(match gdal {
                            Some(prev) => Gdal {
                                tiles_s: prev.tiles_s.min(g.tiles_s),
                                window_s: prev.window_s.min(g.window_s),
                                ..g
                            },
                            None => g,
                        })
                    }
                    Err(e) => eprintln!("{}: GDAL failed: {e}", p.display()),
                }
            }
        }
        let o = ours.unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        eprintln!(
            "{name}: ours {:.1} MB/s tiles, {:.1} MB/s window{}",
            mbs(o.decoded, o.tiles_s),
            mbs(o.decoded, o.window_s),
            gdal.as_ref()
                .map(|g| format!(
                    "; GDAL {:.1} MB/s tiles, {:.1} MB/s window",
                    mbs(g.decoded, g.tiles_s),
                    mbs(g.decoded, g.window_s)
                ))
                .unwrap_or_default()
        );
        rows.push((name, o, gdal));
    }
    println!();
    println!(
        "Decode throughput, decoded MB/s (10⁶ B of native samples per second), best pass; {} cores{}.",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        if version.is_empty() { String::new() } else { format!("; GDAL {version}") }
    );
    println!();
    println!("| fixture | codec | dtype × bands | tiles | compressed MB | ours MB/s | GDAL MB/s | ours/GDAL | window: ours MB/s | window: GDAL MB/s | window ours/GDAL | same bytes |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
    for (name, o, g) in &rows {
        let (gt, gw, rt, rw, same) = match g {
            Some(g) => {
                if g.decoded != o.decoded {
                    eprintln!("{name}: decoded bytes differ: ours {} GDAL {}", o.decoded, g.decoded);
                }
                let (gt, gw) = (mbs(g.decoded, g.tiles_s), mbs(g.decoded, g.window_s));
                (
                    format!("{gt:.1}"),
                    format!("{gw:.1}"),
                    format!("{:.2}", mbs(o.decoded, o.tiles_s) / gt),
                    format!("{:.2}", mbs(o.decoded, o.window_s) / gw),
                    match g.window_crc {
                        Some(c) if c == o.window_crc => "yes",
                        Some(_) => "no",
                        None => "?",
                    },
                )
            }
            None => ("–".into(), "–".into(), "–".into(), "–".into(), "–"),
        };
        println!(
            "| {name} | {} | {} × {} | {} | {:.2} | {:.1} | {gt} | {rt} | {:.1} | {gw} | {rw} | {same} |",
            o.codec,
            o.dtype,
            o.bands,
            o.tiles,
            o.compressed as f64 / 1e6,
            mbs(o.decoded, o.tiles_s),
            mbs(o.decoded, o.window_s),
        );
    }
}
