//! One error type for the whole crate: a [`ErrorKind`] that says what went wrong, plus the URL and
//! byte range it happened at, so that every message names where to look.

use std::fmt;
use std::ops::Range;

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes could not be fetched: network failure or an HTTP status other than 200/206.
    Fetch {
        /// HTTP status, when there was a response.
        status: Option<u16>,
        /// What the transport said.
        reason: String,
    },
    /// The file ended before a structure it declares.
    Truncated {
        /// What was being read.
        what: String,
    },
    /// The bytes do not start like a TIFF or BigTIFF.
    NotTiff {
        /// Why the header was refused.
        reason: String,
    },
    /// The file is a TIFF but a structure in it is inconsistent.
    Format(String),
    /// A valid feature this reader does not implement (a codec, a sample layout, a CRS).
    Unsupported(String),
    /// A cap from [`crate::Limits`] would be exceeded.
    LimitsExceeded {
        /// Which limit.
        what: &'static str,
        /// The cap.
        limit: u64,
        /// What the file asked for.
        requested: u64,
    },
    /// A compressed tile did not decode.
    Decode {
        /// The codec name (e.g. `DEFLATE`).
        codec: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The caller asked for something impossible (tile outside the pyramid, bad option value).
    Usage(String),
}

/// An error with the URL and byte range it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The URL (or file path) being read, once known.
    pub url: Option<String>,
    /// The byte range being read, when the error concerns one.
    pub range: Option<Range<u64>>,
}

impl Error {
    /// An error of this kind with no location yet.
    pub fn new(kind: ErrorKind) -> Self {
        Error { kind, url: None, range: None }
    }
    /// A [`ErrorKind::Format`] error.
    pub fn format(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Format(msg.into()))
    }
    /// A [`ErrorKind::Unsupported`] error.
    pub fn unsupported(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported(msg.into()))
    }
    /// A [`ErrorKind::Usage`] error.
    pub fn usage(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage(msg.into()))
    }
    /// A [`ErrorKind::Truncated`] error.
    pub fn truncated(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::Truncated { what: what.into() })
    }
    /// A [`ErrorKind::Decode`] error.
    pub fn decode(codec: &'static str, reason: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Decode { codec, reason: reason.to_string() })
    }
    /// A [`ErrorKind::LimitsExceeded`] error.
    pub fn limit(what: &'static str, limit: u64, requested: u64) -> Self {
        Self::new(ErrorKind::LimitsExceeded { what, limit, requested })
    }
    /// Sets the URL unless one is already set.
    pub fn at_url(mut self, url: &str) -> Self {
        if self.url.is_none() {
            self.url = Some(url.to_string());
        }
        self
    }
    /// Sets the byte range unless one is already set.
    pub fn at_range(mut self, range: Range<u64>) -> Self {
        if self.range.is_none() {
            self.range = Some(range);
        }
        self
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Fetch { status: Some(s), reason } => write!(f, "fetch failed: HTTP {s} {reason}"),
            ErrorKind::Fetch { status: None, reason } => write!(f, "fetch failed: {reason}"),
            ErrorKind::Truncated { what } => {
                write!(f, "file truncated: {what} lies past the end of the file")
            }
            ErrorKind::NotTiff { reason } => write!(f, "not a TIFF: {reason}"),
            ErrorKind::Format(m) => write!(f, "invalid TIFF: {m}"),
            ErrorKind::Unsupported(m) => write!(f, "unsupported: {m}"),
            ErrorKind::LimitsExceeded { what, limit, requested } => {
                write!(f, "limit exceeded: {what} is {requested}, the cap is {limit}")
            }
            ErrorKind::Decode { codec, reason } => {
                write!(f, "{codec} tile did not decode: {reason}")
            }
            ErrorKind::Usage(m) => write!(f, "{m}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        match (&self.url, &self.range) {
            (Some(u), Some(r)) => {
                write!(f, " ({u}, bytes {}-{})", r.start, r.end.saturating_sub(1))
            }
            (Some(u), None) => write!(f, " ({u})"),
            (None, Some(r)) => write!(f, " (bytes {}-{})", r.start, r.end.saturating_sub(1)),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {}
