//! A baseline (sequential, Huffman, 8-bit) JPEG decoder that reproduces libjpeg-turbo as libtiff drives
//! it for a TIFF JPEG tile (GDAL's decoder): the `JPEGTables` stream read first, islow IDCT, fancy
//! upsampling, jdcolor.c's YCbCr→RGB when libtiff asks for RGB (`JPEGCOLORMODE_RGB`, photometric YCbCr)
//! and no colour conversion otherwise. Progressive, lossless, arithmetic-coded and 12-bit JPEG are
//! refused as unsupported (GDAL writes none of them into TIFF).
//!
//! Use: [`Decoder::new`] reads the headers up to the frame, [`Decoder::dimensions`] lets the caller
//! refuse an oversized frame before anything is allocated, [`Decoder::decode`] does the rest.

mod color;
mod huffman;
mod idct;
mod markers;
mod upsample;

use crate::error::{Error, Result};
use huffman::BitReader;
use markers::{next_marker, segment, Frame, ScanComponent, Tables};
use upsample::Method;

/// Headers parsed up to (and including) the frame header of a tile stream.
pub struct Decoder<'a> {
    tables: Tables,
    frame: Frame,
    data: &'a [u8],
    /// Position after the frame header in `data`.
    pos: usize,
}

/// One component's decoded samples (whole blocks, `stride` wide).
struct Plane {
    samples: Vec<u8>,
    stride: usize,
    /// Real (downsampled) width and height: ceil(frame size × factor / max factor).
    width: usize,
    height: usize,
}

thread_local! {
    /// Plane buffers of earlier tiles, reused: a fresh multi-hundred-kB allocation per tile costs page
    /// faults every time.
    static POOL: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Plane {
    /// `len` zero bytes, from the pool if it has a buffer.
    fn buffer(len: usize) -> Vec<u8> {
        let mut v = POOL.with(|p| p.borrow_mut().pop()).unwrap_or_default();
        v.clear();
        v.resize(len, 0);
        v
    }
}

impl Drop for Plane {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.samples);
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < 4 && v.capacity() <= 1 << 22 {
                p.push(v);
            }
        });
    }
}

fn bad(reason: impl std::fmt::Display) -> Error {
    Error::decode("JPEG", reason)
}

/// The names of the frame types this decoder leaves out.
fn unsupported_frame(m: u8) -> Option<&'static str> {
    Some(match m {
        0xC2 => "progressive JPEG",
        0xC3 => "lossless JPEG",
        0xC5..=0xC7 => "hierarchical JPEG",
        0xC9 | 0xCA => "arithmetic-coded JPEG",
        0xCB | 0xCD..=0xCF => "arithmetic-coded lossless or hierarchical JPEG",
        _ => return None,
    })
}

/// Inverse-transforms `coef` (then zeroed) into block (`bx`, `by`) of `p`; `last` is the zig-zag index of
/// its last non-zero coefficient.
#[inline(always)]
fn put_block(coef: &mut [i16; 64], last: usize, q: &[i32; 64], p: &mut Plane, bx: usize, by: usize) {
    let off = by * 8 * p.stride + bx * 8;
    if let Some(out) = p.samples.get_mut(off..) {
        if last == 0 {
            idct::dc_only(coef[0], q[0], out, p.stride);
        } else {
            idct::islow(coef, q, out, p.stride);
        }
    }
    *coef = [0; 64];
}

impl<'a> Decoder<'a> {
    /// Reads the `tables` stream (an abbreviated SOI…EOI stream of DQT/DHT, TIFF's `JPEGTables`), then
    /// the tile stream `data` up to its frame header.
    pub fn new(tables: Option<&[u8]>, data: &'a [u8]) -> Result<Self> {
        let mut t = Tables::default();
        if let Some(tb) = tables {
            if tb.len() >= 2 {
                if tb[..2] != [0xFF, 0xD8] {
                    return Err(bad("JPEGTables does not start with SOI"));
                }
                let mut pos = 2;
                while let Some((m, p)) = next_marker(tb, pos) {
                    pos = match m {
                        0xD9 => break,
                        0xD0..=0xD8 | 0x01 => p,
                        _ => {
                            let (body, next) = segment(tb, p)?;
                            Self::table_segment(&mut t, m, body)?;
                            next
                        }
                    };
                }
            }
        }
        if data.get(..2) != Some(&[0xFF, 0xD8]) {
            return Err(bad("tile data does not start with SOI"));
        }
        let mut pos = 2;
        loop {
            let (m, p) = next_marker(data, pos).ok_or_else(|| bad("no frame header before the end of the data"))?;
            pos = match m {
                0xC0 | 0xC1 => {
                    let (body, next) = segment(data, p)?;
                    let frame = markers::read_sof(body)?;
                    return Ok(Decoder { tables: t, frame, data, pos: next });
                }
                0xD9 | 0xDA => return Err(bad("no frame header before the scan")),
                0xD0..=0xD8 | 0x01 => p,
                m => {
                    if let Some(what) = unsupported_frame(m) {
                        return Err(Error::unsupported(what));
                    }
                    let (body, next) = segment(data, p)?;
                    Self::table_segment(&mut t, m, body)?;
                    next
                }
            };
        }
    }

