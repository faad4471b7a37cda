//! Tiling schemes, CRS transforms and overview choice: from a map tile to the source pixels that fill it
//! (sampled by [`crate::resample`]).

use crate::error::{Error, Result};
use crate::tiff::GeoTransform;

/// Earth radius of the spherical (web) mercator, metres.
pub const MERCATOR_R: f64 = 6_378_137.0;
/// Half the width of the web mercator square, metres.
pub const MERCATOR_MAX: f64 = std::f64::consts::PI * MERCATOR_R;

/// A tile matrix: how map tiles at zoom `z` cover the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileScheme {
    /// XYZ web mercator (EPSG:3857): one tile at level 0.
    WebMercator,
    /// Geographic (EPSG:4326), as CesiumJS's default: 2 × 1 tiles at level 0.
    Geographic,
}

impl TileScheme {
    /// From a large_image `projection` value (`EPSG:3857`, `EPSG:4326`, case-insensitive).
    pub fn from_projection(p: &str) -> Result<TileScheme> {
        match p.to_ascii_uppercase().as_str() {
            "EPSG:3857" | "EPSG:900913" => Ok(TileScheme::WebMercator),
            "EPSG:4326" => Ok(TileScheme::Geographic),
            _ => Err(Error::unsupported(format!("tile projection {p} (use EPSG:3857 or EPSG:4326)"))),
        }
    }
    /// Tiles across and down at zoom `z`.
    pub fn tiles(self, z: u32) -> (u64, u64) {
        let n = 1u64 << z.min(40);
        match self {
            TileScheme::WebMercator => (n, n),
            TileScheme::Geographic => (2 * n, n),
        }
    }
    /// The CRS the scheme's coordinates are in.
    pub fn crs(self) -> Crs {
        match self {
            TileScheme::WebMercator => Crs::WebMercator,
            TileScheme::Geographic => Crs::Geographic,
        }
    }
    /// Bounds `(xmin, ymin, xmax, ymax)` of tile (`x`, `y`) at zoom `z` in the scheme's CRS units.
    pub fn tile_bounds(self, z: u32, x: u64, y: u64) -> Result<[f64; 4]> {
        let (nx, ny) = self.tiles(z);
        if x >= nx || y >= ny || z > 30 {
            return Err(Error::usage(format!("tile {z}/{x}/{y} is outside the {self:?} tile matrix")));
        }
        let (x0, y1, w, h) = match self {
            TileScheme::WebMercator => (-MERCATOR_MAX, MERCATOR_MAX, 2.0 * MERCATOR_MAX, 2.0 * MERCATOR_MAX),
            TileScheme::Geographic => (-180.0, 90.0, 360.0, 180.0),
        };
        let tw = w / nx as f64;
        let th = h / ny as f64;
        Ok([x0 + x as f64 * tw, y1 - (y + 1) as f64 * th, x0 + (x + 1) as f64 * tw, y1 - y as f64 * th])
    }
}

/// A coordinate reference system.
#[derive(Debug, Clone)]
pub enum Crs {
    /// Longitude/latitude in degrees on WGS84 (EPSG:4326).
    Geographic,
    /// Spherical mercator in metres (EPSG:3857).
    WebMercator,
    /// Any other CRS, through proj4rs.
    Proj {
        /// The EPSG code, when known.
        epsg: Option<u32>,
        /// The projection.
        proj: Box<proj4rs::Proj>,
    },
}

impl PartialEq for Crs {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Crs::Geographic, Crs::Geographic) | (Crs::WebMercator, Crs::WebMercator) => true,
            (Crs::Proj { epsg: Some(a), .. }, Crs::Proj { epsg: Some(b), .. }) => a == b,
            _ => false,
        }
    }
}

