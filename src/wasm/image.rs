//! The `LargeImage` JS class: one method per view, each reading its options, calling the core and
//! handing the answer back.

use super::engine::{abortable, take_signal, JsEngine};
use super::{bytes, options, take_option, to_js};
use crate::api::histogram::HistogramRequest;
use crate::api::metadata::{MetadataRequest, ValidateRequest};
use crate::api::tiles::tile_index;
use crate::api::{LargeImage, OpenRequest, PixelRequest, RegionRequest, ThumbnailRequest, TileRequest};
use crate::error::Result;
use crate::source::callback::{CallbackSource, JsSource};
use crate::source::{Engine, FetchTransport, RequestOptions};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

type Image = Rc<LargeImage<JsSource>>;

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
    /// Runs a view as a promise: its options without `signal` go to `run`, after what they need is
    /// loaded (`lazy::parts_for`: the style tables and colour module, the codec module for WebP, the
    /// projection module for projected `units`); the signal, when given, drops the view's reads when
    /// it aborts. Its errors name the image's URL.
    fn view<F: Future<Output = Result<JsValue>> + 'static>(
        &self,
        opts: JsValue,
        run: impl FnOnce(Image, JsValue) -> F,
    ) -> js_sys::Promise {
        let img = self.inner.clone();
        let url = img.cog.url().to_string();
        match take_signal(opts) {
            Ok((opts, signal)) => {
                let parts = super::lazy::parts_for(opts.clone());
                Self::promise(url, Box::pin(parts), Box::pin(run(img, opts)), signal)
            }
            Err(e) => js_sys::Promise::reject(&e.at_url(&url).into()),
        }
    }

    /// The promise of [`Self::view`], one body for every view (each view's future boxed): `parts`,
    /// then `view`, until `signal` aborts.
    fn promise(
        url: String,
        parts: Pin<Box<dyn Future<Output = Result<()>>>>,
        view: Pin<Box<dyn Future<Output = Result<JsValue>>>>,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let fut = async move {
            parts.await?;
            view.await
        };
        wasm_bindgen_futures::future_to_promise(abortable(
            async move { fut.await.map_err(|e| e.at_url(&url).into()) },
            signal,
        ))
    }

    /// Opens `url` over `src`, its options read by the core; `signal` aborts the opening. (`src` is boxed:
    /// one body for every way of opening.)
    async fn open_source(
        url: String,
        opts: JsValue,
        src: Box<dyn FnOnce(&OpenRequest) -> JsSource>,
    ) -> std::result::Result<JsLargeImage, JsValue> {
        let (opts, signal) = take_signal(opts).map_err(|e| e.at_url(&url))?;
        let o: OpenRequest = options("open", opts).map_err(|e| e.at_url(&url))?;
        let source = src(&o);
        let fut = async move {
            let img = LargeImage::open(source, o.open_options()).await?;
            super::lazy::codecs_for(&img).await.map_err(|e| e.at_url(img.cog.url()))?;
            super::lazy::projection_for(&img).await.map_err(|e| e.at_url(img.cog.url()))?;
            Ok::<_, crate::error::Error>(img)
        };
        let fut = async move { fut.await.map_err(JsValue::from) };
        Ok(JsLargeImage { inner: Rc::new(abortable(fut, signal).await?) })
    }

    /// A synchronous view; its errors name the image's URL.
    fn now(&self, v: Result<JsValue>) -> std::result::Result<JsValue, JsValue> {
        v.map_err(|e| e.at_url(self.inner.cog.url()).into())
    }

    async fn open_engine(
        url: String,
        opts: JsValue,
        engine: Engine<FetchTransport>,
    ) -> std::result::Result<JsLargeImage, JsValue> {
        let u = url.clone();
        let src = move |o: &OpenRequest| {
            let req = RequestOptions { headers: o.headers.clone().into_iter().collect(), credentials: o.credentials };
            JsSource::Engine(engine.source(u, req))
        };
        Self::open_source(url, opts, Box::new(src)).await
    }
}

#[wasm_bindgen(js_class = LargeImage)]
impl JsLargeImage {
    /// Opens `url` through the realm's shared engine (one range request for a usual COG). Options:
    /// `headerBytes`, `cacheBytes`, `headers`, `credentials` (`'omit'`, `'same-origin'`, `'include'`),
    /// `signal`.
    pub async fn open(url: String, opts: JsValue) -> std::result::Result<JsLargeImage, JsValue> {
        Self::open_engine(url, opts, JsEngine::shared_engine()).await
    }

    /// Opens `url` through `engine`.
    #[wasm_bindgen(js_name = openWithEngine)]
    pub async fn open_with_engine(
        url: String,
        opts: JsValue,
        engine: &JsEngine,
    ) -> std::result::Result<JsLargeImage, JsValue> {
        Self::open_engine(url, opts, engine.inner.clone()).await
    }

