//! Colour output: libjpeg's `ycc_rgb_convert` (jdcolor.c, 16-bit fixed point with its rounding) and
//! the plain interleaving of `null_convert` used when libtiff leaves the colour space alone.

const SCALEBITS: i32 = 16;
const ONE_HALF: i32 = 1 << (SCALEBITS - 1);

/// `FIX(x)` of jdcolor.c: x × 65536 rounded.
const fn fix(x: f64) -> i32 {
    (x * (1 << SCALEBITS) as f64 + 0.5) as i32
}

/// jdcolor.c's `build_ycc_rgb_table`: Cr→R, Cb→B (rounded), Cr→G, Cb→G (scaled, the latter with ONE_HALF).
struct Tables {
    cr_r: [i32; 256],
    cb_b: [i32; 256],
    cr_g: [i32; 256],
    cb_g: [i32; 256],
}

static TABLES: Tables = {
    let mut t = Tables { cr_r: [0; 256], cb_b: [0; 256], cr_g: [0; 256], cb_g: [0; 256] };
    let mut i = 0;
    while i < 256 {
        let x = i as i32 - 128;
        t.cr_r[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
        t.cb_b[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
        t.cr_g[i] = -fix(0.71414) * x;
        t.cb_g[i] = -fix(0.34414) * x + ONE_HALF;
        i += 1;
    }
    t
};

#[inline(always)]
fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// YCbCr rows → one RGB row (`out.len()` / 3 pixels), as libjpeg-turbo's `ycc_rgb_convert`.
pub fn ycc_to_rgb(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    let t = &TABLES;
    for (((px, &y), &cb), &cr) in out.chunks_exact_mut(3).zip(y).zip(cb).zip(cr) {
        let y = y as i32;
        let (cb, cr) = (cb as usize, cr as usize);
        px[0] = clamp(y + t.cr_r[cr]);
        px[1] = clamp(y + ((t.cb_g[cb] + t.cr_g[cr]) >> SCALEBITS));
        px[2] = clamp(y + t.cb_b[cb]);
    }
}

/// Component rows → one pixel-interleaved row (`out.len()` / `rows.len()` pixels).
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
