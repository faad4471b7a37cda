//! The one rendering path: a [`Plan`] says, for every output channel, where its values come from (a
//! band or an expression), how they become 0…255 (a range), how the channels become a colour (direct,
//! a lookup table, a colormap, a palette), and when a pixel is transparent (mask, nodata, bad values).
//! The default style, large_image's style JSON and TiTiler's parameters all parse into one
//! ([`super::DefaultStyle::plan`], [`super::Style::plan`], [`super::TitilerParams::plan`]), and
//! [`Plan::draw`] draws any of them with one loop.
//!
//! The steps are small pure functions, as rio-tiler's `linear_rescale` and `apply_cmap` are:
//! [`stretch`], [`linear_rescale`], [`clip`], [`position`], [`apply_cmap`], [`table_colour`],
//! [`gradient`].

use super::expr::Expr;
use crate::decode::raster::is_nodata;
use crate::decode::Raster;
use crate::tiff::DType;

/// Drawn layers, composited with large_image's `lighten` (per-channel maximum) over transparent black.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// The layers, drawn in order: the first sets every pixel, later ones lighten it.
    pub layers: Vec<Layer>,
}

/// One layer: channels, how they become a colour, and when a pixel is left transparent.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// The channels, in the order [`Colour`] reads them.
    pub channels: Vec<Channel>,
    /// How the scaled channel values become RGBA.
    pub colour: Colour,
    /// When a pixel of this layer is transparent (besides the raster's own mask, always obeyed).
    pub mask: Mask,
}

/// One output channel: a source and the range that maps it to 0…255.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Where the values come from.
    pub input: Input,
    /// How a value becomes the channel's value.
    pub scale: Scale,
}

/// Where a channel's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A band of the raster (0-based).
    Band(usize),
    /// Band math (TiTiler's `expression`), evaluated over the whole raster.
    Expression(Expr),
}

/// How an input value becomes a channel value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// As it is (8-bit data drawn as stored).
    Identity,
    /// large_image's stretch of `[min, max]` onto 0…255 ([`stretch`]).
    Stretch {
        /// Value drawn 0.
        min: f64,
        /// Value drawn 255.
        max: f64,
    },
    /// rio-tiler's `rescale` ([`linear_rescale`]).
    Rescale {
        /// Value drawn 0.
        min: f64,
        /// Value drawn 255.
        max: f64,
    },
    /// rio-tiler without `rescale`: clipped to 0…255 and truncated ([`clip`]).
    Clip,
    /// The position in `[min, max]` (0…1) a large_image palette is read at ([`position`]).
    Position {
        /// Position 0.
        min: f64,
        /// Position 1.
        max: f64,
        /// Values outside the range are clamped (true) or transparent (false).
        clamp: bool,
    },
}

/// How scaled channel values become a colour.
#[derive(Debug, Clone, PartialEq)]
pub enum Colour {
    /// Grey from channel 0; alpha from channel 1 when `alpha`, else 255.
    Grey {
        /// Channel 1 is alpha.
        alpha: bool,
    },
    /// Red, green, blue from channels 0, 1, 2; alpha from channel 3 when `alpha`, else 255.
    Rgb {
        /// Channel 3 is alpha.
        alpha: bool,
    },
    /// Channel 0 indexes a 256-entry table ([`apply_cmap`]).
    Lut(Vec<[u8; 4]>),
    /// Channel 0 indexes a colour table; values outside it are transparent ([`table_colour`]).
    Table(Vec<[u8; 4]>),
    /// Channel 0's exact value picks a colour (sorted by value); unlisted values are transparent.
    Values(Vec<(f64, [u8; 4])>),
    /// The last interval `min ≤ v < max` holding channel 0 picks a colour; none is transparent.
    Intervals(Vec<((f64, f64), [u8; 4])>),
    /// Channel 0 (a position 0…1) reads a palette ([`gradient`]).
    Gradient {
        /// The colours from position 0 to 1 (at least one).
        palette: Vec<[u8; 4]>,
        /// Pick entries without interpolating.
        discrete: bool,
    },
}

/// When a layer leaves a pixel transparent, besides the raster's mask (always obeyed).
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    /// A nodata value and the bands it is looked for in.
    pub nodata: Option<Nodata>,
    /// Input values that make the pixel transparent.
    pub reject: Reject,
}

/// A nodata rule: the pixel is transparent when `bands` hold `value` (all of them, or any).
#[derive(Debug, Clone, PartialEq)]
pub struct Nodata {
    /// The nodata value (NaN matches NaN).
    pub value: f64,
    /// The bands looked at (0-based).
    pub bands: Vec<usize>,
    /// Transparent only when every band is nodata (GDAL's per-dataset rule), else when any is.
    pub all: bool,
}

/// Input values that make a pixel transparent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// None: every value is drawn.
    Nothing,
    /// NaN.
    Nan,
    /// NaN and ±infinity.
    NonFinite,
}

/// A transparent pixel.
const TRANSPARENT: [f64; 4] = [0.0; 4];

/// large_image's stretch: `v` from `[min, max]` onto 0…255, clamped, unrounded (the float large_image
/// truncates to 8 bits); an empty range draws 255 from `max` up, else 0.
///
/// ```
/// use large_image_wasm::style::plan::stretch;
/// assert_eq!(stretch(150.0, 100.0, 200.0), 127.5);
/// assert_eq!(stretch(250.0, 100.0, 200.0), 255.0);
/// assert_eq!(stretch(7.0, 7.0, 7.0), 255.0);
/// ```
#[inline]
pub fn stretch(v: f64, min: f64, max: f64) -> f64 {
    if max <= min {
        return if v >= max { 255.0 } else { 0.0 };
    }
    ((v - min) / (max - min) * 255.0).clamp(0.0, 255.0)
}

/// rio-tiler's `linear_rescale` of `[min, max]` onto 0…255 after clipping to the range, truncated as
/// numpy's `astype(uint8)` truncates.
///
/// ```
/// use large_image_wasm::style::plan::linear_rescale;
/// assert_eq!(linear_rescale(5.0, 0.0, 10.0), 127.0);
/// assert_eq!(linear_rescale(-3.0, 0.0, 10.0), 0.0);
/// assert_eq!(linear_rescale(11.0, 0.0, 10.0), 255.0);
/// ```
#[inline]
pub fn linear_rescale(v: f64, min: f64, max: f64) -> f64 {
    ((v.clamp(min, max) - min) / (max - min) * 255.0).trunc()
}

/// rio-tiler's drawing of values without a `rescale`: clipped to 0…255, truncated.
#[inline]
pub fn clip(v: f64) -> f64 {
    v.clamp(0.0, 255.0).trunc()
}

/// The position (0…1) of `v` in `[min, max]` that a large_image palette is read at: outside the range
/// clamped, or `None` (transparent) when `clamp` is false; an empty range gives 1 from `max` up, else 0.
#[inline]
pub fn position(v: f64, min: f64, max: f64, clamp: bool) -> Option<f64> {
    let t = if max > min {
        (v - min) / (max - min)
    } else if v >= max {
        1.0
    } else {
        0.0
    };
    // Clamped values keep their position: the palette clamps it ([`gradient`]), as large_image's does.
    (clamp || (0.0..=1.0).contains(&t)).then_some(t)
}

/// rio-tiler's `apply_cmap`: the entry of `lut` an 8-bit value indexes (the last entry for larger ones).
#[inline]
pub fn apply_cmap(byte: f64, lut: &[[u8; 4]]) -> [u8; 4] {
    lut[(byte as usize).min(lut.len() - 1)]
}

/// The colour a palette image's sample indexes in its colour table; `None` outside the table.
#[inline]
pub fn table_colour(index: f64, table: &[[u8; 4]]) -> Option<[u8; 4]> {
    table.get(index as usize).filter(|_| index >= 0.0).copied()
}

/// large_image's palette at position `t` (clamped to 0…1): `discrete` (or a one-colour palette) picks
/// the entry `t` falls in, else the two neighbouring entries are interpolated and rounded.
///
/// One rule of large_image's is kept as it is: in a two-colour palette, a channel that starts at 0 is
/// the unclamped position times its end value, clipped to 0…255 (`["#000", "#808080"]`, the colour
/// `gray`, reaches 140 at a value past `max`).
pub fn gradient(t: f64, palette: &[[u8; 4]], discrete: bool) -> [u8; 4] {
    let n = palette.len();
    let unclamped = t;
    let t = t.clamp(0.0, 1.0);
    if discrete || n == 1 {
        return palette[((t * n as f64) as usize).min(n - 1)];
    }
    if n == 2 {
        let (a, b) = (palette[0], palette[1]);
        return std::array::from_fn(|i| {
            let end = b[i] as f64;
            let v = if a[i] == 0 { unclamped * end } else { a[i] as f64 + (end - a[i] as f64) * t };
            v.clamp(0.0, 255.0).round() as u8
        });
    }
    let x = t * (n - 1) as f64;
    let k = (x.floor() as usize).min(n - 2);
    let f = x - k as f64;
    let (a, b) = (palette[k], palette[k + 1]);
    std::array::from_fn(|i| (a[i] as f64 + (b[i] as f64 - a[i] as f64) * f).round() as u8)
}

impl Scale {
    /// The channel value of input `v` (`None`: the pixel is transparent).
    #[inline]
    pub fn apply(self, v: f64) -> Option<f64> {
        Some(match self {
            Scale::Identity => v,
            Scale::Stretch { min, max } => stretch(v, min, max),
            Scale::Rescale { min, max } => linear_rescale(v, min, max),
            Scale::Clip => clip(v),
            Scale::Position { min, max, clamp } => return position(v, min, max, clamp),
        })
    }
}

