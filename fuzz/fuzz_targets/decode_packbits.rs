//! A 4-byte layout header, then one compressed tile for `decode_tile` (see fuzz/harness.rs).
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::run_target("decode_packbits", data);
});
