//! Lossy WebP against libwebp: GDAL's WEBP driver (libwebp) encodes varied pictures with varied encoder
//! settings (quality, simple and normal loop filters, filter strength and sharpness, segments, token
//! partitions, method, alpha), reads each file back with libwebp, and our decoder must give the same
//! bytes. COG tiles always use libwebp's defaults (normal filter, 4 segments); the sweep reaches the
//! decoder paths those defaults never take (the simple filter, sharpness, one segment, 8 partitions).
//! Needs GDAL's `gdal_translate` on the PATH (Debian's gdal-bin; `npm test` installs it).

use large_image_codecs::Request;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch folder of this test, emptied first.
fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("webp_vs_libwebp");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `gdal_translate ARGS`, panicking with its stderr if it fails.
fn gdal_translate(args: &[&str]) {
    let out = Command::new("gdal_translate")
        .arg("-q")
        .args(args)
        .output()
        .expect("gdal_translate (Debian's gdal-bin) must be on the PATH: it is this test's libwebp");
    assert!(out.status.success(), "gdal_translate {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Writes `w`×`h` pixel-interleaved 8-bit samples of `bands` bands as an ENVI raster GDAL reads.
fn write_envi(path: &Path, w: usize, h: usize, bands: usize, data: &[u8]) {
    std::fs::write(path, data).unwrap();
    let hdr = format!(
        "ENVI\nsamples = {w}\nlines = {h}\nbands = {bands}\nheader offset = 0\ndata type = 1\ninterleave = bip\nbyte order = 0\n"
    );
    std::fs::write(path.with_extension("hdr"), hdr).unwrap();
}

/// A small deterministic generator (xorshift64*), so every run sees the same pictures.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn byte(&mut self) -> u8 {
        (self.next() >> 56) as u8
    }
}

