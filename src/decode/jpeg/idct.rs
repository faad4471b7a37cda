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

/// [`limit`] without the table (so that it vectorizes): the low 10 bits as a signed value, + 128,
/// clamped to 0..=255.
#[inline(always)]
fn limit_arith(x: i32) -> u8 {
    (((x << 22) >> 22) + 128).clamp(0, 255) as u8
}

/// Eight lanes: the same 1-D transform runs on 8 columns (pass 1) or 8 rows (pass 2) at once.
type Lanes = [W<i32>; 8];

#[inline(always)]
fn lanes(f: impl Fn(usize) -> W<i32>) -> Lanes {
    std::array::from_fn(f)
}

/// jidctint.c's 1-D transform on 8 lanes: `x[k]` is input k of every lane; returns outputs 0..8 of
/// every lane before the final descale (the even part's inputs 0 and 4 are scaled by `CONST_BITS` here).
#[inline(always)]
fn transform(x: &[Lanes; 8]) -> [Lanes; 8] {
    // Even part: the rotator is sqrt(2)·c(−6).
    let z1 = lanes(|i| (x[2][i] + x[6][i]) * FIX_0_541196100);
    let tmp2 = lanes(|i| z1[i] + x[6][i] * -FIX_1_847759065);
    let tmp3 = lanes(|i| z1[i] + x[2][i] * FIX_0_765366865);
    let tmp0 = lanes(|i| (x[0][i] + x[4][i]) << CONST_BITS);
    let tmp1 = lanes(|i| (x[0][i] - x[4][i]) << CONST_BITS);
    let t10 = lanes(|i| tmp0[i] + tmp3[i]);
    let t13 = lanes(|i| tmp0[i] - tmp3[i]);
    let t11 = lanes(|i| tmp1[i] + tmp2[i]);
    let t12 = lanes(|i| tmp1[i] - tmp2[i]);
    // Odd part: inputs 7, 5, 3, 1 are tmp0..tmp3.
    let (o0, o1, o2, o3) = (&x[7], &x[5], &x[3], &x[1]);
    let z1 = lanes(|i| o0[i] + o3[i]);
    let z2 = lanes(|i| o1[i] + o2[i]);
    let z3 = lanes(|i| o0[i] + o2[i]);
    let z4 = lanes(|i| o1[i] + o3[i]);
    let z5 = lanes(|i| (z3[i] + z4[i]) * FIX_1_175875602);
    let z1 = lanes(|i| z1[i] * -FIX_0_899976223);
    let z2 = lanes(|i| z2[i] * -FIX_2_562915447);
    let z3 = lanes(|i| z3[i] * -FIX_1_961570560 + z5[i]);
    let z4 = lanes(|i| z4[i] * -FIX_0_390180644 + z5[i]);
    let u0 = lanes(|i| o0[i] * FIX_0_298631336 + z1[i] + z3[i]);
    let u1 = lanes(|i| o1[i] * FIX_2_053119869 + z2[i] + z4[i]);
    let u2 = lanes(|i| o2[i] * FIX_3_072711026 + z2[i] + z3[i]);
    let u3 = lanes(|i| o3[i] * FIX_1_501321110 + z1[i] + z4[i]);
    [
        lanes(|i| t10[i] + u3[i]),
        lanes(|i| t11[i] + u2[i]),
        lanes(|i| t12[i] + u1[i]),
        lanes(|i| t13[i] + u0[i]),
        lanes(|i| t13[i] - u0[i]),
        lanes(|i| t12[i] - u1[i]),
        lanes(|i| t11[i] - u2[i]),
        lanes(|i| t10[i] - u3[i]),
    ]
}

/// Inverse DCT of one block: `coef` in natural order, `quant` the dequantization multipliers (libjpeg's
/// `ISLOW_MULT_TYPE`, i.e. the table values as i16), 8 rows of 8 samples written at `out[r * stride..]`.
/// jidctint.c skips the arithmetic for columns and rows whose AC terms are zero; that shortcut gives
/// the same values as the full arithmetic done here for all of them.
#[inline(always)]
pub fn islow(coef: &[i16; 64], quant: &[i32; 64], out: &mut [u8], stride: usize) {
    // Pass 1, lanes = columns: x[k][c] = dequantized coefficient (row k, column c).
    let x: [Lanes; 8] = std::array::from_fn(|k| lanes(|c| W(coef[k * 8 + c] as i32 * quant[k * 8 + c])));
    let y = transform(&x);
    // ws[r][c] = pass-1 output row r of column c, scaled up by PASS1_BITS; transposed so that pass 2
    // (lanes = rows) reads input k of every row as one vector.
    let n1 = CONST_BITS - PASS1_BITS;
    let t: [Lanes; 8] = std::array::from_fn(|k| lanes(|r| W(descale(y[r][k], n1))));
    let z = transform(&t);
    let n2 = CONST_BITS + PASS1_BITS + 3;
    for (r, line) in out.chunks_mut(stride).take(8).enumerate() {
        let Some(o) = line.get_mut(..8) else { return };
        let row: [u8; 8] = std::array::from_fn(|k| limit_arith(descale(z[k][r], n2)));
        o.copy_from_slice(&row);
    }
}

/// A block whose AC coefficients are all zero: what [`islow`] gives for it (both zero-AC shortcuts of
/// jidctint.c), one value for all 64 samples.
#[inline(always)]
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

    /// The arithmetic range limit equals libjpeg's table for every index.
    #[test]
    fn arithmetic_limit_equals_table() {
        for x in -5000..5000 {
            assert_eq!(limit(x), limit_arith(x), "{x}");
        }
    }
}
