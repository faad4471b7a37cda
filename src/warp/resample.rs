//! Resampling a source window at fractional source-pixel positions the way GDAL 3.6's warp kernel
//! (`alg/gdalwarpkernel.cpp`) does: nearest neighbour, bilinear and cubic (Catmull-Rom, a = −0.5); and
//! the nearest-neighbour picking of GDAL's `RasterIO` that regions and thumbnails use
//! ([`rasterio_positions`], [`pick`]).
//!
//! What is reproduced, and where GDAL does it:
//! - pixel centres: a position `x` is between source pixels `floor(x − 0.5)` and the next one;
//! - one scale per warp (`dfXScale`, `dfYScale`: output pixels per source pixel, from the source window
//!   `ComputeSourceWindow` finds for the output window, rounded to `1/n` when within 0.05 of it);
//! - at scales ≥ 0.95 in both directions the 2×2 bilinear / 4×4 cubic formulas
//!   (`GWKBilinearResample4Sample`, `GWKCubicResample4Sample`: cubic falls back to bilinear at the image
//!   edge or when one of its 16 samples is invalid); below, the general kernel widened by `1/scale`
//!   (`GWKResample`: weights `f((i − δ)·scale)` over `ceil(radius/scale)` pixels each side);
//! - invalid or off-image samples are left out and the weights renormalised over the valid ones; an
//!   output pixel is valid only where the source pixel under it is (`GWKRealCase`);
//! - integer outputs clamped to the type and rounded half up (`GWKClampValueT`), floats cast.

use crate::decode::raster::is_nodata;
use crate::decode::Raster;
use crate::error::{Error, Result};

/// A resampling method (GDAL's `-r` and TiTiler's `resampling` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resampling {
    /// The source pixel under the output pixel centre (the only method for palette/categorical data).
    #[default]
    Nearest,
    /// Bilinear interpolation of the 2×2 nearest pixels (a triangle filter when reducing).
    Bilinear,
    /// Cubic convolution (Catmull-Rom) of the 4×4 nearest pixels (widened when reducing).
    Cubic,
}

/// A tile's resampling as asked for: one method everywhere, or [`ResamplingChoice::Auto`], which picks
/// per tile from how much the tile magnifies its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResamplingChoice {
    /// This method for every tile (palette images always nearest). The default: nearest, as `gdalwarp`.
    Method(Resampling),
    /// Bilinear where the tile magnifies the source (fewer than one source pixel per output pixel:
    /// close up, past the file's resolution, where nearest shows the source's pixels as blocks), nearest
    /// where it reduces it or matches it; nearest always for categorical data (palette images, class
    /// colour maps), whose values must not be blended.
    Auto,
}

impl Default for ResamplingChoice {
    fn default() -> Self {
        ResamplingChoice::Method(Resampling::Nearest)
    }
}

impl From<Resampling> for ResamplingChoice {
    fn from(m: Resampling) -> Self {
        ResamplingChoice::Method(m)
    }
}

impl ResamplingChoice {
    /// `auto`, or a method's name as [`Resampling::parse`] reads it.
    pub fn parse(name: &str) -> Result<ResamplingChoice> {
        if name.trim().eq_ignore_ascii_case("auto") {
            return Ok(ResamplingChoice::Auto);
        }
        Resampling::parse(name).map(ResamplingChoice::Method).map_err(|_| {
            Error::usage(format!("resampling {name:?} is not supported (use nearest, bilinear, cubic or auto)"))
        })
    }

    /// The method for a tile whose output pixels each span `ratio` full-resolution source pixels (the
    /// target ratio `gdalwarp` chooses its overview from; below 1 the tile magnifies the source) of
    /// data that is `categorical` or not.
    ///
    /// ```
    /// use large_image_wasm::warp::{Resampling, ResamplingChoice};
    /// assert_eq!(ResamplingChoice::Auto.method(0.6, false), Resampling::Bilinear);
    /// assert_eq!(ResamplingChoice::Auto.method(1.3, false), Resampling::Nearest);
    /// assert_eq!(ResamplingChoice::Auto.method(0.6, true), Resampling::Nearest);
    /// assert_eq!(ResamplingChoice::Method(Resampling::Cubic).method(3.0, false), Resampling::Cubic);
    /// ```
    pub fn method(self, ratio: f64, categorical: bool) -> Resampling {
        match self {
            ResamplingChoice::Method(m) => m,
            ResamplingChoice::Auto if !categorical && ratio > 0.0 && ratio < 1.0 => Resampling::Bilinear,
            ResamplingChoice::Auto => Resampling::Nearest,
        }
    }
}

