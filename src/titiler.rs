//! TiTiler / rio-tiler's query-parameter dialect of styling: `bidx`, `expression`, `rescale`,
//! `colormap_name`, `colormap`, `nodata`, `resampling`, turned into RGBA as rio-tiler 7's
//! `ImageData.rescale` + `render` do:
//!
//! - the bands are the `bidx` list (1-based), or the outputs of `expression` (`;`-separated), else all;
//! - `rescale=min,max` (one per output band, else the first for all) maps `clip(v, min, max)` linearly
//!   onto 0…255 and truncates as numpy's `astype(uint8)` does;
//! - one band is drawn grey, or through `colormap_name` (a 256-colour table indexed by the 8-bit
//!   value) or `colormap` (a JSON object `{"value": [r, g, b, a]}` or intervals `[[[min, max], [r, g,
//!   b, a]], …]`, applied to the rescaled value, or the raw one without `rescale`); three or more are
//!   RGB; two are grey + alpha;
//! - a pixel is transparent where the mask or alpha says so, where any selected band is nodata
//!   (`nodata` overrides the file's), and where an expression gives NaN or infinity (rio-tiler would
//!   draw those black).

use crate::cog::Raster;
use crate::error::{Error, Result};
use crate::expr::{self, Expr};
use crate::style::{colormap, parse_colour};

/// A `colormap` given in the request: discrete values, or intervals.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomColormap {
    /// `{"value": [r, g, b, a]}`: values not listed are transparent.
    Discrete(Vec<(f64, [u8; 4])>),
    /// `[[[min, max], [r, g, b, a]], …]`: `min ≤ v < max`.
    Intervals(Vec<((f64, f64), [u8; 4])>),
}

/// Parsed TiTiler parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TitilerParams {
    /// `bidx`: 1-based band indexes.
    pub bidx: Vec<usize>,
    /// `expression`: band math, one tree per output band.
    pub expression: Option<Vec<Expr>>,
    /// `rescale`: input ranges per output band.
    pub rescale: Vec<(f64, f64)>,
    /// `colormap_name` resolved to 256 colours.
    pub colormap: Option<Vec<[u8; 4]>>,
    /// `colormap` given as JSON.
    pub custom_colormap: Option<CustomColormap>,
    /// `nodata` (overrides the file's).
    pub nodata: Option<f64>,
    /// `resampling` as given (nearest, bilinear, cubic…), for the tiler to apply.
    pub resampling: Option<String>,
}

fn number(key: &str, s: &str) -> Result<f64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "nan" => Ok(f64::NAN),
        "inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        t => t.parse().map_err(|_| Error::usage(format!("{key}={s:?}: not a number"))),
    }
}

fn rgba(v: &serde_json::Value) -> Result<[u8; 4]> {
    if let Some(s) = v.as_str() {
        return parse_colour(s);
    }
    let a = v.as_array().filter(|a| a.len() == 3 || a.len() == 4);
    let a = a.ok_or_else(|| Error::usage(format!("colormap colour {v}: [r, g, b] or [r, g, b, a]")))?;
    let mut c = [0, 0, 0, 255];
    for (i, x) in a.iter().enumerate() {
        c[i] = x
            .as_u64()
            .filter(|x| *x <= 255)
            .ok_or_else(|| Error::usage(format!("colormap colour {v}: components 0…255")))? as u8;
    }
    Ok(c)
}

fn parse_custom_colormap(text: &str) -> Result<CustomColormap> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::usage(format!("colormap is not JSON: {e}")))?;
    match &v {
        serde_json::Value::Object(m) => {
            let mut out = m
                .iter()
                .map(|(k, c)| Ok((number("colormap", k)?, rgba(c)?)))
                .collect::<Result<Vec<(f64, [u8; 4])>>>()?;
            out.sort_by(|a, b| a.0.total_cmp(&b.0));
            Ok(CustomColormap::Discrete(out))
        }
        serde_json::Value::Array(list) => list
            .iter()
            .map(|e| {
                let pair = e.as_array().filter(|p| p.len() == 2);
                let range = pair.and_then(|p| p[0].as_array()).filter(|r| r.len() == 2);
                let (Some(p), Some(r)) = (pair, range) else {
                    return Err(Error::usage(format!("colormap interval {e}: [[min, max], [r, g, b, a]]")));
                };
                let lim = |x: &serde_json::Value| x.as_f64().ok_or_else(|| Error::usage(format!("colormap {x}")));
                Ok(((lim(&r[0])?, lim(&r[1])?), rgba(&p[1])?))
            })
            .collect::<Result<_>>()
            .map(CustomColormap::Intervals),
        _ => Err(Error::usage("colormap: a JSON object or a list of intervals")),
    }
}

