//! Range reads with the global `fetch` (pages, workers and Node 20 alike; wasm32 only).
//!
//! A server that ignores `Range` and answers 200 with the whole file is served too: the body is kept
//! (up to a cap) and later reads are cut from it without another request.

use super::{slice_range, Counts, Credentials, RangeSource};
use crate::error::{Error, ErrorKind, Result};
use gloo_net::http::Request;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use web_sys::RequestCredentials;

/// A URL read with HTTP range requests.
#[derive(Debug)]
pub struct FetchSource {
    url: String,
    headers: Vec<(String, String)>,
    credentials: RequestCredentials,
    /// Requests made and bytes received.
    pub counts: Counts,
    /// The whole file, when the server ignored `Range` and sent it all.
    whole: RefCell<Option<Rc<Vec<u8>>>>,
    /// Largest whole file kept when the server ignores `Range`, in bytes.
    max_whole: u64,
}

impl FetchSource {
    /// A source for `url` sending `headers` and `credentials` with every request; a server that
    /// ignores `Range` may send at most `max_whole` bytes.
    pub fn new(url: String, headers: Vec<(String, String)>, credentials: Credentials, max_whole: u64) -> Self {
        let credentials = match credentials {
            Credentials::Omit => RequestCredentials::Omit,
            Credentials::SameOrigin => RequestCredentials::SameOrigin,
            Credentials::Include => RequestCredentials::Include,
        };
        FetchSource { url, headers, credentials, counts: Counts::default(), whole: RefCell::new(None), max_whole }
    }
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
        let mut req = Request::get(&self.url)
            .credentials(self.credentials)
            .header("Range", &format!("bytes={}-{}", range.start, range.end.saturating_sub(1)));
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.map_err(|e| fail(None, format!("network error: {e}")))?;
        self.counts.request();
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
        self.counts.received(body.len());
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
