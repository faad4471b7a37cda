//! TiTiler's query parameters (bidx, expression, rescale, nodata, colormap_name, colormap) against
//! rio-tiler 7 itself (tests/riotiler_oracle.py in the virtualenv scripts/setup makes): rio-tiler
//! styles the band values gdalwarp gives for the same tile, we style ours.

mod common;
use common::{fixture, open, rgba_agreement};
use large_image_wasm::api::TileOptions;
use large_image_wasm::encode::Format;
use large_image_wasm::style::TitilerParams;
use serde_json::Value;
use std::process::Command;

/// The rio-tiler virtualenv's python, as scripts/env.sh names it.
fn riotiler_python() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .args(["-c", &format!("source {root}/scripts/env.sh && echo $LIW_RIOTILER_PYTHON")])
        .output()
        .expect("bash");
    let py = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(std::path::Path::new(&py).exists(), "no rio-tiler virtualenv at {py}: run scripts/setup");
    py
}

fn riotiler(args: &[&str]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/riotiler_oracle.py");
    let out = Command::new(riotiler_python()).arg(script).args(args).output().expect("run rio-tiler oracle");
    assert!(out.status.success(), "rio-tiler oracle {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// Our RGBA web tile of fixture `name` (TiTiler parameters `query`, when given).
fn ours(name: &str, scheme: &str, (z, x, y): (u32, u64, u64), query: Option<&str>) -> Vec<u8> {
    let f = fixture(name);
    let img = open(&f.path);
    let mut o = TileOptions::default();
    o.projection = Some(scheme.into());
    o.format = Format::Rgba;
    o.titiler = query.map(|q| TitilerParams::from_query(q, f.bands).unwrap());
    pollster::block_on(img.tile(z, x, y, &o)).unwrap()
}

/// Two RGBA tiles: (pixels opaque in either, pixels equal in all four channels, largest channel
/// difference, pixels opaque in one only).
fn agreement(ours: &[u8], theirs: &Value) -> (usize, usize, i32, usize) {
    let theirs: Vec<f64> = theirs["rgba"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as f64).collect();
    let a = rgba_agreement(ours, &theirs);
    (a.n, a.equal, a.max as i32, a.coverage)
}

/// Our RGBA tile with TiTiler parameters `query` against rio-tiler's styling of gdalwarp's samples:
/// (pixels opaque in either, pixels equal in all four channels, largest channel difference).
fn compare(name: &str, scheme: &str, z: u32, x: u64, y: u64, query: &str) -> (usize, usize, i32) {
    let f = fixture(name);
    let (zs, xs, ys) = (z.to_string(), x.to_string(), y.to_string());
    let g = riotiler(&["render", &f.path, scheme, &zs, &xs, &ys, query]);
    let (n, equal, max, _) = agreement(&ours(name, scheme, (z, x, y), Some(query)), &g);
    (n, equal, max)
}

#[test]
fn titiler_parameters_render_as_riotiler_does() {
    let cases = [
        ("u8_rgb_deflate", "EPSG:4326", 7, 124, 28, "bidx=3&bidx=1&bidx=2"),
        ("u8_rgb_deflate", "EPSG:4326", 7, 124, 28, "expression=(b1-b2)/(b1%2Bb2)&rescale=-1,1"),
        ("u8_rgb_deflate", "EPSG:4326", 7, 124, 28, "expression=b1*2;b2;where(b3>100,b3,0)&rescale=0,510&rescale=0,255&rescale=0,255"),
        ("u16_utm33_deflate", "EPSG:3857", 9, 275, 172, "rescale=0,65535"),
        ("u16_deflate_pred2", "EPSG:4326", 7, 124, 28, "bidx=2&rescale=0,40000&nodata=0"),
        ("f32_deflate_pred3", "EPSG:4326", 7, 124, 28, "rescale=-1250,750"),
        ("u8_rgb_deflate", "EPSG:4326", 7, 124, 28, "bidx=1&colormap_name=viridis"),
        ("u8_rgb_deflate", "EPSG:4326", 7, 124, 28, "bidx=2&colormap_name=terrain"),
        ("u8_rgb_deflate", "EPSG:4326", 7, 124, 28, "bidx=3&colormap_name=rdylgn"),
        ("u8_palette_lzw", "EPSG:4326", 7, 119, 24, "bidx=1&colormap=%7B%220%22%3A%5B255%2C0%2C0%2C255%5D%2C%223%22%3A%5B0%2C0%2C255%2C255%5D%2C%227%22%3A%5B0%2C255%2C0%2C128%5D%2C%2212%22%3A%5B9%2C9%2C9%2C255%5D%7D"),
        ("i16_lzw_pred2", "EPSG:4326", 7, 124, 28, "colormap=%5B%5B%5B-40000%2C0%5D%2C%5B0%2C0%2C255%2C255%5D%5D%2C%5B%5B0%2C40000%5D%2C%5B255%2C255%2C0%2C255%5D%5D%5D"),
    ];
    for (name, scheme, z, x, y, q) in cases {
        let (n, eq, max) = compare(name, scheme, z, x, y, q);
        let share = eq as f64 / n.max(1) as f64;
        eprintln!(
            "{name} {scheme} {z}/{x}/{y} ?{q}: {n} opaque pixels, {:.3}% equal to rio-tiler, max diff {max}",
            share * 100.0
        );
        assert!(n > 1000, "{name} {z}/{x}/{y}: the tile should overlap the image ({n})");
        assert!(share >= 0.995, "{name} ?{q}: only {:.3}% equal to rio-tiler (max diff {max})", share * 100.0);
    }
}

/// rio-tiler's whole pipeline (`Reader.tile`: its WarpedVRT, its overview choice, GDAL 3.10's default
/// 0.125 px approximate transformer) against ours on 8-bit RGB files, which both draw as they are.
#[test]
fn tiles_match_riotiler_reader() {
    let cases = [("u8_rgb_zstd_3857", 7, 67, 44), ("u8_rgb_polar_3413", 3, 3, 1), ("u8_rgb_deflate", 7, 63, 44)];
    for (name, z, x, y) in cases {
        let f = fixture(name);
        let g = riotiler(&["tile", &f.path, &z.to_string(), &x.to_string(), &y.to_string()]);
        let (n, equal, _, alpha_differs) = agreement(&ours(name, "EPSG:3857", (z, x, y), None), &g);
        let share = equal as f64 / n.max(1) as f64;
        eprintln!(
            "{name} 3857 {z}/{x}/{y}: {n} pixels, {:.3}% equal to rio-tiler's Reader.tile, coverage differs on {alpha_differs}",
            share * 100.0
        );
        assert!(n > 1000, "{name} {z}/{x}/{y}: the tile should overlap the image ({n})");
        // rio-tiler warps with GDAL's default 0.125 px approximation (we stay within 0.01 px of the exact
        // transform: 99.5-100 % equal to `gdalwarp -et 0`), which moves a few % of nearest samples.
        assert!(share >= 0.93, "{name} {z}/{x}/{y}: only {:.3}% equal to rio-tiler", share * 100.0);
    }
}
