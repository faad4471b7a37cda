//! Which pyramid level to read: `gdalwarp -ovr AUTO`'s choice for map tiles (from the tile's own
//! source window, as for `-te`/`-ts`), `RasterIO`'s for pixel-space tiles, large_image's for regions
//! and thumbnails.

use super::crs::{Crs, SourceCrs};

/// Chooses the pyramid level for `factor` source pixels per output pixel exactly as `gdalwarp -ovr AUTO`
/// does: walking from full resolution, stop at the level whose ratio (`base_width / width`) is below
/// the factor while the next one is above it, or at a level within 0.1 of the factor.
pub fn choose_level(base_width: u64, widths: &[u64], factor: f64) -> usize {
    if factor <= 1.0 || widths.len() < 2 {
        return 0;
    }
    let ratio = |i: usize| base_width as f64 / widths[i] as f64;
    let mut level = 0;
    while level + 1 < widths.len() {
        let (r, next) = (ratio(level), ratio(level + 1));
        if (r < factor && next > factor) || (r - factor).abs() < 0.1 {
            break;
        }
        level += 1;
    }
    level
}

/// How many source pixels one output pixel spans, as gdalwarp measures it to choose an overview when it
/// is given the output's extent and size (`-te` and `-ts`, which is what a map tile is): the 10 × 10
/// grid of output pixel corners from edge to edge, transformed to source pixels (longitudes wrapped as
/// for sampling), and the width of their bounding box over the output width. GDAL 3.6 measures along x
/// only; later versions take the smaller of the x and y ratios. Feed it to [`choose_level`].
///
/// Because it measures the tile itself, a tile whose footprint spans the source's wrap longitude (a
/// 0–360° world at 0°) or a pole reads the overview GDAL reads there, not the image's average
/// resolution.
pub fn target_ratio(bounds: [f64; 4], size: usize, dst: &Crs, src: &SourceCrs) -> f64 {
    let [x0, _, x1, y1] = bounds;
    let (rx, ry) = ((x1 - x0) / size as f64, (y1 - bounds[1]) / size as f64);
    let mut xy = Vec::with_capacity(200);
    for i in 0..10 {
        for j in 0..10 {
            let (px, py) = (size as f64 * i as f64 / 9.0, size as f64 * j as f64 / 9.0);
            xy.extend([x0 + px * rx, y1 - py * ry]);
        }
    }
    src.to_pixels(dst, &mut xy);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in xy.chunks_exact(2).filter(|p| p[0].is_finite() && p[1].is_finite()) {
        (lo, hi) = (lo.min(p[0]), hi.max(p[0]));
    }
    if hi > lo {
        (hi - lo) / size as f64
    } else {
        0.0
    }
}

/// The overview GDAL's `RasterIO` reads for a full-resolution window of `window` pixels scaled to `buf`
/// (`GDALBandGetBestOverviewLevel2` with nearest neighbour: the most reduced level whose reduction, on
/// its least reduced axis, is below 1.2 × the request's). `sizes` are the levels' (width, height), full
/// resolution first.
pub fn rasterio_level(sizes: &[(u64, u64)], window: (u64, u64), buf: (u64, u64)) -> usize {
    let (bw, bh) = sizes[0];
    let (rx, ry) = (window.0 as f64 / buf.0 as f64, window.1 as f64 / buf.1 as f64);
    let desired = if rx < ry || buf.1 == 1 { rx } else { ry };
    let (mut best, mut best_res) = (0, 0.0);
    for (l, &(ow, oh)) in sizes.iter().enumerate().skip(1) {
        if ow > bw || oh > bh {
            continue;
        }
        let res = (bw as f64 / ow as f64).min(bh as f64 / oh as f64);
        if res >= desired * 1.2 || res <= best_res {
            continue;
        }
        (best, best_res) = (l, res);
    }
    best
}

/// The pyramid level large_image reads for a `region` scaled to `out`: full resolution unless
/// shrinking, else the coarsest level whose downsampling (`base_width / width`) is at most
/// `2^floor(-log2(scale))` (the scale's log rounded to 4 decimals, as large_image rounds it).
pub fn region_level(base_width: u64, widths: &[u64], region: (u64, u64), out: (u64, u64)) -> usize {
    let scale = (out.0 as f64 / region.0 as f64).min(out.1 as f64 / region.1 as f64);
    let k = ((scale.log2() * 1e4).round() / 1e4).ceil();
    if k.is_nan() || k >= 0.0 {
        return 0;
    }
    let allowed = 2f64.powf(-k);
    let mut level = 0;
    for (i, &w) in widths.iter().enumerate() {
        if base_width as f64 / w as f64 <= allowed * (1.0 + 1e-9) {
            level = i;
        }
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rasterio_level_is_below_1_2_times_the_reduction() {
        let sizes = [(1000, 800), (500, 400), (250, 200)];
        assert_eq!(rasterio_level(&sizes, (1000, 800), (1000, 800)), 0);
        assert_eq!(rasterio_level(&sizes, (1000, 800), (500, 400)), 1); // 2 is below 1.2 × 2
        assert_eq!(rasterio_level(&sizes, (1000, 800), (100, 80)), 2);
    }

    #[test]
    fn region_level_follows_large_image() {
        let widths = [1024, 512, 256];
        assert_eq!(region_level(1024, &widths, (1024, 1024), (256, 256)), 2);
        assert_eq!(region_level(1024, &widths, (1024, 1024), (300, 300)), 1);
        assert_eq!(region_level(1024, &widths, (1024, 1024), (64, 64)), 2);
        assert_eq!(region_level(1024, &widths, (100, 100), (200, 200)), 0);
    }

    #[test]
    fn level_choice_follows_gdal() {
        let widths = [4096, 2048, 1024, 512];
        assert_eq!(choose_level(4096, &widths, 1.0), 0);
        assert_eq!(choose_level(4096, &widths, 1.9), 0);
        assert_eq!(choose_level(4096, &widths, 1.95), 0); // GDAL stops before looking at the next level
        assert_eq!(choose_level(4096, &widths, 2.05), 1);
        assert_eq!(choose_level(4096, &widths, 2.0), 1);
        assert_eq!(choose_level(4096, &widths, 3.0), 1);
        assert_eq!(choose_level(4096, &widths, 100.0), 3);
    }
}
