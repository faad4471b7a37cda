//! Decompressors, each writing at most the size the tile must have.

use crate::error::{Error, Result};
use crate::tiff::tags::{named, PhotometricInterpretation};
use std::io::Read;

/// Copies uncompressed data.
pub fn none(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    Ok(data[..expected.min(data.len())].to_vec())
}

/// TIFF LZW (MSB first, with the early code-size switch), via `weezl`.
pub fn lzw(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    use weezl::{decode::Decoder, BitOrder, LzwStatus};
    let mut dec = Decoder::with_tiff_size_switch(BitOrder::Msb, 8);
    let mut out = vec![0u8; expected];
    let (mut inp, mut filled) = (0usize, 0usize);
    while filled < expected {
        let r = dec.decode_bytes(&data[inp..], &mut out[filled..]);
        inp += r.consumed_in;
        filled += r.consumed_out;
        match r.status {
            Ok(LzwStatus::Ok) if r.consumed_in == 0 && r.consumed_out == 0 => break,
            Ok(LzwStatus::Ok) => {}
            Ok(LzwStatus::Done) | Ok(LzwStatus::NoProgress) => break,
            Err(e) => {
                // Some writers leave garbage after the last code; what was decoded stands.
                if filled >= expected {
                    break;
                }
                return Err(Error::decode("LZW", e));
            }
        }
    }
    out.truncate(filled);
    Ok(out)
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

/// Zstandard, via `ruzstd`.
pub fn zstd(data: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut dec = ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| Error::decode("ZSTD", e))?;
    let mut out = Vec::with_capacity(expected);
    (&mut dec).take(expected as u64).read_to_end(&mut out).map_err(|e| Error::decode("ZSTD", e))?;
    Ok(out)
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
    check_frame("JPEG", w, h, samples, max_bytes)?;
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

/// Refuses a frame whose decoded size would pass `max_bytes` (a tiny tile may declare a huge frame).
fn check_frame(codec: &'static str, w: usize, h: usize, samples: usize, max_bytes: usize) -> Result<()> {
    let bytes = w.saturating_mul(h).saturating_mul(samples.max(1));
    if bytes > max_bytes {
        return Err(Error::decode(
            codec,
            format!("frame {w}×{h} would decode to {bytes} bytes, more than the tile may ({max_bytes})"),
        ));
    }
    Ok(())
}

/// WebP (lossy or lossless), via `image-webp`; returns RGB or RGBA samples.
pub fn webp(data: &[u8], samples: usize, max_bytes: usize) -> Result<(Vec<u8>, usize, usize)> {
    let mut dec = image_webp::WebPDecoder::new(std::io::Cursor::new(data)).map_err(|e| Error::decode("WEBP", e))?;
    let (w, h) = dec.dimensions();
    check_frame("WEBP", w as usize, h as usize, 4, max_bytes)?;
    let size = dec.output_buffer_size().ok_or_else(|| Error::decode("WEBP", "image too large"))?;
    let mut buf = vec![0u8; size];
    dec.read_image(&mut buf).map_err(|e| Error::decode("WEBP", e))?;
    let has_alpha = dec.has_alpha();
    let out = match (has_alpha, samples) {
        (true, 4) | (false, 3) => buf,
        (true, 3) => buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        (false, 4) => buf.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        (_, n) => return Err(Error::unsupported(format!("WebP with {n} samples per pixel"))),
    };
    Ok((out, w as usize, h as usize))
}

/// LERC (Esri's Limited Error Raster Compression, v2), via the pure-Rust `lerc-rs`, after the optional
/// DEFLATE (`additional` = 1) or ZSTD (2) wrapper of GDAL's LERC_DEFLATE / LERC_ZSTD. Pixels the LERC
/// mask marks invalid become NaN for floats and 0 for integers, as libtiff's LERC codec leaves them.
/// Returns native-endian samples of `dtype`.
pub fn lerc(
    data: &[u8],
    additional: u64,
    dtype: crate::tiff::DType,
    samples: usize,
    max_bytes: usize,
) -> Result<Vec<u8>> {
    use crate::tiff::DType;
    let inflated;
    let blob: &[u8] = match additional {
        0 => data,
        1 => {
            use zune_inflate::{DeflateDecoder, DeflateOptions};
            let opts = DeflateOptions::default().set_limit(max_bytes).set_confirm_checksum(false);
            inflated = DeflateDecoder::new_with_options(data, opts)
                .decode_zlib()
                .map_err(|e| Error::decode("LERC_DEFLATE", format!("{:?}", e.error)))?;
            &inflated
        }
        2 => {
            let mut dec = ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| Error::decode("LERC_ZSTD", e))?;
            let mut v = Vec::new();
            (&mut dec).take(max_bytes as u64).read_to_end(&mut v).map_err(|e| Error::decode("LERC_ZSTD", e))?;
            inflated = v;
            &inflated
        }
        a => return Err(Error::unsupported(format!("LERC with additional compression {a}"))),
    };
    let info = lerc::decode_info(blob).map_err(|e| Error::decode("LERC", e))?;
    let n = (info.width as usize)
        .saturating_mul(info.height as usize)
        .saturating_mul(info.depth.max(1) as usize)
        .saturating_mul(info.bands.max(1) as usize);
    if n.saturating_mul(dtype.size()) > max_bytes {
        return Err(Error::limit("decoded LERC tile bytes", max_bytes as u64, n.saturating_mul(dtype.size()) as u64));
    }
    if info.depth.max(1) as usize * info.bands.max(1) as usize != samples {
        return Err(Error::decode(
            "LERC",
            format!("blob has depth {} × {} bands, the tile {samples} samples", info.depth, info.bands),
        ));
    }
    fn run<T: lerc::Sample, const N: usize>(
        blob: &[u8],
        n: usize,
        fill: T,
        to_ne: fn(T) -> [u8; N],
    ) -> Result<Vec<u8>> {
        let mut out = vec![T::default(); n];
        lerc::decode_into_with_nodata(blob, &mut out, fill).map_err(|e| Error::decode("LERC", e))?;
        let mut bytes = Vec::with_capacity(n * N);
        out.into_iter().for_each(|v| bytes.extend_from_slice(&to_ne(v)));
        Ok(bytes)
    }
    match dtype {
        DType::U8 => run(blob, n, 0u8, |v| [v]),
        DType::I8 => run(blob, n, 0i8, i8::to_ne_bytes),
        DType::U16 => run(blob, n, 0u16, u16::to_ne_bytes),
        DType::I16 => run(blob, n, 0i16, i16::to_ne_bytes),
        DType::U32 => run(blob, n, 0u32, u32::to_ne_bytes),
        DType::I32 => run(blob, n, 0i32, i32::to_ne_bytes),
        DType::F32 => run(blob, n, f32::NAN, f32::to_ne_bytes),
        DType::F64 => run(blob, n, f64::NAN, f64::to_ne_bytes),
        d => Err(Error::unsupported(format!("LERC with {} samples", d.name()))),
    }
}
