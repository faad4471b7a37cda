//! large_image's metadata views: `getMetadata` ([`Metadata`]), band information ([`BandInfo`]),
//! django-large-image's `info/frames`, `tiles/metadata` and tile corners, the internal metadata and
//! tiffdump of the file's structure, and COG validation.

use super::{LargeImage, LARGE_IMAGE_TILE};
use crate::cog::inspect::{structure, tiffdump};
use crate::cog::validate::{validate, ValidateOptions, ValidationReport};
use crate::error::{Error, Result};
use crate::source::RangeSource;
use crate::tiff::tags::is_alpha;
use crate::tiff::ImageInfo;
use crate::warp::{TileScheme, MERCATOR_MAX};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Corner points ll, ul, lr, ur.
type Corners = [(f64, f64); 4];

/// A point of a [`Bounds`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Easting or longitude.
    pub x: f64,
    /// Northing or latitude.
    pub y: f64,
}

/// large_image's bounds: the four corners, their extent and the CRS they are in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bounds {
    /// Lower left corner.
    pub ll: Point,
    /// Upper left corner.
    pub ul: Point,
    /// Lower right corner.
    pub lr: Point,
    /// Upper right corner.
    pub ur: Point,
    /// Smallest x of the corners.
    pub xmin: f64,
    /// Largest x of the corners.
    pub xmax: f64,
    /// Smallest y of the corners.
    pub ymin: f64,
    /// Largest y of the corners.
    pub ymax: f64,
    /// The CRS (`EPSG:4326`, the file's `EPSG:nnnn` or PROJ.4 definition).
    pub srs: String,
}

impl Bounds {
    fn new(c: &Corners, srs: &str) -> Bounds {
        let [ll, ul, lr, ur] = *c;
        let (xs, ys) = ([ll.0, ul.0, lr.0, ur.0], [ll.1, ul.1, lr.1, ur.1]);
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let p = |(x, y): (f64, f64)| Point { x, y };
        Bounds {
            ll: p(ll),
            ul: p(ul),
            lr: p(lr),
            ur: p(ur),
            xmin: min(&xs),
            xmax: max(&xs),
            ymin: min(&ys),
            ymax: max(&ys),
            srs: srs.to_string(),
        }
    }
}

/// large_image's `getMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Zoom levels of the tile pyramid (pixel space, or the projection's).
    pub levels: u32,
    /// Width of the pyramid's finest level in pixels.
    pub size_x: u64,
    /// Height of the pyramid's finest level in pixels.
    pub size_y: u64,
    /// Tile width in pixels.
    pub tile_width: u64,
    /// Tile height in pixels.
    pub tile_height: u64,
    /// Always `null` (no microscope magnification).
    pub magnification: Option<f64>,
    /// Pixel width in millimetres, when georeferenced.
    #[serde(rename = "mm_x")]
    pub mm_x: Option<f64>,
    /// Pixel height in millimetres, when georeferenced.
    #[serde(rename = "mm_y")]
    pub mm_y: Option<f64>,
    /// numpy name of the tiles' samples (`uint8` for projected tiles).
    pub dtype: &'static str,
    /// Bands per pixel.
    pub band_count: u64,
    /// Whether the image is georeferenced.
    pub geospatial: bool,
    /// Levels of large_image's 256-pixel pixel-space pyramid, whatever the projection (as its rasterio
    /// source sets them before any projection; not the file's overview count).
    pub source_levels: u32,
    /// Full-resolution width in pixels.
    pub source_size_x: u64,
    /// Full-resolution height in pixels.
    pub source_size_y: u64,
    /// The projection asked for (`null` = pixel space).
    pub projection: Option<String>,
    /// The image's corners in EPSG:4326 (`null` without georeferencing).
    pub bounds: Option<Bounds>,
    /// The image's corners in its own CRS (`null` without georeferencing).
    pub source_bounds: Option<Bounds>,
    /// Band information, keyed "1", "2", ….
    pub bands: BTreeMap<String, BandInfo>,
    /// Always false (one frame).
    pub frames: bool,
}

/// One band of large_image's `getBandInformation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandInfo {
    /// Smallest value (the file's statistics, else GDAL's approximate ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Mean value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Standard deviation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdev: Option<f64>,
    /// The file's nodata value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodata: Option<f64>,
    /// GDAL scale (1 when none).
    pub scale: f64,
    /// GDAL offset (0 when none).
    pub offset: f64,
    /// GDAL's band description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `red`, `green`, `blue`, `gray`, `alpha`, `palette` or `undefined`.
    pub interpretation: &'static str,
    /// numpy name of the samples.
    pub dtype: &'static str,
    /// A palette image's colour table (RGBA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colortable: Option<Vec<[u8; 4]>>,
}

