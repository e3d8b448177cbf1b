//! The send0 event catalog, the delivery envelope, and event patterns (`*`, `email.*`, ...).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// Every event type send0 delivers, in catalog order.
pub const EVENT_TYPES: [&str; 9] = [
    "email.queued",
    "email.delivered",
    "email.opened",
    "email.clicked",
    "email.bounced",
    "email.complained",
    "email.failed",
    "domain.health.degraded",
    "platform.test",
];

/// True when `event_type` is in the catalog.
pub fn is_known_type(event_type: &str) -> bool {
    EVENT_TYPES.contains(&event_type)
}

/// The service of an event type: its first dot-separated segment (`email` for `email.bounced`).
pub fn service_of(event_type: &str) -> &str {
    event_type.split('.').next().unwrap_or(event_type)
}

/// The body of every delivery: the platform event envelope, as it goes over the wire.
///
/// Field names follow the wire format (`eventId`, `createdAt` in Unix milliseconds); each SDK
/// gives them its language's own names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// `evt_…`, unique per event and stable across delivery attempts.
    #[serde(rename = "eventId")]
    pub event_id: String,
    /// The event type, e.g. `email.bounced`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The type's first segment, e.g. `email`.
    pub service: String,
    /// The event's data; its shape depends on the type.
    pub data: serde_json::Value,
    /// False for test-mode activity.
    pub livemode: bool,
    /// When the event happened, in Unix milliseconds.
    #[serde(rename = "createdAt")]
    pub created_at: i64,
}

impl Envelope {
    /// A new envelope with a fresh `evt_` id, the service derived from the type, and the given time
    /// (with the `client` feature, which brings the random source).
    #[cfg(feature = "client")]
    pub fn new(event_type: &str, data: serde_json::Value, livemode: bool, created_at_ms: i64) -> Self {
        Envelope {
            event_id: format!("evt_{}", uuid::Uuid::new_v4()),
            service: service_of(event_type).to_owned(),
            event_type: event_type.to_owned(),
            data,
            livemode,
            created_at: created_at_ms,
        }
    }
}

/// One entry of an endpoint's `events` list: `*` (every type), `P.*` (every type under the
/// prefix `P.`, at any depth) or one exact type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventPattern {
    text: String,
    // For `P.*` the prefix including its final dot; empty for `*`; None for an exact type.
    prefix: Option<usize>,
}

impl EventPattern {
    /// Parses and validates a pattern against the catalog. An unknown type, or a pattern that
    /// matches no known type, is an `invalid_argument` error naming the closest known one.
    pub fn parse(pattern: &str) -> Result<Self> {
        let invalid = |why: String| Error::new(ErrorKind::InvalidArgument, why);
        if pattern == "*" {
            return Ok(EventPattern { text: pattern.to_owned(), prefix: Some(0) });
        }
        if let Some(prefix) = pattern.strip_suffix('*') {
            let well_formed = prefix.len() > 1
                && prefix.ends_with('.')
                && !prefix.contains('*')
                && prefix[..prefix.len() - 1].split('.').all(|s| !s.is_empty());
            if !well_formed {
                return Err(invalid(format!(
                    "invalid event pattern `{pattern}`: use `*`, a prefix ending in `.*` such as \
                     `email.*`, or an exact event type{}",
                    suggestion(pattern)
                )));
            }
            if !EVENT_TYPES.iter().any(|t| t.starts_with(prefix)) {
                return Err(invalid(format!(
                    "event pattern `{pattern}` matches no known event type{}",
                    suggestion(pattern)
                )));
            }
            return Ok(EventPattern { text: pattern.to_owned(), prefix: Some(prefix.len()) });
        }
        if !is_known_type(pattern) {
            return Err(invalid(format!("unknown event type `{pattern}`{}", suggestion(pattern))));
        }
        Ok(EventPattern { text: pattern.to_owned(), prefix: None })
    }

