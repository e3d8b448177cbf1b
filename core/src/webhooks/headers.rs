//! The three Standard Webhooks headers, gathered from whatever header container a caller has.

/// `webhook-id`: the message id, stable across retries.
pub const WEBHOOK_ID: &str = "webhook-id";
/// `webhook-timestamp`: Unix seconds of the attempt.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// `webhook-signature`: one or more space-separated `version,signature` entries.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// The signature headers of one delivery.
///
/// Names are matched case-insensitively and every other header is ignored. A header that arrives
/// several times (some proxies split a value on commas into several fields) is joined back with
/// single spaces, in order, so every binding can feed its native container pair by pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookHeaders {
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
}

impl WebhookHeaders {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Headers with the three values given directly.
    pub fn from_values(id: &str, timestamp: &str, signature: &str) -> Self {
        let mut headers = Self::new();
        headers.append(WEBHOOK_ID, id);
        headers.append(WEBHOOK_TIMESTAMP, timestamp);
        headers.append(WEBHOOK_SIGNATURE, signature);
        headers
    }

    /// Adds one header field. Names other than the three webhook headers are ignored; a repeated
    /// name is joined to the earlier values with a space. Empty values add nothing.
    pub fn append(&mut self, name: &str, value: &str) {
        let slot = if name.eq_ignore_ascii_case(WEBHOOK_ID) {
            &mut self.id
        } else if name.eq_ignore_ascii_case(WEBHOOK_TIMESTAMP) {
            &mut self.timestamp
        } else if name.eq_ignore_ascii_case(WEBHOOK_SIGNATURE) {
            &mut self.signature
        } else {
            return;
        };
        if value.is_empty() {
            slot.get_or_insert_with(String::new);
            return;
        }
        match slot {
            Some(existing) if !existing.is_empty() => {
                existing.push(' ');
                existing.push_str(value);
            }
            _ => *slot = Some(value.to_owned()),
        }
    }

    /// Headers packed as `name\0value\0name\0value` (see [`split_nul`]): the compact form in
    /// which the Go and Node bindings pass a request's headers in one string. An unpaired final
    /// name is ignored. The bindings pack only the three names and refuse a NUL inside a value:
    /// here it would shift every pair after it.
    pub fn from_nul_separated(packed: &str) -> Self {
        let items: Vec<&str> = split_nul(packed).collect();
        items
            .chunks_exact(2)
            .filter_map(|pair| pair.first().zip(pair.get(1)))
            .map(|(n, v)| (*n, *v))
            .collect()
    }

    /// The `webhook-id` value, if present.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The `webhook-timestamp` value, if present.
    pub fn timestamp(&self) -> Option<&str> {
        self.timestamp.as_deref()
    }

    /// The `webhook-signature` value, if present.
    pub fn signature(&self) -> Option<&str> {
        self.signature.as_deref()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for WebhookHeaders {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut headers = WebhookHeaders::new();
        for (name, value) in iter {
            headers.append(name.as_ref(), value.as_ref());
        }
        headers
    }
}

impl From<&http::HeaderMap> for WebhookHeaders {
    /// Takes the webhook headers from an `http::HeaderMap` (axum, hyper, reqwest). A value that is
    /// not valid UTF-8 is decoded lossily, so it fails the checks that follow rather than vanishing.
    fn from(map: &http::HeaderMap) -> Self {
        let mut headers = WebhookHeaders::new();
        for name in [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE] {
            for value in map.get_all(name) {
                headers.append(name, &String::from_utf8_lossy(value.as_bytes()));
            }
        }
        headers
    }
}

/// The items of a list packed as `a\0b\0…\0z`: joined by NUL, with no NUL after the last one.
///
/// Every NUL separates two items, so `a\0` is `a` and an empty item. (A trailing NUL used to be
/// optional, which made `["a", ""]` joined by NUL read as `["a"]`: an empty secret vanished instead
/// of being refused.) The empty string is the empty list; a list of one empty item packs the same
/// way, and every caller refuses both (no secret, an empty secret).
pub fn split_nul(packed: &str) -> impl Iterator<Item = &str> {
    let any = !packed.is_empty();
    packed.split('\0').filter(move |_| any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_repeats_join_with_spaces() {
        let headers: WebhookHeaders = [
            ("Webhook-Id", "msg_1"),
            ("WEBHOOK-TIMESTAMP", "123"),
            ("webhook-signature", "v1,a"),
            ("Webhook-Signature", "v1,b"),
            ("content-type", "application/json"),
        ]
        .into_iter()
        .collect();
        assert_eq!(headers.id(), Some("msg_1"));
        assert_eq!(headers.timestamp(), Some("123"));
        assert_eq!(headers.signature(), Some("v1,a v1,b"));
    }

    #[test]
    fn empty_values_are_present_but_empty() {
        let headers: WebhookHeaders = [("webhook-id", "")].into_iter().collect();
        assert_eq!(headers.id(), Some(""));
        assert_eq!(headers.timestamp(), None);
    }

    #[test]
    fn nul_separated_pairs() {
        let headers = WebhookHeaders::from_nul_separated(
            "Webhook-Id\0m\0webhook-signature\0v1,a\0webhook-signature\0v1,b",
        );
        assert_eq!((headers.id(), headers.signature()), (Some("m"), Some("v1,a v1,b")));
        // An empty final value is a value, and an unpaired final name is ignored.
        let headers = WebhookHeaders::from_nul_separated("webhook-id\0m\0webhook-timestamp\0");
        assert_eq!((headers.id(), headers.timestamp()), (Some("m"), Some("")));
        let headers = WebhookHeaders::from_nul_separated("webhook-id\0m\0webhook-timestamp");
        assert_eq!((headers.id(), headers.timestamp()), (Some("m"), None));
    }

    #[test]
    fn every_nul_separates_two_items() {
        fn split(packed: &str) -> Vec<&str> {
            split_nul(packed).collect()
        }
        assert_eq!(split("a\0b"), ["a", "b"]);
        assert_eq!(split(""), [] as [&str; 0]);
        assert_eq!(split("a"), ["a"]);
        // A trailing empty item (an empty secret after a valid one) is kept, not dropped.
        assert_eq!(split("whsec_a\0"), ["whsec_a", ""]);
        assert_eq!(split("\0"), ["", ""]);
        assert_eq!(split("a\0\0b"), ["a", "", "b"]);
        // Packing by joining with NUL and splitting give back the same list, whenever it is not
        // the single empty item (which reads as no items).
        for list in [&["a", "", ""][..], &["", "a"], &["a", "b", "c"], &[]] {
            let packed = list.join("\0");
            assert_eq!(split(&packed), list, "{list:?}");
        }
    }

    #[test]
    fn from_http_header_map() {
        let mut map = http::HeaderMap::new();
        map.append("webhook-signature", "v1,a".parse().unwrap());
        map.append("webhook-signature", "v1,b".parse().unwrap());
        map.insert("webhook-id", "msg".parse().unwrap());
        let headers = WebhookHeaders::from(&map);
        assert_eq!(headers.signature(), Some("v1,a v1,b"));
        assert_eq!(headers.id(), Some("msg"));
        assert_eq!(headers.timestamp(), None);
    }
}
