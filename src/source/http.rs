//! One HTTP range request: what the engine asks a [`Transport`] for, what comes back, and what the answer
//! means ([`answer`]): the bytes, the whole file (a server that ignores `Range`, when the caller allows it),
//! a failure worth retrying, or an error that says what happened and what to do, naming the URL, the byte
//! range, the HTTP status and the reason.

use super::retry::Failure;
use super::Credentials;
use crate::error::{Error, ErrorKind};
use std::future::Future;
use std::ops::Range;

/// A range request.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// The URL.
    pub url: String,
    /// The bytes asked for (`Range: bytes=start-(end-1)`).
    pub range: Range<u64>,
    /// Headers sent with it (e.g. `Authorization`).
    pub headers: Vec<(String, String)>,
    /// What `fetch` sends of the page's credentials.
    pub credentials: Credentials,
    /// No answer, or no body bytes, for this long (milliseconds) is a timeout.
    pub timeout_ms: f64,
    /// Largest whole file kept when the server ignores `Range` (0: never read a whole file).
    pub whole_up_to: u64,
}

/// The response headers the engine reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseHeaders {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Range` (only when exposed by CORS on another origin).
    pub content_range: Option<String>,
    /// `Content-Length`.
    pub content_length: Option<u64>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `Retry-After`.
    pub retry_after: Option<String>,
}

/// What came back.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Its reason phrase, when the transport has one.
    pub status_text: String,
    /// The headers read.
    pub headers: ResponseHeaders,
    /// The body bytes received (up to [`body_limit`]).
    pub body: Vec<u8>,
    /// False when the transport stopped reading before the body's end (the rest was not needed).
    pub complete: bool,
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// The connection failed, was refused or dropped (in a browser, also a CORS refusal).
    Network(String),
    /// No answer, or a body that stalled, within the timeout.
    Timeout(String),
}

/// Sends requests and keeps time: `fetch` with `AbortController` and `setTimeout` on wasm32, an in-memory
/// stand-in in native tests. Dropping a `fetch` future aborts the request.
pub trait Transport: 'static {
    /// Sends `req`, reading the body up to [`body_limit`].
    fn fetch(&self, req: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> + 'static;
    /// Waits `ms` milliseconds.
    fn sleep(&self, ms: f64) -> impl Future<Output = ()> + 'static;
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;
    /// A random number in [0, 1) (retry jitter).
    fn random(&self) -> f64;
}

/// How many body bytes a transport reads for `status` before it stops and aborts the rest: for a 206 one
/// more than asked (a longer body is an error); for a 200 (the server ignored `Range`) the whole body when
/// the caller allows files that large, else just the bytes the request needed.
pub fn body_limit(req: &HttpRequest, status: u16, content_length: Option<u64>) -> u64 {
    let asked = req.range.end - req.range.start;
    match status {
        200 if req.whole_up_to > 0 => match content_length {
            Some(n) if n <= req.whole_up_to => n,
            Some(_) => req.range.end,
            None => req.whole_up_to + 1,
        },
        200 => req.range.end,
        206 => asked + 1,
        _ => 4096, // an error page: enough to explain it
    }
}

/// What is known of a file from earlier responses: its validators and length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileState {
    /// `ETag` of the first response.
    pub etag: Option<String>,
    /// `Last-Modified` of the first response.
    pub last_modified: Option<String>,
    /// Total length, from a `Content-Range` or a whole body.
    pub length: Option<u64>,
}

/// What a response means.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The bytes of the range (shorter only at the end of the file).
    Bytes(Vec<u8>),
    /// The server ignored `Range` and sent the whole file, which the caller allowed.
    Whole(Vec<u8>),
    /// Worth another try.
    Retry(Failure, Error),
    /// The file under the URL changed since the first response (new `ETag` or `Last-Modified`).
    Changed(Error),
    /// Failed.
    Fail(Error),
}

