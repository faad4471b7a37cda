//! The `LargeImage` JS class: one method per view, each reading its options, calling the core and
//! handing the answer back.

use super::{bytes, options, to_js};
use crate::api::histogram::HistogramRequest;
use crate::api::metadata::{MetadataRequest, ValidateRequest};
use crate::api::tiles::tile_index;
use crate::api::{LargeImage, OpenRequest, PixelRequest, RegionRequest, ThumbnailRequest, TileRequest};
use crate::error::{Error, Result};
use crate::source::FetchSource;
use serde::Serialize;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

type Image = Rc<LargeImage<FetchSource>>;

/// A COG opened from a URL (`LargeImage.open(url, options)`).
#[wasm_bindgen(js_name = LargeImage)]
pub struct JsLargeImage {
    inner: Image,
}

/// `{ requests, bytes }` fetched so far.
#[derive(Serialize)]
struct Stats {
    requests: u64,
    bytes: u64,
}

impl JsLargeImage {
    /// Runs a view as a promise; its errors name the image's URL.
    fn view<F: Future<Output = Result<JsValue>> + 'static>(&self, run: impl FnOnce(Image) -> F) -> js_sys::Promise {
        let img = self.inner.clone();
        let url = img.cog.url().to_string();
        let fut = run(img);
        wasm_bindgen_futures::future_to_promise(async move { fut.await.map_err(|e| e.at_url(&url).into()) })
    }

    /// A synchronous view; its errors name the image's URL.
    fn now(&self, v: Result<JsValue>) -> std::result::Result<JsValue, JsValue> {
        v.map_err(|e| e.at_url(self.inner.cog.url()).into())
    }
}

#[wasm_bindgen(js_class = LargeImage)]
impl JsLargeImage {
    /// Opens `url` (one range request for a usual COG). Options: `headerBytes`, `cacheBytes`, `headers`,
    /// `credentials` (`'omit'`, `'same-origin'`, `'include'`).
    pub async fn open(url: String, opts: JsValue) -> std::result::Result<JsLargeImage, JsValue> {
        let o: OpenRequest = options("open", opts)?;
        let oo = o.open_options();
        let src = FetchSource::new(url, o.headers.into_iter().collect(), o.credentials, oo.limits.max_window_bytes);
        Ok(JsLargeImage { inner: Rc::new(LargeImage::open(src, oo).await?) })
    }