/// The PROJ.4 definition of an EPSG code, from the table packed at build time (about 6 000 codes
/// from `crs-definitions`, inflated once on first use).
pub fn epsg_definition(code: u32) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<Vec<(u32, &'static str)>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let packed: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/epsg.zlib"));
        let opts = zune_inflate::DeflateOptions::default().set_limit(16 << 20);
        let text = zune_inflate::DeflateDecoder::new_with_options(packed, opts).decode_zlib().unwrap_or_default();
        let text: &'static str = Box::leak(String::from_utf8_lossy(&text).into_owned().into_boxed_str());
        text.lines().filter_map(|l| l.split_once('\t')).filter_map(|(c, d)| Some((c.parse().ok()?, d))).collect()
    });
    table.binary_search_by_key(&code, |e| e.0).ok().map(|i| table[i].1)
}

thread_local! {
    static WGS84: proj4rs::Proj = proj4rs::Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").expect("WGS84 definition");
}

impl Crs {
    /// True for a geographic CRS (longitude/latitude in degrees), whatever its datum.
    pub fn is_geographic(&self) -> bool {
        match self {
            Crs::Geographic => true,
            Crs::WebMercator => false,
            Crs::Proj { proj, .. } => proj.is_latlong(),
        }
    }

    /// The CRS for an EPSG code (definitions shipped in the build: the EPSG table of `crs-definitions`).
    pub fn from_epsg(code: u32) -> Result<Crs> {
        match code {
            4326 => return Ok(Crs::Geographic),
            3857 | 900913 | 3785 | 102100 => return Ok(Crs::WebMercator),
            _ => {}
        }
        let def = epsg_definition(code)
            .ok_or_else(|| Error::unsupported(format!("EPSG:{code} is not in this build's EPSG table")))?;
        Self::from_proj_string(def, Some(code))
    }

    /// A CRS from a PROJ.4 string.
    pub fn from_proj_string(def: &str, epsg: Option<u32>) -> Result<Crs> {
        let proj =
            proj4rs::Proj::from_proj_string(def).map_err(|e| Error::unsupported(format!("projection {def:?}: {e}")))?;
        Ok(Crs::Proj { epsg, proj: Box::new(proj) })
    }

    /// Converts (x, y) in this CRS to (lon, lat) degrees (NaN where the transform fails).
    pub fn to_lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        match self {
            Crs::Geographic => (x, y),
            Crs::WebMercator => ((x / MERCATOR_R).to_degrees(), (y / MERCATOR_R).sinh().atan().to_degrees()),
            Crs::Proj { proj, .. } => WGS84.with(|w| {
                let mut p = if proj.is_latlong() { (x.to_radians(), y.to_radians(), 0.0) } else { (x, y, 0.0) };
                match proj4rs::transform::transform(proj, w, &mut p) {
                    Ok(()) => (p.0.to_degrees(), p.1.to_degrees()),
                    Err(_) => (f64::NAN, f64::NAN),
                }
            }),
        }
    }

    /// [`Self::to_lonlat`] of a point.
    pub fn to_lonlat_point(&self, (x, y): (f64, f64)) -> (f64, f64) {
        self.to_lonlat(x, y)
    }

    /// Converts (lon, lat) degrees to (x, y) in this CRS; `None` outside the projection's domain (the
    /// poles in mercator), as PROJ fails there.
    pub fn try_from_lonlat(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        match self {
            Crs::WebMercator if (lat.abs() - 90.0).abs() < 1e-10 => None,
            Crs::Geographic | Crs::WebMercator => Some(self.from_lonlat(lon, lat)),
            Crs::Proj { proj, .. } => WGS84.with(|w| {
                let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
                proj4rs::transform::transform(w, proj, &mut p).ok()?;
                let out = if proj.is_latlong() { (p.0.to_degrees(), p.1.to_degrees()) } else { (p.0, p.1) };
                (out.0.is_finite() && out.1.is_finite()).then_some(out)
            }),
        }
    }

    /// Converts (lon, lat) degrees to (x, y) in this CRS (latitudes clamped inside mercator's domain;
    /// NaN where a projection fails).
    pub fn from_lonlat(&self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Geographic => (lon, lat),
            Crs::WebMercator => {
                let lat = lat.clamp(-89.999_999, 89.999_999).to_radians();
                (lon.to_radians() * MERCATOR_R, (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln() * MERCATOR_R)
            }
            Crs::Proj { .. } => self.try_from_lonlat(lon, lat).unwrap_or((f64::NAN, f64::NAN)),
        }
    }
}

