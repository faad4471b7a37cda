//! Map tiles against `gdalwarp` of the same tile bounds (nearest neighbour, bilinear, cubic).

mod common;
use common::{fixture, json, open, oracle, rgba_agreement};
use large_image_wasm::api::TileOptions;
use large_image_wasm::encode::Format;
use large_image_wasm::warp::{Resampling, ResamplingChoice};

/// Renders tile z/x/y as RGBA and compares it with gdalwarp's: returns (compared, equal, max diff).
fn compare(path: &str, scheme: &str, z: u32, x: u64, y: u64) -> (usize, usize, f64) {
    let img = open(path);
    let mut o = TileOptions::default();
    o.projection = Some(scheme.into());
    o.format = Format::Rgba;
    let ours = pollster::block_on(img.tile(z, x, y, &o)).unwrap();
    assert_eq!(ours.len(), 256 * 256 * 4);
    let g = oracle(&["warp", path, scheme, &z.to_string(), &x.to_string(), &y.to_string(), "256", "near"]);
    let data = g["data"].as_array().unwrap();
    let alpha = g["alpha"].as_array().unwrap();
    // gdalwarp's bands as RGBA (a grey band as all three colours) with its alpha.
    let theirs: Vec<f64> = (0..256 * 256)
        .flat_map(|p| {
            let px = data[p].as_array().unwrap();
            let gv = |b: usize| px[b.min(px.len() - 1)].as_f64().unwrap();
            [gv(0), gv(1), gv(2), alpha[p].as_f64().unwrap()]
        })
        .collect();
    let a = rgba_agreement(&ours, &theirs);
    (a.n, a.equal, a.max)
}

#[test]
fn web_mercator_and_geographic_tiles_match_gdalwarp_nearest() {
    let cases = [
        ("u8_rgb_deflate", "EPSG:3857", 5, 15, 9),
        ("u8_rgb_deflate", "EPSG:3857", 7, 61, 37),
        ("u8_rgb_deflate", "EPSG:4326", 4, 15, 2),
        ("u8_rgb_zstd_3857", "EPSG:3857", 10, 538, 359),
        ("u8_rgb_zstd_3857", "EPSG:4326", 8, 269, 60),
        ("u8_rgb_planar2_deflate", "EPSG:3857", 6, 31, 21),
    ];
    for (name, scheme, z, x, y) in cases {
        let f = fixture(name);
        let (n, eq, max) = compare(&f.path, scheme, z, x, y);
        let share = eq as f64 / n.max(1) as f64;
        eprintln!("{name} {scheme} {z}/{x}/{y}: {n} pixels with data, {:.3}% equal, max diff {max}", share * 100.0);
        assert!(n > 1000, "{name} {z}/{x}/{y}: the tile should overlap the image ({n} pixels)");
        if std::env::var("DIAG").is_err() {
            assert!(share >= 0.995, "{name} {scheme} {z}/{x}/{y}: only {:.3}% equal to gdalwarp", share * 100.0);
        }
    }
}

/// Band values of a tile against gdalwarp's of the same bounds.
#[derive(Debug, Default)]
struct Agreement {
    /// Pixels with data in ours or gdalwarp's.
    n: usize,
    /// Pixels valid in both with every band equal, or invalid in both.
    equal: usize,
    /// Pixels valid in both with every band within the tolerance.
    close: usize,
    /// Pixels valid in one tile only.
    footprint: usize,
    /// Largest |ours − gdalwarp| over pixels valid in both.
    max: f64,
    /// The tolerance: 1 DN for integers, 1e-3 of gdalwarp's value range in the tile for floats.
    tol: f64,
}

/// Our `tile_raster` with `resampling` against `gdalwarp -r <resampling>` (`-et 0` when `exact`).
fn agreement(path: &str, scheme: &str, tile: (u32, u64, u64), resampling: &str, exact: bool) -> Agreement {
    agreement_of(path, scheme, tile, (resampling, resampling), exact)
}

