//! Names for the numbers a TIFF holds: the `tiff` crate's enums for tags and field values, and one
//! table of our own for what it does not name (GDAL's and LERC's tags, codecs GDAL writes, GeoKeys).

pub use tiff::tags::{
    CompressionMethod, ExtraSamples, PhotometricInterpretation, PlanarConfiguration, Predictor, SampleFormat, Tag, Type,
};

/// `GDAL_METADATA`: GDAL's XML of per-dataset and per-band items (statistics, scale, offset …).
pub const GDAL_METADATA: Tag = Tag::Unknown(42112);
/// `LercParameters`: LERC's version and its extra compression (0 none, 1 DEFLATE, 2 ZSTD).
pub const LERC_PARAMETERS: Tag = Tag::Unknown(50674);

/// LERC (`COMPRESS=LERC`, `LERC_DEFLATE`, `LERC_ZSTD` in GDAL).
pub const LERC: CompressionMethod = CompressionMethod::Unknown(34887);

/// NewSubfileType bit: a reduced-resolution image (an overview).
pub const SUBFILE_REDUCED: u64 = 1;
/// NewSubfileType bit: a transparency mask.
pub const SUBFILE_MASK: u64 = 4;

/// The value of a SHORT field (read as u64) as one of the `tiff` crate's enums, `None` when it names
/// no variant.
pub fn named<T>(value: u64, from_u16: fn(u16) -> Option<T>) -> Option<T> {
    u16::try_from(value).ok().and_then(from_u16)
}

/// Whether an `ExtraSamples` value is an alpha (associated or unassociated).
pub fn is_alpha(extra_sample: u64) -> bool {
    matches!(
        named(extra_sample, ExtraSamples::from_u16),
        Some(ExtraSamples::AssociatedAlpha | ExtraSamples::UnassociatedAlpha)
    )
}

/// GDAL's name of a TIFF compression code (`NONE`, `LZW`, `DEFLATE`, `JPEG`, `LERC` …).
pub fn compression_name(code: u64) -> &'static str {
    use CompressionMethod as C;
    let Ok(code) = u16::try_from(code) else { return "UNKNOWN" };
    match C::from_u16_exhaustive(code) {
        C::None => "NONE",
        C::Huffman => "CCITT RLE",
        C::Fax3 => "CCITT FAX3",
        C::Fax4 => "CCITT FAX4",
        C::LZW => "LZW",
        C::JPEG => "OJPEG",
        C::ModernJPEG => "JPEG",
        C::Deflate | C::OldDeflate => "DEFLATE",
        C::PackBits => "PACKBITS",
        C::ZSTD => "ZSTD",
        C::WebP => "WEBP",
        LERC => "LERC",
        C::Unknown(34676) => "SGILOG",
        C::Unknown(34712) => "JPEG2000",
        C::Unknown(34925) => "LZMA",
        C::Unknown(50002) => "JXL",
        C::Unknown(52546) => "JPEGXL",
        _ => "UNKNOWN",
    }
}

/// Names of tags the `tiff` crate does not name (GDAL, LERC, YCbCr and a few more).
const EXTRA_TAG_NAMES: &[(u16, &str)] = &[
    (269, "DocumentName"),
    (285, "PageName"),
    (297, "PageNumber"),
    (301, "TransferFunction"),
    (318, "WhitePoint"),
    (319, "PrimaryChromaticities"),
    (321, "HalftoneHints"),
    (332, "InkSet"),
    (529, "YCbCrCoefficients"),
    (532, "ReferenceBlackWhite"),
    (700, "XMLPacket"),
    (32997, "ImageDepth"),
    (32998, "TileDepth"),
    (33723, "IPTC"),
    (34377, "Photoshop"),
    (37706, "RPCCoefficientTag"),
    (GDAL_METADATA.to_u16(), "GDAL_METADATA"),
    (LERC_PARAMETERS.to_u16(), "LercParameters"),
];

