//! Opening a TIFF over a [`RangeSource`]: one first read for the header and IFDs, more header bytes only
//! when needed (aligned 16 KiB chunks; concurrent asks for one chunk share one fetch), tile offsets and
//! byte counts read lazily (the entries a window needs in one batch), header bytes cached apart from
//! tile bytes.

use super::ifd::{ifd_len, is_lazy_tag, parse_header, parse_ifd, type_size, Entry, Header, Value};
use super::image::ImageInfo;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::source::plan::aligned;
use crate::source::{RangeSource, ReadHints};
use futures_channel::oneshot;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// Default size of the first read (covers every IFD of a GDAL COG of usual size).
pub const DEFAULT_HEADER_BYTES: u64 = 64 * 1024;
/// Size (and alignment) of later header reads.
pub const HEADER_CHUNK: u64 = 16 * 1024;

/// What a read waiting for another's chunk fetch receives.
type ChunkResult = Result<()>;

/// Header bytes already fetched, as blocks (start, bytes), and the chunks being fetched with the reads
/// waiting for each.
#[derive(Debug, Default)]
struct HeaderCache {
    blocks: Mutex<Vec<(u64, Arc<Vec<u8>>)>>,
    /// File length once a short read revealed it.
    eof: Mutex<Option<u64>>,
    inflight: Mutex<HashMap<u64, Vec<oneshot::Sender<ChunkResult>>>>,
}

/// Forgets a read's chunks in flight even when its future is dropped half-way, so that the reads waiting
/// for them fetch them themselves instead of waiting forever.
struct ChunkGuard<'a> {
    cache: &'a HeaderCache,
    starts: Vec<u64>,
}

impl Drop for ChunkGuard<'_> {
    fn drop(&mut self) {
        let mut m = self.cache.inflight.lock().unwrap_or_else(|p| p.into_inner());
        for s in &self.starts {
            m.remove(s);
        }
    }
}

impl HeaderCache {
    fn lookup(&self, r: &Range<u64>) -> Option<Vec<u8>> {
        let blocks = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
        blocks.iter().find_map(|(start, b)| {
            let end = start + b.len() as u64;
            (r.start >= *start && r.end <= end)
                .then(|| b[(r.start - start) as usize..(r.end - start) as usize].to_vec())
        })
    }
    fn insert(&self, start: u64, bytes: Vec<u8>) {
        let mut blocks = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
        blocks.push((start, Arc::new(bytes)));
    }
}

/// A TIFF file's structure, read over a range source.
#[derive(Debug)]
pub struct TiffFile<S> {
    /// Where the bytes come from.
    pub src: S,
    /// The file header.
    pub header: Header,
    /// Every image (IFD) in chain order.
    pub images: Vec<ImageInfo>,
    /// Caps in force.
    pub limits: Limits,
    cache: HeaderCache,
}

