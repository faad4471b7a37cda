//! The default style, what a tile looks like with no style at all: 8-bit data as stored, other data
//! stretched between each band's min and max, a palette image in its colour table, an alpha band as
//! alpha, and nodata (every colour band nodata) and masked pixels transparent.

use super::plan::{Channel, Colour, Input, Layer, Mask, Nodata, Plan, Reject, Scale};
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
    /// Bands per pixel.
    pub bands: usize,
    /// The samples' decoded type.
    pub dtype: DType,
}

impl DefaultStyle {
    /// The plan that draws the default style.
    pub fn plan(&self) -> Plan {
        let colour_bands = self.alpha_band.map_or(self.bands, |a| a.min(self.bands));
        let mask = Mask {
            nodata: self.nodata.map(|value| Nodata { value, bands: (0..colour_bands.max(1)).collect(), all: true }),
            reject: Reject::Nothing,
        };
        let band = |b: usize, scale: Scale| Channel { input: Input::Band(b), scale };
        if let Some(table) = &self.palette {
            let channels = vec![band(0, Scale::Identity)];
            return Plan { layers: vec![Layer { channels, colour: Colour::Table(table.clone()), mask }] };
        }
        let direct = self.dtype == DType::U8;
        let colour = |b: usize| match (direct, self.ranges.get(b)) {
            (true, _) => Scale::Identity,
            (false, Some(&(min, max))) => Scale::Stretch { min, max },
            (false, None) => Scale::Stretch { min: 0.0, max: 255.0 },
        };
        let rgb = colour_bands >= 3;
        let mut channels: Vec<Channel> =
            if rgb { (0..3).map(|b| band(b, colour(b))).collect() } else { vec![band(0, colour(0))] };
        let alpha = self.alpha_band.filter(|&a| a < self.bands);
        if let Some(a) = alpha {
            let scale = if direct { Scale::Identity } else { Scale::Stretch { min: 0.0, max: self.dtype.range().1 } };
            channels.push(band(a, scale));
        }
        let alpha = alpha.is_some();
        let colour = if rgb { Colour::Rgb { alpha } } else { Colour::Grey { alpha } };
        Plan { layers: vec![Layer { channels, colour, mask }] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Raster;

    #[test]
    fn sixteen_bit_grey_with_nodata() {
        let st = DefaultStyle {
            ranges: vec![(100.0, 1100.0)],
            nodata: Some(0.0),
            alpha_band: None,
            palette: None,
            bands: 1,
            dtype: DType::U16,
        };
        let data: Vec<u8> = [0u16, 600, 2000].iter().flat_map(|v| v.to_ne_bytes()).collect();
        let r = Raster { width: 3, height: 1, bands: 1, dtype: DType::U16, data, valid: vec![255; 3] };
        assert_eq!(st.plan().draw(&r), [0, 0, 0, 0, 127, 127, 127, 255, 255, 255, 255, 255]);
        assert_eq!(st.plan().colours(&r)[1], [127.5, 127.5, 127.5, 255.0]);
    }

    #[test]
    fn rgba_eight_bit_as_stored_and_palettes() {
        let st = DefaultStyle {
            ranges: vec![],
            nodata: None,
            alpha_band: Some(3),
            palette: None,
            bands: 4,
            dtype: DType::U8,
        };
        let r = Raster { width: 1, height: 1, bands: 4, dtype: DType::U8, data: vec![1, 2, 3, 4], valid: vec![255] };
        assert_eq!(st.plan().draw(&r), [1, 2, 3, 4]);
        let pal = DefaultStyle { palette: Some(vec![[9, 9, 9, 255]]), alpha_band: None, bands: 1, ..st };
        let r = Raster { width: 2, height: 1, bands: 1, dtype: DType::U8, data: vec![0, 1], valid: vec![255; 2] };
        assert_eq!(pal.plan().draw(&r), [9, 9, 9, 255, 0, 0, 0, 0]);
    }
}