/// Our `tile_raster` with resampling `ours` (a method or `auto`) against `gdalwarp -r <gdal>`.
fn agreement_of(
    path: &str,
    scheme: &str,
    (z, x, y): (u32, u64, u64),
    (ours, gdal): (&str, &str),
    exact: bool,
) -> Agreement {
    let img = open(path);
    let mut o = TileOptions::default();
    o.projection = Some(scheme.into());
    o.resampling = ResamplingChoice::parse(ours).unwrap();
    let ours = pollster::block_on(img.tile_raster(z, x, y, &o)).unwrap();
    let (zs, xs, ys) = (z.to_string(), x.to_string(), y.to_string());
    let mut args = vec!["warp", path, scheme, &zs, &xs, &ys, "256", gdal];
    if exact {
        args.push("exact");
    }
    let g = oracle(&args);
    let data = g["data"].as_array().unwrap();
    let gv = |p: usize, b: usize| data[p][b].as_f64().unwrap();
    // gdalwarp moves a source alpha band into its -dstalpha band: compare the colour bands.
    let bands = ours.bands.min(g["bands"].as_u64().unwrap() as usize);
    let valid = |p: usize| g["alpha"][p].as_f64().unwrap() != 0.0;
    let tol = if ours.dtype.is_float() {
        let vals = (0..256 * 256).filter(|&p| valid(p)).flat_map(|p| (0..bands).map(move |b| (p, b)));
        let (lo, hi) = vals.fold((f64::MAX, f64::MIN), |(lo, hi), (p, b)| (lo.min(gv(p, b)), hi.max(gv(p, b))));
        1e-3 * (hi - lo)
    } else {
        1.0
    };
    let mut a = Agreement { tol, ..Agreement::default() };
    for p in 0..256 * 256 {
        let (gok, ook) = (valid(p), ours.valid[p] != 0);
        if !gok && !ook {
            continue;
        }
        a.n += 1;
        if gok != ook {
            a.footprint += 1;
            continue;
        }
        let d = (0..bands).map(|b| (gv(p, b) - ours.get(p % 256, p / 256, b)).abs()).fold(0.0, f64::max);
        a.max = a.max.max(d);
        a.equal += usize::from(d == 0.0);
        a.close += usize::from(d <= tol);
    }
    a
}

#[test]
fn reprojected_tiles_from_utm_and_polar_files_match_gdalwarp() {
    let cases = [
        ("u16_utm33_deflate", "EPSG:3857", 9, 275, 172),
        ("u16_utm33_deflate", "EPSG:3857", 8, 137, 86),
        ("u16_utm33_deflate", "EPSG:4326", 9, 551, 112),
        ("u8_rgb_polar_3413", "EPSG:3857", 3, 3, 1),
    ];
    for (name, scheme, z, x, y) in cases {
        let f = fixture(name);
        let a = agreement(&f.path, scheme, (z, x, y), "near", true);
        let (n, share) = (a.n, a.equal as f64 / a.n.max(1) as f64);
        let a2 = agreement(&f.path, scheme, (z, x, y), "near", false);
        eprintln!(
            "{name} {scheme} {z}/{x}/{y}: {n} pixels with data, footprint differs on {}, {:.3}% equal to gdalwarp -et 0 ({:.3}% to gdalwarp's default -et 0.125)",
            a.footprint,
            share * 100.0,
            a2.equal as f64 / a2.n.max(1) as f64 * 100.0
        );
        assert!(n > 1000, "{name} {scheme} {z}/{x}/{y}: the tile should overlap the image ({n} pixels)");
        assert!(share >= 0.995, "{name} {scheme} {z}/{x}/{y}: only {:.3}% equal to gdalwarp -et 0", share * 100.0);
    }
}