/// A georeferenced source image as the warper sees it: its CRS, its inverse geotransform (CRS → pixel)
/// and, for a geographic CRS, the longitude that positions are wrapped around.
///
/// GDAL's warper inserts a `CENTER_LONG` on a geographic source (gdalwarp's `InsertCenterLong`: the middle
/// of the four corners' longitudes, printed with `%g`, unless they span more than 360°), and the inverse
/// transformation then wraps every longitude into `[center − 180°, center + 180°]`. So a file stored from
/// 175° to 185.24° east, or a 0–360° world, is found from −179.5° as from 180.5°. Pixel lookups and
/// regions take the same path, so −179.5 and 180.5 name the same place.
#[derive(Debug, Clone)]
pub struct SourceCrs {
    /// The image's CRS.
    pub crs: Crs,
    /// CRS → pixel (col, row) of the full-resolution image.
    pub inv: GeoTransform,
    /// The longitude positions are wrapped around (geographic CRSs only).
    pub center_long: Option<f64>,
}

impl SourceCrs {
    /// The source of a `width`×`height` image with `geotransform` in `crs`; `None` when the geotransform
    /// is not invertible.
    pub fn new(crs: Crs, geotransform: &GeoTransform, width: u64, height: u64) -> Option<SourceCrs> {
        let inv = crate::tiff::geo::invert_geotransform(geotransform)?;
        let g = geotransform;
        let (w, h) = (width as f64, height as f64);
        let longs = [g[0], g[0] + w * g[1], g[0] + h * g[2], g[0] + w * g[1] + h * g[2]];
        let (lo, hi) = longs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        let center_long = (crs.is_geographic() && hi - lo <= 360.0).then(|| printf_g((lo + hi) / 2.0));
        Some(SourceCrs { crs, inv, center_long })
    }

    /// `x` wrapped around the centre longitude as GDAL's reverse transformation wraps it.
    pub fn wrap_long(&self, x: f64) -> f64 {
        match self.center_long {
            Some(c) if x < c - 180.0 => x + 360.0,
            Some(c) if x > c + 180.0 => x - 360.0,
            _ => x,
        }
    }

    /// (x, y) in `from` → coordinates in the source CRS (longitudes wrapped, NaN where it fails).
    pub fn from_crs(&self, from: &Crs, x: f64, y: f64) -> (f64, f64) {
        let (sx, sy) = if *from == self.crs {
            (x, y)
        } else {
            let (lon, lat) = from.to_lonlat(x, y);
            self.crs.from_lonlat(lon, lat)
        };
        (self.wrap_long(sx), sy)
    }

    /// (x, y) in `from` → fractional pixel (col, row) of the full-resolution image.
    pub fn to_pixel(&self, from: &Crs, x: f64, y: f64) -> (f64, f64) {
        let (sx, sy) = self.from_crs(from, x, y);
        let inv = &self.inv;
        (inv[0] + sx * inv[1] + sy * inv[2], inv[3] + sx * inv[4] + sy * inv[5])
    }
}

/// `v` as C's `printf("%g")` rounds it (6 significant digits), which is how GDAL passes `CENTER_LONG`.
fn printf_g(v: f64) -> f64 {
    format!("{v:.5e}").parse().unwrap_or(v)
}

/// Largest error (|dx| + |dy|, in source pixels) of the linear interpolation used between exactly
/// transformed points for nearest-neighbour tiles. GDAL's default (`gdalwarp -et 0.125`) moves about
/// 3 % of nearest-neighbour samples of a UTM → web mercator tile to a neighbouring pixel; this tighter
/// bound keeps the result equal to GDAL's exact transform (`gdalwarp -et 0`) at a few more exact
/// transforms per row. Interpolating resamplers need the exact positions (0.01 px moves a 16-bit
/// bilinear sample by up to 1 % of its local gradient): they pass 0.
pub const APPROX_MAX_ERROR: f64 = 0.01;

