//! `explain`: why a delivery verifies or not, as a report a person can act on.
//!
//! Verification can only say *that* a delivery failed. The reasons people lose hours on lie around
//! the signature: a framework that parsed and re-serialized the body or added a newline, a secret
//! pasted with whitespace or prefixed twice, a `whpk_` public key where the HMAC secret belongs, a
//! clock an hour off, a timestamp in milliseconds, headers under other names. `explain` looks at
//! each; when no entry matches, it tries the body as a framework may have changed it, and a match
//! is proof of the change. A report never holds a secret or its key bytes.
//!
//! The same analysis gives a failed verify its one-line [`hint`](crate::Error::hint), computed only
//! on failure.

use std::time::Duration;

use base64::Engine as _;
use ed25519_dalek::Signature;
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookHeaders};
use super::keys::{BASE64, Key, PUBLIC_KEY_PREFIX, SECRET_PREFIX, WebhookSecret};
use super::verify::{DEFAULT_TOLERANCE, MAX_ENTRIES, Verifier, hmac_tag, signed_bytes, system_now};
use crate::error::ErrorKind;

/// Bodies up to this size are also tried as a framework may have changed them; a larger one is
/// checked only as received.
pub const MAX_ALTERED_BODY: usize = 1 << 20;
/// The same for the hint of a failed verify, which stays cheap because anyone can send a delivery
/// that fails.
const MAX_HINTED_BODY: usize = 64 << 10;
/// Secrets looked at (a receiver has one per endpoint, two during a rotation).
pub const MAX_EXPLAINED_SECRETS: usize = 16;
/// The smallest HMAC key a sender should use (Standard Webhooks: 24 to 64 bytes).
const SHORTEST_GOOD_KEY: usize = 24;

/// Where a framework's raw body is, for the fixes a report names.
const RAW_BODY_FIX: &str = "verify the raw body exactly as received, before any parsing: Express \
    `express.raw({ type: 'application/json' })`, Next.js and other Web handlers `await request.text()`, \
    Flask `request.get_data()`, Django `request.body`, FastAPI `await request.body()`, Go \
    `io.ReadAll(r.Body)`";

/// The verifier's settings for [`explain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainOptions {
    /// How far `webhook-timestamp` may be from now, on either side. Default 300 s.
    pub tolerance: Duration,
    /// The clock, Unix seconds; the system time when None.
    pub now: Option<i64>,
}

impl Default for ExplainOptions {
    fn default() -> Self {
        ExplainOptions { tolerance: DEFAULT_TOLERANCE, now: None }
    }
}

/// What [`explain`] found, most important first in `diagnoses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Exactly what `verify_raw` would answer with the same inputs.
    pub verified: bool,
    /// The first diagnosis, with its fix: one line for a log.
    pub summary: String,
    /// Every finding, the cause of a failure first.
    pub diagnoses: Vec<Diagnosis>,
    /// The signature headers found, and under which names.
    pub headers: HeadersReport,
    /// The timestamp, when there was one.
    pub timestamp: Option<TimestampReport>,
    /// Each secret given, in order, described without its value.
    pub secrets: Vec<SecretReport>,
    /// Each entry of `webhook-signature` looked at, in order.
    pub entries: Vec<EntryReport>,
    /// The body's size and, when an altered body matched, how it had been altered.
    pub body: BodyReport,
}

/// One finding: a stable `code`, what it means for this delivery, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Stable across releases and languages.
    pub code: DiagnosisCode,
    /// What was found, naming the secret or entry by its position.
    pub message: String,
    /// What to change, when something should change.
    pub fix: Option<String>,
}

/// The findings [`explain`] can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosisCode {
    /// The delivery verifies.
    Verified,
    /// A signature header is missing or empty.
    MissingHeader,
    /// The headers came as `svix-*`, not `webhook-*`.
    SvixHeaders,
    /// The headers came as `HTTP_WEBHOOK_*` or `webhook_*` (a WSGI environ or a mangled map).
    UnderscoredHeaders,
    /// `webhook-timestamp` is not digits.
    TimestampNotDigits,
    /// `webhook-timestamp` is Unix milliseconds, not seconds.
    TimestampInMilliseconds,
    /// `webhook-timestamp` is older than the tolerance.
    TimestampTooOld,
    /// `webhook-timestamp` is further ahead than the tolerance.
    TimestampTooNew,
    /// No secret was given.
    NoSecret,
    /// A secret cannot be parsed, and no common mistake explains it.
    SecretInvalid,
    /// A secret has whitespace around it.
    SecretWhitespace,
    /// A secret carries its prefix twice (`whsec_whsec_…`).
    SecretDoubledPrefix,
    /// An API key (`sk_…`) was given as a webhook secret.
    SecretIsApiKey,
    /// An HMAC secret decodes to fewer than 24 bytes.
    SecretTooShort,
    /// Only `whpk_` public keys were given, but the delivery carries `v1` (HMAC) entries only.
    PublicKeyForV1,
    /// Only HMAC secrets were given, but the delivery carries `v1a` (Ed25519) entries only.
    HmacSecretForV1a,
    /// `webhook-signature` has no well-formed entry.
    NoSignatureEntries,
    /// The body had a trailing newline added: removing it matches.
    BodyNewlineAdded,
    /// The body lost its trailing newline: adding one matches.
    BodyNewlineRemoved,
    /// The body's line endings were changed: changing them back matches.
    BodyLineEndingsChanged,
    /// The body was parsed and serialized again: another formatting of the same JSON matches.
    BodyReserialized,
    /// The body is the text `[object Object]`: an object was passed where bytes belong.
    BodyObjectObject,
    /// The body is empty: it was read (or parsed) before it reached the verifier.
    BodyEmpty,
    /// Nothing matches, and no common mistake explains it.
    NoMatch,
}

