//! Undoing TIFF predictors and converting stored samples to native-endian values.

use super::TileSpec;
use crate::error::{Error, Result};
use crate::tiff::tags::{named, Predictor};
use crate::tiff::{ByteOrder, DType};

/// Turns decompressed bytes (file order, predictor applied) into native-endian decoded samples.
pub fn finish(spec: &TileSpec, mut raw: Vec<u8>) -> Result<Vec<u8>> {
    let (w, h, s) = (spec.width, spec.height, spec.samples);
    let predictor = named(spec.predictor, Predictor::from_u16);
    match spec.dtype {
        DType::Bit => return Ok(unpack_bits(&raw, w * s, h)),
        DType::F16 if predictor != Some(Predictor::FloatingPoint) => {
            raw.truncate(w * h * s * 2);
            to_native(&mut raw, 2, spec.order);
            return Ok(widen_f16(&raw));
        }
        _ => {}
    }
    let size = spec.dtype.file_bits() as usize / 8;
    raw.truncate(w * h * s * size);
    match predictor {
        Some(Predictor::None) => to_native(&mut raw, size, spec.order),
        Some(Predictor::Horizontal) => {
            to_native(&mut raw, size, spec.order);
            match size {
                1 => horizontal::<1>(&mut raw, w, s),
                2 => horizontal::<2>(&mut raw, w, s),
                4 => horizontal::<4>(&mut raw, w, s),
                8 => horizontal::<8>(&mut raw, w, s),
                _ => unreachable_size(size)?,
            }
        }
        Some(Predictor::FloatingPoint) => {
            if !spec.dtype.is_float() {
                return Err(Error::format("floating-point predictor on integer samples"));
            }
            raw = floating_point(&raw, w, h, s, size);
            if spec.dtype == DType::F16 {
                return Ok(widen_f16(&raw));
            }
        }
        _ => return Err(Error::unsupported(format!("predictor {}", spec.predictor))),
    }
    Ok(raw)
}

fn unreachable_size(size: usize) -> Result<()> {
    Err(Error::format(format!("{size}-byte samples")))
}

/// Swaps multi-byte samples from the file's byte order to the machine's.
fn to_native(buf: &mut [u8], size: usize, order: ByteOrder) {
    let native = if cfg!(target_endian = "little") { ByteOrder::Little } else { ByteOrder::Big };
    if size > 1 && order != native {
        buf.chunks_exact_mut(size).for_each(|c| c.reverse());
    }
}

/// Undoes horizontal differencing (predictor 2) on native-endian `N`-byte integers.
fn horizontal<const N: usize>(buf: &mut [u8], width: usize, samples: usize) {
    match samples {
        1 => horizontal_s::<N, 1>(buf, width),
        2 => horizontal_s::<N, 2>(buf, width),
        3 => horizontal_s::<N, 3>(buf, width),
        4 => horizontal_s::<N, 4>(buf, width),
        s => {
            // Any other count: one pixel lane at a time, through memory.
            for row in buf.chunks_exact_mut(width * s * N) {
                for i in s..width * s {
                    let sum = load::<N>(&row[i * N..]).wrapping_add(load::<N>(&row[(i - s) * N..]));
                    store::<N>(&mut row[i * N..], sum);
                }
            }
        }
    }
}

/// [`horizontal`] for `S` samples per pixel: each sample's running sum kept in a register, so a row
/// costs one add per sample (no store-to-load round trip between neighbours).
#[inline(always)]
fn horizontal_s<const N: usize, const S: usize>(buf: &mut [u8], width: usize) {
    for row in buf.chunks_exact_mut(width * S * N) {
        let mut acc = [0u64; S];
        for px in row.chunks_exact_mut(S * N) {
            for (a, v) in acc.iter_mut().zip(px.chunks_exact_mut(N)) {
                *a = a.wrapping_add(load::<N>(v));
                store::<N>(v, *a);
            }
        }
    }
}

#[inline(always)]
fn load<const N: usize>(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a[..N].copy_from_slice(&b[..N]);
    if cfg!(target_endian = "little") {
        u64::from_le_bytes(a)
    } else {
        u64::from_be_bytes(a) >> (8 * (8 - N))
    }
}

#[inline(always)]
fn store<const N: usize>(b: &mut [u8], v: u64) {
    if cfg!(target_endian = "little") {
        b[..N].copy_from_slice(&v.to_le_bytes()[..N]);
    } else {
        b[..N].copy_from_slice(&v.to_be_bytes()[8 - N..]);
    }
}

/// Undoes the floating-point predictor (3): byte differencing across the row, then the byte planes
/// (most significant first) put back together into native-endian values.
fn floating_point(raw: &[u8], w: usize, h: usize, s: usize, size: usize) -> Vec<u8> {
    let row_len = w * s * size;
    let mut out = vec![0u8; row_len * h];
    let mut row = vec![0u8; row_len];
    for (src, dst) in raw.chunks_exact(row_len).zip(out.chunks_exact_mut(row_len)).take(h) {
        row.copy_from_slice(src);
        byte_sums(&mut row, s);
        match size {
            2 => interleave::<2>(&row, dst),
            4 => interleave::<4>(&row, dst),
            8 => interleave::<8>(&row, dst),
            _ => interleave_any(&row, dst, size),
        }
    }
    out
}

