//! Byte-range sources: where a COG's bytes come from, and the fetch engine that reads them over HTTP.
//!
//! One trait, [`RangeSource`] (one range, or a batch of ranges wanted together with [`ReadHints`]), with
//! an in-memory source, a file source for native tests and tools, and the fetch [`Engine`]: one per JS
//! realm, shared by every image, reading any static host or S3 with range requests through a
//! [`Transport`] (`fetch` on wasm32: pages, workers, service workers and Node 20 alike). The engine's parts
//! are one module each: the HTTP exchange and its errors ([`http`]), the per-origin limiter with priority
//! and cancellation ([`limiter`]), the planner that merges ranges wanted together ([`plan`]), the
//! byte-budget caches ([`cache`]), the retry policy ([`retry`]) and the counters ([`counting`]).

pub mod cache;
#[cfg(target_arch = "wasm32")]
pub mod callback;
pub mod counting;
pub mod engine;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(not(target_arch = "wasm32"))]
pub mod file;
pub mod hints;
pub mod http;
pub mod limiter;
pub mod memory;
pub mod merge;
pub mod plan;
pub mod retry;

pub use cache::{ByteLru, RangeCache};
pub use counting::{Counts, EngineStats};
pub use engine::{Engine, EngineOptions, EngineSource, RequestOptions};
#[cfg(target_arch = "wasm32")]
pub use fetch::FetchTransport;
#[cfg(not(target_arch = "wasm32"))]
pub use file::FileSource;
pub use hints::{ReadHints, ReadKind};
pub use http::{HttpRequest, HttpResponse, Transport, TransportError};
pub use memory::MemorySource;
pub use merge::merge_ranges;

use crate::error::Result;
use futures_util::future::try_join_all;
use std::future::Future;
use std::ops::Range;

/// Ranges closer than this are read as one by [`RangeSource::get_ranges`]'s default (local files, memory).
pub const DEFAULT_MERGE_GAP: u64 = 64 << 10;
/// Largest read [`RangeSource::get_ranges`]'s default merges ranges into, in bytes.
pub const DEFAULT_MERGE_CAP: u64 = 16 << 20;

/// A random-access byte source.
///
/// `get_bytes` returns the bytes of `range`, shorter only when the range passes the end of the file
/// (empty when it starts past the end); `get_ranges` reads ranges wanted together, answering in input order.
pub trait RangeSource {
    /// The URL or path, for error messages.
    fn url(&self) -> &str;
    /// Reads `range`.
    fn get_bytes(&self, range: Range<u64>) -> impl Future<Output = Result<Vec<u8>>>;
    /// Reads ranges wanted together (the tiles of one window, the header chunks of one lookup), in input
    /// order. The default merges ranges closer than [`DEFAULT_MERGE_GAP`] into one `get_bytes` and reads
    /// the merged ranges concurrently; the fetch engine plans, shares, caches and prioritises instead.
    fn get_ranges(&self, ranges: &[Range<u64>], hints: &ReadHints) -> impl Future<Output = Result<Vec<Vec<u8>>>> {
        let _ = hints;
        async move {
            let groups = merge_ranges(ranges.to_vec(), DEFAULT_MERGE_GAP, DEFAULT_MERGE_CAP);
            let fetched = try_join_all(groups.iter().map(|g| self.get_bytes(g.clone()))).await?;
            let pieces: Vec<(Range<u64>, &[u8])> =
                groups.iter().cloned().zip(fetched.iter().map(|b| b.as_slice())).collect();
            Ok(ranges.iter().map(|r| plan::cut(r, &pieces)).collect())
        }
    }
}

/// `get_bytes` of a source that reads in batches: `range` alone through `get_ranges`, default hints.
pub async fn one_range<S: RangeSource>(src: &S, range: Range<u64>) -> Result<Vec<u8>> {
    let mut v = src.get_ranges(std::slice::from_ref(&range), &ReadHints::default()).await?;
    Ok(v.pop().unwrap_or_default())
}

/// The part of `data` inside `range` (clipped at the end).
pub fn slice_range(data: &[u8], range: &Range<u64>) -> Vec<u8> {
    let len = data.len() as u64;
    let start = range.start.min(len) as usize;
    let end = range.end.min(len).max(range.start.min(len)) as usize;
    data[start..end].to_vec()
}

/// What a `fetch` request sends of the page's credentials (cookies, HTTP authentication, client
/// certificates): the values of the Fetch API's `credentials` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    /// `'omit'`: never.
    Omit,
    /// `'same-origin'` (the Fetch API's default): to the page's own origin only.
    #[default]
    SameOrigin,
    /// `'include'`: to any origin (the server must allow it with CORS).
    Include,
}
