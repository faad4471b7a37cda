//! Statistics over a COG's samples: one level/window walk with a valid-sample visitor ([`walk`]) that
//! serves GDAL's approximate band statistics ([`approx`]) and histograms, with numpy.histogram's
//! arithmetic ([`histogram`]).

pub mod approx;
pub mod histogram;
pub mod walk;

pub use approx::{approx_statistics, sample_level, BandStatistics};
pub use walk::{block_windows, walk, DataSamples, Window};
