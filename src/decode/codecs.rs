//! Decompressors, each writing at most the size the tile must have. ZSTD, WebP and LERC are those of
//! [`large_image_codecs`]: called directly in native builds, in the codec module (`pkg/codecs.wasm`,
//! see `module`, wasm only) in wasm builds; so is the WebP encoder of `.webp` tiles.

use crate::error::{Error, Result};
use crate::tiff::tags::{named, PhotometricInterpretation};
use crate::tiff::DType;
use large_image_codecs::{Codec, CodecError, Decoded, Request, Sample};

/// Copies uncompressed data.
pub fn none(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    Ok(data[..expected.min(data.len())].to_vec())
}

/// zlib-wrapped DEFLATE (TIFF compression 8 and 32946), via `zune-inflate`.
pub fn deflate(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    use zune_inflate::{DeflateDecoder, DeflateOptions};
    let opts = DeflateOptions::default().set_limit(expected.max(1)).set_size_hint(expected).set_confirm_checksum(false);
    let mut dec = DeflateDecoder::new_with_options(data, opts);
    match dec.decode_zlib() {
        Ok(v) => Ok(v),
        Err(e) => {
            // Output that reached the tile size and stopped on the limit is complete.
            if e.data.len() >= expected {
                Ok(e.data)
            } else {
                Err(Error::decode("DEFLATE", format!("{e:?}").chars().take(200).collect::<String>()))
            }
        }
    }
}

/// PackBits run-length decoding.
pub fn packbits(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(expected);
    let mut i = 0;
    while i < data.len() && out.len() < expected {
        let n = data[i] as i8;
        i += 1;
        if n >= 0 {
            let len = n as usize + 1;
            let lit = data.get(i..i + len).ok_or_else(|| Error::decode("PACKBITS", "literal run past the end"))?;
            out.extend_from_slice(lit);
            i += len;
        } else if n != -128 {
            let b = *data.get(i).ok_or_else(|| Error::decode("PACKBITS", "repeat run past the end"))?;
            out.extend(std::iter::repeat_n(b, (1 - n as isize) as usize));
            i += 1;
        }
    }
    out.truncate(expected);
    Ok(out)
}

/// Zstandard (in the codec module, see [`large_image_codecs`]).
pub fn zstd(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    Ok(run(Request::Zstd { data, expected })?.bytes)
}

/// JPEG, decoded as GDAL (libtiff + libjpeg-turbo) decodes it, see [`super::jpeg`]: the TIFF
/// `JPEGTables` stream is read before the tile; photometric YCbCr is converted to RGB (libtiff's
/// `JPEGCOLORMODE_RGB`, which GDAL sets), any other photometric comes out as stored. A frame larger than
/// `max_dim` on a side or decoding to more than `max_bytes` is refused before anything is allocated.
pub fn jpeg(
    data: &[u8],
    tables: Option<&[u8]>,
    photometric: u64,
    samples: usize,
    max_dim: usize,
    max_bytes: usize,
) -> Result<(Vec<u8>, usize, usize)> {
    let dec = super::jpeg::Decoder::new(tables, data)?;
    let (w, h) = dec.dimensions();
    large_image_codecs::check_frame(Codec::Jpeg, w, h, samples, max_bytes)?;
    if w > max_dim || h > max_dim {
        return Err(Error::limit("JPEG frame dimension", max_dim as u64, w.max(h) as u64));
    }
    if dec.components() != samples {
        return Err(Error::decode(
            "JPEG",
            format!("{} components in the frame, the tile has {samples} samples", dec.components()),
        ));
    }
    // Block padding and chroma planes add at most a few times the frame's own size.
    let ycbcr = named(photometric, PhotometricInterpretation::from_u16) == Some(PhotometricInterpretation::YCbCr);
    let pixels = dec.decode(ycbcr, max_bytes.saturating_mul(4).max(1 << 20))?;
    Ok((pixels, w, h))
}

/// WebP (lossy or lossless), in the codec module; returns RGB or RGBA samples and the frame's size.
pub fn webp(data: &[u8], samples: usize, max_bytes: usize) -> Result<(Vec<u8>, usize, usize)> {
    let d = run(Request::Webp { data, samples, max_bytes })?;
    Ok((d.bytes, d.width, d.height))
}