/// Sum of valid weights below which an output pixel has no valid input (GDAL's divisor test).
const MIN_WEIGHT: f64 = 1e-5;

impl Resampling {
    /// From a GDAL or TiTiler name: `nearest` (or `near`), `bilinear`, `cubic` (case-insensitive); any
    /// other name is a usage error listing these.
    pub fn parse(name: &str) -> Result<Resampling> {
        match name.trim().to_ascii_lowercase().as_str() {
            "nearest" | "near" => Ok(Resampling::Nearest),
            "bilinear" => Ok(Resampling::Bilinear),
            "cubic" => Ok(Resampling::Cubic),
            _ => Err(Error::usage(format!("resampling {name:?} is not supported (use nearest, bilinear or cubic)"))),
        }
    }

    /// The filter radius in source pixels at scale 1 (GDAL's `GWKGetFilterRadius`).
    pub fn radius(self) -> usize {
        match self {
            Resampling::Nearest => 0,
            Resampling::Bilinear => 1,
            Resampling::Cubic => 2,
        }
    }

    /// The filter's weight at distance `x` (GDAL's `GWKBilinear` / `GWKCubic`).
    fn weight(self, x: f64) -> f64 {
        let a = x.abs();
        match self {
            Resampling::Nearest => f64::from(a < 0.5),
            Resampling::Bilinear if a <= 1.0 => 1.0 - a,
            Resampling::Cubic if a <= 1.0 => x * x * (1.5 * a - 2.5) + 1.0,
            Resampling::Cubic if a <= 2.0 => x * x * (-0.5 * a + 2.5) - 4.0 * a + 2.0,
            _ => 0.0,
        }
    }
}

/// A part of the output GDAL warps on its own, with its own scale (`GDALWarpOperation::CollectChunkList`
/// splits the output in halves while the source window it needs is mostly off the image).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chunk {
    /// First output column and row.
    pub x0: usize,
    /// First output row.
    pub y0: usize,
    /// Width in output pixels.
    pub w: usize,
    /// Height in output pixels.
    pub h: usize,
    /// GDAL's `dfXScale`, `dfYScale`: output pixels per source pixel (below 1 when reducing).
    pub scale: (f64, f64),
}

/// A resampling method with the chunks and scales GDAL would warp a given output in.
#[derive(Debug, Clone, PartialEq)]
pub struct Kernel {
    /// The method.
    pub method: Resampling,
    /// The output split as GDAL splits it; output pixels outside every chunk have no source.
    pub chunks: Vec<Chunk>,
}

impl Kernel {
    /// The kernel GDAL would use to warp an `out_w`×`out_h` output whose pixel centres fall at `grid`
    /// (source pixel coordinates of a level `level_size` pixels large): the output is split where
    /// `CollectChunkList` splits it, and each part's scale comes from the extent of its edges in the
    /// source, clipped to the image (`ComputeSourceWindow`, then `PerformWarp`). Nearest neighbour
    /// needs neither: one chunk at scale 1.
    pub fn new(method: Resampling, grid: &[(f64, f64)], out_w: usize, out_h: usize, level_size: (u64, u64)) -> Kernel {
        let whole = Chunk { x0: 0, y0: 0, w: out_w, h: out_h, scale: (1.0, 1.0) };
        let mut chunks = Vec::new();
        if method == Resampling::Nearest || out_w < 2 || out_h < 2 || grid.len() < out_w * out_h {
            chunks.push(whole);
        } else {
            collect_chunks(&Grid { points: grid, w: out_w, h: out_h }, whole, level_size, method.radius(), &mut chunks);
        }
        Kernel { method, chunks }
    }

    /// How many source pixels beyond the nearest samples the window read must extend (x, y) so that
    /// every tap of the kernel away from the image edge is present.
    pub fn padding(&self) -> (i64, i64) {
        let r = self.method.radius() as f64;
        let pad = |s: f64| if r == 0.0 { 0 } else { (if s < 1.0 { (r / s).ceil() } else { r }) as i64 + 1 };
        let max = |f: &dyn Fn(&Chunk) -> i64| self.chunks.iter().map(f).max().unwrap_or(0);
        (max(&|c| pad(c.scale.0)), max(&|c| pad(c.scale.1)))
    }
}

