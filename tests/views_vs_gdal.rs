//! Regions, thumbnails and histograms against GDAL: our GeoTIFFs reopened by GDAL and compared with
//! `gdal_translate -srcwin` / `-projwin` of the same window; scaled views against GDAL's nearest-neighbour
//! read of the same overview; band histograms against numpy.histogram of GDAL's read of the same level;
//! rendered histograms against numpy and against django-large-image 0.10.5's recorded answers.

mod common;
use common::{dli_sample as sample, fixture, json, open, oracle, recorded, scratch};
use large_image_wasm::api::{HistogramKind, HistogramOptions, RegionOptions, Resolution};
use large_image_wasm::encode::Format;
use large_image_wasm::ErrorKind;
use serde_json::Value;

/// Writes `bytes` to the test's scratch folder and returns GDAL's dump of it.
fn gdal_dump(test: &str, name: &str, bytes: &[u8]) -> Value {
    let p = scratch(test).join(name);
    std::fs::write(&p, bytes).unwrap();
    oracle(&["dump", p.to_str().unwrap()])
}

fn f(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// Geotransforms equal to 1e-9 (relative to the coordinate's size).
fn assert_gt(ours: &Value, gdal: &Value, what: &str) {
    let (a, b) = (f(ours), f(gdal));
    assert_eq!(a.len(), 6, "{what}: our GeoTIFF has no geotransform for GDAL");
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{what}: geotransform {a:?} vs GDAL {b:?}");
    }
}

/// Same size, bands, type, CRS, nodata, mask and samples (exactly, or within `tol` for lossy codecs).
fn assert_same_raster(ours: &Value, gdal: &Value, tol: f64, what: &str) {
    for k in ["width", "height", "bands", "dtype", "epsg", "nodata"] {
        assert_eq!(ours[k], gdal[k], "{what}: {k}");
    }
    assert!(gdal["epsg"].as_u64().is_some(), "{what}: GDAL sees no EPSG code");
    assert_gt(&ours["geotransform"], &gdal["geotransform"], what);
    match (ours.get("mask"), gdal.get("mask")) {
        (Some(a), Some(b)) => {
            let (a, b) = (f(a), f(b));
            let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
            let masked = b.iter().filter(|&&v| v == 0.0).count();
            assert!(a.len() == b.len() && differ == 0, "{what}: {differ} mask pixels differ ({masked} masked by GDAL)");
            assert!(masked > 0, "{what}: the window should hold masked pixels");
        }
        (a, b) => assert_eq!(a.is_some(), b.is_some(), "{what}: a mask band in one only"),
    }
    let (a, b) = (ours["data"].as_array().unwrap(), gdal["data"].as_array().unwrap());
    assert_eq!(a.len(), b.len());
    let mut max_diff: f64 = 0.0;
    for (pa, pb) in a.iter().zip(b) {
        for (x, y) in pa.as_array().unwrap().iter().zip(pb.as_array().unwrap()) {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => max_diff = max_diff.max((x - y).abs()),
                (x, y) => assert_eq!(x, y, "{what}: NaN in one only"),
            }
        }
    }
    eprintln!("{what}: {} px × {} bands, max |ours − GDAL| = {max_diff}", a.len(), ours["bands"]);
    assert!(max_diff <= tol, "{what}: max difference {max_diff} (allowed {tol})");
}

#[test]
fn region_geotiff_equals_gdal_translate_srcwin() {
    let cases = [
        ("u16_deflate_pred2", 0.0),
        ("f32_deflate_pred3", 0.0),
        ("f64_zstd_pred3", 0.0),
        ("i16_lzw_pred2", 0.0),
        ("i32_lzw", 0.0),
        ("u8_rgb_deflate", 0.0),
        ("u8_rgb_zstd_3857", 0.0),
        ("u16_utm33_deflate", 0.0),
        ("u8_rgb_jpeg_mask", 0.0), // our JPEG decoder equals libjpeg-turbo
    ];
    for (name, tol) in cases {
        let fx = fixture(name);
        let img = open(&fx.path);
        let b = img.cog.base();
        let (x, y, w, h) = (b.width / 5, b.height / 7, b.width / 2, b.height / 3);
        let mut o = RegionOptions::new(x as f64, y as f64, (x + w) as f64, (y + h) as f64);
        o.units = Some("pixels".into());
        let tif = pollster::block_on(img.region(&o)).unwrap();
        let ours = gdal_dump("region_srcwin", &format!("{name}.tif"), &tif);
        let gdal =
            oracle(&["translate", &fx.path, "-srcwin", &x.to_string(), &y.to_string(), &w.to_string(), &h.to_string()]);
        assert_same_raster(&ours, &gdal, tol, &format!("{name} -srcwin {x} {y} {w} {h}"));
    }
}

