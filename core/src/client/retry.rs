//! When to retry a request and how long to wait first.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The longest wait a `Retry-After` may ask for before it is ignored in favour of the backoff.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const INITIAL_BACKOFF: f64 = 0.5;
const MAX_BACKOFF: f64 = 8.0;

/// True when a response with `status` (and these headers) is worth sending again.
/// `x-should-retry: true|false` from the server overrides the status rule.
pub fn should_retry_status(status: u16, headers: &HeaderMap) -> bool {
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// How long to wait before retry number `retry` (0 for the first retry): the server's
/// `retry-after-ms` or `retry-after` when it gives one of at most 60 s, else
/// `min(0.5 · 2^retry, 8) s` less up to 25% jitter.
pub fn delay(retry: u32, headers: Option<&HeaderMap>) -> Duration {
    if let Some(wait) = headers.and_then(retry_after) {
        if wait <= MAX_RETRY_AFTER {
            return wait;
        }
    }
    let base = (INITIAL_BACKOFF * 2f64.powi(retry.min(16) as i32)).min(MAX_BACKOFF);
    let jitter = 1.0 - 0.25 * fastrand::f64();
    Duration::from_secs_f64(base * jitter)
}

/// The wait a response asks for: `retry-after-ms` (milliseconds), else `retry-after` as seconds
/// or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn statuses_worth_retrying() {
        let none = HeaderMap::new();
        for s in [408, 409, 429, 500, 502, 503, 504] {
            assert!(should_retry_status(s, &none), "{s}");
        }
        for s in [400, 401, 403, 404, 413, 422] {
            assert!(!should_retry_status(s, &none), "{s}");
        }
        assert!(!should_retry_status(500, &headers(&[("x-should-retry", "false")])));
        assert!(should_retry_status(400, &headers(&[("x-should-retry", "true")])));
    }

    #[test]
    fn backoff_doubles_to_eight_seconds_with_at_most_a_quarter_off() {
        for retry in 0..10 {
            let expected = (0.5 * 2f64.powi(retry as i32)).min(8.0);
            for _ in 0..50 {
                let d = delay(retry, None).as_secs_f64();
                assert!(d <= expected && d >= expected * 0.75, "retry {retry}: {d}");
            }
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after(&headers(&[("retry-after", "3")])), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "250")])), Some(Duration::from_millis(250)));
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "100"), ("retry-after", "9")])),
            Some(Duration::from_millis(100))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        let past = retry_after(&headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]));
        assert_eq!(past, Some(Duration::ZERO));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(&headers(&[("retry-after", soon.as_str())])).unwrap();
        assert!(wait > Duration::from_secs(28) && wait <= Duration::from_secs(30), "{wait:?}");
        // Honoured up to 60 s; longer waits fall back to the backoff.
        assert_eq!(delay(0, Some(&headers(&[("retry-after", "2")]))), Duration::from_secs(2));
        assert!(delay(0, Some(&headers(&[("retry-after", "600")]))) <= Duration::from_millis(500));
    }
}
