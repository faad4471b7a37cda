//! The large_image data views over a COG: metadata, tiles (pixel space, web mercator, geographic).
//! JSON shapes follow django-large-image / large_image.

use crate::cog::{Cog, OpenOptions, Raster};
use crate::encode::{encode, Format};
use crate::error::{Error, Result};
use crate::inspect::{structure, tiffdump};
use crate::resample::{mask_nodata, resample, Kernel, Resampling};
use crate::source::RangeSource;
use crate::stats::{approx_statistics, BandStatistics};
use crate::style::{default_value, render_default, render_style, BandStats, DefaultStyle, Style};
use crate::titiler::TitilerParams;
use crate::validate::{validate, ValidateOptions, ValidationReport};
use crate::warp::{choose_level, grid_window, source_grid, target_ratio, Crs, SourceCrs, TileScheme, APPROX_MAX_ERROR};
use serde_json::{json, Map, Value};
use std::sync::Mutex;

/// The tile size of large_image's pixel-space pyramid, whatever the file's block size (its rasterio
/// source always tiles at 256 pixels).
pub const LARGE_IMAGE_TILE: u64 = 256;

/// Python's `round()`: halves go to the even neighbour.
fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - v.signum()
    } else {
        r
    }
}

/// Corner points ll, ul, lr, ur.
type Corners = [(f64, f64); 4];

/// Options of a tile request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TileOptions {
    /// `None` for large_image pixel-space tiles, else `EPSG:3857` or `EPSG:4326`.
    pub projection: Option<String>,
    /// Tile width and height in pixels (default 256).
    pub size: usize,
    /// Output format (default PNG).
    pub format: Format,
    /// A large_image style (JSON); `None` renders with the defaults.
    pub style: Option<serde_json::Value>,
    /// TiTiler parameters (`bidx`, `expression`, `rescale`, `colormap_name`…, parsed with
    /// [`TitilerParams::from_query`] or [`TitilerParams::from_pairs`]); they win over `style`.
    pub titiler: Option<TitilerParams>,
    /// Resampling of projected and pixel-space tiles (default nearest; palette images always nearest).
    pub resampling: Resampling,
}

impl Default for TileOptions {
    fn default() -> Self {
        TileOptions {
            projection: None,
            size: 256,
            format: Format::Png,
            style: None,
            titiler: None,
            resampling: Resampling::Nearest,
        }
    }
}

/// A COG seen through large_image's API.
#[derive(Debug)]
pub struct LargeImage<S> {
    /// The reader.
    pub cog: Cog<S>,
    approx: Mutex<Option<Vec<Option<BandStatistics>>>>,
    src_crs: Result<SourceCrs>,
}

/// The CRS of a georeferenced `width`×`height` image, its inverse geotransform and wrap longitude.
fn source_crs(georef: Option<&crate::tiff::Georef>, width: u64, height: u64) -> Result<SourceCrs> {
    let g = georef
        .ok_or_else(|| Error::usage("the image has no georeferencing: ask for pixel-space tiles (no projection)"))?;
    let crs = match g.epsg {
        Some(epsg) => Crs::from_epsg(epsg)?,
        None => Crs::from_proj_string(&crate::geokeys::proj_string(&g.keys)?, None)?,
    };
    SourceCrs::new(crs, &g.geotransform, width, height)
        .ok_or_else(|| Error::format("the geotransform is not invertible"))
}

impl<S: RangeSource> LargeImage<S> {
    /// Opens a COG.
    pub async fn open(src: S, opts: OpenOptions) -> Result<Self> {
        let cog = Cog::open(src, opts).await?;
        let (w, h) = (cog.base().width, cog.base().height);
        let src_crs = source_crs(cog.georef.as_ref(), w, h);
        Ok(LargeImage { cog, approx: Mutex::new(None), src_crs })
    }

    /// The source CRS, when the file is georeferenced with a CRS this build knows.
    pub(crate) fn crs(&self) -> Result<&SourceCrs> {
        self.src_crs.as_ref().map_err(Clone::clone)
    }

    /// Levels of the pixel-space pyramid of `tile`-pixel tiles: `ceil(log2(max(w, h) / tile)) + 1`, at
    /// least 1. With [`LARGE_IMAGE_TILE`] this is large_image's pyramid, whatever the file's block size.
    pub fn pixel_levels(&self, tile: u64) -> u32 {
        let b = self.cog.base();
        let r = (b.width as f64 / tile as f64).max(b.height as f64 / tile as f64);
        (r.log2().ceil().max(0.0) as u32) + 1
    }

