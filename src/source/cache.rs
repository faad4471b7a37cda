//! Least-recently-used caches with a byte budget: [`ByteLru`] (decoded tiles, and the engine's parts) and
//! [`RangeCache`], the fetch engine's cache of fetched byte ranges, header and tile bytes kept apart.

use super::hints::ReadKind;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::ops::Range;
use std::sync::Arc;

/// LRU map from `K` to shared byte buffers, evicting the oldest entries beyond `budget` bytes.
#[derive(Debug)]
pub struct ByteLru<K> {
    budget: usize,
    used: usize,
    tick: u64,
    map: HashMap<K, (Arc<Vec<u8>>, u64)>,
}

impl<K: Hash + Eq + Clone> ByteLru<K> {
    /// An empty cache holding at most `budget` bytes.
    pub fn new(budget: usize) -> Self {
        ByteLru { budget, used: 0, tick: 0, map: HashMap::new() }
    }
    /// The entry for `k`, marked as just used.
    pub fn get(&mut self, k: &K) -> Option<Arc<Vec<u8>>> {
        self.tick += 1;
        let t = self.tick;
        self.map.get_mut(k).map(|(v, used)| {
            *used = t;
            v.clone()
        })
    }
    /// Inserts `v`, evicting old entries to stay within budget (an entry larger than the budget is not kept).
    pub fn insert(&mut self, k: K, v: Arc<Vec<u8>>) {
        if v.len() > self.budget {
            return;
        }
        self.tick += 1;
        if let Some((old, _)) = self.map.insert(k, (v.clone(), self.tick)) {
            self.used -= old.len();
        }
        self.used += v.len();
        while self.used > self.budget {
            let Some(oldest) = self.map.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some((old, _)) = self.map.remove(&oldest) {
                self.used -= old.len();
            }
        }
    }
    /// Bytes held.
    pub fn used(&self) -> usize {
        self.used
    }
    /// Drops the entries `drop` selects.
    pub fn remove_where(&mut self, drop: impl Fn(&K) -> bool) {
        let used = &mut self.used;
        self.map.retain(|k, (v, _)| {
            let d = drop(k);
            if d {
                *used -= v.len();
            }
            !d
        });
    }
}

/// Cached pieces: the range each was fetched for, and its bytes.
pub type Pieces = Vec<(Range<u64>, Arc<Vec<u8>>)>;

/// Key of a cached piece: (URL, first byte).
type PieceKey = (Arc<str>, u64);

/// One kind's pieces: the LRU holding the bytes, and per URL the ranges asked (start → end) to find the
/// pieces covering a range.
#[derive(Debug)]
struct Part {
    lru: ByteLru<PieceKey>,
    index: HashMap<Arc<str>, BTreeMap<u64, u64>>,
}

impl Part {
    fn new(budget: usize) -> Self {
        Part { lru: ByteLru::new(budget), index: HashMap::new() }
    }
}

/// The fetch engine's cache: byte ranges as fetched, per URL, header and tile bytes under separate budgets
/// (so that tile data, large and read once, never evicts the header bytes every lookup needs).
#[derive(Debug)]
pub struct RangeCache {
    header: Part,
    data: Part,
}

impl RangeCache {
    /// A cache of `budget` bytes in all: an eighth for header bytes, the rest for tile bytes.
    pub fn new(budget: usize) -> Self {
        let header = budget / 8;
        RangeCache { header: Part::new(header), data: Part::new(budget - header) }
    }

    fn part(&mut self, kind: ReadKind) -> &mut Part {
        match kind {
            ReadKind::Header => &mut self.header,
            ReadKind::Data => &mut self.data,
        }
    }

    /// Keeps `bytes`, fetched for `range` of `url` (shorter than the range only at the end of the file).
    pub fn insert(&mut self, url: &Arc<str>, kind: ReadKind, range: Range<u64>, bytes: Arc<Vec<u8>>) {
        let part = self.part(kind);
        part.lru.insert((url.clone(), range.start), bytes);
        part.index.entry(url.clone()).or_default().insert(range.start, range.end);
    }

    /// The cached pieces that together hold all of `r` (of either kind), or `None` when some byte of it is
    /// missing. A piece short of its range (the end of the file) covers up to the range's end.
    pub fn pieces(&mut self, url: &Arc<str>, r: &Range<u64>) -> Option<Pieces> {
        let mut found = Vec::new();
        let mut at = r.start;
        while at < r.end {
            let piece = [ReadKind::Header, ReadKind::Data].into_iter().find_map(|kind| {
                let part = self.part(kind);
                let index = part.index.get_mut(url)?;
                let (&start, &end) = index.range(..=at).rev().find(|(_, &end)| end > at)?;
                match part.lru.get(&(url.clone(), start)) {
                    Some(bytes) => Some((start..end, bytes)),
                    None => {
                        index.remove(&start); // evicted
                        None
                    }
                }
            })?;
            let have = piece.0.start + piece.1.len() as u64;
            at = if have < piece.0.end { r.end } else { piece.0.end }; // short: the file ends here
            found.push(piece);
        }
        Some(found)
    }

    /// Forgets every piece of `url` (the file changed under it).
    pub fn drop_url(&mut self, url: &str) {
        for kind in [ReadKind::Header, ReadKind::Data] {
            let part = self.part(kind);
            part.index.remove(url);
            part.lru.remove_where(|(u, _)| &**u == url);
        }
    }

    /// Bytes held: (header, data).
    pub fn used(&self) -> (usize, usize) {
        (self.header.lru.used(), self.data.lru.used())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn evicts_least_recently_used_beyond_budget() {
        let mut c = ByteLru::new(10);
        c.insert(1, Arc::new(vec![0; 4]));
        c.insert(2, Arc::new(vec![0; 4]));
        assert!(c.get(&1).is_some()); // 1 is now newer than 2
        c.insert(3, Arc::new(vec![0; 4]));
        assert!(c.get(&2).is_none());
        assert!(c.get(&1).is_some() && c.get(&3).is_some());
        assert_eq!(c.used(), 8);
        c.insert(4, Arc::new(vec![0; 11]));
        assert!(c.get(&4).is_none());
    }

    #[test]
    fn range_cache_finds_covering_pieces_and_keeps_header_bytes_apart() {
        let url: Arc<str> = "http://h/f.tif".into();
        let mut c = RangeCache::new(8 * 100); // 100 bytes for headers, 700 for data
        c.insert(&url, ReadKind::Header, 0..50, Arc::new(vec![1; 50]));
        c.insert(&url, ReadKind::Header, 50..100, Arc::new(vec![2; 30])); // the file ends at 80
        let p = c.pieces(&url, &(40..90)).expect("covered up to the end of the file");
        assert_eq!(p.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(), vec![0..50, 50..100]);
        assert!(c.pieces(&url, &(100..101)).is_none());
        // Tile bytes fill their own budget and never evict header bytes.
        for i in 0..10 {
            c.insert(&url, ReadKind::Data, 1000 + i * 100..1100 + i * 100, Arc::new(vec![0; 100]));
        }
        assert_eq!(c.used(), (80, 700));
        assert!(c.pieces(&url, &(0..10)).is_some());
        assert!(c.pieces(&url, &(1000..1010)).is_none(), "the oldest tile bytes were evicted");
        c.drop_url("http://h/f.tif");
        assert_eq!(c.used(), (0, 0));
        assert!(c.pieces(&url, &(0..10)).is_none());
    }
}
