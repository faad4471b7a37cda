//! What the reader knows about a file's structure, as JSON: every IFD with its tags (named), the
//! per-IFD layout, GeoKeys (named), GDAL metadata and GDAL's ghost area ([`structure`]); and the raw
//! IFD dump in tifftools' shape ([`tiffdump`], django-large-image's `info/tiffdump`).

use super::validate::ghost_area;
use super::Cog;
use crate::error::Result;
use crate::source::RangeSource;
use crate::tiff::geo::{read_geokeys, GeoKeyValue};
use crate::tiff::ifd::{ifd_len, type_name, type_size, Entry, Value as TagValue};
use crate::tiff::tags::{compression_name, geokey_name, tag_name, Type};
use crate::tiff::{ByteOrder, ImageInfo, TiffFile};
use serde_json::{json, Map, Value};

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
    let size = type_size(typ).unwrap_or(1) as usize;
    match Type::from_u16(typ) {
        Some(Type::ASCII) => {
            let end = bytes.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
            match std::str::from_utf8(&bytes[..end]) {
                Ok(s) => json!(s),
                Err(_) => binary(bytes),
            }
        }
        Some(Type::BYTE | Type::SHORT | Type::LONG | Type::IFD | Type::LONG8 | Type::IFD8) => ints(size, false),
        Some(Type::RATIONAL) => ints(4, false),
        Some(Type::SBYTE | Type::SSHORT | Type::SLONG | Type::SLONG8) => ints(size, true),
        Some(Type::SRATIONAL) => ints(4, true),
        Some(Type::FLOAT) => {
            bytes.chunks_exact(4).map(|c| json!(f32::from_bits(order.uint(c) as u32) as f64)).collect()
        }
        Some(Type::DOUBLE) => bytes.chunks_exact(8).map(|c| json!(f64::from_bits(order.uint(c)))).collect(),
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
        // Inserted one by one (a later key wins, as in a collected map, which would be sorted first).
        let mut items = Map::new();
        for (k, v) in g.text.lines().filter_map(|l| l.split_once('=')) {
            items.insert(k.trim().to_string(), json!(v.trim()));
        }
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
}