    /// Bounds of the image in EPSG:4326 as `[xmin, ymin, xmax, ymax]`, and the corner points.
    fn corners(&self) -> Option<(Corners, Corners)> {
        let g = self.cog.georef.as_ref()?;
        let b = self.cog.base();
        let (w, h) = (b.width as f64, b.height as f64);
        let native = [g.pixel_to_crs(0.0, h), g.pixel_to_crs(0.0, 0.0), g.pixel_to_crs(w, h), g.pixel_to_crs(w, 0.0)];
        let crs = &self.crs().ok()?.crs;
        let raw = native.map(|p| crs.to_lonlat_point(p));
        Some((native, self.continuous_longitudes(raw).unwrap_or(raw)))
    }

    /// The corners `raw` (lon/lat of ll, ul, lr, ur) with longitudes that run on continuously across the
    /// antimeridian: each corner's longitude is followed from the image's centre along the straight pixel
    /// line to it, 32 steps, each step taken the short way round; with the western edge brought within
    /// −180…180, an image across 180° (a projected CRS across the line) then has its eastern corners past
    /// 180° (as GDAL reports a geographic file stored that way) instead of bounds spanning the world.
    /// `None` (keep `raw`) unless the corners span more than 180° and this makes the span narrower (a
    /// whole world, a pole inside the image, a geographic file already stored past 180° stay as they are).
    fn continuous_longitudes(&self, raw: Corners) -> Option<Corners> {
        let span = |c: &Corners| {
            let (lo, hi) = c.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
            hi - lo
        };
        if span(&raw) <= 180.0 {
            return None;
        }
        let g = self.cog.georef.as_ref()?;
        let crs = &self.crs().ok()?.crs;
        let b = self.cog.base();
        let (w, h) = (b.width as f64, b.height as f64);
        let lon_at = |c: f64, r: f64| crs.to_lonlat_point(g.pixel_to_crs(c, r)).0;
        let mut out = raw;
        for (corner, (cx, cy)) in out.iter_mut().zip([(0.0, h), (0.0, 0.0), (w, h), (w, 0.0)]) {
            let mut lon = lon_at(w / 2.0, h / 2.0);
            for k in 1..=32 {
                let t = k as f64 / 32.0;
                lon = continue_longitude(lon, lon_at(w / 2.0 + t * (cx - w / 2.0), h / 2.0 + t * (cy - h / 2.0)));
            }
            corner.0 = lon;
        }
        if !out.iter().all(|p| p.0.is_finite()) || span(&out) >= span(&raw) {
            return None;
        }
        let west = out.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let shift = 360.0 * ((west + 180.0) / 360.0).floor();
        Some(out.map(|(x, y)| (x - shift, y)))
    }

    /// The file's CRS as text: `EPSG:nnnn`, else the PROJ.4 definition its GeoKeys give.
    fn srs_name(&self) -> Option<String> {
        let g = self.cog.georef.as_ref()?;
        match g.epsg {
            Some(c) => Some(format!("EPSG:{c}")),
            None => crate::geokeys::proj_string(&g.keys).ok(),
        }
    }

