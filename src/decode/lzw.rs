//! TIFF LZW (compression 5): MSB-first codes of 9 to 12 bits, the width growing one code early (at
//! codes 510, 1022 and 2046, as libtiff writes it), 256 the clear code and 257 the end.
//!
//! Our own decoder rather than `weezl`'s: weezl builds four decoder states (two bit orders, two ways of
//! stopping) chosen at run time, so all four were linked into the wasm for the one TIFF uses. It reads
//! every stream as weezl's TIFF decoder does (a test compares the two on valid, cut and corrupted
//! streams): a stream may start without a clear code, the first code after a clear must be a byte, a
//! code past the next free one is an error, a full table stops growing until the next clear, and a
//! stream that ends without its end code keeps what it decoded.
//!
//! Every table entry is a string already written to the output, so it is kept as where it starts and
//! how long it is, and decoding a code is one copy from earlier output.

use crate::error::{Error, Result};

const CLEAR: usize = 256;
const END: usize = 257;
const FIRST_FREE: usize = 258;
const MAX_CODES: usize = 4096;
const MIN_WIDTH: u32 = 9;
const MAX_WIDTH: u32 = 12;

/// MSB-first code reader.
struct Codes<'a> {
    data: &'a [u8],
    at: usize,
    /// Bits not yet read, left-aligned; the bits below the `bits` counted ones are either zero or the
    /// stream's next bits (see `refill`).
    acc: u64,
    bits: u32,
}

impl Codes<'_> {
    /// Tops the accumulator up to at least 57 bits (fewer at the end of the data).
    #[inline(always)]
    fn refill(&mut self) {
        if let Some(next) = self.data.get(self.at..self.at + 8) {
            // All eight bytes go in; the whole ones that fit are counted. The rest sit below the counted
            // bits and are the same bits the next refill ORs in.
            self.acc |= u64::from_be_bytes(next.try_into().unwrap()) >> self.bits;
            let whole = (63 - self.bits) / 8;
            self.at += whole as usize;
            self.bits += whole * 8;
        } else {
            while self.bits <= 56 && self.at < self.data.len() {
                self.acc |= u64::from(self.data[self.at]) << (56 - self.bits);
                self.at += 1;
                self.bits += 8;
            }
        }
    }

    /// The next code of `width` bits, or `None` when fewer bits are left.
    #[inline(always)]
    fn next(&mut self, width: u32) -> Option<usize> {
        if self.bits < width {
            self.refill();
            if self.bits < width {
                return None;
            }
        }
        let code = (self.acc >> (64 - width)) as usize;
        self.acc <<= width;
        self.bits -= width;
        Some(code)
    }
}

/// Copies the `len` bytes at `from` (all before `to`) to `to`, cut at the end of `out`; returns how many
/// were copied. Short strings, the common case, go as 8-byte words when the output has room: the bytes
/// past `len` they write are not yet output and are overwritten by what follows.
#[inline(always)]
fn copy_earlier(out: &mut [u8], from: usize, len: usize, to: usize) -> usize {
    let room = out.len() - to;
    if len <= 16 && room >= 16 {
        let a = u64::from_ne_bytes(out[from..from + 8].try_into().unwrap());
        out[to..to + 8].copy_from_slice(&a.to_ne_bytes());
        if len > 8 {
            let b = u64::from_ne_bytes(out[from + 8..from + 16].try_into().unwrap());
            out[to + 8..to + 16].copy_from_slice(&b.to_ne_bytes());
        }
        return len;
    }
    let n = len.min(room);
    out.copy_within(from..from + n, to);
    n
}

/// Decodes `data` into at most `expected` bytes. Decoding stops at the end code, at the end of the data
/// or when `expected` bytes are out (whatever follows is not read: some writers leave garbage there);
/// a shorter result is the caller's to judge.
pub fn decode(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; expected];
    // Entry `code` is the string of `len` bytes at `start` in `out`; the first 258 are never read.
    let mut table = vec![(0usize, 0usize); MAX_CODES];
    let mut codes = Codes { data, at: 0, acc: 0, bits: 0 };
    let mut width = MIN_WIDTH;
    let mut next_free = FIRST_FREE;
    // Where the previous code's string is, unless the previous code was a clear code (or none).
    let mut prev: Option<(usize, usize)> = None;
    let mut pos = 0;
    while pos < expected {
        let Some(code) = codes.next(width) else { break };
        if code == CLEAR {
            width = MIN_WIDTH;
            next_free = FIRST_FREE;
            prev = None;
            continue;
        }
        if code == END {
            break;
        }
        let len = match prev {
            // The first code after a clear (or of the stream) is a byte, and makes no entry.
            None if code < CLEAR => {
                out[pos] = code as u8;
                1
            }
            None => return Err(invalid()),
            Some((prev_start, prev_len)) => {
                let len = if code < CLEAR {
                    out[pos] = code as u8;
                    1
                } else if code < next_free {
                    let (start, len) = table[code];
                    copy_earlier(&mut out, start, len, pos);
                    len
                } else if code == next_free {
                    // The entry being made: the previous string and its own first byte.
                    let n = copy_earlier(&mut out, prev_start, prev_len, pos);
                    if n == prev_len && pos + n < expected {
                        out[pos + n] = out[prev_start];
                    }
                    prev_len + 1
                } else {
                    return Err(invalid());
                };
                if next_free < MAX_CODES {
                    // The previous string and this one's first byte, which follows it in `out`.
                    table[next_free] = (prev_start, prev_len + 1);
                    if next_free >= (1 << width) - 2 && width < MAX_WIDTH {
                        width += 1;
                    }
                    next_free += 1;
                }
                len
            }
        };
        prev = Some((pos, len));
        pos += len;
    }
    out.truncate(pos.min(expected));
    Ok(out)
}

