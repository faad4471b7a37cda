//! Bad input: clear errors naming the file, the byte range and the reason; never a panic or a hang.

mod common;
use common::{fixture, open_bytes as open};
use large_image_wasm::ErrorKind;

#[test]
fn not_a_tiff_names_the_url_and_what_was_found() {
    let e = open("https://example.test/page.html", b"<!doctype html><html>".to_vec()).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::NotTiff { .. }));
    let msg = e.to_string();
    assert!(msg.contains("https://example.test/page.html") && msg.contains("not II or MM"), "{msg}");
    let empty = open("empty.tif", vec![]).unwrap_err();
    assert!(empty.to_string().contains("0 bytes"), "{empty}");
}

#[test]
fn truncated_files_fail_with_the_missing_range() {
    let f = fixture("u8_rgb_deflate");
    let bytes = std::fs::read(&f.path).unwrap();
    // Cut inside the IFDs.
    let e = open("cut.tif", bytes[..300].to_vec()).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("cut.tif") && e.range.is_some(), "{e}");
    // Cut inside the tile data: opening works, reading the missing tiles fails with their range.
    let cog = open("cut-data.tif", bytes[..bytes.len() / 2].to_vec()).unwrap();
    let e = pollster::block_on(cog.read_window(0, 0, 0, 700, 500)).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("cut-data.tif, bytes"), "{e}");
}

/// A little-endian TIFF with one IFD at offset 8: `entries` as (tag, type, count, inline value), then
/// the next-IFD offset `next`.
fn tiny_tiff(entries: &[(u16, u16, u32, u32)], next: u32) -> Vec<u8> {
    let mut b = b"II*\0\x08\0\0\0".to_vec();
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for &(tag, typ, count, value) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&typ.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&value.to_le_bytes());
    }
    b.extend_from_slice(&next.to_le_bytes());
    b
}

#[test]
fn an_ifd_chain_that_loops_is_refused() {
    // One IFD that points back to itself as the next.
    let entries =
        [(256, 3, 1, 16), (257, 3, 1, 16), (258, 3, 1, 8), (273, 4, 1, 200), (278, 3, 1, 16), (279, 4, 1, 256)];
    let mut b = tiny_tiff(&entries, 8);
    b.resize(600, 0);
    let e = open("loop.tif", b).unwrap_err();
    assert!(e.to_string().contains("loops back to offset 8"), "{e}");
}

#[test]
fn absurd_dimensions_hit_the_limits_not_the_allocator() {
    let entries = [
        (256, 4, 1, 4_000_000_000),
        (257, 4, 1, 4_000_000_000),
        (258, 3, 1, 8),
        (273, 4, 1, 200),
        (278, 3, 1, 16),
        (279, 4, 1, 256),
    ];
    let b = tiny_tiff(&entries, 0);
    let e = open("huge.tif", b).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::LimitsExceeded { .. }), "{e}");
}