impl TitilerParams {
    /// Parses `(key, value)` pairs (a query string's, keys repeated for lists) for an image with
    /// `bands` bands. Unknown keys are ignored (they belong to the tiler: `format`, `tilesize`…).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, bands: usize) -> Result<Self> {
        let mut p = TitilerParams::default();
        for (k, v) in pairs {
            match k {
                "bidx" => {
                    for s in v.split(',') {
                        let b: usize = s.trim().parse().map_err(|_| Error::usage(format!("bidx={v:?}")))?;
                        if b == 0 || b > bands {
                            return Err(Error::usage(format!("bidx={b}: the image has bands 1…{bands}")));
                        }
                        p.bidx.push(b);
                    }
                }
                "expression" => p.expression = Some(expr::parse(v, bands)?),
                "rescale" => {
                    let (a, b) = v.split_once(',').ok_or_else(|| Error::usage(format!("rescale={v:?}: min,max")))?;
                    p.rescale.push((number("rescale", a)?, number("rescale", b)?));
                }
                "colormap_name" => {
                    // Named colormaps are 256-colour tables (build.rs checks it), indexed by the 8-bit value.
                    p.colormap =
                        Some(colormap(v).ok_or_else(|| Error::usage(format!("colormap_name={v:?}: unknown")))?);
                }
                "colormap" => p.custom_colormap = Some(parse_custom_colormap(v)?),
                "nodata" => p.nodata = Some(number("nodata", v)?),
                "resampling" => p.resampling = Some(v.to_string()),
                _ => {}
            }
        }
        if p.expression.is_some() && !p.bidx.is_empty() {
            return Err(Error::usage("give either expression or bidx, not both"));
        }
        Ok(p)
    }

    /// Parses a URL query string (`bidx=1&rescale=0,3000&colormap_name=viridis`), percent-decoded.
    pub fn from_query(query: &str, bands: usize) -> Result<Self> {
        let decoded: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                Ok((percent_decode(k)?, percent_decode(v)?))
            })
            .collect::<Result<_>>()?;
        Self::from_pairs(decoded.iter().map(|(k, v)| (k.as_str(), v.as_str())), bands)
    }

    /// The bands to read (0-based): what `bidx` or the expression need, else all.
    pub fn source_bands(&self, bands: usize) -> Vec<usize> {
        if let Some(ex) = &self.expression {
            let mut out = Vec::new();
            ex.iter().for_each(|e| e.bands(&mut out));
            out
        } else if !self.bidx.is_empty() {
            self.bidx.iter().map(|b| b - 1).collect()
        } else {
            (0..bands).collect()
        }
    }

    /// Renders `r` (the image's bands) as RGBA; `file_nodata` is the file's nodata value.
    pub fn render(&self, r: &Raster, file_nodata: Option<f64>) -> Vec<u8> {
        let n = r.width * r.height;
        let band = |b: usize| (0..n).map(|p| r.dtype.get(&r.data, p * r.bands + b)).collect::<Vec<f64>>();
        let nodata = self.nodata.or(file_nodata);
        let sources = self.source_bands(r.bands);
        // Valid where the mask says so and no selected band is nodata (rio-tiler's dataset mask).
        let mut valid: Vec<bool> = r.valid.iter().map(|v| *v != 0).collect();
        if let Some(nd) = nodata {
            for (p, ok) in valid.iter_mut().enumerate() {
                let is_nd = |b: &usize| {
                    let v = r.dtype.get(&r.data, p * r.bands + b);
                    v == nd || (nd.is_nan() && v.is_nan())
                };
                if sources.iter().any(is_nd) {
                    *ok = false;
                }
            }
        }
        let outputs: Vec<Vec<f64>> = match &self.expression {
            Some(ex) => ex.iter().map(|e| e.eval(n, &band)).collect(),
            None => sources.iter().map(|&b| band(b)).collect(),
        };
        // rio-tiler's rescale: one range per output band, else the first for all; astype(uint8) truncates.
        // Without it, 8-bit data is drawn as is, other integer data over its type's range (rio-tiler's
        // render does so for non-PNG types; a 16-bit PNG viewed in 8 bits looks the same) and
        // expression results (floats) are clipped to 0…255.
        let in_range = |i: usize| match self.rescale.len() {
            0 => None,
            k if k == outputs.len() => Some(self.rescale[i]),
            _ => Some(self.rescale[0]),
        };
        let type_range = match (&self.expression, r.dtype.is_float(), r.dtype.range()) {
            (None, false, (lo, hi)) if (lo, hi) != (0.0, 255.0) => Some((lo, hi)),
            _ => None,
        };
        let scaled: Vec<Vec<f64>> = outputs
            .iter()
            .enumerate()
            .map(|(i, v)| match in_range(i).or(type_range) {
                Some((lo, hi)) => v.iter().map(|x| ((x.clamp(lo, hi) - lo) / (hi - lo) * 255.0).trunc()).collect(),
                None => v.iter().map(|x| x.clamp(0.0, 255.0).trunc()).collect(),
            })
            .collect();
        let mut out = vec![0u8; n * 4];
        for p in 0..n {
            if !valid[p] || outputs.iter().any(|o| !o[p].is_finite()) {
                continue;
            }
            let c = match scaled.len() {
                // Discrete and interval colormaps apply to the rescaled value, else to the raw one.
                1 => self.colour(scaled[0][p], if self.rescale.is_empty() { outputs[0][p] } else { scaled[0][p] }),
                2 => {
                    let g = scaled[0][p] as u8;
                    [g, g, g, scaled[1][p] as u8]
                }
                _ => [scaled[0][p] as u8, scaled[1][p] as u8, scaled[2][p] as u8, 255],
            };
            out[p * 4..p * 4 + 4].copy_from_slice(&c);
        }
        out
    }

    /// The colour of one single-band output: `byte` is its 8-bit value, `value` what discrete and
    /// interval colormaps look up (later intervals win, as rio-tiler paints them in order).
    fn colour(&self, byte: f64, value: f64) -> [u8; 4] {
        match (&self.custom_colormap, &self.colormap) {
            (Some(CustomColormap::Discrete(m)), _) => {
                m.binary_search_by(|e| e.0.total_cmp(&value)).map(|i| m[i].1).unwrap_or([0, 0, 0, 0])
            }
            (Some(CustomColormap::Intervals(m)), _) => {
                m.iter().rev().find(|((lo, hi), _)| value >= *lo && value < *hi).map(|e| e.1).unwrap_or([0, 0, 0, 0])
            }
            (None, Some(lut)) => lut[(byte as usize).min(lut.len() - 1)],
            (None, None) => {
                let g = byte as u8;
                [g, g, g, 255]
            }
        }
    }
}

