//! Tiles: pixel space at large_image's pyramid, web mercator (EPSG:3857) and geographic (EPSG:4326),
//! resampled as `gdalwarp` does from the level `gdalwarp -ovr AUTO` reads, styled through one plan,
//! encoded; and their corners.

use super::metadata::TileCorners;
use super::region::RegionPlan;
use super::{style_json, LargeImage, LARGE_IMAGE_TILE};
use crate::decode::Raster;
use crate::encode::{encode, Format};
use crate::error::{Error, Result};
use crate::source::{RangeSource, ReadHints};
use crate::style::plan::Direct;
use crate::style::{Plan, TitilerParams};
use crate::tiff::DType;
use crate::warp::resample::{grid_window, mask_nodata, resample};
use crate::warp::{
    choose_level, rasterio_level, source_grid, target_ratio, Kernel, Resampling, ResamplingChoice, TileScheme,
    APPROX_MAX_ERROR,
};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

/// The tile sizes a request may ask for.
const TILE_SIZES: std::ops::RangeInclusive<usize> = 1..=4096;

/// How a pixel-space tile is read ([`LargeImage::pixel_tile_plan`]).
struct PixelTile {
    /// The full-resolution window, the size it is scaled to and the level `RasterIO` reads.
    region: RegionPlan,
    /// The resampling (nearest: `RasterIO`'s picking; else the warp kernel's).
    method: Resampling,
}

/// A plan, the rasters it was resolved for (bands, decoded type, pixels) and how it draws them in one
/// pass (`None`: it cannot): kept by [`LargeImage`] for the next tile, so that a style's byte tables
/// are built once per image, not per tile.
pub(crate) type DirectCache = (Plan, (usize, DType, usize), Option<Arc<Direct>>);

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
    pub style: Option<Value>,
    /// TiTiler parameters (`bidx`, `expression`, `rescale`, `colormap_name`…, parsed with
    /// [`TitilerParams::from_query`] or [`TitilerParams::from_pairs`]); they win over `style`.
    pub titiler: Option<TitilerParams>,
    /// Resampling of projected and pixel-space tiles: a method (default nearest; palette images always
    /// nearest), or [`ResamplingChoice::Auto`] (bilinear where the tile magnifies continuous data).
    pub resampling: ResamplingChoice,
    /// The reads' hints: priority (a tile's distance from the view's centre; lower first).
    pub hints: ReadHints,
}

impl Default for TileOptions {
    fn default() -> Self {
        TileOptions {
            projection: None,
            size: 256,
            format: Format::Png,
            style: None,
            titiler: None,
            resampling: ResamplingChoice::default(),
            hints: ReadHints::default(),
        }
    }
}

/// Options of a tile as the JS API spells them (`img.tile(z, x, y, options)`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[non_exhaustive]
pub struct TileRequest {
    /// `EPSG:3857`, `EPSG:4326`, or none for pixel space.
    pub projection: Option<String>,
    /// `png` (default), `jpeg` or `rgba`.
    pub format: Option<String>,
    /// Tile size in pixels (default 256).
    pub tile_size: Option<usize>,
    /// large_image style: an object, or its JSON text.
    pub style: Option<Value>,
    /// TiTiler parameters as a query string (`"bidx=1&rescale=0,3000&colormap_name=viridis"`)…
    pub titiler: Option<String>,
    /// …or one by one (not both): `bidx` (number or list)…
    pub bidx: Option<Value>,
    /// `expression` (band math, `;` between outputs)…
    pub expression: Option<String>,
    /// `rescale` (`"min,max"`, `[min, max]` or a list of them)…
    pub rescale: Option<Value>,
    /// `colormap_name`…
    pub colormap_name: Option<String>,
    /// `colormap` (an object or its JSON text)…
    pub colormap: Option<Value>,
    /// `nodata`.
    pub nodata: Option<Value>,
    /// `nearest` (default), `bilinear`, `cubic`, or `auto` (bilinear where the tile magnifies the source,
    /// nearest elsewhere and for palettes and classes), whichever styling is used.
    pub resampling: Option<String>,
    /// Priority of the tile's reads: lower first (its distance from the view's centre); default 0.
    pub priority: Option<f64>,
}

