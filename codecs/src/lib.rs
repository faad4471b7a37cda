//! The rarely used tile decoders of large-image-wasm: ZSTD (our own, [`zstandard`]), WebP (`image-webp`) and LERC 2
//! (`lerc-rs`, with GDAL's optional DEFLATE or ZSTD wrapper), all pure Rust.
//!
//! Native builds of the main crate call [`Request::run`] directly. In the browser they are a second wasm
//! module, `pkg/codecs.wasm` (this crate with the `module` feature, see [`module`](crate#the-module)),
//! which the page loads only when an opened image needs one of them: the main module then sends each
//! [`Request`] as bytes ([`Request::to_bytes`]) and reads the answer back ([`response_from_bytes`]), the
//! one wire format both sides share from here.
//!
//! # The module
//! With the `module` feature on wasm32 the crate exports `liwc_alloc(len) → ptr` (room for a request),
//! `liwc_run(ptr, len) → n` (runs the request there, frees it, and keeps the answer's `n` bytes) and
//! `liwc_out() → ptr` (where that answer is, until the next `liwc_run`); `www/lib/codecs.js` drives them.

#[cfg(all(feature = "module", target_arch = "wasm32"))]
mod module;
pub mod zstandard;

/// The codecs, as named in errors (the main crate's codec names, GDAL's `COMPRESS=` spellings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// ZSTD (TIFF compression 50000).
    Zstd,
    /// WebP (50001).
    Webp,
    /// LERC (34887) without a wrapper.
    Lerc,
    /// LERC's DEFLATE wrapper (`LERC_DEFLATE`).
    LercDeflate,
    /// LERC's ZSTD wrapper (`LERC_ZSTD`).
    LercZstd,
    /// JPEG, decoded by the main crate, which checks its frames with [`check_frame`] too.
    Jpeg,
}

const CODECS: [Codec; 6] = [Codec::Zstd, Codec::Webp, Codec::Lerc, Codec::LercDeflate, Codec::LercZstd, Codec::Jpeg];

impl Codec {
    /// The name errors give (`ZSTD`, `WEBP`, `LERC`, `LERC_DEFLATE`, `LERC_ZSTD`, `JPEG`).
    pub fn name(self) -> &'static str {
        match self {
            Codec::Zstd => "ZSTD",
            Codec::Webp => "WEBP",
            Codec::Lerc => "LERC",
            Codec::LercDeflate => "LERC_DEFLATE",
            Codec::LercZstd => "LERC_ZSTD",
            Codec::Jpeg => "JPEG",
        }
    }

    /// What a [`CodecError::Limit`] of this codec measured.
    pub fn limit_what(self) -> &'static str {
        match self {
            Codec::Zstd => "decoded ZSTD tile bytes",
            Codec::Webp => "decoded WEBP tile bytes",
            Codec::Lerc | Codec::LercDeflate | Codec::LercZstd => "decoded LERC tile bytes",
            Codec::Jpeg => "decoded JPEG tile bytes",
        }
    }

    fn code(self) -> u8 {
        CODECS.iter().position(|&c| c == self).unwrap_or(0) as u8
    }

    fn from_code(b: u8) -> Codec {
        CODECS.get(b as usize).copied().unwrap_or(Codec::Zstd)
    }
}

/// Why a tile did not decode; the main crate turns each into its own error of the same kind.
#[derive(Debug, Clone, PartialEq)]
pub enum CodecError {
    /// The data is not valid for the codec.
    Decode {
        /// Which codec.
        codec: Codec,
        /// What the decoder said.
        reason: String,
    },
    /// A valid tile of a kind not supported (e.g. WebP with 2 samples per pixel).
    Unsupported(String),
    /// The tile would decode to more than allowed.
    Limit {
        /// Which codec.
        codec: Codec,
        /// The limit.
        limit: u64,
        /// What the tile asks for.
        requested: u64,
    },
}

impl CodecError {
    fn decode(codec: Codec, reason: impl std::fmt::Display) -> Self {
        CodecError::Decode { codec, reason: reason.to_string() }
    }
}

