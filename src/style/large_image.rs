//! large_image's style JSON: one band style (`{"band": 1, "palette": "viridis", "min": "auto"}`) or
//! several composited (`{"bands": [...]}`), parsed once and turned into a [`Plan`].

use super::colormap::{large_image_palette, parse_colour};
use super::plan::{Channel, Colour, Input, Layer, Mask, Nodata, Plan, Reject, Scale};
use crate::error::{Error, Result};
use crate::tiff::DType;

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

fn palette(v: Option<&serde_json::Value>) -> Result<Vec<[u8; 4]>> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(vec![[0, 0, 0, 255], [255, 255, 255, 255]]),
        Some(serde_json::Value::String(s)) => large_image_palette(s)
            .ok_or_else(|| Error::usage(format!("palette {s:?} cannot be used as a color palette"))),
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

impl Style {
    /// The plan that draws this style: one layer per band style, composited with `lighten`. `stats`
    /// gives each band's (min, max, 2nd, 98th percentile) for `min`/`max`/`auto`, `file_nodata` the
    /// file's nodata (a band style's own `nodata` wins), `dtype` the samples' decoded type (`full`).
    pub fn plan(&self, stats: &[BandStats], file_nodata: Option<f64>, dtype: DType) -> Plan {
        let full = dtype.range();
        let layers = self
            .bands
            .iter()
            .map(|bs| {
                let st = stats.get(bs.band).copied().unwrap_or((0.0, 1.0, 0.0, 1.0));
                let resolve = |b: Bound, is_min: bool| match (b, is_min) {
                    (Bound::Value(v), _) => v,
                    (Bound::Auto, true) => st.2,
                    (Bound::Auto, false) => st.3,
                    (Bound::Data, true) => st.0,
                    (Bound::Data, false) => st.1,
                    (Bound::Full, true) => full.0,
                    (Bound::Full, false) => full.1,
                };
                let (min, max) = (resolve(bs.min, true), resolve(bs.max, false));
                Layer {
                    channels: vec![Channel {
                        input: Input::Band(bs.band),
                        scale: Scale::Position { min, max, clamp: bs.clamp },
                    }],
                    colour: Colour::Gradient { palette: bs.palette.clone(), discrete: bs.discrete },
                    mask: Mask {
                        nodata: bs.nodata.or(file_nodata).map(|value| Nodata {
                            value,
                            bands: vec![bs.band],
                            all: true,
                        }),
                        reject: Reject::Nan,
                    },
                }
            })
            .collect();
        Plan { layers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_bands_bounds_and_palettes() {
        let s =
            Style::parse(&json!({"band": "green", "min": "auto", "max": 200, "palette": ["#000", "#f00"]}), 3).unwrap();
        assert_eq!(s.bands.len(), 1);
        let b = &s.bands[0];
        assert_eq!((b.band, b.min, b.max), (1, Bound::Auto, Bound::Value(200.0)));
        assert_eq!(b.palette, vec![[0, 0, 0, 255], [255, 0, 0, 255]]);
        let multi = Style::parse(&json!({"bands": [{"band": 1}, {"band": 3, "scheme": "discrete"}]}), 3).unwrap();
        assert_eq!(multi.bands.len(), 2);
        assert!(multi.bands[1].discrete);
        let err = |v: serde_json::Value| Style::parse(&v, 2).unwrap_err().to_string();
        assert!(err(json!({"band": 3})).contains("bands 1..=2"));
        assert!(err(json!({"min": "lowest"})).contains("auto, min, max or full"));
        assert!(err(json!({"scheme": "log"})).contains("linear or discrete"));
    }

    #[test]
    fn plan_resolves_bounds_from_statistics_and_type() {
        let s = Style::parse(&json!({"band": 1, "min": "auto", "max": "full", "nodata": 3}), 1).unwrap();
        let plan = s.plan(&[(1.0, 90.0, 2.0, 80.0)], Some(9.0), DType::U8);
        let layer = &plan.layers[0];
        assert_eq!(layer.channels[0].scale, Scale::Position { min: 2.0, max: 255.0, clamp: true });
        assert_eq!(layer.mask.nodata.as_ref().map(|n| n.value), Some(3.0));
        assert_eq!(layer.mask.reject, Reject::Nan);
    }
}