/// Decodes `%xx` escapes and `+` (as a space) of a query component.
fn percent_decode(s: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(hex.ok_or_else(|| Error::usage(format!("bad %-escape in {s:?}")))?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Error::usage(format!("{s:?} is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_parsed_and_checked() {
        let p = TitilerParams::from_query(
            "bidx=3&bidx=1&rescale=0,3000&rescale=10,20&colormap_name=viridis&nodata=-9999&format=png",
            3,
        )
        .unwrap();
        assert_eq!(p.bidx, vec![3, 1]);
        assert_eq!(p.rescale, vec![(0.0, 3000.0), (10.0, 20.0)]);
        assert_eq!(p.nodata, Some(-9999.0));
        assert_eq!(p.colormap.as_ref().map(|c| c.len()), Some(256));
        let e = TitilerParams::from_query("expression=(b2-b1)%2F(b2%2Bb1)", 2).unwrap();
        assert_eq!(e.source_bands(2), vec![0, 1]);
        let err = |q: &str| TitilerParams::from_query(q, 2).unwrap_err().to_string();
        assert!(err("bidx=3").contains("bands 1…2"));
        assert!(err("rescale=5").contains("min,max"));
        assert!(err("colormap_name=nope").contains("unknown"));
        assert!(err("colormap=%7B%22a%22").contains("not JSON"));
    }

    #[test]
    fn custom_colormaps_pick_values_and_intervals() {
        let d = TitilerParams::from_query("colormap=%7B%221%22%3A%5B255%2C0%2C0%2C255%5D%7D", 1).unwrap();
        assert_eq!(d.colour(1.0, 1.0), [255, 0, 0, 255]);
        assert_eq!(d.colour(2.0, 2.0), [0, 0, 0, 0]);
        let i = TitilerParams::from_pairs([("colormap", "[[[0, 10], [0, 0, 255]], [[10, 20], \"#00ff00\"]]")], 1);
        let i = i.unwrap();
        assert_eq!(i.colour(10.0, 10.0), [0, 255, 0, 255]);
        assert_eq!(i.colour(9.0, 9.5), [0, 0, 255, 255]);
    }
}
