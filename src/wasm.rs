//! The wasm-bindgen face: the `LargeImage` JS class over a `fetch` range source. No logic here beyond
//! converting options and errors at the JS edge.

use crate::api::{LargeImage, TileOptions};
use crate::cog::OpenOptions;
use crate::encode::Format;
use crate::error::{Error, ErrorKind, Result};
use crate::resample::Resampling;
use crate::source::{slice_range, RangeSource};
use crate::titiler::TitilerParams;
use crate::views::{HistogramKind, HistogramOptions, RegionOptions, Resolution};
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
    /// …or one by one (not both): `bidx` (number or list), `expression`, `rescale` (`"min,max"` or a
    /// list of them), `colormapName`, `colormap` (object or JSON text), `nodata`. (`resampling` is the
    /// tile's own option, whichever styling is used.)
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

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RegionOpts {
    left: Option<f64>,
    top: Option<f64>,
    right: Option<f64>,
    bottom: Option<f64>,
    units: Option<String>,
    width: Option<f64>,
    height: Option<f64>,
    style: Option<serde_json::Value>,
    format: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ThumbnailOpts {
    max_width: Option<u32>,
    max_height: Option<u32>,
    style: Option<serde_json::Value>,
    format: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct HistogramOpts {
    bins: Option<usize>,
    density: Option<bool>,
    only_min_max: Option<bool>,
    band: Option<usize>,
    /// A number (largest side in pixels of the level read) or `"exact"`.
    resolution: Option<serde_json::Value>,
    /// `"rendered"` (large_image's answer) or `"bands"` (band values); `band` implies `"bands"`.
    kind: Option<String>,
    range: Option<(f64, f64)>,
    style: Option<serde_json::Value>,
}

/// A style given as an object, or as its JSON text.
fn style_value(v: Option<serde_json::Value>) -> std::result::Result<Option<serde_json::Value>, JsValue> {
    match v {
        Some(serde_json::Value::String(text)) => {
            Ok(Some(serde_json::from_str(&text).map_err(|e| js_err(Error::usage(format!("style is not JSON: {e}"))))?))
        }
        other => Ok(other),
    }
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
            t.style = style_value(o.style)?;
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

    /// large_image's region (`{ left, top, right, bottom, units, width, height, style, format }`) →
    /// `Uint8Array`: a GeoTIFF (`format` `tiff`, the default) of band values, or of styled RGBA when a
    /// style is given; PNG, JPEG or raw RGBA otherwise.
    pub fn region(&self, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o: RegionOpts = opts(options)?;
            let (Some(left), Some(top), Some(right), Some(bottom)) = (o.left, o.top, o.right, o.bottom) else {
                return Err(js_err(Error::usage("region needs left, top, right and bottom")));
            };
            let mut r = RegionOptions::new(left, top, right, bottom);
            r.units = o.units;
            r.width = o.width.filter(|w| *w >= 1.0).map(|w| w as u64);
            r.height = o.height.filter(|h| *h >= 1.0).map(|h| h as u64);
            r.style = style_value(o.style)?;
            r.format = Format::parse(o.format.as_deref().unwrap_or("tiff")).map_err(js_err)?;
            let bytes = inner.region(&r).await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            Ok(js_sys::Uint8Array::from(&bytes[..]).into())
        })
    }

    /// large_image's thumbnail (`{ maxWidth, maxHeight, style, format }`, 256 × 256 PNG by default) →
    /// `Uint8Array`.
    pub fn thumbnail(&self, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let o: ThumbnailOpts = opts(options)?;
            let format = Format::parse(o.format.as_deref().unwrap_or("png")).map_err(js_err)?;
            let style = style_value(o.style)?;
            let bytes = inner
                .thumbnail(o.max_width, o.max_height, style.as_ref(), format)
                .await
                .map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            Ok(js_sys::Uint8Array::from(&bytes[..]).into())
        })
    }

    /// Histograms (`{ bins, density, onlyMinMax, band, resolution, kind, range, style, onProgress }`):
    /// large_image's rendered-RGBA answer by default, band values with `kind: 'bands'` or a `band`;
    /// `onProgress(done, total)` is called after each window read.
    pub fn histogram(&self, options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let on_progress = if options.is_object() {
                js_sys::Reflect::get(&options, &"onProgress".into())
                    .ok()
                    .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            } else {
                None
            };
            let o: HistogramOpts = opts(options)?;
            let mut h = HistogramOptions::default();
            h.bins = o.bins.unwrap_or(256);
            h.density = o.density.unwrap_or(false);
            h.only_min_max = o.only_min_max.unwrap_or(false);
            h.band = o.band;
            h.range = o.range;
            h.style = style_value(o.style)?;
            h.kind = match o.kind.as_deref() {
                None if o.band.is_some() => HistogramKind::Bands,
                None | Some("rendered") => HistogramKind::Rendered,
                Some("bands") => HistogramKind::Bands,
                Some(k) => return Err(js_err(Error::usage(format!("histogram kind {k:?} (rendered or bands)")))),
            };
            h.resolution = match o.resolution {
                None | Some(serde_json::Value::Null) => Resolution::MaxSize(256),
                Some(serde_json::Value::String(s)) if s == "exact" || s == "full" => Resolution::Exact,
                Some(v) => match v.as_f64() {
                    Some(0.0) => Resolution::Exact,
                    Some(n) if n > 0.0 => Resolution::MaxSize(n as u64),
                    _ => return Err(js_err(Error::usage(format!("histogram resolution {v} (pixels or \"exact\")")))),
                },
            };
            let mut progress = |done: u64, total: u64| {
                if let Some(f) = &on_progress {
                    let _ = f.call2(&JsValue::NULL, &(done as f64).into(), &(total as f64).into());
                }
            };
            let v = inner.histogram(&h, &mut progress).await.map_err(|e| js_err(e.at_url(inner.cog.url())))?;
            v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
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
