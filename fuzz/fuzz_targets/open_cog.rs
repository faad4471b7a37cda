//! Arbitrary bytes as a whole file: `Cog::open` over a `MemorySource` (IFD chain, tags, GeoKeys), then small windows of every level.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::open_cog(data);
});
