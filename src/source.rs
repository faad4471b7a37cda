//! Byte-range sources: where a COG's bytes come from.
//!
//! One trait, [`RangeSource`], with a file source for native tests and tools, an in-memory source, and
//! (on wasm32) a `fetch` source that works the same in pages, workers and Node 20.

use crate::error::Result;
#[cfg(not(target_arch = "wasm32"))]
use crate::error::{Error, ErrorKind};
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

/// Bytes held in memory (a file already downloaded, or test data).
#[derive(Debug, Clone)]
pub struct MemorySource {
    name: String,
    data: std::sync::Arc<Vec<u8>>,
}

impl MemorySource {
    /// Wraps `data`, calling it `name` in errors.
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> Self {
        MemorySource { name: name.into(), data: std::sync::Arc::new(data) }
    }
}

/// The part of `data` inside `range` (clipped at the end).
pub fn slice_range(data: &[u8], range: &Range<u64>) -> Vec<u8> {
    let len = data.len() as u64;
    let start = range.start.min(len) as usize;
    let end = range.end.min(len).max(range.start.min(len)) as usize;
    data[start..end].to_vec()
}

impl RangeSource for MemorySource {
    fn url(&self) -> &str {
        &self.name
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        Ok(slice_range(&self.data, &range))
    }
}

/// A local file (native builds only).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug)]
pub struct FileSource {
    path: String,
    file: std::sync::Mutex<std::fs::File>,
}

#[cfg(not(target_arch = "wasm32"))]
impl FileSource {
    /// Opens `path` for reading.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let p = path.as_ref();
        let name = p.display().to_string();
        let file = std::fs::File::open(p)
            .map_err(|e| Error::new(ErrorKind::Fetch { status: None, reason: e.to_string() }).at_url(&name))?;
        Ok(FileSource { path: name, file: std::sync::Mutex::new(file) })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl RangeSource for FileSource {
    fn url(&self) -> &str {
        &self.path
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let io_err = |e: std::io::Error| {
            Error::new(ErrorKind::Fetch { status: None, reason: e.to_string() })
                .at_url(&self.path)
                .at_range(range.clone())
        };
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let len = f.metadata().map_err(io_err)?.len();
        let start = range.start.min(len);
        let end = range.end.min(len).max(start);
        let mut buf = vec![0u8; (end - start) as usize];
        f.seek(SeekFrom::Start(start)).map_err(io_err)?;
        f.read_exact(&mut buf).map_err(io_err)?;
        Ok(buf)
    }
}

/// Counts requests and bytes through any source (for tests and the demo's statistics).
#[derive(Debug)]
pub struct CountingSource<S> {
    inner: S,
    requests: std::sync::atomic::AtomicU64,
    bytes: std::sync::atomic::AtomicU64,
}

impl<S> CountingSource<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        CountingSource { inner, requests: 0.into(), bytes: 0.into() }
    }
    /// (requests, bytes) so far.
    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.requests.load(Relaxed), self.bytes.load(Relaxed))
    }
}

impl<S: RangeSource> RangeSource for CountingSource<S> {
    fn url(&self) -> &str {
        self.inner.url()
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        use std::sync::atomic::Ordering::Relaxed;
        let out = self.inner.get_bytes(range).await?;
        self.requests.fetch_add(1, Relaxed);
        self.bytes.fetch_add(out.len() as u64, Relaxed);
        Ok(out)
    }
}
