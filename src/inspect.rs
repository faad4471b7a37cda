//! What the reader knows about a file's structure, as JSON: every IFD with its tags (named), the
//! per-IFD layout, GeoKeys (named), GDAL metadata and GDAL's ghost area ([`structure`]); and the raw
//! IFD dump in tifftools' shape ([`tiffdump`], django-large-image's `info/tiffdump`).

use crate::cog::Cog;
use crate::error::Result;
use crate::source::RangeSource;
use crate::tiff::geo::{read_geokeys, GeoKeyValue};
use crate::tiff::ifd::{ifd_len, type_name, type_size, Entry, Value as TagValue};
use crate::tiff::image::compression_name;
use crate::tiff::{ByteOrder, ImageInfo, TiffFile};
use crate::validate::ghost_area;
use serde_json::{json, Map, Value};

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
    (42112, "GDAL_METADATA"),
    (50674, "LercParameters"),
];

/// The name of TIFF tag `tag` (the `tiff` crate's names, then GDAL's and a few others), if known.
pub fn tag_name(tag: u16) -> Option<String> {
    if let Some(t) = tiff::tags::Tag::from_u16(tag) {
        return Some(match t {
            tiff::tags::Tag::GdalNodata => "GDAL_NODATA".to_string(),
            t => format!("{t:?}"),
        });
    }
    EXTRA_TAG_NAMES.iter().find(|(n, _)| *n == tag).map(|(_, s)| s.to_string())
}

/// GeoTIFF 1.1 key names.
const GEOKEY_NAMES: &[(u16, &str)] = &[
    (1024, "GTModelTypeGeoKey"),
    (1025, "GTRasterTypeGeoKey"),
    (1026, "GTCitationGeoKey"),
    (2048, "GeographicTypeGeoKey"),
    (2049, "GeogCitationGeoKey"),
    (2050, "GeogGeodeticDatumGeoKey"),
    (2051, "GeogPrimeMeridianGeoKey"),
    (2052, "GeogLinearUnitsGeoKey"),
    (2053, "GeogLinearUnitSizeGeoKey"),
    (2054, "GeogAngularUnitsGeoKey"),
    (2055, "GeogAngularUnitSizeGeoKey"),
    (2056, "GeogEllipsoidGeoKey"),
    (2057, "GeogSemiMajorAxisGeoKey"),
    (2058, "GeogSemiMinorAxisGeoKey"),
    (2059, "GeogInvFlatteningGeoKey"),
    (2060, "GeogAzimuthUnitsGeoKey"),
    (2061, "GeogPrimeMeridianLongGeoKey"),
    (2062, "GeogTOWGS84GeoKey"),
    (3072, "ProjectedCSTypeGeoKey"),
    (3073, "PCSCitationGeoKey"),
    (3074, "ProjectionGeoKey"),
    (3075, "ProjCoordTransGeoKey"),
    (3076, "ProjLinearUnitsGeoKey"),
    (3077, "ProjLinearUnitSizeGeoKey"),
    (3078, "ProjStdParallel1GeoKey"),
    (3079, "ProjStdParallel2GeoKey"),
    (3080, "ProjNatOriginLongGeoKey"),
    (3081, "ProjNatOriginLatGeoKey"),
    (3082, "ProjFalseEastingGeoKey"),
    (3083, "ProjFalseNorthingGeoKey"),
    (3084, "ProjFalseOriginLongGeoKey"),
    (3085, "ProjFalseOriginLatGeoKey"),
    (3086, "ProjFalseOriginEastingGeoKey"),
    (3087, "ProjFalseOriginNorthingGeoKey"),
    (3088, "ProjCenterLongGeoKey"),
    (3089, "ProjCenterLatGeoKey"),
    (3090, "ProjCenterEastingGeoKey"),
    (3091, "ProjCenterNorthingGeoKey"),
    (3092, "ProjScaleAtNatOriginGeoKey"),
    (3093, "ProjScaleAtCenterGeoKey"),
    (3094, "ProjAzimuthAngleGeoKey"),
    (3095, "ProjStraightVertPoleLongGeoKey"),
    (3096, "ProjRectifiedGridAngleGeoKey"),
    (4096, "VerticalCSTypeGeoKey"),
    (4097, "VerticalCitationGeoKey"),
    (4098, "VerticalDatumGeoKey"),
    (4099, "VerticalUnitsGeoKey"),
    (5120, "CoordinateEpochGeoKey"),
];

/// The name of GeoKey `id`, if it is a GeoTIFF 1.1 key.
pub fn geokey_name(id: u16) -> Option<&'static str> {
    GEOKEY_NAMES.iter().find(|(k, _)| *k == id).map(|(_, s)| *s)
}

