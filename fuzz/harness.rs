//! The entry points shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`) and the regression test
//! (`tests/fuzz_regressions.rs`): both include this file with `#[path]`, so a kept input replays
//! exactly as the fuzzer ran it.
//!
//! Decoder inputs start with a 4-byte layout header (see [`decode_header`]); `fuzz/make-seeds.sh` writes
//! the same header in front of real tiles for the seed corpus.
#![allow(dead_code)]

use large_image_wasm::cog::{Cog, OpenOptions};
use large_image_wasm::decode::{decode_tile, TileSpec};
use large_image_wasm::source::MemorySource;
use large_image_wasm::tiff::{ByteOrder, DType};
use large_image_wasm::Limits;

/// Small caps, so that a fuzz input cannot ask for gigabytes through legitimate means.
pub fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_dimension = 1 << 14;
    l.max_tile_bytes = 1 << 20;
    l.max_decoded_bytes = 8 << 20;
    l.max_ifd_value_bytes = 1 << 20;
    l.max_ifds = 64;
    l.max_window_bytes = 16 << 20;
    l
}

/// Target `open_cog`: the bytes as a whole file; if it opens, read small windows of every level
/// (the top-left corner, one straddling the top-left edge, one at the bottom-right corner).
pub fn open_cog(data: &[u8]) {
    let mut opts = OpenOptions::default();
    opts.limits = limits();
    opts.cache_bytes = 4 << 20;
    let src = MemorySource::new("fuzz.tif", data.to_vec());
    let Ok(cog) = pollster::block_on(Cog::open(src, opts)) else {
        return;
    };
    for level in 0..cog.levels.len() {
        let Ok(img) = cog.level(level) else { continue };
        let (w, h) = (img.width as i64, img.height as i64);
        for (x, y, ww, hh) in [(0, 0, 48, 48), (-5, -3, 16, 16), (w - 20, h - 12, 40, 24)] {
            let _ = pollster::block_on(cog.read_window(level, x, y, ww, hh));
        }
    }
}

const DTYPES: [DType; 12] = [
    DType::Bit,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::F16,
    DType::F32,
    DType::F64,
];

/// Photometric values selectable by the header.
const PHOTOMETRIC: [u64; 8] = [1, 2, 6, 5, 0, 3, 4, 8];

/// Reads the 4-byte layout header:
/// - byte 0: tile width − 1 (1..=256); byte 1: tile height − 1 (1..=256)
/// - byte 2: bits 0–1 samples − 1 (1..=4), bits 2–5 dtype index into [`DTYPES`] (mod 12)
/// - byte 3: bits 0–1 predictor − 1 (4 is passed through: an unsupported predictor), bit 2 big-endian,
///   bits 3–5 photometric selector ([`PHOTOMETRIC`]), bits 6–7 LERC additional compression (3 is
///   passed through: unsupported)
///
/// Returns the spec (without JPEG tables) and the rest of the input.
pub fn decode_header<'a>(compression: u64, data: &'a [u8]) -> Option<(TileSpec<'a>, &'a [u8])> {
    let (h, rest) = data.split_first_chunk::<4>()?;
    let spec = TileSpec {
        compression,
        predictor: (h[3] & 3) as u64 + 1,
        width: h[0] as usize + 1,
        height: h[1] as usize + 1,
        samples: (h[2] & 3) as usize + 1,
        dtype: DTYPES[((h[2] >> 2) & 15) as usize % DTYPES.len()],
        order: if h[3] & 4 != 0 { ByteOrder::Big } else { ByteOrder::Little },
        jpeg_tables: None,
        photometric: PHOTOMETRIC[((h[3] >> 3) & 7) as usize],
        lerc_additional: (h[3] >> 6) as u64,
    };
    Some((spec, rest))
}

/// Targets `decode_<codec>`: header, then the compressed tile; for JPEG (7) a little-endian u16 length
/// and that many bytes of JPEGTables come between the header and the tile (length 0: no tables).
/// On success the output must have exactly `spec.decoded_len()` bytes.
pub fn decode(compression: u64, data: &[u8]) {
    let Some((mut spec, mut rest)) = decode_header(compression, data) else { return };
    if compression == 7 {
        let Some((n, r)) = rest.split_first_chunk::<2>() else { return };
        let n = u16::from_le_bytes(*n) as usize;
        if n > 0 {
            if r.len() < n {
                return;
            }
            spec.jpeg_tables = Some(&r[..n]);
        }
        rest = &r[n.min(r.len())..];
    }
    if let Ok(out) = decode_tile(&spec, rest, &limits()) {
        assert_eq!(
            out.len(),
            spec.decoded_len(),
            "decode_tile returned {} bytes for a {}x{}x{} {:?} tile (compression {compression})",
            out.len(),
            spec.width,
            spec.height,
            spec.samples,
            spec.dtype
        );
    }
}

/// Compression code of each decoder target.
pub const CODECS: [(&str, u64); 8] = [
    ("decode_none", 1),
    ("decode_lzw", 5),
    ("decode_deflate", 8),
    ("decode_packbits", 32773),
    ("decode_zstd", 50000),
    ("decode_jpeg", 7),
    ("decode_webp", 50001),
    ("decode_lerc", 34887),
];

/// Runs `data` through the entry point of target `name` (`open_cog` or a `decode_*` target).
pub fn run_target(name: &str, data: &[u8]) {
    if name == "open_cog" {
        return open_cog(data);
    }
    let code = CODECS.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("unknown fuzz target {name}")).1;
    decode(code, data)
}
