//! Our large_image views against the live django-large-image 0.10.5 (tests/oracle/), asked the same URLs in
//! the same run, on fixtures of several layouts made by GDAL: 256- and 512-pixel blocks, many strips, one
//! strip, tiles without overviews, no georeferencing, and several dtypes. The pixel-space pyramid must be
//! large_image's (256-pixel tiles, whatever the file's blocks): metadata, tiles/metadata, every tile's
//! corners, every tile of every level pixel for pixel, and pixel values.

mod common;
use common::dli::{diff, Dli};
use common::json;
use large_image_wasm::api::{LargeImage, TileOptions};
use large_image_wasm::encode::Format;
use large_image_wasm::source::FileSource;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

/// The layouts compared (fixture names of tests/gdal_oracle.py's matrix).
const LAYOUTS: &[&str] = &[
    "u16_deflate_pred2",      // 256-pixel blocks, nodata, 2 bands
    "u16_deflate_512",        // 512-pixel blocks
    "u8_rgb_stripped_lzw",    // many strips, no overviews
    "u8_rgb_one_strip",       // one strip for the whole image
    "i16_tiled_no_overviews", // 256-pixel tiles, no overviews, 1100 px wide
    "u8_gray_no_georef",      // no georeferencing at all
    "f32_deflate_pred3",      // float with nodata
    "u8_rgb_deflate",         // RGB
];

/// Where we answer differently on purpose, because django-large-image's answer is wrong: its rasterio
/// source says `geospatial: true` for every file (it tests `bool(dataset.transform)`, always true), a plain
/// image with no georeferencing included.
fn deliberate(fixture: &str, path: &str) -> bool {
    fixture == "u8_gray_no_georef"
        && (path.starts_with(".geospatial:") || path.starts_with(".additional_metadata.geospatial:"))
}

fn server() -> &'static Dli {
    static S: OnceLock<Dli> = OnceLock::new();
    S.get_or_init(|| {
        let dir = Path::new(&common::fixture(LAYOUTS[0]).path).parent().unwrap().to_path_buf();
        Dli::start(&dir)
    })
}

fn open(name: &str) -> LargeImage<FileSource> {
    common::open(&common::fixture(name).path)
}

/// The differences of ours (as JSON) from theirs, less the deliberate ones.
fn differences<T: Serialize>(fixture: &str, what: &str, ours: &T, theirs: &Value, rel: f64) -> Vec<String> {
    let mut d = Vec::new();
    diff("", &json(ours), theirs, rel, &mut d);
    d.retain(|p| !deliberate(fixture, p));
    d.into_iter().map(|p| format!("{fixture} {what}: {p}")).collect()
}

#[test]
fn metadata_views_equal_the_live_django_large_image() {
    let dli = server();
    let mut bad = Vec::new();
    for &name in LAYOUTS {
        let img = open(name);
        let file = format!("{name}.tif");
        let m = json(pollster::block_on(img.metadata(None)).unwrap());
        bad.extend(differences(name, "info/metadata", &m, &dli.image(&file, "info/metadata").json(), 1e-9));
        let tm = pollster::block_on(img.tiles_metadata(None)).unwrap();
        bad.extend(differences(name, "tiles/metadata", &tm, &dli.image(&file, "tiles/metadata").json(), 1e-9));
        assert_eq!(m["tileWidth"], 256, "{name}: large_image's pixel-space tiles are 256 pixels");
        if img.cog.georef.is_some() {
            let q = "info/metadata?projection=EPSG:3857";
            let m = pollster::block_on(img.metadata(Some("EPSG:3857"))).unwrap();
            bad.extend(differences(name, q, &m, &dli.image(&file, q).json(), 1e-9));
        } else {
            assert_eq!(m["geospatial"], false, "{name}: no georeferencing");
            assert_eq!(dli.image(&file, "info/metadata").json()["geospatial"], true, "the deliberate difference");
        }
        let bands = pollster::block_on(img.bands()).unwrap();
        bad.extend(differences(name, "info/bands", &bands, &dli.image(&file, "info/bands").json(), 1e-9));
    }
    assert!(bad.is_empty(), "{} differences:\n  {}", bad.len(), bad.join("\n  "));
}

