//! Windowed reads: fetch only the tiles a window touches (all bands' tiles in one batch, each tile in its
//! fixed group's one range, [`crate::source::plan::TileGroups`]), decode each tile once (LRU with a byte
//! budget; a tile another request is fetching is awaited, not fetched twice) and return typed,
//! pixel-interleaved samples.

use super::Cog;
use crate::decode::{decode_tile, Raster, TileSpec};
use crate::error::{Error, Result};
use crate::limits::checked_size;
use crate::source::plan::cut;
use crate::source::{RangeSource, ReadHints};
use crate::tiff::ImageInfo;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// (IFD index, tile index).
pub(crate) type TileKey = (usize, u64);
/// What a waiting request receives: the decoded tile (`None` if sparse) or the fetch's error.
type TileResult = Result<Option<Arc<Vec<u8>>>>;
/// Tiles being fetched, with the requests waiting for each.
pub(crate) type Inflight = HashMap<TileKey, Vec<futures_channel::oneshot::Sender<TileResult>>>;

/// Removes a request's in-flight keys even when its future is dropped half-way, so that waiters get
/// an error instead of waiting forever.
struct InflightGuard<'a> {
    cog_inflight: &'a Mutex<Inflight>,
    keys: Vec<TileKey>,
}

impl Drop for InflightGuard<'_> {
    fn drop(&mut self) {
        let mut m = self.cog_inflight.lock().unwrap_or_else(|p| p.into_inner());
        for k in &self.keys {
            m.remove(k);
        }
    }
}

/// The decoded tiles under a window ([`Cog::tiles_under`]): (tx, ty, plane) of each, its samples
/// (`None`: sparse), and the window clipped to the image (x0, y0, x1, y1).
struct TilesUnder {
    wanted: Vec<(u64, u64, u64)>,
    tiles: Vec<Option<Arc<Vec<u8>>>>,
    clip: (u64, u64, u64, u64),
}

impl TilesUnder {
    /// Hands each run of a tile row inside the window whose top-left is (`x0`, `y0`) and width `w` to
    /// `f(plane, at, pixels, samples)`: `at` the window pixel (row-major) of the run's first pixel,
    /// `samples` the tile's samples from that pixel on. Sparse tiles have no runs.
    fn runs(&self, img: &ImageInfo, (x0, y0): (i64, i64), w: usize, mut f: impl FnMut(u64, usize, usize, &[u8])) {
        let (cx0, cy0, cx1, cy1) = self.clip;
        let (tw, th) = (img.tile_width, img.tile_height);
        let spp = img.samples_per_tile_pixel() as usize;
        let ss = img.dtype.decoded().size();
        for (&(tx, ty, plane), tile) in self.wanted.iter().zip(&self.tiles) {
            let Some(t) = tile else { continue }; // sparse: stays zero and invalid
            let (tx0, ty0) = (tx * tw, ty * th);
            let rows = th.min(img.height - ty0);
            let xs = cx0.max(tx0)..cx1.min(tx0 + tw);
            let n = (xs.end - xs.start) as usize;
            for y in cy0.max(ty0)..cy1.min(ty0 + rows) {
                let at = (y as i64 - y0) as usize * w + (xs.start as i64 - x0) as usize;
                let s0 = ((y - ty0) * tw + (xs.start - tx0)) as usize * spp;
                f(plane, at, n, &t[s0 * ss..]);
            }
        }
    }
}

impl<S: RangeSource> Cog<S> {
    /// Reads the window `x0..x0+w`, `y0..y0+h` of `level` (it may extend outside the image: those
    /// pixels are zero and invalid), all bands.
    pub async fn read_window(&self, level: usize, x0: i64, y0: i64, w: usize, h: usize) -> Result<Raster> {
        self.read_window_with(level, x0, y0, w, h, &ReadHints::default()).await
    }

