//! User-defined CRSs: a PROJ.4 definition built from GeoKey parameters, for files whose GeoKeys give
//! no EPSG code for the whole CRS (`ProjectedCSTypeGeoKey` = 32767 "user-defined"), as GDAL's
//! `GTIFGetOGISDefn` reads them.
//!
//! The geodetic part comes from the geographic CRS code, else the datum code (EPSG datum `6xxx` is
//! geographic CRS `4xxx`), else the ellipsoid code or its axes; the projection from
//! `ProjectionGeoKey` (UTM zones) or `ProjCoordTransGeoKey` with its parameters, linear parameters
//! converted to metres as PROJ expects.

use super::crs::epsg_definition;
use crate::error::{Error, Result};
use crate::tiff::geo::GeoKeyValue;
use crate::tiff::tags::{geokey as key, USER_DEFINED};

/// Typed access to a GeoKey list.
struct Keys<'a>(&'a [(u16, GeoKeyValue)]);

impl Keys<'_> {
    fn short(&self, id: u16) -> Option<u16> {
        self.0.iter().find_map(|(k, v)| match v {
            GeoKeyValue::Short(s) if *k == id && *s != 0 && *s != USER_DEFINED => Some(*s),
            _ => None,
        })
    }

    fn double(&self, id: u16) -> Option<f64> {
        self.0.iter().find_map(|(k, v)| match v {
            GeoKeyValue::Doubles(d) if *k == id => d.first().copied().filter(|x| x.is_finite()),
            _ => None,
        })
    }

    /// The first of `ids` that is present.
    fn first(&self, ids: &[u16]) -> Option<f64> {
        ids.iter().find_map(|&id| self.double(id))
    }
}

/// Metres per unit of a linear unit code (EPSG 90xx), `None` when unknown.
fn linear_unit(code: u16) -> Option<f64> {
    Some(match code {
        9001 => 1.0,
        9002 => 0.3048,
        9003 => 1200.0 / 3937.0,
        9005 => 0.3047972654,
        9014 => 1.8288,
        9030 => 1852.0,
        9036 => 1000.0,
        9037 => 0.9143917962,
        9040 => 0.91439523,
        9042 => 20.116765121552632,
        9084 => 0.9143984146160287,
        9094 => 0.3048007491,
        _ => return None,
    })
}

/// Degrees per unit of an angular unit code (EPSG 91xx).
fn angular_unit(code: u16) -> Option<f64> {
    Some(match code {
        9102 | 9122 => 1.0,
        9101 => 180.0 / std::f64::consts::PI,
        9105 => 0.9,
        9104 => 1.0 / 3600.0,
        9103 => 1.0 / 60.0,
        _ => return None,
    })
}

/// `+ellps=` names of EPSG ellipsoid codes.
fn ellipsoid_name(code: u16) -> Option<&'static str> {
    Some(match code {
        7030 => "WGS84",
        7019 => "GRS80",
        7008 => "clrk66",
        7012 => "clrk80",
        7004 => "bessel",
        7022 => "intl",
        7043 => "WGS72",
        7001 => "airy",
        7002 => "mod_airy",
        7024 => "krass",
        7015 => "evrst30",
        7003 => "aust_SA",
        7011 => "clrk80ign",
        _ => return None,
    })
}

