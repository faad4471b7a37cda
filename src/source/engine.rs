//! The fetch engine: one per JS realm (page, worker, service worker), shared by every image it reads.
//!
//! A read is a batch of ranges of one URL wanted together. Ranges already cached are answered at once;
//! ranges another read is fetching join that fetch; the rest are planned into requests (overlapping
//! ranges merged, [`super::plan`]), each queued at its origin's limiter by priority, sent through
//! the [`Transport`] with a timeout, retried with backoff when the failure is worth it, and checked
//! ([`super::http::answer`]): a server that ignores `Range`, a file that changed under its URL, an HTML
//! page, a refusal — each an error naming the URL, the byte range, the HTTP status and the reason.
//!
//! Cancellation is by dropping: a read's future dropped drops its share of each fetch; a fetch nobody
//! shares any more leaves the queue (never sent) or is aborted in flight.

use super::cache::RangeCache;
use super::counting::{Counts, EngineStats};
use super::hints::ReadHints;
use super::http::{answer, transport_error, FileState, HttpRequest, Outcome, Transport, TransportError};
use super::limiter::Limiter;
use super::plan::{cut, requests};
use super::retry::{Failure, RetryPolicy};
use super::{Credentials, RangeSource};
use crate::error::{Error, ErrorKind, Result};
use futures_util::future::{try_join_all, FutureExt, LocalBoxFuture, Shared, WeakShared};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};

/// The engine's settings (`new Engine({ concurrency, cacheBytes, timeoutMs, retries, readWholeUpTo })`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EngineOptions {
    /// Most requests in flight per origin (default 6, a browser's HTTP/1.1 limit).
    pub concurrency: usize,
    /// Budget of the byte cache, header and tile bytes together (default 64 MiB; an eighth for headers).
    pub cache_bytes: usize,
    /// No answer, or a body stalled, this long is a timeout, in milliseconds (default 30 000).
    pub timeout_ms: f64,
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// Largest file read whole from a server that ignores `Range`, in bytes (default 0: never; such a
    /// server is an error).
    pub read_whole_up_to: u64,
    /// Largest single request, in bytes (default 64 MiB).
    pub max_request: u64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            concurrency: 6,
            cache_bytes: 64 << 20,
            timeout_ms: 30_000.0,
            retry: RetryPolicy::default(),
            read_whole_up_to: 0,
            max_request: 64 << 20,
        }
    }
}

/// The engine's options as the JS API spells them (`new Engine({ … })`; unknown names refused).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[non_exhaustive]
pub struct EngineRequest {
    /// Requests in flight per origin (default 6).
    pub concurrency: Option<usize>,
    /// Byte cache budget, header and tile bytes together (default 64 MiB).
    pub cache_bytes: Option<usize>,
    /// Timeout per request in milliseconds: no answer, or a body stalled (default 30 000).
    pub timeout_ms: Option<f64>,
    /// Retries per request (default 4).
    pub retries: Option<u32>,
    /// Longest total wait between the tries of one request, in milliseconds (default 30 000).
    pub retry_budget_ms: Option<f64>,
    /// First backoff in milliseconds, doubled each retry (default 200).
    pub retry_base_ms: Option<f64>,
    /// Largest file read whole from a server that ignores `Range`, in bytes (default 0: an error).
    pub read_whole_up_to: Option<u64>,
}

impl EngineRequest {
    /// The engine options these ask for.
    pub fn options(&self) -> Result<EngineOptions> {
        let mut o = EngineOptions::default();
        let d = |v: Option<f64>, name: &str, default: f64| match v {
            Some(x) if !(x.is_finite() && x >= 0.0) => Err(Error::usage(format!("engine option {name} must be ≥ 0"))),
            Some(x) => Ok(x),
            None => Ok(default),
        };
        o.concurrency = match self.concurrency {
            Some(0) => return Err(Error::usage("engine option concurrency must be at least 1")),
            Some(c) => c,
            None => o.concurrency,
        };
        o.cache_bytes = self.cache_bytes.unwrap_or(o.cache_bytes);
        o.timeout_ms = d(self.timeout_ms, "timeoutMs", o.timeout_ms)?;
        o.retry.retries = self.retries.unwrap_or(o.retry.retries);
        o.retry.budget_ms = d(self.retry_budget_ms, "retryBudgetMs", o.retry.budget_ms)?;
        o.retry.base_ms = d(self.retry_base_ms, "retryBaseMs", o.retry.base_ms)?;
        o.read_whole_up_to = self.read_whole_up_to.unwrap_or(0);
        Ok(o)
    }
}

