//! The one walk over a level: its windows read one after the other (memory stays bounded at full
//! resolution), and the visitor of the samples that count as data.

use crate::cog::Cog;
use crate::decode::raster::is_data;
use crate::decode::Raster;
use crate::error::Result;
use crate::source::RangeSource;
use crate::tiff::ImageInfo;

/// A window of one level: (x, y, width, height) in that level's pixels.
pub type Window = (u64, u64, u64, u64);

/// Windows covering `img` row by row, each a whole number of its blocks about `side` pixels wide and high.
pub fn block_windows(img: &ImageInfo, side: u64) -> Vec<Window> {
    let (tw, th) = (img.tile_width.max(1), img.tile_height.max(1));
    let (bw, bh) = (tw * (side / tw).max(1), th * (side / th).max(1));
    (0..img.height.div_ceil(bh))
        .flat_map(|j| {
            (0..img.width.div_ceil(bw)).map(move |i| {
                let (x, y) = (i * bw, j * bh);
                (x, y, bw.min(img.width - x), bh.min(img.height - y))
            })
        })
        .collect()
}

/// Reads `windows` of `level` in turn and hands each to `visit`.
pub async fn walk<S: RangeSource>(
    cog: &Cog<S>,
    level: usize,
    windows: &[Window],
    mut visit: impl FnMut(&Raster) -> Result<()>,
) -> Result<()> {
    for &(x, y, w, h) in windows {
        let r = cog.read_window(level, x as i64, y as i64, w as usize, h as usize).await?;
        visit(&r)?;
    }
    Ok(())
}

/// Which samples count as data: of valid pixels (mask, sparse tiles), not NaN, not `nodata`, and —
/// with an `alpha` band, as GDAL's mask bands say — not a colour band under an alpha of 0.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DataSamples {
    /// The file's nodata value.
    pub nodata: Option<f64>,
    /// The alpha band, whose 0 masks the other bands (the alpha band itself is always data).
    pub alpha: Option<usize>,
}

impl DataSamples {
    /// Calls `f(k, v)` for every data sample `v` of the bands `bands[k]` of `r`, pixel by pixel.
    pub fn visit(&self, r: &Raster, bands: &[usize], mut f: impl FnMut(usize, f64)) {
        for p in 0..r.pixels() {
            if r.valid[p] == 0 {
                continue;
            }
            let transparent = self.alpha.filter(|&a| r.sample(p, a) == 0.0);
            for (k, &b) in bands.iter().enumerate() {
                if transparent.is_some_and(|a| a != b) {
                    continue;
                }
                let v = r.sample(p, b);
                if is_data(v, self.nodata) {
                    f(k, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiff::DType;

    #[test]
    fn data_samples_leave_out_masked_nodata_nan_and_transparent() {
        // Two bands (grey, alpha), four pixels: ok, masked, alpha 0, nodata grey.
        let r = Raster {
            width: 4,
            height: 1,
            bands: 2,
            dtype: DType::U8,
            data: vec![10, 255, 20, 255, 30, 0, 9, 255],
            valid: vec![255, 0, 255, 255],
        };
        let mut seen = Vec::new();
        DataSamples { nodata: Some(9.0), alpha: Some(1) }.visit(&r, &[0, 1], |k, v| seen.push((k, v)));
        assert_eq!(seen, [(0, 10.0), (1, 255.0), (1, 0.0), (1, 255.0)]);
        seen.clear();
        DataSamples::default().visit(&r, &[0], |k, v| seen.push((k, v)));
        assert_eq!(seen, [(0, 10.0), (0, 30.0), (0, 9.0)]);
    }
}
