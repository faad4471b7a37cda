//! The CSS colour parser of large-image-wasm's styles: names, `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb(…)`,
//! `hsl(…)` and the rest of CSS Color 4, as `colorgrad` (csscolorparser) reads them.
//!
//! Native builds of the main crate call [`parse`] directly. In the browser this crate is a small wasm
//! module, `pkg/colours.wasm` (the `module` feature), which the page loads with the colormaps and
//! palettes, the first time a view is styled.
//!
//! # The module
//! With the `module` feature on wasm32 the crate exports `lic_alloc(len) → ptr` (room for a colour's
//! text) and `lic_parse(ptr, len) → f64` (parses the text there and frees it: the colour as
//! `r·2²⁴ + g·2¹⁶ + b·2⁸ + a`, or −1 when it is not one). `www/lib/colours.js` drives them.

#[cfg(all(feature = "module", target_arch = "wasm32"))]
mod module;

/// The RGBA bytes of the CSS colour `text`, `None` when it is not one.
pub fn parse(text: &str) -> Option<[u8; 4]> {
    colorgrad::Color::from_html(text).ok().map(|c| c.to_rgba8())
}

/// [`parse`]'s answer as one number: `r·2²⁴ + g·2¹⁶ + b·2⁸ + a`, or −1 for `None` (the module's).
pub fn to_number(rgba: Option<[u8; 4]>) -> f64 {
    rgba.map_or(-1.0, |c| u32::from_be_bytes(c) as f64)
}

/// The colour a [`to_number`] answer holds.
pub fn from_number(n: f64) -> Option<[u8; 4]> {
    (n >= 0.0 && n <= u32::MAX as f64).then(|| (n as u32).to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_and_cross_as_numbers() {
        assert_eq!(parse("#ff0000"), Some([255, 0, 0, 255]));
        assert_eq!(parse("red"), Some([255, 0, 0, 255]));
        assert_eq!(parse("rgba(0, 0, 255, 0.5)"), Some([0, 0, 255, 128]));
        assert_eq!(parse("nope"), None);
        for c in [Some([255, 255, 255, 255]), Some([0, 0, 0, 0]), Some([1, 2, 3, 4]), None] {
            assert_eq!(from_number(to_number(c)), c);
        }
    }
}
