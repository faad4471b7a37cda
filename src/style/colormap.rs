//! Colours by name: CSS colours (`#rrggbb`, `rgb(…)`, names) and matplotlib's named colormaps.

use crate::error::{Error, Result};

/// Parses a colour (`#rgb`, `#rrggbb`, `#rrggbbaa`, CSS names, `rgb(…)`): with `large-image-colours`
/// (colorgrad) in native builds, in the colour module (`pkg/colours.wasm`, see `colours`) in wasm builds.
pub fn parse_colour(s: &str) -> Result<[u8; 4]> {
    #[cfg(not(target_arch = "wasm32"))]
    let parsed = large_image_colours::parse(s);
    #[cfg(target_arch = "wasm32")]
    let parsed = colours::parse(s)?;
    parsed.ok_or_else(|| Error::usage(format!("unknown colour {s:?}")))
}

/// The colour module of a wasm build (`pkg/colours.wasm`): the wasm face installs the function that
/// parses a colour there once it is loaded (with the colormaps and palettes); until then colours are
/// refused.
#[cfg(target_arch = "wasm32")]
pub mod colours {
    use crate::error::{Error, Result};
    use crate::slot::Slot;

    /// Parses a colour's text in the colour module: `r·2²⁴ + g·2¹⁶ + b·2⁸ + a`, or −1.
    pub type Parser = Box<dyn Fn(&str) -> f64>;

    thread_local! {
        static PARSER: Slot<Parser> = const { Slot::new() };
    }

    /// Whether the colour module is installed.
    pub fn installed() -> bool {
        PARSER.with(Slot::is_set)
    }

    /// Installs the colour module (the first call counts).
    pub fn install(parse: Parser) {
        PARSER.with(|p| p.set(parse));
    }

    pub(super) fn parse(s: &str) -> Result<Option<[u8; 4]>> {
        let n = PARSER.with(|p| p.with(|parse| parse.map(|parse| parse(s))));
        let n = n.ok_or_else(|| {
            Error::unsupported(format!("colour {s:?} needs the colour module (pkg/colours.wasm), not loaded"))
        })?;
        Ok(large_image_colours::from_number(n))
    }
}

/// A table build.rs packed with zlib, inflated (at most 1 MiB; empty if it does not inflate).
fn inflate_table(packed: &[u8]) -> Vec<u8> {
    let opts = zune_inflate::DeflateOptions::default().set_limit(1 << 20);
    zune_inflate::DeflateDecoder::new_with_options(packed, opts).decode_zlib().unwrap_or_default()
}

/// build.rs's packed colormaps and palettes (`colormaps.zlib`, `palettes.zlib`). The native build embeds
/// them; the wasm build leaves them out (33.5 KB, incompressible) and is handed them by the JS side the
/// first time a view is styled (`set_packed_tables`, wasm only: `pkg/colormaps.bin` and `pkg/palettes.bin`).
fn packed_tables() -> Option<(&'static [u8], &'static [u8])> {
    #[cfg(not(target_arch = "wasm32"))]
    return Some((
        include_bytes!(concat!(env!("OUT_DIR"), "/colormaps.zlib")),
        include_bytes!(concat!(env!("OUT_DIR"), "/palettes.zlib")),
    ));
    #[cfg(target_arch = "wasm32")]
    return PACKED_TABLES.get().map(|(c, p)| (c.as_slice(), p.as_slice()));
}

#[cfg(target_arch = "wasm32")]
static PACKED_TABLES: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();

/// Hands the wasm build its colormaps and palettes (the bytes of `pkg/colormaps.bin` and
/// `pkg/palettes.bin`, build.rs's `colormaps.zlib` and `palettes.zlib`); only the first call counts.
/// Until then no colormap and no palette name is known.
#[cfg(target_arch = "wasm32")]
pub fn set_packed_tables(colormaps: Vec<u8>, palettes: Vec<u8>) {
    let _ = PACKED_TABLES.set((colormaps, palettes));
}

/// Whether the colormaps and palettes are there (always in native builds).
pub fn tables_loaded() -> bool {
    packed_tables().is_some()
}

