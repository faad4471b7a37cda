//! A COG opened for reading: its pyramid levels, masks and georeferencing, and windowed reads that
//! fetch only the tiles a window touches (adjacent ranges merged), decode each tile once (LRU) and
//! return typed, pixel-interleaved samples.

use crate::cache::ByteLru;
use crate::decode::{decode_tile, TileSpec};
use crate::error::{Error, Result};
use crate::limits::{checked_size, Limits};
use crate::source::RangeSource;
use crate::tiff::geo::read_georef;
use crate::tiff::{DType, Georef, ImageInfo, TiffFile, DEFAULT_HEADER_BYTES};
use futures_util::future::try_join_all;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

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
    /// Tile ranges closer than this many bytes are fetched in one request (default 64 KiB).
    pub merge_gap: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            header_bytes: DEFAULT_HEADER_BYTES,
            limits: Limits::default(),
            cache_bytes: 64 << 20,
            merge_gap: 64 << 10,
        }
    }
}

/// A window of samples: `width × height` pixels of `bands` samples each, pixel-interleaved,
/// native-endian, of type `dtype`.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Samples per pixel.
    pub bands: usize,
    /// Sample type (as decoded: f16 → f32, 1-bit → u8).
    pub dtype: DType,
    /// `width * height * bands * dtype.size()` bytes.
    pub data: Vec<u8>,
    /// Per pixel: 0 where masked (outside the image, sparse tile, mask IFD says so), 255 where valid.
    pub valid: Vec<u8>,
}

impl Raster {
    /// This raster in the top-left corner of a `width`×`height` one whose other pixels are invalid
    /// (zero samples); cropped where it is larger.
    pub fn padded(self, width: usize, height: usize) -> Raster {
        if (self.width, self.height) == (width, height) {
            return self;
        }
        let px = self.bands * self.dtype.size();
        let mut out = Raster {
            width,
            height,
            bands: self.bands,
            dtype: self.dtype,
            data: vec![0; width * height * px],
            valid: vec![0; width * height],
        };
        let (w, h) = (self.width.min(width), self.height.min(height));
        for j in 0..h {
            let (src, dst) = (j * self.width, j * width);
            out.data[dst * px..(dst + w) * px].copy_from_slice(&self.data[src * px..(src + w) * px]);
            out.valid[dst..dst + w].copy_from_slice(&self.valid[src..src + w]);
        }
        out
    }

    /// Sample `band` of pixel (`x`, `y`) as f64.
    pub fn get(&self, x: usize, y: usize, band: usize) -> f64 {
        self.dtype.get(&self.data, (y * self.width + x) * self.bands + band)
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
    tiles: Mutex<ByteLru<(usize, u64)>>,
    inflight: Mutex<Inflight>,
}

/// (IFD index, tile index).
type TileKey = (usize, u64);
/// What a waiting request receives: the decoded tile (`None` if sparse) or the fetch's error.
type TileResult = Result<Option<Arc<Vec<u8>>>>;
/// Tiles being fetched, with the requests waiting for each.
type Inflight = HashMap<TileKey, Vec<futures_channel::oneshot::Sender<TileResult>>>;

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
        levels.sort_by_key(|&i| std::cmp::Reverse(imgs[i].width));
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

    /// Reads the window `x0..x0+w`, `y0..y0+h` of `level` (it may extend outside the image: those
    /// pixels are zero and invalid), all bands.
    pub async fn read_window(&self, level: usize, x0: i64, y0: i64, w: usize, h: usize) -> Result<Raster> {
        let img = self.level(level)?.clone();
        let mut r = self.read_image_window(&img, x0, y0, w, h).await.map_err(|e| e.at_url(self.url()))?;
        if let Some(mi) = self.masks[level] {
            let mimg = self.file.images[mi].clone();
            let m = self.read_image_window(&mimg, x0, y0, w, h).await.map_err(|e| e.at_url(self.url()))?;
            for (v, mv) in r.valid.iter_mut().zip(&m.data) {
                if *mv == 0 {
                    *v = 0;
                }
            }
        }
        Ok(r)
    }

