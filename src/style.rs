//! Styling: turning samples into RGBA. Defaults that look right with no style at all: RGB(A) 8-bit
//! shown as is, one band as grey stretched between a min and a max, nodata and masked pixels transparent.

use crate::cog::Raster;
use crate::error::{Error, Result};
use crate::tiff::DType;

/// How to render a raster with no explicit style.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultStyle {
    /// Per band (min, max) for stretching non-8-bit data.
    pub ranges: Vec<(f64, f64)>,
    /// Value treated as transparent.
    pub nodata: Option<f64>,
    /// Index of an alpha band (ExtraSamples), if any.
    pub alpha_band: Option<usize>,
    /// The file's colour table, for palette images (band 1 indexes it).
    pub palette: Option<Vec<[u8; 4]>>,
}

/// Linear rescale of `v` from `[min, max]` to `0..=255`, clamped, unrounded (large_image's float
/// before it becomes 8-bit).
#[inline]
pub fn rescale_f(v: f64, min: f64, max: f64) -> f64 {
    if max <= min {
        return if v >= max { 255.0 } else { 0.0 };
    }
    ((v - min) / (max - min) * 255.0).clamp(0.0, 255.0)
}

/// Linear rescale of `v` from `[min, max]` to `0..=255`, clamped and truncated to 8 bits (as
/// large_image's `astype(uint8)`).
#[inline]
pub fn rescale(v: f64, min: f64, max: f64) -> u8 {
    rescale_f(v, min, max) as u8
}

/// Pixel `p` of `r` with the default style, as floats 0…255 (RGBA; alpha 0 where transparent).
pub fn default_value(r: &Raster, st: &DefaultStyle, p: usize) -> [f64; 4] {
    let transparent = [0.0; 4];
    if r.valid[p] == 0 {
        return transparent;
    }
    let colour_bands = match st.alpha_band {
        Some(a) => a.min(r.bands),
        None => r.bands,
    };
    let v = |b: usize| r.dtype.get(&r.data, p * r.bands + b);
    if let Some(nd) = st.nodata {
        let is_nd = |b: usize| {
            let x = v(b);
            x == nd || (nd.is_nan() && x.is_nan())
        };
        if (0..colour_bands.max(1)).all(is_nd) {
            return transparent;
        }
    }
    if let Some(pal) = &st.palette {
        let i = v(0);
        return match pal.get(i as usize).filter(|_| i >= 0.0) {
            Some(c) => c.map(f64::from),
            None => transparent,
        };
    }
    let direct = r.dtype == DType::U8;
    let chan = |b: usize| -> f64 {
        let x = v(b);
        if direct {
            x
        } else {
            let (lo, hi) = st.ranges.get(b).copied().unwrap_or((0.0, 255.0));
            rescale_f(x, lo, hi)
        }
    };
    let alpha = match st.alpha_band {
        Some(a) if a < r.bands => {
            if direct {
                v(a)
            } else {
                rescale_f(v(a), 0.0, r.dtype.range().1)
            }
        }
        _ => 255.0,
    };
    if colour_bands >= 3 {
        [chan(0), chan(1), chan(2), alpha]
    } else {
        let g = chan(0);
        [g, g, g, alpha]
    }
}

/// Renders `r` to RGBA (`width * height * 4` bytes) with the default style.
pub fn render_default(r: &Raster, st: &DefaultStyle) -> Vec<u8> {
    let n = r.width * r.height;
    let mut out = vec![0u8; n * 4];
    for p in 0..n {
        let c = default_value(r, st, p);
        for i in 0..4 {
            out[p * 4 + i] = c[i] as u8;
        }
    }
    out
}

/// A large_image style: one band style, or several composited (`{"bands": [...]}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// The band styles, composited with `lighten` (per-channel maximum).
    pub bands: Vec<BandStyle>,
}