    /// large_image metadata (`{ projection }`).
    pub fn metadata(&self, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            let o: MetadataRequest = options("metadata", opts)?;
            to_js(&img.metadata(o.projection.as_deref()).await?)
        })
    }

    /// The COG validation report of GDAL's validator (`{ fullCheck }`): `{ valid, errors, warnings, details }`.
    pub fn validate(&self, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            let o: ValidateRequest = options("validate", opts)?;
            to_js(&img.validate(o.full_check).await?)
        })
    }

    /// Everything the reader knows of the file: driver names, sizes, TIFF tags per IFD, GeoKeys, GDAL metadata.
    #[wasm_bindgen(js_name = internalMetadata)]
    pub fn internal_metadata(&self) -> js_sys::Promise {
        self.view(|img| async move { to_js(&img.internal_metadata().await?) })
    }

    /// The raw IFD dump in tifftools' JSON shape (django-large-image's `info/tiffdump`).
    pub fn tiffdump(&self) -> js_sys::Promise {
        self.view(|img| async move { to_js(&img.tiffdump().await?) })
    }

    /// A tile as PNG/JPEG bytes or raw RGBA (`{ projection, format, tileSize, style, resampling }` or
    /// TiTiler's parameters, see `TileRequest`) → `Uint8Array`.
    pub fn tile(&self, z: u32, x: f64, y: f64, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            let o = options::<TileRequest>("tile", opts)?.options(img.cog.base().samples as usize)?;
            let (x, y) = tile_index(z, x, y)?;
            Ok(bytes(&img.tile(z, x, y, &o).await?))
        })
    }

    /// large_image's pixel view (`{ left, top, units, style }`): every band's value and the styled colour.
    pub fn pixel(&self, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            let o: PixelRequest = options("pixel", opts)?;
            let (left, top) = o.point()?;
            let style = o.style()?;
            to_js(&img.pixel_styled(left, top, o.units.as_deref(), style.as_ref()).await?)
        })
    }

    /// large_image band information (`info/bands`): `{"1": {min, max, mean, stdev, nodata, …}, …}`.
    pub fn bands(&self) -> js_sys::Promise {
        self.view(|img| async move { to_js(&img.bands().await?) })
    }

    /// django-large-image's `info/frames` view.
    pub fn frames(&self) -> std::result::Result<JsValue, JsValue> {
        self.now(to_js(&self.inner.frames()))
    }

    /// A tile's corners (`tiles/{z}/{x}/{y}/corners`, `{ projection }`): `{xmin, xmax, ymin, ymax}`.
    #[wasm_bindgen(js_name = tileCorners)]
    pub fn tile_corners(&self, z: u32, x: f64, y: f64, opts: JsValue) -> std::result::Result<JsValue, JsValue> {
        self.now((|| {
            let o: MetadataRequest = options("tileCorners", opts)?;
            let (x, y) = tile_index(z, x, y)?;
            to_js(&self.inner.tile_corners(z, x, y, o.projection.as_deref())?)
        })())
    }

    /// django-large-image's `tiles/metadata` view (`{ projection }`).
    #[wasm_bindgen(js_name = tilesMetadata)]
    pub fn tiles_metadata(&self, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            let o: MetadataRequest = options("tilesMetadata", opts)?;
            to_js(&img.tiles_metadata(o.projection.as_deref()).await?)
        })
    }

    /// large_image's region (`{ left, top, right, bottom, units, width, height, style, format }`) →
    /// `Uint8Array`: a GeoTIFF (`format` `tiff`, the default) of band values, or of styled RGBA when a
    /// style is given; PNG, JPEG or raw RGBA otherwise.
    pub fn region(&self, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            let r = options::<RegionRequest>("region", opts)?.options()?;
            Ok(bytes(&img.region(&r).await?))
        })
    }

    /// large_image's thumbnail (`{ maxWidth, maxHeight, style, format }`, 256 × 256 PNG by default) →
    /// `Uint8Array`.
    pub fn thumbnail(&self, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            let o: ThumbnailRequest = options("thumbnail", opts)?;
            let (w, h) = (o.max_width, o.max_height);
            let (format, style) = o.format_and_style()?;
            Ok(bytes(&img.thumbnail(w, h, style.as_ref(), format).await?))
        })
    }

    /// Histograms (`{ bins, density, onlyMinMax, band, resolution, kind, range, style, onProgress }`):
    /// large_image's rendered-RGBA answer by default, band values with `kind: 'bands'` or a `band`;
    /// `onProgress(done, total)` is called after each window read.
    pub fn histogram(&self, opts: JsValue) -> js_sys::Promise {
        self.view(|img| async move {
            // `onProgress` is a function, not JSON: it is taken out here, the rest read by the core.
            let (opts, on_progress) = take_function(opts, "onProgress")?;
            let h = options::<HistogramRequest>("histogram", opts)?.options()?;
            let mut progress = |done: u64, total: u64| {
                if let Some(f) = &on_progress {
                    let _ = f.call2(&JsValue::NULL, &(done as f64).into(), &(total as f64).into());
                }
            };
            to_js(&img.histogram(&h, &mut progress).await?)
        })
    }

    /// `{ requests, bytes }` fetched so far.
    pub fn stats(&self) -> std::result::Result<JsValue, JsValue> {
        let (requests, bytes) = self.inner.cog.file.src.counts.get();
        self.now(to_js(&Stats { requests, bytes }))
    }

    /// The URL this image was opened from.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.inner.cog.url().to_string()
    }

    /// Releases the image (its caches go with it).
    pub fn close(self) {}
}

/// Takes the function option `name` out of `opts` (a copy without it, and the function when given).
fn take_function(opts: JsValue, name: &str) -> Result<(JsValue, Option<js_sys::Function>)> {
    let key = JsValue::from_str(name);
    if !opts.is_object() || !js_sys::Reflect::has(&opts, &key).unwrap_or(false) {
        return Ok((opts, None));
    }
    let f = js_sys::Reflect::get(&opts, &key).unwrap_or(JsValue::UNDEFINED);
    let rest = js_sys::Object::assign(&js_sys::Object::new(), opts.unchecked_ref());
    let _ = js_sys::Reflect::delete_property(&rest, &key);
    let f = match f {
        f if f.is_undefined() || f.is_null() => None,
        f => Some(f.dyn_into().map_err(|_| Error::usage(format!("{name} must be a function")))?),
    };
    Ok((rest.into(), f))
}
