//! Does loop filtering on webp lossy images
//!
//! large-image-wasm's change to image-webp 0.2.4: a whole edge segment (16 luma or 8 chroma pixels
//! along it) is filtered at once. The 8 pixels across the edge (p3 p2 p1 p0 | q0 q1 q2 q3) of every
//! position along it are gathered into 8 lanes arrays, the filter is computed for all positions with
//! selects instead of branches (which the compiler vectorises), and the lanes are written back (on
//! wasm32 with the `simd` feature, these two functions are compiled for simd128). Where the target
//! has no vectors (wasm32 without simd128) each position is filtered in place and in turn,
//! leaving early as the crate did, which is faster there. The arithmetic is the crate's own, position by
//! position (RFC 6386 §15.2–15.3), so the output is the same either way.

// Positions and lanes are indexed on purpose: the loops over positions are the ones vectorised.
#![allow(clippy::needless_range_loop)]

/// Whether the target has vector registers the compiler can compute the positions of an edge in.
const VECTOR: bool = cfg!(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_feature = "simd128",
    all(feature = "simd", target_arch = "wasm32")
));

/// Which of VP8's loop filters an edge gets (a const parameter, so that each is compiled apart).
pub(crate) mod filter {
    /// The simple filter (§15.2): p0 and q0 only.
    pub(crate) const SIMPLE: u8 = 0;
    /// The normal filter on an edge between subblocks inside a macroblock (§15.3).
    pub(crate) const SUBBLOCK: u8 = 1;
    /// The normal filter on an edge between macroblocks (§15.3).
    pub(crate) const MACROBLOCK: u8 = 2;
}
use filter::{SIMPLE, SUBBLOCK};

/// The thresholds of one macroblock's edges.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    /// The edge limit (of the simple threshold).
    pub(crate) edge: u8,
    /// The interior limit (normal filter).
    pub(crate) interior: u8,
    /// The high edge variance threshold (normal filter).
    pub(crate) hev: u8,
}

// All arithmetic is in i16, which holds every intermediate value (|27·w + 63| < 3 500), so that a vector
// register holds twice the positions it would in i32.
#[inline(always)]
fn c(val: i16) -> i16 {
    val.clamp(-128, 127)
}

//unsigned to signed
#[inline(always)]
fn u2s(val: u8) -> i16 {
    i16::from(val) - 128
}

//signed to unsigned
#[inline(always)]
fn s2u(val: i16) -> u8 {
    (c(val) + 128) as u8
}

#[inline(always)]
fn diff(val1: u8, val2: u8) -> i16 {
    (i16::from(val1) - i16::from(val2)).abs()
}

/// Filters one position across an edge: `v` is p3 p2 p1 p0 q0 q1 q2 q3. Without [`VECTOR`], returns
/// `v` as soon as the position is known to stay.
#[inline(always)]
fn filter_one<const F: u8>(limits: Limits, v: [u8; 8]) -> [u8; 8] {
    let [p3, p2, p1, p0, q0, q1, q2, q3] = v;
    let simple = diff(p0, q0) * 2 + diff(p1, q1) / 2 <= i16::from(limits.edge);
    let interior = i16::from(limits.interior);
    // `&` and `|`, not `&&` and `||`: no branch, so that the positions are computed side by side.
    let mask = simple
        & (F == SIMPLE
            || (diff(p3, p2) <= interior)
                & (diff(p2, p1) <= interior)
                & (diff(p1, p0) <= interior)
                & (diff(q3, q2) <= interior)
                & (diff(q2, q1) <= interior)
                & (diff(q1, q0) <= interior));
    if !VECTOR && !mask {
        return v;
    }
    let hev_t = i16::from(limits.hev);
    let hev = F == SIMPLE || (diff(p1, p0) > hev_t) | (diff(q1, q0) > hev_t);
    let (sp2, sp1, sp0, sq0, sq1, sq2) = (u2s(p2), u2s(p1), u2s(p0), u2s(q0), u2s(q1), u2s(q2));

    // The common adjustment of p0 and q0 (outer taps when the edge variance is high, or always in the
    // simple and macroblock filters, which use it only then).
    let outer = if hev { c(sp1 - sq1) } else { 0 };
    let a = c(outer + 3 * (sq0 - sp0));
    let b = c(a + 3) >> 3;
    let a = c(a + 4) >> 3;
    let common = [s2u(sp0 + b), s2u(sq0 - a)];

    let out = match F {
        SIMPLE => [p3, p2, p1, common[0], common[1], q1, q2, q3],
        SUBBLOCK => {
            let a = (a + 1) >> 1;
            let (np1, nq1) = if hev {
                (p1, q1)
            } else {
                (s2u(sp1 + a), s2u(sq1 - a))
            };
            [p3, p2, np1, common[0], common[1], nq1, q2, q3]
        }
        _ => {
            let w = c(c(sp1 - sq1) + 3 * (sq0 - sp0));
            let a0 = c((27 * w + 63) >> 7);
            let a1 = c((18 * w + 63) >> 7);
            let a2 = c((9 * w + 63) >> 7);
            let wide = [
                s2u(sp2 + a2),
                s2u(sp1 + a1),
                s2u(sp0 + a0),
                s2u(sq0 - a0),
                s2u(sq1 - a1),
                s2u(sq2 - a2),
            ];
            if hev {
                [p3, p2, p1, common[0], common[1], q1, q2, q3]
            } else {
                [p3, wide[0], wide[1], wide[2], wide[3], wide[4], wide[5], q3]
            }
        }
    };
    if mask {
        out
    } else {
        v
    }
}