impl Colour {
    /// The colour of scaled channel values `c` (`None`: transparent).
    #[inline]
    pub fn apply(&self, c: &[f64]) -> Option<[f64; 4]> {
        let rgba = |c: [u8; 4]| c.map(f64::from);
        Some(match self {
            Colour::Grey { alpha } => [c[0], c[0], c[0], if *alpha { c[1] } else { 255.0 }],
            Colour::Rgb { alpha } => [c[0], c[1], c[2], if *alpha { c[3] } else { 255.0 }],
            Colour::Lut(lut) => rgba(apply_cmap(c[0], lut)),
            Colour::Table(table) => rgba(table_colour(c[0], table)?),
            Colour::Values(m) => {
                rgba(m.binary_search_by(|e| e.0.total_cmp(&c[0])).map(|i| m[i].1).unwrap_or([0, 0, 0, 0]))
            }
            Colour::Intervals(m) => rgba(
                m.iter().rev().find(|((lo, hi), _)| c[0] >= *lo && c[0] < *hi).map(|e| e.1).unwrap_or([0, 0, 0, 0]),
            ),
            Colour::Gradient { palette, discrete } => rgba(gradient(c[0], palette, *discrete)),
        })
    }
}

impl Mask {
    /// Clears `drawn` for the pixels from `p0` that the nodata rule leaves transparent (`tmp`: scratch
    /// as long as `drawn`).
    fn nodata(&self, r: &Raster, p0: usize, drawn: &mut [bool], tmp: &mut [f64]) {
        let Some(nd) = &self.nodata else { return };
        let mut hit = [nd.all; CHUNK];
        let hit = &mut hit[..drawn.len()];
        for &b in &nd.bands {
            r.band_values(b, p0, tmp);
            for (h, &v) in hit.iter_mut().zip(tmp.iter()) {
                let is_nd = is_nodata(v, nd.value);
                *h = if nd.all { *h && is_nd } else { *h || is_nd };
            }
        }
        drawn.iter_mut().zip(hit.iter()).for_each(|(d, h)| *d &= !h);
    }

    /// Clears `drawn` where an input value makes the pixel transparent.
    fn reject(&self, values: &[f64], drawn: &mut [bool]) {
        let Some(test) = self.reject.test() else { return };
        drawn.iter_mut().zip(values).for_each(|(d, &v)| *d &= !test(v));
    }
}

impl Reject {
    /// The test of the values this rule rejects (`None`: it rejects none).
    fn test(self) -> Option<fn(f64) -> bool> {
        match self {
            Reject::Nothing => None,
            Reject::Nan => Some(f64::is_nan),
            Reject::NonFinite => Some(|v| !v.is_finite()),
        }
    }
}

impl Scale {
    /// [`Scale::apply`] over many values in place, clearing `drawn` where the value is transparent.
    fn apply_all(self, values: &mut [f64], drawn: &mut [bool]) {
        match self {
            Scale::Identity => {}
            Scale::Stretch { min, max } => values.iter_mut().for_each(|v| *v = stretch(*v, min, max)),
            Scale::Rescale { min, max } => values.iter_mut().for_each(|v| *v = linear_rescale(*v, min, max)),
            Scale::Clip => values.iter_mut().for_each(|v| *v = clip(*v)),
            Scale::Position { min, max, clamp } => {
                for (v, d) in values.iter_mut().zip(drawn) {
                    match position(*v, min, max, clamp) {
                        Some(t) => *v = t,
                        None => *d = false,
                    }
                }
            }
        }
    }
}

impl Colour {
    /// [`Colour::apply`] over a chunk: the colour of every drawn pixel `i` of channels `c[..][i]` into
    /// `rgba[i]`, clearing `drawn` where there is none.
    fn apply_all(&self, c: &[[f64; CHUNK]], drawn: &mut [bool], rgba: &mut [[f64; 4]; CHUNK]) {
        let n = drawn.len();
        match self {
            Colour::Grey { alpha } => {
                let a = if *alpha { &c[1][..n] } else { &[255.0; CHUNK][..n] };
                rgba.iter_mut().zip(&c[0][..n]).zip(a).for_each(|((o, &g), &a)| *o = [g, g, g, a]);
            }
            Colour::Rgb { alpha } => {
                let a = if *alpha { &c[3][..n] } else { &[255.0; CHUNK][..n] };
                for (i, (o, &a)) in rgba.iter_mut().zip(a).enumerate() {
                    *o = [c[0][i], c[1][i], c[2][i], a];
                }
            }
            _ => {
                let mut px = [0.0; 4];
                for (i, d) in drawn.iter_mut().enumerate().filter(|(_, d)| **d) {
                    px.iter_mut().zip(c).for_each(|(p, ch)| *p = ch[i]);
                    match self.apply(&px[..c.len().min(4)]) {
                        Some(v) => rgba[i] = v,
                        None => *d = false,
                    }
                }
            }
        }
    }
}

/// Pixels drawn per step of [`Layer::paint`]: the step's scratch (channel values, colours) stays in
/// the L1 cache, and each stage runs over it as one loop.
const CHUNK: usize = 256;

/// A channel's values over one raster: read from a band as needed, or computed once.
enum Values {
    Band(usize),
    Computed(Vec<f64>),
}

impl Values {
    fn of(input: &Input, r: &Raster) -> Values {
        match input {
            Input::Band(b) => Values::Band(*b),
            Input::Expression(e) => {
                let n = r.pixels();
                Values::Computed(e.eval(n, &|b| (0..n).map(|p| r.sample(p, b)).collect()))
            }
        }
    }

    /// The values of the `out.len()` pixels from `p0`.
    fn fill(&self, r: &Raster, p0: usize, out: &mut [f64]) {
        match self {
            Values::Band(b) => r.band_values(*b, p0, out),
            Values::Computed(v) => out.copy_from_slice(&v[p0..p0 + out.len()]),
        }
    }
}

impl Layer {
    /// Every pixel's colour (`None`: transparent), handed to `put` in order: a chunk of pixels at a time,
    /// each stage (mask, nodata, values, rejects, scales, colour) one loop over the chunk.
    fn paint(&self, r: &Raster, mut put: impl FnMut(usize, Option<[f64; 4]>)) {
        let values: Vec<Values> = self.channels.iter().map(|c| Values::of(&c.input, r)).collect();
        let mut chans = vec![[0.0; CHUNK]; values.len()];
        let (mut drawn, mut tmp, mut rgba) = ([false; CHUNK], [0.0; CHUNK], [[0.0; 4]; CHUNK]);
        for p0 in (0..r.pixels()).step_by(CHUNK) {
            let n = CHUNK.min(r.pixels() - p0);
            let drawn = &mut drawn[..n];
            drawn.iter_mut().zip(&r.valid[p0..p0 + n]).for_each(|(d, &v)| *d = v != 0);
            self.mask.nodata(r, p0, drawn, &mut tmp[..n]);
            for ((ch, v), c) in chans.iter_mut().zip(&values).zip(&self.channels) {
                v.fill(r, p0, &mut ch[..n]);
                self.mask.reject(&ch[..n], drawn);
                c.scale.apply_all(&mut ch[..n], drawn);
            }
            self.colour.apply_all(&chans, drawn, &mut rgba);
            for (i, (&d, c)) in drawn.iter().zip(&rgba).enumerate() {
                put(p0 + i, d.then_some(*c));
            }
        }
    }

    /// Which channel each of R, G, B, A reads (`None`: 255), when the colour is grey or RGB.
    fn rgba_channels(&self) -> Option<[Option<usize>; 4]> {
        let n = self.channels.len();
        Some(match self.colour {
            Colour::Grey { alpha: false } if n >= 1 => [Some(0), Some(0), Some(0), None],
            Colour::Grey { alpha: true } if n >= 2 => [Some(0), Some(0), Some(0), Some(1)],
            Colour::Rgb { alpha: false } if n >= 3 => [Some(0), Some(1), Some(2), None],
            Colour::Rgb { alpha: true } if n >= 4 => [Some(0), Some(1), Some(2), Some(3)],
            _ => return None,
        })
    }

    /// Every channel's band and scale, when every channel reads a band of a raster of `bands` bands
    /// with a scale that is not a [`Scale::Position`] (whose `None` would make a pixel transparent).
    fn band_scales(&self, bands: usize) -> Option<Vec<(usize, Scale)>> {
        self.channels
            .iter()
            .map(|c| match (&c.input, c.scale) {
                (_, Scale::Position { .. }) => None,
                (Input::Band(b), scale) if *b < bands => Some((*b, scale)),
                _ => None,
            })
            .collect()
    }

    /// The nodata rule (`Some(None)`: none), when it looks only at bands a raster of `bands` bands has.
    fn nodata_within(&self, bands: usize) -> Option<Option<&Nodata>> {
        match &self.mask.nodata {
            Some(nd) if nd.bands.iter().any(|&b| b >= bands) => None,
            nd => Some(nd.as_ref()),
        }
    }

    /// Whether this layer's nodata rule leaves transparent every pixel whose `bands` bands all hold
    /// `value` (NaN: all NaN): what the pixel-space tiles' masking of the file's nodata does before
    /// styling (`crate::warp::resample::mask_nodata`), which then changes nothing this layer draws.
    pub fn masks_nodata(&self, value: f64, bands: usize) -> bool {
        self.mask.nodata.as_ref().is_some_and(|nd| {
            let same = nd.value == value || (nd.value.is_nan() && value.is_nan());
            same && nd.bands.iter().all(|&b| b < bands) && (nd.all || !nd.bands.is_empty())
        })
    }

    /// This layer as a scaling of wide samples ([`FloatBytes`]) for rasters of `bands` bands of
    /// `dtype`, when it can be one: grey or RGB from bands (any scale but [`Scale::Position`]) of
    /// floats or 32-bit integers.
    pub fn float_bytes(&self, bands: usize, dtype: DType) -> Option<FloatBytes> {
        if !matches!(dtype, DType::F32 | DType::F64 | DType::U32 | DType::I32) {
            return None;
        }
        let channels = self.band_scales(bands)?;
        let pick = self.rgba_channels()?;
        let nodata = self.nodata_within(bands)?.cloned();
        Some(FloatBytes { bands, dtype, channels, pick, nodata, reject: self.mask.reject })
    }

