//! The large_image data views over a COG: metadata, tiles (pixel space, web mercator, geographic).
//! JSON shapes follow django-large-image / large_image.

use crate::cog::{Cog, OpenOptions, Raster};
use crate::encode::{encode, Format};
use crate::error::{Error, Result};
use crate::source::RangeSource;
use crate::style::{render_default, render_style, BandStats, DefaultStyle, Style};
use crate::warp::{choose_level, grid_window, resample_nearest, source_grid, suggested_resolution, Crs, TileScheme};
use serde_json::{json, Map, Value};
use std::sync::Mutex;

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
}

impl Default for TileOptions {
    fn default() -> Self {
        TileOptions { projection: None, size: 256, format: Format::Png, style: None }
    }
}

/// A COG seen through large_image's API.
#[derive(Debug)]
pub struct LargeImage<S> {
    /// The reader.
    pub cog: Cog<S>,
    stats: Mutex<Option<Vec<BandStats>>>,
    natural: Mutex<[Option<f64>; 2]>,
    src_crs: Result<(Crs, [f64; 6])>,
}

/// The CRS of a georeferenced image and its inverse geotransform.
fn source_crs(georef: Option<&crate::tiff::Georef>) -> Result<(Crs, [f64; 6])> {
    let g = georef
        .ok_or_else(|| Error::usage("the image has no georeferencing: ask for pixel-space tiles (no projection)"))?;
    let epsg = g.epsg.ok_or_else(|| Error::unsupported("a CRS defined by GeoKey parameters without an EPSG code"))?;
    let inv = g.inverse().ok_or_else(|| Error::format("the geotransform is not invertible"))?;
    Ok((Crs::from_epsg(epsg)?, inv))
}

impl<S: RangeSource> LargeImage<S> {
    /// Opens a COG.
    pub async fn open(src: S, opts: OpenOptions) -> Result<Self> {
        let cog = Cog::open(src, opts).await?;
        let src_crs = source_crs(cog.georef.as_ref());
        Ok(LargeImage { cog, stats: Mutex::new(None), natural: Mutex::new([None; 2]), src_crs })
    }

    /// The source CRS, when the file is georeferenced with a known EPSG code.
    pub(crate) fn crs(&self) -> Result<(&Crs, [f64; 6])> {
        match &self.src_crs {
            Ok((c, inv)) => Ok((c, *inv)),
            Err(e) => Err(e.clone()),
        }
    }

    /// Levels of the pixel-space pyramid: `ceil(log2(max(w/tw, h/th))) + 1`.
    pub fn pixel_levels(&self) -> u32 {
        let b = self.cog.base();
        let r = (b.width as f64 / b.tile_width as f64).max(b.height as f64 / b.tile_height as f64);
        (r.log2().ceil().max(0.0) as u32) + 1
    }

    /// Bounds of the image in EPSG:4326 as `[xmin, ymin, xmax, ymax]`, and the corner points.
    fn corners(&self) -> Option<(Corners, Corners)> {
        let g = self.cog.georef.as_ref()?;
        let b = self.cog.base();
        let (w, h) = (b.width as f64, b.height as f64);
        let native = [g.pixel_to_crs(0.0, h), g.pixel_to_crs(0.0, 0.0), g.pixel_to_crs(w, h), g.pixel_to_crs(w, 0.0)];
        let crs = self.crs().ok()?.0;
        let geo = native.map(|(x, y)| crs.to_lonlat(x, y));
        Some((native, geo))
    }