    /// True when an event of `event_type` is delivered to an endpoint with this pattern.
    pub fn matches(&self, event_type: &str) -> bool {
        match self.prefix {
            Some(len) => event_type.starts_with(&self.text[..len]),
            None => event_type == self.text,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for EventPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a whole `events` list; the first invalid entry is the error.
pub fn parse_patterns<S: AsRef<str>>(patterns: &[S]) -> Result<Vec<EventPattern>> {
    patterns.iter().map(|p| EventPattern::parse(p.as_ref())).collect()
}

/// True when any of `patterns` matches `event_type`.
pub fn matches_any(patterns: &[EventPattern], event_type: &str) -> bool {
    patterns.iter().any(|p| p.matches(event_type))
}

/// Every valid pattern that names something: the exact types, `*`, and each `P.*` prefix.
fn candidates() -> Vec<String> {
    let mut all: Vec<String> = EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect();
    all.push("*".to_owned());
    for t in EVENT_TYPES {
        let segments: Vec<&str> = t.split('.').collect();
        for depth in 1..segments.len() {
            let Some(parents) = segments.get(..depth) else { continue };
            let prefix = format!("{}.*", parents.join("."));
            if !all.contains(&prefix) {
                all.push(prefix);
            }
        }
    }
    all
}

/// `; did you mean `x`?` naming the closest known type or pattern, and the whole catalog when even
/// the closest is far off.
fn suggestion(pattern: &str) -> String {
    let (distance, closest) = candidates()
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(pattern, &c), c))
        .min_by_key(|(distance, _)| *distance)
        .unwrap_or((usize::MAX, "*".to_owned()));
    if distance <= pattern.len().max(4) / 2 {
        format!("; did you mean `{closest}`?")
    } else {
        format!("; did you mean `{closest}`? (known types: {})", EVENT_TYPES.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_at_any_depth() {
        let all = EventPattern::parse("*").unwrap();
        let domain = EventPattern::parse("domain.*").unwrap();
        let health = EventPattern::parse("domain.health.*").unwrap();
        let exact = EventPattern::parse("email.bounced").unwrap();
        for t in EVENT_TYPES {
            assert!(all.matches(t));
        }
        assert!(domain.matches("domain.health.degraded"));
        assert!(health.matches("domain.health.degraded"));
        assert!(!domain.matches("email.bounced"));
        assert!(exact.matches("email.bounced"));
        assert!(!exact.matches("email.bounced.extra"));
        assert!(!EventPattern::parse("email.*").unwrap().matches("emailx.bounced"));
    }

    #[test]
    fn typos_name_the_closest_known_type() {
        let err = EventPattern::parse("email.delivred").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("did you mean `email.delivered`"), "{}", err.message());
        let err = EventPattern::parse("emial.*").unwrap_err();
        assert!(err.message().contains("did you mean `email.*`"), "{}", err.message());
        let err = EventPattern::parse("sms.*").unwrap_err();
        assert!(
            err.message().contains("did you mean `") && err.message().contains("known types"),
            "{}",
            err.message()
        );
        let err = EventPattern::parse("domain.health").unwrap_err();
        assert!(
            err.message().contains("`domain.health.*`") || err.message().contains("domain.health.degraded")
        );
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for p in ["", "email*", "*.bounced", "email.*.x", ".*", "email..*", "**", "sms.*", "x"] {
            assert!(EventPattern::parse(p).is_err(), "{p:?} should be refused");
        }
    }

    #[cfg(feature = "client")]
    #[test]
    fn envelope_uses_wire_names() {
        let env = Envelope::new("email.bounced", serde_json::json!({"bounce_type": "hard"}), false, 1);
        let v = serde_json::to_value(&env).unwrap();
        assert_eq!(v["type"], "email.bounced");
        assert_eq!(v["service"], "email");
        assert!(v["eventId"].as_str().unwrap().starts_with("evt_"));
        assert_eq!(v["createdAt"], 1);
        assert_eq!(service_of("domain.health.degraded"), "domain");
    }
}
