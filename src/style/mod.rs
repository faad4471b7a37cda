//! Styling: turning samples into RGBA through one [`Plan`] drawn by one loop ([`plan`]). Three ways
//! in parse into it, once per request: the default style ([`DefaultStyle`]), large_image's style JSON
//! ([`Style`]) and TiTiler's query parameters ([`TitilerParams`], with band math in [`expr`]); named
//! colours and colormaps are in [`colormap`].

pub mod colormap;
pub mod default;
pub mod expr;
pub mod large_image;
pub mod plan;
pub mod titiler;

pub use colormap::{colormap, colormap_names, parse_colour};
pub use default::DefaultStyle;
pub use large_image::{BandStats, BandStyle, Bound, Style};
pub use plan::Plan;
pub use titiler::{CustomColormap, TitilerParams};