/// The picture of kind `kind` (0 smooth waves with a little noise, 1 noise, 2 hard-edged blocks and
/// lines, 3 flat areas with one gradient), `bands` 3 or 4 (alpha: a disc opaque, a ramp, a hole).
fn picture(kind: usize, w: usize, h: usize, bands: usize, rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * bands);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f64, y as f64);
            for b in 0..3 {
                let v = match kind {
                    0 => {
                        let s = (fx / (9.0 + 4.0 * b as f64)).sin() * (fy / (13.0 + 3.0 * b as f64)).cos();
                        128.0 + 90.0 * s + f64::from(rng.byte() % 9) - 4.0
                    }
                    1 => f64::from(rng.byte()),
                    2 => {
                        let block = ((x / 11 + y / 7 + b) % 3) as f64 * 110.0;
                        if (x + 2 * y) % 29 < 2 {
                            255.0 - block
                        } else {
                            block
                        }
                    }
                    _ => {
                        if x < w / 2 {
                            40.0 + 60.0 * b as f64
                        } else {
                            255.0 * fy / h.max(2) as f64
                        }
                    }
                };
                out.push(v.clamp(0.0, 255.0) as u8);
            }
            if bands == 4 {
                let (dx, dy) = (fx - w as f64 / 2.0, fy - h as f64 / 2.0);
                let r = (dx * dx + dy * dy).sqrt() / (w.min(h) as f64 / 2.0).max(1.0);
                let a = if r < 0.15 {
                    0.0
                } else if r < 0.8 {
                    255.0
                } else {
                    255.0 * (1.2 - r).max(0.0) / 0.4
                };
                out.push(a.clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

#[test]
fn lossy_webp_decodes_as_libwebp_does() {
    let dir = scratch();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // (width, height, picture kind, bands, creation options)
    let sizes = [(517, 389), (256, 256), (33, 17), (1, 1), (130, 66)];
    let settings: &[&[&str]] = &[
        &[],
        &["QUALITY=5"],
        &["QUALITY=30", "FILTER_TYPE=0"],
        &["QUALITY=30", "FILTER_TYPE=1"],
        &["QUALITY=60", "FILTER_TYPE=0", "FILTER_STRENGTH=100", "FILTER_SHARPNESS=0"],
        &["QUALITY=60", "FILTER_TYPE=0", "FILTER_STRENGTH=80", "FILTER_SHARPNESS=7"],
        &["QUALITY=60", "FILTER_TYPE=1", "FILTER_STRENGTH=100", "FILTER_SHARPNESS=3"],
        &["QUALITY=60", "FILTER_TYPE=1", "FILTER_STRENGTH=60", "FILTER_SHARPNESS=7"],
        &["QUALITY=75", "FILTER_TYPE=1", "FILTER_STRENGTH=0"],
        &["QUALITY=75", "SEGMENTS=1", "FILTER_TYPE=1", "FILTER_STRENGTH=50"],
        &["QUALITY=75", "PARTITIONS=3", "METHOD=6", "FILTER_TYPE=1", "AUTOFILTER=1"],
        &["QUALITY=90", "METHOD=0", "SNS_STRENGTH=100", "FILTER_TYPE=0", "FILTER_STRENGTH=40"],
        &["QUALITY=98", "PRESET=PHOTO"],
        &["QUALITY=50", "PRESET=TEXT", "PREPROCESSING=1"],
    ];
    let (mut cases, mut samples, mut simple, mut alpha) = (0usize, 0usize, 0usize, 0usize);
    for (i, co) in settings.iter().enumerate() {
        for kind in 0..4 {
            let (w, h) = sizes[(i + kind) % sizes.len()];
            let bands = if (i + kind) % 3 == 0 { 4 } else { 3 };
            let name = format!("case{i}_{kind}");
            let src = dir.join(format!("{name}.raw"));
            write_envi(&src, w, h, bands, &picture(kind, w, h, bands, &mut rng));
            let webp = dir.join(format!("{name}.webp"));
            let mut args = vec!["-of", "WEBP"];
            for c in co.iter() {
                args.extend(["-co", c]);
            }
            let (src_s, webp_s) = (src.to_str().unwrap(), webp.to_str().unwrap());
            args.extend([src_s, webp_s]);
            gdal_translate(&args);
            let back = dir.join(format!("{name}.back.raw"));
            gdal_translate(&["-of", "ENVI", "-co", "INTERLEAVE=BIP", webp_s, back.to_str().unwrap()]);
            let want = std::fs::read(&back).unwrap();
            // libwebp leaves out an alpha plane with nothing to tell (one pixel of one value, say).
            let bands = want.len() / (w * h);
            assert!(want.len() == w * h * bands && (3..=4).contains(&bands), "{name}: libwebp's read of {w}×{h}");

            let data = std::fs::read(&webp).unwrap();
            let has = |tag: &[u8]| data.windows(4).any(|c| c == tag);
            assert!(has(b"VP8 ") && !has(b"VP8L"), "{name}: a lossy (VP8) WebP file");
            let ours = Request::Webp { data: &data, samples: bands, max_bytes: 1 << 26 }
                .run()
                .unwrap_or_else(|e| panic!("{name} ({co:?}): {e:?}"));
            assert_eq!((ours.width, ours.height), (w, h), "{name}: frame size");
            let differ = ours.bytes.iter().zip(&want).filter(|(a, b)| a != b).count();
            let first = ours.bytes.iter().zip(&want).position(|(a, b)| a != b);
            assert_eq!(
                differ, 0,
                "{name} {w}×{h}×{bands} {co:?}: {differ} samples differ from libwebp's, the first at sample {first:?}"
            );
            cases += 1;
            samples += want.len();
            simple += usize::from(co.contains(&"FILTER_TYPE=0"));
            alpha += usize::from(bands == 4);
        }
    }
    eprintln!("{cases} WebP files ({simple} with the simple filter, {alpha} with alpha), {samples} samples: all equal libwebp's");
    assert_eq!(cases, settings.len() * 4);
}