    /// This layer drawn in one pass over `pixels` pixels of `bands` bands of `dtype` ([`Direct`]), when
    /// it is a copy of 8-bit bands ([`Layer::copy_u8`]), a scaling of wider samples
    /// ([`Layer::float_bytes`]), or byte tables ([`Layer::byte_lut`]) where they pay for themselves:
    /// from as many pixels as values in a table.
    pub fn direct(&self, bands: usize, dtype: DType, pixels: usize) -> Option<Direct> {
        let pays = lut_domain(dtype).is_some_and(|(values, _)| pixels >= values);
        self.copy_u8(bands, dtype)
            .map(Direct::Copy)
            .or_else(|| self.float_bytes(bands, dtype).map(Direct::Float))
            .or_else(|| pays.then(|| self.byte_lut(bands, dtype)).flatten().map(Direct::Lut))
    }

    /// This layer as byte tables ([`ByteLut`]) for rasters of `bands` bands of `dtype`, when it can be
    /// one: grey or RGB from bands (any scale but [`Scale::Position`]) of integers of at most 16 bits.
    pub fn byte_lut(&self, bands: usize, dtype: DType) -> Option<ByteLut> {
        let (size, offset) = lut_domain(dtype)?;
        let value = |i: usize| (i as i64 + offset) as f64;
        // Channel j: its band and the table of its bytes. Integers are never NaN or infinite: rejects
        // never apply.
        let chans: Vec<(usize, Vec<u8>)> = self
            .band_scales(bands)?
            .into_iter()
            .map(|(b, scale)| (b, (0..size).map(|i| scale_byte(scale, value(i))).collect()))
            .collect();
        let pick = self.rgba_channels()?;
        let nodata = self.nodata_within(bands)?.map(|nd| LutNodata {
            bands: nd.bands.clone(),
            all: nd.all,
            hit: (0..size).map(|i| is_nodata(value(i), nd.value)).collect(),
        });
        let band_of = pick.map(|c| c.map(|c| chans[c].0));
        let table_of = pick.map(|c| c.unwrap_or(0));
        Some(ByteLut { bands, dtype, band_of, table_of, tables: chans.into_iter().map(|c| c.1).collect(), nodata })
    }

    /// This layer as a copy of 8-bit bands ([`CopyU8`]) when it is one for rasters of `bands` bands
    /// of `dtype`: every channel a band as stored, grey or RGB, alpha from a band or 255.
    pub fn copy_u8(&self, bands: usize, dtype: DType) -> Option<CopyU8> {
        if dtype != DType::U8 {
            return None;
        }
        let from: Option<Vec<usize>> = self
            .channels
            .iter()
            .map(|c| match (&c.input, c.scale) {
                (Input::Band(b), Scale::Identity) if *b < bands => Some(*b),
                _ => None,
            })
            .collect();
        // Which source band each of R, G, B, A copies (None: 255).
        let from = from?;
        let pick = self.rgba_channels()?.map(|c| c.map(|c| from[c]));
        // A u8 sample is never NaN or infinite: rejects never apply. A nodata value matches a byte
        // only when it is a whole number in 0..=255; one that matches none leaves every pixel drawn,
        // unless the rule is "all of no bands" (always true).
        let nodata = match self.nodata_within(bands)? {
            None => NodataU8::Never,
            Some(nd) => match u8::try_from(nd.value as i64).ok().filter(|&v| f64::from(v) == nd.value) {
                _ if nd.all && nd.bands.is_empty() => NodataU8::Always,
                None => NodataU8::Never,
                Some(value) => NodataU8::Value { value, bands: nd.bands.clone(), all: nd.all },
            },
        };
        Some(CopyU8 {
            bands,
            pick: pick.map(|p| p.unwrap_or(0)),
            fill: pick.map(|p| if p.is_some() { 0 } else { 255 }),
            nodata,
        })
    }
}

/// A channel's byte of input `v`: its scale, truncated to 8 bits (saturating, NaN 0) as [`Plan::draw`]
/// stores it, 0 where the scale leaves the pixel transparent.
#[inline(always)]
fn scale_byte(scale: Scale, v: f64) -> u8 {
    scale.apply(v).map_or(0, |v| v as u8)
}

/// `y as u8` for `0 ≤ y ≤ 255` in operations on floats only, which the compiler vectorises (the cast
/// is a scalar instruction with NaN and range checks): `y` rounded to the nearest whole number by
/// adding and taking away 2^52 (exact: the sum's unit is 1), one less where that went up, and the
/// whole number read from the low bits of its sum with 2^52.
#[inline(always)]
fn truncate_byte(y: f64) -> u8 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let near = (y + TWO_52) - TWO_52;
    let down = if near > y { near - 1.0 } else { near };
    (down + TWO_52).to_bits() as u8
}

/// Whether a rule over `bands` holds: `hit` for all of them when `all`, else for any.
#[inline(always)]
fn holds(all: bool, bands: &[usize], hit: impl FnMut(&usize) -> bool) -> bool {
    if all {
        bands.iter().all(hit)
    } else {
        bands.iter().any(hit)
    }
}

/// Runs `$body` with `$v` an iterator over the pixels' validity: `$valid`'s values, or 255 for every
/// pixel when it is `None`; the loop compiled for both.
macro_rules! with_valid {
    ($valid:expr, |$v:ident| $body:expr) => {
        match $valid {
            Some(v) => {
                let $v = v.iter().copied();
                $body
            }
            None => {
                let $v = std::iter::repeat(255u8);
                $body
            }
        }
    };
}

/// A layer that copies 8-bit bands to RGBA (see [`Layer::copy_u8`]), resolved for one band count:
/// [`CopyU8::pixels`] draws it byte for byte as [`Layer::paint`] does, in one pass over the samples.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyU8 {
    /// Samples per source pixel.
    bands: usize,
    /// The source band each of R, G, B, A reads (0 where `fill` is 255).
    pick: [usize; 4],
    /// 255 where the channel is 255 whatever the samples, else 0.
    fill: [u8; 4],
    /// When a pixel is nodata.
    nodata: NodataU8,
}

/// `N`-byte pixels to RGBA by a constant byte shuffle of four pixels (`shuffle`, index 128 giving a
/// zero byte, then OR `alpha`): as many pixels as both `samples` and `out` hold. The default style's
/// copy of 8-bit grey and RGB, the most common tiles of all, so with SIMD where there is some: natively
/// SSSE3's byte shuffle (every x86-64 CPU of the last 15 years), in the SIMD wasm build simd128's
/// swizzle, four pixels a step (16 bytes loaded, `4·N` used); else the shuffle's first pixel, pixel by
/// pixel.
#[inline(always)]
fn shuffle_to_rgba<const N: usize>(samples: &[u8], out: &mut [u8], shuffle: &[u8; 16], alpha: u32) {
    let n = (samples.len() / N).min(out.len() / 4);
    let (samples, out) = (&samples[..n * N], &mut out[..n * 4]);
    // Pixels done four at a time: every 16-byte load at N·i must end in `samples`, so i + ⌈16/N⌉ ≤ n.
    let reach = 16_usize.div_ceil(N);
    let simd = if n >= reach { (n - reach) / 4 * 4 + 4 } else { 0 };
    let done = shuffle_fast(samples, out, (N, simd), shuffle, alpha);
    let alpha = alpha.to_le_bytes();
    for (s, o) in samples[done * N..].chunks_exact(N).zip(out[done * 4..].chunks_exact_mut(4)) {
        for k in 0..4 {
            o[k] = s.get(shuffle[k] as usize).copied().unwrap_or(0) | alpha[k];
        }
    }
}

/// [`shuffle_to_rgba`]'s first `n` pixels of `size` bytes with the CPU's SIMD where it has some
/// (SSSE3, checked at run time); returns how many pixels it did: `n`, or 0 without SIMD.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn shuffle_fast(samples: &[u8], out: &mut [u8], (size, n): (usize, usize), shuffle: &[u8; 16], alpha: u32) -> usize {
    if !std::arch::is_x86_feature_detected!("ssse3") {
        return 0;
    }
    // SAFETY: the CPU has SSSE3 (just checked); the caller keeps the loads and stores in bounds (`n`).
    unsafe { shuffle_ssse3(samples, out, (size, n), shuffle, alpha) };
    n
}

/// [`shuffle_to_rgba`]'s first `n` pixels of `size` bytes with simd128; returns `n`.
#[cfg(all(target_arch = "wasm32", feature = "simd"))]
#[inline(always)]
fn shuffle_fast(samples: &[u8], out: &mut [u8], (size, n): (usize, usize), shuffle: &[u8; 16], alpha: u32) -> usize {
    // SAFETY: the `simd` feature is built only into the module www/lib loads where the engine
    // validates simd128 (scripts/build-wasm); the caller keeps the loads and stores in bounds (`n`).
    unsafe { shuffle_simd128(samples, out, (size, n), shuffle, alpha) };
    n
}

/// Without SIMD, no pixel is done here: returns 0.
#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", feature = "simd"))))]
#[inline(always)]
fn shuffle_fast(_: &[u8], _: &mut [u8], _: (usize, usize), _: &[u8; 16], _: u32) -> usize {
    0
}

/// [`shuffle_to_rgba`]'s first `n` pixels of `size` bytes (`n` a multiple of 4 whose last load, 16
/// bytes at `size·(n − 4)`, is in `samples`) with SSSE3.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
unsafe fn shuffle_ssse3(samples: &[u8], out: &mut [u8], (size, n): (usize, usize), shuffle: &[u8; 16], alpha: u32) {
    use std::arch::x86_64::*;
    debug_assert!(n % 4 == 0 && (n == 0 || size * (n - 4) + 16 <= samples.len()) && 4 * n <= out.len());
    let shuffle = _mm_loadu_si128(shuffle.as_ptr().cast());
    let alpha = _mm_set1_epi32(alpha as i32);
    for i in (0..n).step_by(4) {
        let v = _mm_loadu_si128(samples.as_ptr().add(size * i).cast());
        _mm_storeu_si128(out.as_mut_ptr().add(4 * i).cast(), _mm_or_si128(_mm_shuffle_epi8(v, shuffle), alpha));
    }
}

