//! Caps for untrusted files, checked before every allocation and fetch whose size comes from the file.

use crate::error::{Error, Result};

/// Caps applied while reading a file. `Default` suits a browser tab; raise them for trusted data.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest image width or height, in pixels (default 2^20).
    pub max_dimension: u64,
    /// Largest compressed tile or strip, in bytes (default 64 MiB).
    pub max_tile_bytes: u64,
    /// Largest decompressed tile or strip, in bytes (default 256 MiB).
    pub max_decoded_bytes: u64,
    /// Largest out-of-line tag value read eagerly, in bytes (default 16 MiB).
    pub max_ifd_value_bytes: u64,
    /// Most IFDs followed in a chain (default 1024).
    pub max_ifds: usize,
    /// Largest window a single read may return, in bytes (default 512 MiB).
    pub max_window_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_dimension: 1 << 20,
            max_tile_bytes: 64 << 20,
            max_decoded_bytes: 256 << 20,
            max_ifd_value_bytes: 16 << 20,
            max_ifds: 1024,
            max_window_bytes: 512 << 20,
        }
    }
}

/// Multiplies sizes with overflow and a cap: `what` names the quantity in the error.
pub fn checked_size(what: &'static str, limit: u64, factors: &[u64]) -> Result<u64> {
    let mut total: u64 = 1;
    for &f in factors {
        total = total.checked_mul(f).ok_or_else(|| Error::limit(what, limit, u64::MAX))?;
    }
    if total > limit {
        return Err(Error::limit(what, limit, total));
    }
    Ok(total)
}
