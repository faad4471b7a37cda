//! Which pyramid level to read: `gdalwarp -ovr AUTO`'s choice for tiles (from the natural resolution
//! `GDALSuggestedWarpOutput2` finds), large_image's for regions and thumbnails.

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

/// The "natural" output resolution of a `w`×`h` image in another CRS, as GDAL's
/// `GDALSuggestedWarpOutput2` computes it: the distance between the transformed top-left and
/// bottom-right corners (or the diagonal of the extent of 20–100 points per edge when that distance
/// has no width or height), mapped by `to_dst` (pixel → destination coordinates, `None` where the
/// transform fails), over the diagonal in pixels. `None` when too few points transform. (GDAL's
/// fallback to an interior grid when edge points fail to transform back is not reproduced.)
pub fn suggested_resolution(w: u64, h: u64, to_dst: impl Fn(f64, f64) -> Option<(f64, f64)>) -> Option<f64> {
    // GDALSuggestedWarpOutput2: 20..=100 steps along each edge (one per 50 pixels of the shorter side).
    let steps = ((w.min(h) as f64 / 50.0 + 0.5) as u32).clamp(20, 100);
    let (wf, hf) = (w as f64, h as f64);
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut ok = 0;
    let finite = |p: Option<(f64, f64)>| p.filter(|(x, y)| x.is_finite() && y.is_finite());
    for i in 0..=steps {
        let t = if i == steps { 1.0 } else { i as f64 / steps as f64 };
        for (px, py) in [(t * wf, 0.0), (t * wf, hf), (0.0, t * hf), (wf, t * hf)] {
            if let Some((x, y)) = finite(to_dst(px, py)) {
                ok += 1;
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    if ok < 10 {
        return None;
    }
    // GDAL measures the diagonal from the top-left to the bottom-right corner as transformed (the
    // extent's diagonal only when that gives a zero width or height).
    let (mut dx, mut dy) = match (finite(to_dst(0.0, 0.0)), finite(to_dst(wf, hf))) {
        (Some(a), Some(b)) => (b.0 - a.0, b.1 - a.1),
        _ => (0.0, 0.0),
    };
    if dx == 0.0 || dy == 0.0 {
        (dx, dy) = (x1 - x0, y1 - y0);
    }
    let res = dx.hypot(dy) / wf.hypot(hf);
    (res > 0.0).then_some(res)
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
