//! One error type for the whole SDK, with stable kinds shared by every language.
//!
//! The kind strings (`ErrorKind::as_str`) are a public contract: the Python, Node and Go SDKs map
//! them to their own error classes, so they never change once released.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, as a stable kind. Matches the kind strings of every send0 SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 401: the API key is missing, unknown or revoked.
    Authentication,
    /// 403: the key lacks the scope the operation needs.
    Permission,
    /// 404: no such object in the key's workspace.
    NotFound,
    /// 400 (and other 4xx without a kind of their own): the request was refused as invalid.
    InvalidRequest,
    /// 409: for example an `Idempotency-Key` reused with a different body.
    Conflict,
    /// 429: too many requests.
    RateLimited,
    /// 5xx, a response the SDK could not classify, or a panic inside the core ([`catch_panic`]).
    Api,
    /// The request never got a response: refused, reset, DNS, TLS.
    Connection,
    /// The request (or its connection) took longer than the configured timeout.
    Timeout,
    /// A response arrived but its body was not what the API promises.
    Decode,
    /// The caller passed something unusable (an empty id, a bad base URL, no API key).
    InvalidArgument,
    /// The caller cancelled the request.
    Cancelled,
    /// A `webhook-id`, `webhook-timestamp` or `webhook-signature` header is missing or empty.
    MissingHeader,
    /// `webhook-timestamp` is not a plain integer of Unix seconds.
    InvalidTimestamp,
    /// `webhook-timestamp` is older than the tolerance allows.
    TimestampTooOld,
    /// `webhook-timestamp` is further in the future than the tolerance allows.
    TimestampTooNew,
    /// No signature entry matches any of the secrets.
    InvalidSignature,
    /// A secret or public key could not be parsed.
    InvalidSecret,
    /// The delivery is authentic but its body is not a send0 event.
    InvalidPayload,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 19] = [
        ErrorKind::Authentication,
        ErrorKind::Permission,
        ErrorKind::NotFound,
        ErrorKind::InvalidRequest,
        ErrorKind::Conflict,
        ErrorKind::RateLimited,
        ErrorKind::Api,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::Decode,
        ErrorKind::InvalidArgument,
        ErrorKind::Cancelled,
        ErrorKind::MissingHeader,
        ErrorKind::InvalidTimestamp,
        ErrorKind::TimestampTooOld,
        ErrorKind::TimestampTooNew,
        ErrorKind::InvalidSignature,
        ErrorKind::InvalidSecret,
        ErrorKind::InvalidPayload,
    ];

    /// The stable string of this kind, identical in every send0 SDK.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Authentication => "authentication",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Api => "api",
            ErrorKind::Connection => "connection",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::MissingHeader => "missing_header",
            ErrorKind::InvalidTimestamp => "invalid_timestamp",
            ErrorKind::TimestampTooOld => "timestamp_too_old",
            ErrorKind::TimestampTooNew => "timestamp_too_new",
            ErrorKind::InvalidSignature => "invalid_signature",
            ErrorKind::InvalidSecret => "invalid_secret",
            ErrorKind::InvalidPayload => "invalid_payload",
        }
    }

    /// The kind whose stable string is `s`, if any.
    pub fn from_name(s: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// True for the kinds that webhook verification produces.
    pub const fn is_webhook_verification(self) -> bool {
        matches!(
            self,
            ErrorKind::MissingHeader
                | ErrorKind::InvalidTimestamp
                | ErrorKind::TimestampTooOld
                | ErrorKind::TimestampTooNew
                | ErrorKind::InvalidSignature
                | ErrorKind::InvalidSecret
                | ErrorKind::InvalidPayload
        )
    }

    /// The kind an HTTP error status maps to.
    pub const fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            400..=499 => ErrorKind::InvalidRequest,
            _ => ErrorKind::Api,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the API said when it refused a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ApiErrorDetails {
    /// The HTTP status.
    pub status: u16,
    /// The body's `error` code (`not_found`, `invalid_request`, ...), when the body had one.
    pub code: Option<String>,
    /// The body's `message`, or a description of the status when the body had none.
    pub message: String,
    /// The request field the error is about, when the API named one.
    pub param: Option<String>,
    /// The `x-request-id` response header: quote it to send0 support.
    pub request_id: Option<String>,
    /// For 403: the scope the operation needs (`platform:webhooks:manage`).
    pub required_scope: Option<String>,
    /// For 429 and 503: how long the API asked to wait, when it said.
    #[serde(serialize_with = "serialize_seconds")]
    pub retry_after: Option<Duration>,
    /// The raw response body.
    pub body: String,
    /// The response headers, names lowercased, in order.
    pub headers: Vec<(String, String)>,
}

fn serialize_seconds<S: serde::Serializer>(
    value: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => serializer.serialize_f64(d.as_secs_f64()),
        None => serializer.serialize_none(),
    }
}