impl TileRequest {
    /// The tile options these ask for, for an image with `bands` bands.
    pub fn options(self, bands: usize) -> Result<TileOptions> {
        Ok(TileOptions {
            titiler: self.titiler_params(bands)?,
            format: Format::parse(self.format.as_deref().unwrap_or("png"))?,
            size: self.tile_size.unwrap_or(256),
            resampling: self.resampling.as_deref().map(ResamplingChoice::parse).transpose()?.unwrap_or_default(),
            style: style_json(self.style)?,
            projection: self.projection,
            hints: ReadHints::with_priority(priority(self.priority)),
        })
    }

    /// The TiTiler parameters, when any is given (as the query string or one by one).
    fn titiler_params(&self, bands: usize) -> Result<Option<TitilerParams>> {
        let one_by_one = [&self.bidx, &self.rescale, &self.colormap, &self.nodata].iter().any(|v| v.is_some())
            || self.expression.is_some()
            || self.colormap_name.is_some();
        if let Some(q) = &self.titiler {
            let p = TitilerParams::from_query(q, bands)?;
            if one_by_one {
                return Err(Error::usage("give TiTiler parameters either as the titiler query string or one by one"));
            }
            return Ok(Some(p));
        }
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let list = |v: &Value| match v {
            Value::Array(a) => a.iter().map(text).collect::<Vec<_>>(),
            other => vec![text(other)],
        };
        let mut pairs: Vec<(&str, String)> = Vec::new();
        pairs.extend(self.bidx.iter().flat_map(list).map(|v| ("bidx", v)));
        pairs.extend(self.expression.iter().map(|v| ("expression", v.clone())));
        let rescales = |r: &Value| match r {
            Value::Array(a) if a.iter().all(|x| x.is_number()) => {
                vec![a.iter().map(text).collect::<Vec<_>>().join(",")]
            }
            other => list(other),
        };
        pairs.extend(self.rescale.iter().flat_map(rescales).map(|v| ("rescale", v)));
        pairs.extend(self.colormap_name.iter().map(|v| ("colormap_name", v.clone())));
        pairs.extend(self.colormap.iter().map(|v| ("colormap", text(v))));
        pairs.extend(self.nodata.iter().map(|v| ("nodata", text(v))));
        if pairs.is_empty() {
            return Ok(None);
        }
        TitilerParams::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), bands).map(Some)
    }
}

/// A JS priority (any number) as the reads' priority.
pub(crate) fn priority(p: Option<f64>) -> i32 {
    p.filter(|p| p.is_finite()).map_or(0, |p| p.round().clamp(i32::MIN as f64, i32::MAX as f64) as i32)
}

/// Python's `round()`: halves go to the even neighbour.
fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - v.signum()
    } else {
        r
    }
}

/// Tile column and row given as JS numbers: whole and not negative.
pub fn tile_index(z: u32, x: f64, y: f64) -> Result<(u64, u64)> {
    if x < 0.0 || y < 0.0 || x.fract() != 0.0 || y.fract() != 0.0 {
        return Err(Error::usage(format!("tile {z}/{x}/{y}: x and y must be whole numbers ≥ 0")));
    }
    Ok((x as u64, y as u64))
}

impl<S: RangeSource> LargeImage<S> {
    /// One tile, styled (TiTiler parameters, else a large_image style, else the default) and encoded.
    /// `resampling: Auto` keeps nearest when the style draws classes.
    pub async fn tile(&self, z: u32, x: u64, y: u64, opts: &TileOptions) -> Result<Vec<u8>> {
        let plan = self.plan(opts.style.as_ref(), opts.titiler.as_ref()).await?;
        // TiTiler's `resampling` parameter, when given, picks the resampling.
        let resampling = match opts.titiler.as_ref().and_then(|t| t.resampling.as_deref()) {
            Some(r) => ResamplingChoice::parse(r)?,
            None => opts.resampling,
        };
        let categorical = plan.is_categorical();
        let raster = if opts.projection.is_none() && TILE_SIZES.contains(&opts.size) {
            // Planned once: drawn straight from the decoded tiles when it can be, else read and drawn.
            let (t, hints) = (opts.size as u64, &opts.hints);
            let tile = self.pixel_tile_plan((z, x, y), t, (resampling, categorical))?;
            if let Some(rgba) = self.direct_pixel_tile(&tile, t as usize, &plan, hints).await? {
                return encode(rgba, t as u32, t as u32, opts.format);
            }
            self.pixel_tile(tile, t, hints).await?
        } else {
            self.raster(z, x, y, opts, resampling, categorical).await?
        };
        let rgba = plan.draw(&raster);
        encode(rgba, raster.width as u32, raster.height as u32, opts.format)
    }