/// Running sums of bytes `s` apart (the byte differencing of predictor 3 undone), in place.
fn byte_sums(row: &mut [u8], s: usize) {
    if s == 1 {
        let mut acc = 0u8;
        for b in row.iter_mut() {
            acc = acc.wrapping_add(*b);
            *b = acc;
        }
    } else {
        for i in s..row.len() {
            row[i] = row[i].wrapping_add(row[i - s]);
        }
    }
}

/// Byte planes (`N` of them, most significant first) of a row into native-endian `N`-byte values.
#[inline(always)]
fn interleave<const N: usize>(row: &[u8], dst: &mut [u8]) {
    let n = row.len() / N;
    let planes: [&[u8]; N] = std::array::from_fn(|b| &row[b * n..(b + 1) * n]);
    for (k, d) in dst.chunks_exact_mut(N).enumerate() {
        let be: [u8; N] = std::array::from_fn(|b| planes[b][k]);
        if cfg!(target_endian = "little") {
            d.iter_mut().zip(be.iter().rev()).for_each(|(o, i)| *o = *i);
        } else {
            d.copy_from_slice(&be);
        }
    }
}

/// [`interleave`] for any sample size.
fn interleave_any(row: &[u8], dst: &mut [u8], size: usize) {
    let n = row.len() / size;
    for (k, d) in dst.chunks_exact_mut(size).enumerate() {
        for (b, o) in d.iter_mut().enumerate() {
            let plane = if cfg!(target_endian = "little") { size - 1 - b } else { b };
            *o = row[plane * n + k];
        }
    }
}

/// Unpacks 1-bit rows (MSB first, each row padded to a byte) into one byte (0 or 1) per sample.
fn unpack_bits(raw: &[u8], per_row: usize, rows: usize) -> Vec<u8> {
    let stride = per_row.div_ceil(8);
    let mut out = Vec::with_capacity(per_row * rows);
    for r in 0..rows {
        let row = &raw[r * stride..];
        out.extend((0..per_row).map(|i| (row[i / 8] >> (7 - i % 8)) & 1));
    }
    out
}

/// Converts native-endian f16 samples to f32.
fn widen_f16(raw: &[u8]) -> Vec<u8> {
    raw.chunks_exact(2).flat_map(|c| f16_to_f32(u16::from_ne_bytes([c[0], c[1]])).to_ne_bytes()).collect()
}

/// IEEE half → single precision.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let bits = match exp {
        0 if man == 0 => sign,
        0 => {
            // subnormal: normalise
            let mut e = 127 - 15 + 1;
            let mut m = man;
            while m & 0x400 == 0 {
                m <<= 1;
                e -= 1;
            }
            sign | ((e as u32) << 23) | ((m & 0x3ff) << 13)
        }
        0x1f => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that look like noise (xorshift).
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn horizontal_equals_sample_by_sample_sums() {
        for n in [1usize, 2, 4, 8] {
            for s in 1..=5 {
                let (w, h) = (13, 3);
                let raw = noise(w * h * s * n, (n * 10 + s) as u64);
                let mut got = raw.clone();
                match n {
                    1 => horizontal::<1>(&mut got, w, s),
                    2 => horizontal::<2>(&mut got, w, s),
                    4 => horizontal::<4>(&mut got, w, s),
                    _ => horizontal::<8>(&mut got, w, s),
                }
                let mut want = raw.clone();
                let get = |b: &[u8], i: usize| {
                    let mut a = [0u8; 8];
                    a[..n].copy_from_slice(&b[i * n..i * n + n]);
                    u64::from_ne_bytes(a)
                };
                for row in 0..h {
                    for i in s..w * s {
                        let k = row * w * s + i;
                        let v = get(&want, k).wrapping_add(get(&want, k - s));
                        want[k * n..k * n + n].copy_from_slice(&v.to_ne_bytes()[..n]);
                    }
                }
                assert_eq!(got, want, "{n}-byte samples, {s} per pixel");
            }
        }
    }

    #[test]
    fn floating_point_equals_byte_by_byte_reassembly() {
        for size in [2usize, 4, 8, 3] {
            for s in [1usize, 2, 3] {
                let (w, h) = (11, 4);
                let raw = noise(w * h * s * size, (size * 7 + s) as u64);
                let got = floating_point(&raw, w, h, s, size);
                let (row_len, n) = (w * s * size, w * s);
                let mut want = vec![0u8; raw.len()];
                for r in 0..h {
                    let mut row = raw[r * row_len..(r + 1) * row_len].to_vec();
                    for i in s..row_len {
                        row[i] = row[i].wrapping_add(row[i - s]);
                    }
                    for k in 0..n {
                        for b in 0..size {
                            // Plane b is byte b of the big-endian value.
                            let at = if cfg!(target_endian = "little") { size - 1 - b } else { b };
                            want[r * row_len + k * size + at] = row[b * n + k];
                        }
                    }
                }
                assert_eq!(got, want, "{size}-byte samples, {s} per pixel");
            }
        }
    }
}
