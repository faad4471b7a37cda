//! Encoders: rendered tiles as PNG (fast settings), JPEG, raw RGBA and (plain) TIFF; regions as
//! GeoTIFFs of any sample type ([`geotiff`]).

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
    /// Raw RGBA bytes, for the browser fast path.
    Rgba,
    /// TIFF: RGBA colours here; band values and georeferencing where a view has them (regions).
    Tiff,
}

impl Format {
    /// Parses `png`, `jpeg`/`jpg`, `rgba`, `tif`/`tiff` (case-insensitive).
    pub fn parse(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "rgba" | "raw" => Ok(Format::Rgba),
            "tif" | "tiff" | "geotiff" => Ok(Format::Tiff),
            o => Err(Error::usage(format!("unknown format {o:?} (png, jpeg, rgba, tiff)"))),
        }
    }
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
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
        Format::Jpeg => {
            let rgb: Vec<u8> = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                .write_image(&rgb, width, height, image::ExtendedColorType::Rgb8)
                .map_err(err)?;
        }
    }
    Ok(out)
}
