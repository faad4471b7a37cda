//! Restart intervals (DRI / RSTn), which GDAL's TIFF writer never emits: a grayscale JPEG is written here
//! (DC-only blocks, Annex K luminance DC table) with and without restart markers; GDAL's JPEG driver
//! (libjpeg-turbo) reads the file with markers, and our decoder must give its samples for both streams.

mod common;
use common::{oracle, scratch};
use large_image_wasm::decode::codecs;

/// MSB-first bit writer with JPEG byte stuffing.
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | ((code >> i) & 1);
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                if self.acc == 0xFF {
                    self.out.push(0);
                }
                (self.acc, self.n) = (0, 0);
            }
        }
    }

    /// Pads the last byte with one bits.
    fn flush(&mut self) {
        while self.n != 0 {
            self.put(1, 1);
        }
    }
}

/// Annex K.3 luminance DC table: counts per length, then code (value, length) of each size 0..=11.
const DC_COUNTS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CODES: [(u32, u32); 12] =
    [(0, 2), (2, 3), (3, 3), (4, 3), (5, 3), (6, 3), (14, 4), (30, 5), (62, 6), (126, 7), (254, 8), (510, 9)];

/// A `w`×`h` (multiples of 8) gray JPEG whose block i has DC `dc[i]` (quantizer 8, no AC), with a
/// restart marker after every `restart` blocks (0: none).
fn gray_jpeg(w: usize, h: usize, dc: &[i32], restart: usize) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    j.extend_from_slice(&[8; 64]);
    j.extend_from_slice(&[0xFF, 0xC4, 0, 3 + 16 + 12, 0x00]);
    j.extend_from_slice(&DC_COUNTS);
    j.extend(0..12u8);
    // AC table: one code, "0" = EOB.
    j.extend_from_slice(&[0xFF, 0xC4, 0, 3 + 16 + 1, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, (h >> 8) as u8, h as u8, (w >> 8) as u8, w as u8, 1, 1, 0x11, 0]);
    if restart > 0 {
        j.extend_from_slice(&[0xFF, 0xDD, 0, 4, (restart >> 8) as u8, restart as u8]);
    }
    j.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]);
    let mut b = Bits { out: Vec::new(), acc: 0, n: 0 };
    let mut pred = 0;
    for (i, &v) in dc.iter().enumerate() {
        if restart > 0 && i > 0 && i % restart == 0 {
            b.flush();
            b.out.extend_from_slice(&[0xFF, 0xD0 + ((i / restart - 1) % 8) as u8]);
            pred = 0;
        }
        let diff = v - pred;
        pred = v;
        let size = 32 - diff.unsigned_abs().leading_zeros();
        let (code, len) = DC_CODES[size as usize];
        b.put(code, len);
        if size > 0 {
            let bits = if diff < 0 { diff - 1 } else { diff } as u32 & ((1 << size) - 1);
            b.put(bits, size);
        }
        b.put(0, 1); // EOB
    }
    b.flush();
    j.extend_from_slice(&b.out);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

#[test]
fn restart_intervals_decode_as_gdal_reads_them() {
    let (w, h) = (96, 40);
    let blocks = (w / 8) * (h / 8);
    // DC values over several sizes, some past the clamp (|dc| × 8 / 8 > 128), so the stream stuffs 0xFF
    // bytes and uses long codes.
    let dc: Vec<i32> = (0..blocks as i32).map(|i| (i * 53 % 301) - 150).collect();
    let plain = gray_jpeg(w, h, &dc, 0);
    let dir = scratch("jpeg_restart");
    for restart in [1, 3, 7] {
        let with = gray_jpeg(w, h, &dc, restart);
        assert!(
            with.windows(2).filter(|p| p[0] == 0xFF && (0xD0..=0xD7).contains(&p[1])).count() >= blocks / restart - 1
        );
        let path = dir.join(format!("restart{restart}.jpg"));
        std::fs::write(&path, &with).unwrap();
        let out = dir.join(format!("restart{restart}.raw"));
        let info = oracle(&["raw", path.to_str().unwrap(), "0", out.to_str().unwrap()]);
        assert_eq!((info["width"].as_u64(), info["height"].as_u64()), (Some(w as u64), Some(h as u64)));
        let gdal = std::fs::read(&out).unwrap();
        let (ours, ow, oh) = codecs::jpeg(&with, None, 1, 1, 1 << 16, 1 << 24).unwrap();
        assert_eq!((ow, oh), (w, h));
        assert_eq!(ours, gdal, "restart interval {restart}: ours vs GDAL");
        let (no_restarts, ..) = codecs::jpeg(&plain, None, 1, 1, 1 << 16, 1 << 24).unwrap();
        assert_eq!(no_restarts, gdal, "the same blocks without restart markers");
        let distinct = gdal.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert!(gdal.contains(&0) && gdal.contains(&255) && distinct > 50, "{distinct} distinct values");
    }
}
