//! Encoders: rendered tiles as PNG (fast settings), JPEG, lossless WebP, raw RGBA and (plain) TIFF;
//! regions as GeoTIFFs of any sample type ([`geotiff`]).

pub mod geotiff;

use crate::error::{Error, Result};
use image::ImageEncoder;

/// Output image formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG, RGBA.
    Png,
    /// JPEG (alpha dropped onto black).
    Jpeg,
    /// Lossless WebP (VP8L), RGBA: alpha kept.
    Webp,
    /// Raw RGBA bytes, for the browser fast path.
    Rgba,
    /// TIFF: RGBA colours here; band values and georeferencing where a view has them (regions).
    Tiff,
}

impl Format {
    /// Parses `png`, `jpeg`/`jpg`, `webp`, `rgba`, `tif`/`tiff` (case-insensitive).
    pub fn parse(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "webp" => Ok(Format::Webp),
            "rgba" | "raw" => Ok(Format::Rgba),
            "tif" | "tiff" | "geotiff" => Ok(Format::Tiff),
            o => Err(Error::usage(format!("unknown format {o:?} (png, jpeg, webp, rgba, tiff)"))),
        }
    }
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
            Format::Rgba => "application/octet-stream",
            Format::Tiff => "image/tiff",
        }
    }
}

/// Encodes `width`×`height` RGBA pixels.
pub fn encode(rgba: Vec<u8>, width: u32, height: u32, format: Format) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let err = |e: image::ImageError| Error::usage(format!("encoding failed: {e}"));
    match format {
        Format::Rgba => return Ok(rgba),
        Format::Tiff => {
            use geotiff::{write_geotiff, GeoTiff, Photometric};
            let (width, height) = (width as usize, height as usize);
            return write_geotiff(&GeoTiff {
                width,
                height,
                bands: 4,
                dtype: crate::tiff::DType::U8,
                data: &rgba,
                photometric: Photometric::Rgb,
                geotransform: None,
                geokeys: &[],
                nodata: None,
                mask: None,
            });
        }
        Format::Png => {
            use image::codecs::png::{CompressionType, FilterType, PngEncoder};
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(&rgba, width, height, image::ExtendedColorType::Rgba8)
                .map_err(err)?;
        }
        Format::Webp => {
            check_rgba_len(&rgba, width, height)?;
            return crate::decode::codecs::webp_encode(&rgba, width, height);
        }
        Format::Jpeg => {
            let rgb: Vec<u8> = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                .write_image(&rgb, width, height, image::ExtendedColorType::Rgb8)
                .map_err(err)?;
        }
    }
    Ok(out)
}

/// The WebP encoder refuses a buffer of the wrong size: refuse it here, before it is sent to the codec module.
fn check_rgba_len(rgba: &[u8], width: u32, height: u32) -> Result<()> {
    let want = (width as u64) * (height as u64) * 4;
    if rgba.len() as u64 != want {
        return Err(Error::usage(format!("{width}×{height} RGBA needs {want} bytes, got {}", rgba.len())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lossless WebP decodes (with image-webp's decoder, the codec module's, as GDAL's WebP codec would
    /// read it) to the very RGBA it was given, alpha included.
    #[test]
    fn webp_round_trips_rgba_exactly() {
        let (w, h) = (37u32, 23u32);
        let rgba: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i * 7) as u8, (i * 13 / 3) as u8, (255 - i % 256) as u8, if i % 5 == 0 { 0 } else { 200 }])
            .collect();
        let bytes = encode(rgba.clone(), w, h, Format::Webp).unwrap();
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WEBP");
        let d = large_image_codecs::Request::Webp { data: &bytes, samples: 4, max_bytes: 1 << 20 }.run().unwrap();
        assert_eq!((d.width, d.height), (w as usize, h as usize));
        assert_eq!(d.bytes, rgba);
        assert_eq!(Format::parse("WebP").unwrap().mime(), "image/webp");
    }

    #[test]
    fn webp_of_a_short_buffer_is_an_error_not_a_panic() {
        let e = encode(vec![0; 10], 4, 4, Format::Webp).unwrap_err().to_string();
        assert!(e.contains("needs 64 bytes"), "{e}");
    }
}
