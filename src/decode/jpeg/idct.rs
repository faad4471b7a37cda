//! The "islow" inverse DCT of libjpeg (`jidctint.c`, `jpeg_idct_islow`, 8-bit samples): dequantization,
//! a column pass scaled up by `PASS1_BITS`, a row pass, and libjpeg's post-IDCT range-limit table.
//! libjpeg-turbo's SIMD versions give the same results, so this matches what GDAL gets bit for bit.
//! Arithmetic wraps (as libjpeg's SIMD code does) instead of panicking on corrupt coefficients.

use std::num::Wrapping as W;

const CONST_BITS: usize = 13;
const PASS1_BITS: usize = 2;
const FIX_0_298631336: W<i32> = W(2446);
const FIX_0_390180644: W<i32> = W(3196);
const FIX_0_541196100: W<i32> = W(4433);
const FIX_0_765366865: W<i32> = W(6270);
const FIX_0_899976223: W<i32> = W(7373);
const FIX_1_175875602: W<i32> = W(9633);
const FIX_1_501321110: W<i32> = W(12299);
const FIX_1_847759065: W<i32> = W(15137);
const FIX_1_961570560: W<i32> = W(16069);
const FIX_2_053119869: W<i32> = W(16819);
const FIX_2_562915447: W<i32> = W(20995);
const FIX_3_072711026: W<i32> = W(25172);

/// `IDCT_range_limit(cinfo)[x & RANGE_MASK]` of jdmaster.c's `prepare_range_limit_table`: x + 128
/// clamped to 0..=255 for x in -512..512, wrapping (modulo 1024) beyond.
static RANGE_LIMIT: [u8; 1024] = {
    let mut t = [0u8; 1024];
    let mut i = 0;
    while i < 1024 {
        let x = if i < 512 { i as i32 } else { i as i32 - 1024 };
        let v = x + 128;
        t[i] = if v < 0 {
            0
        } else if v > 255 {
            255
        } else {
            v as u8
        };
        i += 1;
    }
    t
};

#[inline(always)]
fn descale(x: W<i32>, n: usize) -> i32 {
    ((x + W(1 << (n - 1))) >> n).0
}

#[inline(always)]
fn limit(x: i32) -> u8 {
    RANGE_LIMIT[(x & 1023) as usize]
}

/// The odd part shared by both passes: inputs 1, 3, 5, 7 → (tmp0, tmp1, tmp2, tmp3).
#[inline(always)]
fn odd(mut tmp3: W<i32>, mut tmp2: W<i32>, mut tmp1: W<i32>, mut tmp0: W<i32>) -> [W<i32>; 4] {
    let z4 = tmp1 + tmp3;
    let z3 = tmp0 + tmp2;
    let z2 = tmp1 + tmp2;
    let z1 = tmp0 + tmp3;
    let z5 = (z3 + z4) * FIX_1_175875602;
    tmp3 *= FIX_1_501321110;
    tmp2 *= FIX_3_072711026;
    tmp1 *= FIX_2_053119869;
    tmp0 *= FIX_0_298631336;
    let z4 = z4 * -FIX_0_390180644 + z5;
    let z3 = z3 * -FIX_1_961570560 + z5;
    let z1 = z1 * -FIX_0_899976223;
    let z2 = z2 * -FIX_2_562915447;
    [tmp0 + z1 + z3, tmp1 + z2 + z4, tmp2 + z2 + z3, tmp3 + z1 + z4]
}

/// The even part: inputs 0, 2, 4, 6 (input 0 and 4 already scaled as the pass needs) →
/// (tmp10, tmp11, tmp12, tmp13).
#[inline(always)]
fn even(x0: W<i32>, x2: W<i32>, x4: W<i32>, x6: W<i32>) -> [W<i32>; 4] {
    let z1 = (x2 + x6) * FIX_0_541196100;
    let tmp2 = z1 + x6 * -FIX_1_847759065;
    let tmp3 = z1 + x2 * FIX_0_765366865;
    let tmp0 = (x0 + x4) << CONST_BITS;
    let tmp1 = (x0 - x4) << CONST_BITS;
    [tmp0 + tmp3, tmp1 + tmp2, tmp1 - tmp2, tmp0 - tmp3]
}

