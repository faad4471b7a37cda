//! Marker segments: DQT, DHT, DRI, SOF, SOS bodies (the length field already removed), and the walk
//! from one marker to the next.

use super::huffman::{HuffTable, NATURAL_ORDER};
use crate::error::{Error, Result};

/// Tables that persist across the `JPEGTables` stream and the tile stream.
#[derive(Default)]
pub struct Tables {
    /// Quantization tables in natural order, as libjpeg's `ISLOW_MULT_TYPE` (values cast to i16).
    pub quant: [Option<Box<[i32; 64]>>; 4],
    /// DC Huffman tables.
    pub dc: [Option<Box<HuffTable>>; 4],
    /// AC Huffman tables.
    pub ac: [Option<Box<HuffTable>>; 4],
    /// MCUs per restart interval (0: none).
    pub restart_interval: usize,
}

/// One component of the frame header.
#[derive(Debug, Clone, Copy)]
pub struct FrameComponent {
    /// Component identifier (named by scans).
    pub id: u8,
    /// Horizontal sampling factor.
    pub h: usize,
    /// Vertical sampling factor.
    pub v: usize,
    /// Quantization table slot.
    pub tq: usize,
}

/// The frame header (SOF0 / SOF1).
#[derive(Debug, Clone)]
pub struct Frame {
    /// Samples per line.
    pub width: usize,
    /// Lines.
    pub height: usize,
    /// Components in frame order.
    pub comps: Vec<FrameComponent>,
}

/// One component of a scan header: index into the frame's components and its DC/AC table slots.
#[derive(Debug, Clone, Copy)]
pub struct ScanComponent {
    /// Index in [`Frame::comps`].
    pub index: usize,
    /// DC table slot.
    pub td: usize,
    /// AC table slot.
    pub ta: usize,
}

fn bad(reason: impl std::fmt::Display) -> Error {
    Error::decode("JPEG", reason)
}

/// Reads the segment after the marker at `data[pos]` (pointing at its length field): returns the body
/// and the position after it.
pub fn segment(data: &[u8], pos: usize) -> Result<(&[u8], usize)> {
    let len = data.get(pos..pos + 2).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize);
    match len {
        Some(len) if len >= 2 && pos + len <= data.len() => Ok((&data[pos + 2..pos + len], pos + len)),
        _ => Err(bad(format!("marker segment at byte {pos} runs past the end of the data"))),
    }
}

/// The next marker at or after `pos` (skipping any garbage and fill bytes): its code and the position
/// after it, or None at the end of the data.
pub fn next_marker(data: &[u8], mut pos: usize) -> Option<(u8, usize)> {
    loop {
        while *data.get(pos)? != 0xFF {
            pos += 1;
        }
        while *data.get(pos)? == 0xFF {
            pos += 1;
        }
        let m = data[pos];
        if m != 0 {
            return Some((m, pos + 1));
        }
        pos += 1;
    }
}

impl Tables {
    /// DQT: one or more tables (8- or 16-bit values, zig-zag order).
    pub fn read_dqt(&mut self, mut b: &[u8]) -> Result<()> {
        while let Some((&pq_tq, rest)) = b.split_first() {
            let (wide, slot) = (pq_tq >> 4 != 0, (pq_tq & 15) as usize);
            let n = if wide { 128 } else { 64 };
            if slot > 3 || rest.len() < n {
                return Err(bad("bad quantization table segment"));
            }
            let mut q = Box::new([0i32; 64]);
            for k in 0..64 {
                let v = if wide { u16::from_be_bytes([rest[2 * k], rest[2 * k + 1]]) } else { rest[k] as u16 };
                q[NATURAL_ORDER[k]] = v as i16 as i32;
            }
            self.quant[slot] = Some(q);
            b = &rest[n..];
        }
        Ok(())
    }

    /// DHT: one or more Huffman tables.
    pub fn read_dht(&mut self, mut b: &[u8]) -> Result<()> {
        while b.len() >= 17 {
            let (class, slot) = (b[0] >> 4, (b[0] & 15) as usize);
            let counts: [u8; 16] = b[1..17].try_into().map_err(|_| bad("short Huffman table"))?;
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            let symbols = b.get(17..17 + total).ok_or_else(|| bad("Huffman table runs past its segment"))?;
            if slot > 3 || class > 1 {
                return Err(bad(format!("Huffman table class {class} slot {slot}")));
            }
            let t = Some(Box::new(HuffTable::new(&counts, symbols, class == 0)?));
            if class == 0 {
                self.dc[slot] = t;
            } else {
                self.ac[slot] = t;
            }
            b = &b[17 + total..];
        }
        if !b.is_empty() {
            return Err(bad("trailing bytes in a Huffman table segment"));
        }
        Ok(())
    }

    /// DRI: the restart interval.
    pub fn read_dri(&mut self, b: &[u8]) -> Result<()> {
        let v = b.get(..2).ok_or_else(|| bad("short DRI segment"))?;
        self.restart_interval = u16::from_be_bytes([v[0], v[1]]) as usize;
        Ok(())
    }
}

/// SOF0/SOF1 body: an 8-bit baseline or extended-sequential Huffman frame.
pub fn read_sof(b: &[u8]) -> Result<Frame> {
    if b.len() < 6 {
        return Err(bad("short frame header"));
    }
    if b[0] != 8 {
        return Err(Error::unsupported(format!("{}-bit JPEG (only 8-bit samples are decoded)", b[0])));
    }
    let height = u16::from_be_bytes([b[1], b[2]]) as usize;
    let width = u16::from_be_bytes([b[3], b[4]]) as usize;
    let n = b[5] as usize;
    if height == 0 {
        return Err(Error::unsupported("JPEG whose height is given by a DNL marker"));
    }
    if width == 0 || !(1..=4).contains(&n) || b.len() < 6 + 3 * n {
        return Err(bad(format!("frame header: {width}×{height}, {n} components")));
    }
    let mut comps = Vec::with_capacity(n);
    for c in b[6..6 + 3 * n].chunks_exact(3) {
        let (h, v, tq) = ((c[1] >> 4) as usize, (c[1] & 15) as usize, c[2] as usize);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || tq > 3 {
            return Err(bad(format!("component {}: sampling {h}×{v}, table {tq}", c[0])));
        }
        comps.push(FrameComponent { id: c[0], h, v, tq });
    }
    Ok(Frame { width, height, comps })
}

/// SOS body: the scan's components (by frame index) and table slots; only sequential scans
/// (Ss = 0, Se = 63, Ah = Al = 0) are accepted.
pub fn read_sos(b: &[u8], frame: &Frame) -> Result<Vec<ScanComponent>> {
    let n = *b.first().ok_or_else(|| bad("empty scan header"))? as usize;
    if n == 0 || n > 4 || b.len() < 1 + 2 * n + 3 {
        return Err(bad(format!("scan header with {n} components")));
    }
    let mut comps = Vec::with_capacity(n);
    for c in b[1..1 + 2 * n].chunks_exact(2) {
        let index =
            frame.comps.iter().position(|f| f.id == c[0]).ok_or_else(|| bad("scan names an unknown component"))?;
        comps.push(ScanComponent { index, td: (c[1] >> 4) as usize, ta: (c[1] & 15) as usize });
    }
    let p = &b[1 + 2 * n..];
    if p[0] != 0 || p[1] != 63 || p[2] != 0 {
        return Err(bad(format!("scan with spectral selection {}..{} / approximation {}", p[0], p[1], p[2])));
    }
    Ok(comps)
}
