//! The JS exports of `pkg/large_image_proj_bg.wasm` (the `module` feature on wasm32): projections are
//! made once and named by their index; points are converted in place. (Named `proj…` in JS: proj4rs
//! exports its own `transform`.)

use crate::Projection;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The projections made so far, by id.
    static MADE: RefCell<Vec<Projection>> = const { RefCell::new(Vec::new()) };
}

/// The id of the projection `def` (a PROJ.4 string) defines; throws the parser's words when it does not.
#[wasm_bindgen(js_name = projCreate)]
pub fn create(def: &str) -> Result<u32, JsError> {
    let p = Projection::new(def).map_err(|why| JsError::new(&why))?;
    Ok(MADE.with(|m| {
        let mut m = m.borrow_mut();
        m.push(p);
        m.len() as u32 - 1
    }))
}

/// Whether projection `id` is geographic (longitude/latitude); false for an unknown id.
#[wasm_bindgen(js_name = projLatlong)]
pub fn latlong(id: u32) -> bool {
    MADE.with(|m| m.borrow().get(id as usize).is_some_and(Projection::is_latlong))
}

/// Converts `xy` (x then y of each point) in place with projection `id`: to (lon, lat) degrees when
/// `to_lonlat`, from them otherwise (see [`Projection::transform`]); an unknown id leaves NaN.
#[wasm_bindgen(js_name = projTransform)]
pub fn transform(id: u32, to_lonlat: bool, xy: &mut [f64]) {
    MADE.with(|m| match m.borrow().get(id as usize) {
        Some(p) => p.transform(to_lonlat, xy),
        None => xy.fill(f64::NAN),
    });
}
