//! Counting what a source fetched: requests made and bytes received (the `stats()` of the JS API).

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
