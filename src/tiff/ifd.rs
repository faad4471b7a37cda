//! TIFF and BigTIFF headers, IFD entries and their values, parsed from in-memory bytes.

use super::tags::{Tag, Type};
use crate::error::{Error, ErrorKind, Result};

/// Byte order of a TIFF file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// `II`
    Little,
    /// `MM`
    Big,
}

impl ByteOrder {
    /// Reads an unsigned integer of `b.len()` (1, 2, 4 or 8) bytes.
    pub fn uint(self, b: &[u8]) -> u64 {
        let mut v: u64 = 0;
        match self {
            ByteOrder::Big => b.iter().for_each(|&x| v = (v << 8) | x as u64),
            ByteOrder::Little => b.iter().rev().for_each(|&x| v = (v << 8) | x as u64),
        }
        v
    }
}

/// The 8- or 16-byte file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Byte order.
    pub order: ByteOrder,
    /// BigTIFF (version 43) rather than classic TIFF (42).
    pub bigtiff: bool,
    /// Offset of the first IFD.
    pub first_ifd: u64,
}

impl Header {
    /// Bytes of an IFD's entry count field.
    pub fn count_size(&self) -> u64 {
        if self.bigtiff {
            8
        } else {
            2
        }
    }
    /// Bytes of one IFD entry.
    pub fn entry_size(&self) -> u64 {
        if self.bigtiff {
            20
        } else {
            12
        }
    }
    /// Bytes of an offset (next-IFD pointer, out-of-line value offset).
    pub fn offset_size(&self) -> u64 {
        if self.bigtiff {
            8
        } else {
            4
        }
    }
}

/// Parses the file header from its first bytes (at least 16 for BigTIFF, 8 for TIFF).
pub fn parse_header(b: &[u8]) -> Result<Header> {
    let not_tiff = |reason: &str| Error::new(ErrorKind::NotTiff { reason: reason.into() });
    if b.len() < 8 {
        return Err(not_tiff(&format!("the file has {} bytes, a TIFF header needs 8", b.len())));
    }
    let order = match &b[0..2] {
        b"II" => ByteOrder::Little,
        b"MM" => ByteOrder::Big,
        other => return Err(not_tiff(&format!("it starts with {:02x} {:02x}, not II or MM", other[0], other[1]))),
    };
    match order.uint(&b[2..4]) {
        42 => Ok(Header { order, bigtiff: false, first_ifd: order.uint(&b[4..8]) }),
        43 => {
            if b.len() < 16 {
                return Err(Error::truncated("the BigTIFF header"));
            }
            if order.uint(&b[4..6]) != 8 || order.uint(&b[6..8]) != 0 {
                return Err(Error::format("BigTIFF header with an offset size other than 8"));
            }
            Ok(Header { order, bigtiff: true, first_ifd: order.uint(&b[8..16]) })
        }
        v => Err(not_tiff(&format!("version {v}, not 42 (TIFF) or 43 (BigTIFF)"))),
    }
}

/// Size in bytes of one value of a TIFF field type, or `None` for an unknown type.
pub fn type_size(typ: u16) -> Option<u64> {
    Some(match Type::from_u16(typ)? {
        Type::BYTE | Type::ASCII | Type::SBYTE | Type::UNDEFINED => 1,
        Type::SHORT | Type::SSHORT => 2,
        Type::LONG | Type::SLONG | Type::FLOAT | Type::IFD => 4,
        Type::RATIONAL | Type::SRATIONAL | Type::DOUBLE => 8,
        Type::LONG8 | Type::SLONG8 | Type::IFD8 => 8,
        _ => return None,
    })
}

/// Name of a TIFF field type (`SHORT`, `DOUBLE` …), `UNKNOWN` for an unknown type.
pub fn type_name(typ: u16) -> String {
    Type::from_u16(typ).map_or_else(|| "UNKNOWN".to_string(), |t| format!("{t:?}"))
}

/// Where an entry's value is.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The value's bytes, in the file's byte order.
    Bytes(Vec<u8>),
    /// Not read yet: the value lies at this file offset (tile offset and byte count arrays).
    Deferred(u64),
}

/// One IFD entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Tag number.
    pub tag: u16,
    /// Field type (1..=18).
    pub typ: u16,
    /// Number of values.
    pub count: u64,
    /// The value, read or deferred.
    pub value: Value,
    /// File offset of the value when stored out of line (for the tiffdump view).
    pub offset: Option<u64>,
}

impl Entry {
    /// The values as unsigned integers (BYTE, SHORT, LONG, LONG8, IFD types); `None` if deferred or not
    /// an integer type.
    pub fn uints(&self, order: ByteOrder) -> Option<Vec<u64>> {
        let Value::Bytes(b) = &self.value else {
            return None;
        };
        let size = match Type::from_u16(self.typ)? {
            Type::BYTE | Type::UNDEFINED => 1,
            Type::SHORT => 2,
            Type::LONG | Type::IFD => 4,
            Type::LONG8 | Type::IFD8 => 8,
            _ => return None,
        };
        Some(b.chunks_exact(size).map(|c| order.uint(c)).collect())
    }

