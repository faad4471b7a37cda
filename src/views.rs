//! large_image's data views over a COG: region (GeoTIFF of band values or styled colours, PNG, JPEG),
//! thumbnail, and histogram (of the rendered RGBA as large_image computes it, or of the band values).
//!
//! Sizes and levels follow large_image: an output size keeps the region's aspect
//! (`_calculateWidthHeight`), and pixels come from the coarsest pyramid level that still has at
//! least the output's resolution, picked nearest-neighbour the way GDAL's `RasterIO` picks them.

use crate::api::LargeImage;
use crate::cog::Raster;
use crate::encode::{encode, Format};
use crate::error::{Error, Result};
use crate::geotiff::{write_geotiff, GeoTiff, Photometric};
use crate::histogram::{outer_edges, Bins, Moments, ValueCounts};
use crate::limits::checked_size;
use crate::source::RangeSource;
use crate::tiff::{DType, GeoTransform};
use crate::warp::Crs;
use serde_json::{json, Value};

/// Units of a region's box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Full-resolution pixels.
    Pixels,
    /// Fractions (0..=1) of the image's width and height.
    Fraction,
    /// Coordinates in an EPSG CRS (x = easting or longitude).
    Epsg(u32),
}

impl Units {
    /// Parses `pixels`, `fraction` or `EPSG:nnnn`; absent means EPSG:4326 for a georeferenced image
    /// and pixels otherwise (django-large-image's default).
    pub fn parse(units: Option<&str>, geospatial: bool) -> Result<Units> {
        let u = units.map(|u| u.trim().to_ascii_lowercase()).filter(|u| !u.is_empty());
        let Some(u) = u else {
            return Ok(if geospatial { Units::Epsg(4326) } else { Units::Pixels });
        };
        match u.as_str() {
            "pixels" | "pixel" | "base_pixels" | "px" => Ok(Units::Pixels),
            "fraction" | "fractions" => Ok(Units::Fraction),
            _ => u
                .strip_prefix("epsg:")
                .and_then(|c| c.parse().ok())
                .map(Units::Epsg)
                .ok_or_else(|| Error::usage(format!("units {u:?} (pixels, fraction or EPSG:nnnn)"))),
        }
    }
}

impl std::fmt::Display for Units {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Units::Pixels => write!(f, "pixels"),
            Units::Fraction => write!(f, "fraction"),
            Units::Epsg(c) => write!(f, "EPSG:{c}"),
        }
    }
}

/// Options of a region request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RegionOptions {
    /// Left edge, in `units`.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
    /// `pixels`, `fraction` or `EPSG:nnnn` (see [`Units::parse`]).
    pub units: Option<String>,
    /// Largest output width (aspect kept); none = the region's own resolution.
    pub width: Option<u64>,
    /// Largest output height.
    pub height: Option<u64>,
    /// A large_image style; with [`Format::Tiff`] it asks for colours instead of band values.
    pub style: Option<Value>,
    /// Output format (default GeoTIFF).
    pub format: Format,
}

impl RegionOptions {
    /// A region with default units, size, style and format (GeoTIFF of band values).
    pub fn new(left: f64, top: f64, right: f64, bottom: f64) -> Self {
        RegionOptions {
            left,
            top,
            right,
            bottom,
            units: None,
            width: None,
            height: None,
            style: None,
            format: Format::Tiff,
        }
    }
}

/// What a region request resolves to: a full-resolution pixel window, an output size and the level read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionPlan {
    /// Left column of the window (full resolution).
    pub x: u64,
    /// Top row.
    pub y: u64,
    /// Window width.
    pub width: u64,
    /// Window height.
    pub height: u64,
    /// Output width.
    pub out_width: u64,
    /// Output height.
    pub out_height: u64,
    /// Pyramid level sampled (0 = full resolution).
    pub level: usize,
}

