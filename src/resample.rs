//! Resampling a source window at fractional source-pixel positions the way GDAL 3.6's warp kernel
//! (`alg/gdalwarpkernel.cpp`) does: nearest neighbour, bilinear and cubic (Catmull-Rom, a = −0.5).
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

use crate::cog::Raster;
use crate::error::{Error, Result};
use crate::tiff::DType;

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

/// A resampling method with the scale GDAL would warp a given output at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kernel {
    /// The method.
    pub method: Resampling,
    /// GDAL's `dfXScale`, `dfYScale`: output pixels per source pixel (below 1 when reducing).
    pub scale: (f64, f64),
}

impl Kernel {
    /// The kernel GDAL would use to warp an `out_w`×`out_h` output whose pixel centres fall at `grid`
    /// (source pixel coordinates of a level `level_size` pixels large): the scale comes from the extent
    /// of the output's edges in the source, clipped to the image, as `ComputeSourceWindow` and
    /// `PerformWarp` compute it.
    pub fn new(method: Resampling, grid: &[(f64, f64)], out_w: usize, out_h: usize, level_size: (u64, u64)) -> Kernel {
        let scale = match source_extent(grid, out_w, out_h) {
            Some([x0, y0, x1, y1]) if method != Resampling::Nearest => (
                axis_scale(out_w, x0, x1, level_size.0, method.radius()),
                axis_scale(out_h, y0, y1, level_size.1, method.radius()),
            ),
            _ => (1.0, 1.0),
        };
        Kernel { method, scale }
    }

    /// How many source pixels beyond the nearest samples the window read must extend (x, y) so that
    /// every tap of the kernel away from the image edge is present.
    pub fn padding(&self) -> (i64, i64) {
        let r = self.method.radius() as f64;
        let pad = |s: f64| if r == 0.0 { 0 } else { (if s < 1.0 { (r / s).ceil() } else { r }) as i64 + 1 };
        (pad(self.scale.0), pad(self.scale.1))
    }

    /// Whether GDAL uses its 2×2 / 4×4 formulas (both scales ≥ 0.95) rather than the widened filter.
    fn four_sample(&self) -> bool {
        self.scale.0 >= 0.95 && self.scale.1 >= 0.95
    }
}