/// The options of one `engine.read(url, ranges, { … })` as the JS API spells them (`signal` is taken by
/// the wasm face).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReadRequest {
    /// Lower first (default 0).
    pub priority: Option<f64>,
    /// HTTP headers sent with each request.
    pub headers: std::collections::BTreeMap<String, String>,
    /// What `fetch` sends of the page's credentials.
    pub credentials: Credentials,
    /// `'header'` or `'data'` (default): which cache budget the bytes go to.
    pub kind: Option<String>,
}

impl ReadRequest {
    /// The request options and hints these ask for.
    pub fn parts(self) -> Result<(RequestOptions, ReadHints)> {
        let kind = match self.kind.as_deref() {
            None | Some("data") => super::ReadKind::Data,
            Some("header") => super::ReadKind::Header,
            Some(k) => return Err(Error::usage(format!("read option kind {k:?}: 'header' or 'data'"))),
        };
        let priority = self.priority.filter(|p| p.is_finite()).map_or(0, |p| p.round().clamp(-1e9, 1e9) as i32);
        let ro = RequestOptions { headers: self.headers.into_iter().collect(), credentials: self.credentials };
        Ok((ro, ReadHints { priority, kind }))
    }
}

/// What every request of one read sends besides `Range`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestOptions {
    /// Headers (e.g. `Authorization`).
    pub headers: Vec<(String, String)>,
    /// What `fetch` sends of the page's credentials.
    pub credentials: Credentials,
}

/// The key of `url` read with `req` in the engine's cache, in-flight fetches and file states: the URL
/// alone without headers or credentials, else the URL with them, so bytes fetched with one caller's
/// `Authorization` or cookies are never handed to a read made without them (nor the other way round).
fn resource_key(url: &str, req: &RequestOptions) -> Arc<str> {
    if req.headers.is_empty() && req.credentials == Credentials::default() {
        return url.into();
    }
    let mut h: Vec<_> = req.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_str())).collect();
    crate::order::sort_short(&mut h);
    let mut key = format!("{url}\u{0}{:?}", req.credentials);
    for (k, v) in h {
        key.push_str(&format!("\u{0}{k}: {v}"));
    }
    key.into()
}

/// A fetch of one range, shared by every read that wants bytes of it.
type Fetch = Shared<LocalBoxFuture<'static, Result<Arc<Vec<u8>>>>>;

/// A fetch in flight: its id, range and a handle that does not keep it alive.
struct Inflight {
    id: u64,
    range: Range<u64>,
    fetch: WeakShared<LocalBoxFuture<'static, Result<Arc<Vec<u8>>>>>,
}

/// What the engine knows of one URL.
#[derive(Default)]
struct FileEntry {
    state: FileState,
    /// The whole file, when the server ignored `Range` and the caller allowed it.
    whole: Option<Arc<Vec<u8>>>,
    /// Bumped each time the file changed under the URL.
    generation: u64,
}

struct State {
    cache: RangeCache,
    files: HashMap<Arc<str>, FileEntry>,
    inflight: HashMap<Arc<str>, Vec<Inflight>>,
    next_id: u64,
    stats: EngineStats,
}

struct Inner<T> {
    transport: T,
    opts: EngineOptions,
    limiter: Limiter,
    state: Mutex<State>,
}

/// The fetch engine (cheap to clone: clones share everything).
pub struct Engine<T>(Arc<Inner<T>>);

