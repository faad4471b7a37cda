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

/// jidctint.c's 1-D transform on 8 lanes at once (8 columns in pass 1, 8 rows in pass 2): `x[k][i]` is
/// input k of lane i; `y[k][i]` receives output k of lane i, descaled by `shift` bits. One plain loop
/// over the lanes, which the compiler turns into vector code.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn pass(x: &[[i32; 8]; 8], y: &mut [[i32; 8]; 8], shift: u32) {
    let round = 1i32 << (shift - 1);
    for i in 0..8 {
        // Even part: the rotator is sqrt(2)·c(−6).
        let (z2, z3) = (x[2][i], x[6][i]);
        let z1 = z2.wrapping_add(z3).wrapping_mul(FIX_0_541196100.0);
        let tmp2 = z1.wrapping_add(z3.wrapping_mul(-FIX_1_847759065.0));
        let tmp3 = z1.wrapping_add(z2.wrapping_mul(FIX_0_765366865.0));
        let tmp0 = x[0][i].wrapping_add(x[4][i]).wrapping_shl(CONST_BITS as u32);
        let tmp1 = x[0][i].wrapping_sub(x[4][i]).wrapping_shl(CONST_BITS as u32);
        let t10 = tmp0.wrapping_add(tmp3);
        let t13 = tmp0.wrapping_sub(tmp3);
        let t11 = tmp1.wrapping_add(tmp2);
        let t12 = tmp1.wrapping_sub(tmp2);
        // Odd part: inputs 7, 5, 3, 1.
        let (o0, o1, o2, o3) = (x[7][i], x[5][i], x[3][i], x[1][i]);
        let z1 = o0.wrapping_add(o3);
        let z2 = o1.wrapping_add(o2);
        let z3 = o0.wrapping_add(o2);
        let z4 = o1.wrapping_add(o3);
        let z5 = z3.wrapping_add(z4).wrapping_mul(FIX_1_175875602.0);
        let z1 = z1.wrapping_mul(-FIX_0_899976223.0);
        let z2 = z2.wrapping_mul(-FIX_2_562915447.0);
        let z3 = z3.wrapping_mul(-FIX_1_961570560.0).wrapping_add(z5);
        let z4 = z4.wrapping_mul(-FIX_0_390180644.0).wrapping_add(z5);
        let u0 = o0.wrapping_mul(FIX_0_298631336.0).wrapping_add(z1).wrapping_add(z3);
        let u1 = o1.wrapping_mul(FIX_2_053119869.0).wrapping_add(z2).wrapping_add(z4);
        let u2 = o2.wrapping_mul(FIX_3_072711026.0).wrapping_add(z2).wrapping_add(z3);
        let u3 = o3.wrapping_mul(FIX_1_501321110.0).wrapping_add(z1).wrapping_add(z4);
        let d = |v: i32| v.wrapping_add(round) >> shift;
        y[0][i] = d(t10.wrapping_add(u3));
        y[7][i] = d(t10.wrapping_sub(u3));
        y[1][i] = d(t11.wrapping_add(u2));
        y[6][i] = d(t11.wrapping_sub(u2));
        y[2][i] = d(t12.wrapping_add(u1));
        y[5][i] = d(t12.wrapping_sub(u1));
        y[3][i] = d(t13.wrapping_add(u0));
        y[4][i] = d(t13.wrapping_sub(u0));
    }
}

/// `m` transposed.
#[inline(always)]
fn transpose(m: &[[i32; 8]; 8]) -> [[i32; 8]; 8] {
    std::array::from_fn(|k| std::array::from_fn(|r| m[r][k]))
}

/// Inverse DCT of one block: `coef` in natural order, `quant` the dequantization multipliers (libjpeg's
/// `ISLOW_MULT_TYPE`, i.e. the table values as i16), 8 rows of 8 samples written at `out[r * stride..]`.
/// jidctint.c skips the arithmetic for columns and rows whose AC terms are zero; that shortcut gives
/// the same values as the full arithmetic done here for all of them.
#[inline(always)]
pub fn islow(coef: &[i16; 64], quant: &[i32; 64], out: &mut [u8], stride: usize) {
    // Pass 1, lanes = columns: x[k][c] = dequantized coefficient (row k, column c); ws[r][c] = output
    // row r of column c, scaled up by PASS1_BITS.
    let x: [[i32; 8]; 8] = std::array::from_fn(|k| std::array::from_fn(|c| coef[k * 8 + c] as i32 * quant[k * 8 + c]));
    let mut ws = [[0i32; 8]; 8];
    pass(&x, &mut ws, (CONST_BITS - PASS1_BITS) as u32);
    // Pass 2, lanes = rows: input k of row r is ws[r][k]; z[k][r] = sample k of row r.
    let mut z = [[0i32; 8]; 8];
    pass(&transpose(&ws), &mut z, (CONST_BITS + PASS1_BITS + 3) as u32);
    let z = transpose(&z);
    for (line, zr) in out.chunks_mut(stride).take(8).zip(&z) {
        let Some(o) = line.get_mut(..8) else { return };
        let row: [u8; 8] = std::array::from_fn(|k| limit_arith(zr[k]));
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
