//! Coordinate reference systems: geographic and web mercator exactly, any EPSG code or PROJ.4 string
//! through proj4rs ([`Projection`]; the EPSG table packed by build.rs), and the CRS a GeoTIFF's keys
//! describe.

use super::projection::Projection;
use super::scheme::MERCATOR_R;
use crate::error::{Error, Result};
use crate::tiff::geo::{apply_geotransform, invert_geotransform};
use crate::tiff::GeoTransform;

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
        proj: Box<Projection>,
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

/// The EPSG table as build.rs packs it (`epsg.zlib`). The native build embeds it; the wasm build leaves
/// it out (39 KB, a twentieth of the gzipped module) and is handed it once by the JS side
/// ([`set_packed_epsg_table`], the file `pkg/epsg.bin` next to the wasm, which `initWasm` loads).
fn packed_epsg_table() -> Option<&'static [u8]> {
    #[cfg(not(target_arch = "wasm32"))]
    return Some(include_bytes!(concat!(env!("OUT_DIR"), "/epsg.zlib")));
    #[cfg(target_arch = "wasm32")]
    return PACKED_EPSG.get().map(Vec::as_slice);
}

#[cfg(target_arch = "wasm32")]
static PACKED_EPSG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// Hands the wasm build its EPSG table (the bytes of `pkg/epsg.bin`, build.rs's `epsg.zlib`); only the
/// first call counts. Until then no EPSG code other than 4326 and 3857 is known.
#[cfg(target_arch = "wasm32")]
pub fn set_packed_epsg_table(packed: Vec<u8>) {
    let _ = PACKED_EPSG.set(packed);
}

/// The PROJ.4 definition of an EPSG code, from the table packed at build time (about 6 000 codes
/// from `crs-definitions`, in columns: see build.rs), inflated once on first use.
pub fn epsg_definition(code: u32) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<Vec<(u32, &'static str)>> = std::sync::OnceLock::new();
    let packed = packed_epsg_table()?;
    let table = TABLE.get_or_init(|| {
        let opts = zune_inflate::DeflateOptions::default().set_limit(16 << 20);
        let text = zune_inflate::DeflateDecoder::new_with_options(packed, opts).decode_zlib().unwrap_or_default();
        epsg_rows(&String::from_utf8_lossy(&text))
            .into_iter()
            .map(|(c, d)| (c, &*Box::leak(d.into_boxed_str())))
            .collect()
    });
    table.binary_search_by_key(&code, |e| e.0).ok().map(|i| table[i].1)
}

