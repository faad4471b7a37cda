//! A local file (native builds only: tests, tools, benchmarks).

use super::RangeSource;
use crate::error::{Error, ErrorKind, Result};
use std::ops::Range;
use std::sync::Mutex;

/// A local file read with seeks.
#[derive(Debug)]
pub struct FileSource {
    path: String,
    file: Mutex<std::fs::File>,
}

impl FileSource {
    /// Opens `path` for reading.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let p = path.as_ref();
        let name = p.display().to_string();
        let file = std::fs::File::open(p)
            .map_err(|e| Error::new(ErrorKind::Fetch { status: None, reason: e.to_string() }).at_url(&name))?;
        Ok(FileSource { path: name, file: Mutex::new(file) })
    }
}

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