/// The output pixel centres' source positions, row by row.
struct Grid<'a> {
    points: &'a [(f64, f64)],
    w: usize,
    h: usize,
}

impl Grid<'_> {
    /// The source position of output position (`u`, `v`) (pixel edges at whole numbers), interpolated
    /// or extrapolated from the nearest four pixel centres.
    fn at(&self, u: f64, v: f64) -> (f64, f64) {
        let i0 = ((u - 0.5).floor().max(0.0) as usize).min(self.w - 2);
        let j0 = ((v - 0.5).floor().max(0.0) as usize).min(self.h - 2);
        let (tx, ty) = (u - 0.5 - i0 as f64, v - 0.5 - j0 as f64);
        let g = |i: usize, j: usize| self.points[(j0 + j) * self.w + i0 + i];
        let lerp = |a: (f64, f64), b: (f64, f64), t: f64| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        lerp(lerp(g(0, 0), g(1, 0), tx), lerp(g(0, 1), g(1, 1), tx), ty)
    }

    /// Source extent `[xmin, ymin, xmax, ymax]` of chunk `c` as `ComputeSourceWindow` samples it: 21
    /// points per edge, or a 21×21 grid over the chunk if an edge point fails to transform; and
    /// whether one did.
    fn extent(&self, c: &Chunk) -> Option<([f64; 4], bool)> {
        const STEPS: usize = 20;
        let (x0, y0, w, h) = (c.x0 as f64, c.y0 as f64, c.w as f64, c.h as f64);
        let mut failed = false;
        for grid in [false, true] {
            let mut e = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            let (mut ok, mut n) = (0, 0);
            for k in 0..=STEPS {
                let t = k as f64 / STEPS as f64;
                let points: Vec<(f64, f64)> = if grid {
                    (0..=STEPS).map(|l| (t, l as f64 / STEPS as f64)).collect()
                } else {
                    vec![(t, 0.0), (t, 1.0), (0.0, t), (1.0, t)]
                };
                for (a, b) in points {
                    let (x, y) = self.at(x0 + a * w, y0 + b * h);
                    n += 1;
                    if x.is_finite() && y.is_finite() {
                        ok += 1;
                        e = [e[0].min(x), e[1].min(y), e[2].max(x), e[3].max(y)];
                    }
                }
            }
            failed |= ok < n;
            if ok == n || grid {
                return (ok + 5 > n).then_some((e, failed));
            }
        }
        None
    }
}

/// One axis of `ComputeSourceWindow`: for `dst` output pixels whose edges span `min..max` source
/// pixels of an image `size` long, the source window (offset, size), its size before the kernel's
/// margin and clipping to the image's far side (`dfSrcXSizeRaw`), and the margin.
fn source_window(dst: usize, min: f64, max: f64, size: u64, radius: usize, failed: bool) -> (f64, f64, f64, f64) {
    let (dst, size) = (dst as f64, size as f64);
    let scale = (dst / (max - min)).max(1e-3);
    let mut margin = if scale < 0.95 { (radius as f64 / scale).ceil() } else { radius as f64 };
    if failed {
        margin += 10.0;
    }
    let min_clamped = min.max(0.0).floor();
    let raw = (size - min_clamped).min(max - min).max(0.0);
    let off = (min_clamped - margin).clamp(0.0, size);
    let len = (size - off).min(max.ceil().min(size) - off + margin).max(0.0);
    (off, len, raw, margin)
}

/// `PerformWarp`'s scale for `dst` output pixels read from a source window `len` long of which `raw`
/// is the part the output covers: `dst / raw`, 1 when the window barely exceeds the output, and
/// `1/n` when within 0.05 of it.
fn warp_scale(dst: usize, len: f64, raw: f64) -> f64 {
    let dst = dst as f64;
    if raw <= 0.0 {
        return 1.0;
    }
    let mut s = dst / raw;
    if len >= dst && len <= dst + (len - raw) {
        s = 1.0;
    }
    if s < 1.0 {
        let rec = 1.0 / s;
        let n = (rec + 0.5).floor();
        if (rec - n).abs() < 0.05 {
            s = 1.0 / n;
        }
    }
    s
}

