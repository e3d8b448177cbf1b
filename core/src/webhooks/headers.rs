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
