//! The decoder against libzstd (the `zstd` crate, a dev-dependency): what libzstd writes, at every
//! level and in every frame layout, decodes to the original bytes; corrupted copies of it decode to what
//! libzstd decodes them to, or fail where libzstd fails.

use super::bits::NO_END_MARK;
use super::huffman::HUFFMAN_END;
use super::*;

/// A seeded xorshift, for test data and mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Test data of the kinds tiles hold: noise, noisy 16-bit images, text, zeros, short periods, a mix.
fn samples() -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();
    for &n in &[0usize, 1, 5, 6, 7, 100, 1_000, 4_095, 70_000, 131_072, 300_001] {
        out.push((format!("noise {n}"), (0..n).map(|_| rng.next() as u8).collect()));
        let img: Vec<u8> = (0..n / 2)
            .flat_map(|i| {
                let v = (1000.0 + 800.0 * ((i % 512) as f64 / 40.0).sin() + (rng.below(64) as f64)) as u16;
                v.to_le_bytes()
            })
            .collect();
        out.push((format!("u16 image {n}"), img));
        let words = ["tile ", "offset ", "COG ", "GeoTIFF ", "a ", "of ", "the ", "\n", "range ", "zstd "];
        let mut text = Vec::new();
        while text.len() < n {
            text.extend_from_slice(words[rng.below(words.len())].as_bytes());
        }
        text.truncate(n);
        out.push((format!("text {n}"), text));
        out.push((format!("zeros {n}"), vec![0; n]));
        let period = 1 + n % 7;
        out.push((format!("period {period} of {n}"), (0..n).map(|i| (i % period) as u8 * 31).collect()));
        let mut mix = Vec::new();
        while mix.len() < n {
            let len = 1 + rng.below(3000);
            match rng.below(4) {
                0 => mix.extend((0..len).map(|_| rng.next() as u8)),
                1 => mix.extend(std::iter::repeat_n(rng.next() as u8, len)),
                2 if !mix.is_empty() => {
                    let from = rng.below(mix.len());
                    for k in 0..len {
                        mix.push(mix[from + k % (mix.len() - from)]);
                    }
                }
                _ => mix.extend((0..len).map(|i| (i / 3) as u8)),
            }
        }
        mix.truncate(n);
        out.push((format!("mix {n}"), mix));
    }
    out
}

fn compress(data: &[u8], level: i32, checksum: bool, size: bool) -> Vec<u8> {
    let mut c = ::zstd::bulk::Compressor::new(level).unwrap();
    c.include_checksum(checksum).unwrap();
    c.include_contentsize(size).unwrap();
    c.compress(data).unwrap()
}

/// What libzstd's streaming encoder (the one libtiff uses) writes: no content size, blocks as they fill.
fn compress_streaming(data: &[u8], level: i32, long: bool) -> Vec<u8> {
    let mut e = ::zstd::stream::Encoder::new(Vec::new(), level).unwrap();
    e.include_contentsize(false).unwrap();
    if long {
        e.long_distance_matching(true).unwrap();
        e.window_log(24).unwrap();
    }
    std::io::Write::write_all(&mut e, data).unwrap();
    e.finish().unwrap()
}

#[test]
fn the_code_tables_are_consistent() {
    for (codes, log) in [(&LITERAL_LENGTHS, 6), (&MATCH_LENGTHS, 6), (&OFFSETS, 5)] {
        let total: i32 = codes.predefined.iter().map(|&c| i32::from(c.abs())).sum();
        assert_eq!(total, 1 << log);
        assert_eq!(codes.predefined.len(), codes.max_symbol + 1 - if log == 5 { 3 } else { 0 });
        for i in 1..codes.base.len() {
            assert_eq!(codes.base[i], codes.base[i - 1] + (1 << codes.extra[i - 1]), "code {i}");
        }
        assert!(Table::build(codes.predefined, log).is_ok());
    }
}

