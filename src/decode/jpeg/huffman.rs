//! Huffman tables (libjpeg's `jpeg_make_d_derived_tbl`), the entropy-coded bit reader (byte stuffing,
//! markers, restart intervals) and the decoding of one 8×8 block of coefficients.

use crate::error::{Error, Result};

/// Bits resolved by one table look-up; longer codes take the canonical (maxcode) path.
const LOOKAHEAD: u32 = 9;

/// Zig-zag position → natural (row-major) position, with 16 extra entries of 63 so that a corrupt run
/// length past the end of the block lands on the last coefficient, as in libjpeg's `jpeg_natural_order`.
pub const NATURAL_ORDER: [usize; 80] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
    47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
];

/// A decoding table built from a DHT segment's code counts and symbols.
#[derive(Clone)]
pub struct HuffTable {
    /// `(length << 8) | symbol` for codes of at most `LOOKAHEAD` bits, indexed by the next 9 bits; 0 = longer.
    fast: [u16; 1 << LOOKAHEAD],
    /// For AC tables: `(value << 8) | (run << 4) | total_bits` when code and extra bits together fit in
    /// the look-ahead and the coefficient is non-zero; 0 otherwise.
    fast_ac: [i32; 1 << LOOKAHEAD],
    /// Largest code of each length (-1 if none), index 17 = sentinel.
    maxcode: [i32; 18],
    /// Symbol index offset per length: `symbols[code + valoffset[l]]`.
    valoffset: [i32; 17],
    symbols: [u8; 256],
}

impl HuffTable {
    /// Builds a table from the 16 code counts and the symbols; `dc` tables may only hold sizes 0..=15.
    pub fn new(counts: &[u8; 16], symbols: &[u8], dc: bool) -> Result<Self> {
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if total > 256 || total > symbols.len() {
            return Err(Error::decode("JPEG", "bad Huffman table (more than 256 codes)"));
        }
        if dc && symbols[..total].iter().any(|&s| s > 15) {
            return Err(Error::decode("JPEG", "bad Huffman table (DC size over 15)"));
        }
        let mut t = HuffTable {
            fast: [0; 1 << LOOKAHEAD],
            fast_ac: [0; 1 << LOOKAHEAD],
            maxcode: [-1; 18],
            valoffset: [0; 17],
            symbols: [0; 256],
        };
        t.symbols[..total].copy_from_slice(&symbols[..total]);
        let last_len = counts.iter().rposition(|&c| c > 0).map_or(0, |i| i + 1);
        let (mut code, mut k) = (0i32, 0usize);
        for len in 1..=16usize {
            let n = counts[len - 1] as usize;
            if n > 0 {
                t.valoffset[len] = k as i32 - code;
                for _ in 0..n {
                    if code >= (1 << len) {
                        return Err(Error::decode("JPEG", "bad Huffman table (code space overflow)"));
                    }
                    if len as u32 <= LOOKAHEAD {
                        let shift = LOOKAHEAD - len as u32;
                        let base = (code as usize) << shift;
                        let sym = t.symbols[k];
                        for e in base..base + (1usize << shift) {
                            t.fast[e] = ((len as u16) << 8) | sym as u16;
                            let size = (sym & 15) as u32;
                            if !dc && size != 0 && len as u32 + size <= LOOKAHEAD {
                                let extra = ((e >> (LOOKAHEAD - len as u32 - size)) & ((1 << size) - 1)) as i32;
                                let value = extend(extra, size);
                                t.fast_ac[e] = (value << 8) | (((sym >> 4) as i32) << 4) | (len as i32 + size as i32);
                            }
                        }
                    }
                    code += 1;
                    k += 1;
                }
                t.maxcode[len] = code - 1;
            }
            // jdhuff.c: up to the longest length used, codes must fit in `len` bits and not be all ones.
            if len <= last_len && code >= (1 << len) {
                return Err(Error::decode("JPEG", "bad Huffman table (code space overflow)"));
            }
            code <<= 1;
        }
        t.maxcode[17] = i32::MAX;
        Ok(t)
    }
}

/// `HUFF_EXTEND`: the signed value of `s` extra bits `v`.
#[inline(always)]
fn extend(v: i32, s: u32) -> i32 {
    if s == 0 {
        0
    } else if v < (1 << (s - 1)) {
        v - (1 << s) + 1
    } else {
        v
    }
}

/// Reads entropy-coded bits MSB first, removing stuffed zero bytes; at a marker (or the end of the data)
/// it supplies zero bits, as libjpeg does for a truncated scan.
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    buf: u64,
    nbits: u32,
    /// A marker (or the end) was reached: only zero bits follow.
    at_marker: bool,
}

