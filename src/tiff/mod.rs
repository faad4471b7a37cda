//! The TIFF container: header, IFDs, named tags, GeoKeys and the lazy tile index.

pub mod file;
pub mod geo;
pub mod ifd;
pub mod image;
pub mod tags;

pub use file::{TiffFile, DEFAULT_HEADER_BYTES};
pub use geo::{GeoTransform, Georef};
pub use ifd::{ByteOrder, Entry, Header};
pub use image::{DType, ImageInfo};
