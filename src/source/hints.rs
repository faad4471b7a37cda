//! What a read is for: its priority and whether it reads header or tile bytes ([`ReadHints`]).
//!
//! Cancellation is by dropping: a read whose future is dropped leaves the engine's queue, and the fetch it
//! started is aborted once no other read waits for it (the wasm face drops a view's future when its
//! `AbortSignal` fires).

/// Which bytes a read is after; header and tile bytes are cached apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadKind {
    /// TIFF header, IFDs, tag values and tile offset/byte-count arrays.
    Header,
    /// Compressed tile or strip data.
    #[default]
    Data,
}

/// Hints that travel with a read from a view down to the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadHints {
    /// Lower runs first (callers pass a tile's distance from the view's centre); default 0.
    pub priority: i32,
    /// Header or tile bytes.
    pub kind: ReadKind,
}

impl ReadHints {
    /// These hints for header bytes.
    pub fn header(self) -> Self {
        ReadHints { kind: ReadKind::Header, ..self }
    }
    /// These hints for tile bytes.
    pub fn data(self) -> Self {
        ReadHints { kind: ReadKind::Data, ..self }
    }
    /// Default hints with this priority.
    pub fn with_priority(priority: i32) -> Self {
        ReadHints { priority, kind: ReadKind::Data }
    }
}