impl<T> Clone for Engine<T> {
    fn clone(&self) -> Self {
        Engine(self.0.clone())
    }
}

impl<T> std::fmt::Debug for Engine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("opts", &self.0.opts).finish_non_exhaustive()
    }
}

/// Counts a fetch's end: dropped before it was sent (cancelled) or while in flight (aborted), and
/// forgets it among the fetches in flight.
struct Track<T: Transport> {
    inner: Arc<Inner<T>>,
    /// The [`resource_key`] its fetch is listed under.
    key: Arc<str>,
    id: u64,
    sent: bool,
    done: bool,
}

impl<T: Transport> Drop for Track<T> {
    fn drop(&mut self) {
        let mut s = self.inner.lock();
        if !self.done {
            if self.sent {
                s.stats.aborted += 1;
            } else {
                s.stats.cancelled += 1;
            }
        }
        if let Some(list) = s.inflight.get_mut(&self.key) {
            list.retain(|f| f.id != self.id);
            if list.is_empty() {
                s.inflight.remove(&self.key);
            }
        }
    }
}

/// Adds how many tries a failed request had to its reason.
fn after_tries(mut e: Error, tries: u32) -> Error {
    if tries > 1 {
        if let ErrorKind::Fetch { reason, .. } = &mut e.kind {
            reason.push_str(&format!(" (gave up after {tries} tries)"));
        }
    }
    e
}

impl<T> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T: Transport> Engine<T> {
    /// An engine sending its requests through `transport`.
    pub fn new(transport: T, opts: EngineOptions) -> Self {
        let limiter = Limiter::new(opts.concurrency);
        let state = State {
            cache: RangeCache::new(opts.cache_bytes),
            files: HashMap::new(),
            inflight: HashMap::new(),
            next_id: 0,
            stats: EngineStats::default(),
        };
        Engine(Arc::new(Inner { transport, opts, limiter, state: Mutex::new(state) }))
    }

    /// The settings.
    pub fn options(&self) -> &EngineOptions {
        &self.0.opts
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.0.transport
    }

    /// What the engine did so far.
    pub fn stats(&self) -> EngineStats {
        let (queued, active, peak, _) = self.0.limiter.counts();
        let s = self.0.lock();
        let (h, d) = s.cache.used();
        EngineStats {
            queued,
            active,
            peak_active: peak,
            cache_header_bytes: h as u64,
            cache_data_bytes: d as u64,
            ..s.stats
        }
    }

    /// A source reading `url` through this engine, sending `req` with every request.
    pub fn source(&self, url: impl Into<String>, req: RequestOptions) -> EngineSource<T> {
        let url = url.into();
        let generation = self.0.lock().files.get(&resource_key(&url, &req)).map_or(0, |f| f.generation);
        EngineSource { engine: self.clone(), url, req, counts: Arc::new(Counts::default()), generation }
    }

