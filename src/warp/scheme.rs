//! Tile matrices: how map tiles at zoom `z` cover the world (XYZ web mercator, Cesium's geographic 2×1).

use super::crs::Crs;
use crate::error::{Error, Result};

/// Earth radius of the spherical (web) mercator, metres.
pub const MERCATOR_R: f64 = 6_378_137.0;
/// Half the width of the web mercator square, metres.
pub const MERCATOR_MAX: f64 = std::f64::consts::PI * MERCATOR_R;

/// A tile matrix: how map tiles at zoom `z` cover the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileScheme {
    /// XYZ web mercator (EPSG:3857): one tile at level 0.
    WebMercator,
    /// Geographic (EPSG:4326), as CesiumJS's default: 2 × 1 tiles at level 0.
    Geographic,
}

impl TileScheme {
    /// From a large_image `projection` value (`EPSG:3857`, `EPSG:4326`, case-insensitive).
    pub fn from_projection(p: &str) -> Result<TileScheme> {
        match p.to_ascii_uppercase().as_str() {
            "EPSG:3857" | "EPSG:900913" => Ok(TileScheme::WebMercator),
            "EPSG:4326" => Ok(TileScheme::Geographic),
            _ => Err(Error::unsupported(format!("tile projection {p} (use EPSG:3857 or EPSG:4326)"))),
        }
    }
    /// Tiles across and down at zoom `z`.
    pub fn tiles(self, z: u32) -> (u64, u64) {
        let n = 1u64 << z.min(40);
        match self {
            TileScheme::WebMercator => (n, n),
            TileScheme::Geographic => (2 * n, n),
        }
    }
    /// The CRS the scheme's coordinates are in.
    pub fn crs(self) -> Crs {
        match self {
            TileScheme::WebMercator => Crs::WebMercator,
            TileScheme::Geographic => Crs::Geographic,
        }
    }
    /// Bounds `(xmin, ymin, xmax, ymax)` of tile (`x`, `y`) at zoom `z` in the scheme's CRS units.
    pub fn tile_bounds(self, z: u32, x: u64, y: u64) -> Result<[f64; 4]> {
        let (nx, ny) = self.tiles(z);
        if x >= nx || y >= ny || z > 30 {
            return Err(Error::usage(format!("tile {z}/{x}/{y} is outside the {self:?} tile matrix")));
        }
        let (x0, y1, w, h) = match self {
            TileScheme::WebMercator => (-MERCATOR_MAX, MERCATOR_MAX, 2.0 * MERCATOR_MAX, 2.0 * MERCATOR_MAX),
            TileScheme::Geographic => (-180.0, 90.0, 360.0, 180.0),
        };
        let tw = w / nx as f64;
        let th = h / ny as f64;
        Ok([x0 + x as f64 * tw, y1 - (y + 1) as f64 * th, x0 + (x + 1) as f64 * tw, y1 - y as f64 * th])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn mercator_round_trip_and_tile_bounds() {
        let (x, y) = Crs::WebMercator.from_lonlat(12.5, 41.9);
        let (lon, lat) = Crs::WebMercator.to_lonlat(x, y);
        assert!((lon - 12.5).abs() < 1e-9 && (lat - 41.9).abs() < 1e-9);
        let b = TileScheme::WebMercator.tile_bounds(1, 1, 0).unwrap();
        assert_eq!(b, [0.0, 0.0, MERCATOR_MAX, MERCATOR_MAX]);
        let g = TileScheme::Geographic.tile_bounds(0, 1, 0).unwrap();
        assert_eq!(g, [0.0, -90.0, 180.0, 90.0]);
        assert!(TileScheme::Geographic.tile_bounds(0, 2, 0).is_err());
    }
}