/// large_image's `_calculateWidthHeight`: the largest size within `max_w`×`max_h` (either may be
/// absent) with the aspect of `region_w`×`region_h`; both absent = the region's size.
pub fn fit_size(max_w: Option<u64>, max_h: Option<u64>, region_w: u64, region_h: u64) -> (u64, u64) {
    if region_w == 0 || region_h == 0 {
        return (0, 0);
    }
    let (mut w, mut h) = match (max_w.filter(|&w| w > 0), max_h.filter(|&h| h > 0)) {
        (None, None) => return (region_w, region_h),
        (Some(w), None) => (w, w.saturating_mul(16)),
        (None, Some(h)) => (h.saturating_mul(16), h),
        (Some(w), Some(h)) => (w, h),
    };
    let (rw, rh) = (region_w as f64, region_h as f64);
    let scaled_w = ((rw * h as f64 / rh) as u64).max(1);
    let scaled_h = ((rh * w as f64 / rw) as u64).max(1);
    if scaled_w == w || ((w as f64) * rh > (h as f64) * rw && scaled_h != h) {
        w = scaled_w;
    } else {
        h = scaled_h;
    }
    (w, h)
}

/// The pyramid level large_image reads for a `region` scaled to `out`: full resolution unless
/// shrinking, else the coarsest level whose downsampling (`base_width / width`) is at most
/// `2^floor(-log2(scale))` (the scale's log rounded to 4 decimals, as large_image rounds it).
pub fn region_level(base_width: u64, widths: &[u64], region: (u64, u64), out: (u64, u64)) -> usize {
    let scale = (out.0 as f64 / region.0 as f64).min(out.1 as f64 / region.1 as f64);
    let k = ((scale.log2() * 1e4).round() / 1e4).ceil();
    if k.is_nan() || k >= 0.0 {
        return 0;
    }
    let allowed = 2f64.powf(-k);
    let mut level = 0;
    for (i, &w) in widths.iter().enumerate() {
        if base_width as f64 / w as f64 <= allowed * (1.0 + 1e-9) {
            level = i;
        }
    }
    level
}

/// For `n` output pixels over `size` source pixels from `offset`, the source pixel each takes, as
/// GDAL's nearest-neighbour `RasterIO` picks it: centre plus 1e-10, truncated, kept inside `limit`.
fn sample_positions(offset: f64, size: f64, n: u64, limit: u64) -> Vec<u64> {
    let inc = size / n as f64;
    (0..n).map(|i| ((i as f64 + 0.5) * inc + offset + 1e-10).clamp(0.0, (limit - 1) as f64) as u64).collect()
}

/// The samples of `win` (top-left at level pixel `origin`) at columns `cols` × rows `rows`.
fn pick(win: &Raster, origin: (u64, u64), cols: &[u64], rows: &[u64], out: &mut Raster, out_row0: usize) {
    let ss = win.bands * win.dtype.size();
    for (j, &r) in rows.iter().enumerate() {
        let sr = (r - origin.1) as usize;
        for (i, &c) in cols.iter().enumerate() {
            let s = sr * win.width + (c - origin.0) as usize;
            let o = (out_row0 + j) * out.width + i;
            out.data[o * ss..(o + 1) * ss].copy_from_slice(&win.data[s * ss..(s + 1) * ss]);
            out.valid[o] = win.valid[s];
        }
    }
}

/// `v` as native-endian bytes of `dtype` (saturating for integers).
fn sample_bytes(dtype: DType, v: f64) -> Vec<u8> {
    match dtype {
        DType::Bit | DType::U8 => vec![v as u8],
        DType::I8 => (v as i8).to_ne_bytes().to_vec(),
        DType::U16 => (v as u16).to_ne_bytes().to_vec(),
        DType::I16 => (v as i16).to_ne_bytes().to_vec(),
        DType::U32 => (v as u32).to_ne_bytes().to_vec(),
        DType::I32 => (v as i32).to_ne_bytes().to_vec(),
        DType::U64 => (v as u64).to_ne_bytes().to_vec(),
        DType::I64 => (v as i64).to_ne_bytes().to_vec(),
        DType::F16 | DType::F32 => (v as f32).to_ne_bytes().to_vec(),
        DType::F64 => v.to_ne_bytes().to_vec(),
    }
}

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