/// Inverse DCT of one block: `coef` in natural order, `quant` the dequantization multipliers (libjpeg's
/// `ISLOW_MULT_TYPE`, i.e. the table values as i16), 8 rows of 8 samples written at `out[r * stride..]`.
pub fn islow(coef: &[i16; 64], quant: &[i32; 64], out: &mut [u8], stride: usize) {
    let mut ws = [0i32; 64];
    for c in 0..8 {
        let dq = |r: usize| W(coef[r * 8 + c] as i32 * quant[r * 8 + c]);
        if (1..8).all(|r| coef[r * 8 + c] == 0) {
            let dc = (dq(0) << PASS1_BITS).0;
            for r in 0..8 {
                ws[r * 8 + c] = dc;
            }
            continue;
        }
        let [t10, t11, t12, t13] = even(dq(0), dq(2), dq(4), dq(6));
        let [t0, t1, t2, t3] = odd(dq(1), dq(3), dq(5), dq(7));
        let n = CONST_BITS - PASS1_BITS;
        ws[c] = descale(t10 + t3, n);
        ws[8 + c] = descale(t11 + t2, n);
        ws[16 + c] = descale(t12 + t1, n);
        ws[24 + c] = descale(t13 + t0, n);
        ws[32 + c] = descale(t13 - t0, n);
        ws[40 + c] = descale(t12 - t1, n);
        ws[48 + c] = descale(t11 - t2, n);
        ws[56 + c] = descale(t10 - t3, n);
    }
    for (r, w) in ws.chunks_exact(8).enumerate() {
        let Some(o) = out.get_mut(r * stride..r * stride + 8) else { return };
        if w[1..].iter().all(|&v| v == 0) {
            o.fill(limit(descale(W(w[0]), PASS1_BITS + 3)));
            continue;
        }
        let [t10, t11, t12, t13] = even(W(w[0]), W(w[2]), W(w[4]), W(w[6]));
        let [t0, t1, t2, t3] = odd(W(w[1]), W(w[3]), W(w[5]), W(w[7]));
        let n = CONST_BITS + PASS1_BITS + 3;
        o[0] = limit(descale(t10 + t3, n));
        o[7] = limit(descale(t10 - t3, n));
        o[1] = limit(descale(t11 + t2, n));
        o[6] = limit(descale(t11 - t2, n));
        o[2] = limit(descale(t12 + t1, n));
        o[5] = limit(descale(t12 - t1, n));
        o[3] = limit(descale(t13 + t0, n));
        o[4] = limit(descale(t13 - t0, n));
    }
}

/// A block whose AC coefficients are all zero: what [`islow`] gives for it (both zero-AC shortcuts of
/// jidctint.c), one value for all 64 samples.
pub fn dc_only(dc: i16, quant0: i32, out: &mut [u8], stride: usize) {
    let v = limit(descale(W(dc as i32 * quant0) << PASS1_BITS, PASS1_BITS + 3));
    for r in 0..8 {
        if let Some(o) = out.get_mut(r * stride..r * stride + 8) {
            o.fill(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DC-only shortcut equals the full transform of a block with only a DC coefficient.
    #[test]
    fn dc_only_equals_full_islow() {
        let quant = [7i32; 64];
        for dc in [-300i16, -147, -1, 0, 1, 5, 18, 146, 147, 400] {
            let mut coef = [0i16; 64];
            coef[0] = dc;
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            islow(&coef, &quant, &mut a, 8);
            dc_only(dc, 7, &mut b, 8);
            assert_eq!(a, b, "dc {dc}");
        }
    }
}
