//! Tile decoding: codec → predictor → native-endian typed samples, and the [`Raster`] they fill.
//!
//! [`decode_tile`] is synchronous and pure: the async part of the crate fetches compressed bytes, this
//! turns them into samples (so decoding can move to a worker).

pub mod codecs;
pub mod jpeg;
pub mod lzw;
pub mod predictor;
pub mod raster;

pub use raster::Raster;

use crate::error::{Error, Result};
use crate::limits::{checked_size, Limits};
use crate::tiff::tags::{compression_name, CompressionMethod, LERC};
use crate::tiff::{ByteOrder, DType, ImageInfo};

/// What is needed to decode one tile (or strip).
#[derive(Debug, Clone, Copy)]
pub struct TileSpec<'a> {
    /// TIFF compression code.
    pub compression: u64,
    /// Predictor (1, 2 or 3).
    pub predictor: u64,
    /// Tile width in pixels.
    pub width: usize,
    /// Rows in this tile.
    pub height: usize,
    /// Samples per pixel in the tile (1 for a plane of a band-separate image).
    pub samples: usize,
    /// Sample type as stored.
    pub dtype: DType,
    /// File byte order.
    pub order: ByteOrder,
    /// JPEGTables, for JPEG.
    pub jpeg_tables: Option<&'a [u8]>,
    /// Photometric interpretation (JPEG colour handling).
    pub photometric: u64,
    /// LERC's extra compression (LercParameters: 0 none, 1 DEFLATE, 2 ZSTD).
    pub lerc_additional: u64,
}

impl<'a> TileSpec<'a> {
    /// The spec of a full tile of `img` with `rows` rows.
    pub fn for_image(img: &'a ImageInfo, order: ByteOrder, rows: u64) -> Self {
        TileSpec {
            compression: img.compression,
            predictor: img.predictor,
            width: img.tile_width as usize,
            height: rows as usize,
            samples: img.samples_per_tile_pixel() as usize,
            dtype: img.dtype,
            order,
            jpeg_tables: img.jpeg_tables.as_deref(),
            photometric: img.photometric,
            lerc_additional: img.lerc_additional,
        }
    }

    /// Bytes of the decoded tile (native-endian, f16 widened to f32, bits unpacked to bytes).
    pub fn decoded_len(&self) -> usize {
        self.width * self.height * self.samples * self.dtype.decoded().size()
    }

    /// Bytes the codec must produce (as stored, before predictor and byte-order fixes).
    fn stored_len(&self) -> usize {
        if self.dtype == DType::Bit {
            (self.width * self.samples).div_ceil(8) * self.height
        } else {
            self.width * self.height * self.samples * (self.dtype.file_bits() as usize / 8)
        }
    }
}

/// Decodes one compressed tile into `spec.decoded_len()` native-endian bytes, pixel-interleaved.
pub fn decode_tile(spec: &TileSpec, data: &[u8], limits: &Limits) -> Result<Vec<u8>> {
    checked_size(
        "decoded tile bytes",
        limits.max_decoded_bytes,
        &[spec.width as u64, spec.height as u64, spec.samples as u64, spec.dtype.decoded().size() as u64],
    )?;
    use CompressionMethod as C;
    let stored = spec.stored_len();
    let name = compression_name(spec.compression);
    let method = u16::try_from(spec.compression).map_or(C::Unknown(0), C::from_u16_exhaustive);
    let raw = match method {
        C::None => codecs::none(data, stored)?,
        C::LZW => lzw::decode(data, stored)?,
        C::Deflate | C::OldDeflate => codecs::deflate(data, stored)?,
        C::PackBits => codecs::packbits(data, stored)?,
        C::ZSTD => codecs::zstd(data, stored)?,
        C::ModernJPEG | C::WebP => {
            if spec.dtype != DType::U8 {
                return Err(Error::unsupported(format!("{name} with {} samples", spec.dtype.name())));
            }
            // A frame may exceed its tile a little (strips, padding) but not by more than 4×.
            let max_frame = (spec.decoded_len().saturating_mul(4)).min(limits.max_decoded_bytes as usize);
            let (px, w, h) = if method == C::ModernJPEG {
                codecs::jpeg(
                    data,
                    spec.jpeg_tables,
                    spec.photometric,
                    spec.samples,
                    limits.max_dimension as usize,
                    max_frame,
                )?
            } else {
                codecs::webp(data, spec.samples, max_frame)?
            };
            return fit_pixels(px, w, h, spec);
        }
        LERC => {
            let out =
                codecs::lerc(data, spec.lerc_additional, spec.dtype, spec.samples, limits.max_decoded_bytes as usize)?;
            if out.len() != spec.decoded_len() {
                return Err(Error::decode(
                    "LERC",
                    format!("{} bytes decoded, the tile needs {}", out.len(), spec.decoded_len()),
                ));
            }
            return Ok(out);
        }
        _ => {
            return Err(Error::unsupported(format!("compression {} ({name})", spec.compression)));
        }
    };
    if raw.len() < stored {
        return Err(Error::decode(name, format!("{} bytes decoded, the tile needs {stored}", raw.len())));
    }
    predictor::finish(spec, raw)
}

/// Crops or pads decoded pixels (`w`×`h`, `spec.samples` u8 per pixel) to the tile's size.
fn fit_pixels(px: Vec<u8>, w: usize, h: usize, spec: &TileSpec) -> Result<Vec<u8>> {
    let s = spec.samples;
    if px.len() < w * h * s {
        return Err(Error::decode("JPEG", "decoder returned fewer samples than its frame"));
    }
    if w == spec.width && h == spec.height {
        return Ok(px);
    }
    let mut out = vec![0u8; spec.width * spec.height * s];
    let cw = w.min(spec.width) * s;
    for row in 0..h.min(spec.height) {
        out[row * spec.width * s..row * spec.width * s + cw].copy_from_slice(&px[row * w * s..row * w * s + cw]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG tile whose frame header claims 60000×60000 pixels is refused before decoding.
    #[test]
    fn oversized_jpeg_frame_is_refused() {
        let mut j = vec![0xFF, 0xD8];
        // SOF0: length 17, precision 8, height 60000, width 60000, 3 components.
        j.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x03]);
        j.extend_from_slice(&[0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        // SOS header for 3 components, then EOI.
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00]);
        j.extend_from_slice(&[0x00, 0xFF, 0xD9]);
        let spec = TileSpec {
            compression: 7,
            predictor: 1,
            width: 256,
            height: 256,
            samples: 3,
            dtype: DType::U8,
            order: ByteOrder::Little,
            jpeg_tables: None,
            photometric: 6,
            lerc_additional: 0,
        };
        let e = decode_tile(&spec, &j, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("frame 60000×60000"), "{e}");
    }

    /// Progressive and 12-bit frames are refused as unsupported, by name.
    #[test]
    fn progressive_and_12_bit_jpeg_are_unsupported() {
        for (marker, precision, name) in [(0xC2, 8, "progressive JPEG"), (0xC1, 12, "12-bit JPEG")] {
            let mut j = vec![0xFF, 0xD8, 0xFF, marker, 0x00, 0x0B, precision, 0x00, 0x10, 0x00, 0x10, 0x01];
            j.extend_from_slice(&[0x01, 0x11, 0x00, 0xFF, 0xD9]);
            let e = super::codecs::jpeg(&j, None, 1, 1, 1 << 16, 1 << 20).unwrap_err();
            assert!(matches!(e.kind, crate::error::ErrorKind::Unsupported(_)) && e.to_string().contains(name), "{e}");
        }
    }
}
