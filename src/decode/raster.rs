//! `Raster`, the pixel buffer every stage after decoding uses, and reading and writing its samples.
//!
//! Samples are native-endian, pixel-interleaved, of a decoded [`DType`] (f16 widened to f32, 1-bit
//! unpacked to u8). [`DType::get`] reads one as f64, [`DType::put`] writes one from f64 the way GDAL's
//! warper stores its results.

use crate::tiff::DType;

/// A window of samples: `width × height` pixels of `bands` samples each, pixel-interleaved,
/// native-endian, of type `dtype`.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Samples per pixel.
    pub bands: usize,
    /// Sample type (as decoded: f16 → f32, 1-bit → u8).
    pub dtype: DType,
    /// `width * height * bands * dtype.size()` bytes.
    pub data: Vec<u8>,
    /// Per pixel: 0 where masked (outside the image, sparse tile, mask IFD says so), 255 where valid.
    pub valid: Vec<u8>,
}

impl Raster {
    /// A `width × height` raster of `bands` samples of `dtype`, all zero and invalid.
    pub fn empty(width: usize, height: usize, bands: usize, dtype: DType) -> Raster {
        let n = width * height;
        Raster { width, height, bands, dtype, data: vec![0; n * bands * dtype.size()], valid: vec![0; n] }
    }

    /// This raster in the top-left corner of a `width`×`height` one whose other pixels are invalid
    /// (zero samples); cropped where it is larger.
    pub fn padded(self, width: usize, height: usize) -> Raster {
        if (self.width, self.height) == (width, height) {
            return self;
        }
        let px = self.bands * self.dtype.size();
        let mut out = Raster::empty(width, height, self.bands, self.dtype);
        let (w, h) = (self.width.min(width), self.height.min(height));
        for j in 0..h {
            let (src, dst) = (j * self.width, j * width);
            out.data[dst * px..(dst + w) * px].copy_from_slice(&self.data[src * px..(src + w) * px]);
            out.valid[dst..dst + w].copy_from_slice(&self.valid[src..src + w]);
        }
        out
    }

    /// Sample `band` of pixel (`x`, `y`) as f64.
    pub fn get(&self, x: usize, y: usize, band: usize) -> f64 {
        self.sample(y * self.width + x, band)
    }

    /// Sample `band` of pixel `p` (row-major index) as f64.
    #[inline]
    pub fn sample(&self, p: usize, band: usize) -> f64 {
        self.dtype.get(&self.data, p * self.bands + band)
    }

    /// Pixels in the raster.
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Sample `band` of the `out.len()` pixels from pixel `p0` (row-major index) as f64, into `out`:
    /// what [`Raster::sample`] reads, many at once (one type dispatch per call, a loop the compiler
    /// can vectorise).
    pub fn band_values(&self, band: usize, p0: usize, out: &mut [f64]) {
        /// Reads every `step`-th `N`-byte sample of `data` as f64 with `f`.
        #[inline(always)]
        fn typed<const N: usize>(data: &[u8], step: usize, out: &mut [f64], f: impl Fn([u8; N]) -> f64) {
            for (o, c) in out.iter_mut().zip(data.chunks(step * N)) {
                *o = f(c[..N].try_into().unwrap_or([0; N]));
            }
        }
        use DType::*;
        let s = self.dtype.decoded().size();
        let data = &self.data[(p0 * self.bands + band) * s..];
        let step = self.bands;
        match self.dtype {
            Bit | U8 => typed::<1>(data, step, out, |b| b[0] as f64),
            I8 => typed::<1>(data, step, out, |b| b[0] as i8 as f64),
            U16 => typed::<2>(data, step, out, |b| u16::from_ne_bytes(b) as f64),
            I16 => typed::<2>(data, step, out, |b| i16::from_ne_bytes(b) as f64),
            U32 => typed::<4>(data, step, out, |b| u32::from_ne_bytes(b) as f64),
            I32 => typed::<4>(data, step, out, |b| i32::from_ne_bytes(b) as f64),
            F32 | F16 => typed::<4>(data, step, out, |b| f32::from_ne_bytes(b) as f64),
            U64 => typed::<8>(data, step, out, |b| u64::from_ne_bytes(b) as f64),
            I64 => typed::<8>(data, step, out, |b| i64::from_ne_bytes(b) as f64),
            F64 => typed::<8>(data, step, out, f64::from_ne_bytes),
        }
    }
}

