//! Histograms: of the rendered RGBA as large_image computes them, or of the band values with
//! numpy.histogram's bins, over the level a resolution picks, read window by window.

use super::{style_json, LargeImage};
use crate::error::{Error, Result};
use crate::source::RangeSource;
use crate::stats::histogram::{outer_edges, Bins, Moments, ValueCounts};
use crate::stats::{block_windows, walk, DataSamples};
use crate::tiff::DType;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which samples a histogram counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistogramKind {
    /// The rendered 8-bit RGBA, one entry per channel, every pixel (large_image / django-large-image).
    Rendered,
    /// Band values of valid pixels (masked by a mask IFD, colours under alpha 0, nodata and NaN left out).
    Bands,
}

/// The pyramid level a histogram reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The coarsest level whose larger side has at least this many pixels (full resolution if none).
    MaxSize(u64),
    /// Full resolution, read window by window.
    Exact,
}

/// Options of a histogram.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HistogramOptions {
    /// Number of equal bins (default 256).
    pub bins: usize,
    /// Rendered: counts / samples (large_image's density); bands: numpy's density (counts / bin width /
    /// samples).
    pub density: bool,
    /// Only `{min, max, mean, stdev}` lists.
    pub only_min_max: bool,
    /// One band (1-based) of a [`HistogramKind::Bands`] histogram; all when `None`.
    pub band: Option<usize>,
    /// Level to read (default: the coarsest with at least 256 px on its larger side).
    pub resolution: Resolution,
    /// What to count.
    pub kind: HistogramKind,
    /// Outer bin edges; default [min, max + 1] (rendered, as large_image) or [min, max] (bands, as numpy).
    pub range: Option<(f64, f64)>,
    /// Style of the rendered histogram (default style when none).
    pub style: Option<Value>,
}

impl Default for HistogramOptions {
    fn default() -> Self {
        HistogramOptions {
            bins: 256,
            density: false,
            only_min_max: false,
            band: None,
            resolution: Resolution::MaxSize(256),
            kind: HistogramKind::Rendered,
            range: None,
            style: None,
        }
    }
}

/// Options of a histogram as the JS API spells them (`img.histogram(options)`; the face takes
/// `onProgress` out before these are read).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[non_exhaustive]
pub struct HistogramRequest {
    /// Number of bins (default 256).
    pub bins: Option<usize>,
    /// Density instead of counts.
    pub density: Option<bool>,
    /// Only the min, max, mean and stdev lists.
    pub only_min_max: Option<bool>,
    /// One band (1-based); implies `kind: "bands"`.
    pub band: Option<usize>,
    /// A number (largest side in pixels of the level read) or `"exact"`.
    pub resolution: Option<Value>,
    /// `"rendered"` (large_image's answer) or `"bands"` (band values).
    pub kind: Option<String>,
    /// Outer bin edges `[min, max]`.
    pub range: Option<(f64, f64)>,
    /// Style of a rendered histogram: an object, or its JSON text.
    pub style: Option<Value>,
}

impl HistogramRequest {
    /// The histogram options these ask for.
    pub fn options(self) -> Result<HistogramOptions> {
        let style = style_json(self.style)?;
        let kind = match self.kind.as_deref() {
            None if self.band.is_some() => HistogramKind::Bands,
            None | Some("rendered") => HistogramKind::Rendered,
            Some("bands") => HistogramKind::Bands,
            Some(k) => return Err(Error::usage(format!("histogram kind {k:?} (rendered or bands)"))),
        };
        let resolution = match self.resolution {
            None | Some(Value::Null) => Resolution::MaxSize(256),
            Some(Value::String(s)) if s == "exact" || s == "full" => Resolution::Exact,
            Some(v) => match v.as_f64() {
                Some(0.0) => Resolution::Exact,
                Some(n) if n > 0.0 => Resolution::MaxSize(n as u64),
                _ => return Err(Error::usage(format!("histogram resolution {v} (pixels or \"exact\")"))),
            },
        };
        Ok(HistogramOptions {
            bins: self.bins.unwrap_or(256),
            density: self.density.unwrap_or(false),
            only_min_max: self.only_min_max.unwrap_or(false),
            band: self.band,
            range: self.range,
            style,
            kind,
            resolution,
        })
    }
}

/// A histogram answer: one entry per channel or band, or (`only_min_max`) the moments' lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Histogram {
    /// `[{min, max, mean, stdev, range, hist, bin_edges, bins, density, samples}, …]`.
    Entries(Vec<HistogramEntry>),
    /// `{min: [..], max: [..], mean: [..], stdev: [..]}`.
    MinMax(MinMax),
}

