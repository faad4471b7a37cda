//! A Zstandard decoder (RFC 8878) for TIFF tiles: frames (and skippable frames) one after another,
//! raw, RLE and compressed blocks, Huffman literals and FSE-coded sequences, decoded straight into the
//! tile's buffer. No dictionaries; a frame's checksum is skipped, not checked (as libtiff leaves it to
//! libzstd, which GDAL builds without checking it either way for tiles).
//!
//! As libtiff's ZSTD codec, decoding stops once the tile's bytes are all there: what follows them is
//! not read. Every check libzstd makes on a frame the decoder reads is made here too, and the tests
//! decode what libzstd writes at every level, and corrupted copies of it, with libzstd beside.

mod bits;
mod fse;
mod huffman;

use bits::BackBits;
use fse::Table;

/// Why a stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub &'static str);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

type Result<T> = std::result::Result<T, Error>;

/// The largest window libzstd's streaming decoder (libtiff's) accepts (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`).
const WINDOW_MAX: u64 = 1 << 27;

/// The most room a frame gets before its first block.
const RESERVE_MAX: usize = 16 << 20;

/// The most a block may hold, decoded (`ZSTD_BLOCKSIZE_MAX`).
const BLOCK_MAX: usize = 128 << 10;

const BLOCK_TOO_BIG: &str = "a Zstandard block decoding to over 128 KiB, or over its window";

/// Decodes the frames of `src` until `limit` bytes are out; returns at most `limit` bytes (fewer
/// when the frames hold fewer).
pub fn decode(src: &[u8], limit: usize) -> Result<Vec<u8>> {
    if src.is_empty() {
        return Err(Error("an empty Zstandard stream"));
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at < src.len() && out.len() < limit {
        at += Frame::new().decode(&src[at..], &mut out, limit)?;
    }
    out.truncate(limit);
    Ok(out)
}

/// What one frame's blocks share: the last Huffman and FSE tables, the repeat offsets.
struct Frame {
    huffman: Option<huffman::Table>,
    lengths: Option<Table>,
    offsets: Option<Table>,
    matches: Option<Table>,
    reps: [usize; 3],
    /// How far back a match may reach.
    window: usize,
    /// The most a block may decode to: 128 KiB, or the window if smaller.
    block_max: usize,
    literals: Vec<u8>,
}

/// Where a block's literals are.
enum Literals {
    /// In the block itself, at this range.
    Raw(std::ops::Range<usize>),
    /// In [`Frame::literals`], this many.
    Decoded(usize),
}

fn get<'a>(src: &'a [u8], range: std::ops::Range<usize>, what: &'static str) -> Result<&'a [u8]> {
    src.get(range).ok_or(Error(what))
}

fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |v, &b| (v << 8) | u64::from(b))
}

impl Frame {
    fn new() -> Frame {
        Frame {
            huffman: None,
            lengths: None,
            offsets: None,
            matches: None,
            reps: [1, 4, 8],
            window: 0,
            block_max: 0,
            literals: Vec::new(),
        }
    }

