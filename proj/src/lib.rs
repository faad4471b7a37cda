//! The projections of large-image-wasm other than geographic and web mercator, through `proj4rs` (a
//! pure Rust port of PROJ.4): a [`Projection`] from a PROJ.4 definition, and points between it and
//! longitude/latitude on WGS84.
//!
//! Native builds of the main crate call [`Projection`] directly. In the browser this crate is a second
//! wasm module, `pkg/large_image_proj_bg.wasm` with its wasm-bindgen glue `pkg/large_image_proj.js`
//! (the `module` feature, see [`module`](crate#the-module)), which the page loads only when an image
//! in such a CRS opens or a view names one.
//!
//! # The module
//! With the `module` feature on wasm32 the crate exports, to JS, `projCreate(def) → id` (the projection a
//! PROJ.4 definition defines, made once and named by its index; throws the parser's words),
//! `projLatlong(id)` and `projTransform(id, toLonlat, xy)`, which converts a `Float64Array` of points (x then y
//! of each) in place as [`Projection::transform`] does. `www/lib/proj.js` hands them to the main module.

#[cfg(all(feature = "module", target_arch = "wasm32"))]
mod module;

/// A projection, from its PROJ.4 definition.
#[derive(Debug, Clone)]
pub struct Projection {
    proj: proj4rs::Proj,
}

thread_local! {
    static WGS84: proj4rs::Proj =
        proj4rs::Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").expect("WGS84 definition");
}

impl Projection {
    /// The projection `def` (a PROJ.4 string) defines; the parser's words when it does not.
    pub fn new(def: &str) -> Result<Projection, String> {
        proj4rs::Proj::from_proj_string(def).map(|proj| Projection { proj }).map_err(|e| e.to_string())
    }

    /// True for a geographic CRS (longitude/latitude in degrees), whatever its datum.
    pub fn is_latlong(&self) -> bool {
        self.proj.is_latlong()
    }

    /// (x, y) in this CRS → (lon, lat) degrees on WGS84; NaN where the transform fails.
    pub fn to_lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        WGS84.with(|w| {
            let latlong = self.proj.is_latlong();
            let mut p = if latlong { (x.to_radians(), y.to_radians(), 0.0) } else { (x, y, 0.0) };
            match proj4rs::transform::transform(&self.proj, w, &mut p) {
                Ok(()) => (p.0.to_degrees(), p.1.to_degrees()),
                Err(_) => (f64::NAN, f64::NAN),
            }
        })
    }

    /// (lon, lat) degrees on WGS84 → (x, y) in this CRS; `None` where the transform fails or gives a
    /// point that is not finite (outside the projection's domain).
    pub fn from_lonlat(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        WGS84.with(|w| {
            let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
            proj4rs::transform::transform(w, &self.proj, &mut p).ok()?;
            let out = if self.proj.is_latlong() { (p.0.to_degrees(), p.1.to_degrees()) } else { (p.0, p.1) };
            (out.0.is_finite() && out.1.is_finite()).then_some(out)
        })
    }

    /// Points `xy` (x then y of each) converted in place: to (lon, lat) with [`Self::to_lonlat`], or
    /// from (lon, lat) with [`Self::from_lonlat`] (NaN where that gives `None`). The module's one way of
    /// converting points, so that a tile's grid crosses between the two wasm modules once.
    pub fn transform(&self, to_lonlat: bool, xy: &mut [f64]) {
        for p in xy.chunks_exact_mut(2) {
            let (x, y) = if to_lonlat {
                self.to_lonlat(p[0], p[1])
            } else {
                self.from_lonlat(p[0], p[1]).unwrap_or((f64::NAN, f64::NAN))
            };
            (p[0], p[1]) = (x, y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_round_trips_and_bad_definitions_are_refused() {
        let utm = Projection::new("+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs").unwrap();
        assert!(!utm.is_latlong());
        let (x, y) = utm.from_lonlat(15.0, 50.0).unwrap(); // central meridian: x = 500 km
        assert!((x - 500_000.0).abs() < 1e-6 && (y - 5_538_630.7).abs() < 1.0, "{x} {y}");
        let (lon, lat) = utm.to_lonlat(x, y);
        assert!((lon - 15.0).abs() < 1e-9 && (lat - 50.0).abs() < 1e-9);
        let mut pts = [15.0, 50.0, x, y];
        utm.transform(false, &mut pts[..2]);
        utm.transform(true, &mut pts[2..]);
        assert_eq!(pts, [x, y, lon, lat]);
        assert!(Projection::new("+proj=nonesuch").unwrap_err().len() > 3);
    }

    #[test]
    fn failures_are_nan() {
        let merc = Projection::new("+proj=merc +datum=WGS84 +units=m +no_defs").unwrap();
        assert_eq!(merc.from_lonlat(0.0, 90.0), None);
        let mut pts = [0.0, 90.0];
        merc.transform(false, &mut pts);
        assert!(pts.iter().all(|v| v.is_nan()));
    }
}