/// The error of every fallible send0 operation.
///
/// `kind()` says what went wrong as a stable kind; `api()` carries what the API said when the
/// error is a refused request. Messages never contain a secret or an API key.
#[derive(Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    api: Option<Box<ApiErrorDetails>>,
    hint: Option<Box<str>>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// Runs `f`, turning a panic into an `api` error ([`Error::from_panic`]). Every binding's entry
/// points run through it, so that no panic unwinds into another language (where it would abort the
/// process, or escape Python's `except Exception`).
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| Error::from_panic(&*panic))
}

impl Error {
    /// The `api` error that stands for a panic inside the core: "internal error in the send0 core:"
    /// and the panic's message.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Error::new(ErrorKind::Api, format!("internal error in the send0 core: {what}"))
    }

    /// An error of `kind` with a message that says what failed.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), api: None, hint: None, source: None }
    }

    /// An error for an API response that refused the request.
    pub fn from_api(details: ApiErrorDetails) -> Self {
        let kind = ErrorKind::from_status(details.status);
        let mut message = format!("{} (HTTP {}", details.message, details.status);
        if let Some(code) = &details.code {
            message.push_str(&format!(", {code}"));
        }
        if let Some(id) = &details.request_id {
            message.push_str(&format!(", request id {id}"));
        }
        message.push(')');
        Error { kind, message, api: Some(Box::new(details)), hint: None, source: None }
    }

    /// Attaches a hint: the likely cause of a failed webhook verification and its fix, for logs.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into().into_boxed_str());
        self
    }

    /// For a failed webhook verification: the likely cause and its fix (`webhooks::explain` gives
    /// the whole report). Meant for logs, never for the HTTP response to the sender.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, which names what failed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What the API said, when this error is a refused request.
    pub fn api(&self) -> Option<&ApiErrorDetails> {
        self.api.as_deref()
    }

    /// The HTTP status, when this error is a refused request.
    pub fn status(&self) -> Option<u16> {
        self.api.as_ref().map(|d| d.status)
    }

    /// The `x-request-id` of the refused request, when there is one.
    pub fn request_id(&self) -> Option<&str> {
        self.api.as_ref().and_then(|d| d.request_id.as_deref())
    }

    /// A JSON description of this error (`kind`, `message` and, for API errors, every detail):
    /// the form in which the bindings carry errors across their language boundary.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Description<'a> {
            kind: &'static str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            api: Option<&'a ApiErrorDetails>,
            #[serde(skip_serializing_if = "Option::is_none")]
            hint: Option<&'a str>,
        }
        let description = Description {
            kind: self.kind.as_str(),
            message: &self.message,
            api: self.api.as_deref(),
            hint: self.hint.as_deref(),
        };
        serde_json::to_string(&description).unwrap_or_else(|_| {
            format!(r#"{{"kind":"{}","message":"unserializable error"}}"#, self.kind.as_str())
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(hint) = &self.hint {
            d.field("hint", hint);
        }
        if let Some(api) = &self.api {
            d.field("status", &api.status)
                .field("code", &api.code)
                .field("param", &api.param)
                .field("request_id", &api.request_id);
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_api_error_with_its_message() {
        let caught: Result<()> = catch_panic(|| panic!("boom {}", 7));
        let error = caught.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Api);
        assert_eq!(error.message(), "internal error in the send0 core: boom 7");
        let plain: Result<()> = catch_panic(|| panic!("static"));
        assert!(plain.unwrap_err().message().ends_with("static"));
        assert_eq!(catch_panic(|| 3).unwrap(), 3);
    }

    #[test]
    fn kind_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            assert!(seen.insert(kind.as_str()), "duplicate kind {kind}");
            assert_eq!(ErrorKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(ErrorKind::from_name("nope"), None);
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(ErrorKind::from_status(400), ErrorKind::InvalidRequest);
        assert_eq!(ErrorKind::from_status(401), ErrorKind::Authentication);
        assert_eq!(ErrorKind::from_status(403), ErrorKind::Permission);
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_status(409), ErrorKind::Conflict);
        assert_eq!(ErrorKind::from_status(413), ErrorKind::InvalidRequest);
        assert_eq!(ErrorKind::from_status(429), ErrorKind::RateLimited);
        assert_eq!(ErrorKind::from_status(500), ErrorKind::Api);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Api);
    }

    #[test]
    fn json_description_carries_api_details() {
        let err = Error::from_api(ApiErrorDetails {
            status: 403,
            code: Some("forbidden".into()),
            message: "Insufficient scope. Required: platform:webhooks:manage".into(),
            param: None,
            request_id: Some("req_1".into()),
            required_scope: Some("platform:webhooks:manage".into()),
            retry_after: None,
            body: String::new(),
            headers: vec![],
        });
        let v: serde_json::Value = serde_json::from_str(&err.to_json()).unwrap();
        assert_eq!(v["kind"], "permission");
        assert_eq!(v["api"]["status"], 403);
        assert_eq!(v["api"]["required_scope"], "platform:webhooks:manage");
        assert!(err.to_string().contains("request id req_1"));
    }
}