    /// Decodes the frame at the start of `src` onto `out`; returns the bytes it took.
    fn decode(mut self, src: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<usize> {
        let magic = le(get(src, 0..4, "a Zstandard frame cut short in its magic number")?);
        if (0x184D_2A50..=0x184D_2A5F).contains(&magic) {
            let size = le(get(src, 4..8, "a skippable frame cut short")?) as usize;
            return 8usize.checked_add(size).filter(|&n| n <= src.len()).ok_or(Error("a skippable frame cut short"));
        }
        if magic != 0xFD2F_B528 {
            return Err(Error("not a Zstandard frame (no magic number)"));
        }
        let head = *get(src, 4..5, "a Zstandard frame cut short in its header")?.first().unwrap_or(&0);
        if head & 8 != 0 {
            return Err(Error("a Zstandard frame header with its reserved bit set"));
        }
        let single = head & 0x20 != 0;
        let mut window = u64::MAX;
        if !single {
            let w = *get(src, 5..6, "a Zstandard frame cut short in its header")?.first().unwrap_or(&0);
            let log = 10 + u32::from(w >> 3);
            window = (1u64 << log) + ((1u64 << log) >> 3) * u64::from(w & 7);
            if window > WINDOW_MAX {
                return Err(Error("a Zstandard frame whose window is over 128 MiB (libzstd's limit)"));
            }
        }
        let mut at = 5 + usize::from(!single);
        let dict = [0, 1, 2, 4][usize::from(head & 3)];
        if le(get(src, at..at + dict, "a Zstandard frame cut short in its header")?) != 0 {
            return Err(Error("a Zstandard frame that needs a dictionary"));
        }
        at += dict;
        let fcs_len = [usize::from(single), 2, 4, 8][usize::from(head >> 6)];
        let fcs = get(src, at..at + fcs_len, "a Zstandard frame cut short in its header")?;
        let content = (fcs_len > 0).then(|| le(fcs) + if fcs_len == 2 { 256 } else { 0 });
        at += fcs_len;
        self.window = usize::try_from(content.filter(|_| single).unwrap_or(window)).unwrap_or(usize::MAX);
        self.block_max = self.window.min(BLOCK_MAX);
        // Room for the frame at once: its content size when it says (LERC_ZSTD's frames do), else the
        // caller's limit (a TIFF tile's size) up to RESERVE_MAX; past that, blocks grow it.
        let room = content.map_or(limit, |n| usize::try_from(n).unwrap_or(usize::MAX).min(limit));
        out.reserve(room.saturating_sub(out.len()).min(RESERVE_MAX));
        let start = out.len();
        loop {
            let block = le(get(src, at..at + 3, "a Zstandard frame cut short in a block header")?) as usize;
            at += 3;
            let (last, kind, size) = (block & 1 == 1, (block >> 1) & 3, block >> 3);
            if size > self.block_max {
                return Err(Error("a Zstandard block of over 128 KiB, or over its window"));
            }
            match kind {
                0 => {
                    out.extend_from_slice(get(src, at..at + size, "a raw block cut short")?);
                    at += size;
                }
                1 => {
                    let byte = *get(src, at..at + 1, "an RLE block cut short")?.first().unwrap_or(&0);
                    out.resize(out.len() + size, byte);
                    at += 1;
                }
                2 => {
                    self.block(get(src, at..at + size, "a compressed block cut short")?, out, start)?;
                    at += size;
                }
                _ => return Err(Error("a Zstandard block of the reserved type")),
            }
            if out.len() >= limit {
                return Ok(src.len());
            }
            if last {
                break;
            }
        }
        if content.is_some_and(|n| n != (out.len() - start) as u64) {
            return Err(Error("a Zstandard frame of another size than its header says"));
        }
        if head & 4 != 0 {
            get(src, at..at + 4, "a Zstandard frame cut short in its checksum")?;
            at += 4;
        }
        Ok(at)
    }

    /// Decodes one compressed block onto `out`; the frame's output began at `start`.
    fn block(&mut self, src: &[u8], out: &mut Vec<u8>, start: usize) -> Result<()> {
        let (literals, at) = self.literals(src)?;
        let literals = match literals {
            Literals::Raw(r) => &src[r],
            Literals::Decoded(n) => &self.literals[..n],
        };
        let seq = &src[at..];
        let (count, at) = match *seq {
            [] => return Err(Error("a block without its sequences section")),
            [0, ..] => (0, 1),
            [b, ..] if b < 128 => (usize::from(b), 1),
            [b, c, ..] if b < 255 => ((usize::from(b - 128) << 8) + usize::from(c), 2),
            [255, c, d, ..] => (usize::from(c) + (usize::from(d) << 8) + 0x7F00, 3),
            _ => return Err(Error("a sequences section cut short")),
        };
        if count == 0 {
            if at != seq.len() {
                return Err(Error("bytes after a block's sequences section"));
            }
            out.extend_from_slice(literals);
            return Ok(());
        }
        let modes = *get(seq, at..at + 1, "a sequences section cut short")?.first().unwrap_or(&0);
        if modes & 3 != 0 {
            return Err(Error("a sequences section with its reserved bits set"));
        }
        let mut at = at + 1;
        for (slot, mode, kind) in [
            (&mut self.lengths, modes >> 6, &LITERAL_LENGTHS),
            (&mut self.offsets, (modes >> 4) & 3, &OFFSETS),
            (&mut self.matches, (modes >> 2) & 3, &MATCH_LENGTHS),
        ] {
            match mode {
                0 => *slot = Some(Table::build(kind.predefined, kind.predefined_log)?),
                1 => {
                    let s = *get(seq, at..at + 1, "a sequences section cut short")?.first().unwrap_or(&0);
                    if usize::from(s) > kind.max_symbol {
                        return Err(Error("an RLE sequence code out of range"));
                    }
                    *slot = Some(Table::rle(s));
                    at += 1;
                }
                2 => {
                    let (t, used) = Table::read(&seq[at..], kind.max_symbol, kind.max_log)?;
                    *slot = Some(t);
                    at += used;
                }
                _ => {
                    if slot.is_none() {
                        return Err(Error("a repeated sequence table with none before it"));
                    }
                }
            }
        }
        let (Some(ll), Some(of), Some(ml)) = (&self.lengths, &self.offsets, &self.matches) else {
            return Err(Error("a sequences section without its tables"));
        };
        let mut bits = BackBits::new(&seq[at..])?;
        let (mut sl, mut so, mut sm) =
            (ll.first_state(&mut bits), of.first_state(&mut bits), ml.first_state(&mut bits));
        bits.refill();
        let mut reps = self.reps;
        let mut lit = 0usize;
        let mut made = 0usize;
        for i in 0..count {
            let (l, o, m) = (ll.states[sl], of.states[so], ml.states[sm]);
            let code = u32::from(o.symbol);
            let value = (1u64 << code) + bits.read(code);
            bits.refill();
            let (mb, mx) = MATCH_LENGTHS.code(m.symbol);
            let (lb, lx) = LITERAL_LENGTHS.code(l.symbol);
            let matched = mb + bits.read(mx) as usize;
            let length = lb + bits.read(lx) as usize;
            bits.refill();
            let offset = if value > 3 {
                let off = (value - 3) as usize;
                reps = [off, reps[0], reps[1]];
                off
            } else {
                match value as usize + usize::from(length == 0) {
                    1 => reps[0],
                    2 => {
                        reps = [reps[1], reps[0], reps[2]];
                        reps[0]
                    }
                    3 => {
                        reps = [reps[2], reps[0], reps[1]];
                        reps[0]
                    }
                    _ => {
                        reps = [reps[0].saturating_sub(1), reps[0], reps[1]];
                        reps[0]
                    }
                }
            };
            if i + 1 < count {
                sl = usize::from(l.base) + bits.read(u32::from(l.bits)) as usize;
                sm = usize::from(m.base) + bits.read(u32::from(m.bits)) as usize;
                so = usize::from(o.base) + bits.read(u32::from(o.bits)) as usize;
                bits.refill();
            }
            made += length + matched;
            if made > self.block_max {
                return Err(Error(BLOCK_TOO_BIG));
            }
            let text = literals.get(lit..lit + length).ok_or(Error("a sequence past its block's literals"))?;
            out.extend_from_slice(text);
            lit += length;
            if offset == 0 || offset > out.len() - start || offset > self.window {
                return Err(Error("a match before the start of its frame, or farther back than its window"));
            }
            copy_match(out, offset, matched);
        }
        if !bits.finished() {
            return Err(Error("a sequences stream that does not end with its last sequence"));
        }
        if made + literals.len() - lit > self.block_max {
            return Err(Error(BLOCK_TOO_BIG));
        }
        out.extend_from_slice(&literals[lit..]);
        self.reps = reps;
        Ok(())
    }

    /// Reads the literals section at the start of a block: where the literals are, and the bytes the
    /// section took.
    fn literals(&mut self, src: &[u8]) -> Result<(Literals, usize)> {
        let cut = "a literals section cut short";
        let b = |i: usize| src.get(i).map(|&x| usize::from(x)).ok_or(Error(cut));
        let b0 = b(0)?;
        let (kind, format) = (b0 & 3, (b0 >> 2) & 3);
        if kind < 2 {
            let (size, at) = match format {
                0 | 2 => (b0 >> 3, 1),
                1 => ((b0 >> 4) + (b(1)? << 4), 2),
                _ => ((b0 >> 4) + (b(1)? << 4) + (b(2)? << 12), 3),
            };
            if size > self.block_max {
                return Err(Error(BLOCK_TOO_BIG));
            }
            if kind == 0 {
                get(src, at..at + size, cut)?;
                return Ok((Literals::Raw(at..at + size), at + size));
            }
            let byte = b(at)? as u8;
            self.literals.clear();
            self.literals.resize(size, byte);
            return Ok((Literals::Decoded(size), at + 1));
        }
        let (four, regenerated, compressed, at) = match format {
            0 | 1 => {
                let v = le(get(src, 0..3, cut)?) as usize;
                (format == 1, (v >> 4) & 0x3FF, v >> 14, 3)
            }
            2 => {
                let v = le(get(src, 0..4, cut)?) as usize;
                (true, (v >> 4) & 0x3FFF, v >> 18, 4)
            }
            _ => {
                let v = le(get(src, 0..5, cut)?);
                (true, ((v >> 4) & 0x3FFFF) as usize, (v >> 22) as usize, 5)
            }
        };
        if regenerated > self.block_max {
            return Err(Error(BLOCK_TOO_BIG));
        }
        let mut data = get(src, at..at + compressed, cut)?;
        if kind == 2 {
            let (table, used) = huffman::Table::read(data)?;
            self.huffman = Some(table);
            data = &data[used..];
        }
        let table = self.huffman.as_ref().ok_or(Error("literals that reuse a Huffman tree with none before them"))?;
        self.literals.resize(regenerated, 0);
        let dst = &mut self.literals[..regenerated];
        if four {
            table.decode4(data, dst)?;
        } else {
            table.decode1(data, dst)?;
        }
        Ok((Literals::Decoded(regenerated), at + compressed))
    }
}

/// Appends `len` bytes copied from `offset` bytes back (1 ≤ `offset` ≤ `out.len()`): the copy may
/// overlap what it makes, which then repeats with period `offset`.
fn copy_match(out: &mut Vec<u8>, offset: usize, len: usize) {
    let from = out.len() - offset;
    if offset >= len {
        out.extend_from_within(from..from + len);
    } else if offset == 1 {
        let byte = out[from];
        out.resize(out.len() + len, byte);
    } else {
        let mut left = len;
        while left > 0 {
            let n = left.min(out.len() - from);
            out.extend_from_within(from..from + n);
            left -= n;
        }
    }
}

/// One of the three kinds of sequence code: its predefined distribution, its limits, and what its
/// codes stand for (a baseline and a count of extra bits; empty for offsets, whose code is the count).
struct Codes {
    predefined: &'static [i16],
    predefined_log: u32,
    max_symbol: usize,
    max_log: u32,
    base: &'static [u32],
    extra: &'static [u8],
}

impl Codes {
    #[inline(always)]
    fn code(&self, symbol: u8) -> (usize, u32) {
        (self.base[usize::from(symbol)] as usize, u32::from(self.extra[usize::from(symbol)]))
    }
}

const LITERAL_LENGTHS: Codes = Codes {
    predefined: &[
        4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1,
    ],
    predefined_log: 6,
    max_symbol: 35,
    max_log: 9,
    base: &[
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512,
        1024, 2048, 4096, 8192, 16384, 32768, 65536,
    ],
    extra: &[
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        16,
    ],
};

const MATCH_LENGTHS: Codes = Codes {
    predefined: &[
        1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
    ],
    predefined_log: 6,
    max_symbol: 52,
    max_log: 9,
    base: &[
        3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
        32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771,
        65539,
    ],
    extra: &[
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2,
        2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ],
};

const OFFSETS: Codes = Codes {
    predefined: &[1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1],
    predefined_log: 5,
    max_symbol: 31,
    max_log: 8,
    base: &[],
    extra: &[],
};

#[cfg(test)]
mod tests;