/// `CollectChunkListInternal`: drops chunks with no source, halves (the longer side, else the
/// height) chunks over 100 pixels whose source window is less than half on the image, and keeps the
/// rest with their scale.
fn collect_chunks(grid: &Grid, c: Chunk, level: (u64, u64), radius: usize, out: &mut Vec<Chunk>) {
    let Some(([x0, y0, x1, y1], failed)) = grid.extent(&c) else { return };
    if x0 > level.0 as f64 || x1 < 0.0 || y0 > level.1 as f64 || y1 < 0.0 {
        return;
    }
    let (_, wx, rx, mx) = source_window(c.w, x0, x1, level.0, radius, failed);
    let (_, wy, ry, my) = source_window(c.h, y0, y1, level.1, radius, failed);
    if wx <= 0.0 || wy <= 0.0 {
        return;
    }
    let fill = wx * wy / ((x1 - x0 + 2.0 * mx) * (y1 - y0 + 2.0 * my)).max(1.0);
    if fill > 0.0 && fill < 0.5 && (c.w > 100 || c.h > 100) {
        let (a, b) = if c.w > c.h {
            let half = c.w / 2;
            (Chunk { w: half, ..c }, Chunk { x0: c.x0 + half, w: c.w - half, ..c })
        } else {
            let half = c.h / 2;
            (Chunk { h: half, ..c }, Chunk { y0: c.y0 + half, h: c.h - half, ..c })
        };
        collect_chunks(grid, a, level, radius, out);
        collect_chunks(grid, b, level, radius, out);
        return;
    }
    out.push(Chunk { scale: (warp_scale(c.w, wx, rx), warp_scale(c.h, wy, ry)), ..c });
}

/// Marks invalid the pixels GDAL's warper leaves out: those whose every band equals `nodata` (GDAL
/// unifies the per-band nodata masks of a file's bands: a pixel counts as nodata only when all its
/// bands are) and those whose `alpha_band` is 0.
pub fn mask_nodata(win: &mut Raster, nodata: Option<f64>, alpha_band: Option<usize>) {
    if nodata.is_none() && alpha_band.is_none() {
        return;
    }
    for p in 0..win.pixels() {
        let all_nodata = nodata.is_some_and(|nd| (0..win.bands).all(|b| is_nodata(win.sample(p, b), nd)));
        if all_nodata || alpha_band.is_some_and(|a| win.sample(p, a) == 0.0) {
            win.valid[p] = 0;
        }
    }
}

/// Pixel bounds `(x0, y0, x1, y1)` (exclusive) of the nearest-neighbour samples of `grid`, clipped to
/// a `w`×`h` image; `None` when no sample falls inside.
pub fn grid_window(grid: &[(f64, f64)], w: u64, h: u64) -> Option<(i64, i64, i64, i64)> {
    let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for &(gx, gy) in grid {
        let (sx, sy) = (gx.floor(), gy.floor());
        if sx >= 0.0 && sy >= 0.0 && sx < w as f64 && sy < h as f64 {
            let (sx, sy) = (sx as i64, sy as i64);
            x0 = x0.min(sx);
            y0 = y0.min(sy);
            x1 = x1.max(sx + 1);
            y1 = y1.max(sy + 1);
        }
    }
    (x0 <= x1 && x0 != i64::MAX).then_some((x0, y0, x1, y1))
}

/// For `n` output pixels over `size` source pixels from `offset`, the source pixel each takes, as
/// GDAL's nearest-neighbour `RasterIO` picks it: centre plus 1e-10, truncated, kept inside `limit`.
pub fn rasterio_positions(offset: f64, size: f64, n: u64, limit: u64) -> Vec<u64> {
    let inc = size / n as f64;
    (0..n).map(|i| ((i as f64 + 0.5) * inc + offset + 1e-10).clamp(0.0, (limit - 1) as f64) as u64).collect()
}

