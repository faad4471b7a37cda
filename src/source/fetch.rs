//! The wasm32 [`Transport`]: the global `fetch` with an `AbortController` and the global `setTimeout`, so
//! it runs the same in pages, workers, service workers and Node 20. The body is read as a stream: a
//! request is aborted when its future is dropped, when no answer or no body bytes come within the timeout,
//! and as soon as a server that ignores `Range` has sent the bytes the request needed.

use super::http::{body_limit, HttpRequest, HttpResponse, ResponseHeaders, Transport, TransportError};
use super::Credentials;
use futures_util::future::{select, Either};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, RequestCredentials, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &RequestInit) -> js_sys::Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// A `setTimeout` as a future; dropped early, it clears the timer (so Node does not wait for it).
struct Timer {
    fut: JsFuture,
    handle: JsValue,
}

fn timer(ms: f64) -> Timer {
    let mut handle = JsValue::UNDEFINED;
    let p = js_sys::Promise::new(&mut |resolve, _| handle = set_timeout(&resolve, ms.max(0.0)));
    Timer { fut: JsFuture::from(p), handle }
}

impl Future for Timer {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.fut).poll(cx).map(|_| ())
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.handle);
    }
}

/// Aborts the request unless disarmed (it completed).
struct AbortOnDrop {
    ctrl: AbortController,
    armed: bool,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.ctrl.abort();
        }
    }
}

/// The message of a JS error, with its `cause` (Node's `fetch failed` says why there).
fn js_message(e: &JsValue) -> String {
    let text = |v: &JsValue| {
        js_sys::Reflect::get(v, &"message".into()).ok().and_then(|m| m.as_string()).or_else(|| v.as_string())
    };
    let mut m = text(e).unwrap_or_else(|| "unknown error".into());
    if let Ok(cause) = js_sys::Reflect::get(e, &"cause".into()) {
        if !cause.is_undefined() && !cause.is_null() {
            let code = js_sys::Reflect::get(&cause, &"code".into()).ok().and_then(|c| c.as_string());
            if let Some(c) = text(&cause).or(code) {
                m.push_str(&format!(" ({c})"));
            }
        }
    }
    m
}

/// The global `fetch` (pages, workers, service workers, Node 20).
#[derive(Debug, Default, Clone, Copy)]
pub struct FetchTransport;

impl FetchTransport {
    async fn send(req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let net = |e: JsValue| TransportError::Network(js_message(&e));
        let ctrl = AbortController::new().map_err(net)?;
        let mut guard = AbortOnDrop { ctrl: ctrl.clone(), armed: true };
        let headers = Headers::new().map_err(net)?;
        headers.append("Range", &format!("bytes={}-{}", req.range.start, req.range.end - 1)).map_err(net)?;
        for (k, v) in &req.headers {
            headers.append(k, v).map_err(|e| TransportError::Network(format!("header {k}: {}", js_message(&e))))?;
        }
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers);
        init.set_signal(Some(&ctrl.signal()));
        init.set_credentials(match req.credentials {
            Credentials::Omit => RequestCredentials::Omit,
            Credentials::SameOrigin => RequestCredentials::SameOrigin,
            Credentials::Include => RequestCredentials::Include,
        });
        let t = req.timeout_ms;
        let answer = match select(JsFuture::from(global_fetch(&req.url, &init)), timer(t)).await {
            Either::Left((r, _)) => r.map_err(net)?,
            Either::Right(_) => return Err(TransportError::Timeout(format!("no answer within {t} ms"))),
        };
        let resp: Response = answer.dyn_into().map_err(|_| TransportError::Network("fetch gave no Response".into()))?;
        let h = resp.headers();
        let get = |name: &str| h.get(name).ok().flatten();
        let headers = ResponseHeaders {
            content_type: get("content-type"),
            content_range: get("content-range"),
            content_length: get("content-length").and_then(|v| v.trim().parse().ok()),
            etag: get("etag"),
            last_modified: get("last-modified"),
            retry_after: get("retry-after"),
        };
        let status = resp.status();
        let limit = body_limit(&req, status, headers.content_length);
        let mut body = Vec::new();
        let mut complete = true;
        if let Some(stream) = resp.body() {
            let reader: ReadableStreamDefaultReader =
                stream.get_reader().dyn_into().map_err(|_| TransportError::Network("the body has no reader".into()))?;
            loop {
                if body.len() as u64 >= limit {
                    // Enough: stop the rest (a server that ignores Range, or an error page).
                    complete = headers.content_length == Some(body.len() as u64);
                    let _ = reader.cancel();
                    break;
                }
                let chunk = match select(JsFuture::from(reader.read()), timer(t)).await {
                    Either::Left((Ok(c), _)) => c,
                    Either::Left((Err(e), _)) => {
                        return Err(TransportError::Network(format!(
                            "the connection dropped after {} body bytes: {}",
                            body.len(),
                            js_message(&e)
                        )))
                    }
                    Either::Right(_) => {
                        return Err(TransportError::Timeout(format!(
                            "the body stalled after {} bytes (nothing for {t} ms)",
                            body.len()
                        )))
                    }
                };
                let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true);
                if done {
                    break;
                }
                if let Ok(v) = js_sys::Reflect::get(&chunk, &"value".into()) {
                    if let Ok(bytes) = v.dyn_into::<js_sys::Uint8Array>() {
                        body.extend_from_slice(&bytes.to_vec());
                    }
                }
            }
        }
        guard.armed = !complete;
        drop(guard);
        Ok(HttpResponse { status, status_text: resp.status_text(), headers, body, complete })
    }
}

impl Transport for FetchTransport {
    fn fetch(&self, req: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> + 'static {
        Self::send(req)
    }
    fn sleep(&self, ms: f64) -> impl Future<Output = ()> + 'static {
        timer(ms)
    }
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}