/// One band's style.
#[derive(Debug, Clone, PartialEq)]
pub struct BandStyle {
    /// 0-based band index.
    pub band: usize,
    /// Lower end of the stretch.
    pub min: Bound,
    /// Upper end of the stretch.
    pub max: Bound,
    /// Colours from `min` to `max` (black → white when none given).
    pub palette: Vec<[u8; 4]>,
    /// Value drawn transparent.
    pub nodata: Option<f64>,
    /// `discrete` picks palette entries without interpolating.
    pub discrete: bool,
    /// Values outside min..max are clamped (true) or transparent (false).
    pub clamp: bool,
}

/// A `min`/`max` of a style.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A number.
    Value(f64),
    /// 2nd (min) or 98th (max) percentile of the band.
    Auto,
    /// The band's minimum or maximum.
    Data,
    /// The data type's full range.
    Full,
}

/// Per-band statistics the styles need: (min, max, 2nd percentile, 98th percentile).
pub type BandStats = (f64, f64, f64, f64);

fn bound(v: Option<&serde_json::Value>, is_min: bool) -> Result<Bound> {
    Ok(match v {
        None | Some(serde_json::Value::Null) => Bound::Data,
        Some(serde_json::Value::Number(n)) => Bound::Value(n.as_f64().unwrap_or(0.0)),
        Some(serde_json::Value::String(s)) => match s.as_str() {
            "auto" => Bound::Auto,
            "min" | "max" => Bound::Data,
            "full" => Bound::Full,
            x => match x.parse::<f64>() {
                Ok(f) => Bound::Value(f),
                Err(_) => {
                    return Err(Error::usage(format!(
                        "style {}: {x:?} (a number, auto, min, max or full)",
                        if is_min { "min" } else { "max" }
                    )))
                }
            },
        },
        Some(o) => return Err(Error::usage(format!("style min/max: {o}"))),
    })
}

/// Parses a colour (`#rgb`, `#rrggbb`, `#rrggbbaa`, CSS names, `rgb(…)`).
pub fn parse_colour(s: &str) -> Result<[u8; 4]> {
    let c = colorgrad::Color::from_html(s).map_err(|_| Error::usage(format!("unknown colour {s:?}")))?;
    Ok(c.to_rgba8())
}

/// The named colormaps: matplotlib's exact 256-colour tables (its own, ColorBrewer's, cmocean's and a
/// few of rio-tiler's; `data/colormaps.tsv`, packed by build.rs), inflated once.
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
            out.push((name, rgb.chunks_exact(3).map(|c| [c[0], c[1], c[2], 255]).collect()));
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

fn palette(v: Option<&serde_json::Value>) -> Result<Vec<[u8; 4]>> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(vec![[0, 0, 0, 255], [255, 255, 255, 255]]),
        Some(serde_json::Value::String(s)) => {
            if let Some(l) = colormap(s) {
                return Ok(l);
            }
            // A single colour: black → that colour, as large_image does.
            Ok(vec![[0, 0, 0, 255], parse_colour(s).map_err(|_| Error::usage(format!("unknown palette {s:?}")))?])
        }
        Some(serde_json::Value::Array(a)) => {
            let p: Result<Vec<_>> = a
                .iter()
                .map(|c| {
                    c.as_str()
                        .ok_or_else(|| Error::usage("palette entries must be colour strings"))
                        .and_then(parse_colour)
                })
                .collect();
            let p = p?;
            if p.is_empty() {
                return Err(Error::usage("empty palette"));
            }
            Ok(p)
        }
        Some(o) => Err(Error::usage(format!("palette: {o}"))),
    }
}

fn band_index(v: Option<&serde_json::Value>, bands: usize, default: usize) -> Result<usize> {
    let i = match v {
        None | Some(serde_json::Value::Null) => return Ok(default),
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
        Some(serde_json::Value::String(s)) => match s.as_str() {
            "red" | "gray" | "grey" => 1,
            "green" => 2,
            "blue" => 3,
            "alpha" => bands,
            x => x.parse().map_err(|_| Error::usage(format!("style band {x:?}")))?,
        },
        Some(o) => return Err(Error::usage(format!("style band {o}"))),
    };
    if i == 0 || i > bands {
        return Err(Error::usage(format!("style band {i}: the image has bands 1..={bands}")));
    }
    Ok(i - 1)
}