    /// [`Self::read_window`] with the reads' hints (priority).
    pub async fn read_window_with(
        &self,
        level: usize,
        x0: i64,
        y0: i64,
        w: usize,
        h: usize,
        hints: &ReadHints,
    ) -> Result<Raster> {
        let img = self.level(level)?.clone();
        let mut r = self.read_image_window(&img, x0, y0, w, h, hints).await.map_err(|e| e.at_url(self.url()))?;
        if let Some(m) = self.read_mask_window(level, x0, y0, w, h, hints).await? {
            for (v, mv) in r.valid.iter_mut().zip(&m.data) {
                if *mv == 0 {
                    *v = 0;
                }
            }
        }
        Ok(r)
    }

    /// Reads the window as [`Self::read_window_with`] does, but instead of copying the samples into a
    /// raster hands each run of decoded pixels to `f(at, samples, valid)`: `samples` are the run's
    /// pixels as decoded (all bands, pixel-interleaved, native-endian, of the level's decoded type),
    /// `at` the window pixel (row-major index) of its first one, `valid` the mask's verdict on each
    /// (not 0: valid; `None` without a mask IFD: all valid). Every pixel of the window lies in at most one
    /// run; pixels in none are the ones [`Self::read_window_with`] answers zero and invalid (outside
    /// the image, sparse tiles). Pixel-interleaved images only: a planar one answers `false`, nothing
    /// read.
    pub async fn visit_window(
        &self,
        level: usize,
        (x0, y0): (i64, i64),
        (w, h): (usize, usize),
        hints: &ReadHints,
        mut f: impl FnMut(usize, &[u8], Option<&[u8]>),
    ) -> Result<bool> {
        let img = self.level(level)?.clone();
        if img.is_planar() {
            return Ok(false);
        }
        let mask = self.read_mask_window(level, x0, y0, w, h, hints).await?;
        let ss = img.dtype.decoded().size();
        let under = self.tiles_under(&img, x0, y0, w, h, hints).await.map_err(|e| e.at_url(self.url()))?;
        under.runs(&img, (x0, y0), w, |_, at, n, samples| {
            f(at, &samples[..n * img.samples as usize * ss], mask.as_ref().map(|m| &m.data[at..at + n]))
        });
        Ok(true)
    }

    /// The window of `level`'s mask IFD (its samples: 0 = masked), `None` when the level has none.
    async fn read_mask_window(
        &self,
        level: usize,
        x0: i64,
        y0: i64,
        w: usize,
        h: usize,
        hints: &ReadHints,
    ) -> Result<Option<Raster>> {
        let Some(mi) = self.masks[level] else { return Ok(None) };
        let mimg = self.file.images[mi].clone();
        let m = self.read_image_window(&mimg, x0, y0, w, h, hints).await.map_err(|e| e.at_url(self.url()))?;
        Ok(Some(m))
    }

    async fn read_image_window(
        &self,
        img: &ImageInfo,
        x0: i64,
        y0: i64,
        w: usize,
        h: usize,
        hints: &ReadHints,
    ) -> Result<Raster> {
        let dtype = img.dtype.decoded();
        let bands = img.samples as usize;
        let ss = dtype.size();
        let under = self.tiles_under(img, x0, y0, w, h, hints).await?;
        let mut out = Raster::empty(w, h, bands, dtype);
        under.runs(img, (x0, y0), w, |plane, o0, n, t| {
            if img.is_planar() {
                let p = plane as usize;
                for k in 0..n {
                    let d = ((o0 + k) * bands + p) * ss;
                    out.data[d..d + ss].copy_from_slice(&t[k * ss..(k + 1) * ss]);
                }
            } else {
                // Pixel-interleaved on both sides: one copy per row.
                let d = o0 * bands * ss;
                out.data[d..d + n * bands * ss].copy_from_slice(&t[..n * bands * ss]);
            }
            out.valid[o0..o0 + n].fill(255);
        });
        Ok(out)
    }