impl<S: RangeSource> TiffFile<S> {
    /// Opens the file: one read of `header_bytes` (at least 16), then IFDs and their values, fetching more
    /// header bytes only for what lies beyond.
    pub async fn open(src: S, header_bytes: u64, limits: Limits) -> Result<Self> {
        let url = src.url().to_string();
        let first = 0..header_bytes.max(16);
        let bytes = src
            .get_ranges(std::slice::from_ref(&first), &ReadHints::default().header())
            .await
            .map_err(|e| e.at_url(&url).at_range(first.clone()))?
            .pop()
            .unwrap_or_default();
        let header = parse_header(&bytes).map_err(|e| e.at_url(&url).at_range(0..bytes.len().min(16) as u64))?;
        let cache = HeaderCache::default();
        if (bytes.len() as u64) < first.end {
            *cache.eof.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes.len() as u64);
        }
        cache.insert(0, bytes);
        let mut f = TiffFile { src, header, images: Vec::new(), limits, cache };
        f.read_ifds().await.map_err(|e| e.at_url(&url))?;
        Ok(f)
    }

    /// The file's URL.
    pub fn url(&self) -> &str {
        self.src.url()
    }

    /// Reads header bytes (cached; misses fetch whole aligned chunks).
    pub async fn header_bytes(&self, r: Range<u64>) -> Result<Vec<u8>> {
        let mut v = self.header_ranges(std::slice::from_ref(&r), &ReadHints::default()).await?;
        Ok(v.pop().unwrap_or_default())
    }

    /// Reads header ranges wanted together: the chunks missing are fetched in one batch, chunks another
    /// read is fetching are awaited, not fetched twice.
    pub async fn header_ranges(&self, ranges: &[Range<u64>], hints: &ReadHints) -> Result<Vec<Vec<u8>>> {
        for r in ranges {
            if r.end < r.start || r.end > u64::MAX - HEADER_CHUNK {
                return Err(Error::format(format!("header read at offset {} past any file", r.start)));
            }
            if r.end - r.start > self.limits.max_ifd_value_bytes {
                return Err(Error::limit("header read size", self.limits.max_ifd_value_bytes, r.end - r.start));
            }
        }
        let eof = *self.cache.eof.lock().unwrap_or_else(|p| p.into_inner());
        let mut mine: Vec<Range<u64>> = Vec::new();
        let mut waits = Vec::new();
        {
            let mut inflight = self.cache.inflight.lock().unwrap_or_else(|p| p.into_inner());
            for r in ranges {
                if self.cache.lookup(r).is_some() || eof.is_some_and(|len| r.end > len) {
                    continue;
                }
                let c = aligned(r, HEADER_CHUNK);
                if mine.iter().any(|m| m.start <= c.start && c.end <= m.end) {
                    continue;
                }
                match inflight.get_mut(&c.start) {
                    Some(w) => {
                        let (tx, rx) = oneshot::channel();
                        w.push(tx);
                        waits.push((c, rx));
                    }
                    None => {
                        inflight.insert(c.start, Vec::new());
                        mine.push(c);
                    }
                }
            }
        }
        let guard = ChunkGuard { cache: &self.cache, starts: mine.iter().map(|c| c.start).collect() };
        let fetched = self.src.get_ranges(&mine, &hints.header()).await;
        let result: ChunkResult = match fetched {
            Ok(chunks) => {
                for (c, bytes) in mine.iter().zip(chunks) {
                    let got_end = c.start + bytes.len() as u64;
                    if got_end < c.end {
                        *self.cache.eof.lock().unwrap_or_else(|p| p.into_inner()) = Some(got_end);
                    }
                    self.cache.insert(c.start, bytes);
                }
                Ok(())
            }
            Err(e) => Err(e.at_range(mine.first().cloned().unwrap_or(0..0))),
        };
        {
            let mut inflight = self.cache.inflight.lock().unwrap_or_else(|p| p.into_inner());
            for c in &mine {
                for tx in inflight.remove(&c.start).unwrap_or_default() {
                    let _ = tx.send(result.clone());
                }
            }
        }
        drop(guard);
        result?;
        for (c, rx) in waits {
            match rx.await {
                Ok(r) => r?,
                // The read fetching it was dropped: fetch it here.
                Err(_) => {
                    let bytes = self.src.get_ranges(std::slice::from_ref(&c), &hints.header()).await?;
                    self.cache.insert(c.start, bytes.into_iter().next().unwrap_or_default());
                }
            }
        }
        let eof = *self.cache.eof.lock().unwrap_or_else(|p| p.into_inner());
        ranges
            .iter()
            .map(|r| {
                self.cache.lookup(r).ok_or_else(|| {
                    let len = eof.map_or("fewer".to_string(), |l| l.to_string());
                    Error::truncated(format!("bytes {}-{} (the file has {len})", r.start, r.end.saturating_sub(1)))
                        .at_range(r.clone())
                })
            })
            .collect()
    }

    async fn read_ifds(&mut self) -> Result<()> {
        let h = self.header;
        let mut offset = h.first_ifd;
        let mut seen = std::collections::HashSet::new();
        while offset != 0 {
            if self.images.len() >= self.limits.max_ifds {
                return Err(Error::limit("IFD count", self.limits.max_ifds as u64, self.images.len() as u64 + 1));
            }
            if !seen.insert(offset) {
                return Err(Error::format(format!("the IFD chain loops back to offset {offset}")));
            }
            let end =
                offset.checked_add(h.count_size()).ok_or_else(|| Error::format(format!("IFD offset {offset}")))?;
            let count_bytes = self.header_bytes(offset..end).await?;
            let n = h.order.uint(&count_bytes);
            let len = ifd_len(&h, n);
            if len > self.limits.max_ifd_value_bytes {
                return Err(Error::limit("IFD size in bytes", self.limits.max_ifd_value_bytes, len));
            }
            let end = offset.checked_add(len).ok_or_else(|| Error::format(format!("IFD offset {offset}")))?;
            let raw = parse_ifd(&h, &self.header_bytes(offset..end).await?)?;
            let mut entries = Vec::with_capacity(raw.entries.len());
            for mut e in raw.entries {
                if let Value::Deferred(at) = e.value {
                    if !is_lazy_tag(e.tag) {
                        let size = type_size(e.typ).unwrap_or(1) * e.count;
                        if size > self.limits.max_ifd_value_bytes {
                            return Err(Error::limit("tag value size", self.limits.max_ifd_value_bytes, size));
                        }
                        let end = at
                            .checked_add(size)
                            .ok_or_else(|| Error::format(format!("tag {} offset overflows", e.tag)))?;
                        e.value = Value::Bytes(self.header_bytes(at..end).await?);
                    }
                }
                entries.push(e);
            }
            let index = self.images.len();
            let img = ImageInfo::from_entries(index, offset, entries, h.order, &self.limits)?;
            self.images.push(img);
            offset = raw.next;
        }
        if self.images.is_empty() {
            return Err(Error::format("the file has no image (first IFD offset is 0)"));
        }
        Ok(())
    }

    /// Where value `i` of a tile offset or byte count array lies, or the value itself when held in the IFD.
    fn array_slot(&self, e: &Entry, i: u64) -> Result<std::result::Result<u64, Range<u64>>> {
        if i >= e.count {
            return Err(Error::format(format!("tile index {i} past the {} entries of tag {}", e.count, e.tag)));
        }
        let size = type_size(e.typ).unwrap_or(4);
        if !matches!(size, 2 | 4 | 8) {
            return Err(Error::format(format!("tag {} has field type {}", e.tag, e.typ)));
        }
        match &e.value {
            Value::Bytes(b) => {
                let s = (i * size) as usize;
                Ok(Ok(self.header.order.uint(&b[s..s + size as usize])))
            }
            Value::Deferred(at) => {
                let pos = at.checked_add(i * size).ok_or_else(|| Error::format("tile index offset overflows"))?;
                let end = pos.checked_add(size).ok_or_else(|| Error::format("tile index offset overflows"))?;
                Ok(Err(pos..end))
            }
        }
    }

    /// Value `i` of a tile offset or byte count array, read lazily through the header cache.
    pub async fn array_value(&self, e: &Entry, i: u64) -> Result<u64> {
        match self.array_slot(e, i)? {
            Ok(v) => Ok(v),
            Err(r) => Ok(self.header.order.uint(&self.header_bytes(r).await?)),
        }
    }

    /// Byte range of tile `index` of `img`; `None` for a sparse tile (offset or length 0).
    pub async fn tile_range(&self, img: &ImageInfo, index: u64) -> Result<Option<Range<u64>>> {
        Ok(self.tile_ranges(img, &[index], &ReadHints::default()).await?.pop().flatten())
    }

    /// Byte ranges of tiles `indexes` of `img` (`None` for sparse tiles): the offset and byte-count
    /// entries they need are read in one batch.
    pub async fn tile_ranges(
        &self,
        img: &ImageInfo,
        indexes: &[u64],
        hints: &ReadHints,
    ) -> Result<Vec<Option<Range<u64>>>> {
        let mut slots = Vec::with_capacity(indexes.len());
        let mut wanted = Vec::new();
        for &i in indexes {
            let (o, c) = (self.array_slot(&img.offsets, i)?, self.array_slot(&img.byte_counts, i)?);
            wanted.extend([&o, &c].into_iter().filter_map(|s| s.as_ref().err().cloned()));
            slots.push((o, c));
        }
        let bytes = self.header_ranges(&wanted, hints).await?;
        let mut read = bytes.iter();
        let mut value = |s: std::result::Result<u64, Range<u64>>| match s {
            Ok(v) => v,
            Err(_) => read.next().map_or(0, |b| self.header.order.uint(b)),
        };
        slots
            .into_iter()
            .map(|(o, c)| {
                let (off, len) = (value(o), value(c));
                if off == 0 || len == 0 {
                    return Ok(None);
                }
                if len > self.limits.max_tile_bytes {
                    return Err(Error::limit("compressed tile size", self.limits.max_tile_bytes, len));
                }
                let end = off.checked_add(len).ok_or_else(|| Error::format("tile offset overflows"))?;
                Ok(Some(off..end))
            })
            .collect()
    }
}