/// Whether `v` is the nodata value `nodata` (NaN nodata matches NaN samples): the one test of nodata
/// that styling, statistics and resampling share.
#[inline]
pub fn is_nodata(v: f64, nodata: f64) -> bool {
    v == nodata || (nodata.is_nan() && v.is_nan())
}

/// Whether `v` counts as a data value: not NaN and not `nodata`.
#[inline]
pub fn is_data(v: f64, nodata: Option<f64>) -> bool {
    !v.is_nan() && !nodata.is_some_and(|nd| is_nodata(v, nd))
}

impl DType {
    /// Reads decoded sample `i` of native-endian `data` as f64.
    #[inline]
    pub fn get(self, data: &[u8], i: usize) -> f64 {
        use DType::*;
        let s = self.decoded().size();
        let b = &data[i * s..i * s + s];
        match self {
            Bit | U8 => b[0] as f64,
            I8 => b[0] as i8 as f64,
            U16 => u16::from_ne_bytes([b[0], b[1]]) as f64,
            I16 => i16::from_ne_bytes([b[0], b[1]]) as f64,
            U32 => u32::from_ne_bytes(b.try_into().unwrap_or_default()) as f64,
            I32 => i32::from_ne_bytes(b.try_into().unwrap_or_default()) as f64,
            F32 | F16 => f32::from_ne_bytes(b.try_into().unwrap_or_default()) as f64,
            U64 => u64::from_ne_bytes(b.try_into().unwrap_or_default()) as f64,
            I64 => i64::from_ne_bytes(b.try_into().unwrap_or_default()) as f64,
            F64 => f64::from_ne_bytes(b.try_into().unwrap_or_default()),
        }
    }

    /// Writes `v` as sample `i` of native-endian `data`: integers clamped to the type and rounded half
    /// up (GDAL's `GWKClampValueT`), floats cast.
    pub fn put(self, data: &mut [u8], i: usize, v: f64) {
        let s = self.size();
        let b = &mut data[i * s..(i + 1) * s];
        let (lo, hi) = self.range();
        let r = (v.clamp(lo, hi) + 0.5).floor();
        match self {
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

    /// `v` as one native-endian sample, the way a cast stores it (integers truncated towards zero and
    /// saturated, floats cast): how a nodata value is written into integer data.
    pub fn cast_bytes(self, v: f64) -> Vec<u8> {
        let mut out = vec![0; self.size()];
        // Truncated first, a whole number rounds to itself and saturates at the type's ends, as `as` does.
        self.put(&mut out, 0, if self.is_float() { v } else { v.trunc() });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_values_read_what_sample_reads() {
        for dtype in [DType::U8, DType::I8, DType::U16, DType::I16, DType::U32, DType::I32, DType::F32, DType::F64] {
            for bands in [1, 3] {
                let (w, h) = (7, 3);
                let n = w * h * bands * dtype.size();
                let data = (0..n).map(|i| (i * 37 % 251) as u8).collect();
                let r = Raster { width: w, height: h, bands, dtype, data, valid: vec![255; w * h] };
                for band in 0..bands {
                    for p0 in [0, 5, w * h - 4] {
                        let mut out = [0.0; 4];
                        r.band_values(band, p0, &mut out);
                        let want: Vec<f64> = (p0..p0 + 4).map(|p| r.sample(p, band)).collect();
                        assert_eq!(
                            out.map(f64::to_bits).to_vec(),
                            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn put_rounds_and_clamps_cast_truncates() {
        let mut b = [0u8; 2];
        DType::U16.put(&mut b, 0, 2.5);
        assert_eq!(DType::U16.get(&b, 0), 3.0);
        DType::U16.put(&mut b, 0, -7.0);
        assert_eq!(DType::U16.get(&b, 0), 0.0);
        for (dt, v) in [(DType::U8, 2.7), (DType::I16, -1.5), (DType::U16, 70000.0), (DType::I8, -300.2)] {
            let want: f64 = match dt {
                DType::U8 => (v as u8) as f64,
                DType::I16 => (v as i16) as f64,
                DType::U16 => (v as u16) as f64,
                _ => (v as i8) as f64,
            };
            assert_eq!(dt.get(&dt.cast_bytes(v), 0), want, "{dt:?} {v}");
        }
        assert_eq!(DType::F32.get(&DType::F32.cast_bytes(0.25), 0), 0.25);
        assert_eq!(DType::U8.cast_bytes(f64::NAN), vec![0]);
    }
}