    /// large_image's `getMetadata` (`projection` `None` = pixel space).
    pub fn metadata(&self, projection: Option<&str>) -> Result<Value> {
        let b = self.cog.base();
        let mut m = Map::new();
        let scheme = projection.map(TileScheme::from_projection).transpose()?;
        let (levels, size_x, size_y, tw, th) = match scheme {
            None => (self.pixel_levels(), b.width, b.height, b.tile_width, b.tile_height),
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
        m.insert("dtype".into(), json!(if scheme.is_some() { "uint8" } else { b.dtype.decoded().name() }));
        m.insert("bandCount".into(), json!(b.samples));
        m.insert("geospatial".into(), json!(self.cog.georef.is_some()));
        m.insert("sourceLevels".into(), json!(self.cog.levels.len()));
        m.insert("sourceSizeX".into(), json!(b.width));
        m.insert("sourceSizeY".into(), json!(b.height));
        m.insert("projection".into(), projection.map(|p| json!(p.to_ascii_lowercase())).unwrap_or(Value::Null));
        if let Some((native, geo)) = self.corners() {
            let epsg = self.cog.georef.as_ref().and_then(|g| g.epsg).map(|c| format!("EPSG:{c}"));
            m.insert("bounds".into(), bounds_json(&geo, "EPSG:4326"));
            m.insert("sourceBounds".into(), bounds_json(&native, epsg.as_deref().unwrap_or("unknown")));
        }
        let mut bands = Map::new();
        for i in 0..b.samples as usize {
            let interp = band_interpretation(b, i);
            let mut band = json!({ "interpretation": interp, "nodata": b.nodata, "dtype": b.dtype.decoded().name() });
            let stats = [
                ("min", "STATISTICS_MINIMUM"),
                ("max", "STATISTICS_MAXIMUM"),
                ("mean", "STATISTICS_MEAN"),
                ("stdev", "STATISTICS_STDDEV"),
            ];
            for (key, item) in stats {
                if let Some(v) = b.gdal_number(item, i) {
                    band[key] = json!(v);
                }
            }
            let role =
                |r: &str| b.gdal_metadata.iter().find(|it| it.sample == Some(i) && it.role.as_deref() == Some(r));
            for r in ["scale", "offset"] {
                if let Some(v) = role(r).and_then(|it| it.value.trim().parse::<f64>().ok()) {
                    band[r] = json!(v);
                }
            }
            if let Some(d) = role("description") {
                band["description"] = json!(d.value);
            }
            bands.insert((i + 1).to_string(), band);
        }
        m.insert("bands".into(), Value::Object(bands));
        m.insert("frames".into(), json!(false));
        Ok(Value::Object(m))
    }

    /// Number of zoom levels of a projected pyramid: deep enough to reach the native resolution.
    fn projected_levels(&self, s: TileScheme) -> Result<u32> {
        let (_, geo) = self.corners().ok_or_else(|| Error::usage("the image has no usable georeferencing"))?;
        let b = self.cog.base();
        let lon_span = (geo[3].0 - geo[1].0).abs().max((geo[2].0 - geo[0].0).abs());
        let deg_per_px = lon_span / b.width as f64;
        let world = match s {
            TileScheme::WebMercator => 360.0,
            TileScheme::Geographic => 180.0,
        };
        let r = world / deg_per_px / 256.0;
        Ok((r.log2().ceil().max(0.0) as u32) + 1)
    }

    /// One tile, rendered with the default style and encoded.
    pub async fn tile(&self, z: u32, x: u64, y: u64, opts: &TileOptions) -> Result<Vec<u8>> {
        let raster = self.tile_raster(z, x, y, opts).await?;
        let rgba = self.render(&raster, opts.style.as_ref()).await?;
        encode(rgba, raster.width as u32, raster.height as u32, opts.format)
    }

    /// One tile's samples before styling (band values, validity), nearest-neighbour from the level
    /// `gdalwarp -ovr AUTO` would read.
    pub async fn tile_raster(&self, z: u32, x: u64, y: u64, opts: &TileOptions) -> Result<Raster> {
        let size = opts.size;
        if !(1..=4096).contains(&size) {
            return Err(Error::usage(format!("tile size {size} (1..=4096)")));
        }
        let (grid, w, h, factor) = match &opts.projection {
            Some(p) => {
                let scheme = TileScheme::from_projection(p)?;
                let bounds = scheme.tile_bounds(z, x, y)?;
                let (src, inv) = self.crs()?;
                let factor = (bounds[2] - bounds[0]) / size as f64 / self.natural_resolution(scheme)?;
                (source_grid(bounds, size, &scheme.crs(), src, &inv), size, size, factor)
            }
            None => {
                let levels = self.pixel_levels();
                if z >= levels {
                    return Err(Error::usage("z layer does not exist"));
                }
                let b = self.cog.base();
                let scale = (1u64 << (levels - 1 - z)) as f64;
                let (tw, th) = (b.tile_width as usize, b.tile_height as usize);
                let (tx, ty) = (
                    b.width.div_ceil(b.tile_width << (levels - 1 - z)),
                    b.height.div_ceil(b.tile_height << (levels - 1 - z)),
                );
                if x >= tx || y >= ty {
                    return Err(Error::usage(format!(
                        "tile {z}/{x}/{y} is outside the image ({tx}×{ty} tiles at this level)"
                    )));
                }
                let grid = (0..th)
                    .flat_map(|j| {
                        (0..tw).map(move |i| {
                            (((x as usize * tw + i) as f64 + 0.5) * scale, ((y as usize * th + j) as f64 + 0.5) * scale)
                        })
                    })
                    .collect();
                (grid, tw, th, scale)
            }
        };
        self.sample(grid, w, h, factor).await
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
                let from = Crs::from_epsg(code)?;
                let (src, inv) = self.crs()?;
                let (lon, lat) = from.to_lonlat(left, top);
                let (x, y) = src.from_lonlat(lon, lat);
                (inv[0] + x * inv[1] + y * inv[2], inv[3] + x * inv[4] + y * inv[5])
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
        let rgba = render_default(&r, &self.default_style().await?);
        let f = |i: usize| rgba[i] as f64;
        Ok(json!({
            "bands": bands,
            "value": [f(0), f(1), f(2), f(3)],
            "r": f(0), "g": f(1), "b": f(2), "a": f(3),
        }))
    }

    /// The image's natural resolution in the scheme's CRS units (as gdalwarp suggests it), cached.
    fn natural_resolution(&self, scheme: TileScheme) -> Result<f64> {
        let key = scheme as usize;
        if let Some(r) = self.natural.lock().unwrap_or_else(|p| p.into_inner())[key] {
            return Ok(r);
        }
        let (src, _) = self.crs()?;
        let g = self.cog.georef.as_ref().ok_or_else(|| Error::usage("the image has no georeferencing"))?;
        let dst = scheme.crs();
        let b = self.cog.base();
        let r = suggested_resolution(b.width, b.height, |c, r| {
            let (x, y) = g.pixel_to_crs(c, r);
            let (lon, lat) = src.to_lonlat(x, y);
            if *src == dst {
                Some((x, y))
            } else {
                dst.try_from_lonlat(lon, lat)
            }
        })
        .ok_or_else(|| Error::unsupported("the image's extent does not transform to the tile CRS"))?;
        self.natural.lock().unwrap_or_else(|p| p.into_inner())[key] = Some(r);
        Ok(r)
    }

    /// Samples the image at `grid` (full-resolution pixel coordinates) from the pyramid level GDAL
    /// would pick for `factor` source pixels per output pixel.
    async fn sample(&self, grid: Vec<(f64, f64)>, w: usize, h: usize, factor: f64) -> Result<Raster> {
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
        let win = self.cog.read_window(level, x0, y0, (x1 - x0) as usize, (y1 - y0) as usize).await?;
        Ok(resample_nearest(&win, (x0, y0), &grid, w, h))
    }

    /// The default style: 8-bit data as is; other types stretched between the file's band statistics,
    /// or the min and max [`Self::band_stats`] computes on the smallest overview.
    async fn default_style(&self) -> Result<DefaultStyle> {
        let b = self.cog.base();
        let alpha_band = self.alpha_band();
        let ranges = if b.dtype == crate::tiff::DType::U8 || b.photometric == 3 {
            vec![(0.0, 255.0); b.samples as usize]
        } else {
            // The file's own statistics (GDAL_METADATA) when every band has them, else computed (cached).
            let file_stats: Option<Vec<(f64, f64)>> = (0..b.samples as usize)
                .map(|i| Some((b.gdal_number("STATISTICS_MINIMUM", i)?, b.gdal_number("STATISTICS_MAXIMUM", i)?)))
                .collect();
            match file_stats {
                Some(s) => s,
                None => self.band_stats().await?.iter().map(|s| (s.0, s.1)).collect(),
            }
        };
        let palette = if b.photometric == 3 { b.palette_rgba() } else { None };
        Ok(DefaultStyle { ranges, nodata: b.nodata, alpha_band, palette })
    }

    /// Per-band (min, max, 2nd percentile, 98th percentile) of valid, non-nodata samples of the
    /// smallest level (computed once).
    pub async fn band_stats(&self) -> Result<Vec<BandStats>> {
        if let Some(s) = self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(s);
        }
        let last = self.cog.levels.len() - 1;
        let img = self.cog.level(last)?;
        let r = self.cog.read_window(last, 0, 0, img.width as usize, img.height as usize).await?;
        let nodata = self.cog.base().nodata;
        let mut out = Vec::with_capacity(r.bands);
        for b in 0..r.bands {
            let mut v: Vec<f64> = (0..r.width * r.height)
                .filter(|&p| r.valid[p] != 0)
                .map(|p| r.dtype.get(&r.data, p * r.bands + b))
                .filter(|v| !v.is_nan() && Some(*v) != nodata)
                .collect();
            v.sort_by(|a, b| a.total_cmp(b));
            out.push(match v.len() {
                0 => (0.0, 1.0, 0.0, 1.0),
                n => (v[0], v[n - 1], v[(n - 1) * 2 / 100], v[(n - 1) * 98 / 100]),
            });
        }
        *self.stats.lock().unwrap_or_else(|p| p.into_inner()) = Some(out.clone());
        Ok(out)
    }

    /// The index of the image's alpha band (ExtraSamples 1 or 2 on a grey+alpha or RGBA image), if any.
    pub fn alpha_band(&self) -> Option<usize> {
        let b = self.cog.base();
        let alpha = b.extra_samples.first().is_some_and(|&e| e == 1 || e == 2);
        (alpha && (b.samples == 2 || b.samples == 4)).then(|| b.samples as usize - 1)
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