/// Every level (fast ones included), with and without a content size and a checksum, one frame and
/// the streaming encoder's frames; and each decoded with a limit short of the whole.
#[test]
fn decodes_what_libzstd_writes() {
    let mut streams = 0;
    for (name, data) in samples() {
        let levels: &[i32] =
            if data.len() > 100_000 { &[-5, 1, 3, 9, 19] } else { &[-5, -1, 1, 2, 3, 5, 7, 9, 12, 15, 19, 22] };
        for &level in levels {
            for (checksum, size) in [(false, false), (true, true), (false, true)] {
                let z = compress(&data, level, checksum, size);
                assert_eq!(
                    decode(&z, data.len()).as_deref(),
                    Ok(&data[..]),
                    "{name}, level {level}, {checksum} {size}"
                );
                assert_eq!(decode(&z, usize::MAX).as_deref(), Ok(&data[..]), "{name}, level {level}, no limit");
                if data.len() > 3 {
                    let cut = data.len() / 3;
                    assert_eq!(decode(&z, cut).as_deref(), Ok(&data[..cut]), "{name}, level {level}, limit {cut}");
                }
                streams += 1;
            }
            let z = compress_streaming(&data, level, false);
            assert_eq!(decode(&z, data.len()).as_deref(), Ok(&data[..]), "{name}, level {level}, streaming");
            streams += 1;
        }
    }
    assert!(streams > 1000, "{streams}");
}

/// Matches from far back: long-distance matching in a 16 MiB window, across many blocks.
#[test]
fn decodes_long_distance_matches() {
    let mut rng = Rng(7);
    let chunk: Vec<u8> = (0..200_000).map(|_| rng.next() as u8).collect();
    let mut data = chunk.clone();
    data.extend((0..3_000_000).map(|i| (i % 251) as u8 ^ (rng.below(2) as u8)));
    data.extend_from_slice(&chunk);
    for level in [3, 19] {
        let z = compress_streaming(&data, level, true);
        assert!(z.len() < data.len() - 150_000, "the far chunk was matched");
        assert_eq!(decode(&z, data.len()).as_deref(), Ok(&data[..]), "level {level}");
    }
}