/// [`shuffle_ssse3`] with wasm's simd128 (a swizzle index past 15 gives a zero byte, as SSSE3's 128
/// does).
#[cfg(all(target_arch = "wasm32", feature = "simd"))]
#[target_feature(enable = "simd128")]
unsafe fn shuffle_simd128(samples: &[u8], out: &mut [u8], (size, n): (usize, usize), shuffle: &[u8; 16], alpha: u32) {
    use core::arch::wasm32::*;
    debug_assert!(n % 4 == 0 && (n == 0 || size * (n - 4) + 16 <= samples.len()) && 4 * n <= out.len());
    let shuffle = v128_load(shuffle.as_ptr().cast());
    let alpha = u32x4_splat(alpha);
    for i in (0..n).step_by(4) {
        let v = v128_load(samples.as_ptr().add(size * i).cast());
        v128_store(out.as_mut_ptr().add(4 * i).cast(), v128_or(i8x16_swizzle(v, shuffle), alpha));
    }
}

/// Alpha 255 in every pixel, for [`shuffle_to_rgba`].
const OPAQUE: u32 = 0xff00_0000;

/// The shuffles of [`CopyU8::copy_all`]: four pixels of 1 to 4 bytes into RGBA (128: a zero byte).
mod shuffles {
    const Z: u8 = 128;
    /// Grey: `g g g _`.
    pub const GREY: [u8; 16] = [0, 0, 0, Z, 1, 1, 1, Z, 2, 2, 2, Z, 3, 3, 3, Z];
    /// Grey of two-byte pixels (the second band unused): `g g g _`.
    pub const GREY_OF_2: [u8; 16] = [0, 0, 0, Z, 2, 2, 2, Z, 4, 4, 4, Z, 6, 6, 6, Z];
    /// Grey and alpha: `g g g a`.
    pub const GREY_ALPHA: [u8; 16] = [0, 0, 0, 1, 2, 2, 2, 3, 4, 4, 4, 5, 6, 6, 6, 7];
    /// RGB: `r g b _`.
    pub const RGB: [u8; 16] = [0, 1, 2, Z, 3, 4, 5, Z, 6, 7, 8, Z, 9, 10, 11, Z];
    /// RGB of four-byte pixels (the fourth band unused): `r g b _`.
    pub const RGB_OF_4: [u8; 16] = [0, 1, 2, Z, 4, 5, 6, Z, 8, 9, 10, Z, 12, 13, 14, Z];
}

/// The nodata rule of a [`CopyU8`], on bytes.
#[derive(Debug, Clone, PartialEq)]
enum NodataU8 {
    /// No pixel is nodata.
    Never,
    /// Every pixel is.
    Always,
    /// A pixel is nodata where `bands` hold `value` (all of them, or any).
    Value { value: u8, bands: Vec<usize>, all: bool },
}

impl CopyU8 {
    /// Draws the pixels `samples` (pixel-interleaved, `bands` each) into `out` (4 bytes each): the
    /// copied channels where the pixel is valid (`valid` not 0; every pixel when `valid` is `None`) and
    /// not nodata, else transparent black.
    pub fn pixels(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8]) {
        match &self.nodata {
            NodataU8::Never if valid.is_none() && self.copy_all(samples, out) => {}
            NodataU8::Never => self.each(samples, valid, out, |_| false),
            NodataU8::Always => out.fill(0),
            NodataU8::Value { value, bands, all } => {
                self.each(samples, valid, out, |px: &[u8]| holds(*all, bands, |&b| px[b] == *value))
            }
        }
    }

    /// Every pixel valid and none nodata, with the bands in their own order (grey from band 1, RGB
    /// from bands 1–3, alpha from the next or 255) for 1 to 4 bands: each pixel's colour a constant
    /// shuffle of its samples (RGBA: the samples themselves). False (nothing written) otherwise.
    fn copy_all(&self, samples: &[u8], out: &mut [u8]) -> bool {
        use shuffles::*;
        let alpha = self.fill[3] == 0;
        match (self.bands, self.pick, alpha) {
            (1, [0, 0, 0, _], false) => shuffle_to_rgba::<1>(samples, out, &GREY, OPAQUE),
            (2, [0, 0, 0, _], false) => shuffle_to_rgba::<2>(samples, out, &GREY_OF_2, OPAQUE),
            (2, [0, 0, 0, 1], true) => shuffle_to_rgba::<2>(samples, out, &GREY_ALPHA, 0),
            (3, [0, 1, 2, _], false) => shuffle_to_rgba::<3>(samples, out, &RGB, OPAQUE),
            (4, [0, 1, 2, _], false) => shuffle_to_rgba::<4>(samples, out, &RGB_OF_4, OPAQUE),
            (4, [0, 1, 2, 3], true) => out.copy_from_slice(&samples[..out.len()]),
            _ => return false,
        }
        true
    }

    /// [`Self::pixels`] with the nodata test `nodata`, the loop compiled for the common band counts
    /// and for all pixels valid.
    #[inline(always)]
    fn each(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8], nodata: impl Fn(&[u8]) -> bool) {
        with_valid!(valid, |v| match self.bands {
            1 => self.each_of(1, samples, v, out, nodata),
            2 => self.each_of(2, samples, v, out, nodata),
            3 => self.each_of(3, samples, v, out, nodata),
            4 => self.each_of(4, samples, v, out, nodata),
            n => self.each_of(n, samples, v, out, nodata),
        })
    }

    /// The loop of [`Self::pixels`] for `n` bands (a constant where inlined), `valid` giving each
    /// pixel's validity.
    #[inline(always)]
    fn each_of(
        &self,
        n: usize,
        samples: &[u8],
        valid: impl Iterator<Item = u8>,
        out: &mut [u8],
        nodata: impl Fn(&[u8]) -> bool,
    ) {
        let pick = self.pick.map(|b| b.min(n - 1));
        let fill = self.fill;
        for ((o, px), v) in out.chunks_exact_mut(4).zip(samples.chunks_exact(n)).zip(valid) {
            let keep = if v != 0 && !nodata(px) { 0xff } else { 0 };
            let c: [u8; 4] = std::array::from_fn(|k| (px[pick[k]] | fill[k]) & keep);
            o.copy_from_slice(&c);
        }
    }
}

/// How many values a type of at most 16 bits has and the value of table index 0 (`None` for wider
/// types and floats): the domain of a [`ByteLut`]'s tables.
fn lut_domain(dtype: DType) -> Option<(usize, i64)> {
    match dtype {
        DType::U8 => Some((1 << 8, 0)),
        DType::I8 => Some((1 << 8, -(1 << 7))),
        DType::U16 => Some((1 << 16, 0)),
        DType::I16 => Some((1 << 16, -(1 << 15))),
        _ => None,
    }
}

/// A layer drawn through byte tables ([`Layer::byte_lut`]): every channel's byte is its scale of
/// the sample, looked up by the sample's value, and a nodata test per value; byte for byte what
/// [`Layer::paint`] draws, in one pass over the samples. Building the tables costs one scale per
/// value of the type (65 536 for 16 bits).
#[derive(Debug, Clone, PartialEq)]
pub struct ByteLut {
    /// Samples per source pixel.
    bands: usize,
    /// Their type (8 or 16 bits).
    dtype: DType,
    /// The band each of R, G, B, A reads (`None`: 255).
    band_of: [Option<usize>; 4],
    /// The table each of R, G, B, A reads its byte from.
    table_of: [usize; 4],
    /// Per channel: its byte for every value of the type, by [`lut_domain`] index.
    tables: Vec<Vec<u8>>,
    /// When a pixel is nodata.
    nodata: Option<LutNodata>,
}

/// The nodata rule of a [`ByteLut`]: transparent where `bands` hold a value whose `hit` is true
/// (all of them, or any).
#[derive(Debug, Clone, PartialEq)]
struct LutNodata {
    bands: Vec<usize>,
    all: bool,
    hit: Vec<bool>,
}

impl ByteLut {
    /// Draws the pixels `samples` (pixel-interleaved, `bands` each, native-endian) into `out` (4
    /// bytes each): the channels' bytes where the pixel is valid (`valid` not 0; every pixel when
    /// `valid` is `None`) and not nodata, else transparent black.
    pub fn pixels(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8]) {
        with_valid!(valid, |v| match self.dtype {
            DType::U8 => self.each::<1>(samples, v, out, |s| s[0] as usize),
            DType::I8 => self.each::<1>(samples, v, out, |s| (s[0] ^ 0x80) as usize),
            DType::U16 => self.each::<2>(samples, v, out, |s| u16::from_ne_bytes(s) as usize),
            _ => self.each::<2>(samples, v, out, |s| (u16::from_ne_bytes(s) ^ 0x8000) as usize),
        })
    }

    /// [`Self::pixels`] for `N`-byte samples whose table index is `index`, `valid` giving each
    /// pixel's validity.
    #[inline(always)]
    fn each<const N: usize>(
        &self,
        samples: &[u8],
        valid: impl Iterator<Item = u8>,
        out: &mut [u8],
        index: impl Fn([u8; N]) -> usize,
    ) {
        let at = |px: &[u8], b: usize| index(px[b * N..b * N + N].try_into().unwrap_or([0; N]));
        let nodata =
            |px: &[u8]| self.nodata.as_ref().is_some_and(|nd| holds(nd.all, &nd.bands, |&b| nd.hit[at(px, b)]));
        // Per R, G, B, A: the band's byte offset in a pixel and its table (255 where there is none).
        let all = [255u8; 1];
        let lanes: [(usize, &[u8]); 4] = std::array::from_fn(|k| match self.band_of[k] {
            Some(b) => (b, &self.tables[self.table_of[k]][..]),
            None => (0, &all[..]),
        });
        let grey = match self.band_of {
            [Some(g), Some(g1), Some(g2), None]
                if [g1, g2] == [g, g] && self.table_of[1..3] == [self.table_of[0]; 2] =>
            {
                // Grey: one lookup per pixel, in a table of the type's length (the index, of N
                // bytes, needs no bounds check).
                Some((g, &lanes[0].1[..1 << (8 * N)]))
            }
            _ => None,
        };
        if let (Some((_, t)), 1, None) = (grey, self.bands, &self.nodata) {
            // One band, no nodata: the loop with nothing else to look at.
            for ((o, s), v) in out.chunks_exact_mut(4).zip(samples.chunks_exact(N)).zip(valid) {
                let keep = if v != 0 { 0xff } else { 0 };
                let c = t[index(s.try_into().unwrap_or([0; N]))] & keep;
                o.copy_from_slice(&[c, c, c, keep]);
            }
            return;
        }
        let pixels = out.chunks_exact_mut(4).zip(samples.chunks_exact(self.bands * N)).zip(valid);
        if let Some((g, t)) = grey {
            for ((o, px), v) in pixels {
                let keep = if v != 0 && !nodata(px) { 0xff } else { 0 };
                let c = t[at(px, g)];
                o.copy_from_slice(&[c & keep, c & keep, c & keep, keep]);
            }
            return;
        }
        for ((o, px), v) in pixels {
            let keep = if v != 0 && !nodata(px) { 0xff } else { 0 };
            let c: [u8; 4] = std::array::from_fn(|k| {
                let (b, t) = lanes[k];
                t[if t.len() == 1 { 0 } else { at(px, b) }] & keep
            });
            o.copy_from_slice(&c);
        }
    }
}

