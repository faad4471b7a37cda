//! A COG opened for reading: its pyramid levels, masks and georeferencing ([`Cog`]); windowed reads
//! that fetch only the tiles a window touches ([`window`]); COG validation with GDAL's rules
//! ([`validate`]) and the file's structure as JSON ([`inspect`]).

pub mod inspect;
pub mod validate;
pub mod window;

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::source::plan::TileGroups;
use crate::source::{ByteLru, RangeSource};
use crate::tiff::geo::read_georef;
use crate::tiff::{Georef, ImageInfo, TiffFile, DEFAULT_HEADER_BYTES};
use std::collections::HashMap;
use std::sync::Mutex;
use window::{Inflight, TileKey};

/// Options for [`Cog::open`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Size of the first read, in bytes (default 64 KiB).
    pub header_bytes: u64,
    /// Caps for untrusted input.
    pub limits: Limits,
    /// Budget of the decoded-tile cache, in bytes (default 64 MiB).
    pub cache_bytes: usize,
    /// The fixed grid of tile requests: each tile is fetched in the one range of its group of consecutive
    /// tiles of a row (default: one tile per group, its own range), so that an edge cache keyed by range
    /// sees the same request for the same tile whatever was asked before.
    pub tile_groups: TileGroups,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            header_bytes: DEFAULT_HEADER_BYTES,
            limits: Limits::default(),
            cache_bytes: 64 << 20,
            tile_groups: TileGroups { per_group: 1, max_span: 16 << 20 },
        }
    }
}

/// A Cloud Optimized GeoTIFF (or any tiled or stripped TIFF) open for reading.
#[derive(Debug)]
pub struct Cog<S> {
    /// The TIFF structure.
    pub file: TiffFile<S>,
    /// Image indexes of the pyramid, full resolution first, then overviews by decreasing size.
    pub levels: Vec<usize>,
    /// For each level, the image index of its transparency mask, if any.
    pub masks: Vec<Option<usize>>,
    /// Georeferencing of the full-resolution image.
    pub georef: Option<Georef>,
    opts: OpenOptions,
    tiles: Mutex<ByteLru<TileKey>>,
    inflight: Mutex<Inflight>,
}

impl<S: RangeSource> Cog<S> {
    /// Opens `src`: one request of `opts.header_bytes` for a usual COG.
    pub async fn open(src: S, opts: OpenOptions) -> Result<Self> {
        let file = TiffFile::open(src, opts.header_bytes, opts.limits.clone()).await?;
        let url = file.url().to_string();
        let imgs = &file.images;
        let full = imgs
            .iter()
            .position(|i| !i.is_mask())
            .ok_or_else(|| Error::format("the file holds only masks").at_url(&url))?;
        let base = &imgs[full];
        let mut levels: Vec<usize> = (0..imgs.len())
            .filter(|&i| {
                let im = &imgs[i];
                i == full
                    || (!im.is_mask() && im.width < base.width && im.samples == base.samples && im.dtype == base.dtype)
            })
            .collect();
        crate::order::sort_by_key(&mut levels, |&i| (u64::MAX - imgs[i].width) as u128);
        levels.dedup_by_key(|&mut i| imgs[i].width);
        let masks = levels
            .iter()
            .map(|&l| imgs.iter().position(|m| m.is_mask() && m.width == imgs[l].width && m.height == imgs[l].height))
            .collect();
        let georef = read_georef(base, file.header.order).map_err(|e| e.at_url(&url))?;
        let tiles = Mutex::new(ByteLru::new(opts.cache_bytes));
        Ok(Cog { file, levels, masks, georef, opts, tiles, inflight: Mutex::new(HashMap::new()) })
    }

    /// The URL being read.
    pub fn url(&self) -> &str {
        self.file.url()
    }

    /// The image of pyramid level `level` (0 = full resolution).
    pub fn level(&self, level: usize) -> Result<&ImageInfo> {
        self.levels
            .get(level)
            .map(|&i| &self.file.images[i])
            .ok_or_else(|| Error::usage(format!("level {level} does not exist (the file has {})", self.levels.len())))
    }

    /// The full-resolution image.
    pub fn base(&self) -> &ImageInfo {
        &self.file.images[self.levels[0]]
    }
}
