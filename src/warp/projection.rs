//! Projections other than geographic and web mercator. Native builds call the `large-image-proj` crate
//! (proj4rs) directly; the wasm build leaves it out (it is a seventh of the module) and reaches it as
//! the projection module, `pkg/large_image_proj_bg.wasm`, which the wasm face loads and installs ([`module`]) when an
//! image in such a CRS opens or a view names one. Either way the points are converted by the same code.

use crate::error::{Error, Result};

/// A projection from a PROJ.4 definition.
#[derive(Debug, Clone)]
pub struct Projection {
    #[cfg(not(target_arch = "wasm32"))]
    inner: large_image_proj::Projection,
    /// The projection's id in the projection module.
    #[cfg(target_arch = "wasm32")]
    id: u32,
    #[cfg(target_arch = "wasm32")]
    latlong: bool,
}

impl Projection {
    /// The projection `def` defines (refused as unsupported, with the parser's words, when it does not).
    pub fn new(def: &str) -> Result<Projection> {
        let refused = |why: String| Error::unsupported(format!("projection {def:?}: {why}"));
        #[cfg(not(target_arch = "wasm32"))]
        return large_image_proj::Projection::new(def).map(|inner| Projection { inner }).map_err(refused);
        #[cfg(target_arch = "wasm32")]
        return module::create(def).map(|(id, latlong)| Projection { id, latlong }).map_err(|e| match e {
            module::Failure::NotLoaded => Error::unsupported(format!(
                "projection {def:?} needs the projection module (pkg/large_image_proj_bg.wasm), not loaded"
            )),
            module::Failure::Refused(why) => refused(why),
        });
    }

    /// True for a geographic CRS (longitude/latitude in degrees), whatever its datum.
    pub fn is_latlong(&self) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        return self.inner.is_latlong();
        #[cfg(target_arch = "wasm32")]
        return self.latlong;
    }

    /// Points `xy` (x then y of each) converted in place to (lon, lat) degrees on WGS84, or from them
    /// when `to_lonlat` is false; NaN where the transform fails or leaves the projection's domain.
    pub fn transform(&self, to_lonlat: bool, xy: &mut [f64]) {
        #[cfg(not(target_arch = "wasm32"))]
        self.inner.transform(to_lonlat, xy);
        #[cfg(target_arch = "wasm32")]
        module::transform(self.id, to_lonlat, xy);
    }

    /// (x, y) in this CRS → (lon, lat) degrees; NaN where the transform fails.
    pub fn to_lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        let mut p = [x, y];
        self.transform(true, &mut p);
        (p[0], p[1])
    }

    /// (lon, lat) degrees → (x, y) in this CRS; `None` where the transform fails or the point is not
    /// finite.
    pub fn from_lonlat(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let mut p = [lon, lat];
        self.transform(false, &mut p);
        (p[0].is_finite() && p[1].is_finite()).then_some((p[0], p[1]))
    }
}

/// The projection module of a wasm build (`pkg/large_image_proj_bg.wasm`): the wasm face installs what reaches it
/// once it is loaded; until then projections are refused. Each definition is made there once.
#[cfg(target_arch = "wasm32")]
pub mod module {
    use crate::slot::Slot;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// What reaches the projection module.
    pub trait Backend {
        /// The id and latlong-ness of the projection `def` defines, or the parser's words.
        fn create(&self, def: &str) -> std::result::Result<(u32, bool), String>;
        /// Converts `xy` in place with projection `id` (see [`super::Projection::transform`]).
        fn transform(&self, id: u32, to_lonlat: bool, xy: &mut [f64]);
    }

    /// Why [`create`] made no projection.
    pub(super) enum Failure {
        /// The module is not installed.
        NotLoaded,
        /// The module refused the definition, in these words.
        Refused(String),
    }

    thread_local! {
        static BACKEND: Slot<Box<dyn Backend>> = const { Slot::new() };
        /// Projections made so far, by definition.
        static MADE: RefCell<HashMap<String, (u32, bool)>> = RefCell::new(HashMap::new());
    }

    /// Whether the projection module is installed.
    pub fn installed() -> bool {
        BACKEND.with(Slot::is_set)
    }

    /// Installs the projection module (the first call counts).
    pub fn install(backend: Box<dyn Backend>) {
        BACKEND.with(|b| b.set(backend));
    }

    pub(super) fn create(def: &str) -> std::result::Result<(u32, bool), Failure> {
        if let Some(made) = MADE.with(|m| m.borrow().get(def).copied()) {
            return Ok(made);
        }
        let made = BACKEND.with(|b| {
            b.with(|backend| match backend {
                Some(backend) => backend.create(def).map_err(Failure::Refused),
                None => Err(Failure::NotLoaded),
            })
        })?;
        MADE.with(|m| m.borrow_mut().insert(def.to_string(), made));
        Ok(made)
    }

    pub(super) fn transform(id: u32, to_lonlat: bool, xy: &mut [f64]) {
        BACKEND.with(|b| {
            b.with(|backend| match backend {
                Some(backend) => backend.transform(id, to_lonlat, xy),
                None => xy.fill(f64::NAN),
            })
        });
    }
}