/// The sample types LERC tiles may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// `u8`
    U8,
    /// `i8`
    I8,
    /// `u16`
    U16,
    /// `i16`
    I16,
    /// `u32`
    U32,
    /// `i32`
    I32,
    /// `f32` (invalid pixels NaN)
    F32,
    /// `f64` (invalid pixels NaN)
    F64,
}

const SAMPLES: [Sample; 8] =
    [Sample::U8, Sample::I8, Sample::U16, Sample::I16, Sample::U32, Sample::I32, Sample::F32, Sample::F64];

impl Sample {
    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            Sample::U8 | Sample::I8 => 1,
            Sample::U16 | Sample::I16 => 2,
            Sample::U32 | Sample::I32 | Sample::F32 => 4,
            Sample::F64 => 8,
        }
    }
}

/// A decoded tile: native-endian samples; for WebP, the frame's size (0 × 0 for the others).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decoded {
    /// The samples.
    pub bytes: Vec<u8>,
    /// Frame width (WebP).
    pub width: usize,
    /// Frame height (WebP).
    pub height: usize,
}

/// One tile to decode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request<'a> {
    /// Zstandard, at most `expected` bytes out.
    Zstd {
        /// The compressed tile.
        data: &'a [u8],
        /// Bytes the tile needs (more are not decoded).
        expected: usize,
    },
    /// WebP (lossy or lossless) to RGB (`samples` 3) or RGBA (4).
    Webp {
        /// The compressed tile.
        data: &'a [u8],
        /// Samples per pixel wanted.
        samples: usize,
        /// Largest decoded frame allowed, in bytes.
        max_bytes: usize,
    },
    /// Not a decode: `width`×`height` RGBA pixels to a lossless WebP file (the `.webp` tiles, regions
    /// and thumbnails), answered as the file's bytes.
    WebpEncode {
        /// The pixels.
        rgba: &'a [u8],
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// LERC 2 after its optional wrapper (`additional`: 0 none, 1 DEFLATE, 2 ZSTD).
    Lerc {
        /// The compressed tile.
        data: &'a [u8],
        /// LercParameters' extra compression.
        additional: u64,
        /// The tile's sample type.
        sample: Sample,
        /// Samples per pixel of the tile.
        samples: usize,
        /// Largest decoded tile allowed, in bytes.
        max_bytes: usize,
    },
}

/// Bytes of a request's head: an op byte and four u64 fields, little-endian; the data follows.
const HEAD: usize = 1 + 4 * 8;

impl<'a> Request<'a> {
    /// The codec errors of this request are named after.
    pub fn codec(&self) -> Codec {
        match self {
            Request::Zstd { .. } => Codec::Zstd,
            Request::Webp { .. } | Request::WebpEncode { .. } => Codec::Webp,
            Request::Lerc { .. } => Codec::Lerc,
        }
    }

    /// Decodes the tile (encodes the pixels, for [`Request::WebpEncode`]).
    pub fn run(&self) -> Result<Decoded, CodecError> {
        match *self {
            Request::Zstd { data, expected } => {
                Ok(Decoded { bytes: zstd(Codec::Zstd, data, expected)?, ..Decoded::default() })
            }
            Request::Webp { data, samples, max_bytes } => webp(data, samples, max_bytes),
            Request::WebpEncode { rgba, width, height } => webp_encode(rgba, width, height),
            Request::Lerc { data, additional, sample, samples, max_bytes } => {
                Ok(Decoded { bytes: lerc(data, additional, sample, samples, max_bytes)?, ..Decoded::default() })
            }
        }
    }

