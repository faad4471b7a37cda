//! Packs two tables into DEFLATE-compressed blobs (about a tenth of their size as Rust constants, which
//! matters for the wasm download), each inflated once on first use:
//! - the EPSG table (code → PROJ.4 string, from the `crs-definitions` crate) → `epsg.zlib` (src/warp.rs);
//! - the named colormaps of `data/colormaps.tsv` (name, 256 RGB) → `colormaps.zlib` (src/style.rs), as
//!   `name\n` followed by 768 bytes, per map;
//! - large_image's palettes of `data/large_image_palettes.tsv` (name, RGBA colours) → `palettes.zlib`
//!   (src/style/colormap.rs), as `name\n`, a u16 count (little-endian) and the colours as RGBA bytes, each
//!   byte the difference from the previous colour's (mod 256), which DEFLATE packs into a fifth.

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
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::File::create(out_dir.join("epsg.zlib")).unwrap().write_all(&packed).unwrap();

    println!("cargo:rerun-if-changed=data/colormaps.tsv");
    let tsv = std::fs::read_to_string("data/colormaps.tsv").expect("data/colormaps.tsv");
    let mut maps = Vec::new();
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (name, hex) = line.split_once('\t').expect("name<TAB>hex");
        assert_eq!(hex.len(), 1536, "colormap {name}: 256 RGB colours");
        maps.extend_from_slice(name.as_bytes());
        maps.push(b'\n');
        maps.extend((0..768).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex")));
    }
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&maps, 9);
    std::fs::File::create(out_dir.join("colormaps.zlib")).unwrap().write_all(&packed).unwrap();

    println!("cargo:rerun-if-changed=data/large_image_palettes.tsv");
    let tsv = std::fs::read_to_string("data/large_image_palettes.tsv").expect("data/large_image_palettes.tsv");
    let mut pals = Vec::new();
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (name, hex) = line.split_once('\t').expect("name<TAB>hex");
        assert!(hex.len() % 8 == 0 && !hex.is_empty(), "palette {name}: RGBA colours");
        let bytes: Vec<u8> =
            (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex")).collect();
        pals.extend_from_slice(name.as_bytes());
        pals.push(b'\n');
        pals.extend_from_slice(&u16::try_from(bytes.len() / 4).expect("colours").to_le_bytes());
        let mut prev = [0u8; 4];
        for c in bytes.chunks_exact(4) {
            for k in 0..4 {
                pals.push(c[k].wrapping_sub(prev[k]));
                prev[k] = c[k];
            }
        }
    }
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&pals, 9);
    std::fs::File::create(out_dir.join("palettes.zlib")).unwrap().write_all(&packed).unwrap();
}
