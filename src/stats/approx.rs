//! Approximate band statistics as GDAL computes them with `ComputeStatistics(approx_ok=TRUE)` (what rasterio's
//! `statistics(approx=True)` and so large_image's band information report):
//!
//! - the level read is the smallest overview with more than 2 500 pixels (`GetRasterSampleOverview`),
//!   read whole;
//! - when that is the full-resolution image, one block in every `max(1, ⌊√(blocks)⌋)` (one more when
//!   that equals the blocks per row, so that not only the first column is sampled) is read, in
//!   row-major block order;
//! - masked, nodata and NaN samples are left out; the standard deviation is the population one.
//!
//! The same samples give the 2nd and 98th percentiles a style's `"auto"` range uses.

use super::walk::{walk, DataSamples, Window};
use crate::cog::Cog;
use crate::error::Result;
use crate::source::RangeSource;
use crate::tiff::ImageInfo;

/// GDAL's `GDALSTAT_APPROX_NUMSAMPLES`.
const APPROX_SAMPLES: u64 = 2500;

/// One band's statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandStatistics {
    /// Smallest valid value.
    pub min: f64,
    /// Largest valid value.
    pub max: f64,
    /// Mean of the valid values.
    pub mean: f64,
    /// Population standard deviation.
    pub stdev: f64,
    /// How many values were counted.
    pub count: u64,
    /// 2nd percentile of the counted values (nearest rank).
    pub p2: f64,
    /// 98th percentile of the counted values (nearest rank).
    pub p98: f64,
}

/// Welford's running mean and sum of squared deviations, with min and max.
#[derive(Debug, Clone, Copy)]
struct Acc {
    n: u64,
    min: f64,
    max: f64,
    mean: f64,
    m2: f64,
}

impl Acc {
    fn new() -> Self {
        Acc { n: 0, min: f64::INFINITY, max: f64::NEG_INFINITY, mean: 0.0, m2: 0.0 }
    }

    fn add(&mut self, v: f64) {
        self.n += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        let d = v - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (v - self.mean);
    }

    fn finish(self, mut values: Vec<f64>) -> Option<BandStatistics> {
        if self.n == 0 {
            return None;
        }
        values.sort_unstable_by(f64::total_cmp);
        let rank = |p: usize| values.get((values.len() - 1) * p / 100).copied().unwrap_or(f64::NAN);
        Some(BandStatistics {
            min: self.min,
            max: self.max,
            mean: self.mean,
            stdev: (self.m2 / self.n as f64).max(0.0).sqrt(),
            count: self.n,
            p2: rank(2),
            p98: rank(98),
        })
    }
}

/// The level GDAL's approximate statistics read: the smallest with more than 2 500 pixels.
pub fn sample_level(sizes: &[(u64, u64)]) -> usize {
    let mut best = 0;
    let mut best_px = sizes[0].0 as f64 * sizes[0].1 as f64;
    for (i, &(w, h)) in sizes.iter().enumerate().skip(1) {
        let px = w as f64 * h as f64;
        if px < best_px && px > APPROX_SAMPLES as f64 {
            best = i;
            best_px = px;
        }
    }
    best
}

/// The windows GDAL's approximate statistics read of `img` (level `level`): a whole overview one
/// block row at a time (bounded memory); at full resolution one block in every `max(1, ⌊√blocks⌋)`
/// (one more when that equals the blocks per row), in row-major block order.
fn sample_windows(img: &ImageInfo, level: usize) -> Vec<Window> {
    let (tw, th) = (img.tile_width, img.tile_height);
    let (across, down) = (img.tiles_across(), img.tiles_down());
    if level > 0 {
        return (0..down).map(|ty| (0, ty * th, img.width, th.min(img.height - ty * th))).collect();
    }
    let blocks = across * down;
    let mut rate = ((blocks as f64).sqrt() as u64).max(1);
    if rate == across && across > 1 {
        rate += 1;
    }
    (0..blocks)
        .step_by(rate as usize)
        .map(|b| {
            let (x, y) = ((b % across) * tw, (b / across) * th);
            (x, y, tw.min(img.width - x), th.min(img.height - y))
        })
        .collect()
}

/// Approximate statistics of every band (`None` for a band with no valid sample), as GDAL computes
/// them; the file's nodata values are left out.
pub async fn approx_statistics<S: RangeSource>(cog: &Cog<S>) -> Result<Vec<Option<BandStatistics>>> {
    let nodata = cog.base().nodata;
    let sizes: Vec<(u64, u64)> =
        (0..cog.levels.len()).map(|l| cog.level(l).map(|i| (i.width, i.height))).collect::<Result<_>>()?;
    let level = sample_level(&sizes);
    let img = cog.level(level)?;
    let windows = sample_windows(img, level);
    let bands: Vec<usize> = (0..img.samples as usize).collect();
    let mut acc = vec![Acc::new(); bands.len()];
    let mut values = vec![Vec::new(); bands.len()];
    let data = DataSamples { nodata, alpha: None };
    walk(cog, level, &windows, |r| {
        data.visit(r, &bands, |b, v| {
            acc[b].add(v);
            values[b].push(v);
        });
        Ok(())
    })
    .await?;
    Ok(acc.into_iter().zip(values).map(|(a, v)| a.finish(v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_level_is_the_smallest_above_2500_pixels() {
        assert_eq!(sample_level(&[(1024, 1024), (512, 512), (256, 256), (40, 40)]), 2);
        assert_eq!(sample_level(&[(300, 300)]), 0);
        assert_eq!(sample_level(&[(100, 100), (50, 50), (25, 25)]), 0); // 2 500 is not more than 2 500
    }

    #[test]
    fn welford_matches_the_two_pass_formula() {
        let v = [1.0, 2.0, 4.0, 8.0, 16.0];
        let mut a = Acc::new();
        v.iter().for_each(|x| a.add(*x));
        let s = a.finish(v.to_vec()).unwrap();
        let mean = v.iter().sum::<f64>() / 5.0;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 5.0;
        assert!((s.mean - mean).abs() < 1e-12 && (s.stdev - var.sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max, s.count, s.p2, s.p98), (1.0, 16.0, 5, 1.0, 8.0));
    }
}