    /// The request as the module reads it ([`Request::from_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let (op, fields, data) = match *self {
            Request::Zstd { data, expected } => (1u8, [expected as u64, 0, 0, 0], data),
            Request::Webp { data, samples, max_bytes } => (2, [samples as u64, max_bytes as u64, 0, 0], data),
            Request::WebpEncode { rgba, width, height } => (4, [width as u64, height as u64, 0, 0], rgba),
            Request::Lerc { data, additional, sample, samples, max_bytes } => {
                let code = SAMPLES.iter().position(|&s| s == sample).unwrap_or(0) as u64;
                (3, [additional, code, samples as u64, max_bytes as u64], data)
            }
        };
        let mut out = Vec::with_capacity(HEAD + data.len());
        out.push(op);
        fields.iter().for_each(|f| out.extend_from_slice(&f.to_le_bytes()));
        out.extend_from_slice(data);
        out
    }

    /// Reads a request written by [`Request::to_bytes`].
    pub fn from_bytes(b: &'a [u8]) -> Result<Self, CodecError> {
        if b.len() < HEAD {
            return Err(CodecError::Unsupported(format!("a codec request of {} bytes", b.len())));
        }
        let f = |i: usize| u64::from_le_bytes(b[1 + 8 * i..9 + 8 * i].try_into().unwrap_or_default());
        let data = &b[HEAD..];
        match b[0] {
            1 => Ok(Request::Zstd { data, expected: f(0) as usize }),
            2 => Ok(Request::Webp { data, samples: f(0) as usize, max_bytes: f(1) as usize }),
            3 => Ok(Request::Lerc {
                data,
                additional: f(0),
                sample: SAMPLES.get(f(1) as usize).copied().unwrap_or(Sample::U8),
                samples: f(2) as usize,
                max_bytes: f(3) as usize,
            }),
            4 => Ok(Request::WebpEncode { rgba: data, width: f(0) as u32, height: f(1) as u32 }),
            op => Err(CodecError::Unsupported(format!("codec request {op}"))),
        }
    }
}

/// An answer as bytes: `0`, width and height (u32 LE), the samples; or an error: `1` codec reason,
/// `2` message, `3` codec limit requested (u64 LE).
pub fn response_to_bytes(r: &Result<Decoded, CodecError>) -> Vec<u8> {
    match r {
        Ok(d) => {
            let mut out = Vec::with_capacity(9 + d.bytes.len());
            out.push(0);
            out.extend_from_slice(&(d.width as u32).to_le_bytes());
            out.extend_from_slice(&(d.height as u32).to_le_bytes());
            out.extend_from_slice(&d.bytes);
            out
        }
        Err(CodecError::Decode { codec, reason }) => [&[1, codec.code()], reason.as_bytes()].concat(),
        Err(CodecError::Unsupported(m)) => [&[2], m.as_bytes()].concat(),
        Err(CodecError::Limit { codec, limit, requested }) => {
            [&[3, codec.code()][..], &limit.to_le_bytes(), &requested.to_le_bytes()].concat()
        }
    }
}

/// Reads an answer written by [`response_to_bytes`].
pub fn response_from_bytes(mut b: Vec<u8>) -> Result<Decoded, CodecError> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let u64_at =
        |b: &[u8], i: usize| b.get(i..i + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or_default()));
    match b.first().copied() {
        Some(0) if b.len() >= 9 => {
            let width = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
            let height = u32::from_le_bytes([b[5], b[6], b[7], b[8]]) as usize;
            b.drain(..9);
            Ok(Decoded { bytes: b, width, height })
        }
        Some(1) if b.len() >= 2 => Err(CodecError::Decode { codec: Codec::from_code(b[1]), reason: text(&b[2..]) }),
        Some(2) => Err(CodecError::Unsupported(text(&b[1..]))),
        Some(3) if b.len() >= 18 => {
            Err(CodecError::Limit { codec: Codec::from_code(b[1]), limit: u64_at(&b, 2), requested: u64_at(&b, 10) })
        }
        _ => Err(CodecError::Unsupported(format!("a codec answer of {} bytes", b.len()))),
    }
}

/// Refuses a frame whose decoded size would pass `max_bytes` (a tiny tile may declare a huge frame).
pub fn check_frame(codec: Codec, w: usize, h: usize, samples: usize, max_bytes: usize) -> Result<(), CodecError> {
    let bytes = w.saturating_mul(h).saturating_mul(samples.max(1));
    if bytes > max_bytes {
        return Err(CodecError::decode(
            codec,
            format!("frame {w}×{h} would decode to {bytes} bytes, more than the tile may ({max_bytes})"),
        ));
    }
    Ok(())
}

/// Zstandard, via [`zstandard`]: at most `limit` bytes.
fn zstd(codec: Codec, data: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    zstandard::decode(data, limit).map_err(|e| CodecError::decode(codec, e))
}