    /// One tile's samples before styling (band values, validity), resampled as `gdalwarp -r` does from
    /// the level `gdalwarp -ovr AUTO` would read (`resampling: Auto` taking the data as continuous).
    pub async fn tile_raster(&self, z: u32, x: u64, y: u64, opts: &TileOptions) -> Result<Raster> {
        self.raster(z, x, y, opts, opts.resampling, false).await
    }

    /// [`Self::tile_raster`] with `resampling` resolved per tile for `categorical` data or not.
    async fn raster(
        &self,
        z: u32,
        x: u64,
        y: u64,
        opts: &TileOptions,
        resampling: ResamplingChoice,
        categorical: bool,
    ) -> Result<Raster> {
        let size = opts.size;
        if !TILE_SIZES.contains(&size) {
            return Err(Error::usage(format!("tile size {size} (1..=4096)")));
        }
        let Some(p) = &opts.projection else {
            let tile = self.pixel_tile_plan((z, x, y), size as u64, (resampling, categorical))?;
            return self.pixel_tile(tile, size as u64, &opts.hints).await;
        };
        let scheme = TileScheme::from_projection(p)?;
        let bounds = scheme.tile_bounds(z, x, y)?;
        let src = self.crs()?;
        let factor = target_ratio(bounds, size, &scheme.crs(), src);
        let method = resampling.method(factor, categorical);
        let max_error = if method == Resampling::Nearest { APPROX_MAX_ERROR } else { 0.0 };
        let grid = source_grid(bounds, size, &scheme.crs(), src, max_error);
        self.sample(grid, size, size, factor, method, &opts.hints).await
    }

    /// A pixel-space tile of the pyramid of `tile`-pixel tiles ([`LARGE_IMAGE_TILE`]: large_image's), read
    /// as large_image's rasterio source reads it (`planned` by [`Self::pixel_tile_plan`]), in the
    /// top-left corner of a `tile`×`tile` raster whose rest is invalid (transparent).
    async fn pixel_tile(&self, planned: PixelTile, tile: u64, hints: &ReadHints) -> Result<Raster> {
        let PixelTile { region: p, method } = planned;
        let content = if method == Resampling::Nearest {
            let mut r = self.region_raster_with(&p, hints).await?;
            mask_nodata(&mut r, self.cog.base().nodata, self.alpha_band());
            r
        } else {
            let (x0, y0, w, h) = (p.x, p.y, p.out_width, p.out_height);
            let (fx, fy) = (p.width as f64 / w as f64, p.height as f64 / h as f64);
            let grid = (0..h)
                .flat_map(|j| {
                    (0..w).map(move |i| (x0 as f64 + (i as f64 + 0.5) * fx, y0 as f64 + (j as f64 + 0.5) * fy))
                })
                .collect();
            self.sample(grid, w as usize, h as usize, fx.max(fy), method, hints).await?
        };
        Ok(content.padded(tile as usize, tile as usize))
    }

