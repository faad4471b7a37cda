//! Shared helpers for the native tests: GDAL fixtures and GDAL's answers (tests/gdal_oracle.py),
//! opening files, django-large-image's recorded answers, and pixel agreement.
#![allow(dead_code)]

pub mod dli;

use large_image_wasm::api::LargeImage;
use large_image_wasm::cog::{Cog, OpenOptions};
use large_image_wasm::source::{FileSource, MemorySource};
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Runs the oracle script with Debian's python3 (python3-gdal) and parses its JSON answer.
pub fn oracle(args: &[&str]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/gdal_oracle.py");
    let out =
        Command::new("/usr/bin/python3").arg(script).args(args).output().expect("run /usr/bin/python3 (python3-gdal)");
    assert!(out.status.success(), "oracle {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// One fixture of the matrix.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub path: String,
    pub lossless: bool,
    pub bands: usize,
}

/// The fixture matrix, made once per test binary with GDAL (kept in target/ between runs).
pub fn fixtures() -> &'static [Fixture] {
    static F: OnceLock<Vec<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fixtures");
        let m = oracle(&["fixtures", dir.to_str().unwrap()]);
        m.as_array()
            .unwrap()
            .iter()
            .map(|f| Fixture {
                name: f["name"].as_str().unwrap().into(),
                path: f["path"].as_str().unwrap().into(),
                lossless: f["lossless"].as_bool().unwrap(),
                bands: f["bands"].as_u64().unwrap() as usize,
            })
            .collect()
    })
}

pub fn fixture(name: &str) -> Fixture {
    fixtures().iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no fixture {name}")).clone()
}

/// A scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scratch").join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Opens a file as the large_image API sees it.
pub fn open(path: &(impl AsRef<std::path::Path> + ?Sized)) -> LargeImage<FileSource> {
    pollster::block_on(LargeImage::open(FileSource::open(path).unwrap(), OpenOptions::default())).unwrap()
}

/// Opens a file as the reader sees it.
pub fn open_cog(path: &str) -> Cog<FileSource> {
    pollster::block_on(Cog::open(FileSource::open(path).unwrap(), OpenOptions::default())).unwrap()
}

/// Opens bytes held in memory (called `name` in errors) as the reader sees them.
pub fn open_bytes(name: &str, bytes: Vec<u8>) -> large_image_wasm::Result<Cog<MemorySource>> {
    pollster::block_on(Cog::open(MemorySource::new(name, bytes), OpenOptions::default()))
}

/// A view's answer as JSON, as the JS API hands it over.
pub fn json<T: Serialize>(view: T) -> Value {
    serde_json::to_value(view).unwrap()
}

/// The django-large-image sample COG, made once per test binary by the recorded system's own maker
/// script (tests/dli_recorded/make_sample.sh).
pub fn dli_sample() -> String {
    static P: OnceLock<String> = OnceLock::new();
    P.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fixtures").join("sample_utm_u16.tif");
        oracle(&["make_sample", out.to_str().unwrap()])["path"].as_str().unwrap().to_string()
    })
    .clone()
}

/// An answer django-large-image 0.10.5 recorded for the sample (tests/dli_recorded/sample_utm_u16/).
pub fn recorded(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/dli_recorded/sample_utm_u16").join(name);
    serde_json::from_slice(&std::fs::read(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"))).unwrap()
}

/// Two RGBA images compared pixel by pixel; pixels transparent in both are left out.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RgbaAgreement {
    /// Pixels opaque in either image.
    pub n: usize,
    /// Of those, pixels equal in all four channels.
    pub equal: usize,
    /// Largest channel difference.
    pub max: f64,
    /// Pixels opaque in one image only.
    pub coverage: usize,
}

/// Counts the agreeing pixels of our RGBA bytes and another RGBA image (as numbers, 4 per pixel).
pub fn rgba_agreement(ours: &[u8], theirs: &[f64]) -> RgbaAgreement {
    assert_eq!(theirs.len(), ours.len());
    let mut a = RgbaAgreement::default();
    for (o, t) in ours.chunks_exact(4).zip(theirs.chunks_exact(4)) {
        if o[3] == 0 && t[3] == 0.0 {
            continue;
        }
        a.n += 1;
        a.coverage += usize::from((o[3] == 0) != (t[3] == 0.0));
        let d = (0..4).map(|c| (o[c] as f64 - t[c]).abs()).fold(0.0, f64::max);
        a.max = a.max.max(d);
        a.equal += usize::from(d == 0.0);
    }
    a
}
