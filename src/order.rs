//! Stable sorting through one instantiation of the standard library's sort.
//!
//! `slice::sort_by_key` compiles its whole algorithm (~5 KB of wasm) once per sorted type and key
//! function; the crate's few short sorts (ranges to fetch, overview levels, TIFF tags and GeoKeys,
//! colormap stops) each brought their own. Here each sort computes one `u128` key per item and sorts
//! (key, index) pairs, so the algorithm is compiled once and the per-type part is a few loops.

/// Sorts `v` by `key`, smaller first, keeping the order of items with equal keys: the order
/// `v.sort_by_key(key)` gives.
pub fn sort_by_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> u128) {
    if v.len() < 2 {
        return;
    }
    let mut keyed: Vec<(u128, usize)> = v.iter().enumerate().map(|(i, t)| (key(t), i)).collect();
    sort_pairs(&mut keyed);
    let mut items: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(keyed.iter().filter_map(|&(_, i)| items[i].take()));
}

/// The one sort: (key, index) pairs are all distinct, so an unstable sort gives the stable order.
#[inline(never)]
fn sort_pairs(keyed: &mut [(u128, usize)]) {
    keyed.sort_unstable();
}

/// `x`'s place in [`f64::total_cmp`]'s order as an unsigned key: `f64_key(a) < f64_key(b)` exactly
/// when `a.total_cmp(&b)` is `Less`.
pub fn f64_key(x: f64) -> u128 {
    let bits = x.to_bits() as i64;
    // total_cmp's own transform (negative numbers' magnitude bits flipped), then the sign bit flipped
    // so that the signed order reads as an unsigned one.
    let ordered = bits ^ ((((bits >> 63) as u64) >> 1) as i64);
    ((ordered as u64) ^ (1 << 63)) as u128
}

/// Sorts a short slice in place (insertion sort: for the few items of a request's headers), in
/// `slice::sort`'s order.
pub fn sort_short<T: Ord>(v: &mut [T]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_by_key_is_the_stable_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in [0usize, 1, 2, 3, 7, 8, 20, 33, 100, 1000] {
            let v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 7) as u8, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            let mut got = v;
            sort_by_key(&mut got, |p| p.0 as u128);
            assert_eq!(got, want, "n = {n}");
        }
    }

    #[test]
    fn f64_key_orders_as_total_cmp() {
        let xs = [
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            1.5,
            -2.25,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(f64_key(a).cmp(&f64_key(b)), a.total_cmp(&b), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn sort_short_is_the_sort() {
        let mut v =
            vec![("b".to_string(), "2"), ("a".to_string(), "9"), ("b".to_string(), "1"), ("a".to_string(), "0")];
        let mut want = v.clone();
        want.sort();
        sort_short(&mut v);
        assert_eq!(v, want);
    }
}