/// One channel's or band's histogram, in large_image's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramEntry {
    /// Smallest value counted (`null` when none).
    pub min: Option<f64>,
    /// Largest value counted.
    pub max: Option<f64>,
    /// Mean of the values counted.
    pub mean: Option<f64>,
    /// Population standard deviation.
    pub stdev: Option<f64>,
    /// The outer bin edges.
    pub range: [f64; 2],
    /// Counts, or densities.
    pub hist: Counts,
    /// The `bins + 1` edges.
    pub bin_edges: Vec<f64>,
    /// Number of bins.
    pub bins: usize,
    /// Whether `hist` holds densities.
    pub density: bool,
    /// Values counted.
    pub samples: u64,
    /// The band (1-based), for band-value histograms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub band: Option<usize>,
    /// The level read, for band-value histograms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
}

impl HistogramEntry {
    /// The entry of values with moments `m` counted as `hist` in `bins` over `range`; densities as `o`
    /// asks (a rendered histogram's are counts / samples, a band histogram's numpy's).
    fn new(m: &Moments, range: (f64, f64), bins: &Bins, hist: &[u64], o: &HistogramOptions) -> HistogramEntry {
        let counts = match (o.density, o.kind) {
            (false, _) => Counts::Counts(hist.to_vec()),
            (true, HistogramKind::Rendered) => {
                let n: u64 = hist.iter().sum();
                Counts::Density(hist.iter().map(|&c| c as f64 / n as f64).collect())
            }
            (true, HistogramKind::Bands) => Counts::Density(bins.density(hist)),
        };
        HistogramEntry {
            min: finite(m, m.min),
            max: finite(m, m.max),
            mean: finite(m, m.mean()),
            stdev: finite(m, m.stdev()),
            range: [range.0, range.1],
            hist: counts,
            bin_edges: bins.edges.clone(),
            bins: bins.len(),
            density: o.density,
            samples: hist.iter().sum(),
            band: None,
            level: None,
        }
    }
}

/// A histogram's counts, or its densities.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Counts {
    /// Values per bin.
    Counts(Vec<u64>),
    /// Density per bin.
    Density(Vec<f64>),
}

/// The moments of every channel or band: `{min: [..], max: [..], mean: [..], stdev: [..]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinMax {
    /// Smallest values (`null` where none).
    pub min: Vec<Option<f64>>,
    /// Largest values.
    pub max: Vec<Option<f64>>,
    /// Means.
    pub mean: Vec<Option<f64>>,
    /// Standard deviations.
    pub stdev: Vec<Option<f64>>,
}

/// `v` when some value was counted and it is finite.
fn finite(m: &Moments, v: f64) -> Option<f64> {
    (m.count > 0 && v.is_finite()).then_some(v)
}

impl MinMax {
    fn of(ms: &[Moments]) -> MinMax {
        let list = |f: &dyn Fn(&Moments) -> f64| ms.iter().map(|m| finite(m, f(m))).collect();
        MinMax { min: list(&|m| m.min), max: list(&|m| m.max), mean: list(&|m| m.mean()), stdev: list(&|m| m.stdev()) }
    }
}

/// Small integer types counted value by value in one pass.
fn narrow(dtype: DType) -> Option<(i64, i64)> {
    match dtype {
        DType::Bit | DType::U8 => Some((0, 255)),
        DType::I8 => Some((-128, 127)),
        DType::U16 => Some((0, 65535)),
        DType::I16 => Some((-32768, 32767)),
        _ => None,
    }
}

impl<S: RangeSource> LargeImage<S> {
    /// The level a histogram at `resolution` reads.
    pub fn histogram_level(&self, resolution: Resolution) -> Result<usize> {
        let Resolution::MaxSize(n) = resolution else { return Ok(0) };
        let mut level = 0;
        for l in 0..self.cog.levels.len() {
            let img = self.cog.level(l)?;
            if img.width.max(img.height) >= n {
                level = l;
            }
        }
        Ok(level)
    }

    /// The bands (0-based) a histogram counts: 4 RGBA channels for a rendered one.
    fn histogram_bands(&self, o: &HistogramOptions) -> Result<Vec<usize>> {
        let samples = self.cog.base().samples as usize;
        Ok(match (o.kind, o.band) {
            (HistogramKind::Bands, Some(b)) if b >= 1 && b <= samples => vec![b - 1],
            (_, Some(b)) => {
                return Err(Error::usage(format!(
                    "histogram band {b}: {}",
                    if o.kind == HistogramKind::Rendered {
                        "a band is chosen for band-value histograms, not rendered ones".to_string()
                    } else {
                        format!("the image has bands 1..={samples}")
                    }
                )))
            }
            (HistogramKind::Bands, None) => (0..samples).collect(),
            (HistogramKind::Rendered, None) => (0..4).collect(),
        })
    }

