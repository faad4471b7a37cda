//! large_image's API over a COG: [`LargeImage`] and its views, one file per family — metadata and
//! band information ([`metadata`]), tiles ([`tiles`]), regions and thumbnails ([`region`]), the pixel
//! view ([`pixel`]), histograms ([`histogram`]) and the units boxes and points are given in
//! ([`units`]). Each view answers a typed `Serialize` struct with large_image's field names; JSON is
//! made only at the edge. The `*Request` structs are the views' options as the JS API spells them
//! (camelCase, unknown names refused), turned into the core's options here.

pub mod histogram;
pub mod metadata;
pub mod pixel;
pub mod region;
pub mod tiles;
pub mod units;

pub use histogram::{Histogram, HistogramKind, HistogramOptions, HistogramRequest, Resolution};
pub use metadata::{BandInfo, Bounds, Frames, Metadata, TileCorners, TilesMetadata};
pub use pixel::{Location, Pixel, PixelRequest};
pub use region::{RegionOptions, RegionPlan, RegionRequest, ThumbnailRequest};
pub use tiles::{TileOptions, TileRequest};
pub use units::Units;

use crate::cog::{Cog, OpenOptions};
use crate::error::{Error, Result};
use crate::source::{Credentials, RangeSource};
use crate::stats::{approx_statistics, BandStatistics};
use crate::style::{BandStats, DefaultStyle, Plan, Style, TitilerParams};
use crate::tiff::tags::is_alpha;
use crate::tiff::Georef;
use crate::warp::geokeys::proj_string;
use crate::warp::{Crs, SourceCrs, TileScheme};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The tile size of large_image's pixel-space pyramid, whatever the file's block size (its rasterio
/// source always tiles at 256 pixels).
pub const LARGE_IMAGE_TILE: u64 = 256;

/// A COG seen through large_image's API.
#[derive(Debug)]
pub struct LargeImage<S> {
    /// The reader.
    pub cog: Cog<S>,
    approx: Mutex<Option<Vec<Option<BandStatistics>>>>,
    /// The source CRS, made on first use (in the browser, a projected CRS needs the projection module,
    /// which the wasm face loads once the image is open: see [`LargeImage::needs_projection_module`]).
    src_crs: std::sync::OnceLock<Result<SourceCrs>>,
    /// The last plan pixel-space tiles drew in one pass, resolved once ([`tiles::DirectCache`]).
    direct_cache: Mutex<Option<tiles::DirectCache>>,
}

/// Options of [`LargeImage`]'s opening, as the JS API spells them (`LargeImage.open(url, options)`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[non_exhaustive]
pub struct OpenRequest {
    /// Size of the first read, in bytes (default 64 KiB).
    pub header_bytes: Option<u64>,
    /// Budget of the decoded-tile cache, in bytes (default 64 MiB).
    pub cache_bytes: Option<usize>,
    /// HTTP headers sent with every range request (e.g. `Authorization`).
    pub headers: BTreeMap<String, String>,
    /// What `fetch` sends of the page's credentials: `'omit'`, `'same-origin'` (default) or `'include'`.
    pub credentials: Credentials,
    /// Tiles per fixed request group of a row (default 1: every tile in its own range), see
    /// [`crate::source::plan::TileGroups`].
    pub tile_group: Option<u64>,
}

impl OpenRequest {
    /// The reader's options these ask for.
    pub fn open_options(&self) -> OpenOptions {
        let mut o = OpenOptions::default();
        if let Some(h) = self.header_bytes {
            o.header_bytes = h;
        }
        if let Some(c) = self.cache_bytes {
            o.cache_bytes = c;
        }
        if let Some(k) = self.tile_group {
            o.tile_groups.per_group = k.clamp(1, 64);
        }
        o
    }
}

/// Deserializes a view's options from their JSON (`null` = all defaults), naming the view in errors:
/// an unknown or misspelt option is refused, with the names it could have been.
pub fn request<T: for<'de> Deserialize<'de> + Default>(view: &str, json: serde_json::Value) -> Result<T> {
    if json.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(json).map_err(|e| Error::usage(format!("{view} options: {e}")))
}

/// A style given as a JSON object, or as its JSON text.
pub(crate) fn style_json(v: Option<serde_json::Value>) -> Result<Option<serde_json::Value>> {
    match v {
        Some(serde_json::Value::String(text)) => {
            serde_json::from_str(&text).map(Some).map_err(|e| Error::usage(format!("style is not JSON: {e}")))
        }
        other => Ok(other),
    }
}

/// The CRS of a georeferenced `width`×`height` image, its inverse geotransform and wrap longitude.
fn source_crs(georef: Option<&Georef>, width: u64, height: u64) -> Result<SourceCrs> {
    let g = georef
        .ok_or_else(|| Error::usage("the image has no georeferencing: ask for pixel-space tiles (no projection)"))?;
    let crs = match g.epsg {
        Some(epsg) => Crs::from_epsg(epsg)?,
        None => Crs::from_proj_string(&proj_string(&g.keys)?, None)?,
    };
    SourceCrs::new(crs, &g.geotransform, width, height)
        .ok_or_else(|| Error::format("the geotransform is not invertible"))
}

impl<S: RangeSource> LargeImage<S> {
    /// Opens a COG.
    pub async fn open(src: S, opts: OpenOptions) -> Result<Self> {
        let cog = Cog::open(src, opts).await?;
        let src_crs = std::sync::OnceLock::new();
        Ok(LargeImage { cog, approx: Mutex::new(None), src_crs, direct_cache: Mutex::new(None) })
    }

    /// The source CRS, when the file is georeferenced with a CRS this build knows.
    pub(crate) fn crs(&self) -> Result<&SourceCrs> {
        let b = self.cog.base();
        let crs = self.src_crs.get_or_init(|| source_crs(self.cog.georef.as_ref(), b.width, b.height));
        crs.as_ref().map_err(Clone::clone)
    }

    /// Whether the image's CRS is one only proj4rs converts (not geographic or web mercator): in the
    /// browser, what the projection module (`pkg/large_image_proj_bg.wasm`) must be loaded for.
    pub fn needs_projection_module(&self) -> bool {
        self.cog.georef.as_ref().is_some_and(|g| g.epsg.is_none_or(|code| Crs::built_in(code).is_none()))
    }

    /// The (width, height) of the pyramid's levels, full resolution first.
    pub(crate) fn level_sizes(&self) -> Result<Vec<(u64, u64)>> {
        (0..self.cog.levels.len()).map(|l| self.cog.level(l).map(|i| (i.width, i.height))).collect()
    }

    /// The widths of the pyramid's levels, full resolution first.
    pub(crate) fn level_widths(&self) -> Result<Vec<u64>> {
        (0..self.cog.levels.len()).map(|l| self.cog.level(l).map(|i| i.width)).collect()
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

    /// The index of the image's alpha band (ExtraSamples alpha on a grey+alpha or RGBA image), if any.
    pub fn alpha_band(&self) -> Option<usize> {
        let b = self.cog.base();
        (b.extra_samples.first().is_some_and(|&e| is_alpha(e)) && (b.samples == 2 || b.samples == 4))
            .then(|| b.samples as usize - 1)
    }

    /// The default style: 8-bit data as is; other types stretched between the band information's min
    /// and max (the file's statistics, else GDAL's approximate statistics), as large_image does.
    pub async fn default_style(&self) -> Result<DefaultStyle> {
        let b = self.cog.base();
        let ranges = if b.dtype == crate::tiff::DType::U8 || b.is_palette() {
            vec![(0.0, 255.0); b.samples as usize]
        } else {
            self.band_summaries().await?.iter().map(|s| s.map_or((0.0, 1.0), |s| (s[0], s[1]))).collect()
        };
        Ok(DefaultStyle {
            ranges,
            nodata: b.nodata,
            alpha_band: self.alpha_band(),
            palette: if b.is_palette() { b.palette_rgba() } else { None },
            bands: b.samples as usize,
            dtype: b.dtype.decoded(),
        })
    }

    /// The one rendering plan of a request, parsed once: TiTiler's parameters when given, else a
    /// large_image style (JSON), else the default style. Tiles, regions, thumbnails, the pixel view
    /// and rendered histograms all draw through it.
    pub async fn plan(&self, style: Option<&serde_json::Value>, titiler: Option<&TitilerParams>) -> Result<Plan> {
        let b = self.cog.base();
        let (bands, dtype) = (b.samples as usize, b.dtype.decoded());
        Ok(match (titiler, style) {
            (Some(t), _) => t.plan(bands, dtype, b.nodata),
            (None, Some(v)) => Style::parse(v, bands)?.plan(&self.band_stats().await?, b.nodata, dtype),
            (None, None) => self.default_style().await?.plan(),
        })
    }

    /// The file's CRS as text: `EPSG:nnnn`, else the PROJ.4 definition its GeoKeys give.
    fn srs_name(&self) -> Option<String> {
        let g = self.cog.georef.as_ref()?;
        match g.epsg {
            Some(c) => Some(format!("EPSG:{c}")),
            None => proj_string(&g.keys).ok(),
        }
    }

    /// The tile scheme a large_image `projection` names (`None` = pixel space).
    fn scheme(projection: Option<&str>) -> Result<Option<TileScheme>> {
        projection.map(TileScheme::from_projection).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn open_options_refuse_unknown_names() {
        let o: OpenRequest = request("open", json!({"headerBytes": 1024, "credentials": "include"})).unwrap();
        assert_eq!(o.open_options().header_bytes, 1024);
        assert_eq!(o.credentials, Credentials::Include);
        let e = request::<OpenRequest>("open", json!({"credentals": "include"})).unwrap_err().to_string();
        assert!(e.contains("open options: unknown field `credentals`") && e.contains("`credentials`"), "{e}");
        let e = request::<OpenRequest>("open", json!({"credentials": "all"})).unwrap_err().to_string();
        assert!(e.contains("unknown variant `all`") && e.contains("same-origin"), "{e}");
        assert_eq!(request::<OpenRequest>("open", serde_json::Value::Null).unwrap(), OpenRequest::default());
    }
}
