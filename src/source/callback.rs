//! Sources of the wasm face (wasm32 only): a JS `read(ranges, hints)` callback ([`CallbackSource`], how a
//! worker reads through the one engine its pool's coordinator owns), and [`JsSource`], the source a JS
//! `LargeImage` reads: the engine or a callback.

use super::counting::Counts;
use super::engine::EngineSource;
use super::fetch::FetchTransport;
use super::hints::{ReadHints, ReadKind};
use super::RangeSource;
use crate::error::{Error, ErrorKind, Result};
use std::ops::Range;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

/// Reads through a JS function `read([[start, end], …], { priority, kind, signal }) → Promise<Uint8Array[]>`
/// (ranges end-exclusive; answers in input order). The `signal` aborts when the read is no longer wanted.
#[derive(Debug)]
pub struct CallbackSource {
    url: String,
    read: js_sys::Function,
    /// Calls made and bytes answered.
    pub counts: Counts,
}

impl CallbackSource {
    /// A source for `url` reading through `read`.
    pub fn new(url: String, read: js_sys::Function) -> Self {
        CallbackSource { url, read, counts: Counts::default() }
    }

    fn fail(&self, r: &[Range<u64>], reason: String) -> Error {
        self.located(Error::new(ErrorKind::Fetch { status: None, reason }), r)
    }

    /// `e` with this source's URL and the first of `r`, unless it names its own.
    fn located(&self, e: Error, r: &[Range<u64>]) -> Error {
        let e = e.at_url(&self.url);
        match r.first() {
            Some(r) => e.at_range(r.clone()),
            None => e,
        }
    }

    /// What the callback's rejection said: a core error that crossed a worker boundary (its `status`,
    /// `reason`, `url` and `range` fields, see the wasm face's errors) keeps them, so the message is the
    /// one the reading engine gave; any other value becomes a fetch error with its message.
    fn failed_read(&self, r: &[Range<u64>], e: &JsValue) -> Error {
        let field = |k: &str| js_sys::Reflect::get(e, &k.into()).ok().filter(|v| !v.is_undefined() && !v.is_null());
        let status = field("status").and_then(|v| v.as_f64()).filter(|s| (100.0..600.0).contains(s));
        let reason = field("reason").and_then(|v| v.as_string()).unwrap_or_else(|| js_text(e));
        let mut err = Error::new(ErrorKind::Fetch { status: status.map(|s| s as u16), reason });
        if let Some(u) = field("url").and_then(|v| v.as_string()) {
            err = err.at_url(&u);
        }
        let range = field("range").and_then(|v| v.dyn_into::<js_sys::Array>().ok()).and_then(|a| {
            let (start, end) = (a.get(0).as_f64()?, a.get(1).as_f64()?);
            (a.length() == 2 && start >= 0.0 && end >= start).then_some(start as u64..end as u64)
        });
        if let Some(range) = range {
            err = err.at_range(range);
        }
        self.located(err, r)
    }
}

/// Aborts the callback's signal when the read is dropped before it finished.
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
        }
    }
}

impl RangeSource for CallbackSource {
    fn url(&self) -> &str {
        &self.url
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        super::one_range(self, range).await
    }
    async fn get_ranges(&self, ranges: &[Range<u64>], hints: &ReadHints) -> Result<Vec<Vec<u8>>> {
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        let list = js_sys::Array::new();
        for r in ranges {
            list.push(&js_sys::Array::of2(&(r.start as f64).into(), &(r.end as f64).into()));
        }
        let ctrl = AbortController::new().map_err(|_| self.fail(ranges, "no AbortController".into()))?;
        let mut guard = AbortOnDrop(Some(ctrl.clone()));
        let h = js_sys::Object::new();
        let kind = if hints.kind == ReadKind::Header { "header" } else { "data" };
        for (k, v) in
            [("priority", JsValue::from(hints.priority)), ("kind", kind.into()), ("signal", ctrl.signal().into())]
        {
            let _ = js_sys::Reflect::set(&h, &k.into(), &v);
        }
        self.counts.request();
        let called = self.read.call2(&JsValue::NULL, &list, &h).map_err(|e| self.failed_read(ranges, &e))?;
        let answer =
            JsFuture::from(js_sys::Promise::resolve(&called)).await.map_err(|e| self.failed_read(ranges, &e))?;
        guard.0 = None;
        let arr: js_sys::Array =
            answer.dyn_into().map_err(|_| self.fail(ranges, "read() must answer an array".into()))?;
        if arr.length() as usize != ranges.len() {
            let n = arr.length();
            return Err(self.fail(ranges, format!("read() answered {n} arrays for {} ranges", ranges.len())));
        }
        let mut out = Vec::with_capacity(ranges.len());
        for (i, r) in ranges.iter().enumerate() {
            let b: js_sys::Uint8Array = arr
                .get(i as u32)
                .dyn_into()
                .map_err(|_| self.fail(std::slice::from_ref(r), "read() must answer Uint8Arrays".into()))?;
            if b.length() as u64 > r.end - r.start {
                return Err(self.fail(std::slice::from_ref(r), format!("read() answered {} bytes", b.length())));
            }
            out.push(b.to_vec());
        }
        self.counts.received(out.iter().map(Vec::len).sum());
        Ok(out)
    }
}

/// The message of a JS error value.
pub(crate) fn js_text(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// What a JS `LargeImage` reads: the fetch engine, or a `read` callback.
#[derive(Debug)]
pub enum JsSource {
    /// Through an [`super::Engine`].
    Engine(EngineSource<FetchTransport>),
    /// Through a JS callback.
    Callback(CallbackSource),
}

impl JsSource {
    /// (requests, bytes) this image fetched.
    pub fn counts(&self) -> (u64, u64) {
        match self {
            JsSource::Engine(s) => s.counts.get(),
            JsSource::Callback(s) => s.counts.get(),
        }
    }
}

impl RangeSource for JsSource {
    fn url(&self) -> &str {
        match self {
            JsSource::Engine(s) => s.url(),
            JsSource::Callback(s) => s.url(),
        }
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        match self {
            JsSource::Engine(s) => s.get_bytes(range).await,
            JsSource::Callback(s) => s.get_bytes(range).await,
        }
    }
    async fn get_ranges(&self, ranges: &[Range<u64>], hints: &ReadHints) -> Result<Vec<Vec<u8>>> {
        match self {
            JsSource::Engine(s) => s.get_ranges(ranges, hints).await,
            JsSource::Callback(s) => s.get_ranges(ranges, hints).await,
        }
    }
}
