//! COG validation, internal metadata and tiffdump against their real counterparts: GDAL's
//! `validate_cloud_optimized_geotiff.py` (run on the same files), what GDAL reports of each image, and the
//! tifftools dump django-large-image 0.10.5 answered for the sample COG (tests/dli_recorded/).

mod common;
use common::{dli_sample, fixtures, open, oracle, recorded, scratch};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The validation fixtures (tests/gdal_oracle.py `cog_cases`) as (name, path), made once per test binary.
fn cog_cases() -> Vec<(String, String)> {
    static CASES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CASES
        .get_or_init(|| {
            let dir = scratch("cog_cases");
            let m = oracle(&["cog_cases", dir.to_str().unwrap()]);
            let name_path = |c: &Value| (c["name"].as_str().unwrap().into(), c["path"].as_str().unwrap().into());
            m.as_array().unwrap().iter().map(name_path).collect()
        })
        .clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Our report against GDAL's for one file, with and without the full (leader/trailer) check.
fn check(name: &str, path: &str, full: bool) -> Vec<String> {
    let img = open(path);
    let ours = pollster::block_on(img.validate(full)).unwrap();
    let args: &[&str] = if full { &["validate", path, "full"] } else { &["validate", path] };
    let gdal = oracle(args);
    assert_eq!(ours.errors, strings(&gdal["errors"]), "{name} (full check {full}): errors, ours vs GDAL");
    assert_eq!(ours.warnings, strings(&gdal["warnings"]), "{name} (full check {full}): warnings, ours vs GDAL");
    assert_eq!(ours.details, gdal["details"], "{name} (full check {full}): details, ours vs GDAL");
    assert_eq!(ours.valid, ours.errors.is_empty(), "{name}: valid means no errors");
    ours.errors
}

#[test]
fn validation_cases_match_gdal() {
    for (name, path) in cog_cases() {
        let full = check(&name, &path, true);
        let quick = check(&name, &path, false);
        // The fixtures must exercise what they are named for (GDAL's word, checked above to equal ours).
        let invalid =
            ["stripped", "gdaladdo_after", "ghost_wiped", "trailer_broken", "leader_broken", "edited_in_place"];
        assert_eq!(!full.is_empty(), invalid.contains(&name.as_str()), "{name}: GDAL's errors {full:?}");
        let block_level = ["trailer_broken", "leader_broken"].contains(&name.as_str());
        assert_eq!(quick.len() < full.len(), block_level || name == "edited_in_place", "{name}: full-check errors");
    }
}

#[test]
fn validation_of_every_fixture_matches_gdal() {
    for f in fixtures() {
        check(&f.name, &f.path, true);
    }
}

/// Drops what a range reader cannot know (the file's path and length) from a tifftools dump.
fn without_path_and_size(mut v: Value) -> Value {
    let strip = |o: &mut Value| {
        let o = o.as_object_mut().unwrap();
        o.remove("path_or_fobj");
        o.remove("size");
    };
    strip(&mut v);
    for ifd in v["ifds"].as_array_mut().unwrap() {
        strip(ifd);
    }
    v
}

#[test]
fn tiffdump_equals_django_large_image_answer() {
    // The recorded answers and the sample made by the script the answer was recorded with.
    let recorded = recorded("07_info_tiffdump.json");
    let out = PathBuf::from(dli_sample());
    let len = std::fs::metadata(&out).unwrap().len();
    assert_eq!(Some(len), recorded["size"].as_u64(), "the sample made here is the file the answer was recorded for");
    let ours = pollster::block_on(open(out.to_str().unwrap()).tiffdump()).unwrap();
    assert_eq!(ours["size"], Value::Null);
    assert_eq!(without_path_and_size(ours), without_path_and_size(recorded));
}

#[test]
fn internal_metadata_matches_gdal_layout() {
    let mut paths: Vec<(String, String)> = fixtures().iter().map(|f| (f.name.clone(), f.path.clone())).collect();
    paths.extend(cog_cases());
    for (name, path) in paths {
        let img = open(&path);
        let ours = pollster::block_on(img.internal_metadata()).unwrap();
        let dump = pollster::block_on(img.tiffdump()).unwrap();
        let gdal = oracle(&["layout", &path]);
        let images = gdal["images"].as_array().unwrap();
        let ifds = ours["ifds"].as_array().unwrap();
        assert_eq!(ifds.len(), images.len(), "{name}: IFDs, ours vs the images GDAL makes of them");
        for g in images {
            let role = g["role"].as_str().unwrap();
            let ifd = ifds.iter().find(|i| i["offset"] == g["ifd_offset"]).unwrap_or_else(|| {
                panic!("{name}: GDAL's {role} at IFD offset {} is not in our internal metadata", g["ifd_offset"])
            });
            let at = format!("{name} {role}");
            assert_eq!(ifd["width"], g["width"], "{at}: width");
            assert_eq!(ifd["height"], g["height"], "{at}: height");
            assert_eq!([&ifd["blockWidth"], &ifd["blockHeight"]], [&g["block"][0], &g["block"][1]], "{at}: block");
            let tags = &ifd["tags"];
            assert_eq!(tags["256"]["name"], "ImageWidth", "{at}: tag names");
            assert_eq!(tags["256"]["data"][0], g["width"], "{at}: ImageWidth tag");
            let raw = dump["ifds"].as_array().unwrap().iter().find(|i| i["offset"] == g["ifd_offset"]).unwrap();
            let (off, cnt) = if ifd["tiled"] == true { ("324", "325") } else { ("273", "279") };
            assert_eq!(tags[off]["count"], raw["tags"][off]["count"], "{at}: offsets count, metadata vs tiffdump");
            assert_eq!(raw["tags"][off]["data"][0], g["first_block_offset"], "{at}: first block offset");
            assert_eq!(raw["tags"][cnt]["data"][0], g["first_block_size"], "{at}: first block size");
            assert_eq!(tags.as_object().unwrap().len(), raw["tags"].as_object().unwrap().len(), "{at}: tag count");
        }
        assert_eq!(ours["Metadata"]["nodata"], gdal["nodata"], "{name}: nodata");
        assert_eq!(ours["Metadata"]["count"], gdal["bands"], "{name}: bands");
        if gdal["has_srs"] == false {
            // No georeferencing at all: no CRS, no transform.
            assert!(ours["Projection"].is_null() && ours["Metadata"]["transform"].is_null(), "{name}: {ours}");
            continue;
        }
        match gdal["epsg"].as_u64() {
            Some(epsg) => {
                assert_eq!(ours["Projection"], format!("EPSG:{epsg}"), "{name}: projection");
                let keys = ours["geoKeys"].as_array().unwrap();
                let named = |n: &str| keys.iter().find(|k| k["name"] == n);
                let key = named("ProjectedCSTypeGeoKey")
                    .or_else(|| named("GeographicTypeGeoKey"))
                    .unwrap_or_else(|| panic!("{name}: no CRS GeoKey named"));
                assert_eq!(key["value"].as_u64(), Some(epsg), "{name}: {} value", key["name"]);
            }
            // A CRS given by GeoKey parameters only: its PROJ.4 definition (checked against GDAL/PROJ
            // in tests/tiles_vs_gdalwarp.rs, user_defined_geokey_crs_match_gdal).
            None => assert!(
                ours["Projection"].as_str().is_some_and(|p| p.starts_with("+proj=")),
                "{name}: projection {}",
                ours["Projection"]
            ),
        }
        let gt: Vec<f64> =
            ours["Metadata"]["transform"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (a, b) in gt.iter().zip(gdal["geotransform"].as_array().unwrap()) {
            assert!(
                (a - b.as_f64().unwrap()).abs() < 1e-9,
                "{name}: geotransform {gt:?} vs GDAL {}",
                gdal["geotransform"]
            );
        }
    }
}