/// The canonical reason phrase of a status, for transports that give none (HTTP/2).
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// An error of `kind` at the request's URL and range.
pub fn fetch_error(req: &HttpRequest, status: Option<u16>, reason: String) -> Error {
    Error::new(ErrorKind::Fetch { status, reason }).at_url(&req.url).at_range(req.range.clone())
}

/// An error for a response whose status looks right but whose content is not: "OK, but …".
fn but(req: &HttpRequest, status: u16, what: String) -> Error {
    fetch_error(req, Some(status), format!("{}, but {what}", reason_phrase(status)))
}

/// The first bytes of a body as text, for error messages (at most 80 characters, controls escaped).
pub fn first_bytes(body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(&body[..body.len().min(80)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{:?}", text.trim())
}

/// The text of `<tag>…</tag>` in an XML body (S3's error documents).
fn xml_field<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim())
}

/// S3's error code and message, when the body is S3's XML error document.
fn s3_error(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(&body[..body.len().min(4096)]).ok()?;
    let code = xml_field(text, "Code")?;
    Some(match xml_field(text, "Message") {
        Some(m) => format!("S3 {code}: {m}"),
        None => format!("S3 {code}"),
    })
}

/// Advice for a 403.
pub const HINT_403: &str = "the server refuses to serve this file: on S3 the object is not public (give the \
bucket a policy allowing s3:GetObject to everyone, or make the object public-read), a presigned URL may have \
expired (X-Amz-Expires) or been signed for other headers, or the request lacks its credentials (headers such \
as Authorization, or the credentials option); from a web page on another origin the bucket's CORS rules must \
also allow this origin (Access-Control-Allow-Origin) and expose Content-Range (Access-Control-Expose-Headers)";

/// Advice for a request that failed without a response in a browser.
pub const HINT_NETWORK: &str = "the host could not be reached or dropped the connection; from a web page, a \
file on another origin also fails this way when its server does not allow the page's origin \
(Access-Control-Allow-Origin) or the Range header (Access-Control-Allow-Headers)";

fn status_error(req: &HttpRequest, resp: &HttpResponse) -> Error {
    let s = resp.status;
    // The standard phrase where there is one (servers spell theirs "FORBIDDEN", or send none over HTTP/2).
    let phrase = match reason_phrase(s) {
        "" => resp.status_text.as_str(),
        p => p,
    };
    let s3 = s3_error(&resp.body);
    let detail = match s {
        403 => Some(HINT_403.to_string()),
        404 => Some("no file at this URL (check the path, and the bucket and key names)".to_string()),
        401 => Some("the server asks for credentials: send them with the headers option (Authorization)".to_string()),
        410 => Some("the file was removed".to_string()),
        _ => None,
    };
    let mut reason = phrase.to_string();
    if let Some(x) = &s3 {
        reason.push_str(&format!(" ({x})"));
    } else if s != 403 && s != 404 && !resp.body.is_empty() {
        reason.push_str(&format!(" (the body begins {})", first_bytes(&resp.body)));
    }
    if let Some(d) = detail {
        reason.push_str(": ");
        reason.push_str(&d);
    }
    fetch_error(req, Some(s), reason)
}

/// Parses `Content-Range: bytes a-b/total` into (a, b + 1, total); the total is `None` for `*`.
pub fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim();
    let (span, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    let (a, b) = span.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (b >= a).then_some((a, b + 1, total))
}

/// The total length in `Content-Range: bytes */total` (a 416's).
fn unsatisfied_length(v: &str) -> Option<u64> {
    v.trim().strip_prefix("bytes")?.trim().strip_prefix("*/")?.trim().parse().ok()
}

/// The file's total length a response states (`Content-Range: bytes a-b/total` or `bytes */total`).
fn stated_length(h: &ResponseHeaders) -> Option<u64> {
    let cr = h.content_range.as_deref()?;
    parse_content_range(cr).and_then(|(_, _, t)| t).or_else(|| unsatisfied_length(cr))
}

