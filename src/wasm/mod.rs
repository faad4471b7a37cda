//! The wasm-bindgen face (wasm32 only): the `LargeImage` JS class ([`image::JsLargeImage`]) wrapping
//! the core's [`LargeImage`](crate::api::LargeImage) over the fetch engine or a `read` callback, and the
//! `Engine` JS class ([`engine::JsEngine`]) wrapping the core's [`Engine`](crate::source::Engine). No logic lives here: options
//! arrive as JSON and are read by the core's `*Request` structs (unknown names refused), views leave as
//! JSON, and every core error becomes one JS `Error` through the one `From<Error> for JsValue`.

mod engine;
mod image;
mod lazy;

pub use engine::JsEngine;
pub use image::JsLargeImage;
pub use lazy::{load_style_tables, set_loader};

use crate::error::{Error, Result};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// An `Error` whose message names the URL, byte range and reason, with what a caller needs to tell
/// errors apart without reading the message: `kind` (`fetch`, `truncated`, `notTiff`, `format`,
/// `unsupported`, `limit`, `decode`, `usage`), `reason` (the message without the URL and range; for a
/// fetch, the transport's words without the status), and `status` (the HTTP status of a failed fetch),
/// `url` and `range` (`[start, end)` in bytes) when known.
impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        use crate::error::ErrorKind as K;
        let js = js_sys::Error::new(&e.to_string());
        let kind = match &e.kind {
            K::Fetch { .. } => "fetch",
            K::Truncated { .. } => "truncated",
            K::NotTiff { .. } => "notTiff",
            K::Format(_) => "format",
            K::Unsupported(_) => "unsupported",
            K::LimitsExceeded { .. } => "limit",
            K::Decode { .. } => "decode",
            K::Usage(_) => "usage",
        };
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&js, &JsValue::from_str(k), &v).is_ok();
        set("kind", kind.into());
        if let K::Fetch { status: Some(s), .. } = &e.kind {
            set("status", (*s).into());
        }
        let reason = match &e.kind {
            K::Fetch { reason, .. } => reason.clone(),
            k => k.to_string(),
        };
        set("reason", reason.into());
        if let Some(u) = &e.url {
            set("url", u.as_str().into());
        }
        if let Some(r) = &e.range {
            set("range", js_sys::Array::of2(&(r.start as f64).into(), &(r.end as f64).into()).into());
        }
        js.into()
    }
}

/// Names of the colormaps styles and TiTiler's `colormap_name` know (`colormapNames()`; each also
/// reversed with `_r`).
#[wasm_bindgen(js_name = colormapNames)]
pub fn colormap_names() -> Vec<String> {
    crate::style::colormap::colormap_names().into_iter().map(String::from).collect()
}

/// The colours a large_image style's `palette` of that name spaces evenly over its range
/// (`paletteColors(name)`: RGBA bytes, 4 per colour), or `undefined` for a name it does not know.
#[wasm_bindgen(js_name = paletteColors)]
pub fn palette_colors(name: &str) -> Option<Vec<u8>> {
    crate::style::colormap::large_image_palette(name).map(|c| c.concat())
}

/// Hands the module its EPSG table, the bytes of `pkg/epsg.bin` (`setEpsgTable(bytes)`; `initWasm` of
/// www/lib does it): the wasm leaves the table out to be smaller. Only the first call counts.
#[wasm_bindgen(js_name = setEpsgTable)]
pub fn set_epsg_table(packed: Vec<u8>) {
    crate::warp::set_packed_epsg_table(packed);
}

/// A JS options object as JSON (`undefined` and `null` are `null`: every option at its default).
fn json(options: JsValue) -> Result<serde_json::Value> {
    if options.is_undefined() || options.is_null() {
        return Ok(serde_json::Value::Null);
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| Error::usage(format!("options: {e}")))
}

/// A view's options from JS, read by the core (see [`crate::api::request`]).
fn options<T: for<'de> serde::Deserialize<'de> + Default>(view: &str, options: JsValue) -> Result<T> {
    crate::api::request(view, json(options)?)
}

/// A view's answer as a plain JS object, through JSON (maps as objects, NaN as `null`).
fn to_js<T: Serialize>(v: &T) -> Result<JsValue> {
    let json = serde_json::to_value(v).map_err(|e| Error::usage(format!("view as JSON: {e}")))?;
    json.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::usage(format!("view as a JS value: {e}")))
}

/// Takes the option `name` (a JS object, not JSON: a function, an `AbortSignal`) out of `opts`: a copy
/// of `opts` without it, and its value when given (`what` names its type in the error).
fn take_option<T: JsCast>(opts: JsValue, name: &str, what: &str) -> Result<(JsValue, Option<T>)> {
    let key = JsValue::from_str(name);
    if !opts.is_object() || !js_sys::Reflect::has(&opts, &key).unwrap_or(false) {
        return Ok((opts, None));
    }
    let v = js_sys::Reflect::get(&opts, &key).unwrap_or(JsValue::UNDEFINED);
    let rest = js_sys::Object::assign(&js_sys::Object::new(), opts.unchecked_ref());
    let _ = js_sys::Reflect::delete_property(&rest, &key);
    let v = match v {
        v if v.is_undefined() || v.is_null() => None,
        v => Some(v.dyn_into().map_err(|_| Error::usage(format!("{name} must be {what}")))?),
    };
    Ok((rest.into(), v))
}

/// Bytes as a `Uint8Array`.
fn bytes(b: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(b).into()
}
