//! GDAL's approximate transformer: the source pixel under every output pixel centre of a tile, exact
//! transforms at a few points of each row and linear interpolation between them.

use super::crs::{Crs, SourceCrs};

/// Largest error (|dx| + |dy|, in source pixels) of the linear interpolation used between exactly
/// transformed points for nearest-neighbour tiles. GDAL's default (`gdalwarp -et 0.125`) moves about
/// 3 % of nearest-neighbour samples of a UTM → web mercator tile to a neighbouring pixel; this tighter
/// bound keeps the result equal to GDAL's exact transform (`gdalwarp -et 0`) at a few more exact
/// transforms per row. Interpolating resamplers need the exact positions (0.01 px moves a 16-bit
/// bilinear sample by up to 1 % of its local gradient): they pass 0.
pub const APPROX_MAX_ERROR: f64 = 0.01;

/// For each pixel centre of a `size`×`size` output covering `bounds` (in `dst` units), the fractional
/// pixel (col, row) of the source image `src`.
///
/// Rows go through GDAL's approximate transformer ([`approx_row`]) with `max_error` (0: every point
/// exact), so that sampling picks the same source positions as `gdalwarp`.
pub fn source_grid(bounds: [f64; 4], size: usize, dst: &Crs, src: &SourceCrs, max_error: f64) -> Vec<(f64, f64)> {
    let [x0, y0, x1, y1] = bounds;
    let rx = (x1 - x0) / size as f64;
    let ry = (y1 - y0) / size as f64;
    let exact = |x: f64, y: f64| -> (f64, f64) { src.to_pixel(dst, x, y) };
    let mut out = vec![(f64::NAN, f64::NAN); size * size];
    for j in 0..size {
        let y = y1 - (j as f64 + 0.5) * ry;
        let row = &mut out[j * size..(j + 1) * size];
        approx_row(row, &|i| exact(x0 + (i as f64 + 0.5) * rx, y), max_error);
    }
    out
}

/// GDAL's approximate transformer over one row of `row.len()` points whose exact transform is
/// `exact(i)`: transform the first, middle and last points; if the middle's error against the line
/// through the ends (|dx| + |dy|) exceeds `max_error`, split into the first `middle` points and
/// the rest and recurse, else interpolate linearly. Five points or fewer, or a failed end, are exact.
pub fn approx_row(row: &mut [(f64, f64)], exact: &dyn Fn(usize) -> (f64, f64), max_error: f64) {
    fn go(row: &mut [(f64, f64)], base: usize, exact: &dyn Fn(usize) -> (f64, f64), max_error: f64) {
        let n = row.len();
        let ok = |p: (f64, f64)| p.0.is_finite() && p.1.is_finite();
        if n <= 5 || max_error <= 0.0 {
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = exact(base + i);
            }
            return;
        }
        let mid = (n - 1) / 2;
        let (p0, pm, pn) = (exact(base), exact(base + mid), exact(base + n - 1));
        if !(ok(p0) && ok(pm) && ok(pn)) {
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = exact(base + i);
            }
            return;
        }
        let span = (n - 1) as f64;
        let (dx, dy) = ((pn.0 - p0.0) / span, (pn.1 - p0.1) / span);
        let err = (p0.0 + dx * mid as f64 - pm.0).abs() + (p0.1 + dy * mid as f64 - pm.1).abs();
        if err > max_error {
            go(&mut row[..=mid], base, exact, max_error);
            go(&mut row[mid..], base + mid, exact, max_error);
            return;
        }
        for (i, cell) in row.iter_mut().enumerate() {
            *cell = (p0.0 + dx * i as f64, p0.1 + dy * i as f64);
        }
    }
    go(row, 0, exact, max_error);
}