/// WebP (lossy or lossless), via `image-webp`; returns RGB or RGBA samples.
fn webp(data: &[u8], samples: usize, max_bytes: usize) -> Result<Decoded, CodecError> {
    let err = |e: image_webp::DecodingError| CodecError::decode(Codec::Webp, e);
    let mut dec = image_webp::WebPDecoder::new(std::io::Cursor::new(data)).map_err(err)?;
    let (w, h) = dec.dimensions();
    check_frame(Codec::Webp, w as usize, h as usize, 4, max_bytes)?;
    let size = dec.output_buffer_size().ok_or_else(|| CodecError::decode(Codec::Webp, "image too large"))?;
    let mut buf = vec![0u8; size];
    dec.read_image(&mut buf).map_err(err)?;
    let has_alpha = dec.has_alpha();
    let bytes = match (has_alpha, samples) {
        (true, 4) | (false, 3) => buf,
        (true, 3) => buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        (false, 4) => buf.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        (_, n) => return Err(CodecError::Unsupported(format!("WebP with {n} samples per pixel"))),
    };
    Ok(Decoded { bytes, width: w as usize, height: h as usize })
}

/// LERC 2, via the pure-Rust `lerc-rs`, after the optional DEFLATE (`additional` = 1) or ZSTD (2)
/// wrapper of GDAL's LERC_DEFLATE / LERC_ZSTD. Pixels the LERC mask marks invalid become NaN for floats
/// Lossless WebP of `width`×`height` RGBA pixels, via `image-webp` (a buffer of another size is refused:
/// the encoder would panic on it).
fn webp_encode(rgba: &[u8], width: u32, height: u32) -> Result<Decoded, CodecError> {
    let want = (width as u64) * (height as u64) * 4;
    if rgba.len() as u64 != want {
        return Err(CodecError::Unsupported(format!("{width}×{height} RGBA needs {want} bytes, got {}", rgba.len())));
    }
    let mut bytes = Vec::new();
    image_webp::WebPEncoder::new(&mut bytes)
        .encode(rgba, width, height, image_webp::ColorType::Rgba8)
        .map_err(|e| CodecError::Unsupported(format!("WebP encoding failed: {e}")))?;
    Ok(Decoded { bytes, width: width as usize, height: height as usize })
}

