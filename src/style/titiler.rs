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

use super::colormap::{colormap, parse_colour};
use super::expr::{self, Expr};
use super::plan::{Channel, Colour, Input, Layer, Mask, Nodata, Plan, Reject, Scale};
use crate::error::{Error, Result};
use crate::tiff::DType;

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
            crate::order::sort_by_key(&mut out, |a| crate::order::f64_key(a.0));
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

    /// The plan that draws these parameters on an image of `bands` bands of decoded type `dtype`
    /// whose own nodata is `file_nodata`, as rio-tiler 7's `ImageData.rescale` + `render` draw them:
    ///
    /// - one channel per `bidx` band or `expression` output (all bands without either);
    /// - `rescale`: one range per output, else the first for all, through [`linear_rescale`]; without
    ///   it, integer data other than 8-bit over its type's range (rio-tiler's `render` does so for
    ///   non-PNG types; a 16-bit PNG viewed in 8 bits looks the same), anything else clipped to 0…255;
    /// - one output grey, or through `colormap` (its values or intervals, looked up in the rescaled
    ///   value, or the raw one without `rescale`) or `colormap_name` (a 256-entry table); two grey and
    ///   alpha; three or more RGB;
    /// - transparent where the mask says so, where any band read is nodata (`nodata` overriding the
    ///   file's) and where any output is NaN or infinite (rio-tiler would draw those black).
    ///
    /// [`linear_rescale`]: super::plan::linear_rescale
    pub fn plan(&self, bands: usize, dtype: DType, file_nodata: Option<f64>) -> Plan {
        let sources = self.source_bands(bands);
        let inputs: Vec<Input> = match &self.expression {
            Some(ex) => ex.iter().cloned().map(Input::Expression).collect(),
            None => sources.iter().map(|&b| Input::Band(b)).collect(),
        };
        let n = inputs.len();
        let type_range = match (&self.expression, dtype.is_float(), dtype.range()) {
            (None, false, (lo, hi)) if (lo, hi) != (0.0, 255.0) => Some((lo, hi)),
            _ => None,
        };
        let range = |i: usize| match self.rescale.len() {
            0 => None,
            k if k == n => Some(self.rescale[i]),
            _ => Some(self.rescale[0]),
        };
        // Values and intervals look the raw value up unless a rescale is given.
        let raw_lookup = n == 1 && self.custom_colormap.is_some() && self.rescale.is_empty();
        let channels = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                let scale = match range(i).or(type_range) {
                    _ if raw_lookup => Scale::Identity,
                    Some((min, max)) => Scale::Rescale { min, max },
                    None => Scale::Clip,
                };
                Channel { input, scale }
            })
            .collect();
        let colour = match (n, &self.custom_colormap, &self.colormap) {
            (1, Some(CustomColormap::Discrete(m)), _) => Colour::Values(m.clone()),
            (1, Some(CustomColormap::Intervals(m)), _) => Colour::Intervals(m.clone()),
            (1, None, Some(lut)) => Colour::Lut(lut.clone()),
            (1, None, None) => Colour::Grey { alpha: false },
            (2, ..) => Colour::Grey { alpha: true },
            _ => Colour::Rgb { alpha: false },
        };
        let nodata = self.nodata.or(file_nodata).map(|value| Nodata { value, bands: sources, all: false });
        Plan { layers: vec![Layer { channels, colour, mask: Mask { nodata, reject: Reject::NonFinite } }] }
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

    /// The colour the plan of `p` gives one 8-bit sample `v` of a one-band image.
    fn colour(p: &TitilerParams, v: u8) -> [u8; 4] {
        let r =
            crate::decode::Raster { width: 1, height: 1, bands: 1, dtype: DType::U8, data: vec![v], valid: vec![255] };
        p.plan(1, DType::U8, None).draw(&r).try_into().unwrap()
    }

    #[test]
    fn custom_colormaps_pick_values_and_intervals() {
        let d = TitilerParams::from_query("colormap=%7B%221%22%3A%5B255%2C0%2C0%2C255%5D%7D", 1).unwrap();
        assert_eq!(colour(&d, 1), [255, 0, 0, 255]);
        assert_eq!(colour(&d, 2), [0, 0, 0, 0]);
        let i = TitilerParams::from_pairs([("colormap", "[[[0, 10], [0, 0, 255]], [[10, 20], \"#00ff00\"]]")], 1);
        let i = i.unwrap();
        assert_eq!(colour(&i, 10), [0, 255, 0, 255]);
        assert_eq!(colour(&i, 9), [0, 0, 255, 255]);
        // Classes, which `resampling: auto` never blends; a named colormap is a continuous ramp.
        assert!(d.plan(1, DType::U8, None).is_categorical() && i.plan(1, DType::U8, None).is_categorical());
        let ramp = TitilerParams::from_query("colormap_name=viridis", 1).unwrap();
        assert!(!ramp.plan(1, DType::U8, None).is_categorical());
    }

    #[test]
    fn plans_follow_riotiler() {
        let p = TitilerParams::from_query("bidx=1&rescale=0,1000&colormap_name=viridis", 2).unwrap();
        let plan = p.plan(2, DType::U16, Some(0.0));
        let layer = &plan.layers[0];
        assert_eq!(layer.channels[0].scale, Scale::Rescale { min: 0.0, max: 1000.0 });
        assert!(matches!(layer.colour, Colour::Lut(_)));
        assert_eq!(layer.mask.nodata, Some(Nodata { value: 0.0, bands: vec![0], all: false }));
        // 16-bit data without rescale: over the type's range; 8-bit: clipped.
        let all = TitilerParams::default();
        assert_eq!(
            all.plan(2, DType::U16, None).layers[0].channels[1].scale,
            Scale::Rescale { min: 0.0, max: 65535.0 }
        );
        assert_eq!(all.plan(3, DType::U8, None).layers[0].colour, Colour::Rgb { alpha: false });
        assert_eq!(all.plan(2, DType::F32, None).layers[0].channels[0].scale, Scale::Clip);
    }
}