    async fn read_image_window(&self, img: &ImageInfo, x0: i64, y0: i64, w: usize, h: usize) -> Result<Raster> {
        let dtype = img.dtype.decoded();
        let bands = img.samples as usize;
        let ss = dtype.size();
        checked_size(
            "window bytes",
            self.opts.limits.max_window_bytes,
            &[w as u64, h as u64, bands as u64, ss as u64],
        )?;
        let mut out =
            Raster { width: w, height: h, bands, dtype, data: vec![0u8; w * h * bands * ss], valid: vec![0u8; w * h] };
        // Clip to the image.
        let cx0 = x0.max(0) as u64;
        let cy0 = y0.max(0) as u64;
        let cx1 = (x0 + w as i64).clamp(0, img.width as i64) as u64;
        let cy1 = (y0 + h as i64).clamp(0, img.height as i64) as u64;
        if cx0 >= cx1 || cy0 >= cy1 {
            return Ok(out);
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
        let tiles = self.tiles_of(img, &wanted).await?;
        let spp = img.samples_per_tile_pixel() as usize;
        for ((tx, ty, plane), tile) in wanted.iter().zip(tiles) {
            let (tx0, ty0) = (tx * tw, ty * th);
            let rows = th.min(img.height - ty0);
            let xs = cx0.max(tx0)..cx1.min(tx0 + tw);
            let ys = cy0.max(ty0)..cy1.min(ty0 + rows);
            let Some(t) = &tile else { continue }; // sparse: stays zero and invalid
            let n = (xs.end - xs.start) as usize;
            for y in ys {
                let oy = (y as i64 - y0) as usize;
                let o0 = oy * w + (xs.start as i64 - x0) as usize;
                let s0 = ((y - ty0) * tw + (xs.start - tx0)) as usize * spp;
                if img.planar == 2 {
                    let p = *plane as usize;
                    for k in 0..n {
                        let d = ((o0 + k) * bands + p) * ss;
                        out.data[d..d + ss].copy_from_slice(&t[(s0 + k) * ss..(s0 + k + 1) * ss]);
                    }
                } else {
                    // Pixel-interleaved on both sides: one copy per row.
                    let d = o0 * bands * ss;
                    out.data[d..d + n * bands * ss].copy_from_slice(&t[s0 * ss..(s0 + n * bands) * ss]);
                }
                out.valid[o0..o0 + n].fill(255);
            }
        }
        Ok(out)
    }

    /// Decoded tiles for (tx, ty, plane) of `img`, `None` for sparse ones. Cached tiles come from the
    /// LRU; tiles another request is already fetching are awaited, not fetched twice; the rest are
    /// fetched with merged ranges and decoded.
    async fn tiles_of(&self, img: &ImageInfo, wanted: &[(u64, u64, u64)]) -> Result<Vec<Option<Arc<Vec<u8>>>>> {
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
        let fetched = self.fetch_and_decode(img, &keys, wanted, &mine).await;
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

    /// Fetches (merged ranges) and decodes the tiles `which` (indexes into `keys`/`wanted`).
    async fn fetch_and_decode(
        &self,
        img: &ImageInfo,
        keys: &[TileKey],
        wanted: &[(u64, u64, u64)],
        which: &[usize],
    ) -> Result<Vec<Option<Arc<Vec<u8>>>>> {
        let mut out = vec![None; which.len()];
        if which.is_empty() {
            return Ok(out);
        }
        let ranges = try_join_all(which.iter().map(|&i| self.file.tile_range(img, keys[i].1))).await?;
        let located: Vec<(usize, Range<u64>)> =
            ranges.into_iter().enumerate().filter_map(|(n, r)| r.map(|r| (n, r))).collect();
        let groups = merge_ranges(
            located.iter().map(|(_, r)| r.clone()).collect(),
            self.opts.merge_gap,
            self.opts.limits.max_tile_bytes,
        );
        let fetched = try_join_all(groups.iter().map(|g| self.fetch(g.clone()))).await?;
        let order = self.file.header.order;
        for (n, r) in &located {
            let (g, bytes) = groups
                .iter()
                .zip(&fetched)
                .find(|(g, _)| g.start <= r.start && r.end <= g.end)
                .ok_or_else(|| Error::format("tile range outside its merged group"))?;
            let data = &bytes[(r.start - g.start) as usize..(r.end - g.start) as usize];
            let ty = wanted[which[*n]].1;
            let rows = if img.tiled { img.tile_height } else { img.tile_height.min(img.height - ty * img.tile_height) };
            let spec = TileSpec::for_image(img, order, rows);
            let mut t = decode_tile(&spec, data, &self.file.limits).map_err(|e| e.at_range(r.clone()))?;
            if !img.tiled {
                // Strips are padded to full tile height so indexing stays uniform.
                t.resize((img.tile_width * img.tile_height) as usize * spec.samples * img.dtype.decoded().size(), 0);
            }
            out[*n] = Some(Arc::new(t));
        }
        Ok(out)
    }

    async fn fetch(&self, r: Range<u64>) -> Result<Vec<u8>> {
        let b = self.file.src.get_bytes(r.clone()).await.map_err(|e| e.at_range(r.clone()))?;
        if (b.len() as u64) < r.end - r.start {
            return Err(Error::truncated(format!("tile data ({} of {} bytes)", b.len(), r.end - r.start)).at_range(r));
        }
        Ok(b)
    }
}

/// Sorts byte ranges and merges those less than `gap` apart into groups no larger than `max_len`
/// (a range larger than `max_len` stays a group of its own).
pub fn merge_ranges(mut ranges: Vec<Range<u64>>, gap: u64, max_len: u64) -> Vec<Range<u64>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(gap) && r.end.max(last.end) - last.start <= max_len => {
                last.end = last.end.max(r.end);
            }
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::merge_ranges;
    #[test]
    fn merges_close_ranges_only() {
        let m = merge_ranges(vec![100..200, 0..50, 210..300, 1000..1100], 10, 1 << 20);
        assert_eq!(m, vec![0..50, 100..300, 1000..1100]);
        let capped = merge_ranges(vec![0..100, 100..200], 0, 150);
        assert_eq!(capped, vec![0..100, 100..200]);
    }
}
