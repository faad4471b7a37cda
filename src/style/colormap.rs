//! Colours by name: CSS colours (`#rrggbb`, `rgb(…)`, names) and matplotlib's named colormaps.

use crate::error::{Error, Result};

/// Parses a colour (`#rgb`, `#rrggbb`, `#rrggbbaa`, CSS names, `rgb(…)`).
pub fn parse_colour(s: &str) -> Result<[u8; 4]> {
    let c = colorgrad::Color::from_html(s).map_err(|_| Error::usage(format!("unknown colour {s:?}")))?;
    Ok(c.to_rgba8())
}

/// The named colormaps: matplotlib's exact 256-colour tables (its own, ColorBrewer's, cmocean's and a
/// few of rio-tiler's; `data/colormaps.tsv`, packed by build.rs as differences), inflated once.
fn colormap_table() -> &'static [(String, Vec<[u8; 4]>)] {
    static TABLE: std::sync::OnceLock<Vec<(String, Vec<[u8; 4]>)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let packed: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/colormaps.zlib"));
        let opts = zune_inflate::DeflateOptions::default().set_limit(1 << 20);
        let raw = zune_inflate::DeflateDecoder::new_with_options(packed, opts).decode_zlib().unwrap_or_default();
        let mut out = Vec::new();
        let mut rest = &raw[..];
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let Some(rgb) = rest.get(nl + 1..nl + 1 + 768) else { break };
            let name = String::from_utf8_lossy(&rest[..nl]).into_owned();
            let mut lut = vec![[0, 0, 0, 255]; 256];
            for (c, plane) in rgb.chunks_exact(256).enumerate() {
                let mut v = 0u8;
                for (entry, d) in lut.iter_mut().zip(plane) {
                    v = v.wrapping_add(*d);
                    entry[c] = v;
                }
            }
            out.push((name, lut));
            rest = &rest[nl + 1 + 768..];
        }
        out
    })
}

/// Names of the colormaps [`colormap`] knows (each also reversed with `_r`).
pub fn colormap_names() -> Vec<&'static str> {
    colormap_table().iter().map(|(n, _)| n.as_str()).collect()
}

/// The 256 colours of a named colormap, as matplotlib defines it (case-insensitive; `grey` is `gray`;
/// an `_r` suffix reverses it).
pub fn colormap(name: &str) -> Option<Vec<[u8; 4]>> {
    let lower = name.to_ascii_lowercase();
    let (base, reversed) = match lower.strip_suffix("_r") {
        Some(b) => (b, true),
        None => (lower.as_str(), false),
    };
    let base = if base == "grey" { "gray" } else { base };
    let mut lut = colormap_table().iter().find(|(n, _)| n == base)?.1.clone();
    if reversed {
        lut.reverse();
    }
    Some(lut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packed_colormaps_are_the_tsv_exactly() {
        let tsv = include_str!("../../data/colormaps.tsv");
        let mut n = 0;
        for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (name, hex) = line.split_once('\t').unwrap();
            let want: Vec<[u8; 4]> = (0..256)
                .map(|i| {
                    let c = |k: usize| u8::from_str_radix(&hex[6 * i + 2 * k..6 * i + 2 * k + 2], 16).unwrap();
                    [c(0), c(1), c(2), 255]
                })
                .collect();
            assert_eq!(colormap(name).as_ref(), Some(&want), "{name}");
            n += 1;
        }
        assert_eq!(n, colormap_names().len());
    }
    #[test]
    fn colours_and_colormaps_by_name() {
        assert_eq!(parse_colour("#ff0000").unwrap(), [255, 0, 0, 255]);
        assert_eq!(parse_colour("red").unwrap(), [255, 0, 0, 255]);
        assert!(parse_colour("nope").is_err());
        let v = colormap("viridis").unwrap();
        assert_eq!(v.len(), 256);
        let mut r = colormap("Viridis_r").unwrap();
        r.reverse();
        assert_eq!(r, v);
        assert_eq!(colormap("grey"), colormap("gray"));
        assert!(colormap_names().contains(&"terrain"));
    }
}