/// django-large-image's `info/frames`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frames {
    /// The one frame.
    pub frames: Vec<Frame>,
}

/// A frame of [`Frames`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    /// `Frame null`.
    pub frame: &'static str,
    /// Every band.
    pub bands: Vec<FrameBand>,
}

/// A band of a [`Frame`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameBand {
    /// 1-based band number.
    pub index: usize,
    /// Always `null`.
    pub frame: Option<u32>,
    /// The band's interpretation.
    pub name: &'static str,
}

/// large_image's `getTileCorners`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TileCorners {
    /// Left edge.
    pub xmin: f64,
    /// Right edge.
    pub xmax: f64,
    /// Bottom edge.
    pub ymin: f64,
    /// Top edge.
    pub ymax: f64,
}

/// django-large-image's `tiles/metadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TilesMetadata {
    /// Zoom levels.
    pub levels: u32,
    /// Width of the finest level.
    pub size_x: u64,
    /// Height of the finest level.
    pub size_y: u64,
    /// Tile size in pixels.
    pub tile_size: u64,
    /// Whether the image is georeferenced.
    pub geospatial: bool,
    /// The whole [`Metadata`].
    pub additional_metadata: Metadata,
}

/// Options of the metadata views (`{ projection }`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MetadataRequest {
    /// `EPSG:3857` or `EPSG:4326` for a projected pyramid; none for pixel space.
    pub projection: Option<String>,
}

/// Options of the validation (`{ fullCheck }`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ValidateRequest {
    /// Also read the leader and trailer bytes of every block.
    pub full_check: bool,
}

/// large_image's band interpretation names.
fn band_interpretation(img: &ImageInfo, i: usize) -> &'static str {
    use crate::tiff::tags::PhotometricInterpretation as P;
    let extra_start = img.samples as usize - img.extra_samples.len();
    if i >= extra_start && img.extra_samples.get(i - extra_start).is_some_and(|&e| is_alpha(e)) {
        return "alpha";
    }
    match (img.photometric_interpretation(), i) {
        (Some(P::RGB | P::YCbCr), 0) => "red",
        (Some(P::RGB | P::YCbCr), 1) => "green",
        (Some(P::RGB | P::YCbCr), 2) => "blue",
        (Some(P::RGBPalette), 0) => "palette",
        (Some(P::WhiteIsZero | P::BlackIsZero), 0) => "gray",
        _ => "undefined",
    }
}

impl<S: RangeSource> LargeImage<S> {
    /// Levels of the pixel-space pyramid of `tile`-pixel tiles: `ceil(log2(max(w, h) / tile)) + 1`, at
    /// least 1. With [`LARGE_IMAGE_TILE`] this is large_image's pyramid, whatever the file's block size.
    pub fn pixel_levels(&self, tile: u64) -> u32 {
        let b = self.cog.base();
        let r = (b.width as f64 / tile as f64).max(b.height as f64 / tile as f64);
        (r.log2().ceil().max(0.0) as u32) + 1
    }

