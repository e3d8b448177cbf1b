//! Helpers of the API tests (`tests/auth.rs`, `endpoints.rs`, `pagination.rs`, …): the Webhooks API
//! of `send0-server` over loopback, operation by operation and error by error, against the contract
//! in docs/api.md, through raw HTTP where the exact body matters, and through the SDK's
//! `send0::Client`.

use std::collections::HashSet;
use std::time::SystemTime;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{KEY, Server, TempDir};

pub const READER: &str = "sk_test_reader_1";
pub const ADMIN_A: &str = "sk_test_admin_a";
pub const ADMIN_B: &str = "sk_test_admin_b";
pub const MANAGE: &str = "platform:webhooks:manage";
pub const HTTPS_URL: &str = "https://example.com/webhooks/send0";
pub const NO_SUCH_ID: &str = "wh_000000000000";

/// A raw response: status, headers, body text and body JSON (Null when not JSON).
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text)
    }
}

/// A raw request with any headers (no Authorization unless given) and any body bytes.
pub async fn raw(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Resp {
    let http = reqwest::Client::new();
    let mut request = http.request(method.parse().unwrap(), format!("{}{path}", server.url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp { status, headers, text, json }
}

/// A request authenticated with `key`, with a JSON body given as text.
pub async fn req(server: &Server, method: &str, path: &str, key: &str, body: Option<&str>) -> Resp {
    let auth = format!("Bearer {key}");
    raw(server, method, path, &[("authorization", &auth)], body.map(|b| b.as_bytes().to_vec())).await
}

/// Like [`req`] with an `Idempotency-Key`.
pub async fn req_idem(server: &Server, method: &str, path: &str, key: &str, idem: &str, body: &str) -> Resp {
    let auth = format!("Bearer {key}");
    raw(
        server,
        method,
        path,
        &[("authorization", &auth), ("idempotency-key", idem)],
        Some(body.as_bytes().to_vec()),
    )
    .await
}

/// `POST /v1/webhooks` with the default key.
pub async fn post_webhook(server: &Server, body: Value) -> Resp {
    req(server, "POST", "/v1/webhooks", KEY, Some(&body.to_string())).await
}

/// `PATCH path` with the default key.
pub async fn patch_json(server: &Server, path: &str, body: Value) -> Resp {
    req(server, "PATCH", path, KEY, Some(&body.to_string())).await
}

/// `POST /v1/events` with the default key.
pub async fn emit_raw(server: &Server, body: String) -> Resp {
    req(server, "POST", "/v1/events", KEY, Some(&body)).await
}

/// Creates an endpoint through raw HTTP and returns the 201 body.
pub async fn create(server: &Server, key: &str, body: Value) -> Value {
    let r = req(server, "POST", "/v1/webhooks", key, Some(&body.to_string())).await;
    assert_eq!(r.status, 201, "create {body}: {r:?}");
    r.json
}

/// Asserts a JSON error `{"error": code, "message": …, "param"?: …}` and returns the message.
pub fn assert_error(r: &Resp, status: u16, code: &str) -> String {
    assert_eq!(r.status, status, "{r:?}");
    let body = r.json.as_object().unwrap_or_else(|| panic!("error body is not a JSON object: {r:?}"));
    assert_eq!(body.get("error").and_then(Value::as_str), Some(code), "{r:?}");
    let message = body.get("message").and_then(Value::as_str).unwrap_or_else(|| panic!("no message: {r:?}"));
    assert!(!message.is_empty(), "{r:?}");
    for key in body.keys() {
        assert!(["error", "message", "param"].contains(&key.as_str()), "unexpected field {key}: {r:?}");
    }
    assert!(r.header("content-type").unwrap_or("").starts_with("application/json"), "{:?}", r.headers);
    message.to_owned()
}

/// Asserts a 400 `invalid_request` about `param`; returns the message.
pub fn assert_invalid(r: &Resp, param: &str) -> String {
    let message = assert_error(r, 400, "invalid_request");
    assert_eq!(r.json["param"], param, "{r:?}");
    message
}

pub fn assert_unauthorized(r: &Resp) {
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.json, json!({"error": "unauthorized", "message": "Invalid or missing API key"}), "{r:?}");
    assert!(r.header("x-request-id").is_some_and(|v| !v.is_empty()), "{:?}", r.headers);
}

pub fn assert_forbidden(r: &Resp) {
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(
        r.json,
        json!({"error": "forbidden", "message": "Insufficient scope. Required: platform:webhooks:manage"}),
        "{r:?}"
    );
}

/// Parses an RFC 3339 UTC time of the API (`2026-04-12T10:30:00Z`).
pub fn rfc3339(value: &Value) -> SystemTime {
    let text = value.as_str().unwrap_or_else(|| panic!("not a time string: {value}"));
    assert!(text.ends_with('Z'), "not UTC: {text}");
    humantime::parse_rfc3339(text).unwrap_or_else(|e| panic!("not RFC 3339: {text}: {e}"))
}

/// |a - b|, in seconds.
pub fn seconds_apart(a: SystemTime, b: SystemTime) -> f64 {
    match a.duration_since(b) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => e.duration().as_secs_f64(),
    }
}

pub fn assert_endpoint_id(id: &str) {
    assert!(
        id.len() == 15 && id.starts_with("wh_") && id[3..].bytes().all(|b| b.is_ascii_alphanumeric()),
        "not an endpoint id: {id}"
    );
}

/// `whsec_` + the standard base64 of 32 bytes.
pub fn assert_secret(secret: &str) {
    let encoded = secret.strip_prefix("whsec_").unwrap_or_else(|| panic!("not a whsec_ secret: {secret}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap_or_else(|e| panic!("secret is not base64: {secret}: {e}"));
    assert_eq!(bytes.len(), 32, "{secret}");
}

/// The JSON field names of an object.
pub fn keys_of(value: &Value) -> HashSet<String> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().cloned().collect()
}

pub const ENDPOINT_FIELDS: [&str; 12] = [
    "id",
    "object",
    "url",
    "description",
    "events",
    "active",
    "status",
    "consecutive_failures",
    "last_delivery_at",
    "last_delivery_status",
    "created_at",
    "updated_at",
];

/// Asserts the exact field set of an endpoint (no `secret`).
pub fn assert_endpoint_shape(value: &Value) {
    let expected: HashSet<String> = ENDPOINT_FIELDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(keys_of(value), expected, "{value}");
    assert_eq!(value["object"], "webhook_endpoint");
    assert_endpoint_id(value["id"].as_str().unwrap());
}

/// A server with three keys in two workspaces: ws_a a reader and an admin, ws_b an admin.
pub fn keys_server() -> Server {
    let dir = TempDir::new("api-keys");
    let path =
        dir.keys_file(&[(READER, "ws_a", "read"), (ADMIN_A, "ws_a", "manage"), (ADMIN_B, "ws_b", "manage")]);
    Server::start_in(dir, &["--keys", &path])
}

/// Every route of the API for the endpoint `id`, as (method, path, JSON body).
pub fn routes(id: &str) -> Vec<(&'static str, String, Option<String>)> {
    vec![
        ("GET", "/v1/webhooks".into(), None),
        ("POST", "/v1/webhooks".into(), Some(json!({"url": HTTPS_URL}).to_string())),
        ("GET", format!("/v1/webhooks/{id}"), None),
        ("PATCH", format!("/v1/webhooks/{id}"), Some(r#"{"description":"x"}"#.into())),
        ("DELETE", format!("/v1/webhooks/{id}"), None),
        ("POST", format!("/v1/webhooks/{id}/test"), None),
        ("POST", format!("/v1/webhooks/{id}/rotate-secret"), Some("{}".into())),
        ("GET", format!("/v1/webhooks/{id}/deliveries"), None),
        ("POST", "/v1/events".into(), Some(r#"{"type":"email.bounced"}"#.into())),
    ]
}
