//! Huffman-coded literals (RFC 8878 §4.2): the tree description, a single-symbol decoding table, and
//! one or four interleaved backward streams.

use super::bits::BackBits;
use super::fse::Table as FseTable;
use super::{Error, Result};

/// The error of a Huffman stream with bits left over, or too few.
pub(super) const HUFFMAN_END: &str = "a Huffman stream that does not end with its literals";

/// The longest code libzstd decodes (`HUF_TABLELOG_MAX`).
const MAX_BITS: u32 = 12;

/// A decoding table indexed by the next `bits` bits of a stream: each entry is the symbol (low byte)
/// and its code length (high byte).
pub(super) struct Table {
    bits: u32,
    entries: Box<[u16; 1 << MAX_BITS]>,
}

impl Table {
    /// Reads a tree description at the start of `src`: the table, and the bytes the description took.
    pub(super) fn read(src: &[u8]) -> Result<(Table, usize)> {
        let Some(&head) = src.first() else { return Err(Error("a literals section without its Huffman tree")) };
        let mut weights = [0u8; 256];
        let (count, used) = if head >= 128 {
            let count = usize::from(head) - 127;
            let used = 1 + count.div_ceil(2);
            let packed = src.get(1..used).ok_or(Error("a Huffman tree longer than its block"))?;
            for (i, w) in weights[..count].iter_mut().enumerate() {
                *w = (packed[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 15;
            }
            (count, used)
        } else {
            let used = 1 + usize::from(head);
            let fse = src.get(1..used).ok_or(Error("a Huffman tree longer than its block"))?;
            (fse_weights(fse, &mut weights)?, used)
        };
        Ok((Table::from_weights(&mut weights, count)?, used))
    }

    /// The table of the `count` weights given (the last symbol's weight is implied, and filled in).
    fn from_weights(weights: &mut [u8; 256], count: usize) -> Result<Table> {
        if count >= 256 {
            return Err(Error("a Huffman tree of more than 256 symbols"));
        }
        let mut total = 0u32;
        for &w in &weights[..count] {
            if u32::from(w) > MAX_BITS {
                return Err(Error("a Huffman weight over 12"));
            }
            total += (1u32 << w) >> 1;
        }
        if total == 0 {
            return Err(Error("a Huffman tree of no weights"));
        }
        let bits = 32 - total.leading_zeros();
        if bits > MAX_BITS {
            return Err(Error("a Huffman tree deeper than 12 bits"));
        }
        let rest = (1u32 << bits) - total;
        if !rest.is_power_of_two() {
            return Err(Error("a Huffman tree whose weights do not add up"));
        }
        weights[count] = rest.trailing_zeros() as u8 + 1;
        let symbols = count + 1;
        let mut per_weight = [0u32; MAX_BITS as usize + 2];
        for &w in &weights[..symbols] {
            per_weight[usize::from(w)] += 1;
        }
        if per_weight[1] < 2 || per_weight[1] % 2 == 1 {
            return Err(Error("a Huffman tree with an odd number of the longest codes"));
        }
        let mut entries = Box::new([0u16; 1 << MAX_BITS]);
        let mut at = 0usize;
        for w in 1..=bits as u8 {
            let span = 1usize << (w - 1);
            let entry = ((bits + 1 - u32::from(w)) as u16) << 8;
            for (s, _) in weights[..symbols].iter().enumerate().filter(|&(_, &x)| x == w) {
                entries[at..at + span].fill(entry | s as u16);
                at += span;
            }
        }
        Ok(Table { bits, entries })
    }

    #[inline(always)]
    fn decode(&self, s: &mut BackBits) -> u8 {
        let e = self.entries[s.peek(self.bits) & ((1 << MAX_BITS) - 1)];
        s.skip(u32::from(e >> 8));
        e as u8
    }

    /// Decodes one stream, `src`, into the whole of `dst`.
    pub(super) fn decode1(&self, src: &[u8], dst: &mut [u8]) -> Result<()> {
        self.decode_rest(&mut BackBits::new(src)?, dst)
    }

    /// Decodes the rest of stream `s` into the whole of `dst`, four symbols per refill while the
    /// stream is far from its start; the stream must end exactly there.
    #[inline(always)]
    fn decode_rest(&self, s: &mut BackBits, dst: &mut [u8]) -> Result<()> {
        let mut i = 0;
        while i + 4 <= dst.len() && s.far_from_start() {
            s.refill_fast();
            for d in &mut dst[i..i + 4] {
                *d = self.decode(s);
            }
            i += 4;
        }
        for d in &mut dst[i..] {
            if !s.refill() {
                break;
            }
            *d = self.decode(s);
        }
        if !s.finished() {
            return Err(Error(HUFFMAN_END));
        }
        Ok(())
    }

    /// Decodes four streams behind a jump table, `src`, into `dst`, a quarter (rounded up) each, the
    /// fourth stream the rest.
    pub(super) fn decode4(&self, src: &[u8], dst: &mut [u8]) -> Result<()> {
        if src.len() < 10 || dst.len() < 6 {
            return Err(Error("four Huffman streams of under 6 literals, or in fewer than 10 bytes"));
        }
        let size = |i: usize| usize::from(u16::from_le_bytes([src[i], src[i + 1]]));
        let (a, b, c) = (size(0), size(2), size(4));
        let rest = (src.len() - 6).checked_sub(a + b + c).ok_or(Error("a Huffman jump table past its streams"))?;
        let quarter = dst.len().div_ceil(4);
        let last = dst.len().checked_sub(3 * quarter).ok_or(Error("four Huffman streams of under 6 literals"))?;
        let streams =
            [&src[6..6 + a], &src[6 + a..6 + a + b], &src[6 + a + b..6 + a + b + c], &src[src.len() - rest..]];
        let mut bits = [
            BackBits::new(streams[0])?,
            BackBits::new(streams[1])?,
            BackBits::new(streams[2])?,
            BackBits::new(streams[3])?,
        ];
        let (d0, r) = dst.split_at_mut(quarter);
        let (d1, r) = r.split_at_mut(quarter);
        let (d2, d3) = r.split_at_mut(quarter);
        let mut i = 0;
        while i + 4 <= last && bits.iter().all(|s| s.far_from_start()) {
            for s in bits.iter_mut() {
                s.refill_fast();
            }
            for j in i..i + 4 {
                d0[j] = self.decode(&mut bits[0]);
                d1[j] = self.decode(&mut bits[1]);
                d2[j] = self.decode(&mut bits[2]);
                d3[j] = self.decode(&mut bits[3]);
            }
            i += 4;
        }
        for (s, d) in bits.iter_mut().zip([d0, d1, d2, d3]) {
            self.decode_rest(s, &mut d[i..])?;
        }
        Ok(())
    }
}

/// Reads FSE-compressed Huffman weights from `src` into `weights`; returns how many.
fn fse_weights(src: &[u8], weights: &mut [u8; 256]) -> Result<usize> {
    let (table, used) = FseTable::read(src, 255, 6)?;
    let mut s = BackBits::new(&src[used..])?;
    let mut one = table.first_state(&mut s);
    let mut two = table.first_state(&mut s);
    let mut n = 0;
    let step = |state: &mut usize, s: &mut BackBits| {
        let e = table.states[*state];
        *state = usize::from(e.base) + s.read(u32::from(e.bits)) as usize;
        e.symbol
    };
    // As libzstd's FSE_decompress_usingDTable: the two states take turns until a state's update
    // reads past the stream's start; the other state's symbol is then the last weight.
    loop {
        if n + 2 > 255 {
            return Err(Error("more than 255 Huffman weights"));
        }
        weights[n] = step(&mut one, &mut s);
        n += 1;
        if !s.refill() {
            weights[n] = table.states[two].symbol;
            return Ok(n + 1);
        }
        weights[n] = step(&mut two, &mut s);
        n += 1;
        if !s.refill() {
            weights[n] = table.states[one].symbol;
            return Ok(n + 1);
        }
    }
}
