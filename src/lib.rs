//! # large-image-wasm
//!
//! django-large-image's tile server, rebuilt as a Rust library that runs natively and in WebAssembly:
//! read a Cloud Optimized GeoTIFF with HTTP range requests, decode its tiles, reproject and style them,
//! and encode map tiles — in the browser, with no backend.
//!
//! The modules import downward, in the order bytes flow:
//! [`source`] → [`tiff`] → [`decode`] → [`cog`] → [`validate`] → [`inspect`] → [`resample`] → [`warp`] →
//! [`style`] → [`encode`] ([`geotiff`], [`histogram`]) → [`api`] → [`views`] (→ the wasm-bindgen face,
//! compiled for wasm32 only).
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
pub mod cache;
pub mod cog;
pub mod decode;
pub mod encode;
pub mod error;
pub mod expr;
pub mod geokeys;
pub mod geotiff;
pub mod histogram;
pub mod inspect;
pub mod limits;
pub mod resample;
pub mod source;
pub mod stats;
pub mod style;
pub mod tiff;
pub mod titiler;
pub mod validate;
pub mod views;
pub mod warp;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
