//! Shared helpers for the native tests: GDAL fixtures and GDAL's answers (tests/gdal_oracle.py).
#![allow(dead_code)]

pub mod dli;

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
