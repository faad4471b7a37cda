//! GeoTIFF georeferencing: GeoKeys, the affine geotransform, and the CRS code.

use super::ifd::ByteOrder;
use super::image::ImageInfo;
use super::tags::{geokey, Tag, USER_DEFINED};
use crate::error::Result;
use serde::Serialize;

/// A GDAL-style affine geotransform: `x = g[0] + col*g[1] + row*g[2]`, `y = g[3] + col*g[4] + row*g[5]`,
/// where (col, row) are pixel coordinates with (0, 0) the top-left corner of the top-left pixel.
pub type GeoTransform = [f64; 6];

/// One GeoKey and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum GeoKeyValue {
    /// A SHORT value.
    Short(u16),
    /// Doubles from GeoDoubleParams.
    Doubles(Vec<f64>),
    /// Text from GeoAsciiParams.
    Ascii(String),
}

/// The georeferencing of the full-resolution image.
#[derive(Debug, Clone, PartialEq)]
pub struct Georef {
    /// Pixel → CRS affine transform (pixel-is-point already shifted as GDAL does).
    pub geotransform: GeoTransform,
    /// EPSG code of the CRS, when the keys give one.
    pub epsg: Option<u32>,
    /// All GeoKeys by key id.
    pub keys: Vec<(u16, GeoKeyValue)>,
    /// RasterPixelIsPoint (GTRasterTypeGeoKey = 2).
    pub pixel_is_point: bool,
}

impl Georef {
    /// The value of GeoKey `id` as a short.
    pub fn short(&self, id: u16) -> Option<u16> {
        self.keys.iter().find_map(|(k, v)| match v {
            GeoKeyValue::Short(s) if *k == id => Some(*s),
            _ => None,
        })
    }

    /// Maps pixel (col, row) to CRS coordinates.
    pub fn pixel_to_crs(&self, col: f64, row: f64) -> (f64, f64) {
        apply_geotransform(&self.geotransform, col, row)
    }

    /// The inverse geotransform (CRS → pixel), `None` when singular.
    pub fn inverse(&self) -> Option<GeoTransform> {
        invert_geotransform(&self.geotransform)
    }
}

/// Applies an affine geotransform (or its inverse, from [`invert_geotransform`]) to (`x`, `y`).
#[inline]
pub fn apply_geotransform(g: &GeoTransform, x: f64, y: f64) -> (f64, f64) {
    (g[0] + x * g[1] + y * g[2], g[3] + x * g[4] + y * g[5])
}

/// Inverts an affine geotransform.
pub fn invert_geotransform(g: &GeoTransform) -> Option<GeoTransform> {
    let det = g[1] * g[5] - g[2] * g[4];
    if det.abs() < 1e-300 || !det.is_finite() {
        return None;
    }
    let i1 = g[5] / det;
    let i2 = -g[2] / det;
    let i4 = -g[4] / det;
    let i5 = g[1] / det;
    Some([-g[0] * i1 - g[3] * i2, i1, i2, -g[0] * i4 - g[3] * i5, i4, i5])
}

/// Reads the georeferencing tags of `img`; `None` when it has neither a tiepoint+scale nor a transform.
pub fn read_georef(img: &ImageInfo, order: ByteOrder) -> Result<Option<Georef>> {
    let floats = |tag| img.entry(tag).and_then(|e| e.floats(order));
    let keys = read_geokeys(img, order);
    let pixel_is_point = keys.iter().any(|(k, v)| *k == geokey::RASTER_TYPE && *v == GeoKeyValue::Short(2));
    let mut gt = if let Some(m) = floats(Tag::ModelTransformationTag).filter(|m| m.len() >= 16) {
        [m[3], m[0], m[1], m[7], m[4], m[5]]
    } else if let (Some(tp), Some(sc)) = (floats(Tag::ModelTiepointTag), floats(Tag::ModelPixelScaleTag)) {
        if tp.len() < 6 || sc.len() < 2 {
            return Ok(None);
        }
        let (i, j, x, y) = (tp[0], tp[1], tp[3], tp[4]);
        [x - i * sc[0], sc[0], 0.0, y + j * sc[1], 0.0, -sc[1]]
    } else {
        return Ok(None);
    };
    if pixel_is_point {
        // GDAL's default (GTIFF_POINT_GEO_IGNORE=FALSE): the tiepoint names a pixel centre.
        gt[0] -= 0.5 * gt[1] + 0.5 * gt[2];
        gt[3] -= 0.5 * gt[4] + 0.5 * gt[5];
    }
    let mut g = Georef { geotransform: gt, epsg: None, keys, pixel_is_point };
    g.epsg = match (g.short(geokey::MODEL_TYPE), g.short(geokey::PROJECTED_TYPE), g.short(geokey::GEOGRAPHIC_TYPE)) {
        (_, Some(p), _) if p != 0 && p != USER_DEFINED => Some(p as u32),
        (Some(2), _, Some(c)) if c != USER_DEFINED => Some(c as u32),
        (None | Some(1), None, Some(c)) if c != USER_DEFINED => Some(c as u32),
        _ => None,
    };
    Ok(Some(g))
}

/// Decodes GeoKeyDirectory with GeoDoubleParams and GeoAsciiParams.
pub fn read_geokeys(img: &ImageInfo, order: ByteOrder) -> Vec<(u16, GeoKeyValue)> {
    let Some(dir) = img.entry(Tag::GeoKeyDirectoryTag).and_then(|e| e.uints(order)) else {
        return vec![];
    };
    let doubles = img.entry(Tag::GeoDoubleParamsTag).and_then(|e| e.floats(order)).unwrap_or_default();
    let ascii = img.entry(Tag::GeoAsciiParamsTag).and_then(|e| e.bytes().map(|b| b.to_vec())).unwrap_or_default();
    let n = dir.get(3).copied().unwrap_or(0) as usize;
    let mut out = Vec::new();
    for k in 0..n {
        let Some(e) = dir.get(4 + 4 * k..8 + 4 * k) else {
            break;
        };
        let (id, loc, count, off) = (e[0] as u16, e[1], e[2] as usize, e[3] as usize);
        const DIRECTORY: u64 = Tag::GeoKeyDirectoryTag.to_u16() as u64;
        const DOUBLES: u64 = Tag::GeoDoubleParamsTag.to_u16() as u64;
        const ASCII: u64 = Tag::GeoAsciiParamsTag.to_u16() as u64;
        let v = match loc {
            0 => GeoKeyValue::Short(off as u16),
            DOUBLES => match doubles.get(off..off.saturating_add(count)) {
                Some(d) => GeoKeyValue::Doubles(d.to_vec()),
                None => continue,
            },
            ASCII => match ascii.get(off..off.saturating_add(count)) {
                Some(a) => GeoKeyValue::Ascii(String::from_utf8_lossy(a).trim_end_matches(['|', '\0']).to_string()),
                None => continue,
            },
            DIRECTORY => match dir.get(off..off.saturating_add(count)) {
                Some(s) if count == 1 => GeoKeyValue::Short(s[0] as u16),
                _ => continue,
            },
            _ => continue,
        };
        out.push((id, v));
    }
    out
}