/// Across the antimeridian and over the pole the footprint and the values must be GDAL's (the overview is
/// chosen from the tile's own source window, as gdalwarp does for `-te`/`-ts`).
#[test]
fn antimeridian_and_pole_tiles_cover_what_gdalwarp_covers() {
    let cases = [
        ("u8_rgb_utm60_antimeridian", "EPSG:3857", 6, 63, 21, true),
        ("u8_rgb_utm60_antimeridian", "EPSG:3857", 6, 0, 21, true),
        ("u8_rgb_utm60_antimeridian", "EPSG:4326", 5, 63, 6, true),
        ("u8_rgb_utm60_antimeridian", "EPSG:4326", 5, 0, 6, true),
        ("u8_rgb_polar_3413", "EPSG:4326", 2, 1, 0, true),
        ("u8_rgb_polar_3413", "EPSG:4326", 2, 6, 0, true),
    ];
    for (name, scheme, z, x, y, values) in cases {
        let f = fixture(name);
        let Agreement { n, equal: eq, footprint: vmis, .. } = agreement(&f.path, scheme, (z, x, y), "near", true);
        let share = eq as f64 / n.max(1) as f64;
        eprintln!(
            "{name} {scheme} {z}/{x}/{y}: {n} pixels with data, footprint differs on {vmis}, values equal on {:.1}%",
            share * 100.0
        );
        assert!(n > 1000, "{name} {scheme} {z}/{x}/{y}: the tile should overlap the image ({n} pixels)");
        assert!(
            vmis * 200 <= n,
            "{name} {scheme} {z}/{x}/{y}: footprint differs from gdalwarp's on {vmis} of {n} pixels"
        );
        if values {
            assert!(share >= 0.995, "{name} {scheme} {z}/{x}/{y}: only {:.2}% equal to gdalwarp -et 0", share * 100.0);
        }
    }
}

/// Files whose longitudes run past 180°: a geographic file stored from 175° to 185.24° east, a whole
/// world stored from 0° to 360°, and a Pacific-centred mercator (EPSG:3832) crossing 180° in metres. GDAL
/// wraps the longitudes it looks up around the file's centre (gdalwarp's CENTER_LONG), so tiles on both
/// sides of the antimeridian have data: footprint and values must be gdalwarp's.
#[test]
fn tiles_of_files_stored_past_180_degrees_cover_both_sides_as_gdalwarp() {
    let cases = [
        ("u8_rgb_4326_cross180", "EPSG:3857", 9, 3, 274), // west of the line (−177.9° … −177.2°)
        ("u8_rgb_4326_cross180", "EPSG:3857", 9, 510, 274), // east of it
        ("u8_rgb_4326_cross180", "EPSG:3857", 5, 0, 17),
        ("u8_rgb_4326_cross180", "EPSG:3857", 5, 31, 17),
        ("u8_rgb_4326_cross180", "EPSG:4326", 5, 0, 18),
        ("u8_rgb_4326_cross180", "EPSG:4326", 5, 63, 18),
        ("u8_rgb_4326_cross180", "EPSG:4326", 7, 1, 72),
        ("u8_gray_4326_world360", "EPSG:3857", 0, 0, 0),
        ("u8_gray_4326_world360", "EPSG:3857", 2, 0, 1), // −180° … −90°: stored as 180° … 270°
        ("u8_gray_4326_world360", "EPSG:3857", 2, 3, 2),
        ("u8_gray_4326_world360", "EPSG:4326", 1, 0, 0),
        ("u8_gray_4326_world360", "EPSG:4326", 3, 7, 3),
        ("u8_rgb_3832_pacific", "EPSG:3857", 6, 63, 34),
        ("u8_rgb_3832_pacific", "EPSG:3857", 6, 0, 34),
        ("u8_rgb_3832_pacific", "EPSG:4326", 5, 0, 18),
    ];
    for (name, scheme, z, x, y) in cases {
        let f = fixture(name);
        let Agreement { n, equal, footprint, .. } = agreement(&f.path, scheme, (z, x, y), "near", true);
        let share = equal as f64 / n.max(1) as f64;
        eprintln!(
            "{name} {scheme} {z}/{x}/{y}: {n} pixels with data, footprint differs on {footprint}, {:.3}% equal to \
             gdalwarp -et 0",
            share * 100.0
        );
        assert!(n > 1000, "{name} {scheme} {z}/{x}/{y}: gdalwarp and we should both find data here ({n} pixels)");
        assert!(footprint * 200 <= n, "{name} {scheme} {z}/{x}/{y}: footprint differs on {footprint} of {n} pixels");
        assert!(share >= 0.995, "{name} {scheme} {z}/{x}/{y}: only {:.3}% equal to gdalwarp -et 0", share * 100.0);
    }
}