impl<'a> BitReader<'a> {
    /// Starts reading at `data[pos]`.
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader { data, pos, buf: 0, nbits: 0, at_marker: false }
    }

    /// Position of the first byte not yet taken into the bit buffer.
    pub fn position(&self) -> usize {
        self.pos
    }

    #[inline(always)]
    fn refill(&mut self) {
        // Fast path: 8 bytes none of which is 0xFF.
        if let Some(chunk) = self.data.get(self.pos..self.pos + 8) {
            let w = u64::from_be_bytes(chunk.try_into().unwrap_or([0; 8]));
            let inv = !w;
            if (inv.wrapping_sub(0x0101_0101_0101_0101) & !inv & 0x8080_8080_8080_8080) == 0 {
                let take = (64 - self.nbits) / 8;
                let total = self.nbits + take * 8;
                let mut v = w >> self.nbits;
                if total < 64 {
                    v &= !((1u64 << (64 - total)) - 1);
                }
                self.buf |= v;
                self.nbits = total;
                self.pos += take as usize;
                return;
            }
        }
        self.refill_slow();
    }

    #[cold]
    fn refill_slow(&mut self) {
        while self.nbits <= 56 {
            let mut byte = 0u8;
            if !self.at_marker {
                match self.data.get(self.pos) {
                    Some(&0xFF) => match self.data.get(self.pos + 1) {
                        Some(0x00) => {
                            byte = 0xFF;
                            self.pos += 2;
                        }
                        _ => self.at_marker = true,
                    },
                    Some(&b) => {
                        byte = b;
                        self.pos += 1;
                    }
                    None => self.at_marker = true,
                }
            }
            self.buf |= (byte as u64) << (56 - self.nbits);
            self.nbits += 8;
        }
    }

    #[inline(always)]
    fn ensure(&mut self, n: u32) {
        if self.nbits < n {
            self.refill();
        }
    }

    #[inline(always)]
    fn peek(&self, n: u32) -> u32 {
        (self.buf >> (64 - n)) as u32
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.nbits -= n;
    }

    /// `n` (1..=16) bits as an unsigned value; the caller ensured they are buffered.
    #[inline(always)]
    fn bits(&mut self, n: u32) -> i32 {
        let v = self.peek(n) as i32;
        self.consume(n);
        v
    }

    /// One Huffman symbol; at least 32 bits must be buffered.
    #[inline(always)]
    fn symbol(&mut self, t: &HuffTable) -> u8 {
        let e = t.fast[self.peek(LOOKAHEAD) as usize];
        if e != 0 {
            self.consume((e >> 8) as u32);
            return e as u8;
        }
        self.symbol_slow(t)
    }

    #[cold]
    fn symbol_slow(&mut self, t: &HuffTable) -> u8 {
        let mut len = LOOKAHEAD as usize + 1;
        let mut code = self.peek(len as u32) as i32;
        while len <= 16 && code > t.maxcode[len] {
            len += 1;
            code = self.peek(len.min(16) as u32) as i32;
        }
        if len > 16 {
            // libjpeg: "Corrupt JPEG data: bad Huffman code", the symbol is taken as 0.
            self.consume(16);
            return 0;
        }
        self.consume(len as u32);
        t.symbols[((code + t.valoffset[len]) & 0xFF) as usize]
    }

    /// Decodes one block's coefficients (zig-zag → natural order) into `coef`, which must be all zero.
    /// Returns the zig-zag index of the last coefficient written (0: the block holds only its DC).
    #[inline(always)]
    pub fn block(&mut self, coef: &mut [i16; 64], dc: &HuffTable, ac: &HuffTable, pred: &mut i32) -> usize {
        self.ensure(32);
        let s = self.symbol(dc) as u32;
        let diff = if s != 0 {
            let v = self.bits(s);
            extend(v, s)
        } else {
            0
        };
        *pred = pred.wrapping_add(diff);
        coef[0] = *pred as i16;
        let mut last = 0;
        let mut k = 1usize;
        while k < 64 {
            self.ensure(32);
            let f = ac.fast_ac[self.peek(LOOKAHEAD) as usize];
            if f != 0 {
                self.consume((f & 15) as u32);
                k += ((f >> 4) & 15) as usize;
                let pos = NATURAL_ORDER[k.min(79)];
                coef[pos] = (f >> 8) as i16;
                last = k;
                k += 1;
                continue;
            }
            let rs = self.symbol(ac);
            let (r, s) = ((rs >> 4) as usize, (rs & 15) as u32);
            if s != 0 {
                k += r;
                let v = self.bits(s);
                coef[NATURAL_ORDER[k.min(79)]] = extend(v, s) as i16;
                last = k;
            } else if r == 15 {
                k += 15;
            } else {
                break;
            }
            k += 1;
        }
        last.min(63)
    }

    /// At a restart boundary: drops the buffered bits, skips to the next marker and, if it is an RSTn,
    /// past it. Returns false when no marker was found (the data ended).
    pub fn restart(&mut self) -> bool {
        self.buf = 0;
        self.nbits = 0;
        self.at_marker = false;
        // libjpeg's next_marker: discard bytes until 0xFF followed by a non-zero, non-0xFF byte.
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xFF {
                let m = self.data[self.pos + 1];
                if (0xD0..=0xD7).contains(&m) {
                    self.pos += 2;
                    return true;
                }
                if m != 0 && m != 0xFF {
                    // Another marker (e.g. EOI): leave it, the rest of the scan reads zeros.
                    self.at_marker = true;
                    return true;
                }
            }
            self.pos += 1;
        }
        self.at_marker = true;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts that ask for more codes of a length than the code space holds are refused, not indexed.
    #[test]
    fn overfull_table_is_an_error() {
        let mut counts = [0u8; 16];
        counts[0] = 3; // three 1-bit codes
        assert!(HuffTable::new(&counts, &[0, 1, 2], false).is_err());
        counts[0] = 2; // "0" and "1": all ones is not allowed either (jdhuff.c)
        assert!(HuffTable::new(&counts, &[0, 1], false).is_err());
        counts[0] = 1;
        assert!(HuffTable::new(&counts, &[0], false).is_ok());
    }
}