/// A layer drawn from samples of floats or 32-bit integers ([`Layer::float_bytes`]): every channel's
/// byte is its scale of the sample, computed as [`Scale::apply`] computes it and truncated as
/// [`Plan::draw`] truncates it; the nodata and reject rules as [`Layer::paint`] applies them. Byte for
/// byte what [`Layer::paint`] draws, in one pass over the samples, with nothing to build first.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatBytes {
    /// Samples per source pixel.
    bands: usize,
    /// Their type (f32, f64, u32 or i32).
    dtype: DType,
    /// Every channel's band and scale (all of them are looked at by the reject rule).
    channels: Vec<(usize, Scale)>,
    /// The channel each of R, G, B, A reads (`None`: 255).
    pick: [Option<usize>; 4],
    /// When a pixel is nodata.
    nodata: Option<Nodata>,
    /// Input values that make a pixel transparent.
    reject: Reject,
}

impl FloatBytes {
    /// Draws the pixels `samples` (pixel-interleaved, `bands` each, native-endian) into `out` (4
    /// bytes each): the channels' bytes where the pixel is valid (`valid` not 0; every pixel when
    /// `valid` is `None`), not nodata and not rejected, else transparent black.
    pub fn pixels(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8]) {
        // Dispatched as the JPEG decoder's `Decoder::decode` is.
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: `pixels_avx2` only differs from `pixels_scalar` in being compiled for AVX2, which
            // the CPU was just found to support.
            return unsafe { self.pixels_avx2(samples, valid, out) };
        }
        #[cfg(all(target_arch = "wasm32", feature = "simd"))]
        // SAFETY: the `simd` feature is built only into the module www/lib loads where the engine
        // validates simd128 (scripts/build-wasm); an engine without it rejects the whole module.
        return unsafe { self.pixels_simd(samples, valid, out) };
        #[allow(unreachable_code)]
        self.pixels_scalar(samples, valid, out)
    }

    /// [`Self::pixels`] compiled with AVX2 enabled (native builds on CPUs that have it): the same
    /// loops, vectorised 4 × f64 wide.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn pixels_avx2(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8]) {
        self.pixels_scalar(samples, valid, out)
    }

    /// [`Self::pixels`] compiled for wasm's simd128: the same loops, vectorised by the compiler (lane
    /// for lane the same IEEE operations, so the same bytes).
    #[cfg(all(target_arch = "wasm32", feature = "simd"))]
    #[target_feature(enable = "simd128")]
    unsafe fn pixels_simd(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8]) {
        self.pixels_scalar(samples, valid, out)
    }

    /// [`Self::pixels`], inlined into its callers.
    #[inline(always)]
    fn pixels_scalar(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8]) {
        match self.dtype {
            DType::F32 => self.each::<4>(samples, valid, out, |s| f32::from_ne_bytes(s) as f64),
            DType::F64 => self.each::<8>(samples, valid, out, f64::from_ne_bytes),
            DType::U32 => self.each::<4>(samples, valid, out, |s| u32::from_ne_bytes(s) as f64),
            _ => self.each::<4>(samples, valid, out, |s| i32::from_ne_bytes(s) as f64),
        }
    }

    /// [`Self::pixels`] for `N`-byte samples read by `get`.
    #[inline(always)]
    fn each<const N: usize>(
        &self,
        samples: &[u8],
        valid: Option<&[u8]>,
        out: &mut [u8],
        get: impl Fn([u8; N]) -> f64 + Copy,
    ) {
        if let (1, [(0, Scale::Stretch { min, max })], [Some(0), Some(0), Some(0), None]) =
            (self.bands, self.channels.as_slice(), self.pick)
        {
            // One band stretched to grey (the default style of floats): one tight loop.
            let nodata = match &self.nodata {
                None => Some(None),
                Some(nd) if nd.bands == [0] => Some(Some(nd.value)),
                Some(_) => None,
            };
            if let Some(nodata) = nodata {
                let (min, max) = (*min, *max);
                if max <= min {
                    self.grey(samples, valid, out, nodata, get, |x| if x >= max { 255 } else { 0 });
                } else {
                    // `stretch(x, min, max) as u8` with the branch on the range taken once, and the clamp
                    // and the cast written as comparisons the compiler vectorises: the same operations on
                    // the same values (NaN, which clamp keeps and the cast sends to 0, fails `y > 0`).
                    let range = max - min;
                    self.grey(samples, valid, out, nodata, get, |x| {
                        let y = (x - min) / range * 255.0;
                        let y = if y > 0.0 { y } else { 0.0 };
                        truncate_byte(if y < 255.0 { y } else { 255.0 })
                    });
                }
                return;
            }
        }
        let at = |px: &[u8], b: usize| get(px[b * N..b * N + N].try_into().unwrap_or([0; N]));
        let test = self.reject.test().unwrap_or(|_| false);
        let hidden = |px: &[u8]| {
            self.nodata.as_ref().is_some_and(|nd| holds(nd.all, &nd.bands, |&b| is_nodata(at(px, b), nd.value)))
                || self.channels.iter().any(|&(b, _)| test(at(px, b)))
        };
        with_valid!(valid, |valid| {
            for ((o, px), v) in out.chunks_exact_mut(4).zip(samples.chunks_exact(self.bands * N)).zip(valid) {
                let c: [u8; 4] = if v == 0 || hidden(px) {
                    [0; 4]
                } else {
                    self.pick.map(|c| c.map_or(255, |c| scale_byte(self.channels[c].1, at(px, self.channels[c].0))))
                };
                o.copy_from_slice(&c);
            }
        })
    }

    /// The loop of one band drawn grey: `byte` of each sample `get` reads, transparent where `valid`
    /// is 0, the sample is `nodata` or the reject rule rejects it. Blocks of pixels: the samples as
    /// f64 first, then the bytes, each a loop the compiler vectorises (without the tests when there
    /// is nothing to test).
    #[inline(always)]
    fn grey<const N: usize>(
        &self,
        samples: &[u8],
        valid: Option<&[u8]>,
        out: &mut [u8],
        nodata: Option<f64>,
        get: impl Fn([u8; N]) -> f64,
        byte: impl Fn(f64) -> u8,
    ) {
        const BLOCK: usize = 64;
        // Branch-free tests: no nodata is a NaN that matches nothing; the rejects as two flags.
        let (nd, nd_nan) = nodata.map_or((f64::NAN, false), |v| (v, v.is_nan()));
        let (nan, inf) = match self.reject {
            Reject::Nothing => (false, false),
            Reject::Nan => (true, false),
            Reject::NonFinite => (true, true),
        };
        let all = [255u8; BLOCK];
        let plain = valid.is_none() && nodata.is_none() && self.reject == Reject::Nothing;
        let mut xs = [0.0f64; BLOCK];
        for (k, (o, s)) in out.chunks_mut(4 * BLOCK).zip(samples.chunks(N * BLOCK)).enumerate() {
            let n = (o.len() / 4).min(s.len() / N);
            let vs = valid.map_or(&all[..n], |v| &v[k * BLOCK..k * BLOCK + n]);
            for (x, s) in xs.iter_mut().zip(s.chunks_exact(N)) {
                *x = get(s.try_into().unwrap_or([0; N]));
            }
            if plain {
                for (o, &x) in o.chunks_exact_mut(4).zip(&xs[..n]) {
                    let c = byte(x);
                    o.copy_from_slice(&[c, c, c, 255]);
                }
                continue;
            }
            for ((o, &x), &v) in o.chunks_exact_mut(4).zip(&xs[..n]).zip(vs) {
                let hidden = (x == nd) | ((nd_nan | nan) & x.is_nan()) | (inf & x.is_infinite());
                let keep = if v != 0 && !hidden { 0xff } else { 0 };
                let c = byte(x) & keep;
                o.copy_from_slice(&[c, c, c, keep]);
            }
        }
    }
}

/// A plan's one layer drawn in one pass straight from the samples, byte for byte as [`Plan::draw`]
/// draws it ([`Plan::direct`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Direct {
    /// A copy of 8-bit bands.
    Copy(CopyU8),
    /// A scaling of floats or 32-bit integers.
    Float(FloatBytes),
    /// Byte tables of 8- or 16-bit integers.
    Lut(ByteLut),
}

impl Direct {
    /// Draws the pixels `samples` (pixel-interleaved, native-endian) into `out` (4 bytes each),
    /// transparent where `valid` is 0 (`None`: every pixel valid).
    pub fn pixels(&self, samples: &[u8], valid: Option<&[u8]>, out: &mut [u8]) {
        match self {
            Direct::Copy(c) => c.pixels(samples, valid, out),
            Direct::Float(f) => f.pixels(samples, valid, out),
            Direct::Lut(l) => l.pixels(samples, valid, out),
        }
    }
}

