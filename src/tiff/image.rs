//! One TIFF image (an IFD) described as a raster: size, tiling, samples, codec, georeferencing tags.

use super::ifd::{ByteOrder, Entry};
use super::tags::{
    named, PhotometricInterpretation, PlanarConfiguration, SampleFormat, Tag, GDAL_METADATA, LERC_PARAMETERS,
    SUBFILE_MASK, SUBFILE_REDUCED,
};
use crate::error::{Error, Result};
use crate::limits::Limits;

/// Sample data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// 1-bit (bilevel, masks), unpacked to one u8 per sample (0 or 1).
    Bit,
    /// Unsigned 8-bit.
    U8,
    /// Unsigned 16-bit.
    U16,
    /// Unsigned 32-bit.
    U32,
    /// Unsigned 64-bit.
    U64,
    /// Signed 8-bit.
    I8,
    /// Signed 16-bit.
    I16,
    /// Signed 32-bit.
    I32,
    /// Signed 64-bit.
    I64,
    /// IEEE half float (widened to f32 when decoded).
    F16,
    /// IEEE single float.
    F32,
    /// IEEE double float.
    F64,
}

impl DType {
    /// From TIFF `SampleFormat` (1 uint, 2 int, 3 float, 4 void read as uint) and `BitsPerSample`.
    pub fn from_tiff(format: u64, bits: u64) -> Result<DType> {
        use DType::*;
        use SampleFormat as F;
        Ok(match (named(format, SampleFormat::from_u16), bits) {
            (_, 1) => Bit,
            (Some(F::Uint | F::Void), 8) => U8,
            (Some(F::Uint | F::Void), 16) => U16,
            (Some(F::Uint | F::Void), 32) => U32,
            (Some(F::Uint | F::Void), 64) => U64,
            (Some(F::Int), 8) => I8,
            (Some(F::Int), 16) => I16,
            (Some(F::Int), 32) => I32,
            (Some(F::Int), 64) => I64,
            (Some(F::IEEEFP), 16) => F16,
            (Some(F::IEEEFP), 32) => F32,
            (Some(F::IEEEFP), 64) => F64,
            _ => return Err(Error::unsupported(format!("SampleFormat {format} with {bits} bits per sample"))),
        })
    }
    /// Bits per sample in the file.
    pub fn file_bits(self) -> u64 {
        use DType::*;
        match self {
            Bit => 1,
            U8 | I8 => 8,
            U16 | I16 | F16 => 16,
            U32 | I32 | F32 => 32,
            U64 | I64 | F64 => 64,
        }
    }
    /// Bytes per sample once decoded (1-bit becomes 1 byte, f16 becomes f32).
    pub fn size(self) -> usize {
        use DType::*;
        match self {
            Bit | U8 | I8 => 1,
            U16 | I16 => 2,
            U32 | I32 | F32 | F16 => 4,
            U64 | I64 | F64 => 8,
        }
    }
    /// The type decoded samples have (f16 widens to f32, 1-bit to u8).
    pub fn decoded(self) -> DType {
        match self {
            DType::F16 => DType::F32,
            DType::Bit => DType::U8,
            d => d,
        }
    }
    /// numpy-style name (`uint8`, `float32` …), as large_image reports it.
    pub fn name(self) -> &'static str {
        use DType::*;
        match self {
            Bit => "bool",
            U8 => "uint8",
            U16 => "uint16",
            U32 => "uint32",
            U64 => "uint64",
            I8 => "int8",
            I16 => "int16",
            I32 => "int32",
            I64 => "int64",
            F16 => "float16",
            F32 => "float32",
            F64 => "float64",
        }
    }
    /// Whether the type is a float.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64)
    }
    /// The value range of the type (for `full` stretching).
    pub fn range(self) -> (f64, f64) {
        use DType::*;
        match self {
            Bit => (0.0, 1.0),
            U8 => (0.0, 255.0),
            U16 => (0.0, 65535.0),
            U32 => (0.0, u32::MAX as f64),
            U64 => (0.0, u64::MAX as f64),
            I8 => (-128.0, 127.0),
            I16 => (-32768.0, 32767.0),
            I32 => (i32::MIN as f64, i32::MAX as f64),
            I64 => (i64::MIN as f64, i64::MAX as f64),
            F16 | F32 => (f32::MIN as f64, f32::MAX as f64),
            F64 => (f64::MIN, f64::MAX),
        }
    }
}