#[test]
fn palette_images_render_in_their_colour_table() {
    let f = fixture("u8_palette_lzw");
    let img = open(&f.path);
    let mut o = TileOptions::default();
    o.projection = Some("EPSG:4326".into());
    o.format = Format::Rgba;
    // The fixture spans lon -20..-5, lat 50..60: geographic tile 5/28/5 covers lon -22.5..-16.875, lat 56.25..61.875.
    let ours = pollster::block_on(img.tile(5, 28, 5, &o)).unwrap();
    let g = oracle(&["warp", &f.path, "EPSG:4326", "5", "28", "5", "256", "near", "rgba"]);
    let data = g["data"].as_array().unwrap();
    let (mut n, mut equal) = (0, 0);
    for p in 0..256 * 256 {
        if g["alpha"][p].as_f64().unwrap() == 0.0 {
            continue;
        }
        n += 1;
        equal += usize::from((0..3).all(|b| data[p][b].as_f64().unwrap() == ours[p * 4 + b] as f64));
    }
    eprintln!("palette tile: {equal}/{n} pixels equal to GDAL's -expand rgba");
    assert!(n > 5000 && equal as f64 / n as f64 >= 0.995, "{equal}/{n}");
    // Palette indexes are categories: a bilinear or cubic request still samples the nearest index.
    for method in [Resampling::Bilinear, Resampling::Cubic] {
        o.resampling = method.into();
        assert!(
            pollster::block_on(img.tile(5, 28, 5, &o)).unwrap() == ours,
            "{method:?} palette tile differs from nearest"
        );
    }
}

#[test]
fn tile_outside_the_image_is_transparent() {
    let f = fixture("u8_rgb_deflate");
    let img = open(&f.path);
    let mut o = TileOptions::default();
    o.projection = Some("EPSG:3857".into());
    o.format = Format::Rgba;
    let t = pollster::block_on(img.tile(3, 7, 7, &o)).unwrap();
    assert!(t.chunks_exact(4).all(|p| p[3] == 0));
    assert!(pollster::block_on(img.tile(3, 8, 0, &o)).is_err(), "x beyond the tile matrix is a usage error");
}

/// The embedded JPEG COG: the pyramid level chosen must be GDAL's and, our JPEG decoder being equal to
/// libjpeg-turbo, every sample equal.
#[test]
fn embedded_cog_tiles_read_the_level_gdalwarp_reads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/bmng.tif");
    let img = open(path);
    let cases = [
        ("EPSG:3857", 1, 1, 0),
        ("EPSG:3857", 2, 2, 1),
        ("EPSG:3857", 3, 4, 2),
        ("EPSG:3857", 4, 8, 6),
        ("EPSG:4326", 1, 2, 0),
        ("EPSG:4326", 3, 9, 2),
    ];
    for (scheme, z, x, y) in cases {
        let mut o = TileOptions::default();
        o.projection = Some(scheme.into());
        o.format = Format::Rgba;
        let ours = pollster::block_on(img.tile(z, x, y, &o)).unwrap();
        let g = oracle(&["warp", path, scheme, &z.to_string(), &x.to_string(), &y.to_string(), "256", "near"]);
        let data = g["data"].as_array().unwrap();
        let (mut sum, mut n, mut max) = (0.0, 0usize, 0.0f64);
        for p in 0..256 * 256 {
            if g["alpha"][p].as_f64().unwrap() == 0.0 {
                continue;
            }
            for b in 0..3 {
                let d = (data[p][b].as_f64().unwrap() - ours[p * 4 + b] as f64).abs();
                sum += d;
                max = max.max(d);
                n += 1;
            }
        }
        let mean = sum / n as f64;
        eprintln!("bmng {scheme} {z}/{x}/{y}: {n} samples, mean |ours - gdalwarp| {mean:.3}, max {max}");
        assert!(n > 10_000 && max == 0.0, "bmng {scheme} {z}/{x}/{y}: mean {mean}, max {max}");
    }
}