    /// The decoded tiles the window `x0..x0+w`, `y0..y0+h` of `img` touches (all planes), fetched or
    /// from the cache; none when the window misses the image.
    async fn tiles_under(
        &self,
        img: &ImageInfo,
        x0: i64,
        y0: i64,
        w: usize,
        h: usize,
        hints: &ReadHints,
    ) -> Result<TilesUnder> {
        let ss = img.dtype.decoded().size();
        checked_size("window bytes", self.opts.limits.max_window_bytes, &[w as u64, h as u64, img.samples, ss as u64])?;
        // Clip to the image.
        let cx0 = x0.max(0) as u64;
        let cy0 = y0.max(0) as u64;
        let cx1 = (x0 + w as i64).clamp(0, img.width as i64) as u64;
        let cy1 = (y0 + h as i64).clamp(0, img.height as i64) as u64;
        let clip = (cx0, cy0, cx1, cy1);
        if cx0 >= cx1 || cy0 >= cy1 {
            return Ok(TilesUnder { wanted: Vec::new(), tiles: Vec::new(), clip });
        }
        let (tw, th) = (img.tile_width, img.tile_height);
        let mut wanted = Vec::new();
        for plane in 0..img.planes() {
            for ty in cy0 / th..cy1.div_ceil(th) {
                for tx in cx0 / tw..cx1.div_ceil(tw) {
                    wanted.push((tx, ty, plane));
                }
            }
        }
        let tiles = self.tiles_of(img, &wanted, hints).await?;
        Ok(TilesUnder { wanted, tiles, clip })
    }
    /// Decoded tiles for (tx, ty, plane) of `img`, `None` for sparse ones. Cached tiles come from the
    /// LRU; tiles another request is already fetching are awaited, not fetched twice; the rest are
    /// fetched with merged ranges and decoded.
    async fn tiles_of(
        &self,
        img: &ImageInfo,
        wanted: &[(u64, u64, u64)],
        hints: &ReadHints,
    ) -> Result<Vec<Option<Arc<Vec<u8>>>>> {
        let keys: Vec<TileKey> = wanted.iter().map(|&(tx, ty, p)| (img.ifd_index, img.tile_index(tx, ty, p))).collect();
        let mut out: Vec<Option<Arc<Vec<u8>>>> = vec![None; keys.len()];
        let mut waits = Vec::new();
        let mut mine = Vec::new();
        {
            let mut cache = self.tiles.lock().unwrap_or_else(|p| p.into_inner());
            let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            for (i, k) in keys.iter().enumerate() {
                if let Some(t) = cache.get(k) {
                    out[i] = Some(t);
                } else if let Some(waiters) = inflight.get_mut(k) {
                    let (tx, rx) = futures_channel::oneshot::channel();
                    waiters.push(tx);
                    waits.push((i, rx));
                } else if !mine.iter().any(|&j: &usize| keys[j] == *k) {
                    inflight.insert(*k, Vec::new());
                    mine.push(i);
                }
            }
        }
        let guard = InflightGuard { cog_inflight: &self.inflight, keys: mine.iter().map(|&i| keys[i]).collect() };
        let fetched = self.fetch_and_decode(img, wanted, &mine, hints).await;
        {
            let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            let mut cache = self.tiles.lock().unwrap_or_else(|p| p.into_inner());
            for (n, &i) in mine.iter().enumerate() {
                let result = fetched.as_ref().map(|v| v[n].clone()).map_err(|e| e.clone());
                if let Ok(Some(t)) = &result {
                    cache.insert(keys[i], t.clone());
                }
                for tx in inflight.remove(&keys[i]).unwrap_or_default() {
                    let _ = tx.send(result.clone());
                }
            }
        }
        drop(guard);
        let fetched = fetched?;
        for (n, &i) in mine.iter().enumerate() {
            out[i] = fetched[n].clone();
        }
        // Duplicated keys within one request share the first fetch.
        for (i, k) in keys.iter().enumerate() {
            if out[i].is_none() {
                if let Some(&j) = mine.iter().find(|&&j| keys[j] == *k) {
                    out[i] = out[j].clone();
                }
            }
        }
        for (i, rx) in waits {
            out[i] = rx.await.map_err(|_| Error::usage("a concurrent fetch of this tile was abandoned"))??;
        }
        Ok(out)
    }

