//! Bytes held in memory (a file already downloaded, or test data).

use super::{slice_range, RangeSource};
use crate::error::Result;
use std::ops::Range;
use std::sync::Arc;

/// Bytes held in memory, shared between clones.
#[derive(Debug, Clone)]
pub struct MemorySource {
    name: String,
    data: Arc<Vec<u8>>,
}

impl MemorySource {
    /// Wraps `data`, calling it `name` in errors.
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> Self {
        MemorySource { name: name.into(), data: Arc::new(data) }
    }
}

impl RangeSource for MemorySource {
    fn url(&self) -> &str {
        &self.name
    }
    async fn get_bytes(&self, range: Range<u64>) -> Result<Vec<u8>> {
        Ok(slice_range(&self.data, &range))
    }
}