/// The named colormaps: matplotlib's exact 256-colour tables (its own, ColorBrewer's, cmocean's and a
/// few of rio-tiler's; `data/colormaps.tsv`, packed by build.rs as differences), inflated once (none
/// while a wasm build has not been handed them).
fn colormap_table() -> &'static [(String, Vec<[u8; 4]>)] {
    static TABLE: std::sync::OnceLock<Vec<(String, Vec<[u8; 4]>)>> = std::sync::OnceLock::new();
    let Some((packed, _)) = packed_tables() else { return &[] };
    TABLE.get_or_init(|| {
        let raw = inflate_table(packed);
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

/// large_image's palettes by name (`data/large_image_palettes.tsv`, packed by build.rs), inflated once
/// (none while a wasm build has not been handed them).
fn palette_table() -> &'static [(String, Vec<[u8; 4]>)] {
    static TABLE: std::sync::OnceLock<Vec<(String, Vec<[u8; 4]>)>> = std::sync::OnceLock::new();
    let Some((_, packed)) = packed_tables() else { return &[] };
    TABLE.get_or_init(|| {
        let raw = inflate_table(packed);
        let mut out = Vec::new();
        let mut rest = &raw[..];
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let Some(&[lo, hi]) = rest.get(nl + 1..nl + 3) else { break };
            let n = u16::from_le_bytes([lo, hi]) as usize;
            let Some(deltas) = rest.get(nl + 3..nl + 3 + 4 * n) else { break };
            let mut prev = [0u8; 4];
            let colours = deltas
                .chunks_exact(4)
                .map(|d| {
                    for k in 0..4 {
                        prev[k] = prev[k].wrapping_add(d[k]);
                    }
                    prev
                })
                .collect();
            out.push((String::from_utf8_lossy(&rest[..nl]).into_owned(), colours));
            rest = &rest[nl + 3 + 4 * n..];
        }
        out
    })
}

/// A palette name as large_image 1.35's `getPaletteColors` reads it (a list of colours is taken as it
/// is by the caller):
/// - large_image's own aliases (`R`, `G`, `B`, `RED`, `GREEN`, `BLUE`: pure primaries) and anything PIL
///   reads as a colour (CSS names, `#rgb…`, `rgb(…)`, `hsl(…)`): black → that colour;
/// - a matplotlib colormap: a segmented one (`terrain`, `jet`, `hot`, …) as its segment nodes' colours,
///   which a style then spaces evenly, a listed one (`viridis`, `Set1`, …) as its colours rounded to
///   8 bits; a matplotlib colour PIL does not know (`r`, `tab:blue`, `xkcd:sky blue`): transparent black
///   → that colour.
///
/// Names are matched as matplotlib matches them, then without regard to case. (palettable's dotted
/// names, which large_image tries between PIL and matplotlib, are not known here.)
pub fn large_image_palette(name: &str) -> Option<Vec<[u8; 4]>> {
    let alias = match name {
        "R" | "RED" => Some([255, 0, 0, 255]),
        "G" | "GREEN" => Some([0, 255, 0, 255]),
        "B" | "BLUE" => Some([0, 0, 255, 255]),
        _ => None,
    };
    if let Some(c) = alias.or_else(|| parse_colour(name).ok()) {
        return Some(vec![[0, 0, 0, 255], c]);
    }
    let table = palette_table();
    let found =
        table.iter().find(|(n, _)| n == name).or_else(|| table.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)));
    found.map(|(_, p)| p.clone())
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

    #[test]
    fn palettes_as_large_image_reads_them() {
        let black = [0, 0, 0, 255];
        // A colour PIL knows: black → it (`gray` is the colour, not the colormap).
        assert_eq!(large_image_palette("gray").unwrap(), vec![black, [128, 128, 128, 255]]);
        assert_eq!(large_image_palette("G").unwrap(), vec![black, [0, 255, 0, 255]]);
        assert_eq!(large_image_palette("green").unwrap(), vec![black, [0, 128, 0, 255]]);
        // matplotlib's terrain: its six segment nodes.
        let t = large_image_palette("terrain").unwrap();
        assert_eq!(t.len(), 6);
        assert_eq!((t[0], t[5]), ([0x33, 0x33, 0x99, 255], [255, 255, 255, 255]));
        // A listed colormap: its 256 colours (rounded: viridis[1] is #440256, where rio-tiler has #440255).
        let v = large_image_palette("viridis").unwrap();
        assert_eq!((v.len(), v[1]), (256, [0x44, 0x02, 0x56, 255]));
        assert_eq!(large_image_palette("Set1").unwrap().len(), 9);
        // A matplotlib colour PIL does not know: transparent black → it.
        assert_eq!(large_image_palette("tab:blue").unwrap(), vec![[0, 0, 0, 0], [0x1f, 0x77, 0xb4, 255]]);
        assert_eq!(large_image_palette("VIRIDIS"), large_image_palette("viridis"));
        assert!(large_image_palette("no such palette").is_none());
    }
}