    /// The first value as an unsigned integer.
    pub fn uint(&self, order: ByteOrder) -> Option<u64> {
        self.uints(order)?.first().copied()
    }

    /// The values as f64, for any numeric type.
    pub fn floats(&self, order: ByteOrder) -> Option<Vec<f64>> {
        let Value::Bytes(b) = &self.value else {
            return None;
        };
        let size = type_size(self.typ)? as usize;
        let typ = Type::from_u16(self.typ)?;
        let one = |c: &[u8]| -> f64 {
            match typ {
                Type::BYTE | Type::SHORT | Type::LONG | Type::UNDEFINED | Type::IFD | Type::LONG8 | Type::IFD8 => {
                    order.uint(c) as f64
                }
                Type::SBYTE => c[0] as i8 as f64,
                Type::SSHORT => order.uint(c) as u16 as i16 as f64,
                Type::SLONG => order.uint(c) as u32 as i32 as f64,
                Type::SLONG8 => order.uint(c) as i64 as f64,
                Type::FLOAT => f32::from_bits(order.uint(c) as u32) as f64,
                Type::DOUBLE => f64::from_bits(order.uint(c)),
                Type::RATIONAL => order.uint(&c[..4]) as f64 / order.uint(&c[4..]) as f64,
                Type::SRATIONAL => order.uint(&c[..4]) as u32 as i32 as f64 / order.uint(&c[4..]) as u32 as i32 as f64,
                _ => f64::NAN,
            }
        };
        Some(b.chunks_exact(size).map(one).collect())
    }

    /// The value as text (ASCII, trailing NULs removed).
    pub fn text(&self) -> Option<String> {
        let Value::Bytes(b) = &self.value else {
            return None;
        };
        let s = String::from_utf8_lossy(b);
        Some(s.trim_end_matches('\0').to_string())
    }

    /// The raw bytes, when read.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Bytes(b) => Some(b),
            Value::Deferred(_) => None,
        }
    }
}

/// Tags whose arrays are read lazily, entry by entry, instead of with the IFD.
pub fn is_lazy_tag(tag: u16) -> bool {
    matches!(
        Tag::from_u16(tag),
        Some(Tag::StripOffsets | Tag::StripByteCounts | Tag::TileOffsets | Tag::TileByteCounts)
    )
}

/// The raw entries of one IFD before out-of-line values are read: `(tag, type, count, inline bytes or
/// offset)`, and the next-IFD offset.
#[derive(Debug, Clone)]
pub struct RawIfd {
    /// Entries; an out-of-line value is `Value::Deferred(offset)` until read.
    pub entries: Vec<Entry>,
    /// Offset of the next IFD (0 = none).
    pub next: u64,
}

/// Parses an IFD's entry table from `b`, which starts at the IFD and holds all of it
/// (`count_size + n * entry_size + offset_size` bytes; see [`ifd_len`]).
pub fn parse_ifd(h: &Header, b: &[u8]) -> Result<RawIfd> {
    let o = h.order;
    let cs = h.count_size() as usize;
    let es = h.entry_size() as usize;
    let os = h.offset_size() as usize;
    let n = o.uint(b.get(..cs).ok_or_else(|| Error::truncated("an IFD entry count"))?);
    let need = usize::try_from(ifd_len(h, n)).map_err(|_| Error::format(format!("an IFD of {n} entries")))?;
    let n = n as usize;
    if b.len() < need {
        return Err(Error::truncated(format!("an IFD of {n} entries")));
    }
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let e = &b[cs + i * es..cs + (i + 1) * es];
        let tag = o.uint(&e[0..2]) as u16;
        let typ = o.uint(&e[2..4]) as u16;
        let (count, val) = if h.bigtiff { (o.uint(&e[4..12]), &e[12..20]) } else { (o.uint(&e[4..8]), &e[8..12]) };
        let Some(size) = type_size(typ) else {
            continue; // unknown field types are skipped, as libtiff does
        };
        let total =
            size.checked_mul(count).ok_or_else(|| Error::format(format!("tag {tag}: count {count} overflows")))?;
        let (value, offset) = if total <= os as u64 {
            (Value::Bytes(val[..total as usize].to_vec()), None)
        } else {
            let off = o.uint(val);
            (Value::Deferred(off), Some(off))
        };
        entries.push(Entry { tag, typ, count, value, offset });
    }
    let next = o.uint(&b[cs + n * es..need]);
    Ok(RawIfd { entries, next })
}

/// Total bytes of an IFD with `n` entries.
pub fn ifd_len(h: &Header, n: u64) -> u64 {
    h.count_size().saturating_add(n.saturating_mul(h.entry_size())).saturating_add(h.offset_size())
}