/// For each pixel centre of a `size`×`size` output covering `bounds` (in `dst` units), the fractional
/// pixel (col, row) of the source image `src`.
///
/// Rows go through GDAL's approximate transformer ([`approx_row`]) with `max_error` (0: every point
/// exact), so that sampling picks the same source positions as `gdalwarp`.
pub fn source_grid(bounds: [f64; 4], size: usize, dst: &Crs, src: &SourceCrs, max_error: f64) -> Vec<(f64, f64)> {
    let [x0, y0, x1, y1] = bounds;
    let rx = (x1 - x0) / size as f64;
    let ry = (y1 - y0) / size as f64;
    let exact = |x: f64, y: f64| -> (f64, f64) { src.to_pixel(dst, x, y) };
    let mut out = vec![(f64::NAN, f64::NAN); size * size];
    for j in 0..size {
        let y = y1 - (j as f64 + 0.5) * ry;
        let row = &mut out[j * size..(j + 1) * size];
        approx_row(row, &|i| exact(x0 + (i as f64 + 0.5) * rx, y), max_error);
    }
    out
}

/// GDAL's approximate transformer over one row of `row.len()` points whose exact transform is
/// `exact(i)`: transform the first, middle and last points; if the middle's error against the line
/// through the ends (|dx| + |dy|) exceeds `max_error`, split into the first `middle` points and
/// the rest and recurse, else interpolate linearly. Five points or fewer, or a failed end, are exact.
pub fn approx_row(row: &mut [(f64, f64)], exact: &dyn Fn(usize) -> (f64, f64), max_error: f64) {
    fn go(row: &mut [(f64, f64)], base: usize, exact: &dyn Fn(usize) -> (f64, f64), max_error: f64) {
        let n = row.len();
        let ok = |p: (f64, f64)| p.0.is_finite() && p.1.is_finite();
        if n <= 5 || max_error <= 0.0 {
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = exact(base + i);
            }
            return;
        }
        let mid = (n - 1) / 2;
        let (p0, pm, pn) = (exact(base), exact(base + mid), exact(base + n - 1));
        if !(ok(p0) && ok(pm) && ok(pn)) {
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = exact(base + i);
            }
            return;
        }
        let span = (n - 1) as f64;
        let (dx, dy) = ((pn.0 - p0.0) / span, (pn.1 - p0.1) / span);
        let err = (p0.0 + dx * mid as f64 - pm.0).abs() + (p0.1 + dy * mid as f64 - pm.1).abs();
        if err > max_error {
            go(&mut row[..=mid], base, exact, max_error);
            go(&mut row[mid..], base + mid, exact, max_error);
            return;
        }
        for (i, cell) in row.iter_mut().enumerate() {
            *cell = (p0.0 + dx * i as f64, p0.1 + dy * i as f64);
        }
    }
    go(row, 0, exact, max_error);
}

/// Chooses the pyramid level for `factor` source pixels per output pixel exactly as `gdalwarp -ovr AUTO`
/// does: walking from full resolution, stop at the level whose ratio (`base_width / width`) is below
/// the factor while the next one is above it, or at a level within 0.1 of the factor.
pub fn choose_level(base_width: u64, widths: &[u64], factor: f64) -> usize {
    if factor <= 1.0 || widths.len() < 2 {
        return 0;
    }
    let ratio = |i: usize| base_width as f64 / widths[i] as f64;
    let mut level = 0;
    while level + 1 < widths.len() {
        let (r, next) = (ratio(level), ratio(level + 1));
        if (r < factor && next > factor) || (r - factor).abs() < 0.1 {
            break;
        }
        level += 1;
    }
    level
}