/// Python's `repr()` of a bytes object (`b'II*\x00'`), which tifftools' JSON writer uses for binary data.
pub fn python_bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { '"' } else { '\'' };
    let mut s = String::with_capacity(b.len() + 3);
    s.push('b');
    s.push(quote);
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            c if c as char == quote => {
                s.push('\\');
                s.push(quote);
            }
            0x20..=0x7e => s.push(c as char),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push(quote);
    s
}

/// A tag's values as tifftools gives them: numbers (rationals as numerator, denominator pairs), ASCII as
/// text without trailing NULs, UNDEFINED (and undecodable ASCII) as `"bytes:b'…'"`.
pub fn tag_data(typ: u16, bytes: &[u8], order: ByteOrder) -> Value {
    let binary = |b: &[u8]| json!(format!("bytes:{}", python_bytes_repr(b)));
    let ints = |size: usize, signed: bool| -> Value {
        bytes
            .chunks_exact(size)
            .map(|c| {
                let u = order.uint(c);
                if signed {
                    let shift = 64 - 8 * size as u32;
                    json!(((u << shift) as i64) >> shift)
                } else {
                    json!(u)
                }
            })
            .collect()
    };
    match typ {
        2 => {
            let end = bytes.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
            match std::str::from_utf8(&bytes[..end]) {
                Ok(s) => json!(s),
                Err(_) => binary(bytes),
            }
        }
        1 | 3 | 4 | 13 | 16 | 18 => ints(type_size(typ).unwrap_or(1) as usize, false),
        5 => ints(4, false),
        6 | 8 | 9 | 17 => ints(type_size(typ).unwrap_or(1) as usize, true),
        10 => ints(4, true),
        11 => bytes.chunks_exact(4).map(|c| json!(f32::from_bits(order.uint(c) as u32) as f64)).collect(),
        12 => bytes.chunks_exact(8).map(|c| json!(f64::from_bits(order.uint(c)))).collect(),
        _ => binary(bytes),
    }
}

/// The value bytes of `e`, reading deferred arrays (tile offsets and byte counts) through the header cache.
async fn entry_bytes<S: RangeSource>(file: &TiffFile<S>, e: &Entry) -> Result<Vec<u8>> {
    match &e.value {
        TagValue::Bytes(b) => Ok(b.clone()),
        TagValue::Deferred(at) => {
            let size = type_size(e.typ).unwrap_or(1).saturating_mul(e.count);
            file.header_bytes(*at..at.saturating_add(size)).await
        }
    }
}

/// django-large-image's `info/tiffdump`: tifftools' `read_tiff` result as JSON (`{ifds: [{offset, tags:
/// {"256": {datatype, count, datapos, [offset], data}}, tagcount, …}], header, bigEndian, bigtiff,
/// firstifd, …}`). Reads every tile offset and byte count array. `size` (the file length) is `null`: a
/// range reader does not learn it. SubIFDs are not followed.
pub async fn tiffdump<S: RangeSource>(file: &TiffFile<S>) -> Result<Value> {
    let h = file.header;
    let order = h.order;
    let url = file.url();
    let mut ifds = Vec::with_capacity(file.images.len());
    for img in &file.images {
        let n = order.uint(&file.header_bytes(img.ifd_offset..img.ifd_offset + h.count_size()).await?);
        let raw = file.header_bytes(img.ifd_offset..img.ifd_offset + ifd_len(&h, n)).await?;
        let mut tags = Map::new();
        let mut known = img.entries.iter();
        for i in 0..n {
            let pos = (h.count_size() + i * h.entry_size()) as usize;
            let typ = order.uint(&raw[pos + 2..pos + 4]) as u16;
            if type_size(typ).is_none() {
                continue; // skipped by tifftools as by our parser
            }
            let Some(e) = known.next() else { break };
            let datapos = img.ifd_offset + pos as u64 + if h.bigtiff { 12 } else { 8 };
            let mut t = Map::new();
            t.insert("datatype".into(), json!(e.typ));
            t.insert("count".into(), json!(e.count));
            t.insert("datapos".into(), json!(datapos));
            if let Some(off) = e.offset {
                t.insert("offset".into(), json!(off));
            }
            t.insert("data".into(), tag_data(e.typ, &entry_bytes(file, e).await?, order));
            tags.insert(e.tag.to_string(), Value::Object(t));
        }
        ifds.push(json!({
            "offset": img.ifd_offset,
            "tags": tags,
            "path_or_fobj": url,
            "size": null,
            "bigEndian": order == ByteOrder::Big,
            "bigtiff": h.bigtiff,
            "tagcount": n,
        }));
    }
    let magic: &[u8] = match (order, h.bigtiff) {
        (ByteOrder::Little, false) => b"II*\x00",
        (ByteOrder::Little, true) => b"II+\x00",
        (ByteOrder::Big, false) => b"MM\x00*",
        (ByteOrder::Big, true) => b"MM\x00+",
    };
    Ok(json!({
        "ifds": ifds,
        "path_or_fobj": url,
        "size": null,
        "header": format!("bytes:{}", python_bytes_repr(magic)),
        "bigEndian": order == ByteOrder::Big,
        "endianPack": if order == ByteOrder::Big { ">" } else { "<" },
        "bigtiff": h.bigtiff,
        "firstifd": h.first_ifd,
    }))
}

