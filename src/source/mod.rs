//! Byte-range sources: where a COG's bytes come from, and the small pieces every reader of them uses.
//!
//! One trait, [`RangeSource`], with an in-memory source, a file source for native tests and tools, and
//! (on wasm32) a `fetch` source that works the same in pages, workers and Node 20; a request counter
//! ([`Counts`]), the merging of nearby ranges into one request ([`merge_ranges`]) and the byte-budget
//! LRU that holds decoded tiles ([`ByteLru`]).

pub mod cache;
pub mod counting;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(not(target_arch = "wasm32"))]
pub mod file;
pub mod memory;
pub mod merge;

pub use cache::ByteLru;
pub use counting::Counts;
#[cfg(target_arch = "wasm32")]
pub use fetch::FetchSource;
#[cfg(not(target_arch = "wasm32"))]
pub use file::FileSource;
pub use memory::MemorySource;
pub use merge::merge_ranges;

use crate::error::Result;
use std::future::Future;
use std::ops::Range;

/// A random-access byte source.
///
/// `get_bytes` returns the bytes of `range`, shorter only when the range passes the end of the file
/// (empty when it starts past the end).
pub trait RangeSource {
    /// The URL or path, for error messages.
    fn url(&self) -> &str;
    /// Reads `range`.
    fn get_bytes(&self, range: Range<u64>) -> impl Future<Output = Result<Vec<u8>>>;
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