/// How many source pixels one output pixel spans, as gdalwarp measures it to choose an overview when it
/// is given the output's extent and size (`-te` and `-ts`, which is what a map tile is): the 10 × 10
/// grid of output pixel corners from edge to edge, transformed to source pixels (longitudes wrapped as
/// for sampling), and the width of their bounding box over the output width. GDAL 3.6 measures along x
/// only; later versions take the smaller of the x and y ratios. Feed it to [`choose_level`].
///
/// Because it measures the tile itself, a tile whose footprint spans the source's wrap longitude (a
/// 0–360° world at 0°) or a pole reads the overview GDAL reads there, not the image's average
/// resolution.
pub fn target_ratio(bounds: [f64; 4], size: usize, dst: &Crs, src: &SourceCrs) -> f64 {
    let [x0, _, x1, y1] = bounds;
    let (rx, ry) = ((x1 - x0) / size as f64, (y1 - bounds[1]) / size as f64);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..10 {
        for j in 0..10 {
            let (px, py) = (size as f64 * i as f64 / 9.0, size as f64 * j as f64 / 9.0);
            let (c, r) = src.to_pixel(dst, x0 + px * rx, y1 - py * ry);
            if c.is_finite() && r.is_finite() {
                (lo, hi) = (lo.min(c), hi.max(c));
            }
        }
    }
    if hi > lo {
        (hi - lo) / size as f64
    } else {
        0.0
    }
}

/// Pixel bounds `(x0, y0, x1, y1)` (exclusive) of the nearest-neighbour samples of `grid`, clipped to
/// a `w`×`h` image; `None` when no sample falls inside.
pub fn grid_window(grid: &[(f64, f64)], w: u64, h: u64) -> Option<(i64, i64, i64, i64)> {
    let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for &(gx, gy) in grid {
        let (sx, sy) = (gx.floor(), gy.floor());
        if sx >= 0.0 && sy >= 0.0 && sx < w as f64 && sy < h as f64 {
            let (sx, sy) = (sx as i64, sy as i64);
            x0 = x0.min(sx);
            y0 = y0.min(sy);
            x1 = x1.max(sx + 1);
            y1 = y1.max(sy + 1);
        }
    }
    (x0 <= x1 && x0 != i64::MAX).then_some((x0, y0, x1, y1))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn mercator_round_trip_and_tile_bounds() {
        let (x, y) = Crs::WebMercator.from_lonlat(12.5, 41.9);
        let (lon, lat) = Crs::WebMercator.to_lonlat(x, y);
        assert!((lon - 12.5).abs() < 1e-9 && (lat - 41.9).abs() < 1e-9);
        let b = TileScheme::WebMercator.tile_bounds(1, 1, 0).unwrap();
        assert_eq!(b, [0.0, 0.0, MERCATOR_MAX, MERCATOR_MAX]);
        let g = TileScheme::Geographic.tile_bounds(0, 1, 0).unwrap();
        assert_eq!(g, [0.0, -90.0, 180.0, 90.0]);
        assert!(TileScheme::Geographic.tile_bounds(0, 2, 0).is_err());
    }
    #[test]
    fn epsg_table_and_utm_round_trip() {
        assert!(epsg_definition(32633).unwrap().contains("+zone=33"));
        assert!(epsg_definition(3413).unwrap().contains("+proj=stere"));
        assert!(epsg_definition(1).is_none());
        let utm = Crs::from_epsg(32633).unwrap();
        let (x, y) = utm.from_lonlat(15.0, 50.0); // central meridian: x = 500 km
        assert!((x - 500_000.0).abs() < 1e-6 && (y - 5_538_630.7).abs() < 1.0, "{x} {y}");
        let (lon, lat) = utm.to_lonlat(x, y);
        assert!((lon - 15.0).abs() < 1e-9 && (lat - 50.0).abs() < 1e-9);
    }

    #[test]
    fn level_choice_follows_gdal() {
        let widths = [4096, 2048, 1024, 512];
        assert_eq!(choose_level(4096, &widths, 1.0), 0);
        assert_eq!(choose_level(4096, &widths, 1.9), 0);
        assert_eq!(choose_level(4096, &widths, 1.95), 0); // GDAL stops before looking at the next level
        assert_eq!(choose_level(4096, &widths, 2.05), 1);
        assert_eq!(choose_level(4096, &widths, 2.0), 1);
        assert_eq!(choose_level(4096, &widths, 3.0), 1);
        assert_eq!(choose_level(4096, &widths, 100.0), 3);
    }
}
