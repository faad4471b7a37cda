//! The retry policy: which failures are tried again (5xx, 429, dropped connections, timeouts; never
//! another 4xx), after how long (exponential backoff with jitter, `Retry-After` honoured), and when to stop
//! (a bounded count and a bounded total wait).

/// How a request failed, as far as retrying goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// An HTTP status; `retry_after` is the `Retry-After` header when sent.
    Status {
        /// The status.
        status: u16,
        /// The `Retry-After` header (seconds, or an HTTP date).
        retry_after: Option<String>,
    },
    /// The connection failed or dropped before the body was complete.
    Network,
    /// No answer, or a body that stalled, within the timeout.
    Timeout,
}

/// Retries with exponential backoff and full jitter, bounded in count and in total waiting time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Most retries of one request (default 4).
    pub retries: u32,
    /// First backoff, in milliseconds (default 200); doubled each retry.
    pub base_ms: f64,
    /// Longest single wait, in milliseconds (default 10 000).
    pub max_delay_ms: f64,
    /// Longest total waiting between the tries of one request, in milliseconds (default 30 000).
    pub budget_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { retries: 4, base_ms: 200.0, max_delay_ms: 10_000.0, budget_ms: 30_000.0 }
    }
}

/// Whether a failure is worth another try: 5xx, 429, 408, network failures and timeouts.
pub fn retryable(f: &Failure) -> bool {
    match f {
        Failure::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
        Failure::Network | Failure::Timeout => true,
    }
}

/// `Retry-After` in milliseconds: delay-seconds, or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)
/// relative to `now_ms` (milliseconds since the Unix epoch).
pub fn retry_after_ms(value: &str, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s >= 0.0 && s.is_finite()).then_some(s * 1000.0);
    }
    http_date_ms(v).map(|t| (t - now_ms).max(0.0))
}

/// Milliseconds since the Unix epoch of an IMF-fixdate.
fn http_date_ms(v: &str) -> Option<f64> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = MONTHS.iter().position(|x| x == month)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let [h, mi, s] = hms.as_slice() else { return None };
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + mi * 60 + s) * 1000) as f64)
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (1 = the first retry) after `failure`, or `None` to give up:
    /// not retryable, out of retries, or past the total budget given `waited_ms` so far. `jitter` is a
    /// random number in [0, 1); `Retry-After` is honoured as a lower bound.
    pub fn delay_ms(&self, failure: &Failure, attempt: u32, waited_ms: f64, jitter: f64, now_ms: f64) -> Option<f64> {
        if !retryable(failure) || attempt > self.retries {
            return None;
        }
        let backoff = (self.base_ms * 2f64.powi(attempt as i32 - 1)).min(self.max_delay_ms);
        // Half fixed, half random: spread out, never much shorter than the backoff.
        let mut delay = backoff * (0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        if let Failure::Status { retry_after: Some(ra), .. } = failure {
            if let Some(ms) = retry_after_ms(ra, now_ms) {
                delay = delay.max(ms);
            }
        }
        (waited_ms + delay <= self.budget_ms).then_some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16) -> Failure {
        Failure::Status { status: s, retry_after: None }
    }

    #[test]
    fn only_5xx_429_network_and_timeouts_are_retried() {
        for s in [500, 502, 503, 504, 429, 408] {
            assert!(retryable(&status(s)), "{s}");
        }
        for s in [400, 401, 403, 404, 410, 416] {
            assert!(!retryable(&status(s)), "{s}");
        }
        assert!(retryable(&Failure::Network) && retryable(&Failure::Timeout));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_count_and_the_budget() {
        let p = RetryPolicy::default();
        let d: Vec<f64> = (1..=4).map(|a| p.delay_ms(&status(500), a, 0.0, 0.0, 0.0).unwrap()).collect();
        assert_eq!(d, vec![100.0, 200.0, 400.0, 800.0]);
        assert_eq!(p.delay_ms(&status(500), 1, 0.0, 0.999_999, 0.0).map(f64::round), Some(200.0));
        assert_eq!(p.delay_ms(&status(500), 5, 0.0, 0.0, 0.0), None, "out of retries");
        assert_eq!(p.delay_ms(&status(404), 1, 0.0, 0.0, 0.0), None, "never for 404");
        assert_eq!(p.delay_ms(&status(500), 2, 29_900.0, 0.0, 0.0), None, "past the budget");
    }

    #[test]
    fn retry_after_is_honoured_in_seconds_and_as_a_date() {
        let p = RetryPolicy::default();
        let f = Failure::Status { status: 429, retry_after: Some("2".into()) };
        assert_eq!(p.delay_ms(&f, 1, 0.0, 0.0, 0.0), Some(2000.0));
        let now = http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(now, 784_111_777_000.0);
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:40 GMT", now), Some(3000.0));
        let far = Failure::Status { status: 503, retry_after: Some("3600".into()) };
        assert_eq!(p.delay_ms(&far, 1, 0.0, 0.0, 0.0), None, "an hour is past the budget");
        assert_eq!(retry_after_ms("soon", 0.0), None);
    }
}
