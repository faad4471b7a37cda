//! Finite State Entropy tables (RFC 8878 §4.1): their description in a block, and the decoding table
//! built from it, as libzstd's `FSE_readNCount` and `FSE_buildDTable` build them.

use super::bits::{BackBits, ForwardBits};
use super::{Error, Result};

/// One state of a decoding table: the symbol it stands for, and how the next state is found
/// (`base` + the next `bits` bits).
#[derive(Clone, Copy, Default)]
pub(super) struct Entry {
    pub(super) symbol: u8,
    pub(super) bits: u8,
    pub(super) base: u16,
}

/// A decoding table of `1 << log` states.
#[derive(Clone, Default)]
pub(super) struct Table {
    pub(super) log: u32,
    pub(super) states: Vec<Entry>,
}

impl Table {
    /// The table of normalised counts `counts` (−1: a probability below one) at accuracy `log`.
    pub(super) fn build(counts: &[i16], log: u32) -> Result<Table> {
        let size = 1usize << log;
        let mut states = vec![Entry::default(); size];
        let mut next = [0u16; 256];
        let mut high = size;
        for (s, &c) in counts.iter().enumerate() {
            if c == -1 {
                high = high.checked_sub(1).ok_or(Error("an FSE table with too many rare symbols"))?;
                states[high].symbol = s as u8;
                next[s] = 1;
            } else {
                next[s] = c.max(0) as u16;
            }
        }
        let step = (size >> 1) + (size >> 3) + 3;
        let mask = size - 1;
        let mut pos = 0usize;
        for (s, &c) in counts.iter().enumerate() {
            for _ in 0..c.max(0) {
                states[pos].symbol = s as u8;
                pos = (pos + step) & mask;
                while pos >= high {
                    pos = (pos + step) & mask;
                }
            }
        }
        if pos != 0 {
            return Err(Error("an FSE table whose counts do not fill it"));
        }
        for e in states.iter_mut() {
            let x = next[e.symbol as usize];
            next[e.symbol as usize] += 1;
            let bits = log - (31 - u32::from(x).leading_zeros());
            e.bits = bits as u8;
            e.base = ((u32::from(x) << bits) - size as u32) as u16;
        }
        Ok(Table { log, states })
    }

    /// A table of one state that always stands for `symbol` (a sequence section's RLE mode).
    pub(super) fn rle(symbol: u8) -> Table {
        Table { log: 0, states: vec![Entry { symbol, bits: 0, base: 0 }] }
    }

    /// Reads a table description at the start of `src`: the table, and the bytes the description took.
    /// Symbols may go up to `max_symbol`, the accuracy up to `max_log`.
    pub(super) fn read(src: &[u8], max_symbol: usize, max_log: u32) -> Result<(Table, usize)> {
        let mut bits = ForwardBits::new(src);
        let log = bits.peek(4) + 5;
        bits.skip(4);
        if log > max_log {
            return Err(Error("an FSE table of too high an accuracy"));
        }
        let mut counts = [0i16; 256];
        let mut remaining = (1i32 << log) + 1;
        let mut threshold = 1i32 << log;
        let mut nb = log + 1;
        let mut symbol = 0usize;
        while remaining > 1 {
            if symbol > max_symbol {
                return Err(Error("an FSE table with a symbol out of range"));
            }
            let max = 2 * threshold - 1 - remaining;
            let low = bits.peek(nb - 1) as i32;
            let count = if low < max {
                bits.skip(nb - 1);
                low
            } else {
                let mut v = bits.peek(nb) as i32;
                if v >= threshold {
                    v -= max;
                }
                bits.skip(nb);
                v
            } - 1;
            remaining -= count.abs();
            counts[symbol] = count as i16;
            symbol += 1;
            if count == 0 {
                loop {
                    let repeat = bits.peek(2) as usize;
                    bits.skip(2);
                    symbol += repeat;
                    if repeat != 3 {
                        break;
                    }
                    if symbol > max_symbol + 1 {
                        return Err(Error("an FSE table with a symbol out of range"));
                    }
                }
            }
            while remaining < threshold && nb > 1 {
                nb -= 1;
                threshold >>= 1;
            }
            bits.bytes_read()?;
        }
        if remaining != 1 || symbol > max_symbol + 1 {
            return Err(Error("an FSE table whose counts do not add up"));
        }
        let table = Table::build(&counts[..symbol], log)?;
        Ok((table, bits.bytes_read()?))
    }

    /// The state read from the stream's first `log` bits.
    #[inline(always)]
    pub(super) fn first_state(&self, bits: &mut BackBits) -> usize {
        bits.read(self.log) as usize
    }
}
