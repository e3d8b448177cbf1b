//! Webhook plumbing the bindings share: the NUL-packed lists in which Node and the C ABI pass a
//! request's headers and secrets in one string each, and the one encoding of a verified event for
//! every binding that crosses a byte boundary (the C ABI, its WebAssembly build, Node-API).
//!
//! No I/O and no `client` feature: the WebAssembly build of send0-ffi uses it.

use std::ops::Range;
use std::time::Duration;

use send0::webhooks::{ExplainOptions, Verifier, WebhookEvent, WebhookHeaders, explain};
use send0::{Error, ErrorKind, Result};

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

/// Headers packed as `name\0value\0name\0value` (see [`split_nul`]). An unpaired final name is
/// ignored. The bindings pack only the three webhook names and refuse a NUL inside a value: here
/// it would shift every pair after it.
pub fn unpack_headers(packed: &str) -> WebhookHeaders {
    header_pairs(packed).collect()
}

/// The name/value pairs of headers packed as for [`unpack_headers`].
pub fn header_pairs(packed: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut items = split_nul(packed);
    std::iter::from_fn(move || Some((items.next()?, items.next()?)))
}

/// [`send0::webhooks::explain`]'s report as JSON: the body, every header of the request packed as
/// for [`unpack_headers`] (explain also looks under `svix-*` and `HTTP_WEBHOOK_*` names), and the
/// secrets packed as for [`unpack_verifier`].
pub fn explain_json(
    body: &[u8],
    headers: &str,
    secrets: &str,
    tolerance_secs: u64,
    now: Option<i64>,
) -> String {
    let secrets: Vec<&str> = split_nul(secrets).collect();
    let options = ExplainOptions { tolerance: Duration::from_secs(tolerance_secs), now };
    let report = explain(body, header_pairs(headers), &secrets, &options);
    // A report is strings, numbers and booleans: encoding it cannot fail.
    serde_json::to_string(&report).unwrap_or_else(|_| r#"{"verified":false}"#.to_owned())
}

/// A verifier for the secrets packed as `secret\0secret…`, with a tolerance in seconds and, when
/// given, a fixed clock (Unix seconds).
pub fn unpack_verifier(secrets: &str, tolerance_secs: u64, now: Option<i64>) -> Result<Verifier> {
    let verifier =
        Verifier::from_secrets(split_nul(secrets))?.with_tolerance(Duration::from_secs(tolerance_secs));
    Ok(match now {
        Some(now) => verifier.with_now(now),
        None => verifier,
    })
}

/// Where the event's `data` lies in its raw body (`event.raw[span]` is its JSON text), or None
/// when the envelope has none: a binding hands `data` over as this span of the body it already
/// holds, without copying or parsing it twice.
pub fn data_span(event: &WebhookEvent<'_>) -> Option<Range<usize>> {
    let data = event.data.get().as_bytes();
    let start = (data.as_ptr() as usize).checked_sub(event.raw.as_ptr() as usize)?;
    (start + data.len() <= event.raw.len()).then(|| start..start + data.len())
}

/// Size of the fixed part of an [`event_record`].
pub const EVENT_RECORD_FIXED: usize = 33;

/// A verified event as the bindings hand it over a byte boundary: a flat little-endian record
/// that a host reads with a few loads (no JSON to parse on its side). In order, with no padding:
/// `created_at` i64 (Unix ms), `timestamp` i64, `data_offset` u64, `data_len` u64 (`data` is
/// `body[data_offset..][..data_len]`; `data_len` 0: the envelope has no `data`), `livemode` u8,
/// then `id`, `type`, `service` and `webhook_id`, each a u32 byte length and its UTF-8 text.
pub fn event_record(event: &WebhookEvent<'_>) -> Result<Vec<u8>> {
    let span = data_span(event).unwrap_or(0..0);
    let texts = [&event.id, &event.event_type, &event.service, &event.webhook_id];
    let mut record =
        Vec::with_capacity(EVENT_RECORD_FIXED + texts.iter().map(|t| 4 + t.len()).sum::<usize>());
    record.extend_from_slice(&event.created_at.to_le_bytes());
    record.extend_from_slice(&event.timestamp.to_le_bytes());
    record.extend_from_slice(&(span.start as u64).to_le_bytes());
    record.extend_from_slice(&(span.len() as u64).to_le_bytes());
    record.push(u8::from(event.livemode));
    for text in texts {
        let len = u32::try_from(text.len())
            .map_err(|_| Error::new(ErrorKind::InvalidPayload, "an envelope field is over 4 GiB"))?;
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(text.as_bytes());
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use send0::webhooks::sign;

    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn verified(body: &[u8]) -> WebhookEvent<'_> {
        let signature = sign(SECRET, "msg", 1_700_000_000, body).unwrap();
        let headers = WebhookHeaders::from_values("msg", "1700000000", &signature);
        unpack_verifier(SECRET, 300, Some(1_700_000_000)).unwrap().verify(body, &headers).unwrap()
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
    fn nul_separated_pairs() {
        let headers = unpack_headers("Webhook-Id\0m\0webhook-signature\0v1,a\0webhook-signature\0v1,b");
        assert_eq!((headers.id(), headers.signature()), (Some("m"), Some("v1,a v1,b")));
        // An empty final value is a value, and an unpaired final name is ignored.
        let headers = unpack_headers("webhook-id\0m\0webhook-timestamp\0");
        assert_eq!((headers.id(), headers.timestamp()), (Some("m"), Some("")));
        let headers = unpack_headers("webhook-id\0m\0webhook-timestamp");
        assert_eq!((headers.id(), headers.timestamp()), (Some("m"), None));
    }

    #[test]
    fn packed_secrets_refuse_an_empty_one() {
        let error = unpack_verifier(&format!("{SECRET}\0"), 300, None).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidSecret);
        assert_eq!(unpack_verifier("", 300, None).unwrap_err().kind(), ErrorKind::InvalidSecret);
    }

    #[test]
    fn data_span_points_into_the_body() {
        for (body, expected) in [
            (&br#"{"type":"email.opened","data": {"a":[1,2]} }"#[..], Some(&br#"{"a":[1,2]}"#[..])),
            (&br#"{"type":"email.opened"}"#[..], None),
            (&br#"{"type":"email.opened","data":null}"#[..], None),
        ] {
            assert_eq!(data_span(&verified(body)).map(|r| &body[r]), expected);
        }
    }

    fn u64_at(record: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(record[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn the_record_holds_every_field_in_its_documented_place() {
        let body =
            r#"{"eventId":"evt_1","type":"email.bounced","livemode":true,"createdAt":-5,"data":{"b":"é"}}"#
                .as_bytes();
        let record = event_record(&verified(body)).unwrap();
        assert_eq!(u64_at(&record, 0) as i64, -5, "created_at");
        assert_eq!(u64_at(&record, 8), 1_700_000_000, "timestamp");
        let (offset, len) = (u64_at(&record, 16) as usize, u64_at(&record, 24) as usize);
        assert_eq!(&body[offset..offset + len], r#"{"b":"é"}"#.as_bytes());
        assert_eq!(record[32], 1, "livemode");
        let mut texts = Vec::new();
        let mut at = EVENT_RECORD_FIXED;
        while at < record.len() {
            let n = u32::from_le_bytes(record[at..at + 4].try_into().unwrap()) as usize;
            texts.push(std::str::from_utf8(&record[at + 4..at + 4 + n]).unwrap());
            at += 4 + n;
        }
        assert_eq!(texts, ["evt_1", "email.bounced", "email", "msg"]);
        // No data: a zero span.
        let record = event_record(&verified(br#"{"type":"platform.test"}"#)).unwrap();
        assert_eq!((u64_at(&record, 16), u64_at(&record, 24)), (0, 0));
    }
}
