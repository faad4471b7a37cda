//! The C-ABI exports of `pkg/colours.wasm` (the `module` feature on wasm32), driven by
//! `www/lib/colours.js`: a colour's text is written into room from [`lic_alloc`] and [`lic_parse`]
//! parses it.

/// Room for a colour's text of `len` bytes, which [`lic_parse`] takes back.
#[no_mangle]
pub extern "C" fn lic_alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()) as *mut u8
}

/// Parses the text at `ptr` (`len` bytes from [`lic_alloc`]), frees it, and answers as
/// [`crate::to_number`] does.
///
/// # Safety
/// `ptr` and `len` must be those of one [`lic_alloc`] call, not yet passed here.
#[no_mangle]
pub unsafe extern "C" fn lic_parse(ptr: *mut u8, len: usize) -> f64 {
    // SAFETY: the caller passes back one allocation of `len` bytes made by `lic_alloc`.
    let text = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
    crate::to_number(std::str::from_utf8(&text).ok().and_then(crate::parse))
}