impl Plan {
    /// This plan drawn in one pass over `pixels` pixels of `bands` bands of `dtype` ([`Direct`]), when
    /// it is a single layer that can be ([`Layer::direct`]).
    pub fn direct(&self, bands: usize, dtype: DType, pixels: usize) -> Option<Direct> {
        match self.layers.as_slice() {
            [layer] => layer.direct(bands, dtype, pixels),
            _ => None,
        }
    }

    /// Whether some layer draws classes rather than a continuous range: a colour table indexed by value,
    /// exact values, intervals or a discrete palette. Such values must not be blended by resampling.
    pub fn is_categorical(&self) -> bool {
        self.layers.iter().any(|l| {
            matches!(
                l.colour,
                Colour::Table(_) | Colour::Values(_) | Colour::Intervals(_) | Colour::Gradient { discrete: true, .. }
            )
        })
    }

    /// Draws `r` as `width * height * 4` RGBA bytes (channel values truncated to 8 bits): every layer
    /// in turn, the first setting every pixel (transparent where it draws none), later ones lightening
    /// it (large_image's composite). A first layer that can be is drawn in one pass ([`Layer::direct`]:
    /// a copy of 8-bit bands, a scaling of floats or 32-bit integers, byte tables of 8- or 16-bit
    /// integers when the raster is large enough).
    pub fn draw(&self, r: &Raster) -> Vec<u8> {
        let mut out = vec![0u8; r.pixels() * 4];
        for (k, layer) in self.layers.iter().enumerate() {
            if k == 0 {
                if let Some(direct) = layer.direct(r.bands, r.dtype, r.pixels()) {
                    direct.pixels(&r.data, Some(&r.valid), &mut out);
                    continue;
                }
            }
            layer.paint(r, |p, c| {
                let px = &mut out[p * 4..p * 4 + 4];
                match c {
                    Some(c) if k > 0 => px.iter_mut().zip(c).for_each(|(o, v)| *o = (*o).max(v as u8)),
                    Some(c) => px.iter_mut().zip(c).for_each(|(o, v)| *o = v as u8),
                    None if k == 0 => px.fill(0),
                    None => {}
                }
            });
        }
        out
    }