/// A large_image style on 16-bit data: band, numeric min/max, a two-colour palette, nodata — checked
/// pixel by pixel against the values gdalwarp reads.
#[test]
fn styled_tile_follows_the_style_on_gdal_values() {
    let f = fixture("u16_deflate_pred2");
    let img = open(&f.path);
    let mut o = TileOptions::default();
    o.projection = Some("EPSG:4326".into());
    o.format = Format::Rgba;
    o.style = Some(serde_json::json!({"band": 2, "min": 20000, "max": 40000, "palette": ["#000000", "#ff0000"]}));
    // The fixture spans lon -20..10, lat 37.5..60: geographic tile 5/28/5 covers lon -22.5..-16.875.
    let ours = pollster::block_on(img.tile(5, 28, 5, &o)).unwrap();
    let g = oracle(&["warp", &f.path, "EPSG:4326", "5", "28", "5", "256", "near"]);
    let (mut n, mut ok, mut transparent) = (0, 0, 0);
    for p in 0..256 * 256 {
        if g["alpha"][p].as_f64().unwrap() == 0.0 {
            // Outside the image, or nodata (gdalwarp's -dstalpha makes nodata transparent too).
            assert_eq!(ours[p * 4 + 3], 0, "pixel {p}: transparent in gdalwarp's output");
            transparent += 1;
            continue;
        }
        let v = g["data"][p][1].as_f64().unwrap();
        n += 1;
        let want = (((v - 20000.0) / 20000.0).clamp(0.0, 1.0) * 255.0).round() as u8;
        ok +=
            usize::from(ours[p * 4] == want && ours[p * 4 + 1] == 0 && ours[p * 4 + 2] == 0 && ours[p * 4 + 3] == 255);
    }
    eprintln!("styled: {ok}/{n} pixels as the style says, {transparent} transparent as in gdalwarp's");
    assert!(n > 5000 && ok as f64 >= 0.995 * n as f64, "{ok}/{n}");
    assert!(transparent > 256 * 16, "the nodata collar and the outside are in the tile");
    // Bad styles are usage errors, not panics.
    o.style = Some(serde_json::json!({"band": 7}));
    assert!(pollster::block_on(img.tile(5, 28, 5, &o)).unwrap_err().to_string().contains("bands 1..=2"));
    o.style = Some(serde_json::json!({"palette": "no-such-map"}));
    assert!(pollster::block_on(img.tile(5, 28, 5, &o)).unwrap_err().to_string().contains("no-such-map"));
}