impl DiagnosisCode {
    /// The code's stable string.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosisCode::Verified => "verified",
            DiagnosisCode::MissingHeader => "missing_header",
            DiagnosisCode::SvixHeaders => "svix_headers",
            DiagnosisCode::UnderscoredHeaders => "underscored_headers",
            DiagnosisCode::TimestampNotDigits => "timestamp_not_digits",
            DiagnosisCode::TimestampInMilliseconds => "timestamp_in_milliseconds",
            DiagnosisCode::TimestampTooOld => "timestamp_too_old",
            DiagnosisCode::TimestampTooNew => "timestamp_too_new",
            DiagnosisCode::NoSecret => "no_secret",
            DiagnosisCode::SecretInvalid => "secret_invalid",
            DiagnosisCode::SecretWhitespace => "secret_whitespace",
            DiagnosisCode::SecretDoubledPrefix => "secret_doubled_prefix",
            DiagnosisCode::SecretIsApiKey => "secret_is_api_key",
            DiagnosisCode::SecretTooShort => "secret_too_short",
            DiagnosisCode::PublicKeyForV1 => "public_key_for_v1",
            DiagnosisCode::HmacSecretForV1a => "hmac_secret_for_v1a",
            DiagnosisCode::NoSignatureEntries => "no_signature_entries",
            DiagnosisCode::BodyNewlineAdded => "body_newline_added",
            DiagnosisCode::BodyNewlineRemoved => "body_newline_removed",
            DiagnosisCode::BodyLineEndingsChanged => "body_line_endings_changed",
            DiagnosisCode::BodyReserialized => "body_reserialized",
            DiagnosisCode::BodyObjectObject => "body_object_object",
            DiagnosisCode::BodyEmpty => "body_empty",
            DiagnosisCode::NoMatch => "no_match",
        }
    }
}

/// Under which names the signature headers came, and their values (none of them is secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadersReport {
    /// `webhook`, `svix`, `underscored` or `none`.
    pub source: &'static str,
    /// The names of the signature headers seen, as given.
    pub names: Vec<String>,
    /// The message id, when present.
    pub id: Option<String>,
    /// The timestamp as sent, when present.
    pub timestamp: Option<String>,
    /// The signature header as sent, when present.
    pub signature: Option<String>,
}

/// The timestamp against the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimestampReport {
    /// The value as a number, when it is digits that fit.
    pub unix_seconds: Option<i64>,
    /// The clock the report used.
    pub now: i64,
    /// `now - timestamp`: positive when the timestamp is in the past.
    pub skew_seconds: Option<i64>,
    /// The tolerance the report used.
    pub tolerance_seconds: u64,
    /// Whether the skew is within the tolerance.
    pub within_tolerance: bool,
    /// Whether it reads as Unix milliseconds close to now.
    pub looks_like_milliseconds: bool,
}

/// One secret, without its value or key bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretReport {
    /// `whsec`, `whpk`, `base64` (a bare HMAC key), `api_key` or `invalid`.
    pub kind: &'static str,
    /// Whether verify can use it exactly as given.
    pub usable: bool,
    /// The decoded key's length in bytes, when it decodes (after the repair `repaired` names).
    pub key_length: Option<usize>,
    /// The mistake undone to read it (`whitespace`, `doubled_prefix`), when one was.
    pub repaired: Option<&'static str>,
}

/// One `webhook-signature` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryReport {
    /// The version before the comma (`v1`, `v1a`, ...), empty when there is no comma.
    pub version: String,
    /// Whether it is a version this verifier checks, carrying a value of the right size.
    pub well_formed: bool,
    /// Why it is not well formed.
    pub problem: Option<String>,
    /// The position of the secret it matches, when one does.
    pub matched_secret: Option<usize>,
}

/// The body, and how it had been altered when only an altered form matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BodyReport {
    /// Bytes received.
    pub length: usize,
    /// Whether it parses as JSON.
    pub json: bool,
    /// `newline_added`, `newline_removed`, `line_endings_changed` or `reserialized`: what a
    /// framework did to the body, proven by the altered form's match.
    pub altered: Option<&'static str>,
}

