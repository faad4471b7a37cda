//! What the wasm build keeps in files beside it and loads on first use, each through the one loader JS
//! hands over (`setLoader`; `initWasm` of www/lib does it) and then installed in the core, which uses it
//! synchronously:
//! - the codec module (`pkg/codecs.wasm`, the `large-image-codecs` crate: ZSTD, WebP and LERC decoding,
//!   the WebP encoder), when an image that needs it opens ([`codecs_for`]) or a view asks for WebP;
//! - the projection module (`pkg/large_image_proj_bg.wasm`, the `large-image-proj` crate: proj4rs), when
//!   an image in a CRS other than geographic or web mercator opens ([`projection_for`]) or a view's
//!   `units` name one;
//! - the colormaps and palettes (`pkg/colormaps.bin`, `pkg/palettes.bin`) and the CSS colour parser
//!   (`pkg/colours.wasm`, the `large-image-colours` crate), when a view is styled.
//!
//! [`parts_for`] loads what a view's options need.

use crate::api::{LargeImage, Units};
use crate::decode::codecs::{in_codec_module, module};
use crate::error::{Error, Result};
use crate::slot::Slot;
use crate::source::callback::js_text;
use crate::tiff::tags::compression_name;
use crate::warp::projection::module as projection;
use crate::warp::Crs;
use wasm_bindgen::prelude::*;

thread_local! {
    static LOADER: Slot<js_sys::Function> = const { Slot::new() };
}

/// Hands the module its loader (`setLoader(load)`; `initWasm` of www/lib does it): `load('codecs')`
/// gives a promise of `run(request: Uint8Array) → Uint8Array` (www/lib/codecs.js), `load('proj')` one of
/// the projection module's `{ create, transform }` (www/lib/proj.js), `load('styles')` one of
/// `[colormaps, palettes]`, the two tables' bytes, `load('colours')` one of `parse(text) → number`
/// (www/lib/colours.js). Each is asked for when first needed, again after
/// a failure. Only the first call counts.
#[wasm_bindgen(js_name = setLoader)]
pub fn set_loader(load: js_sys::Function) {
    LOADER.with(|l| l.set(load));
}

/// What the loader gives for `what` (`file` names it in errors).
async fn load(what: &str, file: &str) -> Result<JsValue> {
    let fail = |why: String| Error::unsupported(format!("{file} is needed, and {why}"));
    let loader = LOADER
        .with(|l| l.with(|f| f.cloned()))
        .ok_or_else(|| fail("no loader was set (setLoader; initWasm of www/lib sets it)".into()))?;
    let promise = loader.call1(&JsValue::NULL, &what.into()).map_err(|e| fail(js_text(&e)))?;
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise))
        .await
        .map_err(|e| fail(format!("it did not load: {}", js_text(&e))))
}

/// Loads and installs the codec module if an image (level, overview or mask) of `img` needs it.
pub(super) async fn codecs_for<S>(img: &LargeImage<S>) -> Result<()> {
    match img.cog.file.images.iter().find(|i| in_codec_module(i.compression)) {
        Some(info) => codec_module(&format!("{} tiles", compression_name(info.compression))).await,
        None => Ok(()),
    }
}

/// The option `name` of a view's options when it is a string.
fn string_option(opts: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(opts, &name.into()).ok().and_then(|v| v.as_string())
}

/// Loads and installs the codec module if a view's `format` is WebP (its encoder is there too).
async fn codecs_for_format(opts: &JsValue) -> Result<()> {
    match string_option(opts, "format") {
        Some(f) if f.trim().eq_ignore_ascii_case("webp") => codec_module("WebP output").await,
        _ => Ok(()),
    }
}

/// Loads and installs the codec module unless it is there; `why` says what needs it.
async fn codec_module(why: &str) -> Result<()> {
    if module::installed() {
        return Ok(());
    }
    let file = format!("for {why}, the codec module (pkg/codecs.wasm)");
    let run = load("codecs", &file)
        .await?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| Error::unsupported(format!("{file} is needed, and the loader gave no function")))?;
    module::install(Box::new(move |request: &[u8]| {
        // SAFETY: `run` copies the request out of this module's memory before anything runs here.
        let view = unsafe { js_sys::Uint8Array::view(request) };
        let answer = run.call1(&JsValue::NULL, &view).map_err(|e| js_text(&e))?;
        Ok(answer.dyn_into::<js_sys::Uint8Array>().map_err(|_| "its answer is not a Uint8Array".to_string())?.to_vec())
    }));
    Ok(())
}

#[wasm_bindgen]
extern "C" {
    /// The projection module as www/lib/proj.js hands it over.
    type ProjModule;
    /// The id of the projection `def` defines; throws the parser's words when it does not.
    #[wasm_bindgen(method, catch)]
    fn create(this: &ProjModule, def: &str) -> std::result::Result<u32, JsValue>;
    /// Whether projection `id` is geographic.
    #[wasm_bindgen(method)]
    fn latlong(this: &ProjModule, id: u32) -> bool;
    /// Converts `xy` (x then y of each point) in place with projection `id`.
    #[wasm_bindgen(method)]
    fn transform(this: &ProjModule, id: u32, to_lonlat: bool, xy: &mut [f64]);
}