/// build.rs's EPSG columns back into (code, definition) rows, by ascending code.
fn epsg_rows(text: &str) -> Vec<(u32, String)> {
    let mut lines = text.split('\n');
    let n: usize = lines.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut code = 0u32;
    let codes: Vec<u32> = lines.by_ref().take(n).map(|d| (code += d.parse::<u32>().unwrap_or(0), code).1).collect();
    let shapes: Vec<&str> = lines.by_ref().take(n).collect();
    // Each key's values follow one another, keys in the order they first appear in the shapes.
    let mut keys: Vec<(&str, usize)> = Vec::new();
    for word in shapes.iter().flat_map(|s| s.split(' ')).filter(|w| w.ends_with('=')) {
        match keys.iter_mut().find(|(k, _)| *k == word) {
            Some((_, count)) => *count += 1,
            None => keys.push((word, 1)),
        }
    }
    let mut values: Vec<std::vec::IntoIter<&str>> =
        keys.iter().map(|(_, count)| lines.by_ref().take(*count).collect::<Vec<_>>().into_iter()).collect();
    let rows = shapes.iter().map(|shape| {
        let words = shape.split(' ').map(|w| match keys.iter().position(|(k, _)| *k == w) {
            Some(i) => format!("{w}{}", values[i].next().unwrap_or_default()),
            None => w.to_string(),
        });
        words.collect::<Vec<_>>().join(" ")
    });
    codes.into_iter().zip(rows.collect::<Vec<_>>()).collect()
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

    /// The CRS of an EPSG code this crate converts without proj4rs: geographic and web mercator.
    pub fn built_in(code: u32) -> Option<Crs> {
        match code {
            4326 => Some(Crs::Geographic),
            3857 | 900913 | 3785 | 102100 => Some(Crs::WebMercator),
            _ => None,
        }
    }

    /// The CRS for an EPSG code (definitions shipped in the build: the EPSG table of `crs-definitions`).
    pub fn from_epsg(code: u32) -> Result<Crs> {
        if let Some(crs) = Self::built_in(code) {
            return Ok(crs);
        }
        let def = epsg_definition(code).ok_or_else(|| match packed_epsg_table() {
            Some(_) => Error::unsupported(format!("EPSG:{code} is not in this build's EPSG table")),
            None => Error::usage(format!("EPSG:{code}: the EPSG table (pkg/epsg.bin) was not loaded by initWasm")),
        })?;
        Self::from_proj_string(def, Some(code))
    }

    /// A CRS from a PROJ.4 string.
    pub fn from_proj_string(def: &str, epsg: Option<u32>) -> Result<Crs> {
        Ok(Crs::Proj { epsg, proj: Box::new(Projection::new(def)?) })
    }

    /// Converts (x, y) in this CRS to (lon, lat) degrees (NaN where the transform fails).
    pub fn to_lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        match self {
            Crs::Geographic => (x, y),
            Crs::WebMercator => ((x / MERCATOR_R).to_degrees(), (y / MERCATOR_R).sinh().atan().to_degrees()),
            Crs::Proj { proj, .. } => proj.to_lonlat(x, y),
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
            Crs::Proj { proj, .. } => proj.from_lonlat(lon, lat),
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

    /// Points `xy` (x then y of each) converted in place from this CRS to (lon, lat) degrees, each as
    /// [`Self::to_lonlat`] converts it (one call into the projection module for all of them).
    pub fn to_lonlat_all(&self, xy: &mut [f64]) {
        match self {
            Crs::Proj { proj, .. } => proj.transform(true, xy),
            _ => xy.chunks_exact_mut(2).for_each(|p| (p[0], p[1]) = self.to_lonlat(p[0], p[1])),
        }
    }

    /// Points `xy` converted in place from (lon, lat) degrees to this CRS, each as [`Self::from_lonlat`]
    /// converts it.
    pub fn from_lonlat_all(&self, xy: &mut [f64]) {
        match self {
            Crs::Proj { proj, .. } => proj.transform(false, xy),
            _ => xy.chunks_exact_mut(2).for_each(|p| (p[0], p[1]) = self.from_lonlat(p[0], p[1])),
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
        let inv = invert_geotransform(geotransform)?;
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

    /// (x, y) in `from` → fractional pixel (col, row) of the full-resolution image (NaN where the
    /// transform fails): [`Self::to_pixels`] of one point.
    pub fn to_pixel(&self, from: &Crs, x: f64, y: f64) -> (f64, f64) {
        let mut p = [x, y];
        self.to_pixels(from, &mut p);
        (p[0], p[1])
    }

    /// Points `xy` (x then y of each) in `from` → fractional pixels (col, row) of the full-resolution
    /// image, in place: to (lon, lat) and on into the source CRS unless `from` is it, longitudes
    /// wrapped, then through the inverse geotransform.
    pub fn to_pixels(&self, from: &Crs, xy: &mut [f64]) {
        if *from != self.crs {
            from.to_lonlat_all(xy);
            self.crs.from_lonlat_all(xy);
        }
        for p in xy.chunks_exact_mut(2) {
            (p[0], p[1]) = apply_geotransform(&self.inv, self.wrap_long(p[0]), p[1]);
        }
    }
}

/// `v` as C's `printf("%g")` rounds it (6 significant digits), which is how GDAL passes `CENTER_LONG`.
fn printf_g(v: f64) -> f64 {
    format!("{v:.5e}").parse().unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packed_epsg_table_is_crs_definitions_exactly() {
        let mut n = 0;
        for code in 0..=u16::MAX {
            assert_eq!(epsg_definition(code as u32), crs_definitions::from_code(code).map(|d| d.proj4), "EPSG:{code}");
            n += usize::from(crs_definitions::from_code(code).is_some());
        }
        assert!(n > 6000, "{n}");
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
}