/// Explains why a delivery verifies or not: `headers` as name/value pairs (any names; the
/// signature headers are found under their usual names and the common wrong ones), `secrets` as
/// given to the verifier. Never fails and never panics; the report holds no secret.
pub fn explain<K, V, S>(
    body: &[u8],
    headers: impl IntoIterator<Item = (K, V)>,
    secrets: &[S],
    options: &ExplainOptions,
) -> Explanation
where
    K: AsRef<str>,
    V: AsRef<str>,
    S: AsRef<str>,
{
    let now = options.now.unwrap_or_else(system_now);
    let found = find_headers(headers);
    let verified = Verifier::from_secrets(secrets.iter().map(AsRef::as_ref))
        .map(|v| v.with_tolerance(options.tolerance).with_now(now))
        .is_ok_and(|v| v.verify_raw(body, &found.strict).is_ok());

    let mut diagnoses = Vec::new();
    header_diagnoses(&found, &mut diagnoses);
    let timestamp = found.headers.timestamp().filter(|t| !t.is_empty()).map(|text| {
        let (report, diagnosis) = timestamp_report(text, now, options.tolerance);
        diagnoses.extend(diagnosis);
        report
    });
    let read: Vec<ReadSecret> =
        secrets.iter().take(MAX_EXPLAINED_SECRETS).map(|s| read_secret(s.as_ref())).collect();
    if read.is_empty() {
        diagnoses.push(Diagnosis {
            code: DiagnosisCode::NoSecret,
            message: "no secret was given".into(),
            fix: Some(
                "pass the endpoint's signing secret (whsec_…), returned when the endpoint was created".into(),
            ),
        });
    }
    // Where each secret's finding sits in `diagnoses`, to move it first when it is the cause.
    let mut secret_findings = Vec::new();
    for (i, secret) in read.iter().enumerate() {
        if let Some(diagnosis) = &secret.diagnosis {
            secret_findings.push((i, diagnoses.len()));
            diagnoses.push(Diagnosis {
                message: format!("secret {i} {}", diagnosis.message),
                ..diagnosis.clone()
            });
        }
    }
    let keys: Vec<(usize, &WebhookSecret)> =
        read.iter().enumerate().filter_map(|(i, r)| r.key.as_ref().map(|k| (i, k))).collect();

    let mut entries = entries_of(found.headers.signature().unwrap_or(""));
    let well_formed = entries.iter().any(|(_, parsed)| parsed.is_some());
    if found.headers.signature().is_some_and(|s| !s.is_empty()) && !well_formed {
        diagnoses.push(Diagnosis {
            code: DiagnosisCode::NoSignatureEntries,
            message: format!("{WEBHOOK_SIGNATURE} has no well-formed entry"),
            fix: Some(format!(
                "{WEBHOOK_SIGNATURE} holds space-separated `v1,<base64>` entries: pass its whole value as received"
            )),
        });
    }
    // Keys of the wrong kind for every entry explain the failure; no body change can.
    let wrong_kind = key_kind_diagnoses(&keys, &entries, &mut diagnoses);

    let id = found.headers.id().unwrap_or("");
    let signed_timestamp = found.headers.timestamp().unwrap_or("");
    let matched = if keys.is_empty() || !well_formed || wrong_kind {
        None
    } else {
        match_entries(id, signed_timestamp, body, &keys, &mut entries, MAX_ALTERED_BODY)
    };
    match matched {
        Some(Some(change)) => diagnoses.insert(0, change.diagnosis()),
        Some(None) => {
            // A match through a repaired secret: that secret's mistake is the cause.
            let repaired = entries
                .iter()
                .filter_map(|(e, _)| e.matched_secret)
                .find(|&i| read.get(i).is_some_and(|r| r.report.repaired.is_some()));
            let at = repaired.and_then(|i| secret_findings.iter().find(|(s, _)| *s == i).map(|(_, at)| *at));
            if let Some(at) = at.filter(|&at| at < diagnoses.len()) {
                let cause = diagnoses.remove(at);
                diagnoses.insert(0, cause);
            }
        }
        None if !keys.is_empty() && well_formed && !wrong_kind => {
            diagnoses.push(body_or_secret_mismatch(body))
        }
        None => {}
    }
    if verified {
        let (entry, secret) = entries
            .iter()
            .enumerate()
            .find_map(|(n, (e, _))| e.matched_secret.map(|s| (n, s)))
            .unwrap_or((0, 0));
        diagnoses.insert(
            0,
            Diagnosis {
                code: DiagnosisCode::Verified,
                message: format!("verified: signature entry {entry} matches secret {secret}"),
                fix: None,
            },
        );
    }
    let summary = diagnoses.first().map_or_else(
        || "not verified, and no cause found".to_owned(),
        |d| match &d.fix {
            Some(fix) => format!("{}: {fix}", d.message),
            None => d.message.clone(),
        },
    );
    Explanation {
        verified,
        summary,
        diagnoses,
        headers: found.report,
        timestamp,
        secrets: read.into_iter().map(|r| r.report).collect(),
        entries: entries.into_iter().map(|(e, _)| e).collect(),
        body: BodyReport {
            length: body.len(),
            json: serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok(),
            altered: matched.flatten().map(BodyChange::as_str),
        },
    }
}