#[test]
fn region_in_lonlat_and_other_epsg_units_equals_gdal_projwin() {
    let s = sample();
    // (file, units EPSG code, left, top, right, bottom)
    let cases = [
        (s.clone(), 4326, 13.7, 50.5, 13.8, 50.4),
        (s.clone(), 4326, 13.62, 50.52, 13.75, 50.45),
        (fixture("u16_utm33_deflate").path, 4326, 13.63, 50.49, 13.81, 50.42),
        (fixture("u8_rgb_deflate").path, 3857, -1_500_000.0, 8_000_000.0, 500_000.0, 6_000_000.0),
        (fixture("u8_rgb_zstd_3857").path, 4326, 9.1, 47.3, 9.6, 47.0),
    ];
    for (path, code, l, t, r, b) in cases {
        let img = open(&path);
        let mut o = RegionOptions::new(l, t, r, b);
        o.units = Some(format!("EPSG:{code}"));
        let tif = pollster::block_on(img.region(&o)).unwrap();
        let ours = gdal_dump("region_projwin", "r.tif", &tif);
        let args = [&path, &code.to_string(), &l.to_string(), &t.to_string(), &r.to_string(), &b.to_string()];
        let gdal = oracle(&["projwin", args[0], args[1], args[2], args[3], args[4], args[5]]);
        let plan = img.region_plan(&o).unwrap();
        eprintln!("EPSG:{code} box {l},{t},{r},{b} on {path}: our window {plan:?}, GDAL projwin {}", gdal["projwin"]);
        assert_same_raster(&ours, &gdal, 0.0, &format!("EPSG:{code} box on {path}"));
    }
    // Units default to EPSG:4326 for a georeferenced image.
    let img = open(&s);
    let plan = img.region_plan(&RegionOptions::new(13.7, 50.5, 13.8, 50.4)).unwrap();
    let mut o = RegionOptions::new(13.7, 50.5, 13.8, 50.4);
    o.units = Some("EPSG:4326".into());
    assert_eq!(plan, img.region_plan(&o).unwrap());
}