    /// large_image's `getMetadata` (`projection` `None` = pixel space).
    pub async fn metadata(&self, projection: Option<&str>) -> Result<Value> {
        let b = self.cog.base();
        let mut m = Map::new();
        let scheme = projection.map(TileScheme::from_projection).transpose()?;
        let (levels, size_x, size_y, tw, th) = match scheme {
            None => (self.pixel_levels(LARGE_IMAGE_TILE), b.width, b.height, LARGE_IMAGE_TILE, LARGE_IMAGE_TILE),
            Some(s) => {
                let lv = self.projected_levels(s)?;
                let (nx, ny) = s.tiles(lv - 1);
                (lv, nx * 256, ny * 256, 256, 256)
            }
        };
        m.insert("levels".into(), json!(levels));
        m.insert("sizeX".into(), json!(size_x));
        m.insert("sizeY".into(), json!(size_y));
        m.insert("tileWidth".into(), json!(tw));
        m.insert("tileHeight".into(), json!(th));
        m.insert("magnification".into(), Value::Null);
        let mm = self.pixel_size_m().map(|m| m * 1000.0);
        m.insert("mm_x".into(), json!(mm));
        m.insert("mm_y".into(), json!(mm));
        m.insert("dtype".into(), json!(if scheme.is_some() { "uint8" } else { b.dtype.decoded().name() }));
        m.insert("bandCount".into(), json!(b.samples));
        m.insert("geospatial".into(), json!(self.cog.georef.is_some()));
        // large_image's rasterio source: the levels of its 256-pixel pixel-space pyramid, set before any
        // projection (not the file's overview count).
        m.insert("sourceLevels".into(), json!(self.pixel_levels(LARGE_IMAGE_TILE)));
        m.insert("sourceSizeX".into(), json!(b.width));
        m.insert("sourceSizeY".into(), json!(b.height));
        m.insert("projection".into(), projection.map(|p| json!(p)).unwrap_or(Value::Null));
        let corners = self.corners();
        let srs = self.srs_name();
        let bounds = corners.map(|(_, geo)| bounds_json(&geo, "EPSG:4326"));
        let source_bounds = corners.map(|(native, _)| bounds_json(&native, srs.as_deref().unwrap_or("unknown")));
        m.insert("bounds".into(), bounds.unwrap_or(Value::Null));
        m.insert("sourceBounds".into(), source_bounds.unwrap_or(Value::Null));
        let bands = self.bands().await?;
        m.insert("bands".into(), bands);
        m.insert("frames".into(), json!(false));
        Ok(Value::Object(m))
    }

