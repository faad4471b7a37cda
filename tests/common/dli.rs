//! The live django-large-image 0.10.5 (tests/oracle/dli_server.py, in the virtualenv scripts/setup makes)
//! on 127.0.0.1, serving a folder of fixtures; and the key-by-key JSON comparison used against it and
//! against its recorded answers.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running django-large-image. It exits when this process ends (its stdin closes).
pub struct Dli {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    _child: Child,
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The oracle's Python (the virtualenv of tests/oracle/requirements-dli.txt).
fn python() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .args(["-c", &format!("source {root}/scripts/env.sh && echo $LIW_DLI_PYTHON")])
        .output()
        .expect("bash scripts/env.sh");
    let py = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        Path::new(&py).exists(),
        "django-large-image's virtualenv is missing ({py}): run `bash scripts/setup` (it installs \
         tests/oracle/requirements-dli.txt)"
    );
    py
}

impl Dli {
    /// Starts django-large-image over `root` on a free loopback port and waits (at most 90 s) until it
    /// answers.
    pub fn start(root: &Path) -> Dli {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/dli_server.py");
        let child = Command::new(python())
            .arg(script)
            .args(["runserver", &format!("127.0.0.1:{port}"), "--noreload"])
            .env("DLI_ROOT", root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start django-large-image");
        let dli = Dli { base: format!("http://127.0.0.1:{port}"), _child: child };
        let t0 = Instant::now();
        loop {
            if let Ok(a) = dli.try_get("/api/large-image/sources") {
                assert_eq!(a.status, 200, "django-large-image answered {}: {}", a.status, a.text());
                return dli;
            }
            assert!(t0.elapsed() < Duration::from_secs(90), "django-large-image did not start in 90 s");
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// GET `path` (starting with `/`), 60 s at most.
    pub fn get(&self, path: &str) -> Answer {
        self.try_get(path).unwrap_or_else(|e| panic!("GET {}{path}: {e}", self.base))
    }

    /// GET `path` of image `file` (`/api/image/{file}/{route}`).
    pub fn image(&self, file: &str, route: &str) -> Answer {
        self.get(&format!("/api/image/{file}/{route}"))
    }

    fn try_get(&self, path: &str) -> std::io::Result<Answer> {
        let addr = self.base.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        s.set_write_timeout(Some(Duration::from_secs(10)))?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
        let mut r = BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line)?;
        let status = line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut content_type = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-type") {
                    content_type = v.trim().to_string();
                }
            }
        }
        let mut body = Vec::new();
        r.read_to_end(&mut body)?;
        Ok(Answer { status, content_type, body })
    }
}

/// Every key django-large-image's answer has must be in ours with an equal value (numbers to `rel`
/// relative error); keys only we give are allowed. Pushes the paths that differ onto `out`.
pub fn diff(path: &str, ours: &Value, theirs: &Value, rel: f64, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, tv) in b {
                match a.get(k) {
                    Some(ov) => diff(&format!("{path}.{k}"), ov, tv, rel, out),
                    None => out.push(format!("{path}.{k}: missing (recorded {tv})")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, rel, out);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            if (a - b).abs() > rel * b.abs().max(1e-300) && a != b {
                out.push(format!("{path}: {a} vs recorded {b}"));
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: {a} vs recorded {b}")),
    }
}

/// [`diff`] finds nothing between our view (as JSON) and django-large-image's answer.
pub fn assert_same<T: serde::Serialize>(what: &str, ours: &T, theirs: &Value, rel: f64) {
    let ours = super::json(ours);
    let mut d = Vec::new();
    diff("", &ours, theirs, rel, &mut d);
    assert!(d.is_empty(), "{what} differs from django-large-image:\n  {}\nours: {ours}", d.join("\n  "));
}