    /// The image's corners (ll, ul, lr, ur) in its CRS and in EPSG:4326.
    pub(crate) fn corners(&self) -> Option<(Corners, Corners)> {
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

    /// large_image's `getMetadata` (`projection` `None` = pixel space).
    pub async fn metadata(&self, projection: Option<&str>) -> Result<Metadata> {
        let b = self.cog.base();
        let scheme = Self::scheme(projection)?;
        let (levels, size_x, size_y, tile_width, tile_height) = match scheme {
            None => (self.pixel_levels(LARGE_IMAGE_TILE), b.width, b.height, LARGE_IMAGE_TILE, LARGE_IMAGE_TILE),
            Some(s) => {
                let lv = self.projected_levels(s)?;
                let (nx, ny) = s.tiles(lv - 1);
                (lv, nx * 256, ny * 256, 256, 256)
            }
        };
        let mm = self.pixel_size_m().map(|m| m * 1000.0);
        let corners = self.corners();
        let srs = self.srs_name();
        Ok(Metadata {
            levels,
            size_x,
            size_y,
            tile_width,
            tile_height,
            magnification: None,
            mm_x: mm,
            mm_y: mm,
            dtype: if scheme.is_some() { "uint8" } else { b.dtype.decoded().name() },
            band_count: b.samples,
            geospatial: self.cog.georef.is_some(),
            source_levels: self.pixel_levels(LARGE_IMAGE_TILE),
            source_size_x: b.width,
            source_size_y: b.height,
            projection: projection.map(String::from),
            bounds: corners.map(|(_, geo)| Bounds::new(&geo, "EPSG:4326")),
            source_bounds: corners.map(|(native, _)| Bounds::new(&native, srs.as_deref().unwrap_or("unknown"))),
            bands: self.bands().await?,
            frames: false,
        })
    }

    /// large_image's `getBandInformation` (the `info/bands` view): per band (keys "1", "2", …) `min`,
    /// `max`, `mean`, `stdev`, `nodata`, `scale`, `offset`, `interpretation`, and where known
    /// `description` and (palette images) `colortable`.
    pub async fn bands(&self) -> Result<BTreeMap<String, BandInfo>> {
        let b = self.cog.base();
        let summaries = self.band_summaries().await?;
        let mut bands = BTreeMap::new();
        for (i, summary) in summaries.into_iter().enumerate() {
            let role =
                |r: &str| b.gdal_metadata.iter().find(|it| it.sample == Some(i) && it.role.as_deref() == Some(r));
            let number =
                |r: &str, default: f64| role(r).and_then(|it| it.value.trim().parse::<f64>().ok()).unwrap_or(default);
            let interpretation = band_interpretation(b, i);
            let info = BandInfo {
                min: summary.map(|s| s[0]),
                max: summary.map(|s| s[1]),
                mean: summary.map(|s| s[2]),
                stdev: summary.map(|s| s[3]),
                nodata: b.nodata,
                scale: number("scale", 1.0),
                offset: number("offset", 0.0),
                description: role("description").map(|d| d.value.clone()),
                interpretation,
                dtype: b.dtype.decoded().name(),
                colortable: if interpretation == "palette" { b.palette_rgba() } else { None },
            };
            bands.insert((i + 1).to_string(), info);
        }
        Ok(bands)
    }

    /// django-large-image's `info/frames`: one frame holding every band.
    pub fn frames(&self) -> Frames {
        let b = self.cog.base();
        let bands = (0..b.samples as usize)
            .map(|i| FrameBand { index: i + 1, frame: None, name: band_interpretation(b, i) })
            .collect();
        Frames { frames: vec![Frame { frame: "Frame null", bands }] }
    }

    /// django-large-image's `tiles/metadata`: `{levels, size_x, size_y, tile_size, geospatial,
    /// additional_metadata}`.
    pub async fn tiles_metadata(&self, projection: Option<&str>) -> Result<TilesMetadata> {
        let m = self.metadata(projection).await?;
        Ok(TilesMetadata {
            levels: m.levels,
            size_x: m.size_x,
            size_y: m.size_y,
            tile_size: m.tile_width,
            geospatial: m.geospatial,
            additional_metadata: m,
        })
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
                2.0 * MERCATOR_MAX / (m * LARGE_IMAGE_TILE as f64)
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

    /// The COG validation report of GDAL's `validate_cloud_optimized_geotiff.py` (see
    /// [`crate::cog::validate`]); `full_check` also reads the leader and trailer bytes of every block.
    pub async fn validate(&self, full_check: bool) -> Result<ValidationReport> {
        validate(&self.cog.file, ValidateOptions::full(full_check)).await
    }

    /// django-large-image's `info/metadata_internal`: the rasterio-style keys it answers (driver names,
    /// sizes, `Affine`, `Projection`, `Metadata`, `bounds` …) plus everything the reader knows of the
    /// file's structure ([`crate::cog::inspect::structure`]).
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
            m.insert("bounds".into(), json!(Bounds::new(&geo, "EPSG:4326")));
        }
        m.insert("frames".into(), json!(false));
        if let Value::Object(s) = structure(&self.cog).await? {
            m.extend(s);
        }
        Ok(Value::Object(m))
    }

    /// django-large-image's `info/tiffdump` (tifftools' JSON shape; see [`crate::cog::inspect::tiffdump`]).
    pub async fn tiffdump(&self) -> Result<Value> {
        tiffdump(&self.cog.file).await
    }
}

/// The longitude of `to` continued from `from` (both degrees): `to` shifted by whole turns to within
/// 180° of `from`.
fn continue_longitude(from: f64, to: f64) -> f64 {
    from + (to - from + 180.0).rem_euclid(360.0) - 180.0
}