/// Longitudes on either side of the antimeridian name the same place (−179.5 and 180.5): in a geographic
/// file stored from 175° to 185.24° east, in a 0–360° world and in a UTM zone 60 file across 180°,
/// pixel lookups equal `gdallocationinfo` and regions equal `gdal_translate -projwin` of the same box.
#[test]
fn pixels_and_regions_on_either_side_of_the_antimeridian_find_the_same_pixels() {
    let gdal_values = |path: &str, [flag, x, y]: [&str; 3]| -> Vec<f64> {
        let out = std::process::Command::new("gdallocationinfo").args(["-valonly", flag, path, x, y]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.lines().map(|l| l.trim().parse().unwrap_or_else(|_| panic!("gdallocationinfo: {text:?}"))).collect()
    };
    // (fixture, longitude as one side names it, as the other side names it, latitude, gdallocationinfo's
    // way of naming the point)
    let cases = [
        ("u8_rgb_4326_cross180", -179.5, 180.5, -12.0, ["-geoloc", "180.5", "-12"]),
        ("u8_gray_4326_world360", -90.25, 269.75, 10.1, ["-geoloc", "269.75", "10.1"]),
        ("u8_rgb_utm60_antimeridian", -179.5, 180.5, 51.5, ["-wgs84", "-179.5", "51.5"]),
    ];
    for (name, west, east, lat, how) in cases {
        let f = fixture(name);
        let img = open(&f.path);
        let want = gdal_values(&f.path, how);
        assert_eq!(want.len(), f.bands, "{name}: gdallocationinfo {how:?} finds the point");
        for lon in [west, east] {
            let ours = json(pollster::block_on(img.pixel(lon, lat, Some("EPSG:4326"))).unwrap());
            let got: Vec<f64> =
                (1..=f.bands).map(|b| ours["bands"][b.to_string()].as_f64().unwrap_or(f64::NAN)).collect();
            assert_eq!(got, want, "{name}: pixel at lon {lon}, lat {lat}: {ours}");
        }
    }
    // Boxes given with the eastern edge past 180° or across it (west > east) read GDAL's window.
    let boxes = [
        ("u8_rgb_4326_cross180", (179.5, -11.0), (180.5, -12.0), (-179.5, -12.0)),
        ("u8_rgb_utm60_antimeridian", (179.5, 51.8), (180.5, 51.2), (-179.5, 51.2)),
    ];
    for (name, (l, t), (r, b), (r2, b2)) in boxes {
        let f = fixture(name);
        let img = open(&f.path);
        let gdal =
            oracle(&["projwin", &f.path, "4326", &l.to_string(), &t.to_string(), &r.to_string(), &b.to_string()]);
        for (r, b) in [(r, b), (r2, b2)] {
            let mut o = RegionOptions::new(l, t, r, b);
            o.units = Some("EPSG:4326".into());
            let ours =
                gdal_dump("region_antimeridian", &format!("{name}.tif"), &pollster::block_on(img.region(&o)).unwrap());
            assert_same_raster(&ours, &gdal, 0.0, &format!("{name} box {l},{t},{r},{b} in EPSG:4326"));
        }
    }
}

/// Metadata bounds of files across the antimeridian say where they are: each corner is GDAL/PROJ's
/// (modulo 360°), and longitudes run on past 180° (`xmax` > 180, as GDAL reports a geographic file stored
/// that way) instead of spanning the world from −180 to 180.
#[test]
fn bounds_of_files_across_the_antimeridian_run_past_180_degrees() {
    for (name, span) in
        [("u8_rgb_4326_cross180", 10.3), ("u8_rgb_utm60_antimeridian", 4.5), ("u8_rgb_3832_pacific", 11.0)]
    {
        let f = fixture(name);
        let m = json(pollster::block_on(open(&f.path).metadata(None)).unwrap());
        let b = &m["bounds"];
        let gdal = oracle(&["corners", &f.path]);
        for k in ["ll", "ul", "lr", "ur"] {
            let (x, y) = (b[k]["x"].as_f64().unwrap(), b[k]["y"].as_f64().unwrap());
            let (gx, gy) = (gdal["corners"][k][0].as_f64().unwrap(), gdal["corners"][k][1].as_f64().unwrap());
            let dx = (x - gx).rem_euclid(360.0);
            assert!(
                dx.min(360.0 - dx) < 1e-7 && (y - gy).abs() < 1e-7,
                "{name} {k}: ours ({x}, {y}), GDAL ({gx}, {gy})"
            );
        }
        let (xmin, xmax) = (b["xmin"].as_f64().unwrap(), b["xmax"].as_f64().unwrap());
        assert!(xmin < 180.0 && xmax > 180.0 && xmax - xmin < span, "{name}: bounds x {xmin} .. {xmax}");
        // The web-mercator pyramid is as deep as for any file of this resolution (not a whole-world span).
        let m3857 = json(pollster::block_on(open(&f.path).metadata(Some("EPSG:3857"))).unwrap());
        assert!(m3857["levels"].as_u64().unwrap() >= 8, "{name}: {} levels", m3857["levels"]);
    }
}

#[test]
fn scaled_region_and_thumbnail_equal_gdal_nearest_read_of_the_same_overview() {
    let s = sample();
    let img = open(&s);
    // 768×512 px fitted in 150 px width → 150×100, read from the 256² overview (factor 4).
    let mut o = RegionOptions::new(128.0, 256.0, 896.0, 768.0);
    o.units = Some("pixels".into());
    o.width = Some(150);
    let plan = img.region_plan(&o).unwrap();
    assert_eq!((plan.out_width, plan.out_height, plan.level), (150, 100, 2));
    let tif = pollster::block_on(img.region(&o)).unwrap();
    let ours = gdal_dump("scaled", "r.tif", &tif);
    let gdal = oracle(&["resampled", &s, "2", "32", "64", "192", "128", "150", "100"]);
    assert_eq!(ours["data"], gdal["data"], "150×100 from level 2: values equal GDAL's nearest RasterIO");
    let g0 = f(&oracle(&["translate", &s, "-srcwin", "128", "256", "768", "512"])["geotransform"]);
    let expect = [g0[0], g0[1] * 768.0 / 150.0, 0.0, g0[3], 0.0, g0[5] * 512.0 / 100.0];
    assert_gt(&ours["geotransform"], &serde_json::json!(expect), "scaled region geotransform");

    // Thumbnails: the whole image fitted in the box, from the coarsest level at least that large
    // (GDAL's overview list decides what "at least that large" means), pixels as GDAL's nearest read.
    for (name, mw, mh) in [("u8_rgb_deflate", 256, 256), ("u8_rgb_deflate", 100, 300), ("u8_rgb_lzw_pred2", 500, 90)] {
        let fx = fixture(name);
        let img = open(&fx.path);
        let plan = img.thumbnail_plan(Some(mw), Some(mh)).unwrap();
        let (ow, oh) = (plan.out_width, plan.out_height);
        let mut want_level = 0;
        for l in 0..img.cog.levels.len() {
            let lv = oracle(&["window", &fx.path, &l.to_string(), "0", "0", "1", "1"]);
            if lv["width"].as_u64().unwrap() >= ow && lv["height"].as_u64().unwrap() >= oh {
                want_level = l;
            }
        }
        assert_eq!(plan.level, want_level, "{name} thumbnail {mw}×{mh}: level");
        let lw = oracle(&["window", &fx.path, &plan.level.to_string(), "0", "0", "1", "1"]);
        let (lw, lh) = (lw["width"].to_string(), lw["height"].to_string());
        let gdal = oracle(&[
            "resampled",
            &fx.path,
            &plan.level.to_string(),
            "0",
            "0",
            &lw,
            &lh,
            &ow.to_string(),
            &oh.to_string(),
        ]);
        let rgba = pollster::block_on(img.thumbnail(Some(mw), Some(mh), None, Format::Rgba)).unwrap();
        assert_eq!(rgba.len() as u64, ow * oh * 4);
        let ours: Vec<Vec<f64>> = rgba.chunks(4).map(|p| vec![p[0] as f64, p[1] as f64, p[2] as f64]).collect();
        assert!(rgba.chunks(4).all(|p| p[3] == 255), "{name}: an RGB thumbnail is opaque");
        assert_eq!(
            serde_json::json!(ours),
            gdal["data"],
            "{name} thumbnail {mw}×{mh} → {ow}×{oh} from level {}",
            plan.level
        );
        eprintln!("{name} thumbnail {mw}×{mh}: {ow}×{oh} from level {}, equal to GDAL's nearest read", plan.level);
        let png = pollster::block_on(img.thumbnail(Some(mw), Some(mh), None, Format::Png)).unwrap();
        let dumped = gdal_dump("thumbnail", "t.png", &png);
        assert_eq!((dumped["width"].as_u64(), dumped["height"].as_u64()), (Some(ow), Some(oh)));
    }
}

#[test]
fn styled_region_geotiff_is_georeferenced_rgba_with_alpha() {
    let fx = fixture("u16_deflate_pred2");
    let img = open(&fx.path);
    let mut o = RegionOptions::new(0.0, 0.1, 0.5, 0.6);
    o.units = Some("fraction".into());
    o.style = Some(serde_json::json!({"band": 2, "palette": "viridis", "min": 1000, "max": 60000}));
    let tif = pollster::block_on(img.region(&o)).unwrap();
    let ours = gdal_dump("styled", "s.tif", &tif);
    let plan = img.region_plan(&o).unwrap();
    let b = img.cog.base();
    assert_eq!((plan.x, plan.y, plan.width), (0, 45, b.width / 2), "fractions of the image (0.1 → row 45 of 450)");
    let gdal =
        oracle(&["translate", &fx.path, "-srcwin", "0", "45", &plan.width.to_string(), &plan.height.to_string()]);
    assert_gt(&ours["geotransform"], &gdal["geotransform"], "styled region");
    assert_eq!(ours["epsg"], gdal["epsg"]);
    assert_eq!((ours["bands"].as_u64(), ours["alpha"].as_bool()), (Some(4), Some(true)), "RGBA with an alpha band");
    o.format = Format::Rgba;
    let rgba = pollster::block_on(img.region(&o)).unwrap();
    let want: Vec<Vec<f64>> = rgba.chunks(4).map(|p| p.iter().map(|&v| v as f64).collect()).collect();
    assert_eq!(ours["data"], serde_json::json!(want), "the GeoTIFF holds the same colours as the RGBA view");
    // The nodata collar (16 columns) is transparent.
    assert!(rgba.chunks(4).enumerate().all(|(p, px)| (p % plan.width as usize >= 16) == (px[3] == 255)));
}

#[test]
fn region_outside_the_image_is_a_usage_error_naming_both() {
    let img = open(&sample());
    let err = pollster::block_on(img.region(&RegionOptions::new(0.0, 10.0, 10.0, 0.0))).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Usage(_)), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("left=0 top=10 right=10 bottom=0 (EPSG:4326)") && msg.contains("x 0..1024"), "{msg}");
    assert!(msg.contains("13.58") && msg.contains("50.54"), "the image's bounds in the box's units: {msg}");
    let mut o = RegionOptions::new(2000.0, 0.0, 3000.0, 100.0);
    o.units = Some("pixels".into());
    assert!(matches!(pollster::block_on(img.region(&o)).unwrap_err().kind, ErrorKind::Usage(_)));
}