    /// Opens `url` reading through `read(ranges, { priority, kind, signal }) → Promise<Uint8Array[]>`.
    #[wasm_bindgen(js_name = openWithReader)]
    pub async fn open_with_reader(
        url: String,
        opts: JsValue,
        read: js_sys::Function,
    ) -> std::result::Result<JsLargeImage, JsValue> {
        let u = url.clone();
        Self::open_source(url, opts, Box::new(move |_| JsSource::Callback(CallbackSource::new(u, read)))).await
    }

    /// large_image metadata (`{ projection }`).
    pub fn metadata(&self, opts: JsValue) -> js_sys::Promise {
        self.view(opts, |img, opts| async move {
            let o: MetadataRequest = options("metadata", opts)?;
            to_js(&img.metadata(o.projection.as_deref()).await?)
        })
    }

    /// The COG validation report of GDAL's validator (`{ fullCheck }`): `{ valid, errors, warnings, details }`.
    pub fn validate(&self, opts: JsValue) -> js_sys::Promise {
        self.view(opts, |img, opts| async move {
            let o: ValidateRequest = options("validate", opts)?;
            to_js(&img.validate(o.full_check).await?)
        })
    }

    /// Everything the reader knows of the file: driver names, sizes, TIFF tags per IFD, GeoKeys, GDAL metadata.
    #[wasm_bindgen(js_name = internalMetadata)]
    pub fn internal_metadata(&self) -> js_sys::Promise {
        self.view(JsValue::UNDEFINED, |img, _| async move { to_js(&img.internal_metadata().await?) })
    }

    /// The raw IFD dump in tifftools' JSON shape (django-large-image's `info/tiffdump`).
    pub fn tiffdump(&self) -> js_sys::Promise {
        self.view(JsValue::UNDEFINED, |img, _| async move { to_js(&img.tiffdump().await?) })
    }

    /// A tile as PNG/JPEG bytes or raw RGBA (`{ projection, format, tileSize, style, resampling }` or
    /// TiTiler's parameters, see `TileRequest`) → `Uint8Array`.
    pub fn tile(&self, z: u32, x: f64, y: f64, opts: JsValue) -> js_sys::Promise {
        self.view(opts, |img, opts| async move {
            let o = options::<TileRequest>("tile", opts)?.options(img.cog.base().samples as usize)?;
            let (x, y) = tile_index(z, x, y)?;
            Ok(bytes(&img.tile(z, x, y, &o).await?))
        })
    }

    /// large_image's pixel view (`{ left, top, units, style }`): every band's value and the styled colour.
    pub fn pixel(&self, opts: JsValue) -> js_sys::Promise {
        self.view(opts, |img, opts| async move {
            let o: PixelRequest = options("pixel", opts)?;
            let (left, top) = o.point()?;
            let style = o.style()?;
            to_js(&img.pixel_styled(left, top, o.units.as_deref(), style.as_ref()).await?)
        })
    }

    /// Where a point (`{ left, top, units }`, as `pixel` takes it) lies in the file: `{ x, y }` in the
    /// file's CRS (`null` without georeferencing), its full-resolution `column` and `row`, and
    /// `inside`. Reads nothing (a promise all the same: `units` in a projected CRS may need the
    /// projection module loaded first).
    pub fn locate(&self, opts: JsValue) -> js_sys::Promise {
        self.view(opts, |img, opts| async move {
            let o: PixelRequest = options("locate", opts)?;
            let (left, top) = o.point()?;
            to_js(&img.locate(left, top, o.units.as_deref())?)
        })
    }

    /// large_image band information (`info/bands`): `{"1": {min, max, mean, stdev, nodata, …}, …}`.
    pub fn bands(&self) -> js_sys::Promise {
        self.view(JsValue::UNDEFINED, |img, _| async move { to_js(&img.bands().await?) })
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
        self.view(opts, |img, opts| async move {
            let o: MetadataRequest = options("tilesMetadata", opts)?;
            to_js(&img.tiles_metadata(o.projection.as_deref()).await?)
        })
    }

    /// large_image's region (`{ left, top, right, bottom, units, width, height, style, format }`) →
    /// `Uint8Array`: a GeoTIFF (`format` `tiff`, the default) of band values, or of styled RGBA when a
    /// style is given; PNG, JPEG or raw RGBA otherwise.
    pub fn region(&self, opts: JsValue) -> js_sys::Promise {
        self.view(opts, |img, opts| async move {
            let r = options::<RegionRequest>("region", opts)?.options()?;
            Ok(bytes(&img.region(&r).await?))
        })
    }

    /// large_image's thumbnail (`{ maxWidth, maxHeight, style, format }`, 256 × 256 PNG by default) →
    /// `Uint8Array`.
    pub fn thumbnail(&self, opts: JsValue) -> js_sys::Promise {
        self.view(opts, |img, opts| async move {
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
        self.view(opts, |img, opts| async move {
            // `onProgress` is a function, not JSON: it is taken out here, the rest read by the core.
            let (opts, on_progress) = take_option::<js_sys::Function>(opts, "onProgress", "a function")?;
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
        let (requests, bytes) = self.inner.cog.file.src.counts();
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