/// The one-line hint of a failed verify of `kind`: what most likely went wrong, from what the
/// verifier has (parsed secrets, the three headers, the body). Called only on failure.
pub(crate) fn hint(
    kind: ErrorKind,
    secrets: &[WebhookSecret],
    headers: &WebhookHeaders,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Option<String> {
    let line = |d: Diagnosis| match d.fix {
        Some(fix) => format!("{}: {fix}", d.message),
        None => d.message,
    };
    match kind {
        ErrorKind::MissingHeader => Some(
            "pass the request's headers as received; explain also finds them under svix-* and HTTP_WEBHOOK_* names"
                .to_owned(),
        ),
        ErrorKind::InvalidTimestamp | ErrorKind::TimestampTooOld | ErrorKind::TimestampTooNew => {
            let text = headers.timestamp()?;
            timestamp_report(text, now, tolerance).1.map(line)
        }
        ErrorKind::InvalidSignature => {
            let keys: Vec<(usize, &WebhookSecret)> = secrets.iter().enumerate().collect();
            let mut entries = entries_of(headers.signature().unwrap_or(""));
            let mut diagnoses = Vec::new();
            if key_kind_diagnoses(&keys, &entries, &mut diagnoses) {
                return diagnoses.into_iter().next().map(line);
            }
            let id = headers.id().unwrap_or("");
            let timestamp = headers.timestamp().unwrap_or("");
            match match_entries(id, timestamp, body, &keys, &mut entries, MAX_HINTED_BODY) {
                Some(Some(change)) => Some(line(change.diagnosis())),
                Some(None) | None => Some(line(body_or_secret_mismatch(body))),
            }
        }
        _ => None,
    }
}

/// The signature headers as the verifier will read them, and what the report says of them.
struct FoundHeaders {
    /// The headers under the names verify reads (`webhook-*` only): what `verified` is judged on.
    strict: WebhookHeaders,
    /// The headers from the first source that has any, `svix-*` and underscored names included.
    headers: WebhookHeaders,
    report: HeadersReport,
    /// How many header pairs were given in all.
    given: usize,
}

/// Where the signature headers may come from: `webhook-*`, Svix's `svix-*`, and `webhook_*` (or
/// a WSGI environ's `HTTP_WEBHOOK_*`).
const SOURCES: [&str; 3] = ["webhook", "svix", "underscored"];

fn find_headers<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> FoundHeaders {
    let mut by_source: [WebhookHeaders; 3] = Default::default();
    let mut names: [Vec<String>; 3] = Default::default();
    let mut given = 0;
    for (name, value) in pairs {
        given += 1;
        let (name, value) = (name.as_ref(), value.as_ref());
        let lower = name.to_ascii_lowercase();
        let (source, canonical) = if lower.starts_with("webhook-") {
            (0, lower)
        } else if let Some(rest) = lower.strip_prefix("svix-") {
            (1, format!("webhook-{rest}"))
        } else if let Some(rest) = lower.strip_prefix("http_").unwrap_or(&lower).strip_prefix("webhook_") {
            (2, format!("webhook-{rest}"))
        } else {
            continue;
        };
        if ![WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE].contains(&canonical.as_str()) {
            continue;
        }
        if let (Some(headers), Some(seen)) = (by_source.get_mut(source), names.get_mut(source)) {
            headers.append(&canonical, value);
            seen.push(name.to_owned());
        }
    }
    let chosen = names.iter().position(|seen| !seen.is_empty());
    let [strict, svix, underscored] = by_source;
    let headers = match chosen {
        Some(1) => svix,
        Some(2) => underscored,
        _ => strict.clone(),
    };
    let report = HeadersReport {
        source: chosen.and_then(|i| SOURCES.get(i).copied()).unwrap_or("none"),
        names: chosen.and_then(|i| names.get(i).cloned()).unwrap_or_default(),
        id: headers.id().map(str::to_owned),
        timestamp: headers.timestamp().map(str::to_owned),
        signature: headers.signature().map(str::to_owned),
    };
    FoundHeaders { strict, headers, report, given }
}

fn header_diagnoses(found: &FoundHeaders, diagnoses: &mut Vec<Diagnosis>) {
    let pass_them = "pass them as webhook-id, webhook-timestamp and webhook-signature";
    match found.report.source {
        "none" => {
            diagnoses.push(Diagnosis {
                code: DiagnosisCode::MissingHeader,
                message: format!(
                    "none of {WEBHOOK_ID}, {WEBHOOK_TIMESTAMP} and {WEBHOOK_SIGNATURE} is among the {} header(s) given",
                    found.given
                ),
                fix: Some(
                    "pass the request's headers as received (a Web Headers object, a dict, or a list of pairs)"
                        .into(),
                ),
            });
            return;
        }
        "svix" => diagnoses.push(Diagnosis {
            code: DiagnosisCode::SvixHeaders,
            message: "the signature headers came as svix-id, svix-timestamp and svix-signature".into(),
            fix: Some(format!("{pass_them}: Svix sends the same Standard Webhooks signature under its own names")),
        }),
        "underscored" => diagnoses.push(Diagnosis {
            code: DiagnosisCode::UnderscoredHeaders,
            message: format!(
                "the signature headers came with underscores ({}): a WSGI environ or a rewritten map",
                found.report.names.join(", ")
            ),
            fix: Some(format!(
                "{pass_them}: in Django use `request.headers`, not `request.META`; behind nginx, allow underscores or keep the dashes"
            )),
        }),
        _ => {}
    }
    for (name, value) in [
        (WEBHOOK_ID, found.headers.id()),
        (WEBHOOK_TIMESTAMP, found.headers.timestamp()),
        (WEBHOOK_SIGNATURE, found.headers.signature()),
    ] {
        let state = match value {
            None => "missing",
            Some("") => "empty",
            Some(_) => continue,
        };
        diagnoses.push(Diagnosis {
            code: DiagnosisCode::MissingHeader,
            message: format!("the {name} header is {state}"),
            fix: Some("pass every header of the request as received; a proxy may have dropped it".into()),
        });
    }
}

/// The timestamp against the clock, and what is wrong with it, if anything.
fn timestamp_report(text: &str, now: i64, tolerance: Duration) -> (TimestampReport, Option<Diagnosis>) {
    let tolerance_seconds = tolerance.as_secs();
    let parsed = if text.bytes().all(|b| b.is_ascii_digit()) { text.parse::<i64>().ok() } else { None };
    let skew = parsed.map(|ts| i128::from(now) - i128::from(ts));
    let within = skew.is_some_and(|s| s.unsigned_abs() <= u128::from(tolerance_seconds));
    let looks_like_milliseconds =
        parsed.is_some_and(|ts| ts >= 100_000_000_000 && (ts / 1000).abs_diff(now) <= 366 * 86_400);
    let report = TimestampReport {
        unix_seconds: parsed,
        now,
        skew_seconds: skew.and_then(|s| i64::try_from(s).ok()),
        tolerance_seconds,
        within_tolerance: within,
        looks_like_milliseconds,
    };
    let diagnosis = match (parsed, skew) {
        (None, _) | (_, None) => Some(Diagnosis {
            code: DiagnosisCode::TimestampNotDigits,
            message: format!("{WEBHOOK_TIMESTAMP} `{}` is not a whole number of Unix seconds", shorten(text, 32)),
            fix: Some("pass the header's value unchanged: send0 sends Unix seconds, digits only".into()),
        }),
        _ if within => None,
        (Some(ts), _) if looks_like_milliseconds => Some(Diagnosis {
            code: DiagnosisCode::TimestampInMilliseconds,
            message: format!("{WEBHOOK_TIMESTAMP} {ts} is Unix milliseconds ({} in seconds)", ts / 1000),
            fix: Some("the header is Unix seconds: divide by 1000 where it is set (send0 itself sends seconds)".into()),
        }),
        (Some(ts), Some(skew)) if skew > 0 => Some(Diagnosis {
            code: DiagnosisCode::TimestampTooOld,
            message: format!(
                "{WEBHOOK_TIMESTAMP} {ts} is {skew} s before now ({now}){}; the tolerance is {tolerance_seconds} s",
                hours(skew)
            ),
            fix: Some(
                "a replayed or long-held delivery, or the receiver's clock is ahead: sync the clock (NTP), and raise the tolerance only to verify late on purpose"
                    .into(),
            ),
        }),
        (Some(ts), Some(skew)) => Some(Diagnosis {
            code: DiagnosisCode::TimestampTooNew,
            message: format!(
                "{WEBHOOK_TIMESTAMP} {ts} is {} s after now ({now}){}; the tolerance is {tolerance_seconds} s",
                skew.unsigned_abs(),
                hours(skew)
            ),
            fix: Some("the receiver's clock is behind: sync it (NTP)".into()),
        }),
    };
    (report, diagnosis)
}

/// " (about N hours: ...)" when a skew is within a minute of a whole number of hours.
fn hours(skew: i128) -> String {
    let seconds = skew.unsigned_abs();
    let whole = (seconds + 60) / 3600;
    if (1..=26).contains(&whole) && seconds.abs_diff(whole * 3600) <= 60 {
        format!(
            " (about {whole} hour{}: a time-zone offset applied to a Unix time?)",
            if whole == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    }
}

/// At most `max` characters of a value from the request, for a message.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

/// One secret as explain reads it: the key to match with (repaired when a common mistake was
/// undone) and the finding about it.
struct ReadSecret {
    report: SecretReport,
    key: Option<WebhookSecret>,
    diagnosis: Option<Diagnosis>,
}

fn read_secret(secret: &str) -> ReadSecret {
    let kind = |s: &str| {
        if s.starts_with(PUBLIC_KEY_PREFIX) {
            "whpk"
        } else if s.starts_with(SECRET_PREFIX) {
            "whsec"
        } else {
            "base64"
        }
    };
    let diagnosis =
        |code, message: String, fix: &str| Some(Diagnosis { code, message, fix: Some(fix.to_owned()) });
    if let Ok(key) = WebhookSecret::parse(secret) {
        let length = key_length(secret);
        let short = !key.is_public_key() && length.is_some_and(|n| n < SHORTEST_GOOD_KEY);
        return ReadSecret {
            report: SecretReport { kind: kind(secret), usable: true, key_length: length, repaired: None },
            key: Some(key),
            diagnosis: if short {
                diagnosis(
                    DiagnosisCode::SecretTooShort,
                    format!("decodes to {} bytes; a signing secret is 24 to 64", length.unwrap_or(0)),
                    "use the whole secret the endpoint was given: part of it may have been cut off",
                )
            } else {
                None
            },
        };
    }
    let trimmed = secret.trim();
    if trimmed.starts_with("sk_") {
        return ReadSecret {
            report: SecretReport { kind: "api_key", usable: false, key_length: None, repaired: None },
            key: None,
            diagnosis: diagnosis(
                DiagnosisCode::SecretIsApiKey,
                "is an API key (sk_…), not a webhook signing secret".into(),
                "use the endpoint's signing secret (whsec_…), returned when the endpoint was created or its secret rotated",
            ),
        };
    }
    let doubled = [SECRET_PREFIX, PUBLIC_KEY_PREFIX].into_iter().find_map(|prefix| {
        trimmed.strip_prefix(prefix).filter(|rest| rest.starts_with(prefix)).map(|rest| (prefix, rest))
    });
    let repair = match doubled {
        Some((prefix, once)) => Some((
            "doubled_prefix",
            once,
            DiagnosisCode::SecretDoubledPrefix,
            format!("carries its prefix twice ({prefix}{prefix}…)"),
            format!("pass the secret with one {prefix} prefix"),
        )),
        None if trimmed != secret => Some((
            "whitespace",
            trimmed,
            DiagnosisCode::SecretWhitespace,
            "has whitespace around it (a newline from a file or an environment variable?)".to_owned(),
            "trim the secret before passing it".to_owned(),
        )),
        None => None,
    };
    if let Some((repaired, text, code, message, fix)) = repair {
        if let Ok(key) = WebhookSecret::parse(text) {
            return ReadSecret {
                report: SecretReport {
                    kind: kind(text),
                    usable: false,
                    key_length: key_length(text),
                    repaired: Some(repaired),
                },
                key: Some(key),
                diagnosis: diagnosis(code, message, &fix),
            };
        }
    }
    let why = WebhookSecret::parse(secret).err().map(|e| e.message().to_owned()).unwrap_or_default();
    ReadSecret {
        report: SecretReport { kind: "invalid", usable: false, key_length: None, repaired: None },
        key: None,
        diagnosis: diagnosis(
            DiagnosisCode::SecretInvalid,
            format!("cannot be read: {why}"),
            "copy the endpoint's signing secret again, whole (whsec_ followed by base64)",
        ),
    }
}

/// The decoded length of a secret's key (never the key itself).
fn key_length(secret: &str) -> Option<usize> {
    let encoded = secret
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .or_else(|| secret.strip_prefix(SECRET_PREFIX))
        .unwrap_or(secret);
    BASE64.decode(encoded).ok().map(|key| key.len())
}

/// A well-formed entry's signature.
enum Parsed {
    V1([u8; 32]),
    V1a(Box<Signature>),
}

fn entries_of(signature: &str) -> Vec<(EntryReport, Option<Parsed>)> {
    signature
        .split(' ')
        .filter(|e| !e.is_empty())
        .take(MAX_ENTRIES)
        .map(|entry| {
            let entry = entry.strip_suffix(',').unwrap_or(entry);
            let report = |version: &str, problem: Option<String>| EntryReport {
                version: shorten(version, 16),
                well_formed: problem.is_none(),
                problem,
                matched_secret: None,
            };
            let Some((version, value)) = entry.split_once(',') else {
                return (report("", Some("no `version,` before the signature".into())), None);
            };
            match version {
                "v1" => {
                    let mut decoded = [0u8; 32];
                    if (43..=44).contains(&value.len()) && BASE64.decode_slice(value, &mut decoded) == Ok(32) {
                        (report(version, None), Some(Parsed::V1(decoded)))
                    } else {
                        let problem = format!(
                            "a v1 signature is 32 bytes in base64 (43 or 44 characters); this is {} characters{}",
                            value.len(),
                            if BASE64.decode(value).is_err() { " and not base64" } else { "" }
                        );
                        (report(version, Some(problem)), None)
                    }
                }
                "v1a" => {
                    let mut decoded = [0u8; 64];
                    if (86..=88).contains(&value.len()) && BASE64.decode_slice(value, &mut decoded) == Ok(64) {
                        (report(version, None), Some(Parsed::V1a(Box::new(Signature::from_bytes(&decoded)))))
                    } else {
                        let problem = "a v1a signature is 64 bytes in base64 (86 to 88 characters)".to_owned();
                        (report(version, Some(problem)), None)
                    }
                }
                other => (
                    report(other, Some(format!("unknown version `{}` (v1 and v1a are checked)", shorten(other, 16)))),
                    None,
                ),
            }
        })
        .collect()
}

/// A public key offered for HMAC entries only, or HMAC secrets for Ed25519 entries only; true when
/// it found one.
fn key_kind_diagnoses(
    keys: &[(usize, &WebhookSecret)],
    entries: &[(EntryReport, Option<Parsed>)],
    diagnoses: &mut Vec<Diagnosis>,
) -> bool {
    let has = |v1a: bool| {
        entries
            .iter()
            .any(|(_, p)| matches!((p, v1a), (Some(Parsed::V1(_)), false) | (Some(Parsed::V1a(_)), true)))
    };
    let public = keys.iter().filter(|(_, k)| k.is_public_key()).count();
    let (v1, v1a) = (has(false), has(true));
    if v1 && !v1a && public > 0 && public == keys.len() {
        diagnoses.push(Diagnosis {
            code: DiagnosisCode::PublicKeyForV1,
            message: "only whpk_ public keys were given, and the delivery carries v1 (HMAC) signatures only"
                .into(),
            fix: Some(
                "verify with the endpoint's whsec_ signing secret; a whpk_ key checks v1a signatures".into(),
            ),
        });
    } else if v1a && !v1 && public == 0 && !keys.is_empty() {
        diagnoses.push(Diagnosis {
            code: DiagnosisCode::HmacSecretForV1a,
            message: "only HMAC secrets were given, and the delivery carries v1a (Ed25519) signatures only"
                .into(),
            fix: Some("verify with the endpoint's whpk_ public key".into()),
        });
    } else {
        return false;
    }
    true
}

/// How a framework may have changed a body after it was signed. Each is undone on the received
/// body; a match of the undone form proves the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyChange {
    NewlineAdded,
    NewlineRemoved,
    LineEndingsChanged,
    ReserializedCompact,
    ReserializedIndent2,
    ReserializedIndent4,
}

impl BodyChange {
    const ALL: [BodyChange; 6] = [
        BodyChange::NewlineAdded,
        BodyChange::NewlineRemoved,
        BodyChange::LineEndingsChanged,
        BodyChange::ReserializedCompact,
        BodyChange::ReserializedIndent2,
        BodyChange::ReserializedIndent4,
    ];

    fn as_str(self) -> &'static str {
        match self {
            BodyChange::NewlineAdded => "newline_added",
            BodyChange::NewlineRemoved => "newline_removed",
            BodyChange::LineEndingsChanged => "line_endings_changed",
            _ => "reserialized",
        }
    }

    /// The body as it was before this change, or None when the change cannot have happened.
    fn undo(self, body: &[u8]) -> Option<Vec<u8>> {
        match self {
            BodyChange::NewlineAdded => {
                body.strip_suffix(b"\r\n").or_else(|| body.strip_suffix(b"\n")).map(<[u8]>::to_vec)
            }
            BodyChange::NewlineRemoved => (!body.ends_with(b"\n")).then(|| [body, b"\n"].concat()),
            BodyChange::LineEndingsChanged => {
                let text = std::str::from_utf8(body).ok()?;
                if text.contains("\r\n") {
                    Some(text.replace("\r\n", "\n").into_bytes())
                } else if text.contains('\n') {
                    Some(text.replace('\n', "\r\n").into_bytes())
                } else {
                    None
                }
            }
            BodyChange::ReserializedCompact => reformat(body, None),
            BodyChange::ReserializedIndent2 => reformat(body, Some(b"  ")),
            BodyChange::ReserializedIndent4 => reformat(body, Some(b"    ")),
        }
    }

    fn diagnosis(self) -> Diagnosis {
        let (code, what) = match self {
            BodyChange::NewlineAdded => (
                DiagnosisCode::BodyNewlineAdded,
                "once its trailing newline is removed: a newline was added after it was signed",
            ),
            BodyChange::NewlineRemoved => (
                DiagnosisCode::BodyNewlineRemoved,
                "once a trailing newline is added back: it was trimmed after it was signed",
            ),
            BodyChange::LineEndingsChanged => (
                DiagnosisCode::BodyLineEndingsChanged,
                "with its line endings changed back: they were rewritten after it was signed",
            ),
            BodyChange::ReserializedCompact => (
                DiagnosisCode::BodyReserialized,
                "when its JSON is written compactly: it was parsed and serialized again after it was signed",
            ),
            BodyChange::ReserializedIndent2 => (
                DiagnosisCode::BodyReserialized,
                "when its JSON is written with 2-space indents: it was parsed and serialized again after it was signed",
            ),
            BodyChange::ReserializedIndent4 => (
                DiagnosisCode::BodyReserialized,
                "when its JSON is written with 4-space indents: it was parsed and serialized again after it was signed",
            ),
        };
        Diagnosis { code, message: format!("the body matches {what}"), fix: Some(RAW_BODY_FIX.into()) }
    }
}