/// One histogram entry in large_image's JSON shape.
fn entry_json(m: &Moments, range: (f64, f64), bins: &Bins, hist: &[u64], density: Option<Vec<f64>>) -> Value {
    let num = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
    let samples: u64 = hist.iter().sum();
    let (has, d) = (m.count > 0, density.is_some());
    json!({
        "min": if has { num(m.min) } else { Value::Null },
        "max": if has { num(m.max) } else { Value::Null },
        "mean": if has { num(m.mean()) } else { Value::Null },
        "stdev": if has { num(m.stdev()) } else { Value::Null },
        "range": [range.0, range.1],
        "hist": match density { Some(v) => json!(v), None => json!(hist) },
        "bin_edges": bins.edges,
        "bins": bins.len(),
        "density": d,
        "samples": samples,
    })
}

/// `{min: [..], max: [..], mean: [..], stdev: [..]}` of several moments.
fn min_max_json(ms: &[Moments]) -> Value {
    let list = |f: &dyn Fn(&Moments) -> f64| -> Value {
        ms.iter().map(|m| if m.count > 0 && f(m).is_finite() { json!(f(m)) } else { Value::Null }).collect()
    };
    json!({ "min": list(&|m| m.min), "max": list(&|m| m.max), "mean": list(&|m| m.mean()), "stdev": list(&|m| m.stdev()) })
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
    /// Resolves a region request to a pixel window (corners transformed to pixels, bounding box,
    /// rounded as `gdal_translate -projwin` rounds for nearest resampling, clipped to the image), an
    /// output size and a level. A box that misses the image is a usage error naming both.
    pub fn region_plan(&self, o: &RegionOptions) -> Result<RegionPlan> {
        let b = self.cog.base();
        let (bw, bh) = (b.width as f64, b.height as f64);
        let units = Units::parse(o.units.as_deref(), self.cog.georef.is_some())?;
        let corners = [(o.left, o.top), (o.right, o.top), (o.left, o.bottom), (o.right, o.bottom)];
        let px: Vec<(f64, f64)> = match units {
            Units::Pixels => corners.to_vec(),
            Units::Fraction => corners.iter().map(|&(x, y)| (x * bw, y * bh)).collect(),
            Units::Epsg(code) => {
                let (src, from) = (self.crs()?, Crs::from_epsg(code)?);
                corners.iter().map(|&(x, y)| src.to_pixel(&from, x, y)).collect()
            }
        };
        let what = format!("region left={} top={} right={} bottom={} ({units})", o.left, o.top, o.right, o.bottom);
        if px.iter().any(|p| !(p.0.is_finite() && p.1.is_finite())) {
            return Err(Error::usage(format!("{what} does not transform to the image's pixels")));
        }
        let fold = |f: fn(f64, f64) -> f64, init: f64, c: fn(&(f64, f64)) -> f64| px.iter().map(c).fold(init, f);
        let (x0f, x1f) = (fold(f64::min, f64::INFINITY, |p| p.0), fold(f64::max, f64::NEG_INFINITY, |p| p.0));
        let (y0f, y1f) = (fold(f64::min, f64::INFINITY, |p| p.1), fold(f64::max, f64::NEG_INFINITY, |p| p.1));
        let (x0, y0) = ((x0f + 0.001).floor(), (y0f + 0.001).floor());
        let (x1, y1) = (x0 + (x1f - x0f + 0.5).floor(), y0 + (y1f - y0f + 0.5).floor());
        let (cx0, cy0, cx1, cy1) = (x0.max(0.0), y0.max(0.0), x1.min(bw), y1.min(bh));
        if !(cx1 > cx0 && cy1 > cy0) {
            return Err(Error::usage(format!(
                "{what} is outside the image: it covers pixels x {x0f:.2}..{x1f:.2}, y {y0f:.2}..{y1f:.2}, and the \
                 image is x 0..{bw}, y 0..{bh}{}",
                self.bounds_in(units).unwrap_or_default()
            )));
        }
        let (w, h) = ((cx1 - cx0) as u64, (cy1 - cy0) as u64);
        self.plan_window(cx0 as u64, cy0 as u64, w, h, o.width, o.height)
    }

    /// The image's bounds in `units`, as text for error messages.
    fn bounds_in(&self, units: Units) -> Option<String> {
        let Units::Epsg(code) = units else { return None };
        let g = self.cog.georef.as_ref()?;
        let src = &self.crs().ok()?.crs;
        let to = Crs::from_epsg(code).ok()?;
        let b = self.cog.base();
        let (w, h) = (b.width as f64, b.height as f64);
        let pts: Vec<(f64, f64)> = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)]
            .iter()
            .map(|&(c, r)| {
                let (x, y) = g.pixel_to_crs(c, r);
                if to == *src {
                    (x, y)
                } else {
                    let (lon, lat) = src.to_lonlat(x, y);
                    to.from_lonlat(lon, lat)
                }
            })
            .collect();
        let r = |f: fn(f64, f64) -> f64, i: fn(&(f64, f64)) -> f64| pts.iter().map(i).reduce(f).unwrap_or(f64::NAN);
        Some(format!(
            " pixels (in EPSG:{code}: x {} .. {}, y {} .. {})",
            r(f64::min, |p| p.0),
            r(f64::max, |p| p.0),
            r(f64::min, |p| p.1),
            r(f64::max, |p| p.1)
        ))
    }

    /// The plan for the full-resolution window `x, y, w, h` scaled to fit `out_w`×`out_h`.
    fn plan_window(
        &self,
        x: u64,
        y: u64,
        w: u64,
        h: u64,
        out_w: Option<u64>,
        out_h: Option<u64>,
    ) -> Result<RegionPlan> {
        let (ow, oh) = fit_size(out_w, out_h, w, h);
        let b = self.cog.base();
        let limits = &self.cog.file.limits;
        checked_size(
            "region bytes",
            limits.max_window_bytes,
            &[ow, oh, b.samples.max(4), b.dtype.decoded().size() as u64],
        )?;
        let widths: Vec<u64> =
            (0..self.cog.levels.len()).map(|l| self.cog.level(l).map(|i| i.width)).collect::<Result<_>>()?;
        let level = region_level(b.width, &widths, (w, h), (ow, oh));
        Ok(RegionPlan { x, y, width: w, height: h, out_width: ow, out_height: oh, level })
    }

    /// The band values and validity of a plan: the window itself at full resolution, or
    /// nearest-neighbour samples of the plan's level, read in strips of bounded size.
    pub async fn region_raster(&self, p: &RegionPlan) -> Result<Raster> {
        if p.level == 0 && p.out_width == p.width && p.out_height == p.height {
            return self.cog.read_window(0, p.x as i64, p.y as i64, p.width as usize, p.height as usize).await;
        }
        let b = self.cog.base();
        let img = self.cog.level(p.level)?;
        let (sx, sy) = (img.width as f64 / b.width as f64, img.height as f64 / b.height as f64);
        let cols = sample_positions(p.x as f64 * sx, p.width as f64 * sx, p.out_width, img.width);
        let rows = sample_positions(p.y as f64 * sy, p.height as f64 * sy, p.out_height, img.height);
        let dtype = img.dtype.decoded();
        let bands = img.samples as usize;
        let (ow, oh) = (p.out_width as usize, p.out_height as usize);
        let mut out = Raster {
            width: ow,
            height: oh,
            bands,
            dtype,
            data: vec![0; ow * oh * bands * dtype.size()],
            valid: vec![0; ow * oh],
        };
        let (c0, c1) = (cols[0], cols[ow - 1]);
        let row_bytes = ((c1 - c0 + 1) as usize * bands * dtype.size()).max(1);
        let budget_rows = ((32usize << 20) / row_bytes).max(1) as u64;
        let mut j = 0;
        while j < oh {
            // As many output rows as fit in a source strip of ~32 MiB.
            let r0 = rows[j];
            let mut k = j + 1;
            while k < oh && rows[k] - r0 < budget_rows {
                k += 1;
            }
            let win = self
                .cog
                .read_window(p.level, c0 as i64, r0 as i64, (c1 - c0 + 1) as usize, (rows[k - 1] - r0 + 1) as usize)
                .await?;
            pick(&win, (c0, r0), &cols, &rows[j..k], &mut out, j);
            j = k;
        }
        Ok(out)
    }

    /// The geotransform of a plan's output pixels.
    fn plan_geotransform(&self, p: &RegionPlan) -> Option<GeoTransform> {
        let g = self.cog.georef.as_ref()?.geotransform;
        let (fx, fy) = (p.width as f64 / p.out_width as f64, p.height as f64 / p.out_height as f64);
        let (x, y) = (p.x as f64, p.y as f64);
        Some([g[0] + x * g[1] + y * g[2], g[1] * fx, g[2] * fy, g[3] + x * g[4] + y * g[5], g[4] * fx, g[5] * fy])
    }

    /// Encodes a plan's samples: a GeoTIFF of band values (`values`), else styled RGBA as PNG, JPEG,
    /// raw bytes, or a georeferenced RGBA GeoTIFF (alpha 0 where masked).
    async fn encode_plan(
        &self,
        p: &RegionPlan,
        mut r: Raster,
        style: Option<&Value>,
        format: Format,
        values: bool,
    ) -> Result<Vec<u8>> {
        let geokeys = self.cog.georef.as_ref().map(|g| g.keys.as_slice()).unwrap_or(&[]);
        let geotransform = self.plan_geotransform(p);
        if values && format == Format::Tiff {
            let nodata = self.cog.base().nodata;
            if let Some(nd) = nodata {
                let fill = sample_bytes(r.dtype, nd).repeat(r.bands);
                for (px, v) in r.data.chunks_exact_mut(fill.len()).zip(&r.valid) {
                    if *v == 0 {
                        px.copy_from_slice(&fill);
                    }
                }
            }
            return write_geotiff(&GeoTiff {
                width: r.width,
                height: r.height,
                bands: r.bands,
                dtype: r.dtype,
                data: &r.data,
                photometric: Photometric::MinIsBlack,
                geotransform,
                geokeys,
                nodata,
                mask: if nodata.is_none() { Some(&r.valid) } else { None },
            });
        }
        let rgba = self.render(&r, style).await?;
        if format == Format::Tiff {
            return write_geotiff(&GeoTiff {
                width: r.width,
                height: r.height,
                bands: 4,
                dtype: DType::U8,
                data: &rgba,
                photometric: Photometric::Rgb,
                geotransform,
                geokeys,
                nodata: None,
                mask: None,
            });
        }
        encode(rgba, r.width as u32, r.height as u32, format)
    }

    /// large_image's region: the box in pixels, fractions or EPSG units, optionally scaled, as PNG,
    /// JPEG, raw RGBA, or GeoTIFF. A GeoTIFF holds band values (dtype, nodata and masks kept) unless a
    /// style is given, then styled RGBA; either way with the region's geotransform and the file's CRS.
    pub async fn region(&self, o: &RegionOptions) -> Result<Vec<u8>> {
        let plan = self.region_plan(o)?;
        let raster = self.region_raster(&plan).await?;
        self.encode_plan(&plan, raster, o.style.as_ref(), o.format, o.style.is_none()).await
    }

    /// The plan of a thumbnail: the whole image fitted in `max_width`×`max_height` (each 256 when absent).
    pub fn thumbnail_plan(&self, max_width: Option<u32>, max_height: Option<u32>) -> Result<RegionPlan> {
        let b = self.cog.base();
        let (w, h) = (max_width.unwrap_or(256) as u64, max_height.unwrap_or(256) as u64);
        self.plan_window(0, 0, b.width, b.height, Some(w), Some(h))
    }

    /// large_image's thumbnail: the whole image fitted in `max_width`×`max_height` (default 256 each),
    /// read from the coarsest level with at least that resolution, styled like tiles (default style
    /// when `style` is `None`), encoded as `format` (a TIFF thumbnail is styled RGBA, georeferenced).
    pub async fn thumbnail(
        &self,
        max_width: Option<u32>,
        max_height: Option<u32>,
        style: Option<&Value>,
        format: Format,
    ) -> Result<Vec<u8>> {
        let plan = self.thumbnail_plan(max_width, max_height)?;
        let raster = self.region_raster(&plan).await?;
        self.encode_plan(&plan, raster, style, format, false).await
    }

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

    /// Histograms of the level `o.resolution` picks, read window by window (memory stays bounded at
    /// full resolution); `progress(done, total)` is called after each window.
    ///
    /// [`HistogramKind::Rendered`] answers as django-large-image: one entry per RGBA channel of the
    /// rendered image, every pixel counted, range [min, max + 1]. [`HistogramKind::Bands`] counts band
    /// values of valid pixels with numpy.histogram's bins. Entries are
    /// `{min, max, mean, stdev, range, hist, bin_edges, bins, density, samples}` (+ `band`); with
    /// `only_min_max`, `{min: [..], max: [..], mean: [..], stdev: [..]}`.
    pub async fn histogram(&self, o: &HistogramOptions, progress: &mut dyn FnMut(u64, u64)) -> Result<Value> {
        let level = self.histogram_level(o.resolution)?;
        let img = self.cog.level(level)?.clone();
        let (tw, th) = (img.tile_width.max(1), img.tile_height.max(1));
        let (bw, bh) = (tw * (1024 / tw).max(1), th * (1024 / th).max(1));
        let blocks: Vec<(u64, u64, u64, u64)> = (0..img.height.div_ceil(bh))
            .flat_map(|j| {
                (0..img.width.div_ceil(bw)).map(move |i| {
                    let (x, y) = (i * bw, j * bh);
                    (x, y, bw.min(img.width - x), bh.min(img.height - y))
                })
            })
            .collect();
        let samples = img.samples as usize;
        let dtype = img.dtype.decoded();
        let bands: Vec<usize> = match (o.kind, o.band) {
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
        };
        let counted = if o.kind == HistogramKind::Rendered { Some((0, 255)) } else { narrow(dtype) };
        let two_pass = counted.is_none() && !o.only_min_max;
        let total = blocks.len() as u64 * if two_pass { 2 } else { 1 };
        let nodata = self.cog.base().nodata;
        // As GDAL's mask bands: an alpha of 0 masks the colour bands (the alpha band itself is all valid).
        let alpha = self.alpha_band();
        let mut done = 0;
        progress(0, total);
        let mut counts: Vec<ValueCounts> = match counted {
            Some((lo, hi)) => bands.iter().map(|_| ValueCounts::new(lo, hi)).collect(),
            None => vec![],
        };
        let mut moments = vec![Moments::default(); bands.len()];
        // Visits every counted value of one window: (index into `bands`, value).
        let visit = |r: &Raster, rgba: Option<&[u8]>, f: &mut dyn FnMut(usize, f64)| {
            for p in 0..r.width * r.height {
                if let Some(c) = rgba {
                    for k in 0..4 {
                        f(k, c[p * 4 + k] as f64);
                    }
                    continue;
                }
                if r.valid[p] == 0 {
                    continue;
                }
                let transparent = alpha.filter(|&a| r.dtype.get(&r.data, p * r.bands + a) == 0.0);
                for (k, &b) in bands.iter().enumerate() {
                    if transparent.is_some_and(|a| a != b) {
                        continue;
                    }
                    let v = r.dtype.get(&r.data, p * r.bands + b);
                    if !v.is_nan() && Some(v) != nodata {
                        f(k, v);
                    }
                }
            }
        };
        for &(x, y, w, h) in &blocks {
            let r = self.cog.read_window(level, x as i64, y as i64, w as usize, h as usize).await?;
            let rgba = match o.kind {
                HistogramKind::Rendered => Some(self.render(&r, o.style.as_ref()).await?),
                HistogramKind::Bands => None,
            };
            if counted.is_some() {
                visit(&r, rgba.as_deref(), &mut |k, v| counts[k].add(v as i64));
            } else {
                visit(&r, None, &mut |k, v| moments[k].add(v, 1));
            }
            done += 1;
            progress(done, total);
        }
        if counted.is_some() {
            moments = counts.iter().map(ValueCounts::moments).collect();
        }
        if o.only_min_max {
            return Ok(min_max_json(&moments));
        }
        let mut all_bins = Vec::with_capacity(bands.len());
        for m in &moments {
            let data = m.min_max().map(|(a, b)| if o.kind == HistogramKind::Rendered { (a, b + 1.0) } else { (a, b) });
            let (first, last) = outer_edges(o.range, data)?;
            all_bins.push(((first, last), Bins::new(first, last, o.bins)?));
        }
        let hists: Vec<Vec<u64>> = if counted.is_some() {
            counts.iter().zip(&all_bins).map(|(c, (_, b))| c.histogram(b)).collect()
        } else {
            let mut hists: Vec<Vec<u64>> = all_bins.iter().map(|(_, b)| vec![0; b.len()]).collect();
            for &(x, y, w, h) in &blocks {
                let r = self.cog.read_window(level, x as i64, y as i64, w as usize, h as usize).await?;
                visit(&r, None, &mut |k, v| {
                    if let Some(i) = all_bins[k].1.index(v) {
                        hists[k][i] += 1;
                    }
                });
                done += 1;
                progress(done, total);
            }
            hists
        };
        let entries: Vec<Value> = bands
            .iter()
            .enumerate()
            .map(|(k, &b)| {
                let ((first, last), bins) = &all_bins[k];
                let hist = &hists[k];
                let density = o.density.then(|| match o.kind {
                    HistogramKind::Rendered => {
                        let n: u64 = hist.iter().sum();
                        hist.iter().map(|&c| c as f64 / n as f64).collect()
                    }
                    HistogramKind::Bands => bins.density(hist),
                });
                let mut e = entry_json(&moments[k], (*first, *last), bins, hist, density);
                if o.kind == HistogramKind::Bands {
                    e["band"] = json!(b + 1);
                    e["level"] = json!(level);
                }
                e
            })
            .collect();
        Ok(Value::Array(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sizes_follow_large_image() {
        // The recorded django-large-image thumbnails of the 1024² sample: 256×256 and, for 128×64, 64×64.
        assert_eq!(fit_size(Some(256), Some(256), 1024, 1024), (256, 256));
        assert_eq!(fit_size(Some(128), Some(64), 1024, 1024), (64, 64));
        assert_eq!(fit_size(Some(100), None, 400, 200), (100, 50));
        assert_eq!(fit_size(None, Some(100), 400, 200), (200, 100));
        assert_eq!(fit_size(None, None, 400, 200), (400, 200));
        let widths = [1024, 512, 256];
        assert_eq!(region_level(1024, &widths, (1024, 1024), (256, 256)), 2);
        assert_eq!(region_level(1024, &widths, (1024, 1024), (300, 300)), 1);
        assert_eq!(region_level(1024, &widths, (1024, 1024), (64, 64)), 2);
        assert_eq!(region_level(1024, &widths, (100, 100), (200, 200)), 0);
        assert_eq!(sample_positions(0.0, 4.0, 2, 4), vec![1, 3]);
        assert_eq!(Units::parse(None, true).unwrap(), Units::Epsg(4326));
        assert_eq!(Units::parse(Some("Fraction"), true).unwrap(), Units::Fraction);
        assert!(Units::parse(Some("feet"), true).is_err());
    }
}
