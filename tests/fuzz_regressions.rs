//! Inputs found by the fuzz targets (`fuzz/`), replayed through the same entry points
//! (`fuzz/harness.rs`): each must return, Ok or Err, without a panic.
//!
//! `tests/fuzz_regressions/<target>/<name>` holds the inputs that once failed; `fuzz/seeds/<target>/`
//! the seed corpus (real GDAL files and tiles), replayed too so that the harness stays in step with the
//! library. Add a crash with `cp fuzz/artifacts/<target>/crash-… tests/fuzz_regressions/<target>/<name>`.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

thread_local! {
    /// Set while this thread replays an input: its panics are recorded, not printed.
    static REPLAYING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Where the last recorded panic happened ("file:line:col").
    static PANIC_AT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Installs (once) a panic hook that records the location of panics during a replay and leaves all
/// other panics (the tests' own assertions) to the default hook.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if REPLAYING.with(|r| r.get()) {
                let at = info.location().map(|l| l.to_string()).unwrap_or_default();
                PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                default(info);
            }
        }));
    });
}

/// Runs every file under `dir/<target>/` through its target; returns "target/name: file:line: panic
/// message" for each that panicked.
fn replay(dir: &Path) -> (usize, Vec<String>) {
    install_hook();
    let mut ran = 0;
    let mut failures = Vec::new();
    let Ok(targets) = std::fs::read_dir(dir) else { return (0, failures) };
    let mut targets: Vec<_> = targets.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    targets.sort();
    for tdir in targets {
        let target = tdir.file_name().unwrap().to_string_lossy().to_string();
        let mut files: Vec<_> = std::fs::read_dir(&tdir).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files.into_iter().filter(|p| p.is_file()) {
            let data = std::fs::read(&f).unwrap();
            ran += 1;
            let t = target.clone();
            REPLAYING.with(|r| r.set(true));
            let result = std::panic::catch_unwind(move || harness::run_target(&t, &data));
            REPLAYING.with(|r| r.set(false));
            if let Err(p) = result {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let at = PANIC_AT.with(|p| p.borrow().clone());
                failures.push(format!("{target}/{}: {at}: {msg}", f.file_name().unwrap().to_string_lossy()));
            }
        }
    }
    (ran, failures)
}

#[test]
fn fuzz_regressions_do_not_panic() {
    let (ran, failures) = replay(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions"));
    assert!(ran > 0, "no input under tests/fuzz_regressions/");
    assert!(failures.is_empty(), "{} of {ran} inputs panicked:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn fuzz_seeds_do_not_panic() {
    let (ran, failures) = replay(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds"));
    assert!(ran > 0, "no seed under fuzz/seeds/");
    assert!(failures.is_empty(), "{} of {ran} seeds panicked:\n{}", failures.len(), failures.join("\n"));
}

/// The seeds made from real tiles decode: a check that the harness' layout header matches
/// fuzz/make-seeds.sh (a seed that fails to decode would still be a seed, but a poorer one).
#[test]
fn decoder_seeds_decode() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (target, code) in harness::CODECS {
        let Ok(dir) = std::fs::read_dir(seeds.join(target)) else { continue };
        for f in dir.filter_map(|e| e.ok()).map(|e| e.path()) {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("raw_") {
                continue;
            }
            let data = std::fs::read(&f).unwrap();
            let (mut spec, mut rest) = harness::decode_header(code, &data).unwrap();
            if code == 7 {
                let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
                spec.jpeg_tables = (n > 0).then(|| &rest[2..2 + n]);
                rest = &rest[2 + n..];
            }
            let out = large_image_wasm::decode::decode_tile(&spec, rest, &harness::limits())
                .unwrap_or_else(|e| panic!("{target}/{name}: {e}"));
            assert_eq!(out.len(), spec.decoded_len(), "{target}/{name}");
        }
    }
}
