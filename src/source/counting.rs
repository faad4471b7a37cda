//! Counting what a source fetched: requests made and bytes received per image ([`Counts`], the image's
//! `stats()`), and the fetch engine's counters ([`EngineStats`], `engine.stats()`).

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Requests made and bytes received so far.
#[derive(Debug, Default)]
pub struct Counts {
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl Counts {
    /// Counts one request.
    pub fn request(&self) {
        self.requests.fetch_add(1, Relaxed);
    }
    /// Counts `n` bytes received.
    pub fn received(&self, n: usize) {
        self.bytes.fetch_add(n as u64, Relaxed);
    }
    /// (requests, bytes) so far.
    pub fn get(&self) -> (u64, u64) {
        (self.requests.load(Relaxed), self.bytes.load(Relaxed))
    }
}

/// What the fetch engine did so far (`engine.stats()`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineStats {
    /// HTTP requests sent (retries included).
    pub requests: u64,
    /// Body bytes received (what arrived, not what `Content-Length` said).
    pub bytes: u64,
    /// Ranges answered from the cache without a request.
    pub hits: u64,
    /// Ranges that joined a fetch another read had started.
    pub shared: u64,
    /// Requests sent again after a 5xx, a 429, a dropped connection or a timeout.
    pub retries: u64,
    /// Requests dropped from the queue before they were sent (nobody wanted them any more).
    pub cancelled: u64,
    /// Requests aborted while in flight (nobody wanted them any more, or the body was not needed).
    pub aborted: u64,
    /// Reads that failed.
    pub errors: u64,
    /// Timeouts (no answer, or a body that stalled).
    pub timeouts: u64,
    /// Requests waiting for a connection slot now.
    pub queued: u64,
    /// Requests in flight now.
    pub active: u64,
    /// Most requests in flight to one origin at once so far.
    pub peak_active: u64,
    /// Bytes held by the cache: header bytes.
    pub cache_header_bytes: u64,
    /// Bytes held by the cache: tile bytes.
    pub cache_data_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn counts_requests_and_bytes() {
        let c = Counts::default();
        c.request();
        c.received(10);
        c.request();
        c.received(5);
        assert_eq!(c.get(), (2, 15));
    }
}
