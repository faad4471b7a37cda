//! The reader against GDAL: every fixture, every level, windows compared sample by sample.

mod common;
use common::{fixture, fixtures, open_cog as open, oracle};

#[test]
fn every_fixture_every_level_matches_gdal() {
    for f in fixtures() {
        let cog = open(&f.path);
        let expected = oracle(&["windows", &f.path]);
        let expected = expected.as_array().unwrap();
        assert_eq!(cog.levels.len(), expected.len(), "{}: pyramid levels, ours vs GDAL", f.name);
        for g in expected {
            let at = |k: &str| g[k].as_u64().unwrap() as usize;
            let (level, x, y, w, h) = (at("level"), at("x"), at("y"), at("w"), at("h"));
            let ours = pollster::block_on(cog.read_window(level, x as i64, y as i64, w, h)).unwrap();
            assert_eq!(ours.bands, at("bands"), "{}: bands", f.name);
            let data = g["data"].as_array().unwrap();
            let mut max_diff: f64 = 0.0;
            let mut over_one = 0usize;
            let mut sum_diff = 0.0;
            let mask = g.get("mask").and_then(|m| m.as_array());
            for (p, px) in data.iter().enumerate() {
                let want = mask.map_or(255, |m| m[p].as_u64().unwrap() as u8);
                assert_eq!(ours.valid[p], want, "{} level {level}: pixel {p} validity (GDAL's mask band)", f.name);
                for (b, v) in px.as_array().unwrap().iter().enumerate() {
                    let ov = ours.dtype.get(&ours.data, p * ours.bands + b);
                    match v.as_f64() {
                        Some(gv) => {
                            max_diff = max_diff.max((ov - gv).abs());
                            over_one += usize::from((ov - gv).abs() > 1.0);
                            sum_diff += (ov - gv).abs();
                        }
                        None => assert!(ov.is_nan(), "{}: GDAL NaN, ours {ov}", f.name),
                    }
                }
            }
            let n = data.len() * ours.bands;
            if let Some(m) = mask {
                let masked = m.iter().filter(|v| v.as_u64() == Some(0)).count();
                eprintln!("{:28} level {level}: GDAL mask band hides {masked} pixels, ours agrees", f.name);
                assert!(masked > 0 && masked < data.len(), "{}: the mask fixture should mask some pixels", f.name);
            }
            let mean = sum_diff / n as f64;
            eprintln!("{:28} level {level}: {n} samples, max |ours - GDAL| = {max_diff}, mean {mean:.3}, {over_one} differ by more than 1", f.name);
            // Lossless codecs must be equal; so must JPEG (our decoder reproduces libjpeg-turbo as libtiff
            // drives it: islow IDCT, fancy upsampling, jdcolor.c tables) and lossy WebP (libwebp's).
            assert_eq!(max_diff, 0.0, "{} level {level}: samples must equal GDAL's", f.name);
        }
    }
}

/// Every pixel of every level of every lossy fixture (JPEG, WebP), ours against GDAL's whole-level
/// read: equal.
#[test]
fn lossy_fixtures_whole_levels_equal_gdal() {
    let dir = common::scratch("jpeg_whole_levels");
    let (mut samples, mut differ, mut max_diff, mut fixtures_seen) = (0usize, 0usize, 0u8, 0);
    for f in fixtures().iter().filter(|f| !f.lossless) {
        fixtures_seen += 1;
        let cog = open(&f.path);
        for level in 0..cog.levels.len() {
            let out = dir.join(format!("{}_{level}.raw", f.name));
            let info = oracle(&["raw", &f.path, &level.to_string(), out.to_str().unwrap()]);
            let want = std::fs::read(&out).unwrap();
            let (w, h) = (info["width"].as_u64().unwrap() as usize, info["height"].as_u64().unwrap() as usize);
            assert_eq!(info["dtype"], "uint8", "{}", f.name);
            let ours = pollster::block_on(cog.read_window(level, 0, 0, w, h)).unwrap();
            assert_eq!((ours.bands, ours.data.len()), (f.bands, want.len()), "{} level {level}: sizes", f.name);
            let d = ours.data.iter().zip(&want).map(|(a, b)| a.abs_diff(*b));
            let (n, m) = d.fold((0, 0u8), |(n, m), x| (n + usize::from(x > 0), m.max(x)));
            eprintln!("{:28} level {level}: {w}×{h}×{}: {n} samples differ, max {m}", f.name, f.bands);
            samples += want.len();
            differ += n;
            max_diff = max_diff.max(m);
        }
    }
    eprintln!("lossy fixtures: {samples} samples, {differ} differ from GDAL, max |ours - GDAL| = {max_diff}");
    assert!(fixtures_seen >= 6, "the lossy fixtures (JPEG YCbCr, mask, RGB, gray, strips; WebP) should all be there");
    assert_eq!((differ, max_diff), (0, 0), "JPEG and WebP samples must equal GDAL's (libjpeg-turbo, libwebp)");
}

#[test]
fn window_outside_the_image_is_invalid_not_an_error() {
    let f = fixture("u8_rgb_deflate");
    let cog = open(&f.path);
    let r = pollster::block_on(cog.read_window(0, -10, -10, 20, 20)).unwrap();
    assert_eq!(r.valid.iter().filter(|&&v| v == 255).count(), 100);
    let far = pollster::block_on(cog.read_window(0, 100_000, 0, 8, 8)).unwrap();
    assert!(far.valid.iter().all(|&v| v == 0));
}