    /// Where a pixel-space tile's samples come from: the full-resolution window `x·s·tile …` (`s` =
    /// 2^(levels − 1 − z)) clipped to the image, scaled to `round(window / s)` pixels by GDAL's
    /// `RasterIO` (its overview choice, its nearest-neighbour sample positions). Bilinear and cubic
    /// sample the same positions through [`crate::warp::resample`]. These tiles never magnify the
    /// source, so `Auto` is nearest here; palettes are always nearest.
    fn pixel_tile_plan(
        &self,
        (z, x, y): (u32, u64, u64),
        tile: u64,
        (resampling, categorical): (ResamplingChoice, bool),
    ) -> Result<PixelTile> {
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
        let (fx, fy) = ((x1 - x0) as f64 / w as f64, (y1 - y0) as f64 / h as f64);
        let method = if b.is_palette() { Resampling::Nearest } else { resampling.method(fx.max(fy), categorical) };
        let level = rasterio_level(&self.level_sizes()?, (x1 - x0, y1 - y0), (w, h));
        let region = RegionPlan { x: x0, y: y0, width: x1 - x0, height: y1 - y0, out_width: w, out_height: h, level };
        Ok(PixelTile { region, method })
    }

    /// The RGBA of a pixel-space `t`×`t` tile (`planned` by [`Self::pixel_tile_plan`]) drawn straight
    /// from the decoded tiles, one pass per sample, when that is what [`Self::pixel_tile`] +
    /// [`Plan::draw`] would draw: a plan drawn in one pass ([`Plan::direct`]: a copy of 8-bit bands, a
    /// scaling of floats, byte tables of 16-bit integers), no alpha band to mask first and no nodata value the plan does not mask
    /// itself ([`crate::style::plan::Layer::masks_nodata`]), nearest samples that are a window of one level
    /// ([`Self::plan_level_window`]), a pixel-interleaved file. `None` otherwise.
    async fn direct_pixel_tile(
        &self,
        planned: &PixelTile,
        t: usize,
        plan: &Plan,
        hints: &ReadHints,
    ) -> Result<Option<Vec<u8>>> {
        let b = self.cog.base();
        let [layer] = plan.layers.as_slice() else { return Ok(None) };
        let masked_by_plan = b.nodata.is_none_or(|nd| layer.masks_nodata(nd, b.samples as usize));
        if planned.method != Resampling::Nearest || self.alpha_band().is_some() || !masked_by_plan {
            return Ok(None);
        }
        let Some(w) = self.plan_level_window(&planned.region)? else { return Ok(None) };
        let img = self.cog.level(w.level)?;
        let Some(direct) = self.direct(plan, (img.samples as usize, img.dtype.decoded(), t * t)) else {
            return Ok(None);
        };
        let mut rgba = vec![0u8; t * t * 4];
        let px = img.samples as usize * img.dtype.decoded().size();
        let read = self.cog.visit_window(w.level, (w.x, w.y), (w.width, w.height), hints, |at, samples, valid| {
            let o = ((at / w.width) * t + at % w.width) * 4;
            direct.pixels(samples, valid, &mut rgba[o..o + samples.len() / px * 4]);
        });
        Ok(read.await?.then_some(rgba))
    }

    /// [`Plan::direct`] for `(bands, dtype, pixels)`, from the cache when the last tile asked for the
    /// same. A plan with a NaN nodata value never equals itself and is resolved every time: cheap for
    /// floats, where NaN nodata is found.
    fn direct(&self, plan: &Plan, key: (usize, DType, usize)) -> Option<Arc<Direct>> {
        let mut cache = self.direct_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((p, k, d)) = cache.as_ref() {
            if p == plan && *k == key {
                return d.clone();
            }
        }
        let d = plan.direct(key.0, key.1, key.2).map(Arc::new);
        *cache = Some((plan.clone(), key, d.clone()));
        d
    }