fn invalid() -> Error {
    Error::decode("LZW", "invalid code in LZW stream")
}

#[cfg(test)]
mod tests {
    use super::decode;
    use weezl::{decode::Decoder, encode::Encoder, BitOrder, LzwStatus};

    /// What `decode` replaced: weezl's TIFF decoder, read the way this crate read it, but for one
    /// thing. The old loop stopped at the first call that neither read nor wrote, and a clear code
    /// right after another, its bits already read, is such a call: what followed was lost. Here a
    /// few such calls in a row are allowed.
    fn weezl_decode(data: &[u8], expected: usize) -> Result<Vec<u8>, String> {
        let mut dec = Decoder::with_tiff_size_switch(BitOrder::Msb, 8);
        let mut out = vec![0u8; expected];
        let (mut inp, mut filled, mut idle) = (0usize, 0usize, 0);
        while filled < expected {
            let r = dec.decode_bytes(&data[inp..], &mut out[filled..]);
            inp += r.consumed_in;
            filled += r.consumed_out;
            idle = if r.consumed_in == 0 && r.consumed_out == 0 { idle + 1 } else { 0 };
            match r.status {
                Ok(LzwStatus::Ok) if idle > 3 => break,
                Ok(LzwStatus::Ok) => {}
                Ok(LzwStatus::Done) | Ok(LzwStatus::NoProgress) => break,
                Err(e) => {
                    if filled >= expected {
                        break;
                    }
                    return Err(crate::error::Error::decode("LZW", e).to_string());
                }
            }
        }
        out.truncate(filled);
        Ok(out)
    }

    fn ours(data: &[u8], expected: usize) -> Result<Vec<u8>, String> {
        decode(data, expected).map_err(|e| e.to_string())
    }

    use crate::test_rng::Rng;

    /// Texts of several kinds: runs (long strings, the cScSc case), few symbols, noise, and image-like
    /// ramps, of lengths around the 4 096-entry table refills.
    fn texts() -> Vec<Vec<u8>> {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut all = vec![vec![], vec![7], vec![0; 1], vec![42; 100_000], b"TOBEORNOTTOBEORTOBEORNOT".repeat(300)];
        for &len in &[2usize, 3, 17, 255, 256, 4093, 4096, 5000, 65_536, 200_000] {
            for kind in 0..4 {
                let v: Vec<u8> = (0..len)
                    .map(|i| match kind {
                        0 => (rng.next() & 0xff) as u8,
                        1 => b"ab"[rng.below(2)],
                        2 => ((i / 61) as u8).wrapping_mul(3) ^ ((i % 7) as u8),
                        _ => ((i as f64 / 40.0).sin() * 100.0 + 128.0) as u8 + (rng.below(3) as u8),
                    })
                    .collect();
                all.push(v);
            }
        }
        all
    }

    fn encode(text: &[u8]) -> Vec<u8> {
        Encoder::with_tiff_size_switch(BitOrder::Msb, 8).encode(text).unwrap()
    }

    #[test]
    fn decodes_what_weezl_encodes() {
        for text in texts() {
            let stream = encode(&text);
            assert_eq!(ours(&stream, text.len()).unwrap(), text, "{} bytes", text.len());
            // Asked for fewer bytes, or more than the stream holds.
            for expected in [text.len() / 2, text.len() + 10] {
                assert_eq!(ours(&stream, expected), weezl_decode(&stream, expected), "{} of {}", expected, text.len());
            }
        }
    }

    /// Codes written by hand: `width` follows the TIFF early switch, and no clear code is ever sent, so
    /// the table fills up and must stop growing.
    fn pack(codes: &[usize]) -> Vec<u8> {
        let (mut out, mut acc, mut bits, mut next_free, mut width, mut first) =
            (vec![], 0u64, 0u32, 258usize, 9u32, true);
        for &c in codes {
            acc = (acc << width) | c as u64;
            bits += width;
            while bits >= 8 {
                out.push((acc >> (bits - 8)) as u8);
                bits -= 8;
            }
            if c == 256 {
                (next_free, width, first) = (258, 9, true);
            } else if first {
                first = false;
            } else if next_free < 4096 {
                if next_free >= (1 << width) - 2 && width < 12 {
                    width += 1;
                }
                next_free += 1;
            }
        }
        if bits > 0 {
            out.push((acc << (8 - bits)) as u8);
        }
        out
    }