/// The samples of `win` (top-left at level pixel `origin`) at columns `cols` × rows `rows`.
pub fn pick(win: &Raster, origin: (u64, u64), cols: &[u64], rows: &[u64], out: &mut Raster, out_row0: usize) {
    let ss = win.bands * win.dtype.size();
    for (j, &r) in rows.iter().enumerate() {
        let sr = (r - origin.1) as usize;
        for (i, &c) in cols.iter().enumerate() {
            let s = sr * win.width + (c - origin.0) as usize;
            let o = (out_row0 + j) * out.width + i;
            out.data[o * ss..(o + 1) * ss].copy_from_slice(&win.data[s * ss..(s + 1) * ss]);
            out.valid[o] = win.valid[s];
        }
    }
}

/// The taps of a separable kernel along one axis: (window index, weight).
type Taps = Vec<(usize, f64)>;

/// Resamples `win` (a window of a level whose top-left pixel is `origin`) at `grid`, the level pixel
/// coordinates of each output pixel centre, into an `out_w`×`out_h` raster, with `kernel`. Output
/// pixels whose source pixel is off the image or invalid are invalid.
pub fn resample(
    win: &Raster,
    origin: (i64, i64),
    grid: &[(f64, f64)],
    out_w: usize,
    out_h: usize,
    kernel: &Kernel,
) -> Raster {
    let ss = win.dtype.size() * win.bands;
    let mut out = Raster::empty(out_w, out_h, win.bands, win.dtype);
    let (mut tx, mut ty): (Taps, Taps) = (Vec::new(), Vec::new());
    let mut acc = vec![0.0; win.bands];
    for chunk in &kernel.chunks {
        for o in (chunk.y0..chunk.y0 + chunk.h).flat_map(|j| (chunk.x0..chunk.x0 + chunk.w).map(move |i| j * out_w + i))
        {
            let Some(&(gx, gy)) = grid.get(o) else { continue };
            let (lx, ly) = (gx - origin.0 as f64, gy - origin.1 as f64);
            let (fx, fy) = (lx.floor(), ly.floor());
            if !(fx >= 0.0 && fy >= 0.0 && fx < win.width as f64 && fy < win.height as f64) {
                continue;
            }
            let s = fy as usize * win.width + fx as usize;
            if win.valid[s] == 0 {
                continue;
            }
            if kernel.method == Resampling::Nearest {
                out.data[o * ss..(o + 1) * ss].copy_from_slice(&win.data[s * ss..(s + 1) * ss]);
                out.valid[o] = 255;
                continue;
            }
            kernel_taps(win, kernel.method, chunk.scale, (lx, ly), &mut tx, &mut ty);
            acc.iter_mut().for_each(|a| *a = 0.0);
            let mut weight = 0.0;
            for &(j, wy) in &ty {
                for &(i, wx) in &tx {
                    let p = j * win.width + i;
                    if win.valid[p] == 0 {
                        continue;
                    }
                    let w = wx * wy;
                    weight += w;
                    for (b, a) in acc.iter_mut().enumerate() {
                        *a += w * win.sample(p, b);
                    }
                }
            }
            if weight < MIN_WEIGHT {
                continue;
            }
            let norm = if (weight - 1.0).abs() > 1e-5 { weight } else { 1.0 };
            for (b, a) in acc.iter().enumerate() {
                out.dtype.put(&mut out.data, o * win.bands + b, a / norm);
            }
            out.valid[o] = 255;
        }
    }
    out
}

