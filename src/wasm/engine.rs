//! The `Engine` JS class: the fetch engine of this JS realm (`Engine.shared()`), or one made with its own
//! options (`new Engine({ … })`); `read(url, ranges, options)` and `stats()`.

use super::{options, to_js};
use crate::error::{Error, Result};
use crate::source::engine::{EngineRequest, ReadRequest};
use crate::source::{Engine, FetchTransport};
use std::cell::RefCell;
use std::future::Future;
use std::ops::Range;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    /// `Engine.shared()`: one engine per JS realm, made on first use with the defaults.
    static SHARED: RefCell<Option<Engine<FetchTransport>>> = const { RefCell::new(None) };
}

/// The fetch engine (`new Engine(options)`, `Engine.shared()`).
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    pub(crate) inner: Engine<FetchTransport>,
}

/// The options object without its `signal`, and the signal when given.
pub(crate) fn take_signal(opts: JsValue) -> Result<(JsValue, Option<web_sys::AbortSignal>)> {
    super::take_option(opts, "signal", "an AbortSignal")
}

/// Runs `fut` until it ends or `signal` aborts; aborted, `fut` is dropped (its queued requests leave the
/// queue, its fetches nobody else waits for are aborted) and the promise rejects with the signal's reason.
pub(crate) async fn abortable<T, F: Future<Output = std::result::Result<T, JsValue>>>(
    fut: F,
    signal: Option<web_sys::AbortSignal>,
) -> std::result::Result<T, JsValue> {
    let Some(signal) = signal else { return fut.await };
    let reason = |s: &web_sys::AbortSignal| {
        let r = s.reason();
        if r.is_undefined() {
            js_sys::Error::new("aborted").into()
        } else {
            r
        }
    };
    if signal.aborted() {
        return Err(reason(&signal));
    }
    let s2 = signal.clone();
    let aborted = js_sys::Promise::new(&mut |resolve, _| {
        let opts = web_sys::AddEventListenerOptions::new();
        opts.set_once(true);
        let _ = s2.add_event_listener_with_callback_and_add_event_listener_options("abort", &resolve, &opts);
    });
    let fut = std::pin::pin!(fut);
    match futures_util::future::select(fut, wasm_bindgen_futures::JsFuture::from(aborted)).await {
        futures_util::future::Either::Left((r, _)) => r,
        futures_util::future::Either::Right(_) => Err(reason(&signal)),
    }
}

/// `[[start, end], …]` (end exclusive) from JS.
fn ranges(v: &JsValue) -> Result<Vec<Range<u64>>> {
    let bad = || Error::usage("ranges must be an array of [start, end] pairs (end exclusive, whole numbers ≥ 0)");
    let arr: &js_sys::Array = v.dyn_ref().ok_or_else(bad)?;
    arr.iter()
        .map(|p| {
            let p: js_sys::Array = p.dyn_into().map_err(|_| bad())?;
            let n =
                |i| p.get(i).as_f64().filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x <= 2f64.powi(53)).ok_or_else(bad);
            let (s, e) = (n(0)? as u64, n(1)? as u64);
            (p.length() == 2 && s <= e).then_some(s..e).ok_or_else(bad)
        })
        .collect()
}

impl JsEngine {
    /// The realm's shared engine.
    pub(crate) fn shared_engine() -> Engine<FetchTransport> {
        SHARED.with(|s| s.borrow_mut().get_or_insert_with(|| Engine::new(FetchTransport, Default::default())).clone())
    }
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// An engine with its own limits and cache: `{ concurrency, cacheBytes, timeoutMs, retries,
    /// retryBudgetMs, retryBaseMs, readWholeUpTo }`.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> std::result::Result<JsEngine, JsValue> {
        let o: EngineRequest = options("Engine", opts)?;
        Ok(JsEngine { inner: Engine::new(FetchTransport, o.options()?) })
    }

    /// The realm's shared engine (the one `LargeImage.open` uses by default).
    pub fn shared() -> JsEngine {
        JsEngine { inner: Self::shared_engine() }
    }

    /// Reads `ranges` (`[[start, end], …]`, end exclusive) of `url` → `Uint8Array[]` in input order.
    /// Options: `{ priority, signal, headers, credentials, kind: 'header' | 'data' }`.
    pub fn read(&self, url: String, ranges_js: JsValue, opts: JsValue) -> js_sys::Promise {
        let engine = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let (opts, signal) = take_signal(opts)?;
            let fut = async {
                let rs = ranges(&ranges_js)?;
                let (ro, hints) = options::<ReadRequest>("read", opts)?.parts()?;
                let out = engine.read(&url, &rs, &ro, &hints, None).await?;
                let arr = js_sys::Array::new();
                for b in out {
                    arr.push(&js_sys::Uint8Array::from(b.as_slice()));
                }
                Ok::<JsValue, Error>(arr.into())
            };
            abortable(async { fut.await.map_err(JsValue::from) }, signal).await
        })
    }

    /// `{ requests, bytes, hits, shared, retries, cancelled, aborted, errors, timeouts, queued, active,
    /// peakActive, cacheHeaderBytes, cacheDataBytes }` so far.
    pub fn stats(&self) -> std::result::Result<JsValue, JsValue> {
        Ok(to_js(&self.inner.stats())?)
    }
}