/// A raster image held by one IFD: its layout, codec and (lazy) tile index.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    /// Index of the IFD in the file's chain (0-based).
    pub ifd_index: usize,
    /// File offset of the IFD.
    pub ifd_offset: u64,
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
    /// Tile (or strip) width.
    pub tile_width: u64,
    /// Tile height (or rows per strip).
    pub tile_height: u64,
    /// Tiled (true) or stripped (false).
    pub tiled: bool,
    /// Samples per pixel.
    pub samples: u64,
    /// Sample type.
    pub dtype: DType,
    /// Compression code.
    pub compression: u64,
    /// Predictor (1 none, 2 horizontal, 3 floating point).
    pub predictor: u64,
    /// Planar configuration (1 chunky, 2 separate).
    pub planar: u64,
    /// Photometric interpretation (0/1 grey, 2 RGB, 3 palette, 4 mask, 6 YCbCr …).
    pub photometric: u64,
    /// NewSubfileType bits (1 reduced resolution, 4 transparency mask).
    pub subfile_type: u64,
    /// ExtraSamples values (1 associated alpha, 2 unassociated alpha).
    pub extra_samples: Vec<u64>,
    /// JPEGTables, when present.
    pub jpeg_tables: Option<Vec<u8>>,
    /// TIFF ColorMap (3 × 2^bits u16 values), when present.
    pub color_map: Option<Vec<u16>>,
    /// GDAL_NODATA, when present.
    pub nodata: Option<f64>,
    /// Items of the GDAL_METADATA XML tag (statistics, scale/offset, descriptions …).
    pub gdal_metadata: Vec<GdalItem>,
    /// LERC's extra compression from LercParameters (tag 50674): 0 none, 1 DEFLATE, 2 ZSTD.
    pub lerc_additional: u64,
    /// The entry holding tile (or strip) offsets.
    pub offsets: Entry,
    /// The entry holding tile (or strip) byte counts.
    pub byte_counts: Entry,
    /// Every entry of the IFD (for internal metadata), lazily held arrays included.
    pub entries: Vec<Entry>,
}

/// An IFD's entries, read by tag.
struct Fields<'a> {
    entries: &'a [Entry],
    order: ByteOrder,
    ifd_index: usize,
}

impl Fields<'_> {
    fn find(&self, tag: Tag) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag.to_u16())
    }
    /// The first value of `tag`, else `default`; an error when the tag is required (no default).
    fn uint(&self, tag: Tag, default: Option<u64>) -> Result<u64> {
        match self.find(tag).and_then(|e| e.uint(self.order)) {
            Some(v) => Ok(v),
            None => default
                .ok_or_else(|| Error::format(format!("IFD {} lacks required tag {}", self.ifd_index, tag.to_u16()))),
        }
    }
    fn uints(&self, tag: Tag) -> Option<Vec<u64>> {
        self.find(tag).and_then(|e| e.uints(self.order))
    }
    fn text(&self, tag: Tag) -> Option<String> {
        self.find(tag).and_then(|e| e.text())
    }
    /// The sample type from BitsPerSample (the same for every sample) and SampleFormat.
    fn dtype(&self) -> Result<DType> {
        let bits = self.uints(Tag::BitsPerSample).unwrap_or_else(|| vec![1]);
        let Some(&bits0) = bits.first() else {
            return Err(Error::format(format!("IFD {}: BitsPerSample has no value", self.ifd_index)));
        };
        if bits.iter().any(|&b| b != bits0) {
            return Err(Error::unsupported(format!("BitsPerSample differing between samples: {bits:?}")));
        }
        let format = self.uints(Tag::SampleFormat).and_then(|v| v.first().copied()).unwrap_or(1);
        DType::from_tiff(format, bits0)
    }
    /// Tiles or strips of an image `width` × `height`: (tiled, tile width, tile height, offsets, byte
    /// counts), a strip being as wide as the image and RowsPerStrip high.
    fn layout(&self, width: u64, height: u64, limits: &Limits) -> Result<(bool, u64, u64, Entry, Entry)> {
        let entry = |tag: Tag, what: &str| self.find(tag).cloned().ok_or_else(|| Error::format(what.to_string()));
        let tiled = self.find(Tag::TileWidth).is_some();
        let (tw, th, offsets, counts) = if tiled {
            let tw = self.uint(Tag::TileWidth, None)?;
            let th = self.uint(Tag::TileLength, None)?;
            let off = entry(Tag::TileOffsets, "tiled image without TileOffsets")?;
            (tw, th, off, entry(Tag::TileByteCounts, "tiled image without TileByteCounts")?)
        } else {
            let rps = self.uint(Tag::RowsPerStrip, Some(height))?.min(height);
            let off = entry(Tag::StripOffsets, "image without StripOffsets or TileOffsets")?;
            (width, rps, off, entry(Tag::StripByteCounts, "image without StripByteCounts")?)
        };
        if tw == 0 || th == 0 || tw > limits.max_dimension || th > limits.max_dimension {
            return Err(Error::format(format!("tile size {tw}x{th}")));
        }
        Ok((tiled, tw, th, offsets, counts))
    }
}

