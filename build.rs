//! Packs the EPSG table (code → PROJ.4 string, from the `crs-definitions` crate) into one
//! DEFLATE-compressed blob: about a tenth of the size the table has as Rust string constants, which
//! matters for the wasm download. `src/warp/epsg.rs`-side code inflates it once, on first use.

use std::io::Write;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut text = String::new();
    for code in 0..=u16::MAX {
        if let Some(def) = crs_definitions::from_code(code) {
            text.push_str(&format!("{code}\t{}\n", def.proj4));
        }
    }
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(text.as_bytes(), 9);
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("epsg.zlib");
    std::fs::File::create(out).unwrap().write_all(&packed).unwrap();
}