/// The same JSON written compactly (`indent` None) or pretty with `indent`, keys in their order;
/// None when the body is not JSON or is already written so.
fn reformat(body: &[u8], indent: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 4);
    let mut from = serde_json::Deserializer::from_slice(body);
    match indent {
        None => serde_transcode::transcode(&mut from, &mut serde_json::Serializer::new(&mut out)).ok()?,
        Some(indent) => {
            let formatter = serde_json::ser::PrettyFormatter::with_indent(indent);
            serde_transcode::transcode(
                &mut from,
                &mut serde_json::Serializer::with_formatter(&mut out, formatter),
            )
            .ok()?;
        }
    }
    from.end().ok()?;
    (out != body).then_some(out)
}

/// Marks the entries each key matches: as received, else (for a body of at most `limit` bytes)
/// with each [`BodyChange`] undone, stopping at the first form that matches. Some(None): matched
/// as received; Some(Some(change)): matched once `change` was undone; None: nothing matched.
fn match_entries(
    id: &str,
    timestamp: &str,
    body: &[u8],
    keys: &[(usize, &WebhookSecret)],
    entries: &mut [(EntryReport, Option<Parsed>)],
    limit: usize,
) -> Option<Option<BodyChange>> {
    if matches_any(id, timestamp, body, keys, entries) {
        return Some(None);
    }
    if body.len() > limit {
        return None;
    }
    BodyChange::ALL.into_iter().find_map(|change| {
        let before = change.undo(body)?;
        matches_any(id, timestamp, &before, keys, entries).then_some(Some(change))
    })
}

