//! Colour output: libjpeg's `ycc_rgb_convert` (jdcolor.c, 16-bit fixed point with its rounding) and
//! the plain interleaving of `null_convert` used when libtiff leaves the colour space alone.

const SCALEBITS: i32 = 16;
const ONE_HALF: i32 = 1 << (SCALEBITS - 1);

/// `FIX(x)` of jdcolor.c: x × 65536 rounded.
const fn fix(x: f64) -> i32 {
    (x * (1 << SCALEBITS) as f64 + 0.5) as i32
}

const CR_R: i32 = fix(1.40200);
const CB_B: i32 = fix(1.77200);
const CR_G: i32 = fix(0.71414);
const CB_G: i32 = fix(0.34414);

#[inline(always)]
fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// One pixel: jdcolor.c's table entries computed in place (the same expressions, so the same values):
/// R = Y + ((FIX(1.402)·Cr' + ½) >> 16), G = Y + ((−FIX(0.34414)·Cb' + ½ − FIX(0.71414)·Cr') >> 16),
/// B = Y + ((FIX(1.772)·Cb' + ½) >> 16), Cb' = Cb − 128, Cr' = Cr − 128, each clamped to 0..=255.
#[inline(always)]
fn pixel(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (y as i32, cb as i32 - 128, cr as i32 - 128);
    [
        clamp(y + ((CR_R * cr + ONE_HALF) >> SCALEBITS)),
        clamp(y + ((-CB_G * cb + ONE_HALF - CR_G * cr) >> SCALEBITS)),
        clamp(y + ((CB_B * cb + ONE_HALF) >> SCALEBITS)),
    ]
}

/// YCbCr rows → one RGB row (`out.len()` / 3 pixels), as libjpeg-turbo's `ycc_rgb_convert`.
#[inline(always)]
pub fn ycc_to_rgb(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    const N: usize = 16;
    let n = out.len() / 3;
    let (y, cb, cr) = (&y[..n], &cb[..n], &cr[..n]);
    let mut oc = out.chunks_exact_mut(3 * N);
    let mut yc = y.chunks_exact(N);
    let (mut bc, mut rc) = (cb.chunks_exact(N), cr.chunks_exact(N));
    for (((o, y), cb), cr) in (&mut oc).zip(&mut yc).zip(&mut bc).zip(&mut rc) {
        // Planar arithmetic first (vectorizes), then the interleaving store.
        let mut px = [[0u8; 3]; N];
        for i in 0..N {
            px[i] = pixel(y[i], cb[i], cr[i]);
        }
        o.copy_from_slice(px.as_flattened());
    }
    let rest = oc.into_remainder().chunks_exact_mut(3);
    for (((o, &y), &cb), &cr) in rest.zip(yc.remainder()).zip(bc.remainder()).zip(rc.remainder()) {
        o.copy_from_slice(&pixel(y, cb, cr));
    }
}

/// Component rows → one pixel-interleaved row (`out.len()` / `rows.len()` pixels).
#[inline(always)]
pub fn interleave(rows: &[&[u8]], out: &mut [u8]) {
    match rows {
        [a] => out.copy_from_slice(&a[..out.len()]),
        [a, b, c] => {
            for (((px, &a), &b), &c) in out.chunks_exact_mut(3).zip(*a).zip(*b).zip(*c) {
                px.copy_from_slice(&[a, b, c]);
            }
        }
        _ => {
            let n = rows.len();
            for (x, px) in out.chunks_exact_mut(n).enumerate() {
                for (o, r) in px.iter_mut().zip(rows) {
                    *o = r[x];
                }
            }
        }
    }
}
