//! Styling: turning samples into RGBA. Defaults that look right with no style at all: RGB(A) 8-bit
//! shown as is, one band as grey stretched between a min and a max, nodata and masked pixels transparent.

use crate::cog::Raster;
use crate::tiff::DType;

/// How to render a raster with no explicit style.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultStyle {
    /// Per band (min, max) for stretching non-8-bit data.
    pub ranges: Vec<(f64, f64)>,
    /// Value treated as transparent.
    pub nodata: Option<f64>,
    /// Index of an alpha band (ExtraSamples), if any.
    pub alpha_band: Option<usize>,
    /// The file's colour table, for palette images (band 1 indexes it).
    pub palette: Option<Vec<[u8; 4]>>,
}

/// Linear rescale of `v` from `[min, max]` to `0..=255`, clamped.
#[inline]
pub fn rescale(v: f64, min: f64, max: f64) -> u8 {
    if max <= min {
        return if v >= max { 255 } else { 0 };
    }
    ((v - min) / (max - min) * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Renders `r` to RGBA (`width * height * 4` bytes) with the default style.
pub fn render_default(r: &Raster, st: &DefaultStyle) -> Vec<u8> {
    let n = r.width * r.height;
    let mut out = vec![0u8; n * 4];
    let colour_bands = match st.alpha_band {
        Some(a) => a.min(r.bands),
        None => r.bands,
    };
    let rgb = colour_bands >= 3;
    let direct = r.dtype == DType::U8;
    for p in 0..n {
        if r.valid[p] == 0 {
            continue;
        }
        let v = |b: usize| r.dtype.get(&r.data, p * r.bands + b);
        if let Some(nd) = st.nodata {
            let is_nd = |b: usize| {
                let x = v(b);
                x == nd || (nd.is_nan() && x.is_nan())
            };
            if (0..colour_bands.max(1)).all(is_nd) {
                continue;
            }
        }
        let chan = |b: usize| -> u8 {
            let x = v(b);
            if direct {
                x as u8
            } else {
                let (lo, hi) = st.ranges.get(b).copied().unwrap_or((0.0, 255.0));
                rescale(x, lo, hi)
            }
        };
        let px = &mut out[p * 4..p * 4 + 4];
        if let Some(pal) = &st.palette {
            let i = v(0);
            if i >= 0.0 && (i as usize) < pal.len() {
                px.copy_from_slice(&pal[i as usize]);
            }
            continue;
        }
        if rgb {
            px[0] = chan(0);
            px[1] = chan(1);
            px[2] = chan(2);
        } else {
            let g = chan(0);
            px[..3].fill(g);
        }
        px[3] = match st.alpha_band {
            Some(a) if a < r.bands => {
                let x = v(a);
                if direct {
                    x as u8
                } else {
                    rescale(x, 0.0, r.dtype.range().1)
                }
            }
            _ => 255,
        };
    }
    out
}
