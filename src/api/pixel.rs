//! large_image's pixel view: every band's value at a point, and its colour in the default style or a
//! given one.

use super::units::Units;
use super::LargeImage;
use crate::error::{Error, Result};
use crate::source::RangeSource;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// large_image's `getPixel`: `{}` outside the image (as django-large-image answers), else the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pixel {
    /// The pixel's values and colour; `None` outside the image.
    #[serde(flatten)]
    pub inside: Option<PixelValue>,
}

/// The values and colour of a pixel inside the image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PixelValue {
    /// Every band's value, keyed "1", "2", …; `null` where masked or NaN.
    pub bands: BTreeMap<String, Option<f64>>,
    /// The style's colour as floats 0…255 (before becoming 8-bit): RGBA, or for a single grey band in
    /// the default style large_image's one luminance channel.
    pub value: Vec<f64>,
    /// Red, 8-bit.
    pub r: u8,
    /// Green, 8-bit.
    pub g: u8,
    /// Blue, 8-bit.
    pub b: u8,
    /// Alpha, 8-bit (0 where masked or nodata).
    pub a: u8,
    /// Luminance, 8-bit, for a single grey band in the default style (as large_image styles it: one `L`
    /// channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l: Option<u8>,
}

/// Options of the pixel view (`{ left, top, units, style }`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct PixelRequest {
    /// x of the point, in `units`.
    pub left: Option<f64>,
    /// y of the point, in `units`.
    pub top: Option<f64>,
    /// `pixels` (default) or `EPSG:nnnn`.
    pub units: Option<String>,
    /// The large_image style the colour is drawn in (an object or its JSON text); none: the default.
    pub style: Option<serde_json::Value>,
}

impl PixelRequest {
    /// The point (`left`, `top`); both are required.
    pub fn point(&self) -> Result<(f64, f64)> {
        match (self.left, self.top) {
            (Some(left), Some(top)) => Ok((left, top)),
            _ => Err(Error::usage("pixel needs left and top")),
        }
    }

    /// The style, when given (as an object or as its JSON text).
    pub fn style(&self) -> Result<Option<serde_json::Value>> {
        super::style_json(self.style.clone())
    }
}

/// Where a point lies in the file (`locate`, beside large_image's views): its coordinates in the file's
/// own CRS and the full-resolution pixel holding it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    /// x in the file's CRS (easting or longitude); `None` for an image without georeferencing.
    pub x: Option<f64>,
    /// y in the file's CRS (northing or latitude); `None` without georeferencing.
    pub y: Option<f64>,
    /// The full-resolution column holding the point (0 at the left edge; may lie outside the image).
    pub column: i64,
    /// The full-resolution row holding the point (0 at the top edge; may lie outside the image).
    pub row: i64,
    /// Whether that pixel is in the image.
    pub inside: bool,
}

impl<S: RangeSource> LargeImage<S> {
    /// Where (`left`, `top`) in `units` (as [`Self::pixel`] takes them) lies in the file: the point in
    /// the file's CRS through its geotransform, and its full-resolution column and row. Reads nothing.
    pub fn locate(&self, left: f64, top: f64, units: Option<&str>) -> Result<Location> {
        let (col, row) = self.to_pixels(Units::parse_point(units)?, &[(left, top)])?[0];
        if !(col.is_finite() && row.is_finite()) || col.abs() > 1e15 || row.abs() > 1e15 {
            return Err(Error::usage(format!("the point ({left}, {top}) has no place in the image's CRS")));
        }
        let inside = self.base_pixel(col, row).is_some();
        let xy = self.cog.georef.as_ref().map(|g| g.pixel_to_crs(col, row));
        Ok(Location {
            x: xy.map(|p| p.0),
            y: xy.map(|p| p.1),
            column: col.floor() as i64,
            row: row.floor() as i64,
            inside,
        })
    }

    /// The full-resolution pixel (column, row) holding the point (`col`, `row`) in pixels, when it is in
    /// the image.
    fn base_pixel(&self, col: f64, row: f64) -> Option<(u64, u64)> {
        let b = self.cog.base();
        let within = |v: f64, size: u64| v.is_finite() && v >= 0.0 && v < size as f64;
        (within(col, b.width) && within(row, b.height)).then(|| (col.floor() as u64, row.floor() as u64))
    }

    /// large_image's `getPixel`: every band's value at (`left`, `top`) — full-resolution pixels, or
    /// coordinates in `units` (`EPSG:nnnn`) — plus the default-styled colour. Masked bands are `null`;
    /// outside the image the answer is `{}`, as django-large-image answers.
    pub async fn pixel(&self, left: f64, top: f64, units: Option<&str>) -> Result<Pixel> {
        self.pixel_styled(left, top, units, None).await
    }

    /// [`Self::pixel`] with the colour drawn in a large_image `style` (`None`: the default style).
    pub async fn pixel_styled(
        &self,
        left: f64,
        top: f64,
        units: Option<&str>,
        style: Option<&serde_json::Value>,
    ) -> Result<Pixel> {
        let (col, row) = self.to_pixels(Units::parse_point(units)?, &[(left, top)])?[0];
        let Some((column, row)) = self.base_pixel(col, row) else {
            return Ok(Pixel { inside: None });
        };
        let b = self.cog.base();
        let r = self.cog.read_window(0, column as i64, row as i64, 1, 1).await?;
        // Inserted one by one: a map collected from an iterator is sorted first, a sort of its own.
        let mut bands = BTreeMap::new();
        for i in 0..r.bands {
            let v = r.sample(0, i);
            bands.insert((i + 1).to_string(), (r.valid[0] != 0 && !v.is_nan()).then_some(v));
        }
        let rgba = self.plan(style, None).await?.colours(&r)[0];
        let [red, green, blue, alpha] = rgba.map(|c| c as u8);
        // large_image styles a single grey band into one luminance channel (`L`): its answer is
        // `value: [l]` and `l`. (r, g, b, a stay: our tiles keep nodata transparent.)
        let grey = b.samples == 1 && !b.is_palette() && style.is_none();
        let value = if grey { vec![rgba[0]] } else { rgba.to_vec() };
        let l = grey.then_some(red);
        Ok(Pixel { inside: Some(PixelValue { bands, value, r: red, g: green, b: blue, a: alpha, l }) })
    }
}