/// `numpy.histogram` of GDAL's read of `level` against ours, band by band.
fn assert_band_histograms(path: &str, o: &HistogramOptions, what: &str) {
    let img = open(path);
    let level = img.histogram_level(o.resolution).unwrap();
    let mut calls = Vec::new();
    let ours = json(pollster::block_on(img.histogram(o, &mut |d, t| calls.push((d, t)))).unwrap());
    let (d, t) = *calls.last().unwrap();
    assert!(d == t && t > 0 && calls.windows(2).all(|w| w[1].0 >= w[0].0), "{what}: progress {calls:?}");
    let mut args = vec![path.to_string(), level.to_string(), o.bins.to_string()];
    if o.density {
        args.push("density".into());
    }
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let mut cmd = vec!["histogram"];
    cmd.extend(args);
    let gdal = oracle(&cmd);
    for (k, ours) in ours.as_array().unwrap().iter().enumerate() {
        let g = &gdal[k];
        assert_eq!(ours["samples"], g["count"], "{what} band {}: valid samples", k + 1);
        assert_eq!(ours["min"].as_f64(), g["min"].as_f64(), "{what}: min");
        assert_eq!(ours["max"].as_f64(), g["max"].as_f64(), "{what}: max");
        assert_eq!(f(&ours["bin_edges"]), f(&g["bin_edges"]), "{what}: bin edges");
        if o.density {
            let (a, b) = (f(&ours["hist"]), f(&g["hist"]));
            assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-12 * y.abs().max(1e-300)), "{what}: density");
        } else {
            assert_eq!(ours["hist"], g["hist"], "{what} band {}: counts", k + 1);
        }
        eprintln!(
            "{what} band {} (level {level}, {} px wide): {} samples, counts equal numpy's",
            k + 1,
            g["level_width"],
            g["count"]
        );
    }
}