impl projection::Backend for ProjModule {
    fn create(&self, def: &str) -> std::result::Result<(u32, bool), String> {
        let id = ProjModule::create(self, def).map_err(|e| js_text(&e))?;
        Ok((id, self.latlong(id)))
    }

    fn transform(&self, id: u32, to_lonlat: bool, xy: &mut [f64]) {
        ProjModule::transform(self, id, to_lonlat, xy)
    }
}

/// Loads and installs the projection module unless it is there; `why` says what needs it.
async fn projection_module(why: &str) -> Result<()> {
    if projection::installed() {
        return Ok(());
    }
    let file = format!("for {why}, the projection module (pkg/large_image_proj_bg.wasm)");
    let module = load("proj", &file).await?;
    if !module.is_object() {
        return Err(Error::unsupported(format!("{file} is needed, and the loader gave no module")));
    }
    projection::install(Box::new(module.unchecked_into::<ProjModule>()));
    Ok(())
}

/// Loads and installs the projection module if `img`'s CRS needs it.
pub(super) async fn projection_for<S: crate::source::RangeSource>(img: &LargeImage<S>) -> Result<()> {
    match img.needs_projection_module() {
        true => projection_module("an image in a CRS other than EPSG:4326 and EPSG:3857").await,
        false => Ok(()),
    }
}

/// Loads and installs the projection module if a view's `units` name an EPSG code that needs it.
async fn projection_for_units(opts: &JsValue) -> Result<()> {
    match string_option(opts, "units").as_deref().and_then(Units::epsg_named) {
        Some(code) if Crs::built_in(code).is_none() => projection_module(&format!("units EPSG:{code}")).await,
        _ => Ok(()),
    }
}

/// Loads the colormaps and palettes unless they are there.
async fn style_tables() -> Result<()> {
    use crate::style::colormap::{set_packed_tables, tables_loaded};
    if tables_loaded() {
        return Ok(());
    }
    let file = "for named colormaps and palettes, pkg/colormaps.bin and pkg/palettes.bin";
    let pair = load("styles", file).await?;
    let table = |i: u32| js_sys::Uint8Array::new(&js_sys::Reflect::get_u32(&pair, i).unwrap_or_default()).to_vec();
    let (colormaps, palettes) = (table(0), table(1));
    if colormaps.is_empty() || palettes.is_empty() {
        return Err(Error::unsupported(format!("{file} are needed, and the loader gave no bytes")));
    }
    set_packed_tables(colormaps, palettes);
    Ok(())
}

/// The options that may name a colormap or a palette: a large_image `style`, TiTiler's `titiler` query
/// string and its `colormapName` (the options of every view taking a style; `colormap`, a colormap given
/// in full, needs no table, but may hold CSS colours: see [`style_parts_for`]).
const STYLE_OPTIONS: [&str; 3] = ["style", "titiler", "colormapName"];

/// Loads the colormaps and palettes if a view's options may name one (see [`STYLE_OPTIONS`]), and the
/// colour module if they may hold a CSS colour (those, or TiTiler's `colormap`).
async fn style_parts_for(opts: &JsValue) -> Result<()> {
    let given = |k: &str| js_sys::Reflect::get(opts, &k.into()).is_ok_and(|v| !v.is_undefined() && !v.is_null());
    if !opts.is_object() {
        return Ok(());
    }
    let styled = STYLE_OPTIONS.iter().any(|k| given(k));
    if styled {
        style_tables().await?;
    }
    if styled || given("colormap") {
        colour_module().await?;
    }
    Ok(())
}

/// Loads and installs the colour module (`pkg/colours.wasm`: CSS colours in styles) unless it is there.
async fn colour_module() -> Result<()> {
    use crate::style::colormap::colours;
    if colours::installed() {
        return Ok(());
    }
    let file = "for CSS colours in styles, the colour module (pkg/colours.wasm)";
    let parse = load("colours", file)
        .await?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| Error::unsupported(format!("{file} is needed, and the loader gave no function")))?;
    colours::install(Box::new(move |text: &str| {
        parse.call1(&JsValue::NULL, &text.into()).ok().and_then(|v| v.as_f64()).unwrap_or(-1.0)
    }));
    Ok(())
}

/// Loads what a view's options may need: the colormaps, palettes and colour module ([`style_parts_for`]), the
/// projection module ([`projection_for_units`]), the codec module for WebP output
/// ([`codecs_for_format`]).
pub(super) async fn parts_for(opts: JsValue) -> Result<()> {
    style_parts_for(&opts).await?;
    codecs_for_format(&opts).await?;
    projection_for_units(&opts).await
}

/// Loads the colormaps, palettes and colour module (`loadStyleTables()`; `colormapNames` and
/// `paletteColors` of www/lib call it first).
#[wasm_bindgen(js_name = loadStyleTables)]
pub async fn load_style_tables() -> std::result::Result<(), JsValue> {
    style_tables().await?;
    Ok(colour_module().await?)
}
