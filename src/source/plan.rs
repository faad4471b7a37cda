//! The planner: which requests serve the ranges wanted together, on a fixed grid so that a CDN keyed by
//! range sees the same request for the same bytes whatever was asked before.
//!
//! Two grids, both fixed by the file alone:
//! - header bytes are read in aligned blocks ([`aligned`], 16 KiB in [`crate::tiff`]);
//! - tile bytes are read per fixed group of `k` consecutive tiles of one row of one level and band
//!   ([`TileGroups`]): a tile always arrives in its group's one range, never merged across groups.
//!
//! Within one read, ranges that overlap become one request ([`requests`]; ranges that only touch stay
//! apart, so that each keeps its one range); ranges already cached or being fetched are not asked again.
//! [`cut`] answers each range from the pieces fetched.

use std::ops::Range;

/// `r` widened to whole blocks of `block` bytes (aligned to multiples of `block`).
pub fn aligned(r: &Range<u64>, block: u64) -> Range<u64> {
    let start = r.start / block * block;
    let end = r.end.div_ceil(block).saturating_mul(block);
    start..end.max(start)
}

/// The requests for `wanted`: the ranges `covered` does not already answer, those that overlap merged
/// (touching is not overlapping), none longer than `max_len` unless a single range is; sorted by start.
pub fn requests(wanted: &[Range<u64>], covered: impl Fn(&Range<u64>) -> bool, max_len: u64) -> Vec<Range<u64>> {
    let mut todo: Vec<Range<u64>> = wanted.iter().filter(|r| r.start < r.end && !covered(r)).cloned().collect();
    crate::order::sort_by_key(&mut todo, |r| ((r.start as u128) << 64) | r.end as u128);
    let mut out: Vec<Range<u64>> = Vec::new();
    for r in todo {
        match out.last_mut() {
            Some(last) if r.start < last.end && r.end.max(last.end) - last.start <= max_len => {
                last.end = last.end.max(r.end)
            }
            Some(last) if r.end <= last.end => {}
            _ => out.push(r),
        }
    }
    out
}

/// The bytes of `r` from `pieces` (range asked, bytes received: shorter than its range only at the end
/// of the file). Pieces may overlap and come in any order; the answer stops at the first byte no piece
/// holds (so it is short only at the end of the file).
pub fn cut(r: &Range<u64>, pieces: &[(Range<u64>, &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(r.end.saturating_sub(r.start).min(1 << 24) as usize);
    let mut at = r.start;
    while at < r.end {
        let next = pieces.iter().find_map(|(pr, bytes)| {
            let have = pr.start + bytes.len() as u64;
            (pr.start <= at && at < have)
                .then(|| &bytes[(at - pr.start) as usize..(have.min(r.end) - pr.start) as usize])
        });
        match next {
            Some(b) if !b.is_empty() => {
                out.extend_from_slice(b);
                at += b.len() as u64;
            }
            _ => break,
        }
    }
    out
}

/// The fixed grid of tile requests: groups of `per_group` consecutive tiles of one row (of one level and
/// one band plane). Every tile of a group is fetched in the group's one range (from its first tile's
/// first byte to its last tile's last byte), whichever of its tiles was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileGroups {
    /// Tiles per group (1 = every tile in its own range).
    pub per_group: u64,
    /// A group whose span is longer than this, or more than twice its tiles' bytes (tiles not stored in
    /// order), is fetched tile by tile instead; still a choice made by the file alone.
    pub max_span: u64,
}

impl TileGroups {
    /// The columns of the group holding column `tx` of a row `tiles_across` tiles wide.
    pub fn columns(&self, tx: u64, tiles_across: u64) -> Range<u64> {
        let k = self.per_group.max(1);
        let start = tx / k * k;
        start..(start + k).min(tiles_across)
    }

    /// The one range of a group whose tiles lie at `ranges` (sparse tiles left out), or `None` when the
    /// group is to be fetched tile by tile (too long a span, or tiles not stored next to each other).
    pub fn span(&self, ranges: &[Range<u64>]) -> Option<Range<u64>> {
        let start = ranges.iter().map(|r| r.start).min()?;
        let end = ranges.iter().map(|r| r.end).max()?;
        let bytes: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        (end - start <= self.max_span && end - start <= bytes.saturating_mul(2)).then_some(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_widens_to_whole_blocks() {
        assert_eq!(aligned(&(100..200), 64), 64..256);
        assert_eq!(aligned(&(128..192), 64), 128..192);
        assert_eq!(aligned(&(0..1), 16384), 0..16384);
    }

    #[test]
    fn requests_merge_overlapping_ranges_only() {
        let r = requests(&[300..400, 0..100, 50..150, 120..130, 150..170], |_| false, 1 << 20);
        assert_eq!(r, vec![0..150, 150..170, 300..400]);
        // Covered ranges are not asked again; empty ranges never.
        let r = requests(&[0..10, 10..20, 30..30], |x| *x == (0..10), 1 << 20);
        assert_eq!(r, vec![10..20]);
        // The length cap splits merges, never a single range.
        assert_eq!(requests(&[0..100, 50..200], |_| false, 150), vec![0..100, 50..200]);
        assert_eq!(requests(std::slice::from_ref(&(0..500)), |_| false, 150), vec![0..500]);
    }

    #[test]
    fn cut_assembles_across_pieces_and_stops_at_the_end_of_the_file() {
        let a: Vec<u8> = (0..16).collect();
        let b: Vec<u8> = (16..20).collect(); // the file ends at 20
        let pieces = [(16..32, b.as_slice()), (0..16, a.as_slice())];
        assert_eq!(cut(&(14..18), &pieces), vec![14, 15, 16, 17]);
        assert_eq!(cut(&(18..40), &pieces), vec![18, 19]);
        assert!(cut(&(25..30), &pieces).is_empty());
    }

    #[test]
    fn tile_groups_are_fixed_by_the_file() {
        let g = TileGroups { per_group: 4, max_span: 1 << 20 };
        assert_eq!(g.columns(5, 10), 4..8);
        assert_eq!(g.columns(9, 10), 8..10);
        assert_eq!(g.span(&[10..20, 24..30, 30..50]), Some(10..50));
        // Not stored next to each other: tile by tile.
        assert_eq!(g.span(&[0..10, 1000..1010]), None);
        assert_eq!(g.span(&[]), None);
        assert_eq!(TileGroups { per_group: 4, max_span: 30 }.span(&[0..20, 20..40]), None);
    }
}