/// GDAL's scale along one axis for `dst` output pixels whose edges span `min..max` source pixels of an
/// image `size` pixels long (`ComputeSourceWindow`'s window and extra size, then `PerformWarp`).
fn axis_scale(dst: usize, min: f64, max: f64, size: u64, radius: usize) -> f64 {
    let (dst, size, r) = (dst as f64, size as f64, radius as f64);
    let extent = max - min;
    if extent.is_nan() || extent <= 0.0 {
        return 1.0;
    }
    let min_clamped = min.max(0.0).floor();
    let raw = (size - min_clamped).min(extent).max(0.0);
    let window_scale = (dst / extent).max(1e-3);
    let rad = if window_scale < 0.95 { (r / window_scale).ceil() } else { r };
    let off = (min_clamped - rad).clamp(0.0, size);
    let src_size = (size - off).min(max.ceil().min(size) - off + rad).max(0.0);
    if raw <= 0.0 || src_size <= 0.0 {
        return 1.0;
    }
    let extra = src_size - raw;
    let mut s = dst / raw;
    if src_size >= dst && src_size <= dst + extra {
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

/// Source extent `[xmin, ymin, xmax, ymax]` of the edges of an `w`×`h` output whose pixel centres map
/// to `grid`: 21 points per edge, as GDAL samples them, extrapolated half a pixel from the centres.
fn source_extent(grid: &[(f64, f64)], w: usize, h: usize) -> Option<[f64; 4]> {
    if w < 2 || h < 2 || grid.len() < w * h {
        return None;
    }
    let at = |u: f64, v: f64| -> (f64, f64) {
        let i0 = ((u - 0.5).floor().max(0.0) as usize).min(w - 2);
        let j0 = ((v - 0.5).floor().max(0.0) as usize).min(h - 2);
        let (tx, ty) = (u - 0.5 - i0 as f64, v - 0.5 - j0 as f64);
        let g = |i: usize, j: usize| grid[(j0 + j) * w + i0 + i];
        let lerp = |a: (f64, f64), b: (f64, f64), t: f64| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        lerp(lerp(g(0, 0), g(1, 0), tx), lerp(g(0, 1), g(1, 1), tx), ty)
    };
    const STEPS: usize = 20;
    let (wf, hf) = (w as f64, h as f64);
    let mut e = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    for k in 0..=STEPS {
        let t = k as f64 / STEPS as f64;
        for (u, v) in [(t * wf, 0.0), (t * wf, hf), (0.0, t * hf), (wf, t * hf)] {
            let (x, y) = at(u, v);
            if x.is_finite() && y.is_finite() {
                e = [e[0].min(x), e[1].min(y), e[2].max(x), e[3].max(y)];
            }
        }
    }
    (e[0] <= e[2] && e[1] <= e[3]).then_some(e)
}

/// Marks invalid the pixels GDAL's warper leaves out: those whose every band equals `nodata` (GDAL
/// unifies the per-band nodata masks of a file's bands: a pixel counts as nodata only when all its
/// bands are) and those whose `alpha_band` is 0.
pub fn mask_nodata(win: &mut Raster, nodata: Option<f64>, alpha_band: Option<usize>) {
    if nodata.is_none() && alpha_band.is_none() {
        return;
    }
    let is_nodata = |v: f64| nodata.is_some_and(|n| v == n || (n.is_nan() && v.is_nan()));
    for p in 0..win.width * win.height {
        let sample = |b: usize| win.dtype.get(&win.data, p * win.bands + b);
        let all_nodata = nodata.is_some() && (0..win.bands).all(|b| is_nodata(sample(b)));
        if all_nodata || alpha_band.is_some_and(|a| sample(a) == 0.0) {
            win.valid[p] = 0;
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
    let mut out = Raster {
        width: out_w,
        height: out_h,
        bands: win.bands,
        dtype: win.dtype,
        data: vec![0; out_w * out_h * ss],
        valid: vec![0; out_w * out_h],
    };
    let (mut tx, mut ty): (Taps, Taps) = (Vec::new(), Vec::new());
    let mut acc = vec![0.0; win.bands];
    for (o, &(gx, gy)) in grid.iter().enumerate().take(out_w * out_h) {
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
        kernel_taps(win, kernel, (lx, ly), &mut tx, &mut ty);
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
                    *a += w * win.dtype.get(&win.data, p * win.bands + b);
                }
            }
        }
        if weight < MIN_WEIGHT {
            continue;
        }
        let norm = if (weight - 1.0).abs() > 1e-5 { weight } else { 1.0 };
        for (b, a) in acc.iter().enumerate() {
            put(out.dtype, &mut out.data, o * win.bands + b, a / norm);
        }
        out.valid[o] = 255;
    }
    out
}

/// Fills the horizontal and vertical taps of `kernel` at window position (`lx`, `ly`), leaving out
/// taps beyond the window (which ends where the image does).
fn kernel_taps(win: &Raster, kernel: &Kernel, (lx, ly): (f64, f64), tx: &mut Taps, ty: &mut Taps) {
    let (w, h) = (win.width as i64, win.height as i64);
    let (ix, iy) = ((lx - 0.5).floor() as i64, (ly - 0.5).floor() as i64);
    let (dx, dy) = (lx - 0.5 - ix as f64, ly - 0.5 - iy as f64);
    let fill = |taps: &mut Taps, i0: i64, n: i64, len: i64, wt: &dyn Fn(i64) -> f64| {
        taps.clear();
        taps.extend((i0..i0 + n).filter(|i| (0..len).contains(i)).map(|i| (i as usize, wt(i - i0))));
    };
    let method = if kernel.four_sample() { kernel.method } else { Resampling::Nearest };
    let cubic_ok = method == Resampling::Cubic
        && ix >= 1
        && iy >= 1
        && ix + 2 < w
        && iy + 2 < h
        && (iy - 1..iy + 3).all(|j| (ix - 1..ix + 3).all(|i| win.valid[(j * w + i) as usize] != 0));
    if cubic_ok {
        let (cx, cy) = (cubic_coefficients(dx), cubic_coefficients(dy));
        fill(tx, ix - 1, 4, w, &|k| cx[k as usize]);
        fill(ty, iy - 1, 4, h, &|k| cy[k as usize]);
    } else if method != Resampling::Nearest {
        // GDAL's 2×2 bilinear (also the cubic's fallback): weights 1.5 − (x − i) and its complement.
        let (rx, ry) = (1.5 - (lx - ix as f64), 1.5 - (ly - iy as f64));
        fill(tx, ix, 2, w, &|k| if k == 0 { rx } else { 1.0 - rx });
        fill(ty, iy, 2, h, &|k| if k == 0 { ry } else { 1.0 - ry });
    } else {
        // The general filter, widened by 1/scale when reducing.
        let m = kernel.method;
        let axis = |taps: &mut Taps, i: i64, d: f64, s: f64, len: i64| {
            let r = m.radius() as f64;
            let reach = if s < 1.0 { (r / s).ceil() as i64 } else { r as i64 };
            let first = if m == Resampling::Bilinear { -reach } else { 1 - reach };
            let s = s.min(1.0);
            fill(taps, i + first, reach - first + 1, len, &|k| m.weight(((k + first) as f64 - d) * s));
        };
        axis(tx, ix, dx, kernel.scale.0, w);
        axis(ty, iy, dy, kernel.scale.1, h);
    }
}

/// Catmull-Rom weights of the pixels at −1, 0, 1, 2 for a position `x` ∈ [0, 1) past pixel 0 (GDAL's
/// `GWKCubicComputeWeights`).
fn cubic_coefficients(x: f64) -> [f64; 4] {
    let (half, three) = (0.5 * x, 3.0 * x);
    let half2 = half * x;
    [half * (-1.0 + x * (2.0 - x)), 1.0 + half2 * (-5.0 + three), half * (1.0 + x * (4.0 - three)), half2 * (-1.0 + x)]
}

/// Writes `v` as sample `i` of `data` in `dt`: integers clamped to the type and rounded half up (GDAL's
/// `GWKClampValueT`), floats cast.
fn put(dt: DType, data: &mut [u8], i: usize, v: f64) {
    let s = dt.size();
    let b = &mut data[i * s..(i + 1) * s];
    let (lo, hi) = dt.range();
    let r = (v.clamp(lo, hi) + 0.5).floor();
    match dt {
        DType::Bit | DType::U8 => b[0] = r as u8,
        DType::I8 => b[0] = r as i8 as u8,
        DType::U16 => b.copy_from_slice(&(r as u16).to_ne_bytes()),
        DType::I16 => b.copy_from_slice(&(r as i16).to_ne_bytes()),
        DType::U32 => b.copy_from_slice(&(r as u32).to_ne_bytes()),
        DType::I32 => b.copy_from_slice(&(r as i32).to_ne_bytes()),
        DType::U64 => b.copy_from_slice(&(r as u64).to_ne_bytes()),
        DType::I64 => b.copy_from_slice(&(r as i64).to_ne_bytes()),
        DType::F16 | DType::F32 => b.copy_from_slice(&(v as f32).to_ne_bytes()),
        DType::F64 => b.copy_from_slice(&v.to_ne_bytes()),
    }
}