/// The geodetic part (`+datum=…`, `+ellps=…`, `+towgs84=…`, `+pm=…`) of the definition.
fn geodetic(k: &Keys) -> String {
    // Drops `+proj`, `+no_defs`, `+units` of a geographic CRS's definition, keeping its datum terms.
    let datum_of = |code: u32| {
        epsg_definition(code).filter(|d| d.contains("+proj=longlat")).map(|d| {
            d.split_whitespace()
                .filter(|t| !t.starts_with("+proj=") && !t.starts_with("+no_defs") && !t.starts_with("+units="))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let mut out = k
        .short(key::GEOGRAPHIC_TYPE)
        .and_then(|c| datum_of(c as u32))
        .or_else(|| {
            k.short(key::GEODETIC_DATUM).filter(|d| (6000..7000).contains(d)).and_then(|d| datum_of(d as u32 - 2000))
        })
        .or_else(|| k.short(key::ELLIPSOID).and_then(ellipsoid_name).map(|e| format!("+ellps={e}")))
        .or_else(|| {
            let a = k.double(key::SEMI_MAJOR)?;
            Some(match (k.double(key::INV_FLATTENING), k.double(key::SEMI_MINOR)) {
                (Some(rf), _) if rf > 0.0 => format!("+a={a} +rf={rf}"),
                (_, Some(b)) => format!("+a={a} +b={b}"),
                _ => format!("+a={a} +b={a}"),
            })
        })
        .unwrap_or_else(|| "+datum=WGS84".into());
    if let Some(pm) = k.double(key::PRIME_MERIDIAN_LONG).filter(|pm| *pm != 0.0) {
        if !out.contains("+pm=") {
            out.push_str(&format!(" +pm={pm}"));
        }
    }
    out
}

/// The PROJ.4 definition of the CRS the GeoKeys describe, for files without an EPSG code for it.
pub fn proj_string(keys: &[(u16, GeoKeyValue)]) -> Result<String> {
    let k = Keys(keys);
    let geod = geodetic(&k);
    if k.short(key::MODEL_TYPE) == Some(2) {
        return Ok(format!("+proj=longlat {geod} +no_defs"));
    }
    if k.short(key::MODEL_TYPE) != Some(1) {
        return Err(Error::unsupported("GeoKeys with a model type other than projected or geographic"));
    }
    let to_m = match (k.short(key::LINEAR_UNITS), k.double(key::LINEAR_UNIT_SIZE)) {
        (Some(code), _) => linear_unit(code)
            .ok_or_else(|| Error::unsupported(format!("GeoKeys: linear unit EPSG:{code} is not known here")))?,
        (None, Some(size)) if size > 0.0 => size,
        _ => 1.0,
    };
    let deg = k.short(key::GEOG_ANGULAR_UNITS).and_then(angular_unit).unwrap_or(1.0);
    let units = if to_m == 1.0 { "+units=m".to_string() } else { format!("+to_meter={to_m}") };
    if let Some(p) = k.short(key::PROJECTION) {
        let zone = match p {
            16001..=16060 => Some((p - 16000, "")),
            16101..=16160 => Some((p - 16100, " +south")),
            _ => None,
        };
        if let Some((z, south)) = zone {
            return Ok(format!("+proj=utm +zone={z}{south} {geod} {units} +no_defs"));
        }
    }
    let ct = k
        .short(key::COORD_TRANS)
        .ok_or_else(|| Error::unsupported("GeoKeys: a user-defined projection without ProjCoordTransGeoKey"))?;
    // Angles in degrees, linear values in metres; missing parameters are 0 (or 1 for scales), as in GDAL.
    let ang = |ids: &[u16]| k.first(ids).unwrap_or(0.0) * deg;
    let lin = |ids: &[u16]| k.first(ids).unwrap_or(0.0) * to_m;
    let scale = |ids: &[u16]| k.first(ids).unwrap_or(1.0);
    use key::*;
    let nat_lat = ang(&[NAT_ORIGIN_LAT, FALSE_ORIGIN_LAT, CENTER_LAT]);
    let nat_lon = ang(&[NAT_ORIGIN_LONG, FALSE_ORIGIN_LONG, CENTER_LONG]);
    let ctr_lat = ang(&[CENTER_LAT, NAT_ORIGIN_LAT, FALSE_ORIGIN_LAT]);
    let ctr_lon = ang(&[CENTER_LONG, NAT_ORIGIN_LONG, FALSE_ORIGIN_LONG]);
    let fe = lin(&[FALSE_EASTING, CENTER_EASTING, FALSE_ORIGIN_EASTING]);
    let fn_ = lin(&[FALSE_NORTHING, CENTER_NORTHING, FALSE_ORIGIN_NORTHING]);
    let k0 = scale(&[SCALE_AT_NAT_ORIGIN, SCALE_AT_CENTER]);
    let (sp1, sp2) = (ang(&[STD_PARALLEL_1]), ang(&[STD_PARALLEL_2]));
    let xy = format!("+x_0={fe} +y_0={fn_}");
    let proj = match ct {
        1 => format!("+proj=tmerc +lat_0={nat_lat} +lon_0={nat_lon} +k={k0} {xy}"),
        27 => format!("+proj=tmerc +lat_0={nat_lat} +lon_0={nat_lon} +k={k0} {xy} +axis=wsu"),
        3 => {
            let (alpha, gamma) = (ang(&[AZIMUTH]), k.double(RECTIFIED_GRID_ANGLE).map(|g| g * deg));
            let gamma = gamma.map(|g| format!(" +gamma={g}")).unwrap_or_default();
            let k0 = scale(&[SCALE_AT_CENTER, SCALE_AT_NAT_ORIGIN]);
            format!("+proj=omerc +lat_0={ctr_lat} +lonc={ctr_lon} +alpha={alpha}{gamma} +k={k0} {xy}")
        }
        7 => match k.double(STD_PARALLEL_1) {
            Some(ts) => format!("+proj=merc +lat_ts={} +lon_0={nat_lon} {xy}", ts * deg),
            None => format!("+proj=merc +lon_0={nat_lon} +k={k0} {xy}"),
        },
        8 => {
            let (lat0, lon0) = (ang(&[FALSE_ORIGIN_LAT, NAT_ORIGIN_LAT]), ang(&[FALSE_ORIGIN_LONG, NAT_ORIGIN_LONG]));
            let e = lin(&[FALSE_ORIGIN_EASTING, FALSE_EASTING]);
            let n = lin(&[FALSE_ORIGIN_NORTHING, FALSE_NORTHING]);
            format!("+proj=lcc +lat_1={sp1} +lat_2={sp2} +lat_0={lat0} +lon_0={lon0} +x_0={e} +y_0={n}")
        }
        9 => format!("+proj=lcc +lat_1={nat_lat} +lat_0={nat_lat} +lon_0={nat_lon} +k_0={k0} {xy}"),
        10 => format!("+proj=laea +lat_0={ctr_lat} +lon_0={ctr_lon} {xy}"),
        11 => {
            let (lat0, lon0) = (ang(&[NAT_ORIGIN_LAT, FALSE_ORIGIN_LAT]), ang(&[NAT_ORIGIN_LONG, FALSE_ORIGIN_LONG]));
            let e = lin(&[FALSE_EASTING, FALSE_ORIGIN_EASTING]);
            let n = lin(&[FALSE_NORTHING, FALSE_ORIGIN_NORTHING]);
            format!("+proj=aea +lat_1={sp1} +lat_2={sp2} +lat_0={lat0} +lon_0={lon0} +x_0={e} +y_0={n}")
        }
        12 => format!("+proj=aeqd +lat_0={ctr_lat} +lon_0={ctr_lon} {xy}"),
        13 => format!("+proj=eqdc +lat_1={sp1} +lat_2={sp2} +lat_0={ctr_lat} +lon_0={ctr_lon} {xy}"),
        14 => format!("+proj=stere +lat_0={ctr_lat} +lon_0={ctr_lon} +k={k0} {xy}"),
        15 => {
            let lon0 = ang(&[STRAIGHT_VERT_POLE_LONG, NAT_ORIGIN_LONG]);
            let pole = if nat_lat < 0.0 { -90.0 } else { 90.0 };
            if (nat_lat.abs() - 90.0).abs() < 1e-9 {
                format!("+proj=stere +lat_0={pole} +lon_0={lon0} +k={k0} {xy}")
            } else {
                format!("+proj=stere +lat_0={pole} +lat_ts={nat_lat} +lon_0={lon0} {xy}")
            }
        }
        16 => format!("+proj=sterea +lat_0={nat_lat} +lon_0={nat_lon} +k={k0} {xy}"),
        17 => format!("+proj=eqc +lat_ts={sp1} +lat_0={nat_lat} +lon_0={nat_lon} {xy}"),
        18 => format!("+proj=cass +lat_0={nat_lat} +lon_0={nat_lon} {xy}"),
        19 => format!("+proj=gnom +lat_0={ctr_lat} +lon_0={ctr_lon} {xy}"),
        20 => format!("+proj=mill +lat_0={ctr_lat} +lon_0={ctr_lon} {xy}"),
        21 => format!("+proj=ortho +lat_0={ctr_lat} +lon_0={ctr_lon} {xy}"),
        22 => format!("+proj=poly +lat_0={nat_lat} +lon_0={nat_lon} {xy}"),
        23 => format!("+proj=robin +lon_0={ctr_lon} {xy}"),
        24 => format!("+proj=sinu +lon_0={ctr_lon} {xy}"),
        other => {
            return Err(Error::unsupported(format!(
                "GeoKeys: coordinate transformation {other} (ProjCoordTransGeoKey)"
            )))
        }
    };
    Ok(format!("{proj} {geod} {units} +no_defs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(shorts: &[(u16, u16)], doubles: &[(u16, f64)]) -> Vec<(u16, GeoKeyValue)> {
        shorts
            .iter()
            .map(|&(k, v)| (k, GeoKeyValue::Short(v)))
            .chain(doubles.iter().map(|&(k, v)| (k, GeoKeyValue::Doubles(vec![v]))))
            .collect()
    }

    #[test]
    fn utm_from_projection_key_and_datum_code() {
        let k = keys(&[(1024, 1), (3072, 32767), (2050, 6269), (3074, 16117)], &[]);
        let s = proj_string(&k).unwrap();
        assert!(s.starts_with("+proj=utm +zone=17 "), "{s}");
        assert!(s.contains("+datum=NAD83"), "{s}");
    }

    #[test]
    fn feet_scale_false_easting_to_metres() {
        let k = keys(&[(1024, 1), (2048, 4269), (3075, 1), (3076, 9003)], &[(3082, 1000.0), (3092, 0.9999)]);
        let s = proj_string(&k).unwrap();
        assert!(s.contains(&format!("+x_0={}", 1000.0 * 1200.0 / 3937.0)), "{s}");
        assert!(s.contains("+to_meter="), "{s}");
        assert!(large_image_proj::Projection::new(&s).is_ok(), "{s}");
    }

    #[test]
    fn unknown_transformation_is_named() {
        let k = keys(&[(1024, 1), (3075, 99)], &[]);
        let e = proj_string(&k).unwrap_err().to_string();
        assert!(e.contains("coordinate transformation 99"), "{e}");
    }
}
