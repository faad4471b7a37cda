//! Chroma upsampling as libjpeg-turbo does it with `do_fancy_upsampling` left TRUE (libtiff only turns
//! it off for raw, still-subsampled output): jdsample.c's `h2v1_fancy_upsample`, `h2v2_fancy_upsample`
//! and `h1v2_fancy_upsample` (triangle filters with libjpeg's alternating rounding biases), and plain
//! replication (`h2v1_upsample`, `h2v2_upsample`, `int_upsample`) where libjpeg uses it.

use crate::error::{Error, Result};

/// How one component's rows become full-resolution rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Full resolution already.
    Copy,
    /// 2:1 horizontally, triangle filter.
    FancyH2V1,
    /// 2:1 both ways, triangle filter using the row above or below.
    FancyH2V2,
    /// 2:1 vertically, triangle filter.
    FancyH1V2,
    /// Integral factors, each sample repeated.
    Replicate { h: usize, v: usize },
}

impl Method {
    /// libjpeg's choice (jinit_upsampler) for a component sampled `h`×`v` times less than the frame's
    /// maximum, `width` samples wide after downsampling.
    pub fn choose(h: usize, v: usize, width: usize) -> Result<Method> {
        Ok(match (h, v) {
            (1, 1) => Method::Copy,
            (2, 1) if width > 2 => Method::FancyH2V1,
            (2, 2) if width > 2 => Method::FancyH2V2,
            (1, 2) => Method::FancyH1V2,
            (h, v) if h >= 1 && v >= 1 => Method::Replicate { h, v },
            _ => return Err(Error::unsupported("JPEG with fractional sampling factors")),
        })
    }

    /// Output row `y` of a component plane (`width`×`height` real samples, rows `stride` apart) into
    /// `out`, at least `width × h` long (`sums`: scratch, `width` long); returns the row (a slice of
    /// `plane` for [`Method::Copy`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn row<'a>(
        self,
        plane: &'a [u8],
        stride: usize,
        width: usize,
        height: usize,
        y: usize,
        out: &'a mut [u8],
        sums: &mut [u16],
    ) -> &'a [u8] {
        let at = |r: usize| &plane[r * stride..r * stride + width];
        let last = height - 1;
        match self {
            Method::Copy => at(y.min(last)),
            Method::FancyH2V1 => {
                let i = at(y.min(last));
                h2v1(i, out);
                &out[..2 * width]
            }
            Method::FancyH2V2 | Method::FancyH1V2 => {
                let r = (y / 2).min(last);
                let (near, far) = if y % 2 == 0 { (r, r.saturating_sub(1)) } else { (r, (r + 1).min(last)) };
                let (near, far) = (at(near), at(far));
                if self == Method::FancyH1V2 {
                    let bias = if y % 2 == 0 { 1 } else { 2 };
                    for ((o, &a), &b) in out.iter_mut().zip(near).zip(far) {
                        *o = ((a as u16 * 3 + b as u16 + bias) >> 2) as u8;
                    }
                    &out[..width]
                } else {
                    h2v2(near, far, out, sums);
                    &out[..2 * width]
                }
            }
            Method::Replicate { h, v } => {
                let i = at((y / v).min(last));
                for (o, &s) in out.chunks_exact_mut(h).zip(i) {
                    o.fill(s);
                }
                &out[..h * width]
            }
        }
    }
}

/// jdsample.c `h2v1_fancy_upsample`: 3/4 nearer + 1/4 further sample, biases 1 and 2; edges copied.
/// `i` holds at least 3 samples.
#[inline(always)]
fn h2v1(i: &[u8], out: &mut [u8]) {
    let w = i.len();
    let out = &mut out[..2 * w];
    out[0] = i[0];
    out[1] = ((i[0] as u16 * 3 + i[1] as u16 + 2) >> 2) as u8;
    let inner = out[2..2 * w - 2].chunks_exact_mut(2);
    for (((o, &l), &c), &r) in inner.zip(&i[..w - 2]).zip(&i[1..w - 1]).zip(&i[2..]) {
        let v = c as u16 * 3;
        o[0] = ((v + l as u16 + 1) >> 2) as u8;
        o[1] = ((v + r as u16 + 2) >> 2) as u8;
    }
    out[2 * w - 2] = ((i[w - 1] as u16 * 3 + i[w - 2] as u16 + 1) >> 2) as u8;
    out[2 * w - 1] = i[w - 1];
}

/// jdsample.c `h2v2_fancy_upsample`: column sums 3 × nearer row + further row, then 3/4 + 1/4 across,
/// biases 8 and 7. Rows hold at least 3 samples.
#[inline(always)]
fn h2v2(near: &[u8], far: &[u8], out: &mut [u8], sums: &mut [u16]) {
    let w = near.len();
    let (out, cs) = (&mut out[..2 * w], &mut sums[..w]);
    for ((s, &a), &b) in cs.iter_mut().zip(near).zip(far) {
        *s = a as u16 * 3 + b as u16;
    }
    out[0] = ((cs[0] * 4 + 8) >> 4) as u8;
    out[1] = ((cs[0] * 3 + cs[1] + 7) >> 4) as u8;
    let inner = out[2..2 * w - 2].chunks_exact_mut(2);
    for (((o, &l), &c), &r) in inner.zip(&cs[..w - 2]).zip(&cs[1..w - 1]).zip(&cs[2..]) {
        let v = c * 3;
        o[0] = ((v + l + 8) >> 4) as u8;
        o[1] = ((v + r + 7) >> 4) as u8;
    }
    out[2 * w - 2] = ((cs[w - 1] * 3 + cs[w - 2] + 8) >> 4) as u8;
    out[2 * w - 1] = ((cs[w - 1] * 4 + 7) >> 4) as u8;
}
