//! What the wasm face installs in the core once a part loaded on first use is there (the loader JS hands
//! over, and what reaches the codec, projection and colour modules): one slot each, set once, in a
//! `thread_local!`, read synchronously.

use std::cell::RefCell;

/// A value installed once: the first [`Slot::set`] counts.
pub struct Slot<T>(RefCell<Option<T>>);

impl<T> Slot<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        Slot(RefCell::new(None))
    }

    /// Whether the value is installed.
    pub fn is_set(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Installs `value` unless one already is.
    pub fn set(&self, value: T) {
        self.0.borrow_mut().get_or_insert(value);
    }

    /// `f` of the installed value (`None` before [`Slot::set`]).
    pub fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(self.0.borrow().as_ref())
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self::new()
    }
}