    /// Approximate band statistics as GDAL's `ComputeStatistics(approx_ok)` gives them (computed once).
    pub async fn statistics(&self) -> Result<Vec<Option<BandStatistics>>> {
        if let Some(s) = self.approx.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(s);
        }
        let s = approx_statistics(&self.cog).await?;
        *self.approx.lock().unwrap_or_else(|p| p.into_inner()) = Some(s.clone());
        Ok(s)
    }

    /// Per-band (min, max, mean, stdev): the file's GDAL statistics when it has them for the band,
    /// else [`Self::statistics`].
    async fn band_summaries(&self) -> Result<Vec<Option<[f64; 4]>>> {
        let b = self.cog.base();
        let items = ["STATISTICS_MINIMUM", "STATISTICS_MAXIMUM", "STATISTICS_MEAN", "STATISTICS_STDDEV"];
        let file: Vec<Option<[f64; 4]>> = (0..b.samples as usize)
            .map(|i| {
                let v: Option<Vec<f64>> = items.iter().map(|it| b.gdal_number(it, i)).collect();
                v.map(|v| [v[0], v[1], v[2], v[3]])
            })
            .collect();
        if file.iter().all(Option::is_some) {
            return Ok(file);
        }
        let computed = self.statistics().await?;
        Ok(file
            .into_iter()
            .zip(computed)
            .map(|(f, c)| f.or_else(|| c.map(|c| [c.min, c.max, c.mean, c.stdev])))
            .collect())
    }

    /// large_image's `getBandInformation` (the `info/bands` view): per band (keys "1", "2", …) `min`,
    /// `max`, `mean`, `stdev`, `nodata`, `scale`, `offset`, `interpretation`, and where known
    /// `description` and (palette images) `colortable`.
    pub async fn bands(&self) -> Result<Value> {
        let b = self.cog.base();
        let summaries = self.band_summaries().await?;
        let mut bands = Map::new();
        for (i, summary) in summaries.into_iter().enumerate() {
            let mut band = Map::new();
            if let Some([min, max, mean, stdev]) = summary {
                for (k, v) in [("min", min), ("max", max), ("mean", mean), ("stdev", stdev)] {
                    band.insert(k.into(), json!(v));
                }
            }
            if let Some(nd) = b.nodata {
                band.insert("nodata".into(), json!(nd));
            }
            let role =
                |r: &str| b.gdal_metadata.iter().find(|it| it.sample == Some(i) && it.role.as_deref() == Some(r));
            for (r, default) in [("scale", 1.0), ("offset", 0.0)] {
                let v = role(r).and_then(|it| it.value.trim().parse::<f64>().ok()).unwrap_or(default);
                band.insert(r.into(), json!(v));
            }
            if let Some(d) = role("description") {
                band.insert("description".into(), json!(d.value));
            }
            let interp = band_interpretation(b, i);
            band.insert("interpretation".into(), json!(interp));
            band.insert("dtype".into(), json!(b.dtype.decoded().name()));
            if interp == "palette" {
                if let Some(p) = b.palette_rgba() {
                    band.insert("colortable".into(), json!(p));
                }
            }
            bands.insert((i + 1).to_string(), Value::Object(band));
        }
        Ok(Value::Object(bands))
    }

    /// django-large-image's `info/frames`: one frame holding every band.
    pub fn frames(&self) -> Value {
        let b = self.cog.base();
        let bands: Vec<Value> = (0..b.samples as usize)
            .map(|i| json!({"index": i + 1, "frame": null, "name": band_interpretation(b, i)}))
            .collect();
        json!({ "frames": [{ "frame": "Frame null", "bands": bands }] })
    }

    /// large_image's `getTileCorners`: the tile's box in full-resolution pixels (pixel space, large_image's
    /// 256-pixel pyramid: rows counted from the bottom, not clipped, as large_image's rasterio source
    /// answers), or in the scheme's CRS units for a projection.
    pub fn tile_corners(&self, z: u32, x: u64, y: u64, projection: Option<&str>) -> Result<Value> {
        let [xmin, ymin, xmax, ymax] = match projection {
            Some(p) => TileScheme::from_projection(p)?.tile_bounds(z, x, y)?,
            None => {
                let levels = self.pixel_levels(LARGE_IMAGE_TILE);
                if z >= levels {
                    return Err(Error::usage("z layer does not exist"));
                }
                // As large_image's rasterio source answers: unclipped, rows counted from the bottom.
                let b = self.cog.base();
                let t = LARGE_IMAGE_TILE << (levels - 1 - z);
                let (x0, y0) = ((x * t) as f64, (y * t) as f64);
                let (tw, th) = (t, t);
                let h = b.height as f64;
                [x0, h - (y0 + th as f64), x0 + tw as f64, h - y0]
            }
        };
        Ok(json!({ "xmin": xmin, "xmax": xmax, "ymin": ymin, "ymax": ymax }))
    }

    /// django-large-image's `tiles/metadata`: `{levels, size_x, size_y, tile_size, geospatial,
    /// additional_metadata}`.
    pub async fn tiles_metadata(&self, projection: Option<&str>) -> Result<Value> {
        let m = self.metadata(projection).await?;
        Ok(json!({
            "levels": m["levels"], "size_x": m["sizeX"], "size_y": m["sizeY"], "tile_size": m["tileWidth"],
            "geospatial": m["geospatial"], "additional_metadata": m,
        }))
    }

    /// large_image's pixel size in metres: the image's perimeter over its perimeter in pixels, the four
    /// edges between its lon/lat corners measured as large_image does without pyproj (great circles on
    /// a sphere of radius 6 378 km, by the spherical law of cosines); `None` without georeferencing.
    fn pixel_size_m(&self) -> Option<f64> {
        let (_, geo) = self.corners()?;
        let [ll, ul, lr, ur] = geo;
        let d = |(x1, y1): (f64, f64), (x2, y2): (f64, f64)| {
            let (lon1, lat1, lon2, lat2) = (x1.to_radians(), y1.to_radians(), x2.to_radians(), y2.to_radians());
            6.378e6 * (lat1.sin() * lat2.sin() + lat1.cos() * lat2.cos() * (lon1 - lon2).cos()).clamp(-1.0, 1.0).acos()
        };
        let perimeter = d(ul, ur) + d(ur, lr) + d(lr, ll) + d(ll, ul);
        let b = self.cog.base();
        let s = perimeter / (2 * b.width + 2 * b.height) as f64;
        s.is_finite().then_some(s)
    }

    /// Number of zoom levels of a projected pyramid of 256-pixel tiles: deep enough to reach the native
    /// resolution. Web mercator as large_image counts them: `ceil(log2(2πR / (pixel size in metres ·
    /// 256))) + 1`, the pixel size measured along the image's edges ([`Self::pixel_size_m`]). Geographic
    /// (Cesium's 2 × 1 tiles at level 0, not a large_image projection): the first level whose tile pixels
    /// are no wider in longitude than the image's.
    pub fn projected_levels(&self, s: TileScheme) -> Result<u32> {
        let no_georef = || Error::usage("the image has no usable georeferencing");
        let r = match s {
            TileScheme::WebMercator => {
                let m = self.pixel_size_m().ok_or_else(no_georef)?;
                2.0 * crate::warp::MERCATOR_MAX / (m * LARGE_IMAGE_TILE as f64)
            }
            TileScheme::Geographic => {
                let (_, geo) = self.corners().ok_or_else(no_georef)?;
                let lon_span = (geo[3].0 - geo[1].0).abs().max((geo[2].0 - geo[0].0).abs());
                180.0 / (lon_span / self.cog.base().width as f64) / LARGE_IMAGE_TILE as f64
            }
        };
        if !r.is_finite() || r <= 0.0 {
            return Err(no_georef());
        }
        Ok((r.log2().ceil().max(0.0) as u32) + 1)
    }

    /// One tile, rendered with the default style and encoded.
    pub async fn tile(&self, z: u32, x: u64, y: u64, opts: &TileOptions) -> Result<Vec<u8>> {
        // TiTiler's `resampling` parameter, when given, picks the resampling.
        let raster = match opts.titiler.as_ref().and_then(|t| t.resampling.as_deref()) {
            Some(r) => {
                let mut o = opts.clone();
                o.resampling = Resampling::parse(r)?;
                self.tile_raster(z, x, y, &o).await?
            }
            None => self.tile_raster(z, x, y, opts).await?,
        };
        let rgba = match &opts.titiler {
            Some(t) => t.render(&raster, self.cog.base().nodata),
            None => self.render(&raster, opts.style.as_ref()).await?,
        };
        encode(rgba, raster.width as u32, raster.height as u32, opts.format)
    }

    /// One tile's samples before styling (band values, validity), resampled as `gdalwarp -r` does from
    /// the level `gdalwarp -ovr AUTO` would read.
    pub async fn tile_raster(&self, z: u32, x: u64, y: u64, opts: &TileOptions) -> Result<Raster> {
        let size = opts.size;
        if !(1..=4096).contains(&size) {
            return Err(Error::usage(format!("tile size {size} (1..=4096)")));
        }
        let (grid, w, h, factor) = match &opts.projection {
            Some(p) => {
                let scheme = TileScheme::from_projection(p)?;
                let bounds = scheme.tile_bounds(z, x, y)?;
                let src = self.crs()?;
                let factor = target_ratio(bounds, size, &scheme.crs(), src);
                let max_error = if opts.resampling == Resampling::Nearest { APPROX_MAX_ERROR } else { 0.0 };
                (source_grid(bounds, size, &scheme.crs(), src, max_error), size, size, factor)
            }
            None => return self.pixel_tile(z, x, y, size as u64, opts.resampling).await,
        };
        self.sample(grid, w, h, factor, opts.resampling).await
    }

    /// A pixel-space tile of the pyramid of `tile`-pixel tiles ([`LARGE_IMAGE_TILE`]: large_image's), read
    /// as large_image's rasterio source reads it: the full-resolution window `x·s·tile …` (`s` = 2^(levels
    /// − 1 − z)) clipped to the image, scaled to `round(window / s)` pixels by GDAL's `RasterIO` (its
    /// overview choice, its nearest-neighbour sample positions), in the top-left corner of a
    /// `tile`×`tile` raster whose rest is invalid (transparent). Bilinear and cubic sample the same
    /// positions through [`crate::resample`].
    async fn pixel_tile(&self, z: u32, x: u64, y: u64, tile: u64, method: Resampling) -> Result<Raster> {
        let levels = self.pixel_levels(tile);
        if z >= levels {
            return Err(Error::usage("z layer does not exist"));
        }
        let b = self.cog.base();
        let s = 1u64 << (levels - 1 - z);
        let (x0, y0) = (x.saturating_mul(s * tile), y.saturating_mul(s * tile));
        if x0 >= b.width || y0 >= b.height {
            let which = if x0 >= b.width { "x" } else { "y" };
            return Err(Error::usage(format!(
                "{which} is outside layer: tile {z}/{x}/{y} starts at pixel ({x0}, {y0}) of a {}×{} image",
                b.width, b.height
            )));
        }
        let (x1, y1) = ((x0 + s * tile).min(b.width), (y0 + s * tile).min(b.height));
        let out = |len: u64| (round_half_even(len as f64 / s as f64) as u64).clamp(1, tile);
        let (w, h) = (out(x1 - x0), out(y1 - y0));
        let t = tile as usize;
        let base = self.cog.base();
        let content = if method == Resampling::Nearest || base.photometric == 3 {
            let plan = crate::views::RegionPlan {
                x: x0,
                y: y0,
                width: x1 - x0,
                height: y1 - y0,
                out_width: w,
                out_height: h,
                level: self.rasterio_level((x1 - x0, y1 - y0), (w, h))?,
            };
            let mut r = self.region_raster(&plan).await?;
            mask_nodata(&mut r, base.nodata, self.alpha_band());
            r
        } else {
            let (fx, fy) = ((x1 - x0) as f64 / w as f64, (y1 - y0) as f64 / h as f64);
            let grid = (0..h)
                .flat_map(|j| {
                    (0..w).map(move |i| (x0 as f64 + (i as f64 + 0.5) * fx, y0 as f64 + (j as f64 + 0.5) * fy))
                })
                .collect();
            self.sample(grid, w as usize, h as usize, fx.max(fy), method).await?
        };
        Ok(content.padded(t, t))
    }

    /// The overview GDAL's `RasterIO` reads for a full-resolution window of `window` pixels scaled to
    /// `buf` (`GDALBandGetBestOverviewLevel2` with nearest neighbour: the most reduced level whose
    /// reduction, on its least reduced axis, is below 1.2 × the request's).
    fn rasterio_level(&self, window: (u64, u64), buf: (u64, u64)) -> Result<usize> {
        let b = self.cog.base();
        let (rx, ry) = (window.0 as f64 / buf.0 as f64, window.1 as f64 / buf.1 as f64);
        let desired = if rx < ry || buf.1 == 1 { rx } else { ry };
        let (mut best, mut best_res) = (0, 0.0);
        for l in 1..self.cog.levels.len() {
            let o = self.cog.level(l)?;
            if o.width > b.width || o.height > b.height {
                continue;
            }
            let res = (b.width as f64 / o.width as f64).min(b.height as f64 / o.height as f64);
            if res >= desired * 1.2 || res <= best_res {
                continue;
            }
            (best, best_res) = (l, res);
        }
        Ok(best)
    }

    /// large_image's `getPixel`: every band's value at (`left`, `top`) — full-resolution pixels, or
    /// coordinates in `units` (`EPSG:nnnn`) — plus the default-styled colour. Masked bands are `null`;
    /// outside the image the answer is `{}`, as django-large-image answers.
    pub async fn pixel(&self, left: f64, top: f64, units: Option<&str>) -> Result<Value> {
        let (col, row) = match units.map(|u| u.to_ascii_uppercase()) {
            None => (left, top),
            Some(u) if u == "PIXELS" || u == "BASE_PIXELS" => (left, top),
            Some(u) => {
                let code: u32 = u
                    .strip_prefix("EPSG:")
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(|| Error::usage(format!("units {u:?} (pixels or EPSG:nnnn)")))?;
                self.crs()?.to_pixel(&Crs::from_epsg(code)?, left, top)
            }
        };
        let b = self.cog.base();
        if !(col.is_finite() && row.is_finite())
            || col < 0.0
            || row < 0.0
            || col >= b.width as f64
            || row >= b.height as f64
        {
            return Ok(json!({}));
        }
        let r = self.cog.read_window(0, col.floor() as i64, row.floor() as i64, 1, 1).await?;
        let mut bands = Map::new();
        for i in 0..r.bands {
            let v = r.get(0, 0, i);
            let v = if r.valid[0] == 0 || v.is_nan() { Value::Null } else { json!(v) };
            bands.insert((i + 1).to_string(), v);
        }
        let v = default_value(&r, &self.default_style().await?, 0);
        let int = |i: usize| v[i] as u8;
        let mut out = json!({
            "bands": bands,
            "value": v,
            "r": int(0), "g": int(1), "b": int(2), "a": int(3),
        });
        if b.samples == 1 && b.photometric != 3 {
            // large_image styles a single grey band into one luminance channel (`L`): its answer is
            // `value: [l]` and `l`. (r, g, b, a stay: our tiles keep nodata transparent.)
            out["value"] = json!([v[0]]);
            out["l"] = json!(int(0));
        }
        Ok(out)
    }

    /// Samples the image at `grid` (full-resolution pixel coordinates) with `method` from the pyramid
    /// level GDAL would pick for `factor` source pixels per output pixel.
    async fn sample(
        &self,
        grid: Vec<(f64, f64)>,
        w: usize,
        h: usize,
        factor: f64,
        method: Resampling,
    ) -> Result<Raster> {
        let widths: Vec<u64> =
            (0..self.cog.levels.len()).map(|l| self.cog.level(l).map(|i| i.width)).collect::<Result<_>>()?;
        let base = self.cog.base();
        let level = choose_level(base.width, &widths, factor);
        let img = self.cog.level(level)?;
        let (sx, sy) = (img.width as f64 / base.width as f64, img.height as f64 / base.height as f64);
        let grid: Vec<(f64, f64)> = grid.into_iter().map(|(gx, gy)| (gx * sx, gy * sy)).collect();
        let Some((x0, y0, x1, y1)) = grid_window(&grid, img.width, img.height) else {
            let b = self.cog.base();
            let dt = b.dtype.decoded();
            return Ok(Raster {
                width: w,
                height: h,
                bands: b.samples as usize,
                dtype: dt,
                data: vec![0; w * h * b.samples as usize * dt.size()],
                valid: vec![0; w * h],
            });
        };
        let method = if base.photometric == 3 { Resampling::Nearest } else { method };
        let kernel = Kernel::new(method, &grid, w, h, (img.width, img.height));
        let (px, py) = kernel.padding();
        let (x0, y0) = ((x0 - px).max(0), (y0 - py).max(0));
        let (x1, y1) = ((x1 + px).min(img.width as i64), (y1 + py).min(img.height as i64));
        let mut win = self.cog.read_window(level, x0, y0, (x1 - x0) as usize, (y1 - y0) as usize).await?;
        mask_nodata(&mut win, base.nodata, self.alpha_band());
        Ok(resample(&win, (x0, y0), &grid, w, h, &kernel))
    }

    /// The default style: 8-bit data as is; other types stretched between the band information's min
    /// and max (the file's statistics, else GDAL's approximate statistics), as large_image does.
    async fn default_style(&self) -> Result<DefaultStyle> {
        let b = self.cog.base();
        let alpha_band = self.alpha_band();
        let ranges = if b.dtype == crate::tiff::DType::U8 || b.photometric == 3 {
            vec![(0.0, 255.0); b.samples as usize]
        } else {
            // large_image stretches between the band information's min and max: the file's statistics,
            // else GDAL's approximate ones.
            self.band_summaries().await?.iter().map(|s| s.map_or((0.0, 1.0), |s| (s[0], s[1]))).collect()
        };
        let palette = if b.photometric == 3 { b.palette_rgba() } else { None };
        Ok(DefaultStyle { ranges, nodata: b.nodata, alpha_band, palette })
    }

    /// Per-band (min, max, 2nd percentile, 98th percentile) for styles' `min`/`max`/`auto`, from the
    /// samples GDAL's approximate statistics read ([`Self::statistics`]).
    pub async fn band_stats(&self) -> Result<Vec<BandStats>> {
        Ok(self
            .statistics()
            .await?
            .iter()
            .map(|s| s.map_or((0.0, 1.0, 0.0, 1.0), |s| (s.min, s.max, s.p2, s.p98)))
            .collect())
    }

    /// The COG validation report of GDAL's `validate_cloud_optimized_geotiff.py` (see [`crate::validate`]);
    /// `full_check` also reads the leader and trailer bytes of every block.
    pub async fn validate(&self, full_check: bool) -> Result<ValidationReport> {
        validate(&self.cog.file, ValidateOptions::full(full_check)).await
    }

    /// django-large-image's `info/metadata_internal`: the rasterio-style keys it answers (driver names,
    /// sizes, `Affine`, `Projection`, `Metadata`, `bounds` …) plus everything the reader knows of the
    /// file's structure ([`crate::inspect::structure`]).
    pub async fn internal_metadata(&self) -> Result<Value> {
        let b = self.cog.base();
        let g = self.cog.georef.as_ref();
        let crs = self.srs_name();
        let mut m = Map::new();
        m.insert("driverShortName".into(), json!("GTiff"));
        m.insert("driverLongName".into(), json!("GTiff"));
        m.insert("RasterXSize".into(), json!(b.width));
        m.insert("RasterYSize".into(), json!(b.height));
        if let Some(g) = g {
            let t = g.geotransform;
            m.insert("Affine".into(), json!([t[1], t[2], t[0], t[4], t[5], t[3], 0.0, 0.0, 1.0]));
        }
        m.insert("Projection".into(), json!(crs));
        m.insert("GCPProjection".into(), Value::Null);
        m.insert(
            "Metadata".into(),
            json!({
                "driver": "GTiff", "dtype": b.dtype.decoded().name(), "nodata": b.nodata,
                "width": b.width, "height": b.height, "count": b.samples, "crs": crs,
                "transform": g.map(|g| g.geotransform),
            }),
        );
        m.insert("geospatial".into(), json!(g.is_some()));
        if let Some((_, geo)) = self.corners() {
            m.insert("bounds".into(), bounds_json(&geo, "EPSG:4326"));
        }
        m.insert("frames".into(), json!(false));
        if let Value::Object(s) = structure(&self.cog).await? {
            m.extend(s);
        }
        Ok(Value::Object(m))
    }

    /// django-large-image's `info/tiffdump` (tifftools' JSON shape; see [`crate::inspect::tiffdump`]).
    pub async fn tiffdump(&self) -> Result<Value> {
        tiffdump(&self.cog.file).await
    }

    /// The index of the image's alpha band (ExtraSamples 1 or 2 on a grey+alpha or RGBA image), if any.
    pub fn alpha_band(&self) -> Option<usize> {
        let b = self.cog.base();
        (b.extra_samples.first().is_some_and(|&e| e == 1 || e == 2) && (b.samples == 2 || b.samples == 4))
            .then(|| b.samples as usize - 1)
    }

    /// Renders samples to RGBA with a large_image style (JSON) or, with none, the default style: the one
    /// styling path of tiles, regions, thumbnails and rendered histograms.
    pub async fn render(&self, raster: &Raster, style: Option<&Value>) -> Result<Vec<u8>> {
        let b = self.cog.base();
        Ok(match style {
            Some(v) => {
                let st = Style::parse(v, b.samples as usize)?;
                render_style(raster, &st, &self.band_stats().await?, b.nodata)
            }
            None => render_default(raster, &self.default_style().await?),
        })
    }
}