/// Pixels of our PNG tile and django-large-image's: (pixels, equal ones). Pixels transparent in both count
/// as equal. A tile of theirs in one grey channel (`L`: large_image's rendering of a single grey band)
/// has no alpha, so its padding and nodata are opaque black; ours keeps them transparent (a deliberate
/// difference), so there a pixel agrees when ours is transparent and theirs black, or ours is opaque
/// grey of their value.
fn agreement(ours: &[u8], theirs: &[u8]) -> (usize, usize) {
    let a = image::load_from_memory(ours).unwrap().to_rgba8();
    let theirs = image::load_from_memory(theirs).unwrap();
    let luminance = theirs.color() == image::ColorType::L8;
    let b = theirs.to_rgba8();
    assert_eq!(a.dimensions(), b.dimensions(), "tile size");
    let eq = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| match luminance {
            false => p == q || (p[3] == 0 && q[3] == 0),
            true if p[3] == 0 => q[0] == 0,
            true => p[3] == 255 && p[0] == q[0] && p[1] == q[0] && p[2] == q[0],
        })
        .count();
    (a.pixels().len(), eq)
}

#[test]
fn every_pixel_space_tile_and_corner_equals_the_live_django_large_image() {
    let dli = server();
    let mut bad = Vec::new();
    let mut compared = 0;
    for &name in LAYOUTS {
        let img = open(name);
        let file = format!("{name}.tif");
        let b = img.cog.base().clone();
        let levels = json(pollster::block_on(img.metadata(None)).unwrap())["levels"].as_u64().unwrap() as u32;
        let mut o = TileOptions::default();
        o.format = Format::Png;
        for z in 0..levels {
            let span = 256u64 << (levels - 1 - z);
            let (nx, ny) = (b.width.div_ceil(span), b.height.div_ceil(span));
            for y in 0..ny {
                for x in 0..nx {
                    let corners = img.tile_corners(z, x, y, None).unwrap();
                    let theirs = dli.image(&file, &format!("tiles/{z}/{x}/{y}/corners")).json();
                    bad.extend(differences(name, &format!("corners {z}/{x}/{y}"), &corners, &theirs, 0.0));
                    let ours = pollster::block_on(img.tile(z, x, y, &o)).unwrap();
                    let theirs = dli.image(&file, &format!("tiles/{z}/{x}/{y}.png"));
                    assert_eq!(theirs.status, 200, "{name} {z}/{x}/{y}: {}", theirs.text());
                    let (n, eq) = agreement(&ours, &theirs.body);
                    compared += 1;
                    if eq != n {
                        bad.push(format!("{name} tile {z}/{x}/{y}: {eq} of {n} pixels equal"));
                    }
                }
            }
            // The first tile past the right edge: an error in both, with large_image's words.
            let theirs = dli.image(&file, &format!("tiles/{z}/{nx}/0.png"));
            assert_eq!((theirs.status, theirs.text().as_str()), (400, "x is outside layer"), "{name} z={z}");
            let ours = pollster::block_on(img.tile(z, nx, 0, &o)).unwrap_err().to_string();
            assert!(ours.contains("x is outside layer"), "{name} {z}/{nx}/0: {ours}");
        }
        let theirs = dli.image(&file, &format!("tiles/{levels}/0/0.png"));
        assert_eq!((theirs.status, theirs.text().as_str()), (400, "z layer does not exist"), "{name}");
        let ours = pollster::block_on(img.tile(levels, 0, 0, &o)).unwrap_err().to_string();
        assert!(ours.contains("z layer does not exist"), "{name}: {ours}");
    }
    eprintln!("{compared} pixel-space tiles compared with django-large-image");
    assert!(compared > 60, "{compared} tiles compared");
    assert!(bad.is_empty(), "{} differences:\n  {}", bad.len(), bad.join("\n  "));
}

#[test]
fn pixel_values_equal_the_live_django_large_image() {
    let dli = server();
    let mut bad = Vec::new();
    for &name in LAYOUTS {
        let img = open(name);
        let file = format!("{name}.tif");
        let b = img.cog.base().clone();
        let (w, h) = (b.width as f64, b.height as f64);
        for (left, top) in [(0.0, 0.0), (5.0, 7.0), (w / 2.0, h / 3.0), (w - 1.0, h - 1.0), (w + 3.0, 2.0)] {
            let (left, top) = (left.floor(), top.floor());
            let ours = pollster::block_on(img.pixel(left, top, None)).unwrap();
            let theirs = dli.image(&file, &format!("data/pixel?left={left}&top={top}")).json();
            bad.extend(differences(name, &format!("pixel {left},{top}"), &ours, &theirs, 1e-6));
        }
    }
    assert!(bad.is_empty(), "{} differences:\n  {}", bad.len(), bad.join("\n  "));
}