    #[test]
    fn full_table_without_clear_and_streams_without_one() {
        let mut rng = Rng(77);
        // 6 000 byte codes after one clear: entries up to 4095, then none.
        let mut codes = vec![256];
        codes.extend((0..6000).map(|_| rng.below(256)));
        codes.push(257);
        let stream = pack(&codes);
        let want = weezl_decode(&stream, 6000).unwrap();
        assert_eq!(want.len(), 6000);
        assert_eq!(ours(&stream, 6000).unwrap(), want);
        // Later codes may refer to any of the 4 096 entries.
        let mut codes = vec![256];
        codes.extend((0..4200).map(|_| rng.below(256)));
        codes.extend([4095, 300, 4000, 258, 1000, 2047, 2048, 257]);
        let stream = pack(&codes);
        assert_eq!(ours(&stream, 1 << 16), weezl_decode(&stream, 1 << 16));
        // A stream that starts without a clear code.
        let stream = pack(&[65, 66, 258, 259, 67, 257]);
        assert_eq!(ours(&stream, 100).unwrap(), b"ABABBAC");
        assert_eq!(ours(&stream, 100), weezl_decode(&stream, 100));
        // Clear codes in a row (the old loop's loss, see `weezl_decode`).
        let stream = pack(&[256, 256, 1, 256, 256, 256, 2, 3, 257]);
        assert_eq!(ours(&stream, 100).unwrap(), [1, 2, 3]);
        assert_eq!(ours(&stream, 100), weezl_decode(&stream, 100));
        // A code past the next free one, and a non-byte code first.
        for codes in [&[256, 65, 300][..], &[256, 258], &[256, 65, 256, 259], &[300]] {
            let stream = pack(codes);
            assert_eq!(ours(&stream, 100), weezl_decode(&stream, 100), "{codes:?}");
            assert!(ours(&stream, 100).is_err(), "{codes:?}");
        }
    }

    #[test]
    fn random_valid_code_sequences_read_as_weezl_reads_them() {
        // Codes drawn at random among the valid ones (bytes, made entries, the entry being made, clear
        // codes), so long chains, the cScSc case and cuts inside long strings all occur.
        let mut rng = Rng(2024);
        for round in 0..300 {
            let (mut codes, mut next_free, mut first) = (vec![256], 258usize, true);
            for _ in 0..rng.below(if round % 10 == 0 { 9000 } else { 600 }) {
                let c = match rng.below(100) {
                    _ if first => rng.below(256),
                    0 => 256,
                    1..=30 => rng.below(256),
                    31..=40 if next_free < 4096 => next_free,
                    _ if next_free > 258 => 258 + rng.below(next_free - 258),
                    _ => rng.below(256),
                };
                codes.push(c);
                if c == 256 {
                    (next_free, first) = (258, true);
                } else if first {
                    first = false;
                } else if next_free < 4096 {
                    next_free += 1;
                }
            }
            if rng.below(2) == 0 {
                codes.push(257);
            }
            let stream = pack(&codes);
            let whole = weezl_decode(&stream, 1 << 24).unwrap();
            for expected in [whole.len(), rng.below(whole.len() + 1), whole.len() + 5] {
                assert_eq!(ours(&stream, expected), weezl_decode(&stream, expected), "round {round}, {expected} bytes");
            }
        }
    }

    #[test]
    fn cut_and_corrupted_streams_read_as_weezl_reads_them() {
        let mut rng = Rng(12345);
        let mut compared = 0;
        for text in texts().into_iter().filter(|t| t.len() <= 65_536) {
            let stream = encode(&text);
            for _ in 0..200 {
                let mut s = stream.clone();
                match rng.below(4) {
                    0 => s.truncate(rng.below(s.len() + 1)),
                    1 if !s.is_empty() => {
                        let i = rng.below(s.len());
                        s[i] ^= 1 << rng.below(8);
                    }
                    2 if !s.is_empty() => {
                        let i = rng.below(s.len());
                        s[i] = (rng.next() & 0xff) as u8;
                    }
                    _ => s.extend((0..rng.below(20)).map(|_| (rng.next() & 0xff) as u8)),
                }
                let expected = if rng.below(3) == 0 { rng.below(text.len() + 2) } else { text.len() };
                assert_eq!(ours(&s, expected), weezl_decode(&s, expected), "{} bytes, stream {s:?}", text.len());
                compared += 1;
            }
        }
        assert!(compared > 5000);
    }
}