/// The longitude of `to` continued from `from` (both degrees): `to` shifted by whole turns to within
/// 180° of `from`.
fn continue_longitude(from: f64, to: f64) -> f64 {
    from + (to - from + 180.0).rem_euclid(360.0) - 180.0
}

fn bounds_json(c: &Corners, srs: &str) -> Value {
    let [ll, ul, lr, ur] = *c;
    let xs = [ll.0, ul.0, lr.0, ur.0];
    let ys = [ll.1, ul.1, lr.1, ur.1];
    let f = |v: &[f64], max: bool| {
        v.iter()
            .copied()
            .fold(if max { f64::NEG_INFINITY } else { f64::INFINITY }, if max { f64::max } else { f64::min })
    };
    json!({
        "ll": {"x": ll.0, "y": ll.1}, "ul": {"x": ul.0, "y": ul.1},
        "lr": {"x": lr.0, "y": lr.1}, "ur": {"x": ur.0, "y": ur.1},
        "xmin": f(&xs, false), "xmax": f(&xs, true), "ymin": f(&ys, false), "ymax": f(&ys, true),
        "srs": srs,
    })
}

/// large_image's band interpretation names.
fn band_interpretation(img: &crate::tiff::ImageInfo, i: usize) -> &'static str {
    let extra_start = img.samples as usize - img.extra_samples.len();
    if i >= extra_start && img.extra_samples.get(i - extra_start).is_some_and(|&e| e == 1 || e == 2) {
        return "alpha";
    }
    match (img.photometric, i) {
        (2 | 6, 0) => "red",
        (2 | 6, 1) => "green",
        (2 | 6, 2) => "blue",
        (3, 0) => "palette",
        (0 | 1, 0) => "gray",
        _ => "undefined",
    }
}
