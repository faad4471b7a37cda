//! Packs three tables into DEFLATE-compressed blobs (a small part of their size as Rust constants, which
//! matters for the wasm download), each inflated once on first use:
//! - the EPSG table (code → PROJ.4 string, from the `crs-definitions` crate) → `epsg.zlib`
//!   (src/warp/crs.rs), in columns, which DEFLATE packs into about half the bytes of the plain
//!   `code\tdefinition` lines (39 KB instead of 70 KB): the number of codes; each code's difference
//!   from the previous one; each definition's shape (its `+key=` and `+flag` words, values left out);
//!   then for each key, in the order keys first appear, all its values, one a line;
//! - the named colormaps of `data/colormaps.tsv` (name, 256 RGB) → `colormaps.zlib` (src/style/
//!   colormap.rs), per map `name\n` followed by its red, then green, then blue plane as differences
//!   from the previous entry (mod 256): matplotlib's maps are smooth ramps, so the differences repeat
//!   and the blob is a sixth of the plain tables' (11 KB instead of 66 KB).
//! - large_image's palettes of `data/large_image_palettes.tsv` (name, RGBA colours) → `palettes.zlib`
//!   (src/style/colormap.rs), as `name\n`, a u16 count (little-endian) and the colours as RGBA bytes, each
//!   byte the difference from the previous colour's (mod 256), which DEFLATE packs into a fifth.

use std::io::Write;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let defs: Vec<(u16, &str)> =
        (0..=u16::MAX).filter_map(|c| crs_definitions::from_code(c).map(|d| (c, d.proj4))).collect();
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(epsg_columns(&defs).as_bytes(), 9);
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
        let rgb: Vec<u8> = (0..768).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex")).collect();
        for c in 0..3 {
            let plane = rgb.iter().skip(c).step_by(3);
            maps.extend(plane.scan(0u8, |prev, &v| Some(v.wrapping_sub(std::mem::replace(prev, v)))));
        }
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

/// The EPSG table in columns (see the top of this file); src/warp/crs.rs reads it back.
fn epsg_columns(defs: &[(u16, &str)]) -> String {
    let mut out = format!("{}\n", defs.len());
    let mut prev = 0;
    for (code, _) in defs {
        out += &format!("{}\n", code - prev);
        prev = *code;
    }
    let mut keys: Vec<&str> = Vec::new();
    let mut values: Vec<Vec<&str>> = Vec::new();
    for (_, def) in defs {
        assert!(!def.contains('\n'), "a definition on one line");
        let shape: Vec<String> = def
            .split(' ')
            .map(|word| match word.split_once('=') {
                Some((k, v)) => {
                    let i = keys.iter().position(|x| *x == k).unwrap_or_else(|| {
                        keys.push(k);
                        values.push(Vec::new());
                        keys.len() - 1
                    });
                    values[i].push(v);
                    format!("{k}=")
                }
                None => word.to_string(),
            })
            .collect();
        out += &shape.join(" ");
        out.push('\n');
    }
    for v in values {
        for x in v {
            out += x;
            out.push('\n');
        }
    }
    out
}