    /// large_image's `getTileCorners`: the tile's box in full-resolution pixels (pixel space, large_image's
    /// 256-pixel pyramid: rows counted from the bottom, not clipped, as large_image's rasterio source
    /// answers), or in the scheme's CRS units for a projection.
    pub fn tile_corners(&self, z: u32, x: u64, y: u64, projection: Option<&str>) -> Result<TileCorners> {
        let [xmin, ymin, xmax, ymax] = match Self::scheme(projection)? {
            Some(s) => s.tile_bounds(z, x, y)?,
            None => {
                let levels = self.pixel_levels(LARGE_IMAGE_TILE);
                if z >= levels {
                    return Err(Error::usage("z layer does not exist"));
                }
                // As large_image's rasterio source answers: unclipped, rows counted from the bottom.
                let t = LARGE_IMAGE_TILE << (levels - 1 - z);
                let (x0, y0) = ((x * t) as f64, (y * t) as f64);
                let h = self.cog.base().height as f64;
                [x0, h - (y0 + t as f64), x0 + t as f64, h - y0]
            }
        };
        Ok(TileCorners { xmin, xmax, ymin, ymax })
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
        hints: &ReadHints,
    ) -> Result<Raster> {
        let base = self.cog.base();
        let level = choose_level(base.width, &self.level_widths()?, factor);
        let img = self.cog.level(level)?;
        let (sx, sy) = (img.width as f64 / base.width as f64, img.height as f64 / base.height as f64);
        let grid: Vec<(f64, f64)> = grid.into_iter().map(|(gx, gy)| (gx * sx, gy * sy)).collect();
        let Some((x0, y0, x1, y1)) = grid_window(&grid, img.width, img.height) else {
            return Ok(Raster::empty(w, h, base.samples as usize, base.dtype.decoded()));
        };
        let method = if base.is_palette() { Resampling::Nearest } else { method };
        let kernel = Kernel::new(method, &grid, w, h, (img.width, img.height));
        let (px, py) = kernel.padding();
        let (x0, y0) = ((x0 - px).max(0), (y0 - py).max(0));
        let (x1, y1) = ((x1 + px).min(img.width as i64), (y1 + py).min(img.height as i64));
        let mut win = self.cog.read_window_with(level, x0, y0, (x1 - x0) as usize, (y1 - y0) as usize, hints).await?;
        mask_nodata(&mut win, base.nodata, self.alpha_band());
        Ok(resample(&win, (x0, y0), &grid, w, h, &kernel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tile_options(v: Value, bands: usize) -> Result<TileOptions> {
        super::super::request::<TileRequest>("tile", v)?.options(bands)
    }

    #[test]
    fn titiler_parameters_one_by_one_equal_the_query_string() {
        let q = tile_options(json!({"titiler": "bidx=2&bidx=1&rescale=0,3000&colormap_name=viridis"}), 2).unwrap();
        let one = tile_options(json!({"bidx": [2, 1], "rescale": [0, 3000], "colormapName": "viridis"}), 2).unwrap();
        assert_eq!(q.titiler, one.titiler);
        assert!(q.titiler.is_some());
        let both = tile_options(json!({"titiler": "bidx=1", "bidx": 1}), 2).unwrap_err().to_string();
        assert!(both.contains("either as the titiler query string or one by one"), "{both}");
        let none = tile_options(json!({"format": "rgba", "tileSize": 512, "resampling": "cubic"}), 1).unwrap();
        assert_eq!(
            (none.titiler, none.format, none.size, none.resampling),
            (None, Format::Rgba, 512, ResamplingChoice::Method(Resampling::Cubic))
        );
    }

    #[test]
    fn unknown_or_misspelt_options_are_named() {
        let e = tile_options(json!({"colormap_name": "viridis"}), 1).unwrap_err().to_string();
        assert!(e.contains("tile options: unknown field `colormap_name`") && e.contains("`colormapName`"), "{e}");
        let auto = tile_options(json!({"resampling": "auto"}), 1).unwrap();
        assert_eq!(auto.resampling, ResamplingChoice::Auto);
        let e = tile_options(json!({"resampling": "lanczos"}), 1).unwrap_err().to_string();
        assert!(e.contains("\"lanczos\"") && e.contains("bilinear, cubic or auto"), "{e}");
        let e = tile_options(json!({"stlye": {}}), 1).unwrap_err().to_string();
        assert!(e.contains("unknown field `stlye`"), "{e}");
        let s = tile_options(json!({"style": "{\"band\": 1}"}), 1).unwrap();
        assert_eq!(s.style, Some(json!({"band": 1})));
    }

    #[test]
    fn tile_indexes_are_whole_numbers() {
        assert_eq!(tile_index(3, 2.0, 5.0).unwrap(), (2, 5));
        assert!(tile_index(3, 2.5, 5.0).unwrap_err().to_string().contains("whole numbers"));
        assert!(tile_index(3, -1.0, 5.0).is_err());
    }
}