fn matches_any(
    id: &str,
    timestamp: &str,
    body: &[u8],
    keys: &[(usize, &WebhookSecret)],
    entries: &mut [(EntryReport, Option<Parsed>)],
) -> bool {
    let mut tags: Vec<Option<[u8; 32]>> = vec![None; keys.len()];
    let mut content: Option<Vec<u8>> = None;
    let mut v1a_checked = 0;
    let mut any = false;
    for (report, parsed) in entries.iter_mut() {
        let Some(parsed) = parsed else { continue };
        if matches!(parsed, Parsed::V1a(_)) {
            if v1a_checked == super::verify::MAX_V1A_ENTRIES {
                continue;
            }
            v1a_checked += 1;
        }
        for (&(index, secret), tag) in keys.iter().zip(tags.iter_mut()) {
            let matched = match (&*parsed, secret.key()) {
                (Parsed::V1(signature), Key::Hmac(mac)) => {
                    bool::from(tag.get_or_insert_with(|| hmac_tag(mac, id, timestamp, body)).ct_eq(signature))
                }
                (Parsed::V1a(signature), Key::Ed25519(key)) => {
                    let content = content.get_or_insert_with(|| signed_bytes(id, timestamp, body));
                    key.verify_strict(content, signature).is_ok()
                }
                _ => false,
            };
            if matched {
                report.matched_secret = Some(index);
                any = true;
                break;
            }
        }
    }
    any
}

/// The finding when no entry matches in any form: a body that was never the raw body, or else the
/// wrong secret (or a change explain cannot undo).
fn body_or_secret_mismatch(body: &[u8]) -> Diagnosis {
    if body == b"[object Object]" {
        return Diagnosis {
            code: DiagnosisCode::BodyObjectObject,
            message: "the body is the text \"[object Object]\": a parsed object was turned into a string"
                .into(),
            fix: Some(format!(
                "pass the raw body as a string or bytes, not the parsed object; {RAW_BODY_FIX}"
            )),
        };
    }
    if body.is_empty() {
        return Diagnosis {
            code: DiagnosisCode::BodyEmpty,
            message: "the body is empty".into(),
            fix: Some(format!("a body parser may have read the stream first; {RAW_BODY_FIX}")),
        };
    }
    Diagnosis {
        code: DiagnosisCode::NoMatch,
        message: "no signature entry matches any secret, as received or with the usual framework changes undone"
            .into(),
        fix: Some(
            "check that the secret is this endpoint's (each endpoint has its own; during a rotation pass both) \
             and that the body is passed exactly as received"
                .into(),
        ),
    }
}
