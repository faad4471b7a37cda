//! # large-image-wasm
//!
//! django-large-image's tile server, rebuilt as a Rust library that runs natively and in WebAssembly:
//! read a Cloud Optimized GeoTIFF with HTTP range requests, decode its tiles, reproject and style them,
//! and encode map tiles — in the browser, with no backend.
//!
//! The modules are the pipeline's stages, each importing only the stages above it, in the order the
//! bytes flow: [`source`] (range reads) → [`tiff`] (header, IFDs, named tags) → [`decode`] (codecs,
//! [`decode::Raster`]) → [`cog`] (levels, windowed reads, validation) → [`warp`] (tile schemes, CRSs,
//! resampling) → [`style`] (one render plan) → [`stats`] (statistics, histograms) → [`encode`] (PNG,
//! JPEG, GeoTIFF) → [`api`] (large_image's views) → the wasm-bindgen face (wasm32 only).
//!
//! ```no_run
//! # async fn demo() -> large_image_wasm::error::Result<()> {
//! use large_image_wasm::{api::{LargeImage, TileOptions}, cog::OpenOptions, source::FileSource};
//! let img = LargeImage::open(FileSource::open("www/data/bmng.tif")?, OpenOptions::default()).await?;
//! let meta = img.metadata(Some("EPSG:3857")).await?;
//! let mut opts = TileOptions::default();
//! opts.projection = Some("EPSG:3857".into());
//! let png = img.tile(2, 2, 1, &opts).await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod api;
pub mod cog;
pub mod decode;
pub mod encode;
pub mod error;
pub mod limits;
pub mod order;
#[cfg(target_arch = "wasm32")]
pub mod slot;
pub mod source;
pub mod stats;
pub mod style;
pub mod tiff;
pub mod warp;

#[cfg(test)]
mod test_rng;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