impl ImageInfo {
    /// Builds the description from an IFD's entries (out-of-line values already read, except the lazy
    /// tile index arrays), checking it against `limits`.
    pub fn from_entries(
        ifd_index: usize,
        ifd_offset: u64,
        entries: Vec<Entry>,
        order: ByteOrder,
        limits: &Limits,
    ) -> Result<Self> {
        let f = Fields { entries: &entries, order, ifd_index };
        let width = f.uint(Tag::ImageWidth, None)?;
        let height = f.uint(Tag::ImageLength, None)?;
        for d in [width, height] {
            if d == 0 || d > limits.max_dimension {
                return Err(Error::limit("image dimension", limits.max_dimension, d));
            }
        }
        let samples = f.uint(Tag::SamplesPerPixel, Some(1))?;
        if samples == 0 || samples > 65535 {
            return Err(Error::format(format!("SamplesPerPixel {samples}")));
        }
        let dtype = f.dtype()?;
        let (tiled, tile_width, tile_height, offsets, byte_counts) = f.layout(width, height, limits)?;
        let planar = f.uint(Tag::PlanarConfiguration, Some(1))?;
        let info = ImageInfo {
            ifd_index,
            ifd_offset,
            width,
            height,
            tile_width,
            tile_height,
            tiled,
            samples,
            dtype,
            compression: f.uint(Tag::Compression, Some(1))?,
            predictor: f.uint(Tag::Predictor, Some(1))?,
            planar: if samples == 1 { 1 } else { planar },
            photometric: f.uint(Tag::PhotometricInterpretation, Some(1))?,
            subfile_type: f.uint(Tag::NewSubfileType, Some(0))?,
            extra_samples: f.uints(Tag::ExtraSamples).unwrap_or_default(),
            jpeg_tables: f.find(Tag::JPEGTables).and_then(|e| e.bytes()).map(|b| b.to_vec()),
            color_map: f.uints(Tag::ColorMap).map(|v| v.into_iter().map(|x| x as u16).collect()),
            nodata: f.text(Tag::GdalNodata).and_then(|s| parse_nodata(&s)),
            gdal_metadata: f.text(GDAL_METADATA).map(|x| parse_gdal_metadata(&x)).unwrap_or_default(),
            lerc_additional: f.uints(LERC_PARAMETERS).and_then(|v| v.get(1).copied()).unwrap_or(0),
            offsets,
            byte_counts,
            entries,
        };
        let expected = info.tiles_across() * info.tiles_down() * info.planes();
        if info.offsets.count < expected || info.byte_counts.count < expected {
            return Err(Error::format(format!(
                "IFD {ifd_index}: {} tile offsets and {} byte counts for {expected} tiles",
                info.offsets.count, info.byte_counts.count
            )));
        }
        Ok(info)
    }