/// One IFD's tags, named, with their values (deferred tile arrays give their file offset instead).
fn ifd_tags(img: &ImageInfo, order: ByteOrder) -> Value {
    let mut tags = Map::new();
    for e in &img.entries {
        let mut t = Map::new();
        t.insert("name".into(), json!(tag_name(e.tag)));
        t.insert("datatype".into(), json!(e.typ));
        t.insert("type".into(), json!(type_name(e.typ)));
        t.insert("count".into(), json!(e.count));
        match &e.value {
            TagValue::Bytes(b) => {
                t.insert("data".into(), tag_data(e.typ, b, order));
            }
            TagValue::Deferred(at) => {
                t.insert("offset".into(), json!(at));
            }
        }
        tags.insert(e.tag.to_string(), Value::Object(t));
    }
    Value::Object(tags)
}

/// What an IFD is in the pyramid: `level N`, `mask of level N`, or `other`.
fn role<S>(cog: &Cog<S>, index: usize) -> String {
    if let Some(l) = cog.levels.iter().position(|&i| i == index) {
        return format!("level {l}");
    }
    if let Some(l) = cog.masks.iter().position(|m| *m == Some(index)) {
        return format!("mask of level {l}");
    }
    "other".into()
}

/// The file's structure as the reader knows it: `header`, `ifds` (layout and named tags of every IFD),
/// `geoKeys` (named), `gdalMetadata` items and `gdalStructuralMetadata` (the ghost area, if any).
pub async fn structure<S: RangeSource>(cog: &Cog<S>) -> Result<Value> {
    let file = &cog.file;
    let order = file.header.order;
    let ifds: Vec<Value> = file
        .images
        .iter()
        .enumerate()
        .map(|(i, img)| {
            json!({
                "index": i,
                "offset": img.ifd_offset,
                "role": role(cog, i),
                "width": img.width,
                "height": img.height,
                "tiled": img.tiled,
                "blockWidth": img.tile_width,
                "blockHeight": img.tile_height,
                "blocksAcross": img.tiles_across(),
                "blocksDown": img.tiles_down(),
                "samples": img.samples,
                "dtype": img.dtype.name(),
                "compression": img.compression,
                "compressionName": compression_name(img.compression),
                "predictor": img.predictor,
                "planarConfiguration": img.planar,
                "photometric": img.photometric,
                "subfileType": img.subfile_type,
                "tags": ifd_tags(img, order),
            })
        })
        .collect();
    let base = cog.base();
    let geokeys: Vec<Value> = read_geokeys(base, order)
        .into_iter()
        .map(|(id, v)| {
            let value = match v {
                GeoKeyValue::Short(s) => json!(s),
                GeoKeyValue::Doubles(d) => json!(d),
                GeoKeyValue::Ascii(a) => json!(a),
            };
            json!({ "id": id, "name": geokey_name(id), "value": value })
        })
        .collect();
    let ghost = ghost_area(file).await?.map(|g| {
        let items: Map<String, Value> = g
            .text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), json!(v.trim())))
            .collect();
        Value::Object(items)
    });
    Ok(json!({
        "header": {
            "byteOrder": if order == ByteOrder::Big { "big" } else { "little" },
            "bigtiff": file.header.bigtiff,
            "firstIfd": file.header.first_ifd,
        },
        "ifds": ifds,
        "geoKeys": geokeys,
        "gdalMetadata": base.gdal_metadata,
        "gdalStructuralMetadata": ghost,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn bytes_repr_matches_python() {
        // Expected strings are what CPython 3 prints for repr() of these bytes.
        assert_eq!(python_bytes_repr(b"II*\x00"), r"b'II*\x00'");
        assert_eq!(python_bytes_repr(b"it's"), r#"b"it's""#);
        assert_eq!(python_bytes_repr(b"'\""), r#"b'\'"'"#);
        assert_eq!(python_bytes_repr(b"\t\n\r\\\xff"), r"b'\t\n\r\\\xff'");
    }
    #[test]
    fn names() {
        assert_eq!(tag_name(256).as_deref(), Some("ImageWidth"));
        assert_eq!(tag_name(42112).as_deref(), Some("GDAL_METADATA"));
        assert_eq!(tag_name(42113).as_deref(), Some("GDAL_NODATA"));
        assert_eq!(tag_name(65000), None);
        assert_eq!(geokey_name(3072), Some("ProjectedCSTypeGeoKey"));
    }
}