/// Filters `N` positions gathered in lanes (`lanes[k][i]`: pixel k of p3…q3 at position i).
#[inline(always)]
fn filter_lanes<const N: usize, const F: u8>(limits: Limits, lanes: &mut [[u8; N]; 8]) {
    for i in 0..N {
        let v = std::array::from_fn(|k| lanes[k][i]);
        let out = filter_one::<F>(limits, v);
        for k in 0..8 {
            lanes[k][i] = out[k];
        }
    }
}

/// Filters the horizontal edge whose first row below it starts at `point` (rows of `stride` bytes),
/// `N` pixels along it: the pixels across it are in the 4 rows above and the 4 from `point`'s.
#[cfg_attr(
    all(feature = "simd", target_arch = "wasm32"),
    target_feature(enable = "simd128")
)]
pub(crate) fn edge_across_rows<const N: usize, const F: u8>(
    limits: Limits,
    pixels: &mut [u8],
    point: usize,
    stride: usize,
) {
    let top = point - 4 * stride;
    if !VECTOR {
        for i in 0..N {
            let v = std::array::from_fn(|k| pixels[top + k * stride + i]);
            let out = filter_one::<F>(limits, v);
            for k in 1..7 {
                pixels[top + k * stride + i] = out[k];
            }
        }
        return;
    }
    let mut lanes = [[0u8; N]; 8];
    for (k, lane) in lanes.iter_mut().enumerate() {
        lane.copy_from_slice(&pixels[top + k * stride..][..N]);
    }
    filter_lanes::<N, F>(limits, &mut lanes);
    for k in 1..7 {
        pixels[top + k * stride..][..N].copy_from_slice(&lanes[k]);
    }
}

/// Filters the vertical edge left of `point` (the first pixel right of it on the first row), `N` rows
/// of `stride` bytes down: the pixels across it are the 4 left of it and the 4 from it on each row.
#[cfg_attr(
    all(feature = "simd", target_arch = "wasm32"),
    target_feature(enable = "simd128")
)]
pub(crate) fn edge_across_columns<const N: usize, const F: u8>(
    limits: Limits,
    pixels: &mut [u8],
    point: usize,
    stride: usize,
) {
    let start = point - 4;
    if !VECTOR {
        for i in 0..N {
            let row: &mut [u8; 8] = (&mut pixels[start + i * stride..][..8]).try_into().unwrap();
            *row = filter_one::<F>(limits, *row);
        }
        return;
    }
    let mut lanes = [[0u8; N]; 8];
    for i in 0..N {
        let row: &[u8; 8] = pixels[start + i * stride..][..8].try_into().unwrap();
        for k in 0..8 {
            lanes[k][i] = row[k];
        }
    }
    filter_lanes::<N, F>(limits, &mut lanes);
    for i in 0..N {
        let row: &mut [u8; 8] = (&mut pixels[start + i * stride..][..8]).try_into().unwrap();
        for k in 1..7 {
            row[k] = lanes[k][i];
        }
    }
}