/// Frames one after another, a skippable frame among them, decode to their bytes in turn.
#[test]
fn decodes_frames_in_turn() {
    let (a, b) = (b"first frame, first frame, first frame".to_vec(), vec![7u8; 5000]);
    let mut z = compress(&a, 3, true, true);
    z.extend_from_slice(&[0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    z.extend(compress(&b, 19, false, false));
    let mut both = a.clone();
    both.extend_from_slice(&b);
    assert_eq!(decode(&z, usize::MAX), Ok(both.clone()));
    assert_eq!(decode(&z, a.len()), Ok(a.clone()), "the tile's bytes end the decoding");
    assert_eq!(::zstd::stream::decode_all(&z[..]).unwrap(), both, "libzstd agrees");
}

/// What libzstd's streaming decoder (libtiff's) makes of a stream: its first `cap` bytes, or its error.
fn libzstd(z: &[u8], cap: usize) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let d = ::zstd::stream::read::Decoder::with_buffer(z).map_err(|e| e.to_string())?;
    std::io::Read::read_to_end(&mut std::io::Read::take(d, cap as u64), &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// 12 000 cut, bit-flipped, byte-replaced and extended copies of libzstd's streams: whenever libzstd
/// decodes one, ours gives the same bytes; when libzstd refuses one, ours does too, but for the few
/// checks ours does not make (the checksum, which it skips).
#[test]
fn corrupt_streams_fail_where_libzstd_fails() {
    let mut rng = Rng(0xC0FFEE);
    let mut sources = Vec::new();
    for (name, data) in samples().into_iter().filter(|(_, d)| (100..=70_000).contains(&d.len())) {
        for level in [1, 3, 19] {
            sources.push((format!("{name} {level}"), compress(&data, level, false, level != 3)));
        }
    }
    let cap = 1 << 20;
    let (mut same_bytes, mut both_failed, mut checksum, mut huffman_end) = (0, 0, 0, 0);
    for round in 0..12_000 {
        let (name, z) = &sources[round % sources.len()];
        let mut m = z.clone();
        let what = rng.below(5);
        match what {
            0 => m.truncate(rng.below(m.len())),
            1 => {
                for _ in 0..1 + rng.below(3) {
                    let i = rng.below(m.len());
                    m[i] ^= 1 << rng.below(8);
                }
            }
            2 => {
                let i = rng.below(m.len().min(40));
                m[i] = rng.next() as u8;
            }
            3 => {
                let i = rng.below(m.len());
                m[i] = rng.next() as u8;
            }
            _ => m.extend((0..1 + rng.below(20)).map(|_| rng.next() as u8)),
        }
        let theirs = libzstd(&m, cap);
        let ours = decode(&m, cap);
        match (&theirs, &ours) {
            (Ok(t), Ok(o)) => {
                assert_eq!(t, o, "{name}, round {round}, mutation {what}");
                same_bytes += 1;
            }
            (Err(_), Err(_)) => both_failed += 1,
            (Err(e), Ok(_)) if e.contains("checksum") => checksum += 1,
            // libzstd's double-symbol Huffman decoder (which it picks for most 4-stream literals)
            // may take a last pair's bits for a stream's last symbol: it passes some streams that
            // have bits left over, decoding their last symbols otherwise than a one-symbol decoder.
            // Its fast 4-stream loops also take a stream whose last byte is 0 (no end mark).
            (Ok(_), Err(Error(HUFFMAN_END | NO_END_MARK))) => huffman_end += 1,
            _ => panic!(
                "{name}, round {round}, mutation {what}: libzstd {:?}, ours {:?}",
                theirs.map(|v| v.len()),
                ours.map(|v| v.len())
            ),
        }
    }
    eprintln!(
        "{same_bytes} decoded alike, {both_failed} refused by both, {checksum} refused by libzstd's checksum, \
         {huffman_end} passed by libzstd with Huffman bits left over"
    );
    assert!(same_bytes > 1000 && both_failed > 5000 && huffman_end < 600, "{same_bytes} {both_failed} {huffman_end}");
}

/// Hand-made frames of each refused kind name what is wrong.
#[test]
fn bad_frames_are_named() {
    let frame = |head: &[u8], blocks: &[u8]| [&[0x28, 0xB5, 0x2F, 0xFD][..], head, blocks].concat();
    let cases: [(Vec<u8>, &str); 6] = [
        (b"not zstd".to_vec(), "not a Zstandard frame (no magic number)"),
        (frame(&[0x08, 0x00], &[]), "a Zstandard frame header with its reserved bit set"),
        (frame(&[0x01, 0x00, 0x05], &[]), "a Zstandard frame that needs a dictionary"),
        (frame(&[0x00, 0x00], &[0x07, 0x00, 0x00]), "a Zstandard block of the reserved type"),
        (frame(&[0x00, 0x00], &[0x01, 0x00, 0x20]), "a Zstandard block of over 128 KiB, or over its window"),
        (
            frame(&[0x20, 0x05], &[0x19, 0x00, 0x00, 0x41, 0x42, 0x43]),
            "a Zstandard frame of another size than its header says",
        ),
    ];
    for (z, want) in cases {
        assert_eq!(decode(&z, 1 << 20), Err(Error(want)), "{z:?}");
        assert!(libzstd(&z, 1 << 20).is_err(), "libzstd refuses {z:?} too");
    }
    let raw = frame(&[0x20, 0x03], &[0x19, 0x00, 0x00, 0x41, 0x42, 0x43]);
    assert_eq!(decode(&raw, 10), Ok(b"ABC".to_vec()));
    assert_eq!(libzstd(&raw, 10), Ok(b"ABC".to_vec()));
}