    /// Tiles per row.
    pub fn tiles_across(&self) -> u64 {
        self.width.div_ceil(self.tile_width)
    }
    /// Tiles per column.
    pub fn tiles_down(&self) -> u64 {
        self.height.div_ceil(self.tile_height)
    }
    /// Whether bands are stored apart, one plane each (PlanarConfiguration 2).
    pub fn is_planar(&self) -> bool {
        named(self.planar, PlanarConfiguration::from_u16) == Some(PlanarConfiguration::Planar)
    }
    /// Number of planes (bands stored apart): `samples` for planar 2, else 1.
    pub fn planes(&self) -> u64 {
        if self.is_planar() {
            self.samples
        } else {
            1
        }
    }
    /// Samples per pixel inside one tile.
    pub fn samples_per_tile_pixel(&self) -> u64 {
        if self.is_planar() {
            1
        } else {
            self.samples
        }
    }
    /// Index of tile (`tx`, `ty`) of `plane` in the offsets array.
    pub fn tile_index(&self, tx: u64, ty: u64, plane: u64) -> u64 {
        plane * self.tiles_across() * self.tiles_down() + ty * self.tiles_across() + tx
    }
    /// The photometric interpretation, when it is one the `tiff` crate names.
    pub fn photometric_interpretation(&self) -> Option<PhotometricInterpretation> {
        named(self.photometric, PhotometricInterpretation::from_u16)
    }
    /// Whether the samples index a colour table (Photometric RGBPalette).
    pub fn is_palette(&self) -> bool {
        self.photometric_interpretation() == Some(PhotometricInterpretation::RGBPalette)
    }
    /// Whether this IFD is a transparency mask (NewSubfileType mask bit or Photometric TransparencyMask).
    pub fn is_mask(&self) -> bool {
        self.subfile_type & SUBFILE_MASK != 0
            || self.photometric_interpretation() == Some(PhotometricInterpretation::TransparencyMask)
    }
    /// Whether this IFD is a reduced-resolution image.
    pub fn is_overview(&self) -> bool {
        self.subfile_type & SUBFILE_REDUCED != 0
    }
    /// The entry with `tag`, if any.
    pub fn entry(&self, tag: Tag) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag.to_u16())
    }
}

/// Parses GDAL_NODATA text (`-9999`, `nan`, `inf`).
pub fn parse_nodata(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}

/// One `<Item>` of GDAL's GDAL_METADATA XML tag.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GdalItem {
    /// The `name` attribute (e.g. `STATISTICS_MINIMUM`).
    pub name: String,
    /// The `sample` attribute: the 0-based band, `None` for dataset items.
    pub sample: Option<usize>,
    /// The `role` attribute (`scale`, `offset`, `description`, `unittype`…).
    pub role: Option<String>,
    /// The text content.
    pub value: String,
}

/// Parses GDAL_METADATA (`<GDALMetadata><Item name=".." sample="0" role="..">value</Item>…`).
pub fn parse_gdal_metadata(xml: &str) -> Vec<GdalItem> {
    let attr = |tag: &str, key: &str| -> Option<String> {
        let pat = format!("{key}=\"");
        let start = tag.find(&pat)? + pat.len();
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    };
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<Item") {
        rest = &rest[i..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..close];
        let body_start = close + 1;
        let Some(end) = rest[body_start..].find("</Item>") else { break };
        let value = unescape(&rest[body_start..body_start + end]);
        if let Some(name) = attr(tag, "name") {
            out.push(GdalItem {
                name,
                sample: attr(tag, "sample").and_then(|s| s.parse().ok()),
                role: attr(tag, "role"),
                value,
            });
        }
        rest = &rest[body_start + end..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

impl ImageInfo {
    /// The GDAL_METADATA value `name` for 0-based band `band` (or the dataset when `None`).
    pub fn gdal_item(&self, name: &str, band: Option<usize>) -> Option<&str> {
        self.gdal_metadata.iter().find(|i| i.name == name && i.sample == band).map(|i| i.value.as_str())
    }
    /// The GDAL_METADATA value `name` of 0-based `band` as a number.
    pub fn gdal_number(&self, name: &str, band: usize) -> Option<f64> {
        self.gdal_item(name, Some(band)).and_then(|v| v.trim().parse().ok())
    }
    /// The ColorMap as 256-entry-or-fewer RGBA (16-bit components divided by 257, as GDAL does).
    pub fn palette_rgba(&self) -> Option<Vec<[u8; 4]>> {
        let cm = self.color_map.as_ref()?;
        let n = cm.len() / 3;
        Some((0..n).map(|i| [(cm[i] / 257) as u8, (cm[n + i] / 257) as u8, (cm[2 * n + i] / 257) as u8, 255]).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn gdal_metadata_items() {
        let x = r#"<GDALMetadata>
  <Item name="STATISTICS_MAXIMUM" sample="0">3820</Item>
  <Item name="DESCRIPTION" sample="1" role="description">near &amp; far</Item>
  <Item name="AREA_OR_POINT">Area</Item>
</GDALMetadata>"#;
        let items = parse_gdal_metadata(x);
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[0],
            GdalItem { name: "STATISTICS_MAXIMUM".into(), sample: Some(0), role: None, value: "3820".into() }
        );
        assert_eq!(items[1].value, "near & far");
        assert_eq!(items[1].role.as_deref(), Some("description"));
        assert_eq!(items[2].sample, None);
    }
}
