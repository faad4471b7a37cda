//! The wasm-bindgen face: the `LargeImage` JS class over a `fetch` range source. No logic here beyond
//! converting options and errors at the JS edge.

use crate::api::{LargeImage, TileOptions};
use crate::cog::OpenOptions;
use crate::encode::Format;
use crate::error::{Error, ErrorKind, Result};
use crate::resample::Resampling;
use crate::source::{slice_range, RangeSource};
use crate::titiler::TitilerParams;
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Range reads with the global `fetch` (pages, workers and Node 20 alike).
struct FetchSource {
    url: String,
    headers: Vec<(String, String)>,
    requests: Cell<u64>,
    bytes: Cell<u64>,
    /// The whole file, when the server ignored `Range` and sent it all.
    whole: RefCell<Option<Rc<Vec<u8>>>>,
    max_whole: u64,
}

impl RangeSource for FetchSource {
    fn url(&self) -> &str {
        &self.url
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        if let Some(w) = self.whole.borrow().as_ref() {
            return Ok(slice_range(w, &range));
        }
        let fail = |status: Option<u16>, reason: String| {
            Error::new(ErrorKind::Fetch { status, reason }).at_url(&self.url).at_range(range.clone())
        };
        let mut req = gloo_net::http::Request::get(&self.url)
            .header("Range", &format!("bytes={}-{}", range.start, range.end.saturating_sub(1)));
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.map_err(|e| fail(None, format!("network error: {e}")))?;
        self.requests.set(self.requests.get() + 1);
        let status = resp.status();
        match status {
            206 | 200 => {}
            416 => return Ok(Vec::new()),
            s => return Err(fail(Some(s), resp.status_text())),
        }
        if status == 200 {
            if let Some(len) = resp.headers().get("content-length").and_then(|l| l.parse::<u64>().ok()) {
                if len > self.max_whole {
                    return Err(fail(
                        Some(200),
                        format!("the server ignores Range and the file is {len} bytes (cap {})", self.max_whole),
                    ));
                }
            }
        }
        let body = resp.binary().await.map_err(|e| fail(Some(status), format!("reading the body: {e}")))?;
        self.bytes.set(self.bytes.get() + body.len() as u64);
        if status == 200 {
            let out = slice_range(&body, &range);
            *self.whole.borrow_mut() = Some(Rc::new(body));
            return Ok(out);
        }
        let want = (range.end - range.start) as usize;
        if body.len() > want {
            return Err(fail(Some(206), format!("asked for {want} bytes, got {}", body.len())));
        }
        Ok(body)
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct OpenOpts {
    header_bytes: Option<u64>,
    cache_bytes: Option<usize>,
    headers: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct TileOpts {
    projection: Option<String>,
    format: Option<String>,
    tile_size: Option<usize>,
    /// large_image style: an object, or its JSON text.
    style: Option<serde_json::Value>,
    /// TiTiler parameters as a query string (`"bidx=1&rescale=0,3000&colormap_name=viridis"`)…
    titiler: Option<String>,
    /// …or one by one (these win): `bidx` (number or list), `expression`, `rescale` (`"min,max"` or a
    /// list of them), `colormapName`, `colormap` (object or JSON text), `nodata`, `resampling`.
    bidx: Option<serde_json::Value>,
    expression: Option<String>,
    rescale: Option<serde_json::Value>,
    colormap_name: Option<String>,
    colormap: Option<serde_json::Value>,
    nodata: Option<serde_json::Value>,
    resampling: Option<String>,
}

impl TileOpts {
    /// The TiTiler parameters, when any is given.
    fn titiler(&self, bands: usize) -> Result<Option<TitilerParams>> {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let list = |v: &serde_json::Value| match v {
            serde_json::Value::Array(a) => a.iter().map(text).collect::<Vec<_>>(),
            other => vec![text(other)],
        };
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &self.titiler {
            let p = TitilerParams::from_query(q, bands)?;
            if self.bidx.is_none()
                && self.expression.is_none()
                && self.rescale.is_none()
                && self.colormap_name.is_none()
                && self.colormap.is_none()
                && self.nodata.is_none()
            {
                return Ok(Some(p));
            }
            return Err(Error::usage("give TiTiler parameters either as the titiler query string or one by one"));
        }
        pairs.extend(self.bidx.iter().flat_map(list).map(|v| ("bidx", v)));
        pairs.extend(self.expression.iter().map(|v| ("expression", v.clone())));
        pairs.extend(
            self.rescale
                .iter()
                .flat_map(|r| match r {
                    serde_json::Value::Array(a) if a.iter().all(|x| x.is_number()) => {
                        vec![a.iter().map(text).collect::<Vec<_>>().join(",")]
                    }
                    other => list(other),
                })
                .map(|v| ("rescale", v)),
        );
        pairs.extend(self.colormap_name.iter().map(|v| ("colormap_name", v.clone())));
        pairs.extend(self.colormap.iter().map(|v| ("colormap", text(v))));
        pairs.extend(self.nodata.iter().map(|v| ("nodata", text(v))));
        pairs.extend(self.resampling.iter().map(|v| ("resampling", v.clone())));
        if pairs.is_empty() {
            return Ok(None);
        }
        TitilerParams::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), bands).map(Some)
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PixelOpts {
    left: Option<f64>,
    top: Option<f64>,
    units: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct MetaOpts {
    projection: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ValidateOpts {
    full_check: bool,
}

/// A serde value as a plain JS object (maps as objects, not `Map`s).
fn to_js<T: Serialize>(v: &T) -> std::result::Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
}

fn js_err(e: Error) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

fn opts<T: for<'de> Deserialize<'de> + Default>(v: JsValue) -> std::result::Result<T, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(v).map_err(|e| js_sys::Error::new(&format!("bad options: {e}")).into())
}

/// A COG opened from a URL (`LargeImage.open(url, options)`).
#[wasm_bindgen(js_name = LargeImage)]
pub struct JsLargeImage {
    inner: Rc<LargeImage<FetchSource>>,
}

#[wasm_bindgen(js_class = LargeImage)]
impl JsLargeImage {
    /// Opens `url` (one range request for a usual COG). Options: `headerBytes`, `cacheBytes`, `headers`.
    pub async fn open(url: String, options: JsValue) -> std::result::Result<JsLargeImage, JsValue> {
        let o: OpenOpts = opts(options)?;
        let mut oo = OpenOptions::default();
        if let Some(h) = o.header_bytes {
            oo.header_bytes = h;
        }
        if let Some(c) = o.cache_bytes {
            oo.cache_bytes = c;
        }
        let src = FetchSource {
            url,
            headers: o.headers.unwrap_or_default().into_iter().collect(),
            requests: Cell::new(0),
            bytes: Cell::new(0),
            whole: RefCell::new(None),
            max_whole: oo.limits.max_window_bytes,
        };
        let img = LargeImage::open(src, oo).await.map_err(js_err)?;
        Ok(JsLargeImage { inner: Rc::new(img) })
    }

    /// large_image metadata (`{ projection }`).
    pub fn metadata(&self, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o: MetaOpts = opts(options)?;
            let v = inner.metadata(o.projection.as_deref()).await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            to_js(&v)
        })
    }

    /// The COG validation report of GDAL's validator (`{ fullCheck }`): `{ valid, errors, warnings, details }`.
    pub fn validate(&self, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o: ValidateOpts = opts(options)?;
            let v = inner.validate(o.full_check).await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            to_js(&v)
        })
    }

    /// Everything the reader knows of the file: driver names, sizes, TIFF tags per IFD, GeoKeys, GDAL metadata.
    #[wasm_bindgen(js_name = internalMetadata)]
    pub fn internal_metadata(&self, _options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let v = inner.internal_metadata().await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            to_js(&v)
        })
    }

    /// The raw IFD dump in tifftools' JSON shape (django-large-image's `info/tiffdump`).
    pub fn tiffdump(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let v = inner.tiffdump().await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            to_js(&v)
        })
    }

    /// A tile as PNG/JPEG bytes or raw RGBA (`{ projection, format, tileSize, style }` or TiTiler's
    /// parameters, see `TileOpts`) → `Uint8Array`.
    pub fn tile(&self, z: u32, x: f64, y: f64, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o: TileOpts = opts(options)?;
            let mut t = TileOptions::default();
            t.titiler = o.titiler(inner.cog.base().samples as usize).map_err(js_err)?;
            t.projection = o.projection;
            t.format = Format::parse(o.format.as_deref().unwrap_or("png")).map_err(js_err)?;
            t.size = o.tile_size.unwrap_or(256);
            t.resampling = Resampling::parse(o.resampling.as_deref().unwrap_or("nearest")).map_err(js_err)?;
            t.style = match o.style {
                Some(serde_json::Value::String(text)) => Some(
                    serde_json::from_str(&text).map_err(|e| js_err(Error::usage(format!("style is not JSON: {e}"))))?,
                ),
                other => other,
            };
            if x < 0.0 || y < 0.0 || x.fract() != 0.0 || y.fract() != 0.0 {
                return Err(js_err(Error::usage(format!("tile {z}/{x}/{y}: x and y must be whole numbers ≥ 0"))));
            }
            let bytes = inner.tile(z, x as u64, y as u64, &t).await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            Ok(js_sys::Uint8Array::from(&bytes[..]).into())
        })
    }

    /// large_image's pixel view (`{ left, top, units }`): every band's value and the styled colour.
    pub fn pixel(&self, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o: PixelOpts = opts(options)?;
            let (Some(left), Some(top)) = (o.left, o.top) else {
                return Err(js_err(Error::usage("pixel needs left and top")));
            };
            let v = inner.pixel(left, top, o.units.as_deref()).await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            to_js(&v)
        })
    }

    /// large_image band information (`info/bands`): `{"1": {min, max, mean, stdev, nodata, …}, …}`.
    pub fn bands(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            to_js(&inner.bands().await.map_err(|e| js_err(e.at_url(inner.cog.url())))?)
        })
    }

    /// django-large-image's `info/frames` view.
    pub fn frames(&self) -> std::result::Result<JsValue, JsValue> {
        to_js(&self.inner.frames())
    }

    /// A tile's corners (`tiles/{z}/{x}/{y}/corners`, `{ projection }`): `{xmin, xmax, ymin, ymax}`.
    #[wasm_bindgen(js_name = tileCorners)]
    pub fn tile_corners(&self, z: u32, x: f64, y: f64, options: JsValue) -> std::result::Result<JsValue, JsValue> {
        let o: MetaOpts = opts(options)?;
        if x < 0.0 || y < 0.0 || x.fract() != 0.0 || y.fract() != 0.0 {
            return Err(js_err(Error::usage(format!("tile {z}/{x}/{y}: x and y must be whole numbers ≥ 0"))));
        }
        to_js(&self.inner.tile_corners(z, x as u64, y as u64, o.projection.as_deref()).map_err(js_err)?)
    }

    /// django-large-image's `tiles/metadata` view (`{ projection }`).
    #[wasm_bindgen(js_name = tilesMetadata)]
    pub fn tiles_metadata(&self, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o: MetaOpts = opts(options)?;
            to_js(&inner.tiles_metadata(o.projection.as_deref()).await.map_err(|e| js_err(e.at_url(inner.cog.url())))?)
        })
    }

    /// `{ requests, bytes }` fetched so far.
    pub fn stats(&self) -> JsValue {
        let s = &self.inner.cog.file.src;
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"requests".into(), &(s.requests.get() as f64).into());
        let _ = js_sys::Reflect::set(&o, &"bytes".into(), &(s.bytes.get() as f64).into());
        o.into()
    }

    /// The URL this image was opened from.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.inner.cog.url().to_string()
    }

    /// Releases the image (its caches go with it).
    pub fn close(self) {}
}

use serde::Serialize;