/// The pixel view against `gdallocationinfo`: by pixel and by geographic coordinates, masked → null,
/// outside → {}.
#[test]
fn pixel_values_equal_gdallocationinfo() {
    let f = fixture("u16_utm33_deflate");
    let img = open(&f.path);
    let gdal = |args: &[&str]| -> f64 {
        let out =
            std::process::Command::new("gdallocationinfo").args(["-valonly", &f.path]).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    for (x, y) in [(0.0, 0.0), (123.0, 456.0), (799.0, 599.0), (400.5, 300.9)] {
        let ours = json(pollster::block_on(img.pixel(x, y, None)).unwrap());
        let want = gdal(&[&(x as u64).to_string(), &(y as u64).to_string()]);
        assert_eq!(ours["bands"]["1"].as_f64(), Some(want), "pixel ({x}, {y}): {ours}");
    }
    // Geographic coordinates (gdallocationinfo -wgs84 takes lon lat).
    let (lon, lat) = (13.75, 50.45);
    let ours = json(pollster::block_on(img.pixel(lon, lat, Some("EPSG:4326"))).unwrap());
    let out = std::process::Command::new("gdallocationinfo")
        .args(["-valonly", "-wgs84", &f.path, "13.75", "50.45"])
        .output()
        .unwrap();
    let want: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert_eq!(ours["bands"]["1"].as_f64(), Some(want), "{ours}");
    assert_eq!(json(pollster::block_on(img.pixel(5000.0, 10.0, None)).unwrap()), serde_json::json!({}));
    // A pixel hidden by the internal mask has null bands and a transparent colour.
    let m = fixture("u8_rgb_jpeg_mask");
    let mimg = open(&m.path);
    let hidden = json(pollster::block_on(mimg.pixel(0.0, 0.0, None)).unwrap()); // (x//37 + y//29) % 3 == 0 → masked
    assert!(hidden["bands"]["1"].is_null() && hidden["a"] == 0.0, "{hidden}");
    let shown = json(pollster::block_on(mimg.pixel(40.0, 0.0, None)).unwrap());
    assert!(shown["bands"]["1"].is_number() && shown["a"] == 255.0, "{shown}");
}

/// Band statistics GDAL wrote into GDAL_METADATA come back in the metadata view.
#[test]
fn metadata_reports_gdal_statistics() {
    let f = fixture("u16_deflate_pred2");
    let out = common::scratch("stats").join("with_stats.tif");
    let ok = std::process::Command::new("gdal_translate")
        .args(["-q", "-stats", "-of", "COG", &f.path, out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(ok.success());
    let info = std::process::Command::new("gdalinfo").args(["-json", out.to_str().unwrap()]).output().unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    let img = open(&out);
    let meta = json(pollster::block_on(img.metadata(None)).unwrap());
    for b in 0..2 {
        let g = &info["bands"][b];
        let ours = &meta["bands"][(b + 1).to_string()];
        assert_eq!(ours["min"].as_f64(), g["minimum"].as_f64(), "band {}: {ours} vs {g}", b + 1);
        assert_eq!(ours["max"].as_f64(), g["maximum"].as_f64(), "band {}: {ours}", b + 1);
        assert!(
            (ours["mean"].as_f64().unwrap() - g["mean"].as_f64().unwrap()).abs() <= 5e-4,
            "band {}: {ours} vs {} (gdalinfo -json rounds to 3 decimals)",
            b + 1,
            g["mean"]
        );
    }
}

/// The web mercator tile (x, y) holding (lon, lat) at zoom z.
fn mercator_tile(lon: f64, lat: f64, z: u32) -> (u64, u64) {
    let n = (1u64 << z) as f64;
    let lat = lat.to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x as u64, y as u64)
}

/// CRSs given only by GeoKey parameters (GDAL reads no authority code): the image corners in lon/lat
/// equal GDAL/PROJ's, and tiles equal gdalwarp -et 0 of the same bounds (the pole itself is left to
/// `antimeridian_and_pole_tiles_cover_what_gdalwarp_covers`, where the overview GDAL reads differs).
#[test]
fn user_defined_geokey_crs_match_gdal() {
    let cases = [
        ("u16_lcc_userdefined", "EPSG:3857", 9),
        ("u8_tmerc_usft_userdefined", "EPSG:3857", 9),
        ("u8_aea_userdefined", "EPSG:3857", 6),
        ("u8_polar_south_userdefined", "EPSG:3857", 3),
    ];
    for (name, scheme, z) in cases {
        let f = fixture(name);
        let g = oracle(&["corners", &f.path]);
        assert!(g["authority"].is_null(), "{name}: the fixture should carry a user-defined CRS, GDAL says {g}");
        let img = open(&f.path);
        let meta = json(pollster::block_on(img.metadata(None)).unwrap());
        for c in ["ll", "ul", "lr", "ur"] {
            let (lon, lat) = (g["corners"][c][0].as_f64().unwrap(), g["corners"][c][1].as_f64().unwrap());
            let ours = &meta["bounds"][c];
            let (dx, dy) = (ours["x"].as_f64().unwrap() - lon, ours["y"].as_f64().unwrap() - lat);
            // At the pole the longitude is undefined: compare latitude only there.
            let dx = if lat.abs() > 89.999 { 0.0 } else { dx };
            assert!(dx.abs() < 1e-7 && dy.abs() < 1e-7, "{name} {c}: ours {ours} vs GDAL ({lon}, {lat})");
        }
        let (lon, lat) = (g["corners"]["center"][0].as_f64().unwrap(), g["corners"]["center"][1].as_f64().unwrap());
        let (x, y) = match scheme {
            "EPSG:3857" => mercator_tile(lon, lat, z),
            _ => (
                ((lon + 180.0) / (180.0 / (1u64 << z) as f64)) as u64,
                ((90.0 - lat) / (180.0 / (1u64 << z) as f64)) as u64,
            ),
        };
        let Agreement { n, equal: eq, .. } = agreement(&f.path, scheme, (z, x, y), "near", true);
        let share = eq as f64 / n.max(1) as f64;
        eprintln!(
            "{name} ({}) {scheme} {z}/{x}/{y}: {n} pixels with data, {:.3}% equal to gdalwarp -et 0",
            g["proj4"],
            share * 100.0
        );
        assert!(n > 1000, "{name}: the tile should overlap the image ({n} pixels)");
        assert!(share >= 0.995, "{name} {scheme} {z}/{x}/{y}: only {:.3}% equal to gdalwarp -et 0", share * 100.0);
    }
}

/// Bilinear and cubic tiles against `gdalwarp -r bilinear|cubic -et 0` of the same bounds, on 8-bit
/// RGB, 16-bit with nodata, float with nodata, RGBA, masked JPEG, UTM and web-mercator sources, in
/// both tile schemes, enlarged and reduced (the widened kernel, split into GDAL's chunks): within 1 DN
/// (floats: 1e-3 of the tile's range) on ≥ 99 % of the pixels with data (JPEG: the same footprint and
/// the decoders' few DN).
#[test]
fn bilinear_and_cubic_tiles_match_gdalwarp() {
    let cases = [
        ("u8_rgb_deflate", "EPSG:3857", (5, 15, 9)),
        ("u8_rgb_deflate", "EPSG:3857", (7, 61, 37)),
        ("u8_rgb_deflate", "EPSG:4326", (4, 15, 2)),
        ("u8_rgb_zstd_3857", "EPSG:3857", (10, 538, 359)),
        ("u8_rgb_zstd_3857", "EPSG:4326", (8, 269, 60)),
        ("u16_deflate_pred2", "EPSG:4326", (5, 28, 5)),
        ("u16_deflate_pred2", "EPSG:3857", (6, 32, 23)),
        ("u16_deflate_pred2", "EPSG:4326", (3, 7, 1)),
        ("f32_deflate_pred3", "EPSG:3857", (4, 7, 5)),
        ("u8_rgba_deflate_alpha", "EPSG:4326", (4, 15, 2)),
        ("u8_rgb_jpeg_mask", "EPSG:4326", (4, 15, 2)),
        ("f32_deflate_pred3", "EPSG:3857", (6, 28, 21)),
        ("f32_deflate_pred3", "EPSG:4326", (5, 29, 7)),
        ("u16_utm33_deflate", "EPSG:3857", (9, 275, 172)),
        ("u16_utm33_deflate", "EPSG:3857", (8, 137, 86)),
        ("u16_utm33_deflate", "EPSG:4326", (9, 551, 112)),
    ];
    let mut failures = Vec::new();
    for method in ["bilinear", "cubic"] {
        for (name, scheme, (z, x, y)) in cases {
            let f = fixture(name);
            let a = agreement(&f.path, scheme, (z, x, y), method, true);
            let (n, share) = (a.n, a.close as f64 / a.n.max(1) as f64);
            eprintln!(
                "{method} {name} {scheme} {z}/{x}/{y}: {n} pixels with data, {:.3}% equal, {:.3}% within {}, footprint differs on {}, max diff {}",
                a.equal as f64 * 100.0 / n.max(1) as f64,
                share * 100.0,
                a.tol,
                a.footprint,
                a.max
            );
            assert!(n > 1000, "{name} {scheme} {z}/{x}/{y}: the tile should overlap the image ({n} pixels)");
            if share < 0.99 {
                failures.push(format!("{method} {name} {scheme} {z}/{x}/{y}: {:.3}% within {}", share * 100.0, a.tol));
            }
        }
    }
    assert!(failures.is_empty(), "tiles differing from gdalwarp: {failures:#?}");
}

/// `resampling: auto` (what the Cesium provider asks for) on the embedded COG (1/15° pixels): bilinear
/// where the tile magnifies the source, equal to `gdalwarp -r bilinear -et 0` there (and unlike
/// `-r near`, so the choice shows); nearest where the tile reduces it, equal to `gdalwarp -r near`;
/// a palette file's magnified tile stays nearest.
#[test]
fn auto_resampling_is_bilinear_when_magnifying_and_nearest_when_reducing() {
    let bmng = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/bmng.tif");
    // (scheme, tile, gdalwarp's method for it): 0.044°/px and ~4.9 km/px tiles magnify, 0.088°/px reduces.
    let cases = [
        ("EPSG:4326", (4, 17, 5), "bilinear"),
        ("EPSG:3857", (5, 17, 13), "bilinear"),
        ("EPSG:4326", (3, 8, 2), "near"),
        ("EPSG:3857", (3, 4, 3), "near"),
    ];
    for (scheme, tile, gdal) in cases {
        let a = agreement_of(bmng, scheme, tile, ("auto", gdal), true);
        let share = |k: usize| k as f64 / a.n.max(1) as f64;
        eprintln!(
            "auto {scheme} {tile:?} vs gdalwarp -r {gdal} -et 0: {} pixels, {:.3}% equal, {:.3}% within 1, footprint {}",
            a.n,
            share(a.equal) * 100.0,
            share(a.close) * 100.0,
            a.footprint
        );
        assert!(a.n > 10_000, "{scheme} {tile:?}: the tile should be on the image");
        assert!(share(a.close) >= 0.99, "auto {scheme} {tile:?}: {:.3}% within 1 of -r {gdal}", share(a.close) * 100.0);
        if gdal == "near" {
            assert!(share(a.equal) >= 0.995, "auto {scheme} {tile:?}: {:.3}% equal to -r near", share(a.equal) * 100.0);
        } else {
            let near = agreement_of(bmng, scheme, tile, ("auto", "near"), true);
            let s = near.equal as f64 / near.n.max(1) as f64;
            assert!(s < 0.5, "auto {scheme} {tile:?} is {:.1}% equal to -r near: not bilinear", s * 100.0);
        }
    }
    // A palette file magnified (its 0.05° pixels in 0.011° tile pixels): nearest, never blended.
    let f = fixture("u8_palette_lzw");
    let a = agreement_of(&f.path, "EPSG:4326", (6, 59, 12), ("auto", "near"), true);
    assert!(a.n > 5000 && a.equal as f64 / a.n as f64 >= 0.995, "palette tile: {a:?}");
}

#[test]
fn resampling_names_parse_as_gdal_and_titiler_name_them() {
    assert_eq!(Resampling::parse("nearest").unwrap(), Resampling::Nearest);
    assert_eq!(Resampling::parse("near").unwrap(), Resampling::Nearest);
    assert_eq!(Resampling::parse("Bilinear").unwrap(), Resampling::Bilinear);
    assert_eq!(Resampling::parse("cubic").unwrap(), Resampling::Cubic);
    let e = Resampling::parse("lanczos").unwrap_err().to_string();
    assert!(e.contains("lanczos") && e.contains("nearest, bilinear or cubic"), "{e}");
}
