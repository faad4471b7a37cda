//! The units a region's box or a pixel's point is given in, and their conversion to full-resolution
//! pixels (through the file's CRS and its one inverse geotransform).

use super::LargeImage;
use crate::error::{Error, Result};
use crate::source::RangeSource;
use crate::warp::Crs;

/// Units of a region's box or a pixel's point.
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
            _ => Self::epsg_named(&u)
                .map(Units::Epsg)
                .ok_or_else(|| Error::usage(format!("units {u:?} (pixels, fraction or EPSG:nnnn)"))),
        }
    }

    /// The EPSG code `units` names (`EPSG:nnnn`, any case), if any.
    pub fn epsg_named(units: &str) -> Option<u32> {
        units.trim().to_ascii_lowercase().strip_prefix("epsg:")?.parse().ok()
    }

    /// The pixel view's units: `pixels` / `base_pixels` (the default) or `EPSG:nnnn`.
    pub fn parse_point(units: Option<&str>) -> Result<Units> {
        match units.map(|u| u.to_ascii_uppercase()) {
            None => Ok(Units::Pixels),
            Some(u) if u == "PIXELS" || u == "BASE_PIXELS" => Ok(Units::Pixels),
            Some(u) => u
                .strip_prefix("EPSG:")
                .and_then(|c| c.parse().ok())
                .map(Units::Epsg)
                .ok_or_else(|| Error::usage(format!("units {u:?} (pixels or EPSG:nnnn)"))),
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

impl<S: RangeSource> LargeImage<S> {
    /// Full-resolution pixel coordinates of the points `pts` given in `units` (longitudes on either side
    /// of the antimeridian name the same place, see [`crate::warp::SourceCrs`]).
    pub(crate) fn to_pixels(&self, units: Units, pts: &[(f64, f64)]) -> Result<Vec<(f64, f64)>> {
        let b = self.cog.base();
        Ok(match units {
            Units::Pixels => pts.to_vec(),
            Units::Fraction => pts.iter().map(|&(x, y)| (x * b.width as f64, y * b.height as f64)).collect(),
            Units::Epsg(code) => {
                let (src, from) = (self.crs()?, Crs::from_epsg(code)?);
                pts.iter().map(|&(x, y)| src.to_pixel(&from, x, y)).collect()
            }
        })
    }

    /// The image's bounds in `units`, as text for error messages.
    pub(crate) fn bounds_in(&self, units: Units) -> Option<String> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn units_parse_as_django_large_image() {
        assert_eq!(Units::parse(None, true).unwrap(), Units::Epsg(4326));
        assert_eq!(Units::parse(None, false).unwrap(), Units::Pixels);
        assert_eq!(Units::parse(Some("Fraction"), true).unwrap(), Units::Fraction);
        assert!(Units::parse(Some("feet"), true).is_err());
        assert_eq!(Units::parse_point(Some("base_pixels")).unwrap(), Units::Pixels);
        assert_eq!(Units::parse_point(Some("epsg:3857")).unwrap(), Units::Epsg(3857));
        assert!(Units::parse_point(Some("fraction")).unwrap_err().to_string().contains("pixels or EPSG:nnnn"));
    }
}