    /// Fetches and decodes the tiles `which` (indexes into `wanted`): each tile in its fixed group's one
    /// range (the group's other tiles come along, for the caches), all in one batch.
    async fn fetch_and_decode(
        &self,
        img: &ImageInfo,
        wanted: &[(u64, u64, u64)],
        which: &[usize],
        hints: &ReadHints,
    ) -> Result<Vec<Option<Arc<Vec<u8>>>>> {
        let mut out = vec![None; which.len()];
        if which.is_empty() {
            return Ok(out);
        }
        // Every member of every group touched, each once: (group, tile index).
        let groups = self.opts.tile_groups;
        let across = img.width.div_ceil(img.tile_width);
        let mut members: Vec<((u64, u64, u64), u64)> = Vec::new();
        for &i in which {
            let (tx, ty, plane) = wanted[i];
            let cols = if img.tiled { groups.columns(tx, across) } else { tx..tx + 1 };
            let g = (cols.start, ty, plane);
            if !members.iter().any(|(m, _)| *m == g) {
                members.extend(cols.map(|cx| (g, img.tile_index(cx, ty, plane))));
            }
        }
        let indexes: Vec<u64> = members.iter().map(|(_, t)| *t).collect();
        let asked: std::collections::HashSet<u64> =
            which.iter().map(|&i| img.tile_index(wanted[i].0, wanted[i].1, wanted[i].2)).collect();
        let located = self.file.tile_ranges(img, &indexes, hints).await?;
        let range_of: HashMap<u64, Option<Range<u64>>> = indexes.iter().copied().zip(located).collect();
        // One range per group (or per tile where the group's tiles are not stored together).
        let mut requests: Vec<Range<u64>> = Vec::new();
        let mut group_keys: Vec<(u64, u64, u64)> = members.iter().map(|(g, _)| *g).collect();
        group_keys.dedup();
        for g in &group_keys {
            let of_group = members.iter().filter(|(m, _)| m == g);
            let ranges: Vec<Range<u64>> = of_group.clone().filter_map(|(_, t)| range_of[t].clone()).collect();
            match groups.span(&ranges) {
                Some(span) => requests.push(span),
                None => requests
                    .extend(of_group.filter(|(_, t)| asked.contains(t)).filter_map(|(_, t)| range_of[t].clone())),
            }
        }
        let fetched = self.file.src.get_ranges(&requests, &hints.data()).await?;
        let pieces: Vec<(Range<u64>, &[u8])> =
            requests.iter().cloned().zip(fetched.iter().map(|b| b.as_slice())).collect();
        let order = self.file.header.order;
        for (n, &i) in which.iter().enumerate() {
            let (tx, ty, plane) = wanted[i];
            let Some(r) = range_of[&img.tile_index(tx, ty, plane)].clone() else { continue }; // sparse
            let data = cut(&r, &pieces);
            if (data.len() as u64) < r.end - r.start {
                return Err(
                    Error::truncated(format!("tile data ({} of {} bytes)", data.len(), r.end - r.start)).at_range(r)
                );
            }
            let rows = if img.tiled { img.tile_height } else { img.tile_height.min(img.height - ty * img.tile_height) };
            let spec = TileSpec::for_image(img, order, rows);
            let mut t = decode_tile(&spec, &data, &self.file.limits).map_err(|e| e.at_range(r.clone()))?;
            if !img.tiled {
                // Strips are padded to full tile height so indexing stays uniform.
                t.resize((img.tile_width * img.tile_height) as usize * spec.samples * img.dtype.decoded().size(), 0);
            }
            out[n] = Some(Arc::new(t));
        }
        Ok(out)
    }
}