/// The name of TIFF tag `tag` (the `tiff` crate's names, then GDAL's and a few others), if known.
pub fn tag_name(tag: u16) -> Option<String> {
    if let Some(t) = Tag::from_u16(tag) {
        return Some(match t {
            Tag::GdalNodata => "GDAL_NODATA".to_string(),
            t => format!("{t:?}"),
        });
    }
    EXTRA_TAG_NAMES.iter().find(|(n, _)| *n == tag).map(|(_, s)| s.to_string())
}

/// GeoTIFF 1.1 GeoKeys: one constant per key and the table of their names, from one list.
macro_rules! geokeys {
    ($($(#[$doc:meta])* $name:ident = $id:literal, $text:literal;)*) => {
        /// GeoKey ids (GeoTIFF 1.1), as `GeoKeyDirectoryTag` lists them.
        pub mod geokey {
            $($(#[$doc])* pub const $name: u16 = $id;)*
        }
        const GEOKEY_NAMES: &[(u16, &str)] = &[$(($id, $text)),*];
    };
}

geokeys! {
    /// Model type: 1 projected, 2 geographic, 3 geocentric.
    MODEL_TYPE = 1024, "GTModelTypeGeoKey";
    /// Raster type: 1 pixel is area, 2 pixel is point.
    RASTER_TYPE = 1025, "GTRasterTypeGeoKey";
    /// Citation.
    CITATION = 1026, "GTCitationGeoKey";
    /// Geographic CRS code.
    GEOGRAPHIC_TYPE = 2048, "GeographicTypeGeoKey";
    /// Geographic CRS citation.
    GEOG_CITATION = 2049, "GeogCitationGeoKey";
    /// Geodetic datum code.
    GEODETIC_DATUM = 2050, "GeogGeodeticDatumGeoKey";
    /// Prime meridian code.
    PRIME_MERIDIAN = 2051, "GeogPrimeMeridianGeoKey";
    /// Geographic linear units code.
    GEOG_LINEAR_UNITS = 2052, "GeogLinearUnitsGeoKey";
    /// Geographic linear unit size.
    GEOG_LINEAR_UNIT_SIZE = 2053, "GeogLinearUnitSizeGeoKey";
    /// Geographic angular units code.
    GEOG_ANGULAR_UNITS = 2054, "GeogAngularUnitsGeoKey";
    /// Geographic angular unit size.
    GEOG_ANGULAR_UNIT_SIZE = 2055, "GeogAngularUnitSizeGeoKey";
    /// Ellipsoid code.
    ELLIPSOID = 2056, "GeogEllipsoidGeoKey";
    /// Semi-major axis.
    SEMI_MAJOR = 2057, "GeogSemiMajorAxisGeoKey";
    /// Semi-minor axis.
    SEMI_MINOR = 2058, "GeogSemiMinorAxisGeoKey";
    /// Inverse flattening.
    INV_FLATTENING = 2059, "GeogInvFlatteningGeoKey";
    /// Azimuth units code.
    GEOG_AZIMUTH_UNITS = 2060, "GeogAzimuthUnitsGeoKey";
    /// Prime meridian longitude.
    PRIME_MERIDIAN_LONG = 2061, "GeogPrimeMeridianLongGeoKey";
    /// TOWGS84 parameters.
    GEOG_TOWGS84 = 2062, "GeogTOWGS84GeoKey";
    /// Projected CRS code.
    PROJECTED_TYPE = 3072, "ProjectedCSTypeGeoKey";
    /// Projected CRS citation.
    PCS_CITATION = 3073, "PCSCitationGeoKey";
    /// Projection code (UTM zones …).
    PROJECTION = 3074, "ProjectionGeoKey";
    /// Coordinate transformation code.
    COORD_TRANS = 3075, "ProjCoordTransGeoKey";
    /// Projected linear units code.
    LINEAR_UNITS = 3076, "ProjLinearUnitsGeoKey";
    /// Projected linear unit size.
    LINEAR_UNIT_SIZE = 3077, "ProjLinearUnitSizeGeoKey";
    /// First standard parallel.
    STD_PARALLEL_1 = 3078, "ProjStdParallel1GeoKey";
    /// Second standard parallel.
    STD_PARALLEL_2 = 3079, "ProjStdParallel2GeoKey";
    /// Longitude of natural origin.
    NAT_ORIGIN_LONG = 3080, "ProjNatOriginLongGeoKey";
    /// Latitude of natural origin.
    NAT_ORIGIN_LAT = 3081, "ProjNatOriginLatGeoKey";
    /// False easting.
    FALSE_EASTING = 3082, "ProjFalseEastingGeoKey";
    /// False northing.
    FALSE_NORTHING = 3083, "ProjFalseNorthingGeoKey";
    /// Longitude of false origin.
    FALSE_ORIGIN_LONG = 3084, "ProjFalseOriginLongGeoKey";
    /// Latitude of false origin.
    FALSE_ORIGIN_LAT = 3085, "ProjFalseOriginLatGeoKey";
    /// Easting at false origin.
    FALSE_ORIGIN_EASTING = 3086, "ProjFalseOriginEastingGeoKey";
    /// Northing at false origin.
    FALSE_ORIGIN_NORTHING = 3087, "ProjFalseOriginNorthingGeoKey";
    /// Longitude of the projection centre.
    CENTER_LONG = 3088, "ProjCenterLongGeoKey";
    /// Latitude of the projection centre.
    CENTER_LAT = 3089, "ProjCenterLatGeoKey";
    /// Easting at the projection centre.
    CENTER_EASTING = 3090, "ProjCenterEastingGeoKey";
    /// Northing at the projection centre.
    CENTER_NORTHING = 3091, "ProjCenterNorthingGeoKey";
    /// Scale factor at natural origin.
    SCALE_AT_NAT_ORIGIN = 3092, "ProjScaleAtNatOriginGeoKey";
    /// Scale factor at the projection centre.
    SCALE_AT_CENTER = 3093, "ProjScaleAtCenterGeoKey";
    /// Azimuth angle.
    AZIMUTH = 3094, "ProjAzimuthAngleGeoKey";
    /// Longitude of the straight vertical pole.
    STRAIGHT_VERT_POLE_LONG = 3095, "ProjStraightVertPoleLongGeoKey";
    /// Rectified grid angle.
    RECTIFIED_GRID_ANGLE = 3096, "ProjRectifiedGridAngleGeoKey";
    /// Vertical CRS code.
    VERTICAL_TYPE = 4096, "VerticalCSTypeGeoKey";
    /// Vertical CRS citation.
    VERTICAL_CITATION = 4097, "VerticalCitationGeoKey";
    /// Vertical datum code.
    VERTICAL_DATUM = 4098, "VerticalDatumGeoKey";
    /// Vertical units code.
    VERTICAL_UNITS = 4099, "VerticalUnitsGeoKey";
    /// Coordinate epoch.
    COORDINATE_EPOCH = 5120, "CoordinateEpochGeoKey";
}

/// The name of GeoKey `id`, if it is a GeoTIFF 1.1 key.
pub fn geokey_name(id: u16) -> Option<&'static str> {
    GEOKEY_NAMES.iter().find(|(k, _)| *k == id).map(|(_, s)| *s)
}

/// GeoKey value meaning "user-defined" (the parameters follow in other keys).
pub const USER_DEFINED: u16 = 32767;

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn names() {
        assert_eq!(tag_name(256).as_deref(), Some("ImageWidth"));
        assert_eq!(tag_name(42112).as_deref(), Some("GDAL_METADATA"));
        assert_eq!(tag_name(42113).as_deref(), Some("GDAL_NODATA"));
        assert_eq!(tag_name(65000), None);
        assert_eq!(geokey_name(3072), Some("ProjectedCSTypeGeoKey"));
        assert_eq!(geokey::PROJECTED_TYPE, 3072);
        assert_eq!(compression_name(34887), "LERC");
        assert_eq!(compression_name(32946), "DEFLATE");
        assert_eq!(compression_name(70000), "UNKNOWN");
    }
}
