//! `verify` and `verify_raw`: the rules of docs/verify.md, in the order the shared fixtures fix.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use ed25519_dalek::Signature;
use hmac::Mac;
use serde::Deserialize;
use serde_json::value::RawValue;
use subtle::ConstantTimeEq;

use super::headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookHeaders};
use super::keys::{BASE64, Key, WebhookSecret};
use crate::error::{Error, ErrorKind, Result};

/// The default tolerance between `webhook-timestamp` and now, on either side.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);
/// Entries of `webhook-signature` looked at; later ones are ignored (a sender has one per live
/// secret, two during a rotation).
pub const MAX_ENTRIES: usize = 16;
/// Well-formed `v1a` entries checked (an Ed25519 check costs about 60 HMACs of a small body).
pub const MAX_V1A_ENTRIES: usize = 4;

const RAW_BODY_HINT: &str = "check the secret, and pass the raw request body exactly as received: \
     a body that a framework parsed and re-serialized no longer matches its signature";

/// Verifies webhook deliveries against one or more secrets.
///
/// Build it once per secret set and reuse it: parsing and keying happen here, not per delivery.
///
/// ```
/// use send0::webhooks::{Verifier, WebhookHeaders, sign};
/// let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let body = br#"{"type":"email.delivered","data":{}}"#;
/// let signature = sign(secret, "msg_1", 1_700_000_000, body).unwrap();
/// let headers = WebhookHeaders::from_values("msg_1", "1700000000", &signature);
/// let event = Verifier::new(secret).unwrap().with_now(1_700_000_000).verify(body, &headers).unwrap();
/// assert_eq!(event.event_type, "email.delivered");
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
    now: Option<i64>,
}

/// A verified delivery, parsed as a send0 event. It borrows the body it came from.
#[derive(Debug, Clone)]
pub struct WebhookEvent<'a> {
    /// The event id (`evt_…`), from the envelope's `eventId` (the `webhook-id` when absent).
    pub id: String,
    /// The event type, e.g. `email.bounced`.
    pub event_type: String,
    /// The service, e.g. `email` (the type's first segment when the envelope has none).
    pub service: String,
    /// The event's `data`, unparsed (JSON `null` when absent).
    pub data: &'a RawValue,
    /// False for test-mode activity.
    pub livemode: bool,
    /// When the event happened, Unix milliseconds (the header timestamp when absent).
    pub created_at: i64,
    /// The `webhook-id` header: the delivery's message id, stable across retries.
    pub webhook_id: String,
    /// The `webhook-timestamp` header: Unix seconds of this attempt.
    pub timestamp: i64,
    /// The raw body, exactly as verified.
    pub raw: &'a [u8],
}

impl WebhookEvent<'_> {
    /// Deserializes `data` into a type of the caller's.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(self.data.get()).map_err(|e| {
            Error::new(ErrorKind::Decode, format!("event data does not fit the requested type: {e}"))
        })
    }
}

impl Verifier {
    /// A verifier for one secret (`whsec_…`, bare base64, or a `whpk_…` public key).
    pub fn new(secret: &str) -> Result<Self> {
        Self::from_secrets([secret])
    }

    /// A verifier that accepts a signature by any of `secrets` (a rotation on the receiver's side).
    pub fn from_secrets<I, S>(secrets: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let secrets =
            secrets.into_iter().map(|s| WebhookSecret::parse(s.as_ref())).collect::<Result<Vec<_>>>()?;
        Self::from_keys(secrets)
    }

    /// A verifier over secrets that are already parsed.
    pub fn from_keys(secrets: Vec<WebhookSecret>) -> Result<Self> {
        if secrets.is_empty() {
            return Err(Error::new(ErrorKind::InvalidSecret, "no webhook secret given"));
        }
        Ok(Verifier { secrets, tolerance: DEFAULT_TOLERANCE, now: None })
    }

    /// Sets how far `webhook-timestamp` may be from now, on either side (inclusive). Default 300 s.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Fixes the clock at `unix_seconds` instead of the system time (for tests and replays).
    pub fn with_now(mut self, unix_seconds: i64) -> Self {
        self.now = Some(unix_seconds);
        self
    }