    /// Reads `ranges` of `url` (in input order), sending `req`'s headers and credentials, queued by
    /// `hints.priority`, cached as `hints.kind`. Requests this read starts are counted in `counts`.
    pub async fn read(
        &self,
        url: &str,
        ranges: &[Range<u64>],
        req: &RequestOptions,
        hints: &ReadHints,
        counts: Option<Arc<Counts>>,
    ) -> Result<Vec<Vec<u8>>> {
        let inner = &self.0;
        let key = resource_key(url, req);
        let url: Arc<str> = url.into();
        for r in ranges {
            if r.start > r.end {
                return Err(Error::usage(format!("range {}..{} ends before it starts", r.start, r.end)).at_url(&url));
            }
            if r.end - r.start > inner.opts.max_request {
                return Err(Error::limit("request size", inner.opts.max_request, r.end - r.start)
                    .at_url(&url)
                    .at_range(r.clone()));
            }
        }
        // Answer from the cache, join fetches in flight, plan the rest.
        let mut pieces: Vec<(Range<u64>, Arc<Vec<u8>>)> = Vec::new();
        let mut waits: Vec<(Range<u64>, Fetch)> = Vec::new();
        {
            let mut s = inner.lock();
            if let Some(w) = s.files.get(&key).and_then(|f| f.whole.clone()) {
                s.stats.hits += ranges.len() as u64;
                let whole = [(0..w.len() as u64, w.as_slice())];
                return Ok(ranges.iter().map(|r| cut(r, &whole)).collect());
            }
            let mut misses = Vec::new();
            for r in ranges.iter().filter(|r| r.start < r.end) {
                if let Some(p) = s.cache.pieces(&key, r) {
                    s.stats.hits += 1;
                    pieces.extend(p);
                    continue;
                }
                let joined = s.inflight.get(&key).and_then(|list| {
                    list.iter()
                        .filter(|f| f.range.start <= r.start && r.end <= f.range.end)
                        .find_map(|f| f.fetch.upgrade().map(|x| (f.range.clone(), x)))
                });
                match joined {
                    Some(j) => {
                        s.stats.shared += 1;
                        waits.push(j);
                    }
                    None => misses.push(r.clone()),
                }
            }
            for range in requests(&misses, |_| false, inner.opts.max_request) {
                s.next_id += 1;
                let id = s.next_id;
                let fut = self.fetch(url.clone(), key.clone(), range.clone(), req.clone(), *hints, counts.clone(), id);
                let shared = fut.boxed_local().shared();
                if let Some(weak) = shared.downgrade() {
                    s.inflight.entry(key.clone()).or_default().push(Inflight { id, range: range.clone(), fetch: weak });
                }
                waits.push((range, shared));
            }
        }
        let fetched = try_join_all(waits.into_iter().map(|(range, f)| async move { f.await.map(|b| (range, b)) }))
            .await
            .inspect_err(|_| inner.lock().stats.errors += 1)?;
        pieces.extend(fetched);
        let view: Vec<(Range<u64>, &[u8])> = pieces.iter().map(|(r, b)| (r.clone(), b.as_slice())).collect();
        Ok(ranges.iter().map(|r| cut(r, &view)).collect())
    }

    /// One request of `range`, with its queueing, retries and checks; `key` is its [`resource_key`].
    #[allow(clippy::too_many_arguments)]
    fn fetch(
        &self,
        url: Arc<str>,
        key: Arc<str>,
        range: Range<u64>,
        ro: RequestOptions,
        hints: ReadHints,
        counts: Option<Arc<Counts>>,
        id: u64,
    ) -> impl std::future::Future<Output = Result<Arc<Vec<u8>>>> + 'static {
        let inner = self.0.clone();
        async move {
            let mut track = Track { inner: inner.clone(), key: key.clone(), id, sent: false, done: false };
            let o = &inner.opts;
            let req = HttpRequest {
                url: url.to_string(),
                range: range.clone(),
                headers: ro.headers,
                credentials: ro.credentials,
                timeout_ms: o.timeout_ms,
                whole_up_to: o.read_whole_up_to,
            };
            let (mut tries, mut waited) = (0u32, 0.0);
            loop {
                let permit = inner.limiter.acquire(&url, hints.priority).await;
                track.sent = true;
                tries += 1;
                inner.lock().stats.requests += 1;
                if let Some(c) = &counts {
                    c.request();
                }
                let result = inner.transport.fetch(req.clone()).await;
                drop(permit);
                let (failure, error) = match result {
                    Ok(resp) => {
                        let mut guard = inner.lock();
                        let s = &mut *guard;
                        s.stats.bytes += resp.body.len() as u64;
                        if let Some(c) = &counts {
                            c.received(resp.body.len());
                        }
                        let file = s.files.entry(key.clone()).or_default();
                        match answer(&req, resp, &mut file.state) {
                            Outcome::Bytes(b) => {
                                let b = Arc::new(b);
                                s.cache.insert(&key, hints.kind, range.clone(), b.clone());
                                track.done = true;
                                return Ok(b);
                            }
                            Outcome::Whole(b) => {
                                let w = Arc::new(b);
                                file.whole = Some(w.clone());
                                track.done = true;
                                return Ok(Arc::new(cut(&range, &[(0..w.len() as u64, w.as_slice())])));
                            }
                            Outcome::Changed(e) => {
                                // The old file's bytes must never mix with the new one's.
                                file.generation += 1;
                                file.state = FileState::default();
                                file.whole = None;
                                s.cache.drop_url(&key);
                                track.done = true;
                                return Err(e);
                            }
                            Outcome::Fail(e) => {
                                track.done = true;
                                return Err(after_tries(e, tries));
                            }
                            Outcome::Retry(f, e) => (f, e),
                        }
                    }
                    Err(te) => {
                        if matches!(te, TransportError::Timeout(_)) {
                            inner.lock().stats.timeouts += 1;
                        }
                        transport_error(&req, &te)
                    }
                };
                let t = &inner.transport;
                match o.retry.delay_ms(&failure, tries, waited, t.random(), t.now_ms()) {
                    Some(d) => {
                        inner.lock().stats.retries += 1;
                        waited += d;
                        t.sleep(d).await;
                    }
                    None => {
                        track.done = true;
                        let e = after_tries(error, tries);
                        return Err(match failure {
                            Failure::Status { status: 429 | 503, .. } if tries <= o.retry.retries => {
                                let mut e = e;
                                if let ErrorKind::Fetch { reason, .. } = &mut e.kind {
                                    reason.push_str(" (its Retry-After is past the retry budget)");
                                }
                                e
                            }
                            _ => e,
                        });
                    }
                }
            }
        }
    }

    /// The generation of `url`'s file as read with `req` (bumped when it changed under the URL).
    fn generation(&self, url: &str, req: &RequestOptions) -> u64 {
        self.0.lock().files.get(&resource_key(url, req)).map_or(0, |f| f.generation)
    }
}