/// Compares the response's validators (and the length it states) with the file's first; records the
/// validators on the first response.
fn check_validators(req: &HttpRequest, h: &ResponseHeaders, file: &mut FileState) -> Option<Error> {
    let changed = match (&file.etag, &h.etag, &file.last_modified, &h.last_modified) {
        (Some(a), Some(b), ..) if a != b => Some(format!("ETag {a} became {b}")),
        (None, _, Some(a), Some(b)) if a != b => Some(format!("Last-Modified {a} became {b}")),
        _ => match (file.length, stated_length(h)) {
            (Some(a), Some(b)) if a != b => Some(format!("its length {a} became {b}")),
            _ => None,
        },
    };
    if let Some(what) = changed {
        return Some(fetch_error(
            req,
            None,
            format!(
                "the file changed under the same URL ({what}): the bytes read before belong to the old file, \
                 so they were dropped; open the image again"
            ),
        ));
    }
    if file.etag.is_none() && file.last_modified.is_none() {
        file.etag = h.etag.clone();
        file.last_modified = h.last_modified.clone();
    }
    None
}

/// A page instead of a TIFF: HTML (or XML) where file bytes were expected.
fn markup_error(req: &HttpRequest, resp: &HttpResponse) -> Option<Error> {
    let ct = resp.headers.content_type.as_deref().unwrap_or("");
    let is_html = ct.to_ascii_lowercase().contains("text/html");
    let looks = resp.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    (is_html && looks).then(|| {
        but(
            req,
            resp.status,
            format!(
                "the server sent an HTML page (Content-Type {ct}), not the file: its first bytes are {} \
                 (a login page, an error page or a wrong URL?)",
                first_bytes(&resp.body)
            ),
        )
    })
}

/// What `resp` means for `req`, given what is known of the file (updated here).
pub fn answer(req: &HttpRequest, resp: HttpResponse, file: &mut FileState) -> Outcome {
    let s = resp.status;
    if matches!(s, 200 | 206 | 416) {
        if let Some(e) = check_validators(req, &resp.headers, file) {
            return Outcome::Changed(e);
        }
    }
    if matches!(s, 200 | 206) {
        if let Some(e) = markup_error(req, &resp) {
            return Outcome::Fail(e);
        }
    }
    let asked = req.range.end - req.range.start;
    match s {
        206 => {
            let got = resp.body.len() as u64;
            if let Some(cr) = &resp.headers.content_range {
                match parse_content_range(cr) {
                    Some((a, _, total)) if a == req.range.start => {
                        if total.is_some() {
                            file.length = total;
                        }
                    }
                    _ => {
                        return Outcome::Fail(but(
                            req,
                            206,
                            format!("the server answered Content-Range {cr:?}, not the bytes asked for"),
                        ))
                    }
                }
            }
            let expected = match file.length {
                Some(len) => asked.min(len.saturating_sub(req.range.start)),
                None => asked,
            };
            if got > asked {
                return Outcome::Fail(but(req, 206, format!("asked for {asked} bytes, got more ({got})")));
            }
            if got < expected || !resp.complete {
                // The connection closed before the body's end.
                let e = but(req, 206, format!("the body ended after {got} of {expected} bytes"));
                return Outcome::Retry(Failure::Network, e);
            }
            Outcome::Bytes(resp.body)
        }
        200 => {
            let len = resp.headers.content_length;
            let whole_len = resp.complete.then_some(resp.body.len() as u64);
            if let Some(n) = whole_len.or(len) {
                file.length = Some(n);
            }
            match whole_len {
                // The whole file is what was asked (a small file, or a range covering it all).
                Some(n) if req.range.start == 0 && n <= req.range.end => Outcome::Bytes(resp.body),
                Some(n) if req.whole_up_to >= n => Outcome::Whole(resp.body),
                _ => {
                    let size = len.map_or("of unknown size".to_string(), |n| format!("of {n} bytes"));
                    let advice = if req.whole_up_to == 0 {
                        "to read such a file whole, give the engine readWholeUpTo (bytes) at least its size".to_string()
                    } else {
                        format!("larger than readWholeUpTo ({} bytes)", req.whole_up_to)
                    };
                    Outcome::Fail(but(
                        req,
                        200,
                        format!(
                            "the server ignores Range: it answered 200 with the whole file ({size}); reading \
                             stopped after {} bytes; serve the file from a host that answers range requests \
                             (S3 and most static hosts do), or {advice}",
                            resp.body.len()
                        ),
                    ))
                }
            }
        }
        416 => {
            // Past the end of the file: no bytes (the reader says what lies beyond it).
            if let Some(n) = resp.headers.content_range.as_deref().and_then(unsatisfied_length) {
                file.length = Some(n);
            }
            Outcome::Bytes(Vec::new())
        }
        _ => {
            let e = status_error(req, &resp);
            let f = Failure::Status { status: s, retry_after: resp.headers.retry_after.clone() };
            if super::retry::retryable(&f) {
                Outcome::Retry(f, e)
            } else {
                Outcome::Fail(e)
            }
        }
    }
}

