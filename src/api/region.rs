//! large_image's region (GeoTIFF of band values or styled colours, PNG, JPEG, raw RGBA) and thumbnail.
//!
//! Sizes and levels follow large_image: an output size keeps the region's aspect
//! (`_calculateWidthHeight`), and pixels come from the coarsest pyramid level that still has at
//! least the output's resolution, picked nearest-neighbour the way GDAL's `RasterIO` picks them.

use super::units::Units;
use super::{style_json, LargeImage};
use crate::decode::Raster;
use crate::encode::geotiff::{write_geotiff, GeoTiff, Photometric};
use crate::encode::{encode, Format};
use crate::error::{Error, Result};
use crate::limits::checked_size;
use crate::source::{RangeSource, ReadHints};
use crate::style::TitilerParams;
use crate::tiff::{DType, GeoTransform};
use crate::warp::region_level;
use crate::warp::resample::{pick, rasterio_positions};
use serde::Deserialize;
use serde_json::Value;

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
    /// TiTiler's parameters as one query string (`expression=…&rescale=…&colormap_name=…`), which win
    /// over `style` as they do for tiles; like a style, they ask a GeoTIFF for colours.
    pub titiler: Option<String>,
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
            titiler: None,
            format: Format::Tiff,
        }
    }
}

/// Options of a region as the JS API spells them (`img.region(options)`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RegionRequest {
    /// Left edge, in `units`.
    pub left: Option<f64>,
    /// Top edge.
    pub top: Option<f64>,
    /// Right edge.
    pub right: Option<f64>,
    /// Bottom edge.
    pub bottom: Option<f64>,
    /// `pixels`, `fraction` or `EPSG:nnnn` (EPSG:4326 by default for georeferenced images).
    pub units: Option<String>,
    /// Largest output width.
    pub width: Option<f64>,
    /// Largest output height.
    pub height: Option<f64>,
    /// large_image style: an object, or its JSON text.
    pub style: Option<Value>,
    /// TiTiler's parameters as one query string (they win over `style`).
    pub titiler: Option<String>,
    /// `tiff` (default), `png`, `jpeg` or `rgba`.
    pub format: Option<String>,
}

impl RegionRequest {
    /// The region options these ask for; the four edges are required.
    pub fn options(self) -> Result<RegionOptions> {
        let (Some(left), Some(top), Some(right), Some(bottom)) = (self.left, self.top, self.right, self.bottom) else {
            return Err(Error::usage("region needs left, top, right and bottom"));
        };
        let mut r = RegionOptions::new(left, top, right, bottom);
        r.units = self.units;
        r.width = self.width.filter(|w| *w >= 1.0).map(|w| w as u64);
        r.height = self.height.filter(|h| *h >= 1.0).map(|h| h as u64);
        r.style = style_json(self.style)?;
        r.titiler = self.titiler.filter(|q| !q.trim().is_empty());
        r.format = Format::parse(self.format.as_deref().unwrap_or("tiff"))?;
        Ok(r)
    }
}

/// Options of a thumbnail as the JS API spells them (`img.thumbnail(options)`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ThumbnailRequest {
    /// Largest width (default 256).
    pub max_width: Option<u32>,
    /// Largest height (default 256).
    pub max_height: Option<u32>,
    /// large_image style: an object, or its JSON text.
    pub style: Option<Value>,
    /// `png` (default), `jpeg`, `rgba` or `tiff`.
    pub format: Option<String>,
}