/// and 0 for integers, as libtiff's LERC codec leaves them. Returns native-endian samples.
fn lerc(data: &[u8], additional: u64, sample: Sample, samples: usize, max_bytes: usize) -> Result<Vec<u8>, CodecError> {
    let inflated;
    let blob: &[u8] = match additional {
        0 => data,
        1 => {
            use zune_inflate::{DeflateDecoder, DeflateOptions};
            let opts = DeflateOptions::default().set_limit(max_bytes).set_confirm_checksum(false);
            inflated = DeflateDecoder::new_with_options(data, opts)
                .decode_zlib()
                .map_err(|e| CodecError::decode(Codec::LercDeflate, format!("{:?}", e.error)))?;
            &inflated
        }
        2 => {
            inflated = zstd(Codec::LercZstd, data, max_bytes)?;
            &inflated
        }
        a => return Err(CodecError::Unsupported(format!("LERC with additional compression {a}"))),
    };
    let err = |e: lerc::LercError| CodecError::decode(Codec::Lerc, e);
    let info = lerc::decode_info(blob).map_err(err)?;
    let n = (info.width as usize)
        .saturating_mul(info.height as usize)
        .saturating_mul(info.depth.max(1) as usize)
        .saturating_mul(info.bands.max(1) as usize);
    if n.saturating_mul(sample.size()) > max_bytes {
        return Err(CodecError::Limit {
            codec: Codec::Lerc,
            limit: max_bytes as u64,
            requested: n.saturating_mul(sample.size()) as u64,
        });
    }
    if info.depth.max(1) as usize * info.bands.max(1) as usize != samples {
        return Err(CodecError::decode(
            Codec::Lerc,
            format!("blob has depth {} × {} bands, the tile {samples} samples", info.depth, info.bands),
        ));
    }
    fn run<T: lerc::Sample, const N: usize>(
        blob: &[u8],
        n: usize,
        fill: T,
        to_ne: fn(T) -> [u8; N],
    ) -> Result<Vec<u8>, CodecError> {
        let mut out = vec![T::default(); n];
        lerc::decode_into_with_nodata(blob, &mut out, fill).map_err(|e| CodecError::decode(Codec::Lerc, e))?;
        let mut bytes = Vec::with_capacity(n * N);
        out.into_iter().for_each(|v| bytes.extend_from_slice(&to_ne(v)));
        Ok(bytes)
    }
    match sample {
        Sample::U8 => run(blob, n, 0u8, |v| [v]),
        Sample::I8 => run(blob, n, 0i8, i8::to_ne_bytes),
        Sample::U16 => run(blob, n, 0u16, u16::to_ne_bytes),
        Sample::I16 => run(blob, n, 0i16, i16::to_ne_bytes),
        Sample::U32 => run(blob, n, 0u32, u32::to_ne_bytes),
        Sample::I32 => run(blob, n, 0i32, i32::to_ne_bytes),
        Sample::F32 => run(blob, n, f32::NAN, f32::to_ne_bytes),
        Sample::F64 => run(blob, n, f64::NAN, f64::to_ne_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every request and every kind of answer reads back as it was written.
    #[test]
    fn the_wire_format_round_trips() {
        let data = [9u8, 8, 7];
        for r in [
            Request::Zstd { data: &data, expected: 1 << 40 },
            Request::Webp { data: &data, samples: 4, max_bytes: 12345 },
            Request::Lerc { data: &data, additional: 2, sample: Sample::F64, samples: 3, max_bytes: 7 },
            Request::Lerc { data: &[], additional: 0, sample: Sample::I8, samples: 1, max_bytes: 0 },
            Request::WebpEncode { rgba: &[1, 2, 3, 4], width: 1, height: 1 },
        ] {
            assert_eq!(Request::from_bytes(&r.to_bytes()).unwrap(), r);
        }
        for a in [
            Ok(Decoded { bytes: vec![1, 2, 3, 4], width: 2, height: 300 }),
            Ok(Decoded::default()),
            Err(CodecError::Decode { codec: Codec::LercZstd, reason: "bad × frame".into() }),
            Err(CodecError::Unsupported("WebP with 2 samples per pixel".into())),
            Err(CodecError::Limit { codec: Codec::Lerc, limit: 1 << 33, requested: u64::MAX }),
        ] {
            assert_eq!(response_from_bytes(response_to_bytes(&a)), a);
        }
        assert!(Request::from_bytes(&[1, 2]).is_err());
    }

    #[test]
    fn webp_encoding_round_trips_and_refuses_a_short_buffer() {
        let rgba: Vec<u8> = (0..7 * 5 * 4).map(|i| (i * 37 % 251) as u8).collect();
        let file = Request::WebpEncode { rgba: &rgba, width: 7, height: 5 }.run().unwrap().bytes;
        let back = Request::Webp { data: &file, samples: 4, max_bytes: 1 << 20 }.run().unwrap();
        assert_eq!((back.bytes, back.width, back.height), (rgba.clone(), 7, 5));
        let e = Request::WebpEncode { rgba: &rgba[1..], width: 7, height: 5 }.run().unwrap_err();
        assert_eq!(e, CodecError::Unsupported("7×5 RGBA needs 140 bytes, got 139".into()));
    }

    /// Errors name their codec as the main crate did when it held these decoders.
    #[test]
    fn errors_name_the_codec() {
        let e = Request::Zstd { data: b"not zstd", expected: 10 }.run().unwrap_err();
        assert!(matches!(e, CodecError::Decode { codec: Codec::Zstd, .. }), "{e:?}");
        let e = Request::Lerc { data: b"x", additional: 2, sample: Sample::U8, samples: 1, max_bytes: 10 }.run();
        assert!(matches!(e, Err(CodecError::Decode { codec: Codec::LercZstd, .. })), "{e:?}");
        let e = Request::Lerc { data: b"x", additional: 5, sample: Sample::U8, samples: 1, max_bytes: 10 }.run();
        assert_eq!(e, Err(CodecError::Unsupported("LERC with additional compression 5".into())));
        assert!(check_frame(Codec::Jpeg, 100, 100, 3, 29_999).is_err());
        assert!(check_frame(Codec::Jpeg, 100, 100, 3, 30_000).is_ok());
    }
}