/// Lossless WebP of `width`×`height` RGBA pixels (the `.webp` tiles, regions and thumbnails), in the
/// codec module.
pub fn webp_encode(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    Ok(run(Request::WebpEncode { rgba, width, height })?.bytes)
}

/// LERC (Esri's Limited Error Raster Compression, v2), in the codec module, after the optional
/// DEFLATE (`additional` = 1) or ZSTD (2) wrapper of GDAL's LERC_DEFLATE / LERC_ZSTD. Pixels the LERC
/// mask marks invalid become NaN for floats and 0 for integers, as libtiff's LERC codec leaves them.
/// Returns native-endian samples of `dtype`.
pub fn lerc(data: &[u8], additional: u64, dtype: DType, samples: usize, max_bytes: usize) -> Result<Vec<u8>> {
    let sample = match dtype {
        DType::U8 => Sample::U8,
        DType::I8 => Sample::I8,
        DType::U16 => Sample::U16,
        DType::I16 => Sample::I16,
        DType::U32 => Sample::U32,
        DType::I32 => Sample::I32,
        DType::F32 => Sample::F32,
        DType::F64 => Sample::F64,
        d => return Err(Error::unsupported(format!("LERC with {} samples", d.name()))),
    };
    Ok(run(Request::Lerc { data, additional, sample, samples, max_bytes })?.bytes)
}

impl From<CodecError> for Error {
    fn from(e: CodecError) -> Error {
        match e {
            CodecError::Decode { codec, reason } => Error::decode(codec.name(), reason),
            CodecError::Unsupported(m) => Error::unsupported(m),
            CodecError::Limit { codec, limit, requested } => Error::limit(codec.limit_what(), limit, requested),
        }
    }
}

/// Whether tiles of TIFF compression `compression` decode in the codec module (ZSTD, WebP, LERC), which
/// a wasm build must have loaded (`module::install`) before decoding one; native builds link it.
pub fn in_codec_module(compression: u64) -> bool {
    use crate::tiff::tags::{CompressionMethod as C, LERC};
    let method = u16::try_from(compression).map_or(C::Unknown(0), C::from_u16_exhaustive);
    matches!(method, C::ZSTD | C::WebP) || method == LERC
}

/// Runs a request: here in native builds.
#[cfg(not(target_arch = "wasm32"))]
fn run(req: Request) -> Result<Decoded> {
    Ok(req.run()?)
}

/// Runs a request: in the codec module in wasm builds.
#[cfg(target_arch = "wasm32")]
fn run(req: Request) -> Result<Decoded> {
    module::call(&req)
}

/// The codec module of a wasm build (`pkg/codecs.wasm`): the wasm face installs the function that
/// runs a request there once the module is loaded; until then its tiles are refused.
#[cfg(target_arch = "wasm32")]
pub mod module {
    use super::{Decoded, Error, Request, Result};
    use crate::slot::Slot;

    /// Runs a request's bytes in the codec module: its answer's bytes, or why it could not be run.
    pub type Runner = Box<dyn Fn(&[u8]) -> std::result::Result<Vec<u8>, String>>;

    thread_local! {
        static RUNNER: Slot<Runner> = const { Slot::new() };
    }

    /// Whether the codec module is installed.
    pub fn installed() -> bool {
        RUNNER.with(Slot::is_set)
    }

    /// Installs the codec module (the first call counts).
    pub fn install(run: Runner) {
        RUNNER.with(|r| r.set(run));
    }

    pub(super) fn call(req: &Request) -> Result<Decoded> {
        let name = req.codec().name();
        let answer = RUNNER.with(|r| {
            r.with(|run| match run {
                Some(run) => {
                    run(&req.to_bytes()).map_err(|e| Error::decode(name, format!("the codec module failed: {e}")))
                }
                None => {
                    Err(Error::unsupported(format!("{name} tiles need the codec module (pkg/codecs.wasm), not loaded")))
                }
            })
        })?;
        Ok(large_image_codecs::response_from_bytes(answer)?)
    }
}
