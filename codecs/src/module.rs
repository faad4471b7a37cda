//! The C-ABI exports of `pkg/codecs.wasm` (the `module` feature on wasm32), driven by
//! `www/lib/codecs.js`: the request is written into room from [`liwc_alloc`], [`liwc_run`] decodes it and
//! keeps the answer, which [`liwc_out`] points at until the next run.

use crate::{response_to_bytes, Request};
use std::cell::RefCell;

thread_local! {
    /// The last answer, kept for the caller to copy out.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Room for a request of `len` bytes, which [`liwc_run`] takes back.
#[no_mangle]
pub extern "C" fn liwc_alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()) as *mut u8
}

/// Runs the request at `ptr` (`len` bytes, from [`liwc_alloc`]), frees it, and returns the length of
/// the answer at [`liwc_out`].
///
/// # Safety
/// `ptr` and `len` must be those of one [`liwc_alloc`] call, not yet run.
#[no_mangle]
pub unsafe extern "C" fn liwc_run(ptr: *mut u8, len: usize) -> usize {
    // SAFETY: the caller passes back one allocation of `len` bytes made by `liwc_alloc`.
    let request = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
    OUT.with(|o| *o.borrow_mut() = Vec::new()); // the last answer was read: free it before decoding
    let answer = match Request::from_bytes(&request) {
        Ok(r) => response_to_bytes(&r.run()),
        Err(e) => response_to_bytes(&Err(e)),
    };
    drop(request);
    let n = answer.len();
    OUT.with(|o| *o.borrow_mut() = answer);
    n
}

/// Where the last answer of [`liwc_run`] is.
#[no_mangle]
pub extern "C" fn liwc_out() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}