    /// The colours of `r`'s pixels before they become 8-bit (large_image's float rendering, which the
    /// pixel view reports), composited as [`Plan::draw`] composites them.
    pub fn colours(&self, r: &Raster) -> Vec<[f64; 4]> {
        let mut out = vec![TRANSPARENT; r.pixels()];
        for (k, layer) in self.layers.iter().enumerate() {
            layer.paint(r, |p, c| match c {
                Some(c) if k > 0 => out[p] = std::array::from_fn(|i| out[p][i].max(c[i])),
                Some(c) => out[p] = c,
                None if k == 0 => out[p] = TRANSPARENT,
                None => {}
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u8_raster(samples: &[u8], bands: usize, valid: &[u8]) -> Raster {
        Raster { width: valid.len(), height: 1, bands, dtype: DType::U8, data: samples.to_vec(), valid: valid.to_vec() }
    }

    #[test]
    fn shuffles_to_rgba_at_every_length_and_offset() {
        use shuffles::*;
        type Pixel = fn(&[u8]) -> [u8; 4];
        let cases: [(usize, &[u8; 16], u32, Pixel); 5] = [
            (1, &GREY, OPAQUE, |p| [p[0], p[0], p[0], 255]),
            (2, &GREY_OF_2, OPAQUE, |p| [p[0], p[0], p[0], 255]),
            (2, &GREY_ALPHA, 0, |p| [p[0], p[0], p[0], p[1]]),
            (3, &RGB, OPAQUE, |p| [p[0], p[1], p[2], 255]),
            (4, &RGB_OF_4, OPAQUE, |p| [p[0], p[1], p[2], 255]),
        ];
        let mut rng = crate::test_rng::Rng(5);
        let all: Vec<u8> = (0..4 * 100 + 7).map(|_| rng.next() as u8).collect();
        for (size, shuffle, alpha, pixel) in cases {
            for start in 0..3 {
                for pixels in 0..100 {
                    let samples = &all[start..start + size * pixels + rng.below(size)];
                    // Room for more pixels than there are (only those there are are written), and for fewer.
                    for room in [pixels, pixels + 3, pixels / 2] {
                        let mut out = vec![7u8; 4 * room + 2];
                        let at = (size, start, pixels, room);
                        match size {
                            1 => shuffle_to_rgba::<1>(samples, &mut out, shuffle, alpha),
                            2 => shuffle_to_rgba::<2>(samples, &mut out, shuffle, alpha),
                            3 => shuffle_to_rgba::<3>(samples, &mut out, shuffle, alpha),
                            _ => shuffle_to_rgba::<4>(samples, &mut out, shuffle, alpha),
                        }
                        let n = pixels.min(room);
                        let want: Vec<u8> = samples.chunks_exact(size).take(n).flat_map(pixel).collect();
                        assert_eq!(&out[..4 * n], want, "{at:?}");
                        assert!(out[4 * n..].iter().all(|&b| b == 7), "{at:?}: wrote past the pixels");
                    }
                }
            }
        }
    }

    #[test]
    fn linear_rescale_as_riotiler() {
        // rio-tiler's tests/test_utils.py::test_linear_rescale: [0, 10] onto [0, 255], then astype(uint8).
        let v: Vec<f64> = [0.0, 2.0, 5.0, 10.0].iter().map(|&x| linear_rescale(x, 0.0, 10.0)).collect();
        assert_eq!(v, [0.0, 51.0, 127.0, 255.0]);
        // Values outside the input range are clipped first.
        assert_eq!(linear_rescale(-1.0, -1.0, 1.0), 0.0);
        assert_eq!(linear_rescale(0.0, -1.0, 1.0), 127.0);
        assert_eq!(linear_rescale(3.0, -1.0, 1.0), 255.0);
        assert_eq!(clip(300.7), 255.0);
        assert_eq!(clip(12.9), 12.0);
        assert_eq!(clip(-4.0), 0.0);
    }

    #[test]
    fn apply_cmap_indexes_by_the_8_bit_value() {
        let lut: Vec<[u8; 4]> = (0..=255u8).map(|i| [i, 255 - i, 0, 255]).collect();
        assert_eq!(apply_cmap(0.0, &lut), [0, 255, 0, 255]);
        assert_eq!(apply_cmap(200.0, &lut), [200, 55, 0, 255]);
        assert_eq!(apply_cmap(300.0, &lut), [255, 0, 0, 255]);
        let table = [[1, 2, 3, 255], [4, 5, 6, 255]];
        assert_eq!(table_colour(1.0, &table), Some([4, 5, 6, 255]));
        assert_eq!(table_colour(2.0, &table), None);
        assert_eq!(table_colour(-1.0, &table), None);
        assert_eq!(table_colour(f64::NAN, &table), None);
    }

    #[test]
    fn stretch_and_position_follow_large_image() {
        assert_eq!(stretch(0.0, 0.0, 1000.0), 0.0);
        assert_eq!(stretch(1000.0, 0.0, 1000.0), 255.0);
        assert_eq!(stretch(5.0, 10.0, 10.0), 0.0);
        assert_eq!(position(15.0, 10.0, 20.0, true), Some(0.5));
        assert_eq!(position(25.0, 10.0, 20.0, true), Some(1.5));
        assert_eq!(position(25.0, 10.0, 20.0, false), None);
        assert_eq!(position(20.0, 20.0, 20.0, false), Some(1.0));
        let p = [[0, 0, 0, 255], [255, 255, 255, 255]];
        assert_eq!(gradient(0.5, &p, false), [128, 128, 128, 255]);
        assert_eq!(gradient(0.5, &p, true), [255, 255, 255, 255]);
        assert_eq!(gradient(0.49, &p, true), [0, 0, 0, 255]);
        // Past max a two-colour channel from 0 keeps growing (large_image), one from elsewhere stops.
        let grey = [[0, 0, 0, 255], [128, 128, 128, 255]];
        assert_eq!(gradient(1.09, &grey, false), [140, 140, 140, 255]);
        assert_eq!(gradient(-0.5, &grey, false), [0, 0, 0, 255]);
        assert_eq!(gradient(1.5, &[[10, 0, 0, 255], [20, 0, 0, 255]], false), [20, 0, 0, 255]);
        assert_eq!(gradient(1.5, &p, false), [255, 255, 255, 255]);
    }

    #[test]
    fn one_loop_masks_scales_colours_and_lightens() {
        // Three pixels of one band: valid, masked, nodata.
        let r = u8_raster(&[100, 50, 7], 1, &[255, 0, 255]);
        let grey = Layer {
            channels: vec![Channel { input: Input::Band(0), scale: Scale::Identity }],
            colour: Colour::Grey { alpha: false },
            mask: Mask { nodata: Some(Nodata { value: 7.0, bands: vec![0], all: true }), reject: Reject::Nothing },
        };
        let plan = Plan { layers: vec![grey.clone()] };
        assert_eq!(plan.draw(&r), [100, 100, 100, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
        // A second layer lightens: red from the same band, stretched.
        let red = Layer {
            channels: vec![Channel {
                input: Input::Band(0),
                scale: Scale::Position { min: 0.0, max: 200.0, clamp: true },
            }],
            colour: Colour::Gradient { palette: vec![[0, 0, 0, 0], [255, 0, 0, 255]], discrete: false },
            mask: Mask { nodata: None, reject: Reject::Nan },
        };
        let plan = Plan { layers: vec![grey, red] };
        assert_eq!(&plan.draw(&r)[..4], &[128, 100, 100, 255]);
        // The pixel masked by the first layer's nodata is drawn by the second.
        assert_eq!(&plan.draw(&r)[8..], &[9, 0, 0, 9]);
    }

    #[test]
    fn expressions_and_non_finite_values() {
        let r = u8_raster(&[10, 0, 20, 0], 2, &[255, 255]);
        let e = super::super::expr::parse("b1/b2", 2).unwrap().remove(0);
        let plan = Plan {
            layers: vec![Layer {
                channels: vec![Channel { input: Input::Expression(e), scale: Scale::Clip }],
                colour: Colour::Grey { alpha: false },
                mask: Mask { nodata: None, reject: Reject::NonFinite },
            }],
        };
        assert_eq!(plan.draw(&r), [0; 8]);
        let colours = Plan {
            layers: vec![Layer {
                channels: vec![Channel { input: Input::Band(0), scale: Scale::Stretch { min: 0.0, max: 40.0 } }],
                colour: Colour::Grey { alpha: false },
                mask: Mask { nodata: None, reject: Reject::Nothing },
            }],
        }
        .colours(&r);
        assert_eq!(colours[0], [63.75, 63.75, 63.75, 255.0]);
    }

    /// The plan drawn one pixel at a time, straight from the definitions (the loop `paint` replaced):
    /// the reference the chunked loop and the 8-bit copy are checked against.
    fn reference(plan: &Plan, r: &Raster) -> (Vec<u8>, Vec<[f64; 4]>) {
        let mut bytes = vec![0u8; r.pixels() * 4];
        let mut floats = vec![TRANSPARENT; r.pixels()];
        for (k, layer) in plan.layers.iter().enumerate() {
            let values: Vec<Vec<f64>> = layer
                .channels
                .iter()
                .map(|c| match &c.input {
                    Input::Band(b) => (0..r.pixels()).map(|p| r.sample(p, *b)).collect(),
                    Input::Expression(e) => e.eval(r.pixels(), &|b| (0..r.pixels()).map(|p| r.sample(p, b)).collect()),
                })
                .collect();
            for p in 0..r.pixels() {
                let nodata = layer.mask.nodata.as_ref().is_some_and(|nd| {
                    let hit = |b: &usize| is_nodata(r.sample(p, *b), nd.value);
                    if nd.all {
                        nd.bands.iter().all(hit)
                    } else {
                        nd.bands.iter().any(hit)
                    }
                });
                let rejects = |v: f64| match layer.mask.reject {
                    Reject::Nothing => false,
                    Reject::Nan => v.is_nan(),
                    Reject::NonFinite => !v.is_finite(),
                };
                let colour = (|| {
                    if r.valid[p] == 0 || nodata {
                        return None;
                    }
                    let mut c = Vec::new();
                    for (v, ch) in values.iter().zip(&layer.channels) {
                        if rejects(v[p]) {
                            return None;
                        }
                        c.push(ch.scale.apply(v[p])?);
                    }
                    layer.colour.apply(&c)
                })();
                let px = &mut bytes[p * 4..p * 4 + 4];
                match colour {
                    Some(c) if k > 0 => {
                        px.iter_mut().zip(c).for_each(|(o, v)| *o = (*o).max(v as u8));
                        floats[p] = std::array::from_fn(|i| floats[p][i].max(c[i]));
                    }
                    Some(c) => {
                        px.iter_mut().zip(c).for_each(|(o, v)| *o = v as u8);
                        floats[p] = c;
                    }
                    None if k == 0 => {
                        px.fill(0);
                        floats[p] = TRANSPARENT;
                    }
                    None => {}
                }
            }
        }
        (bytes, floats)
    }

    use crate::test_rng::Rng;

    /// A raster of `dtype` whose samples are mostly in 0..300 (some NaN and infinite for floats,
    /// some equal to 7, some masked), `w` wide (more than one chunk).
    fn random_raster(rng: &mut Rng, dtype: DType, bands: usize, w: usize) -> Raster {
        let mut r = Raster::empty(w, 3, bands, dtype);
        for i in 0..w * 3 * bands {
            let v = match rng.next() % 23 {
                0 => 7.0,
                1 if dtype.is_float() => f64::NAN,
                2 if dtype.is_float() => f64::INFINITY,
                3 => -5.5,
                4 => 70000.0,
                _ => (rng.next() % 3000) as f64 / 10.0,
            };
            r.dtype.put(&mut r.data, i, v);
        }
        r.valid.iter_mut().for_each(|v| *v = if rng.next() % 11 == 0 { 0 } else { 255 });
        r
    }

    #[test]
    fn the_copy_of_all_valid_pixels_equals_the_reference_for_1_to_5_bands() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let band = |b: usize| Channel { input: Input::Band(b), scale: Scale::Identity };
        let no_mask = Mask { nodata: None, reject: Reject::Nothing };
        let mut checked = 0;
        for bands in 1..=5 {
            let mut r = random_raster(&mut rng, DType::U8, bands, 300);
            r.valid.fill(255);
            let layers = [
                (vec![band(0)], Colour::Grey { alpha: false }),
                (vec![band(0), band(1 % bands)], Colour::Grey { alpha: true }),
                (vec![band(0), band(1 % bands), band(2 % bands)], Colour::Rgb { alpha: false }),
                (vec![band(0), band(1 % bands), band(2 % bands), band(3 % bands)], Colour::Rgb { alpha: true }),
                (vec![band(bands - 1), band(0), band(0)], Colour::Rgb { alpha: false }),
            ];
            for (channels, colour) in layers {
                let plan = Plan { layers: vec![Layer { channels, colour, mask: no_mask.clone() }] };
                let copy = plan.direct(bands, DType::U8, r.pixels()).expect("a copy");
                let mut out = vec![7; r.pixels() * 4];
                copy.pixels(&r.data, None, &mut out);
                assert_eq!(out, reference(&plan, &r).0, "{bands} bands: {plan:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 25);
    }

    /// Samples at and around the edges of `min..max`, at and next to every byte boundary inside it,
    /// far outside, NaN, ±infinity, ±0, subnormal, the nodata value 7 and the extremes of f32.
    fn float_samples(min: f64, max: f64) -> Vec<f64> {
        // The neighbours of finite non-zero `x` in f64 and in f32 (`next_up` needs Rust 1.86).
        let up = |x: f64| f64::from_bits(if x > 0.0 { x.to_bits() + 1 } else { x.to_bits() - 1 });
        let down = |x: f64| -up(-x);
        let up32 = |x: f32| f32::from_bits(if x > 0.0 { x.to_bits() + 1 } else { x.to_bits() - 1 }) as f64;
        let down32 = |x: f32| -up32(-x);
        let mut v = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 7.0, 5e-324, f32::MAX as f64];
        v.extend([-(f32::MAX as f64), 1e300, -1e300, f32::MIN_POSITIVE as f64]);
        for edge in [min, max] {
            v.extend([edge, up(edge), down(edge), edge + 1.0, edge - 1.0]);
        }
        for k in 1..=256 {
            let b = min + (max - min) * k as f64 / 255.0;
            v.extend([b, up(b), down(b), (b as f32) as f64, up32(b as f32), down32(b as f32)]);
        }
        v
    }

    #[test]
    fn the_float_scaling_equals_the_per_pixel_reference_at_the_edges() {
        let (min, max) = (-3.0, 1499.5);
        let values = float_samples(min, max);
        let scales = [
            Scale::Stretch { min, max },
            Scale::Stretch { min: 0.1, max: 0.7 },
            Scale::Stretch { min: 7.0, max: 7.0 },
            Scale::Stretch { min: 9.0, max: -2.0 },
            Scale::Rescale { min, max },
            Scale::Clip,
            Scale::Identity,
        ];
        let nodatas = [
            None,
            Some(Nodata { value: 7.0, bands: vec![0], all: true }),
            Some(Nodata { value: f64::NAN, bands: vec![0], all: false }),
            Some(Nodata { value: 7.0, bands: vec![], all: true }),
            Some(Nodata { value: 7.0, bands: vec![0, 1], all: false }),
        ];
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut checked = 0;
        for dtype in [DType::F32, DType::F64, DType::U32, DType::I32] {
            for bands in [1, 2, 3] {
                let mut r = Raster::empty(values.len(), 2, bands, dtype);
                for i in 0..r.pixels() * bands {
                    let v = values[(i * 7 + i / values.len()) % values.len()];
                    r.dtype.put(&mut r.data, i, v);
                }
                r.valid.iter_mut().for_each(|v| *v = if rng.next() % 5 == 0 { 0 } else { 255 });
                let all_valid = Raster { valid: vec![255; r.pixels()], ..r.clone() };
                for &scale in &scales {
                    for nodata in &nodatas {
                        for reject in [Reject::Nothing, Reject::Nan, Reject::NonFinite] {
                            let band = |b: usize| Channel { input: Input::Band(b % bands), scale };
                            let layers = [
                                (vec![band(0)], Colour::Grey { alpha: false }),
                                (vec![band(1), band(0)], Colour::Grey { alpha: true }),
                                (vec![band(0), band(1), band(2)], Colour::Rgb { alpha: false }),
                            ];
                            for (channels, colour) in layers {
                                let mask = Mask { nodata: nodata.clone(), reject };
                                let layer = Layer { channels, colour, mask };
                                let Some(f) = layer.float_bytes(bands, dtype) else {
                                    // Only a nodata rule on a band the raster lacks refuses.
                                    assert!(bands == 1 && nodata.as_ref().is_some_and(|n| n.bands.len() == 2));
                                    continue;
                                };
                                let plan = Plan { layers: vec![layer] };
                                for (raster, valid) in [(&r, Some(&r.valid[..])), (&all_valid, None)] {
                                    let mut out = vec![9; raster.pixels() * 4];
                                    f.pixels(&raster.data, valid, &mut out);
                                    assert_eq!(out, reference(&plan, raster).0, "{dtype:?} {bands} {plan:?}");
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 2000, "{checked}");
    }

    #[test]
    fn truncate_byte_is_the_cast() {
        let mut ys: Vec<f64> = (0..=255)
            .flat_map(|k| {
                let k = k as f64;
                let (up, down) = (|x: f64| f64::from_bits(x.to_bits() + 1), |x: f64| f64::from_bits(x.to_bits() - 1));
                [k, up(k), down(k.max(1.0)), k + 0.5, up(k + 0.5), down(k + 0.5), k + 0.999]
            })
            .filter(|y| (0.0..=255.0).contains(y))
            .collect();
        let mut rng = Rng(0x5555_aaaa_1234_9876);
        ys.extend((0..100_000).map(|_| (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * 255.0));
        ys.extend([-0.0, 5e-324, 255.0]);
        for y in ys {
            assert_eq!(truncate_byte(y), y as u8, "{y}");
        }
    }

    #[test]
    fn a_layer_masks_the_files_nodata_when_its_rule_covers_every_band_holding_it() {
        let layer = |nodata: Option<Nodata>| Layer {
            channels: vec![Channel { input: Input::Band(0), scale: Scale::Identity }],
            colour: Colour::Grey { alpha: false },
            mask: Mask { nodata, reject: Reject::Nothing },
        };
        let nd = |value: f64, bands: Vec<usize>, all: bool| layer(Some(Nodata { value, bands, all }));
        assert!(nd(7.0, vec![0], true).masks_nodata(7.0, 1));
        assert!(nd(7.0, vec![0, 2], false).masks_nodata(7.0, 3));
        assert!(nd(7.0, vec![1], true).masks_nodata(7.0, 3));
        assert!(nd(7.0, vec![], true).masks_nodata(7.0, 3));
        assert!(nd(f64::NAN, vec![0], true).masks_nodata(f64::NAN, 1));
        assert!(nd(0.0, vec![0], true).masks_nodata(-0.0, 1));
        assert!(!nd(7.0, vec![], false).masks_nodata(7.0, 3));
        assert!(!nd(7.0, vec![0], true).masks_nodata(8.0, 1));
        assert!(!nd(f64::NAN, vec![0], true).masks_nodata(7.0, 1));
        assert!(!nd(7.0, vec![3], true).masks_nodata(7.0, 3));
        assert!(!layer(None).masks_nodata(7.0, 1));
    }

    /// One of each kind of channel scale, for the drawing tests.
    fn test_scales() -> [Scale; 7] {
        [
            Scale::Identity,
            Scale::Stretch { min: 10.0, max: 250.0 },
            Scale::Stretch { min: 7.0, max: 7.0 },
            Scale::Rescale { min: -1.0, max: 200.0 },
            Scale::Clip,
            Scale::Position { min: 0.0, max: 100.0, clamp: false },
            Scale::Position { min: 0.0, max: 100.0, clamp: true },
        ]
    }

    #[test]
    fn byte_tables_of_16_bit_rasters_equal_the_per_pixel_reference() {
        // Rasters of at least 65 536 pixels, which draw through the tables.
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        // The scales a byte table can stand for (the positions are the float paths').
        let scales = &test_scales()[..5];
        let colours = [
            (Colour::Grey { alpha: false }, 1),
            (Colour::Grey { alpha: true }, 2),
            (Colour::Rgb { alpha: false }, 3),
            (Colour::Rgb { alpha: true }, 4),
        ];
        let nodatas = [
            None,
            Some(Nodata { value: 7.0, bands: vec![0], all: true }),
            Some(Nodata { value: 7.0, bands: vec![0, 1], all: false }),
            Some(Nodata { value: -5.0, bands: vec![1, 2], all: true }),
            Some(Nodata { value: 7.5, bands: vec![], all: true }),
        ];
        let mut checked = 0;
        for dtype in [DType::U16, DType::I16] {
            let r = random_raster(&mut rng, dtype, 4, 22_000);
            assert!(r.pixels() >= 1 << 16);
            for (colour, n) in &colours {
                for (k, nodata) in nodatas.iter().enumerate() {
                    let channels = (0..*n)
                        .map(|c| Channel { input: Input::Band((c + k) % 4), scale: scales[(c + k) % scales.len()] })
                        .collect();
                    let layer = Layer {
                        channels,
                        colour: colour.clone(),
                        mask: Mask { nodata: nodata.clone(), reject: Reject::Nan },
                    };
                    let plan = Plan { layers: vec![layer] };
                    let lut = plan.layers[0].byte_lut(4, dtype).expect("byte tables");
                    assert_eq!(plan.draw(&r), reference(&plan, &r).0, "{dtype:?} {plan:?}");
                    // No validity given: every pixel valid.
                    let all = Raster { valid: vec![255; r.pixels()], ..r.clone() };
                    let mut out = vec![7; r.pixels() * 4];
                    lut.pixels(&all.data, None, &mut out);
                    assert_eq!(out, reference(&plan, &all).0, "all valid: {dtype:?} {plan:?}");
                    checked += 1;
                }
            }
            // Grey: the one-lookup loop.
            for &scale in scales {
                let channels = vec![Channel { input: Input::Band(2), scale }];
                let mask =
                    Mask { nodata: Some(Nodata { value: 7.0, bands: vec![2], all: true }), reject: Reject::Nothing };
                let plan = Plan { layers: vec![Layer { channels, colour: Colour::Grey { alpha: false }, mask }] };
                assert_eq!(plan.draw(&r), reference(&plan, &r).0, "{dtype:?} {plan:?}");
                checked += 1;
            }
            // One band: the loop without nodata, and with it; with and without validity.
            let one = random_raster(&mut rng, dtype, 1, 22_000);
            let all = Raster { valid: vec![255; one.pixels()], ..one.clone() };
            for &scale in scales {
                for nodata in [None, Some(Nodata { value: 7.0, bands: vec![0], all: true })] {
                    let channels = vec![Channel { input: Input::Band(0), scale }];
                    let mask = Mask { nodata, reject: Reject::Nothing };
                    let plan = Plan { layers: vec![Layer { channels, colour: Colour::Grey { alpha: false }, mask }] };
                    let lut = plan.layers[0].byte_lut(1, dtype).expect("byte tables");
                    for (raster, valid) in [(&one, Some(&one.valid[..])), (&all, None)] {
                        let mut out = vec![7; raster.pixels() * 4];
                        lut.pixels(&raster.data, valid, &mut out);
                        assert_eq!(out, reference(&plan, raster).0, "one band {dtype:?} {plan:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 90);
    }

    #[test]
    fn chunked_drawing_and_the_copy_equal_the_per_pixel_reference() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let scales = test_scales();
        let lut: Vec<[u8; 4]> = (0..=255u8).map(|i| [i, 255 - i, i / 2, 255]).collect();
        let colours = [
            (Colour::Grey { alpha: false }, 1),
            (Colour::Grey { alpha: true }, 2),
            (Colour::Rgb { alpha: false }, 3),
            (Colour::Rgb { alpha: true }, 4),
            (Colour::Lut(lut.clone()), 1),
            (Colour::Table(lut[..20].to_vec()), 1),
            (Colour::Values(vec![(7.0, [1, 2, 3, 4]), (20.0, [5, 6, 7, 8])]), 1),
            (Colour::Intervals(vec![((0.0, 50.0), [9, 9, 9, 9]), ((25.0, 100.0), [4, 4, 4, 4])]), 1),
            (
                Colour::Gradient { palette: vec![[0, 0, 0, 255], [255, 128, 0, 255], [0, 0, 255, 0]], discrete: false },
                1,
            ),
            (Colour::Gradient { palette: vec![[0, 0, 0, 255], [255, 128, 0, 255]], discrete: true }, 1),
        ];
        let nodatas = [
            None,
            Some(Nodata { value: 7.0, bands: vec![0], all: true }),
            Some(Nodata { value: 7.0, bands: vec![0, 1], all: false }),
            Some(Nodata { value: f64::NAN, bands: vec![0], all: true }),
            Some(Nodata { value: 7.5, bands: vec![0], all: true }),
            Some(Nodata { value: 7.0, bands: vec![], all: true }),
        ];
        let dtypes = [DType::U8, DType::I8, DType::U16, DType::I16, DType::U32, DType::I32, DType::F32, DType::F64];
        let (mut cases, mut copies) = (0, 0);
        for dtype in dtypes {
            let r = random_raster(&mut rng, dtype, 4, 300);
            for (colour, n) in &colours {
                for (k, nodata) in nodatas.iter().enumerate() {
                    for reject in [Reject::Nothing, Reject::Nan, Reject::NonFinite] {
                        // One scale for all channels, and mixed scales; bands in other orders.
                        for s in 0..scales.len() + 1 {
                            let channels = (0..*n)
                                .map(|c| Channel {
                                    input: Input::Band((c + k) % 4),
                                    scale: scales.get(s).copied().unwrap_or(scales[(c + k) % scales.len()]),
                                })
                                .collect();
                            let layer = Layer {
                                channels,
                                colour: colour.clone(),
                                mask: Mask { nodata: nodata.clone(), reject },
                            };
                            let second = Layer {
                                channels: vec![Channel {
                                    input: Input::Expression(
                                        super::super::expr::parse("b2*2-b1", 4).unwrap().remove(0),
                                    ),
                                    scale: Scale::Stretch { min: 0.0, max: 300.0 },
                                }],
                                colour: Colour::Grey { alpha: false },
                                mask: Mask { nodata: None, reject: Reject::NonFinite },
                            };
                            for plan in [Plan { layers: vec![layer.clone()] }, Plan { layers: vec![layer, second] }] {
                                let (bytes, floats) = reference(&plan, &r);
                                assert_eq!(plan.draw(&r), bytes, "{dtype:?} {plan:?}");
                                if let Some(copy) = plan.direct(r.bands, r.dtype, r.pixels()) {
                                    // No validity given: every pixel valid.
                                    let all = Raster { valid: vec![255; r.pixels()], ..r.clone() };
                                    let mut out = vec![7; r.pixels() * 4];
                                    copy.pixels(&all.data, None, &mut out);
                                    assert_eq!(out, reference(&plan, &all).0, "all valid: {plan:?}");
                                    copies += 1;
                                }
                                let got = plan.colours(&r);
                                let bits = |v: &[[f64; 4]]| v.iter().flatten().map(|f| f.to_bits()).collect::<Vec<_>>();
                                assert_eq!(bits(&got), bits(&floats), "{dtype:?} {plan:?}");
                                cases += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(cases > 3000 && copies > 20, "{cases} {copies}");
    }
}
