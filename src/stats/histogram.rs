//! numpy.histogram's arithmetic, so that our histograms count exactly what numpy counts: outer edges
//! from a range or the data's min/max (equal ends widened by ±0.5), `bins + 1` edges as `linspace`
//! makes them, values outside the range dropped, every bin half-open except the last, and the
//! running moments large_image reports (mean, population standard deviation).

use crate::error::{Error, Result};

/// Most bins a histogram may ask for.
pub const MAX_BINS: usize = 1 << 20;

/// Count, min, max, sum and sum of squares of the values seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Values seen.
    pub count: u64,
    /// Smallest value (+∞ when none).
    pub min: f64,
    /// Largest value (−∞ when none).
    pub max: f64,
    /// Sum of the values.
    pub sum: f64,
    /// Sum of their squares.
    pub sum2: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Moments { count: 0, min: f64::INFINITY, max: f64::NEG_INFINITY, sum: 0.0, sum2: 0.0 }
    }
}

impl Moments {
    /// Adds `n` occurrences of `v`.
    #[inline]
    pub fn add(&mut self, v: f64, n: u64) {
        self.count += n;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v * n as f64;
        self.sum2 += v * v * n as f64;
    }
    /// The mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }
    /// large_image's standard deviation: `sqrt(max(sum2/n − mean², 0))`.
    pub fn stdev(&self) -> f64 {
        (self.sum2 / self.count as f64 - self.mean().powi(2)).max(0.0).sqrt()
    }
    /// (min, max), `None` when no value was seen.
    pub fn min_max(&self) -> Option<(f64, f64)> {
        (self.count > 0).then_some((self.min, self.max))
    }
}

/// numpy's outer edges: `range` when given (it must be finite and increasing), else the data's
/// (min, max), or (0, 1) for no data; equal ends are widened by 0.5 on each side.
pub fn outer_edges(range: Option<(f64, f64)>, data: Option<(f64, f64)>) -> Result<(f64, f64)> {
    let (mut first, mut last) = match range {
        Some((a, b)) => {
            if a > b || !a.is_finite() || !b.is_finite() {
                return Err(Error::usage(format!("histogram range [{a}, {b}]: max must be larger than min")));
            }
            (a, b)
        }
        None => data.unwrap_or((0.0, 1.0)),
    };
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    Ok((first, last))
}

/// Equal-width bins between two outer edges, assigned exactly as numpy assigns them.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    /// The `bins + 1` edges (`linspace(first, last, bins + 1)`).
    pub edges: Vec<f64>,
    norm: f64,
}

impl Bins {
    /// `bins` bins over [`first`, `last`].
    pub fn new(first: f64, last: f64, bins: usize) -> Result<Bins> {
        if bins == 0 || bins > MAX_BINS {
            return Err(Error::usage(format!("histogram bins {bins} (1..={MAX_BINS})")));
        }
        let step = (last - first) / bins as f64;
        let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + first).collect();
        edges[bins] = last;
        Ok(Bins { edges, norm: bins as f64 / (last - first) })
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.edges.len() - 1
    }

    /// Always false: there is at least one bin.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bin of `v`, `None` outside [first, last] (and for NaN).
    #[inline]
    pub fn index(&self, v: f64) -> Option<usize> {
        let n = self.len();
        let (first, last) = (self.edges[0], self.edges[n]);
        if !(v >= first && v <= last) {
            return None;
        }
        let mut i = (((v - first) * self.norm) as usize).min(n);
        if i == n {
            i -= 1;
        }
        if v < self.edges[i] {
            i -= 1;
        }
        if i != n - 1 && v >= self.edges[i + 1] {
            i += 1;
        }
        Some(i)
    }

    /// numpy's `density=True`: counts / bin width / total.
    pub fn density(&self, hist: &[u64]) -> Vec<f64> {
        let total: u64 = hist.iter().sum();
        hist.iter().zip(self.edges.windows(2)).map(|(&c, e)| c as f64 / (e[1] - e[0]) / total as f64).collect()
    }
}

/// Exact counts of each value of a small integer type (8 or 16 bits), so that one pass over the data
/// gives both the moments and any histogram of it.
#[derive(Debug, Clone)]
pub struct ValueCounts {
    offset: i64,
    counts: Vec<u64>,
}

impl ValueCounts {
    /// Counters for the integers `lo..=hi` (at most 65 536 of them).
    pub fn new(lo: i64, hi: i64) -> ValueCounts {
        ValueCounts { offset: lo, counts: vec![0; (hi - lo + 1).clamp(1, 1 << 16) as usize] }
    }
    /// Counts one occurrence of `v` (an integer in range).
    #[inline]
    pub fn add(&mut self, v: i64) {
        if let Some(c) = self.counts.get_mut((v - self.offset) as usize) {
            *c += 1;
        }
    }
    /// Moments of the values counted.
    pub fn moments(&self) -> Moments {
        let mut m = Moments::default();
        for (k, &n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            m.add((k as i64 + self.offset) as f64, n);
        }
        m
    }
    /// The histogram of the values counted, over `bins`.
    pub fn histogram(&self, bins: &Bins) -> Vec<u64> {
        let mut hist = vec![0u64; bins.len()];
        for (k, &n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            if let Some(i) = bins.index((k as i64 + self.offset) as f64) {
                hist[i] += n;
            }
        }
        hist
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn numpy_edges_and_last_bin_closed() {
        let b = Bins::new(0.0, 10.0, 4).unwrap();
        assert_eq!(b.edges, vec![0.0, 2.5, 5.0, 7.5, 10.0]);
        assert_eq!(b.index(0.0), Some(0));
        assert_eq!(b.index(2.5), Some(1));
        assert_eq!(b.index(10.0), Some(3));
        assert_eq!(b.index(10.000001), None);
        assert_eq!(b.index(f64::NAN), None);
        assert_eq!(outer_edges(None, Some((3.0, 3.0))).unwrap(), (2.5, 3.5));
        assert!(outer_edges(Some((2.0, 1.0)), None).is_err());
        let mut vc = ValueCounts::new(0, 255);
        for v in [0, 1, 1, 255] {
            vc.add(v);
        }
        let m = vc.moments();
        assert_eq!((m.count, m.min, m.max), (4, 0.0, 255.0));
        assert_eq!(vc.histogram(&Bins::new(0.0, 256.0, 2).unwrap()), vec![3, 1]);
    }
}