    /// Checks the signature, then parses the body as a send0 event.
    ///
    /// An authentic body that is not a JSON object with a string `type` is `invalid_payload`.
    pub fn verify<'a>(&self, body: &'a [u8], headers: &WebhookHeaders) -> Result<WebhookEvent<'a>> {
        let (webhook_id, timestamp) = self.check(body, headers)?;
        parse_event(body, webhook_id, timestamp)
    }

    /// Checks the signature only, for bodies that are not send0 events.
    pub fn verify_raw(&self, body: &[u8], headers: &WebhookHeaders) -> Result<()> {
        self.check(body, headers).map(|_| ())
    }

    /// Steps 3 to 6 of docs/verify.md; returns the webhook id and the timestamp. A failure carries
    /// a hint (see explain.rs).
    fn check<'h>(&self, body: &[u8], headers: &'h WebhookHeaders) -> Result<(&'h str, i64)> {
        self.check_signature(body, headers).map_err(|err| {
            // Only a failure pays for the hint.
            let now = self.now.unwrap_or_else(system_now);
            match super::explain::hint(err.kind(), &self.secrets, headers, body, now, self.tolerance) {
                Some(hint) => err.with_hint(hint),
                None => err,
            }
        })
    }

    fn check_signature<'h>(&self, body: &[u8], headers: &'h WebhookHeaders) -> Result<(&'h str, i64)> {
        let id = required(headers.id(), WEBHOOK_ID)?;
        let timestamp_text = required(headers.timestamp(), WEBHOOK_TIMESTAMP)?;
        let signature = required(headers.signature(), WEBHOOK_SIGNATURE)?;
        let timestamp = parse_timestamp(timestamp_text)?;
        self.check_tolerance(timestamp)?;
        if self.signature_matches(id, timestamp_text, body, signature) {
            Ok((id, timestamp))
        } else {
            let mut message = format!(
                "no signature in the {WEBHOOK_SIGNATURE} header matches the {} given; {RAW_BODY_HINT}",
                if self.secrets.len() == 1 {
                    "secret".to_owned()
                } else {
                    format!("{} secrets", self.secrets.len())
                }
            );
            if body == b"[object Object]" {
                message.push_str(
                    " (the body is the text \"[object Object]\": pass the raw bytes, not a parsed object)",
                );
            }
            Err(Error::new(ErrorKind::InvalidSignature, message))
        }
    }

    fn check_tolerance(&self, timestamp: i64) -> Result<()> {
        let now = self.now.unwrap_or_else(system_now);
        let tolerance = i128::from(self.tolerance.as_secs());
        let age = i128::from(now) - i128::from(timestamp);
        if age > tolerance {
            return Err(Error::new(
                ErrorKind::TimestampTooOld,
                format!(
                    "{WEBHOOK_TIMESTAMP} {timestamp} is {age} s before now ({now}); the tolerance is {tolerance} s"
                ),
            ));
        }
        if -age > tolerance {
            return Err(Error::new(
                ErrorKind::TimestampTooNew,
                format!(
                    "{WEBHOOK_TIMESTAMP} {timestamp} is {} s after now ({now}); the tolerance is {tolerance} s \
                     (is the receiver's clock behind?)",
                    -age
                ),
            ));
        }
        Ok(())
    }

    /// True when any entry matches any secret. The signed content holds the timestamp exactly as
    /// the header gave it. Each HMAC tag is computed at most once, and the work is bounded: only the
    /// first [`MAX_ENTRIES`] entries are looked at and the first [`MAX_V1A_ENTRIES`] well-formed
    /// `v1a` entries checked, so a header stuffed with entries costs no more than a normal one.
    fn signature_matches(&self, id: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
        let mut tags: Vec<Option<[u8; 32]>> = vec![None; self.secrets.len()];
        let mut signed_content: Option<Vec<u8>> = None;
        let mut v1a_checked = 0;
        for entry in signature.split(' ').filter(|e| !e.is_empty()).take(MAX_ENTRIES) {
            // Containers that join repeated fields with ", " (Node's, fetch's) leave a trailing comma.
            let entry = entry.strip_suffix(',').unwrap_or(entry);
            let Some((version, value)) = entry.split_once(',') else { continue };
            match version {
                "v1" => {
                    let mut decoded = [0u8; 32];
                    // A valid value is 43 or 44 characters; anything else is skipped without decoding.
                    if !(43..=44).contains(&value.len()) || BASE64.decode_slice(value, &mut decoded) != Ok(32)
                    {
                        continue;
                    }
                    for (secret, tag) in self.secrets.iter().zip(tags.iter_mut()) {
                        let Key::Hmac(mac) = secret.key() else { continue };
                        let tag = tag.get_or_insert_with(|| hmac_tag(mac, id, timestamp, body));
                        if bool::from(tag.ct_eq(&decoded)) {
                            return true;
                        }
                    }
                }
                "v1a" => {
                    let mut decoded = [0u8; 64];
                    if !(86..=88).contains(&value.len()) || BASE64.decode_slice(value, &mut decoded) != Ok(64)
                    {
                        continue;
                    }
                    if v1a_checked == MAX_V1A_ENTRIES {
                        continue;
                    }
                    v1a_checked += 1;
                    let signature = Signature::from_bytes(&decoded);
                    for secret in &self.secrets {
                        let Key::Ed25519(key) = secret.key() else { continue };
                        let content = signed_content.get_or_insert_with(|| signed_bytes(id, timestamp, body));
                        if key.verify_strict(content, &signature).is_ok() {
                            return true;
                        }
                    }
                }
                _ => continue,
            }
        }
        false
    }
}

