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
    let row_len = width * samples * N;
    for row in buf.chunks_exact_mut(row_len) {
        for i in samples..width * samples {
            let prev = load::<N>(&row[(i - samples) * N..]);
            let cur = load::<N>(&row[i * N..]);
            store::<N>(&mut row[i * N..], cur.wrapping_add(prev));
        }
    }
}

#[inline]
fn load<const N: usize>(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a[..N].copy_from_slice(&b[..N]);
    u64::from_ne_bytes(a) // on little-endian the low N bytes are the value
        & if N == 8 { u64::MAX } else { (1u64 << (8 * N)) - 1 }
}

#[inline]
fn store<const N: usize>(b: &mut [u8], v: u64) {
    b[..N].copy_from_slice(&v.to_ne_bytes()[..N]);
}

/// Undoes the floating-point predictor (3): byte differencing across the row, then the byte planes
/// (most significant first) put back together into native-endian values.
fn floating_point(raw: &[u8], w: usize, h: usize, s: usize, size: usize) -> Vec<u8> {
    let row_len = w * s * size;
    let n = w * s;
    let mut out = vec![0u8; row_len * h];
    let mut row = vec![0u8; row_len];
    for r in 0..h {
        row.copy_from_slice(&raw[r * row_len..(r + 1) * row_len]);
        for i in s..row_len {
            row[i] = row[i].wrapping_add(row[i - s]);
        }
        let dst = &mut out[r * row_len..(r + 1) * row_len];
        for k in 0..n {
            let mut be = [0u8; 8];
            for (b, byte) in be.iter_mut().enumerate().take(size) {
                *byte = row[b * n + k];
            }
            let v = &be[..size];
            let d = &mut dst[k * size..(k + 1) * size];
            if cfg!(target_endian = "little") {
                d.iter_mut().zip(v.iter().rev()).for_each(|(o, i)| *o = *i);
            } else {
                d.copy_from_slice(v);
            }
        }
    }
    out
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