/// Fills the horizontal and vertical taps of `method` at `scale` and window position (`lx`, `ly`),
/// leaving out taps beyond the window (which ends where the image does): GDAL's 2×2 and 4×4 formulas
/// when both scales are ≥ 0.95, else its general filter widened by 1/scale.
fn kernel_taps(
    win: &Raster,
    method: Resampling,
    scale: (f64, f64),
    (lx, ly): (f64, f64),
    tx: &mut Taps,
    ty: &mut Taps,
) {
    let (w, h) = (win.width as i64, win.height as i64);
    let (ix, iy) = ((lx - 0.5).floor() as i64, (ly - 0.5).floor() as i64);
    let (dx, dy) = (lx - 0.5 - ix as f64, ly - 0.5 - iy as f64);
    let fill = |taps: &mut Taps, i0: i64, n: i64, len: i64, wt: &dyn Fn(i64) -> f64| {
        taps.clear();
        taps.extend((i0..i0 + n).filter(|i| (0..len).contains(i)).map(|i| (i as usize, wt(i - i0))));
    };
    let four = scale.0 >= 0.95 && scale.1 >= 0.95;
    let cubic_ok = four
        && method == Resampling::Cubic
        && ix >= 1
        && iy >= 1
        && ix + 2 < w
        && iy + 2 < h
        && (iy - 1..iy + 3).all(|j| (ix - 1..ix + 3).all(|i| win.valid[(j * w + i) as usize] != 0));
    if cubic_ok {
        let (cx, cy) = (cubic_coefficients(dx), cubic_coefficients(dy));
        fill(tx, ix - 1, 4, w, &|k| cx[k as usize]);
        fill(ty, iy - 1, 4, h, &|k| cy[k as usize]);
    } else if four {
        // GDAL's 2×2 bilinear (also the cubic's fallback): weights 1.5 − (x − i) and its complement.
        let (rx, ry) = (1.5 - (lx - ix as f64), 1.5 - (ly - iy as f64));
        fill(tx, ix, 2, w, &|k| if k == 0 { rx } else { 1.0 - rx });
        fill(ty, iy, 2, h, &|k| if k == 0 { ry } else { 1.0 - ry });
    } else {
        let m = method;
        let axis = |taps: &mut Taps, i: i64, d: f64, s: f64, len: i64| {
            let r = m.radius() as f64;
            let reach = if s < 1.0 { (r / s).ceil() as i64 } else { r as i64 };
            let first = if m == Resampling::Bilinear { -reach } else { 1 - reach };
            let s = s.min(1.0);
            fill(taps, i + first, reach - first + 1, len, &|k| m.weight(((k + first) as f64 - d) * s));
        };
        axis(tx, ix, dx, scale.0, w);
        axis(ty, iy, dy, scale.1, h);
    }
}

/// Catmull-Rom weights of the pixels at −1, 0, 1, 2 for a position `x` ∈ [0, 1) past pixel 0 (GDAL's
/// `GWKCubicComputeWeights`).
fn cubic_coefficients(x: f64) -> [f64; 4] {
    let (half, three) = (0.5 * x, 3.0 * x);
    let half2 = half * x;
    [half * (-1.0 + x * (2.0 - x)), 1.0 + half2 * (-5.0 + three), half * (1.0 + x * (4.0 - three)), half2 * (-1.0 + x)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiff::DType;

    #[test]
    fn cubic_coefficients_are_the_cubic_filter_at_the_four_taps() {
        for x in [0.0, 0.1, 0.25, 0.5, 0.9, 0.999] {
            let c = cubic_coefficients(x);
            for (k, w) in c.iter().enumerate() {
                let want = Resampling::Cubic.weight(k as f64 - 1.0 - x);
                assert!((w - want).abs() < 1e-12, "x {x} tap {k}: {w} vs {want}");
            }
            assert!((c.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn warp_scale_rounds_to_a_whole_reduction_as_gdal() {
        assert_eq!(warp_scale(256, 506.0, 500.0), 0.5); // 1/0.512 = 1.95: within 0.05 of 2
        assert!((warp_scale(256, 406.0, 400.0) - 0.64).abs() < 1e-12);
        assert_eq!(warp_scale(256, 258.0, 255.0), 1.0); // the window barely exceeds the output
        assert!((warp_scale(256, 130.0, 128.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn rasterio_picks_centres_as_gdal() {
        assert_eq!(rasterio_positions(0.0, 4.0, 2, 4), vec![1, 3]);
    }

    #[test]
    fn a_constant_window_resamples_to_its_value() {
        let win = Raster { width: 3, height: 3, bands: 1, dtype: DType::U8, data: vec![7; 9], valid: vec![255; 9] };
        let grid = vec![(1.5, 1.5), (1.2, 1.7), (0.6, 2.4), (2.9, 0.1)];
        for m in [Resampling::Nearest, Resampling::Bilinear, Resampling::Cubic] {
            let k = Kernel { method: m, chunks: vec![Chunk { x0: 0, y0: 0, w: 2, h: 2, scale: (1.0, 1.0) }] };
            let out = resample(&win, (0, 0), &grid, 2, 2, &k);
            assert_eq!(out.data, vec![7; 4], "{m:?}");
            assert_eq!(out.valid, vec![255; 4], "{m:?}");
        }
    }
}
