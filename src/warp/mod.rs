//! From a map tile to the source pixels that fill it: tiling schemes ([`scheme`]), CRS transforms
//! ([`crs`], [`geokeys`]), GDAL's approximate transformer ([`approx`]), overview choice ([`overview`])
//! and resampling as GDAL's warp kernel does it ([`resample`]).

pub mod approx;
pub mod crs;
pub mod geokeys;
pub mod overview;
pub mod projection;
pub mod resample;
pub mod scheme;

pub use approx::{source_grid, APPROX_MAX_ERROR};
#[cfg(target_arch = "wasm32")]
pub use crs::set_packed_epsg_table;
pub use crs::{epsg_definition, Crs, SourceCrs};
pub use overview::{choose_level, rasterio_level, region_level, target_ratio};
pub use resample::{Kernel, Resampling, ResamplingChoice};
pub use scheme::{TileScheme, MERCATOR_MAX, MERCATOR_R};