#[test]
fn band_histograms_equal_numpy_of_gdal_reads() {
    let mut o = HistogramOptions::default();
    o.kind = HistogramKind::Bands;
    for name in [
        "u16_deflate_pred2",
        "f32_deflate_pred3",
        "i16_lzw_pred2",
        "f64_zstd_pred3",
        "u32_deflate",
        "u8_rgba_deflate_alpha",
        "u8_rgb_jpeg_mask",
    ] {
        let fx = fixture(name);
        let p = fx.path;
        o.bins = 256;
        o.density = false;
        o.resolution = Resolution::MaxSize(256);
        assert_band_histograms(&p, &o, &format!("{name} default level"));
        o.resolution = Resolution::Exact;
        o.bins = 7;
        assert_band_histograms(&p, &o, &format!("{name} exact, 7 bins"));
        o.density = true;
        assert_band_histograms(&p, &o, &format!("{name} exact, density"));
    }
    // One band, and onlyMinMax.
    let img = open(&sample());
    o.band = Some(2);
    o.only_min_max = true;
    o.density = false;
    let v = json(pollster::block_on(img.histogram(&o, &mut |_, _| {})).unwrap());
    let g = oracle(&["histogram", &sample(), "0", "4"]);
    assert_eq!((v["min"][0].as_f64(), v["max"][0].as_f64()), (g[1]["min"].as_f64(), g[1]["max"].as_f64()));
}

