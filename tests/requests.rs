//! Request accounting: how many reads and bytes each operation costs, and that concurrent requests
//! for the same tile share one fetch.

mod common;
use common::fixture;
use large_image_wasm::api::{LargeImage, TileOptions};
use large_image_wasm::cog::{Cog, OpenOptions};
use large_image_wasm::source::{FileSource, RangeSource};
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// A file source that records every range and yields to the executor once per read (as a network
/// read would), so that concurrent futures interleave.
struct Recording {
    inner: FileSource,
    log: Mutex<Vec<Range<u64>>>,
}

struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl RangeSource for Recording {
    fn url(&self) -> &str {
        self.inner.url()
    }
    async fn get_bytes(&self, range: Range<u64>) -> large_image_wasm::Result<Vec<u8>> {
        self.log.lock().unwrap().push(range.clone());
        YieldOnce(false).await;
        self.inner.get_bytes(range).await
    }
}

fn recording(path: &str) -> Recording {
    Recording { inner: FileSource::open(path).unwrap(), log: Mutex::new(vec![]) }
}

#[test]
fn opening_a_cog_costs_one_request_and_a_window_one_more() {
    let f = fixture("u16_deflate_pred2");
    let cog = pollster::block_on(Cog::open(recording(&f.path), OpenOptions::default())).unwrap();
    assert_eq!(cog.file.src.log.lock().unwrap().clone(), vec![0..65536], "open = one 64 KiB read");
    // A 256² window aligned on one tile: exactly one more request.
    pollster::block_on(cog.read_window(0, 256, 0, 256, 256)).unwrap();
    assert_eq!(cog.file.src.log.lock().unwrap().len(), 2);
    // Again: decoded-tile cache, no request.
    pollster::block_on(cog.read_window(0, 256, 0, 256, 256)).unwrap();
    assert_eq!(cog.file.src.log.lock().unwrap().len(), 2);
}

#[test]
fn a_small_first_read_fetches_more_header_only_when_needed() {
    let f = fixture("u8_rgb_deflate");
    let mut o = OpenOptions::default();
    o.header_bytes = 512;
    let cog = pollster::block_on(Cog::open(recording(&f.path), o)).unwrap();
    let log = cog.file.src.log.lock().unwrap().clone();
    assert!(log.len() > 1 && log[0] == (0..512), "{log:?}");
    assert_eq!(cog.levels.len(), 3);
}

#[test]
fn concurrent_requests_for_the_same_tiles_fetch_them_once() {
    let f = fixture("u8_rgb_deflate");
    let img = pollster::block_on(LargeImage::open(recording(&f.path), OpenOptions::default())).unwrap();
    let mut o = TileOptions::default();
    o.projection = Some("EPSG:3857".into());
    let a = img.tile(5, 15, 9, &o);
    let b = img.tile(5, 15, 9, &o);
    let (ra, rb) = pollster::block_on(futures_join(a, b));
    assert_eq!(ra.unwrap(), rb.unwrap());
    let log = img.cog.file.src.log.lock().unwrap().clone();
    let tile_reads: Vec<_> = log.iter().skip(1).collect();
    let mut sorted: Vec<_> = tile_reads.iter().map(|r| (r.start, r.end)).collect();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), tile_reads.len(), "a byte range was fetched twice: {tile_reads:?}");
}

/// Polls two futures together until both finish.
async fn futures_join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

#[test]
fn a_window_over_four_tiles_reads_each_header_chunk_once() {
    // A small first read: the tile offsets and byte counts lie beyond it, in 16 KiB chunks read lazily;
    // the four tiles' lookups run together and must share them.
    let f = fixture("u16_deflate_pred2");
    let mut o = OpenOptions::default();
    o.header_bytes = 512;
    let cog = pollster::block_on(Cog::open(recording(&f.path), o)).unwrap();
    // Across the corner of four 256² tiles.
    pollster::block_on(cog.read_window(0, 128, 128, 256, 256)).unwrap();
    let log = cog.file.src.log.lock().unwrap().clone();
    let mut seen = log.clone();
    seen.sort_by_key(|r| (r.start, r.end));
    seen.dedup();
    assert_eq!(seen.len(), log.len(), "a range was fetched twice: {log:?}");
}