/// One image's view of a URL through an [`Engine`]: its headers and credentials, its own request counts,
/// and the file as first seen (reads fail once the file changed under the URL).
pub struct EngineSource<T> {
    engine: Engine<T>,
    url: String,
    req: RequestOptions,
    /// Requests this image started, and the bytes they received.
    pub counts: Arc<Counts>,
    generation: u64,
}

impl<T> std::fmt::Debug for EngineSource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineSource").field("url", &self.url).finish_non_exhaustive()
    }
}

impl<T: Transport> EngineSource<T> {
    /// The engine.
    pub fn engine(&self) -> &Engine<T> {
        &self.engine
    }
}

impl<T: Transport> RangeSource for EngineSource<T> {
    fn url(&self) -> &str {
        &self.url
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        super::one_range(self, range).await
    }
    async fn get_ranges(&self, ranges: &[Range<u64>], hints: &ReadHints) -> Result<Vec<Vec<u8>>> {
        if self.engine.generation(&self.url, &self.req) != self.generation {
            let r = ranges.first().cloned().unwrap_or(0..0);
            return Err(Error::new(ErrorKind::Fetch {
                status: None,
                reason: "the file changed under the same URL since the image was opened: open the image again".into(),
            })
            .at_url(&self.url)
            .at_range(r));
        }
        self.engine.read(&self.url, ranges, &self.req, hints, Some(self.counts.clone())).await
    }
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // reads of one range are slices of one range
mod tests {
    //! The engine over an in-memory transport that records every request, its peak concurrency and its
    //! waits, and answers as a range server does (with faults on demand).
    use super::*;
    use crate::source::http::{HttpResponse, ResponseHeaders};
    use std::collections::VecDeque;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    enum Fault {
        Status(u16, Option<&'static str>),
        Drop,
    }

    #[derive(Default)]
    struct Sim {
        file: Mutex<(Vec<u8>, String)>,
        log: Mutex<Vec<Range<u64>>>,
        faults: Mutex<VecDeque<Fault>>,
        active: Mutex<(usize, usize)>,
        slept: Mutex<Vec<f64>>,
        finished: Mutex<usize>,
    }

    #[derive(Clone)]
    struct SimT(Arc<Sim>);

    /// Yields to the executor `n` times (a network round trip).
    struct Yield(u32);
    impl Future for Yield {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 == 0 {
                return Poll::Ready(());
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    /// Lowers the in-flight count when the request ends or is dropped (aborted).
    struct Active(Arc<Sim>);
    impl Drop for Active {
        fn drop(&mut self) {
            self.0.active.lock().unwrap().0 -= 1;
        }
    }

    impl Transport for SimT {
        fn fetch(
            &self,
            req: HttpRequest,
        ) -> impl Future<Output = std::result::Result<HttpResponse, TransportError>> + 'static {
            let sim = self.0.clone();
            async move {
                sim.log.lock().unwrap().push(req.range.clone());
                {
                    let mut a = sim.active.lock().unwrap();
                    a.0 += 1;
                    a.1 = a.1.max(a.0);
                }
                let _active = Active(sim.clone());
                Yield(3).await;
                *sim.finished.lock().unwrap() += 1;
                let (data, etag) = sim.file.lock().unwrap().clone();
                let mut headers = ResponseHeaders { etag: Some(etag), ..Default::default() };
                let status = match sim.faults.lock().unwrap().pop_front() {
                    Some(Fault::Drop) => return Err(TransportError::Network("connection reset".into())),
                    Some(Fault::Status(s, ra)) => {
                        headers.retry_after = ra.map(String::from);
                        s
                    }
                    None => 206,
                };
                let len = data.len() as u64;
                let (a, b) = (req.range.start.min(len), req.range.end.min(len));
                headers.content_range = Some(format!("bytes {a}-{}/{len}", b.saturating_sub(1)));
                let body = if status == 206 { data[a as usize..b as usize].to_vec() } else { vec![] };
                Ok(HttpResponse { status, status_text: String::new(), headers, body, complete: true })
            }
        }
        fn sleep(&self, ms: f64) -> impl Future<Output = ()> + 'static {
            self.0.slept.lock().unwrap().push(ms);
            Yield(1)
        }
        fn now_ms(&self) -> f64 {
            0.0
        }
        fn random(&self) -> f64 {
            0.5
        }
    }

    fn engine(concurrency: usize) -> (Engine<SimT>, Arc<Sim>) {
        let sim = Arc::new(Sim::default());
        *sim.file.lock().unwrap() = ((0..=255u8).cycle().take(100_000).collect(), "\"v1\"".into());
        let opts = EngineOptions { concurrency, ..EngineOptions::default() };
        (Engine::new(SimT(sim.clone()), opts), sim)
    }

    const URL: &str = "http://127.0.0.1:1/f.tif";

    fn bytes(r: Range<u64>) -> Vec<u8> {
        r.map(|i| (i % 256) as u8).collect()
    }

    #[test]
    fn concurrent_asks_share_one_fetch_and_repeats_hit_the_cache() {
        let (e, sim) = engine(6);
        let src = e.source(URL, RequestOptions::default());
        let h = ReadHints::default().header();
        let (a, b) = pollster::block_on(futures_util::future::join(
            src.get_ranges(&[0..16384], &h),
            src.get_ranges(&[100..200, 16000..16384], &h),
        ));
        assert_eq!(a.unwrap(), vec![bytes(0..16384)]);
        assert_eq!(b.unwrap(), vec![bytes(100..200), bytes(16000..16384)]);
        assert_eq!(sim.log.lock().unwrap().clone(), vec![0..16384], "one fetch for both reads");
        let again = pollster::block_on(src.get_ranges(&[50..60], &h)).unwrap();
        assert_eq!(again, vec![bytes(50..60)]);
        let s = e.stats();
        assert_eq!((s.requests, s.shared, s.hits, s.bytes), (1, 2, 1, 16384));
        assert_eq!(src.counts.get(), (1, 16384));
        assert_eq!(s.cache_header_bytes, 16384);
    }

    #[test]
    fn bytes_read_with_headers_or_credentials_are_never_shared_with_reads_without_them() {
        let (e, sim) = engine(6);
        let h = ReadHints::default();
        let plain = RequestOptions::default();
        let secret =
            RequestOptions { headers: vec![("Authorization".into(), "Bearer x".into())], ..Default::default() };
        let cookies = RequestOptions { credentials: Credentials::Include, ..Default::default() };
        for ro in [&plain, &secret, &cookies, &plain, &secret, &cookies] {
            assert_eq!(pollster::block_on(e.read(URL, &[0..100], ro, &h, None)).unwrap(), vec![bytes(0..100)]);
        }
        assert_eq!(sim.log.lock().unwrap().len(), 3, "one fetch per kind of request, repeats from the cache");
        assert_eq!(e.stats().hits, 3);
        let same = RequestOptions { headers: vec![("authorization".into(), "Bearer x".into())], ..Default::default() };
        assert_eq!(resource_key(URL, &same), resource_key(URL, &secret), "header names are case-insensitive");
    }

    #[test]
    fn overlapping_ranges_of_one_read_are_one_request() {
        let (e, sim) = engine(6);
        let out = pollster::block_on(e.read(
            URL,
            &[0..10, 10..20, 5..15, 90..100],
            &RequestOptions::default(),
            &ReadHints::default(),
            None,
        ))
        .unwrap();
        assert_eq!(out, vec![bytes(0..10), bytes(10..20), bytes(5..15), bytes(90..100)]);
        assert_eq!(sim.log.lock().unwrap().clone(), vec![0..20, 90..100]);
    }

    /// Ten reads of priorities 9, 8, …, 0 through a limit of `limit`: (request order, peak in flight).
    fn ten_by_priority(limit: usize) -> (Vec<u64>, usize, u64) {
        let (e, sim) = engine(limit);
        let reads: Vec<_> = (0..10u64)
            .map(|i| {
                let e = e.clone();
                async move {
                    let r = i * 1000..i * 1000 + 10;
                    e.read(URL, &[r], &RequestOptions::default(), &ReadHints::with_priority(9 - i as i32), None).await
                }
            })
            .collect();
        for r in pollster::block_on(futures_util::future::join_all(reads)) {
            r.unwrap();
        }
        let order = sim.log.lock().unwrap().iter().map(|r| r.start / 1000).collect();
        let peak = sim.active.lock().unwrap().1;
        (order, peak, e.stats().peak_active)
    }

    #[test]
    fn at_most_the_limit_in_flight_and_queued_requests_go_by_priority() {
        // One slot: the first is sent at once, the rest nearest (lowest priority number) first.
        assert_eq!(ten_by_priority(1), (vec![0, 9, 8, 7, 6, 5, 4, 3, 2, 1], 1, 1));
        let (_, peak, counted) = ten_by_priority(3);
        assert_eq!((peak, counted), (3, 3));
    }

    #[test]
    fn a_dropped_read_leaves_the_queue_or_is_aborted() {
        let (e, sim) = engine(1);
        let ro = RequestOptions::default();
        let h = ReadHints::default();
        let first = e.read(URL, &[0..10], &ro, &h, None);
        let dropped = e.read(URL, &[500..510], &ro, &h, None);
        let mut first = Box::pin(first);
        let mut dropped = Box::pin(dropped);
        let w = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&w);
        assert!(first.as_mut().poll(&mut cx).is_pending()); // in flight
        assert!(dropped.as_mut().poll(&mut cx).is_pending()); // queued behind it
        drop(dropped);
        assert_eq!(pollster::block_on(first).unwrap(), vec![bytes(0..10)]);
        assert_eq!(sim.log.lock().unwrap().clone(), vec![0..10], "the dropped read was never sent");
        // Dropped in flight: aborted.
        let mut inflight = Box::pin(e.read(URL, &[700..710], &ro, &h, None));
        assert!(inflight.as_mut().poll(&mut cx).is_pending());
        drop(inflight);
        let s = e.stats();
        assert_eq!((s.cancelled, s.aborted, s.active, s.queued), (1, 1, 0, 0));
        assert_eq!(*sim.finished.lock().unwrap(), 1, "the aborted request never completed");
    }

