//! The two bit orders of Zstandard (RFC 8878 §4.1): FSE table descriptions are read forwards, lowest
//! bit first; Huffman and FSE streams backwards, from the highest bit of their last byte.

use super::{Error, Result};

/// The error of a backward stream whose last byte is 0.
pub(super) const NO_END_MARK: &str = "a bit stream whose last byte has no end mark";

/// A backward bit stream: the encoder's last bit is read first. The 64-bit container holds the 8
/// bytes at `ptr`; `consumed` counts its bits already read, from the top. As libzstd's `BIT_DStream`,
/// reading past the stream's start reads garbage without a panic; [`BackBits::finished`] then says no.
pub(super) struct BackBits<'a> {
    src: &'a [u8],
    ptr: usize,
    container: u64,
    consumed: u32,
}

impl<'a> BackBits<'a> {
    /// A stream over `src`, past the end mark (the highest set bit of the last byte).
    pub(super) fn new(src: &'a [u8]) -> Result<Self> {
        let Some(&last) = src.last() else { return Err(Error("an empty bit stream")) };
        if last == 0 {
            return Err(Error(NO_END_MARK));
        }
        let mark = last.leading_zeros() + 1;
        Ok(if src.len() >= 8 {
            let ptr = src.len() - 8;
            BackBits { src, ptr, container: load(src, ptr), consumed: mark }
        } else {
            let container = src.iter().rev().fold(0u64, |c, &b| (c << 8) | u64::from(b));
            BackBits { src, ptr: 0, container, consumed: mark + 8 * (8 - src.len() as u32) }
        })
    }

    /// The next `n` bits (at most 56 after a refill that found the stream far from its start).
    #[inline(always)]
    pub(super) fn read(&mut self, n: u32) -> u64 {
        let v = (self.container.wrapping_shl(self.consumed) >> 1) >> (63 - n);
        self.consumed += n;
        v
    }

    /// The next `n` bits (1 to 12) without reading them.
    #[inline(always)]
    pub(super) fn peek(&self, n: u32) -> usize {
        (self.container.wrapping_shl(self.consumed) >> (64 - n)) as usize
    }

    /// Marks `n` peeked bits read.
    #[inline(always)]
    pub(super) fn skip(&mut self, n: u32) {
        self.consumed += n;
    }

    /// Whether [`BackBits::refill_fast`] may be used: at least 8 bytes lie before the container.
    #[inline(always)]
    pub(super) fn far_from_start(&self) -> bool {
        self.ptr >= 8
    }

    /// Refills the container to 57 or more unread bits; only when [`BackBits::far_from_start`] and at
    /// most 64 bits were read since the last refill.
    #[inline(always)]
    pub(super) fn refill_fast(&mut self) {
        self.ptr -= (self.consumed >> 3) as usize;
        self.consumed &= 7;
        self.container = load(self.src, self.ptr);
    }

    /// Refills the container as far as the stream allows; false once bits past its start were read
    /// (a corrupt stream, or the last symbol of an FSE weight stream).
    #[inline]
    pub(super) fn refill(&mut self) -> bool {
        if self.consumed > 64 {
            return false;
        }
        if self.far_from_start() {
            self.refill_fast();
        } else if self.ptr > 0 {
            let n = ((self.consumed >> 3) as usize).min(self.ptr);
            self.ptr -= n;
            self.consumed -= 8 * n as u32;
            self.container = load(self.src, self.ptr);
        }
        true
    }

    /// Whether every bit was read, and no more.
    pub(super) fn finished(&self) -> bool {
        self.ptr == 0 && self.consumed == 64
    }
}

#[inline(always)]
fn load(src: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(src[at..at + 8].try_into().unwrap())
}

/// A forward bit stream, lowest bit of the first byte first (FSE table descriptions).
pub(super) struct ForwardBits<'a> {
    src: &'a [u8],
    /// Bits read so far.
    pub(super) pos: usize,
}

impl<'a> ForwardBits<'a> {
    pub(super) fn new(src: &'a [u8]) -> Self {
        ForwardBits { src, pos: 0 }
    }

    /// The next `n` (at most 25) bits without reading them; past the end they are zeros.
    pub(super) fn peek(&self, n: u32) -> u32 {
        let byte = self.pos / 8;
        let mut word = 0u32;
        for (i, &b) in self.src.iter().skip(byte).take(4).enumerate() {
            word |= u32::from(b) << (8 * i);
        }
        (word >> (self.pos % 8)) & ((1u32 << n) - 1)
    }

    pub(super) fn skip(&mut self, n: u32) {
        self.pos += n as usize;
    }

    /// The bytes read so far, the last one whole; an error if that is past the end.
    pub(super) fn bytes_read(&self) -> Result<usize> {
        let n = self.pos.div_ceil(8);
        if n > self.src.len() {
            return Err(Error("an FSE table description longer than its block"));
        }
        Ok(n)
    }
}