/// HMAC-SHA256 of `{id}.{timestamp}.{body}` without copying the body.
pub(crate) fn hmac_tag(keyed: &super::keys::HmacSha256, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = keyed.clone();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

pub(crate) fn signed_bytes(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    content.extend_from_slice(id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    content
}

fn required<'h>(value: Option<&'h str>, name: &str) -> Result<&'h str> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        Some(_) => Err(Error::new(ErrorKind::MissingHeader, format!("the {name} header is empty"))),
        None => Err(Error::new(ErrorKind::MissingHeader, format!("the {name} header is missing"))),
    }
}

fn parse_timestamp(text: &str) -> Result<i64> {
    let invalid = |why: &str| {
        Error::new(
            ErrorKind::InvalidTimestamp,
            format!("the {WEBHOOK_TIMESTAMP} header {why}; it must be whole Unix seconds, digits only"),
        )
    };
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("has a character other than the digits 0-9"));
    }
    text.parse::<i64>().map_err(|_| invalid("is too large"))
}

pub(crate) fn system_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The envelope as it may arrive: every field optional, `data` left unparsed (only scanned), other
/// fields ignored so that new envelope fields never break old receivers.
#[derive(Deserialize)]
struct WireEnvelope<'a> {
    #[serde(rename = "eventId")]
    event_id: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    service: Option<String>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    livemode: Option<bool>,
    #[serde(rename = "createdAt")]
    created_at: Option<i64>,
}

fn parse_event<'a>(body: &'a [u8], webhook_id: &str, timestamp: i64) -> Result<WebhookEvent<'a>> {
    let invalid = |why: String| {
        Error::new(
            ErrorKind::InvalidPayload,
            format!("the delivery is authentic but its body is not a send0 event: {why}"),
        )
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(invalid("it is not a JSON object".to_owned()));
    }
    let wire: WireEnvelope<'a> = serde_json::from_slice(body).map_err(|e| invalid(e.to_string()))?;
    let event_type = wire.event_type.ok_or_else(|| invalid("it has no string `type`".to_owned()))?;
    let service = wire.service.unwrap_or_else(|| super::events::service_of(&event_type).to_owned());
    Ok(WebhookEvent {
        id: wire.event_id.unwrap_or_else(|| webhook_id.to_owned()),
        data: wire.data.unwrap_or(RAW_NULL),
        service,
        event_type,
        livemode: wire.livemode.unwrap_or(false),
        created_at: wire.created_at.unwrap_or(timestamp.saturating_mul(1000)),
        webhook_id: webhook_id.to_owned(),
        timestamp,
        raw: body,
    })
}

const RAW_NULL: &RawValue = RawValue::NULL;
