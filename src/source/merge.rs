//! Range merging: tile ranges close together in the file are fetched as one request.

use std::ops::Range;

/// Sorts byte ranges and merges those less than `gap` apart into groups no larger than `max_len`
/// (a range larger than `max_len` stays a group of its own).
pub fn merge_ranges(mut ranges: Vec<Range<u64>>, gap: u64, max_len: u64) -> Vec<Range<u64>> {
    crate::order::sort_by_key(&mut ranges, |r| r.start as u128);
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