    /// Histograms of the level `o.resolution` picks, read window by window (memory stays bounded at
    /// full resolution); `progress(done, total)` is called after each window.
    ///
    /// [`HistogramKind::Rendered`] answers as django-large-image: one entry per RGBA channel of the
    /// rendered image, every pixel counted, range [min, max + 1]. [`HistogramKind::Bands`] counts band
    /// values of valid pixels with numpy.histogram's bins. 8/16-bit data (and every rendering) is
    /// counted value by value in one pass; wider types take two (moments, then bins).
    pub async fn histogram(&self, o: &HistogramOptions, progress: &mut dyn FnMut(u64, u64)) -> Result<Histogram> {
        let level = self.histogram_level(o.resolution)?;
        let img = self.cog.level(level)?.clone();
        let windows = block_windows(&img, 1024);
        let bands = self.histogram_bands(o)?;
        let rendered = o.kind == HistogramKind::Rendered;
        let counted = if rendered { Some((0, 255)) } else { narrow(img.dtype.decoded()) };
        let two_pass = counted.is_none() && !o.only_min_max;
        let total = windows.len() as u64 * if two_pass { 2 } else { 1 };
        // As GDAL's mask bands: an alpha of 0 masks the colour bands (the alpha band itself is all valid).
        let data = DataSamples { nodata: self.cog.base().nodata, alpha: self.alpha_band() };
        let plan = if rendered { Some(self.plan(o.style.as_ref(), None).await?) } else { None };
        let mut done = 0;
        progress(0, total);
        let mut counts: Vec<ValueCounts> = match counted {
            Some((lo, hi)) => bands.iter().map(|_| ValueCounts::new(lo, hi)).collect(),
            None => vec![],
        };
        let mut moments = vec![Moments::default(); bands.len()];
        walk(&self.cog, level, &windows, |r| {
            match &plan {
                Some(plan) => {
                    for px in plan.draw(r).chunks_exact(4) {
                        for (c, &v) in counts.iter_mut().zip(px) {
                            c.add(v as i64);
                        }
                    }
                }
                None if counted.is_some() => data.visit(r, &bands, |k, v| counts[k].add(v as i64)),
                None => data.visit(r, &bands, |k, v| moments[k].add(v, 1)),
            }
            done += 1;
            progress(done, total);
            Ok(())
        })
        .await?;
        if counted.is_some() {
            moments = counts.iter().map(ValueCounts::moments).collect();
        }
        if o.only_min_max {
            return Ok(Histogram::MinMax(MinMax::of(&moments)));
        }
        let mut all_bins = Vec::with_capacity(bands.len());
        for m in &moments {
            let data = m.min_max().map(|(a, b)| if rendered { (a, b + 1.0) } else { (a, b) });
            let (first, last) = outer_edges(o.range, data)?;
            all_bins.push(((first, last), Bins::new(first, last, o.bins)?));
        }
        let hists: Vec<Vec<u64>> = if counted.is_some() {
            counts.iter().zip(&all_bins).map(|(c, (_, b))| c.histogram(b)).collect()
        } else {
            let mut hists: Vec<Vec<u64>> = all_bins.iter().map(|(_, b)| vec![0; b.len()]).collect();
            walk(&self.cog, level, &windows, |r| {
                data.visit(r, &bands, |k, v| {
                    if let Some(i) = all_bins[k].1.index(v) {
                        hists[k][i] += 1;
                    }
                });
                done += 1;
                progress(done, total);
                Ok(())
            })
            .await?;
            hists
        };
        let entries = bands
            .iter()
            .enumerate()
            .map(|(k, &b)| {
                let ((first, last), bins) = &all_bins[k];
                let mut e = HistogramEntry::new(&moments[k], (*first, *last), bins, &hists[k], o);
                if !rendered {
                    (e.band, e.level) = (Some(b + 1), Some(level));
                }
                e
            })
            .collect();
        Ok(Histogram::Entries(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn histogram_options_as_the_js_api_spells_them() {
        let o = super::super::request::<HistogramRequest>("histogram", json!({"band": 2, "resolution": "exact"}))
            .unwrap()
            .options()
            .unwrap();
        assert_eq!((o.kind, o.band, o.resolution), (HistogramKind::Bands, Some(2), Resolution::Exact));
        let o = super::super::request::<HistogramRequest>("histogram", json!({"resolution": 512, "onlyMinMax": true}))
            .unwrap()
            .options()
            .unwrap();
        assert_eq!((o.kind, o.resolution, o.only_min_max), (HistogramKind::Rendered, Resolution::MaxSize(512), true));
        let bad = |v: Value| super::super::request::<HistogramRequest>("histogram", v).and_then(|r| r.options());
        assert!(bad(json!({"kind": "values"})).unwrap_err().to_string().contains("rendered or bands"));
        assert!(bad(json!({"resolution": -3})).unwrap_err().to_string().contains("pixels or \"exact\""));
        assert!(bad(json!({"bin": 3})).unwrap_err().to_string().contains("unknown field `bin`"));
    }
}
