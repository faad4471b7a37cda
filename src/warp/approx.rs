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
/// Rows go through GDAL's approximate transformer ([`approx_rows`]) with `max_error` (0: every point
/// exact), so that sampling picks the same source positions as `gdalwarp`. The points each step needs
/// are transformed together, for all rows at once (one call into the projection module per step).
pub fn source_grid(bounds: [f64; 4], size: usize, dst: &Crs, src: &SourceCrs, max_error: f64) -> Vec<(f64, f64)> {
    let [x0, y0, x1, y1] = bounds;
    let rx = (x1 - x0) / size as f64;
    let ry = (y1 - y0) / size as f64;
    let mut out = vec![(f64::NAN, f64::NAN); size * size];
    let mut exact = |asked: &[(usize, usize)]| {
        let at = |&(j, i): &(usize, usize)| [x0 + (i as f64 + 0.5) * rx, y1 - (j as f64 + 0.5) * ry];
        let mut xy: Vec<f64> = asked.iter().flat_map(at).collect();
        src.to_pixels(dst, &mut xy);
        xy.chunks_exact(2).map(|p| (p[0], p[1])).collect()
    };
    approx_rows(&mut out, size, &mut exact, max_error);
    out
}

/// Exact transforms of the (row, index) points asked, in order.
type Exact<'a> = dyn FnMut(&[(usize, usize)]) -> Vec<(f64, f64)> + 'a;

/// Points `base..base + n` of row `row`: all to be transformed exactly, or tested against the line
/// through their ends.
#[derive(Clone, Copy)]
struct Piece {
    row: usize,
    base: usize,
    n: usize,
    exact: bool,
}

/// GDAL's approximate transformer over every row of `out` (rows of `width` points): for each row,
/// transform the first, middle and last points; if the middle's error against the line through the
/// ends (|dx| + |dy|) exceeds `max_error`, split into the first `middle` points and the rest and go
/// on with each, else interpolate linearly. Five points or fewer, or a failed end, are exact.
///
/// All rows at once, breadth first: each step asks `exact` for the exact transforms of all the
/// (row, index) points it needs together. The result is GDAL's recursion's, cell for cell: where two
/// pieces share a point (a split's middle), the piece that starts there writes it, as the recursion's
/// later write does.
fn approx_rows(out: &mut [(f64, f64)], width: usize, exact: &mut Exact, max_error: f64) {
    if width == 0 {
        return;
    }
    let ok = |p: (f64, f64)| p.0.is_finite() && p.1.is_finite();
    let piece = |row, base, n| Piece { row, base, n, exact: n <= 5 || max_error <= 0.0 };
    let mut pieces: Vec<Piece> = (0..out.len() / width).map(|row| piece(row, 0, width)).collect();
    while !pieces.is_empty() {
        let mut asked = Vec::new();
        for p in &pieces {
            if p.exact {
                asked.extend((p.base..p.base + p.n).map(|i| (p.row, i)));
            } else {
                asked.extend([p.base, p.base + (p.n - 1) / 2, p.base + p.n - 1].map(|i| (p.row, i)));
            }
        }
        let got = exact(&asked);
        let mut k = 0;
        let mut next = Vec::new();
        for p in pieces {
            let row = &mut out[p.row * width..(p.row + 1) * width];
            // A piece's last point is the next piece's first, but at the row's end.
            let writes = if p.base + p.n == width { p.n } else { p.n - 1 };
            if p.exact {
                row[p.base..p.base + writes].copy_from_slice(&got[k..k + writes]);
                k += p.n;
                continue;
            }
            let (p0, pm, pn) = (got[k], got[k + 1], got[k + 2]);
            k += 3;
            let mid = (p.n - 1) / 2;
            if !(ok(p0) && ok(pm) && ok(pn)) {
                next.push(Piece { exact: true, ..p });
                continue;
            }
            let span = (p.n - 1) as f64;
            let (dx, dy) = ((pn.0 - p0.0) / span, (pn.1 - p0.1) / span);
            let err = (p0.0 + dx * mid as f64 - pm.0).abs() + (p0.1 + dy * mid as f64 - pm.1).abs();
            if err > max_error {
                next.extend([piece(p.row, p.base, mid + 1), piece(p.row, p.base + mid, p.n - mid)]);
                continue;
            }
            for (i, cell) in row[p.base..p.base + writes].iter_mut().enumerate() {
                *cell = (p0.0 + dx * i as f64, p0.1 + dy * i as f64);
            }
        }
        pieces = next;
    }
}