    /// DQT, DHT, DRI are read; anything else (APPn, COM, …) skipped.
    fn table_segment(t: &mut Tables, m: u8, body: &[u8]) -> Result<()> {
        match m {
            0xDB => t.read_dqt(body),
            0xC4 => t.read_dht(body),
            0xDD => t.read_dri(body),
            0xCC => Err(Error::unsupported("arithmetic-coded JPEG")),
            _ => Ok(()),
        }
    }

    /// Frame width and height in pixels.
    pub fn dimensions(&self) -> (usize, usize) {
        (self.frame.width, self.frame.height)
    }

    /// Number of components in the frame.
    pub fn components(&self) -> usize {
        self.frame.comps.len()
    }

    /// Decodes the scans and returns pixel-interleaved samples (`width × height × components`). With
    /// `ycbcr_to_rgb` a 3-component frame is converted YCbCr→RGB; otherwise components come out as
    /// stored (libtiff's `JCS_UNKNOWN`). `max_plane_bytes` bounds the block-padded component planes.
    pub fn decode(self, ycbcr_to_rgb: bool, max_plane_bytes: usize) -> Result<Vec<u8>> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: `decode_avx2` only differs from `decode_any` in being compiled for AVX2, which the
            // CPU was just found to support.
            return unsafe { self.decode_avx2(ycbcr_to_rgb, max_plane_bytes) };
        }
        #[cfg(all(target_arch = "wasm32", feature = "simd"))]
        // SAFETY: the `simd` feature is built only into the module www/lib loads where the engine
        // validates simd128 (scripts/build-wasm); an engine without it rejects the whole module.
        return unsafe { self.decode_simd128(ycbcr_to_rgb, max_plane_bytes) };
        #[allow(unreachable_code)]
        self.decode_any(ycbcr_to_rgb, max_plane_bytes)
    }

    /// [`Decoder::decode`] compiled for wasm's simd128 (the SIMD build): the same code, vectorized
    /// 4 × i32 wide as [`Decoder::decode_avx2`] is 8 wide.
    #[cfg(all(target_arch = "wasm32", feature = "simd"))]
    #[target_feature(enable = "simd128")]
    unsafe fn decode_simd128(self, ycbcr_to_rgb: bool, max_plane_bytes: usize) -> Result<Vec<u8>> {
        self.decode_any(ycbcr_to_rgb, max_plane_bytes)
    }

    /// [`Decoder::decode`] compiled with AVX2 enabled: the same code, whose IDCT lanes, colour
    /// conversion and upsampling loops the compiler then vectorizes 8 × i32 wide.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn decode_avx2(self, ycbcr_to_rgb: bool, max_plane_bytes: usize) -> Result<Vec<u8>> {
        self.decode_any(ycbcr_to_rgb, max_plane_bytes)
    }

    #[inline(always)]
    fn decode_any(mut self, ycbcr_to_rgb: bool, max_plane_bytes: usize) -> Result<Vec<u8>> {
        let f = &self.frame;
        let (hmax, vmax) = f.comps.iter().fold((1, 1), |(h, v), c| (h.max(c.h), v.max(c.v)));
        let (mcux, mcuy) = (f.width.div_ceil(8 * hmax), f.height.div_ceil(8 * vmax));
        if f.comps.iter().any(|c| hmax % c.h != 0 || vmax % c.v != 0) {
            return Err(Error::unsupported("JPEG with fractional sampling factors"));
        }
        let mut planes = Vec::with_capacity(f.comps.len());
        let mut total = 0usize;
        for c in &f.comps {
            let (stride, rows) = (mcux * c.h * 8, mcuy * c.v * 8);
            total = total.saturating_add(stride.saturating_mul(rows));
            if total > max_plane_bytes {
                return Err(Error::limit("JPEG component plane bytes", max_plane_bytes as u64, total as u64));
            }
            planes.push(Plane {
                samples: Plane::buffer(stride * rows),
                stride,
                width: (f.width * c.h).div_ceil(hmax),
                height: (f.height * c.v).div_ceil(vmax),
            });
        }
        if ycbcr_to_rgb && f.comps.len() != 3 {
            return Err(bad(format!("YCbCr JPEG with {} components", f.comps.len())));
        }
        let mut pos = self.pos;
        let mut scans = 0;
        while let Some((m, p)) = next_marker(self.data, pos) {
            pos = match m {
                0xD9 => break,
                0xDA => {
                    let (body, next) = segment(self.data, p)?;
                    let sc = markers::read_sos(body, &self.frame)?;
                    scans += 1;
                    self.scan(&sc, &mut planes, (mcux, mcuy), next)?
                }
                0xD0..=0xD8 | 0x01 => p,
                m => {
                    if let Some(what) = unsupported_frame(m) {
                        return Err(Error::unsupported(what));
                    }
                    let (body, next) = segment(self.data, p)?;
                    Self::table_segment(&mut self.tables, m, body)?;
                    next
                }
            };
        }
        if scans == 0 {
            return Err(bad("no scan in the data"));
        }
        Ok(self.output(&planes, hmax, vmax, ycbcr_to_rgb))
    }

    #[inline(always)]
    /// Decodes one scan starting at `start`; returns the position where its entropy-coded data stopped.
    fn scan(&self, sc: &[ScanComponent], planes: &mut [Plane], mcus: (usize, usize), start: usize) -> Result<usize> {
        let t = &self.tables;
        let mut parts = Vec::with_capacity(sc.len());
        for s in sc {
            let c = self.frame.comps[s.index];
            let q = t.quant[c.tq].as_deref().ok_or_else(|| bad(format!("quantization table {} not defined", c.tq)))?;
            let dc = t.dc.get(s.td).and_then(|x| x.as_deref()).ok_or_else(|| bad("DC Huffman table not defined"))?;
            let ac = t.ac.get(s.ta).and_then(|x| x.as_deref()).ok_or_else(|| bad("AC Huffman table not defined"))?;
            parts.push((s.index, c, q, dc, ac));
        }
        let mut bits = BitReader::new(self.data, start);
        let mut preds = [0i32; 4];
        let mut coef = [0i16; 64];
        let interval = t.restart_interval;
        let mut todo = interval;
        let mut restart = |bits: &mut BitReader, preds: &mut [i32; 4]| {
            if interval > 0 {
                if todo == 0 {
                    bits.restart();
                    *preds = [0; 4];
                    todo = interval;
                }
                todo -= 1;
            }
        };
        if let [(index, _, q, dc, ac)] = parts[..] {
            // Non-interleaved: the component's own blocks in raster order.
            let p = &mut planes[index];
            let (bw, bh) = (p.width.div_ceil(8), p.height.div_ceil(8));
            for by in 0..bh {
                for bx in 0..bw {
                    restart(&mut bits, &mut preds);
                    let last = bits.block(&mut coef, dc, ac, &mut preds[0]);
                    put_block(&mut coef, last, q, p, bx, by);
                }
            }
        } else {
            for my in 0..mcus.1 {
                for mx in 0..mcus.0 {
                    restart(&mut bits, &mut preds);
                    for (k, &(index, c, q, dc, ac)) in parts.iter().enumerate() {
                        for v in 0..c.v {
                            for h in 0..c.h {
                                let last = bits.block(&mut coef, dc, ac, &mut preds[k]);
                                put_block(&mut coef, last, q, &mut planes[index], mx * c.h + h, my * c.v + v);
                            }
                        }
                    }
                }
            }
        }
        Ok(bits.position())
    }

    #[inline(always)]
    /// Upsampling and colour conversion into pixel-interleaved rows.
    fn output(&self, planes: &[Plane], hmax: usize, vmax: usize, ycbcr: bool) -> Vec<u8> {
        let f = &self.frame;
        let (w, n) = (f.width, planes.len());
        let methods: Vec<Method> = f
            .comps
            .iter()
            .zip(planes)
            .map(|(c, p)| Method::choose(hmax / c.h, vmax / c.v, p.width).unwrap_or(Method::Replicate { h: 1, v: 1 }))
            .collect();
        let mut out = vec![0u8; w * f.height * n];
        let mut tmp: Vec<(Vec<u8>, Vec<u16>)> =
            planes.iter().map(|p| (vec![0u8; p.width * hmax + 16], vec![0u16; p.width])).collect();
        for (y, orow) in out.chunks_exact_mut(w * n).enumerate() {
            let mut rows: [&[u8]; 4] = [&[]; 4];
            for (k, ((p, m), t)) in planes.iter().zip(&methods).zip(tmp.iter_mut()).enumerate() {
                rows[k] = &m.row(&p.samples, p.stride, p.width, p.height, y, &mut t.0, &mut t.1)[..w];
            }
            if ycbcr {
                color::ycc_to_rgb(rows[0], rows[1], rows[2], orow);
            } else {
                color::interleave(&rows[..n], orow);
            }
        }
        out
    }
}