#[test]
fn rendered_histogram_equals_numpy_of_our_rendered_pixels() {
    let s = sample();
    let img = open(&s);
    let mut o = HistogramOptions::default();
    o.resolution = Resolution::Exact;
    o.bins = 8;
    let ours = json(pollster::block_on(img.histogram(&o, &mut |_, _| {})).unwrap());
    let mut r = RegionOptions::new(0.0, 0.0, 1024.0, 1024.0);
    r.units = Some("pixels".into());
    r.format = Format::Rgba;
    let rgba = pollster::block_on(img.region(&r)).unwrap();
    let raw = scratch("rendered").join("full.rgba");
    std::fs::write(&raw, &rgba).unwrap();
    let np = oracle(&["rgba_histogram", raw.to_str().unwrap(), "1024", "1024", "8"]);
    for c in 0..4 {
        let (a, b) = (&ours[c], &np[c]);
        assert_eq!(a["hist"], b["hist"], "channel {c}");
        assert_eq!(f(&a["bin_edges"]), f(&b["bin_edges"]), "channel {c}");
        for k in ["min", "max", "mean", "stdev"] {
            let (x, y) = (a[k].as_f64().unwrap(), b[k].as_f64().unwrap());
            assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "channel {c} {k}: {x} vs numpy {y}");
        }
        assert_eq!(a["samples"].as_u64(), Some(1024 * 1024));
    }
}