/// The error of a request that got no response.
pub fn transport_error(req: &HttpRequest, e: &TransportError) -> (Failure, Error) {
    match e {
        TransportError::Network(m) => {
            (Failure::Network, fetch_error(req, None, format!("network error: {m}; {HINT_NETWORK}")))
        }
        TransportError::Timeout(m) => (Failure::Timeout, fetch_error(req, None, format!("timed out: {m}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(range: Range<u64>) -> HttpRequest {
        HttpRequest {
            url: "http://h/f.tif".into(),
            range,
            headers: vec![],
            credentials: Credentials::default(),
            timeout_ms: 1000.0,
            whole_up_to: 0,
        }
    }

    fn resp(status: u16, body: &[u8], headers: ResponseHeaders) -> HttpResponse {
        HttpResponse { status, status_text: String::new(), headers, body: body.to_vec(), complete: true }
    }

    fn fail_text(o: Outcome) -> String {
        match o {
            Outcome::Fail(e) | Outcome::Changed(e) | Outcome::Retry(_, e) => e.to_string(),
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn a_206_gives_its_bytes_and_the_file_length() {
        let mut f = FileState::default();
        let h = ResponseHeaders {
            content_range: Some("bytes 10-13/100".into()),
            etag: Some("\"a\"".into()),
            ..Default::default()
        };
        assert_eq!(answer(&req(10..14), resp(206, b"abcd", h), &mut f), Outcome::Bytes(b"abcd".to_vec()));
        assert_eq!((f.length, f.etag.as_deref()), (Some(100), Some("\"a\"")));
        // A body cut short is a dropped connection: retried.
        let h = ResponseHeaders { content_range: Some("bytes 10-13/100".into()), ..Default::default() };
        assert!(matches!(answer(&req(10..14), resp(206, b"ab", h), &mut f), Outcome::Retry(Failure::Network, _)));
        // At the end of the file a short body is right.
        let h = ResponseHeaders { content_range: Some("bytes 98-99/100".into()), ..Default::default() };
        assert_eq!(answer(&req(98..200), resp(206, b"yz", h), &mut f), Outcome::Bytes(b"yz".to_vec()));
        let h = ResponseHeaders { content_range: Some("bytes 0-3/100".into()), ..Default::default() };
        assert!(fail_text(answer(&req(10..14), resp(206, b"abcd", h), &mut f)).contains("not the bytes asked for"));
    }

    #[test]
    fn a_new_etag_is_a_changed_file() {
        let mut f = FileState { etag: Some("\"a\"".into()), ..Default::default() };
        let h = ResponseHeaders { etag: Some("\"b\"".into()), ..Default::default() };
        let e = fail_text(answer(&req(0..4), resp(206, b"abcd", h), &mut f));
        assert!(
            e.contains("changed under the same URL (ETag \"a\" became \"b\")")
                && e.contains("http://h/f.tif, bytes 0-3"),
            "{e}"
        );
        // No validators, but a new length: changed too (a 416 of a shorter file included).
        let mut f = FileState { length: Some(100), ..Default::default() };
        let h = ResponseHeaders { content_range: Some("bytes */50".into()), ..Default::default() };
        assert!(fail_text(answer(&req(60..70), resp(416, b"", h), &mut f)).contains("its length 100 became 50"));
    }

    #[test]
    fn a_server_ignoring_range_fails_clearly_unless_the_whole_file_is_allowed() {
        let mut f = FileState::default();
        let h = ResponseHeaders { content_length: Some(1000), ..Default::default() };
        let mut r = resp(200, &[0; 64], h.clone());
        r.complete = false;
        let e = fail_text(answer(&req(0..64), r, &mut f));
        assert!(
            e.contains("HTTP 200")
                && e.contains("ignores Range")
                && e.contains("1000 bytes")
                && e.contains("readWholeUpTo"),
            "{e}"
        );
        let mut whole = req(0..64);
        whole.whole_up_to = 4096;
        assert_eq!(body_limit(&whole, 200, Some(1000)), 1000);
        assert_eq!(body_limit(&req(0..64), 200, Some(1000)), 64);
        assert!(matches!(answer(&whole, resp(200, &[0; 1000], h), &mut f), Outcome::Whole(_)));
        // A small file sent whole for a range covering it: just its bytes.
        assert_eq!(
            answer(&req(0..65536), resp(200, b"tiny", ResponseHeaders::default()), &mut f),
            Outcome::Bytes(b"tiny".to_vec())
        );
    }

    #[test]
    fn errors_explain_403_404_html_and_retry_5xx_and_429() {
        let mut f = FileState::default();
        let xml = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        let e = fail_text(answer(&req(0..16), resp(403, xml, ResponseHeaders::default()), &mut f));
        assert!(
            e.contains("HTTP 403 Forbidden (S3 AccessDenied: Access Denied)")
                && e.contains("Access-Control-Expose-Headers"),
            "{e}"
        );
        let e = fail_text(answer(&req(0..16), resp(403, b"", ResponseHeaders::default()), &mut f));
        assert!(e.contains("HTTP 403 Forbidden: the server refuses") && e.contains("presigned"), "{e}");
        let e = fail_text(answer(&req(0..16), resp(404, b"", ResponseHeaders::default()), &mut f));
        assert!(e.contains("HTTP 404 Not Found: no file at this URL") && e.contains("bytes 0-15"), "{e}");
        let h = ResponseHeaders { content_type: Some("text/html; charset=utf-8".into()), ..Default::default() };
        let e = fail_text(answer(&req(0..16), resp(200, b"<!DOCTYPE html><html><body>Sign in", h), &mut f));
        assert!(
            e.contains("HTML page (Content-Type text/html; charset=utf-8)") && e.contains("<!DOCTYPE html>"),
            "{e}"
        );
        let h = ResponseHeaders { retry_after: Some("1".into()), ..Default::default() };
        let o = answer(&req(0..16), resp(429, b"slow down", h), &mut f);
        assert!(matches!(o, Outcome::Retry(Failure::Status { status: 429, retry_after: Some(_) }, _)));
        assert!(matches!(answer(&req(0..16), resp(503, b"", ResponseHeaders::default()), &mut f), Outcome::Retry(..)));
        let e = fail_text(answer(&req(0..16), resp(400, b"bad", ResponseHeaders::default()), &mut f));
        assert!(e.contains("HTTP 400 Bad Request (the body begins \"bad\")"), "{e}");
        let h = ResponseHeaders { content_range: Some("bytes */20".into()), ..Default::default() };
        assert_eq!(answer(&req(100..116), resp(416, b"", h), &mut f), Outcome::Bytes(vec![]));
        assert_eq!(f.length, Some(20));
    }
}