impl ThumbnailRequest {
    /// The format and style these ask for.
    pub fn format_and_style(self) -> Result<(Format, Option<Value>)> {
        let format = Format::parse(self.format.as_deref().unwrap_or("png"))?;
        Ok((format, style_json(self.style)?))
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

/// A window of one pyramid level, in that level's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelWindow {
    /// Pyramid level (0 = full resolution).
    pub level: usize,
    /// Left column.
    pub x: i64,
    /// Top row.
    pub y: i64,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
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

impl<S: RangeSource> LargeImage<S> {
    /// Resolves a region request to a pixel window (corners transformed to pixels, bounding box,
    /// rounded as `gdal_translate -projwin` rounds for nearest resampling, clipped to the image), an
    /// output size and a level. A box that misses the image is a usage error naming both.
    pub fn region_plan(&self, o: &RegionOptions) -> Result<RegionPlan> {
        let b = self.cog.base();
        let (bw, bh) = (b.width as f64, b.height as f64);
        let units = Units::parse(o.units.as_deref(), self.cog.georef.is_some())?;
        let corners = [(o.left, o.top), (o.right, o.top), (o.left, o.bottom), (o.right, o.bottom)];
        let px = self.to_pixels(units, &corners)?;
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
        let level = region_level(b.width, &self.level_widths()?, (w, h), (ow, oh));
        Ok(RegionPlan { x, y, width: w, height: h, out_width: ow, out_height: oh, level })
    }

    /// The level pixels (columns, rows) a plan's output pixels take, as GDAL's nearest-neighbour
    /// `RasterIO` picks them.
    fn plan_positions(&self, p: &RegionPlan) -> Result<(Vec<u64>, Vec<u64>)> {
        let b = self.cog.base();
        let img = self.cog.level(p.level)?;
        let (sx, sy) = (img.width as f64 / b.width as f64, img.height as f64 / b.height as f64);
        let cols = rasterio_positions(p.x as f64 * sx, p.width as f64 * sx, p.out_width, img.width);
        let rows = rasterio_positions(p.y as f64 * sy, p.height as f64 * sy, p.out_height, img.height);
        Ok((cols, rows))
    }

    /// The window of its level a plan's samples are, when they are one (no pixel skipped or repeated):
    /// the full-resolution window itself, or an overview at exactly the asked scale (positions one
    /// after another on both axes, as for every whole pixel-space tile). `None`: samples are picked.
    pub fn plan_level_window(&self, p: &RegionPlan) -> Result<Option<LevelWindow>> {
        let (ow, oh) = (p.out_width as usize, p.out_height as usize);
        if p.level == 0 && p.out_width == p.width && p.out_height == p.height {
            return Ok(Some(LevelWindow { level: 0, x: p.x as i64, y: p.y as i64, width: ow, height: oh }));
        }
        let (cols, rows) = self.plan_positions(p)?;
        let contiguous = |v: &[u64]| v.windows(2).all(|w| w[1] == w[0] + 1);
        Ok((contiguous(&cols) && contiguous(&rows)).then(|| LevelWindow {
            level: p.level,
            x: cols[0] as i64,
            y: rows[0] as i64,
            width: ow,
            height: oh,
        }))
    }

    /// The band values and validity of a plan: the window itself at full resolution, or
    /// nearest-neighbour samples of the plan's level, read in strips of bounded size.
    pub async fn region_raster(&self, p: &RegionPlan) -> Result<Raster> {
        self.region_raster_with(p, &ReadHints::default()).await
    }

    /// [`Self::region_raster`] with the reads' hints (priority).
    pub async fn region_raster_with(&self, p: &RegionPlan, hints: &ReadHints) -> Result<Raster> {
        if let Some(w) = self.plan_level_window(p)? {
            return self.cog.read_window_with(w.level, w.x, w.y, w.width, w.height, hints).await;
        }
        let (cols, rows) = self.plan_positions(p)?;
        let img = self.cog.level(p.level)?;
        let dtype = img.dtype.decoded();
        let bands = img.samples as usize;
        let (ow, oh) = (p.out_width as usize, p.out_height as usize);
        let mut out = Raster::empty(ow, oh, bands, dtype);
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
                .read_window_with(
                    p.level,
                    c0 as i64,
                    r0 as i64,
                    (c1 - c0 + 1) as usize,
                    (rows[k - 1] - r0 + 1) as usize,
                    hints,
                )
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
        titiler: Option<&TitilerParams>,
        format: Format,
        values: bool,
    ) -> Result<Vec<u8>> {
        let geokeys = self.cog.georef.as_ref().map(|g| g.keys.as_slice()).unwrap_or(&[]);
        let geotransform = self.plan_geotransform(p);
        if values && format == Format::Tiff {
            let nodata = self.cog.base().nodata;
            if let Some(nd) = nodata {
                let fill = r.dtype.cast_bytes(nd).repeat(r.bands);
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
        let rgba = self.plan(style, titiler).await?.draw(&r);
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
    /// style or TiTiler's parameters are given, then styled RGBA; either way with the region's
    /// geotransform and the file's CRS.
    pub async fn region(&self, o: &RegionOptions) -> Result<Vec<u8>> {
        let bands = self.cog.base().samples as usize;
        let titiler = o.titiler.as_deref().map(|q| TitilerParams::from_query(q, bands)).transpose()?;
        let plan = self.region_plan(o)?;
        let raster = self.region_raster(&plan).await?;
        let values = o.style.is_none() && titiler.is_none();
        self.encode_plan(&plan, raster, o.style.as_ref(), titiler.as_ref(), o.format, values).await
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
        self.encode_plan(&plan, raster, style, None, format, false).await
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
    }

    #[test]
    fn region_options_need_four_edges_and_known_names() {
        let r: RegionRequest =
            super::super::request("region", serde_json::json!({"left": 1, "top": 2, "right": 3, "bottom": 4.5}))
                .unwrap();
        let o = r.options().unwrap();
        assert_eq!((o.left, o.bottom, o.format), (1.0, 4.5, Format::Tiff));
        let r: RegionRequest = super::super::request("region", serde_json::json!({"left": 1})).unwrap();
        assert!(r.options().unwrap_err().to_string().contains("left, top, right and bottom"));
        let e = super::super::request::<RegionRequest>("region", serde_json::json!({"lft": 1})).unwrap_err();
        assert!(e.to_string().contains("region options: unknown field `lft`"), "{e}");
        let e = super::super::request::<ThumbnailRequest>("thumbnail", serde_json::json!({"maxwidth": 1}));
        assert!(e.unwrap_err().to_string().contains("`maxWidth`"));
    }
}