impl Style {
    /// Parses large_image's style JSON for an image with `bands` bands.
    pub fn parse(v: &serde_json::Value, bands: usize) -> Result<Style> {
        let one = |o: &serde_json::Value, default_band: usize| -> Result<BandStyle> {
            let obj = o.as_object().ok_or_else(|| Error::usage("a style must be a JSON object"))?;
            let scheme = obj.get("scheme").and_then(|s| s.as_str()).unwrap_or("linear");
            if scheme != "linear" && scheme != "discrete" {
                return Err(Error::usage(format!("style scheme {scheme:?} (linear or discrete)")));
            }
            Ok(BandStyle {
                band: band_index(obj.get("band"), bands, default_band)?,
                min: bound(obj.get("min"), true)?,
                max: bound(obj.get("max"), false)?,
                palette: palette(obj.get("palette").or(obj.get("cmap")))?,
                nodata: obj.get("nodata").and_then(|n| n.as_f64().or_else(|| n.as_str().and_then(|s| s.parse().ok()))),
                discrete: scheme == "discrete",
                clamp: obj.get("clamp").and_then(|c| c.as_bool()).unwrap_or(true),
            })
        };
        match v.get("bands") {
            Some(serde_json::Value::Array(list)) => Ok(Style {
                bands: list.iter().enumerate().map(|(i, b)| one(b, i.min(bands - 1))).collect::<Result<_>>()?,
            }),
            _ => Ok(Style { bands: vec![one(v, 0)?] }),
        }
    }
}

/// Renders `r` with `style`, given per-band statistics and the file's nodata.
pub fn render_style(r: &Raster, style: &Style, stats: &[BandStats], file_nodata: Option<f64>) -> Vec<u8> {
    let n = r.width * r.height;
    let mut out = vec![0u8; n * 4];
    for bs in &style.bands {
        let st = stats.get(bs.band).copied().unwrap_or((0.0, 1.0, 0.0, 1.0));
        let full = r.dtype.range();
        let resolve = |b: Bound, is_min: bool| match b {
            Bound::Value(v) => v,
            Bound::Auto => {
                if is_min {
                    st.2
                } else {
                    st.3
                }
            }
            Bound::Data => {
                if is_min {
                    st.0
                } else {
                    st.1
                }
            }
            Bound::Full => {
                if is_min {
                    full.0
                } else {
                    full.1
                }
            }
        };
        let (lo, hi) = (resolve(bs.min, true), resolve(bs.max, false));
        let nodata = bs.nodata.or(file_nodata);
        let pal = &bs.palette;
        for p in 0..n {
            if r.valid[p] == 0 {
                continue;
            }
            let v = r.dtype.get(&r.data, p * r.bands + bs.band);
            if v.is_nan() || nodata.is_some_and(|nd| v == nd) {
                continue;
            }
            let mut t = if hi > lo {
                (v - lo) / (hi - lo)
            } else if v >= hi {
                1.0
            } else {
                0.0
            };
            if !(0.0..=1.0).contains(&t) {
                if !bs.clamp {
                    continue;
                }
                t = t.clamp(0.0, 1.0);
            }
            let c = if bs.discrete || pal.len() == 1 {
                pal[((t * pal.len() as f64) as usize).min(pal.len() - 1)]
            } else {
                let x = t * (pal.len() - 1) as f64;
                let k = (x.floor() as usize).min(pal.len() - 2);
                let f = x - k as f64;
                let (a, b) = (pal[k], pal[k + 1]);
                std::array::from_fn(|i| (a[i] as f64 + (b[i] as f64 - a[i] as f64) * f).round() as u8)
            };
            let px = &mut out[p * 4..p * 4 + 4];
            for i in 0..4 {
                px[i] = px[i].max(c[i]);
            }
        }
    }
    out
}
