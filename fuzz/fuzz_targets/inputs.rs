//! Fuzzes the parsers that read what a server or a binding hands the core: `Retry-After` /
//! `retry-after-ms` (from any API or webhook receiver) and the NUL-packed header and secret lists
//! (from the Node and Go bindings, read by send0-bridge).
//!
//! Besides "never panics": a parsed wait is at most a day, the client never waits longer than
//! its 60 s cap, and headers packed from pairs without NUL read back as the same headers.
#![no_main]

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use send0::client::retry::{LONGEST_WAIT, MAX_RETRY_AFTER, delay, retry_after, should_retry_status};
use send0::webhooks::WebhookHeaders;
use send0_bridge::webhooks::{split_nul, unpack_headers};

#[derive(Arbitrary, Debug)]
enum Input<'a> {
    RetryAfter { seconds: Option<&'a [u8]>, millis: Option<&'a [u8]>, status: u16, retry: u32 },
    Packed(&'a str),
    Pairs(Vec<(&'a str, &'a str)>),
}

fuzz_target!(|input: Input<'_>| match input {
    Input::RetryAfter { seconds, millis, status, retry } => {
        let mut headers = HeaderMap::new();
        for (name, value) in [("retry-after", seconds), ("retry-after-ms", millis)] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v).ok()) {
                headers.insert(name, value);
            }
        }
        if let Some(wait) = retry_after(&headers) {
            assert!(wait <= LONGEST_WAIT, "{wait:?} from {headers:?}");
        }
        assert!(delay(retry, Some(&headers)) <= MAX_RETRY_AFTER);
        let _ = should_retry_status(status, &headers);
    }
    Input::Packed(packed) => {
        let _ = unpack_headers(packed);
        assert_eq!(split_nul(packed).count(), if packed.is_empty() { 0 } else { packed.matches('\0').count() + 1 });
    }
    Input::Pairs(pairs) => {
        if pairs.iter().any(|(n, v)| n.contains('\0') || v.contains('\0')) {
            return;
        }
        let packed = pairs.iter().flat_map(|(n, v)| [*n, *v]).collect::<Vec<_>>().join("\0");
        let direct: WebhookHeaders = pairs.iter().copied().collect();
        if !packed.is_empty() {
            assert_eq!(unpack_headers(&packed), direct, "{packed:?}");
        }
    }
});
