//! When to retry a request and how long to wait first.
//!
//! Every header here comes from a server we don't control, so each parse is total: a value that is
//! huge, negative, not a number or not a date gives a bounded wait or none, never a panic.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The longest wait a `Retry-After` may ask for before it is ignored in favour of the backoff.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Any longer wait a server asks for is read as this one (a day), so the value every caller and
/// binding sees is small enough for any duration type.
pub const LONGEST_WAIT: Duration = Duration::from_secs(24 * 60 * 60);
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
    let doublings = i32::try_from(retry.min(16)).unwrap_or(16);
    let base = (INITIAL_BACKOFF * 2f64.powi(doublings)).min(MAX_BACKOFF);
    let jitter = 1.0 - 0.25 * fastrand::f64();
    seconds(base * jitter).unwrap_or(Duration::ZERO)
}

/// The wait a response asks for: `retry-after-ms` (milliseconds), else `retry-after` as seconds
/// or as an HTTP date, at most [`LONGEST_WAIT`]. Numbers are plain decimals (`120`, `1.5`);
/// exponents, signs, `NaN` and `inf` are not numbers here: they give None.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(decimal) {
        return Some(at_most_a_day(ms / 1000.0));
    }
    let value = text("retry-after")?;
    if let Some(secs) = decimal(value) {
        return Some(at_most_a_day(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO).min(LONGEST_WAIT))
}

/// `digits[.digits]` as a non-negative number (possibly infinite when it has hundreds of digits).
fn decimal(value: &str) -> Option<f64> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || value.ends_with('.') {
        return None;
    }
    value.parse::<f64>().ok()
}

fn at_most_a_day(secs: f64) -> Duration {
    seconds(secs).map_or(LONGEST_WAIT, |wait| wait.min(LONGEST_WAIT))
}

/// A non-negative number of seconds as a `Duration`; None when it is too large (or not finite).
fn seconds(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs).ok()
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

    #[test]
    fn hostile_retry_after_values_never_panic_and_stay_bounded() {
        let twenty_digits = "12345678901234567890";
        let four_hundred_digits = "9".repeat(400);
        let far_future = "Fri, 31 Dec 9999 23:59:59 GMT";
        for (name, value, expected) in [
            ("retry-after", "1e20", None),
            ("retry-after-ms", "1e300", None),
            ("retry-after", twenty_digits, Some(LONGEST_WAIT)),
            ("retry-after-ms", twenty_digits, Some(LONGEST_WAIT)),
            ("retry-after", four_hundred_digits.as_str(), Some(LONGEST_WAIT)),
            ("retry-after", far_future, Some(LONGEST_WAIT)),
            ("retry-after", "-5", None),
            ("retry-after-ms", "-1", None),
            ("retry-after", "NaN", None),
            ("retry-after", "nan", None),
            ("retry-after", "inf", None),
            ("retry-after-ms", "infinity", None),
            ("retry-after", "+3", None),
            ("retry-after", "3.", None),
            ("retry-after", ".5", None),
            ("retry-after", "1.5", Some(Duration::from_millis(1500))),
            ("retry-after", "", None),
            ("retry-after", "soon", None),
            ("retry-after", "Mon, 99 Foo 2024 99:99:99 GMT", None),
        ] {
            let map = headers(&[(name, value)]);
            assert_eq!(retry_after(&map), expected, "{name}: {value}");
            // Whatever was asked, the client's wait stays within the backoff's or the 60 s cap.
            assert!(delay(3, Some(&map)) <= MAX_RETRY_AFTER, "{name}: {value}");
        }
    }
}