    #[test]
    fn after_the_first_error_the_other_fetches_of_the_read_are_aborted() {
        let (e, sim) = engine(6);
        sim.faults.lock().unwrap().push_back(Fault::Status(404, None));
        let r = pollster::block_on(e.read(
            URL,
            &[0..10, 5000..5010, 9000..9010],
            &RequestOptions::default(),
            &ReadHints::default(),
            None,
        ));
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("HTTP 404") && msg.contains(URL) && msg.contains("bytes 0-9"), "{msg}");
        let s = e.stats();
        assert_eq!((s.requests, s.aborted, s.errors), (3, 2, 1));
    }

    #[test]
    fn retries_5xx_and_dropped_connections_with_backoff_but_never_a_404() {
        let (e, sim) = engine(6);
        sim.faults.lock().unwrap().extend([Fault::Status(500, None), Fault::Drop, Fault::Status(503, None)]);
        let out = pollster::block_on(e.read(URL, &[10..20], &RequestOptions::default(), &ReadHints::default(), None));
        assert_eq!(out.unwrap(), vec![bytes(10..20)]);
        assert_eq!(sim.log.lock().unwrap().len(), 4);
        assert_eq!(sim.slept.lock().unwrap().clone(), vec![150.0, 300.0, 600.0], "backoff doubles (jitter 0.5)");
        assert_eq!(e.stats().retries, 3);
        // Out of retries: the last error, with the count of tries.
        sim.faults.lock().unwrap().extend((0..5).map(|_| Fault::Status(502, None)));
        let msg = pollster::block_on(e.read(URL, &[30..40], &RequestOptions::default(), &ReadHints::default(), None))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("HTTP 502 Bad Gateway") && msg.contains("gave up after 5 tries"), "{msg}");
        // 404: one try.
        sim.log.lock().unwrap().clear();
        sim.faults.lock().unwrap().push_back(Fault::Status(404, None));
        assert!(pollster::block_on(e.read(URL, &[50..60], &RequestOptions::default(), &ReadHints::default(), None))
            .is_err());
        assert_eq!(sim.log.lock().unwrap().len(), 1);
    }

    #[test]
    fn retry_after_is_honoured() {
        let (e, sim) = engine(6);
        sim.faults.lock().unwrap().push_back(Fault::Status(429, Some("3")));
        pollster::block_on(e.read(URL, &[0..10], &RequestOptions::default(), &ReadHints::default(), None)).unwrap();
        assert_eq!(sim.slept.lock().unwrap().clone(), vec![3000.0]);
    }

    #[test]
    fn a_file_changed_under_its_url_is_never_mixed_with_cached_bytes() {
        let (e, sim) = engine(6);
        let src = e.source(URL, RequestOptions::default());
        let h = ReadHints::default();
        pollster::block_on(src.get_ranges(&[0..10], &h)).unwrap();
        sim.file.lock().unwrap().1 = "\"v2\"".into();
        let msg = pollster::block_on(src.get_ranges(&[100..110], &h)).unwrap_err().to_string();
        assert!(
            msg.contains("changed under the same URL (ETag \"v1\" became \"v2\")") && msg.contains("bytes 100-109"),
            "{msg}"
        );
        assert_eq!(e.stats().cache_data_bytes, 0, "the old file's bytes were dropped");
        // Even cached ranges fail for the image that saw the old file; a new image reads the new one.
        let msg = pollster::block_on(src.get_ranges(&[0..10], &h)).unwrap_err().to_string();
        assert!(msg.contains("open the image again"), "{msg}");
        let fresh = e.source(URL, RequestOptions::default());
        assert_eq!(pollster::block_on(fresh.get_ranges(&[0..10], &h)).unwrap(), vec![bytes(0..10)]);
    }
}