/// django-large-image renders with float arithmetic (`(v − min) / (max − min) · 255`, not clamped: its
/// max is GDAL's approximate statistic, 3820, while the data reach 3822, hence 255.2) and histograms
/// those floats; ours renders to 8 bits. Alpha matches exactly; grey within that rounding.
#[test]
fn rendered_histogram_against_django_large_image_recording() {
    let img = open(&sample());
    for (file, bins, density, only) in [
        ("28_data_histogram_bins_8.json", 8, false, false),
        ("30_data_histogram_bins_4_density_true.json", 4, true, false),
        ("29_data_histogram_onlyMinMax_true.json", 256, false, true),
    ] {
        let mut o = HistogramOptions::default();
        o.resolution = Resolution::Exact;
        o.bins = bins;
        o.density = density;
        o.only_min_max = only;
        let ours = json(pollster::block_on(img.histogram(&o, &mut |_, _| {})).unwrap());
        let theirs = recorded(file);
        if only {
            for k in ["min", "max", "mean", "stdev"] {
                let (a, b) = (f(&ours[k]), f(&theirs[k]));
                assert_eq!(a.len(), 4);
                assert_eq!(a[3], b[3], "{file}: alpha {k}");
                for c in 0..3 {
                    assert!((a[c] - b[c]).abs() < 0.5, "{file}: channel {c} {k}: ours {} theirs {}", a[c], b[c]);
                }
            }
            continue;
        }
        let (ours, theirs) = (ours.as_array().unwrap(), theirs.as_array().unwrap());
        assert_eq!(ours.len(), theirs.len(), "{file}: one entry per RGBA channel");
        for (c, (a, b)) in ours.iter().zip(theirs).enumerate() {
            let mut keys: Vec<&String> = a.as_object().unwrap().keys().collect();
            let mut tkeys: Vec<&String> = b.as_object().unwrap().keys().collect();
            keys.sort();
            tkeys.sort();
            assert_eq!(keys, tkeys, "{file}: the same fields");
            for k in ["bins", "density", "samples"] {
                assert_eq!(a[k].as_f64(), b[k].as_f64(), "{file} channel {c}: {k}");
            }
            let (ha, hb) = (f(&a["hist"]), f(&b["hist"]));
            if c == 3 {
                for k in ["min", "max", "mean", "stdev"] {
                    assert_eq!(a[k].as_f64(), b[k].as_f64(), "{file}: alpha {k}");
                }
                for k in ["range", "bin_edges", "hist"] {
                    assert_eq!(f(&a[k]), f(&b[k]), "{file}: alpha {k}");
                }
                continue;
            }
            let total: f64 = hb.iter().sum();
            let moved: f64 = ha.iter().zip(&hb).map(|(x, y)| (x - y).abs()).sum::<f64>() / 2.0 / total;
            for k in ["min", "max", "mean", "stdev"] {
                let (x, y) = (a[k].as_f64().unwrap(), b[k].as_f64().unwrap());
                assert!((x - y).abs() < 0.5, "{file} channel {c} {k}: ours {x}, theirs {y}");
            }
            eprintln!("{file} channel {c}: {:.3} % of samples in another bin than django-large-image's", moved * 100.0);
            assert!(moved < 0.01, "{file} channel {c}: {moved}");
        }
    }
}

#[test]
fn a_region_with_titiler_parameters_has_the_colours_of_the_tile_of_that_window() {
    // TiTiler's band math and stretch (checked against rio-tiler in the tile tests) reach regions too:
    // the first 256² full-resolution pixels as a region equal the pixel-space tile of that window.
    use large_image_wasm::api::TileOptions;
    use large_image_wasm::style::TitilerParams;
    let fx = fixture("u16_deflate_pred2");
    let img = open(&fx.path);
    let query = "expression=b2*0.5%2Bb1*0.5&rescale=1000,40000&colormap_name=viridis";
    let mut o = RegionOptions::new(0.0, 0.0, 256.0, 256.0);
    o.units = Some("pixels".into());
    o.format = Format::Rgba;
    let plain = pollster::block_on(img.region(&o)).unwrap();
    o.titiler = Some(query.into());
    let region = pollster::block_on(img.region(&o)).unwrap();
    let bands = img.cog.base().samples as usize;
    let z = pollster::block_on(img.metadata(None)).unwrap().levels - 1;
    let mut t = TileOptions::default();
    t.format = Format::Rgba;
    t.titiler = Some(TitilerParams::from_query(query, bands).unwrap());
    let tile = pollster::block_on(img.tile(z, 0, 0, &t)).unwrap();
    assert_eq!(region.len(), 256 * 256 * 4);
    assert!(region == tile, "the region's colours are the tile's");
    let differ = plain.chunks(4).zip(region.chunks(4)).filter(|(a, b)| a != b).count();
    assert!(differ > 256 * 256 / 2, "the parameters were applied ({differ} pixels differ from the default style)");
    // As a GeoTIFF they ask for colours (RGBA), not band values.
    o.format = Format::Tiff;
    let tif = pollster::block_on(img.region(&o)).unwrap();
    let ours = gdal_dump("region-titiler", "t.tif", &tif);
    assert_eq!(ours["bands"].as_u64(), Some(4));
    let mut bad = o.clone();
    bad.titiler = Some("expression=b9".into());
    let err = pollster::block_on(img.region(&bad)).unwrap_err().to_string();
    assert!(err.contains("b9"), "{err}");
}
