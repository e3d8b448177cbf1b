mod common;

// The Webhooks API of `send0-server` over loopback, operation by operation and error by error,
// against the contract in docs/api.md: through raw HTTP where the exact body matters, and through the
// SDK's `send0::Client`.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use common::{KEY, Receiver, Server, TempDir, eventually};
use futures_util::TryStreamExt;
use send0::ErrorKind;
use send0::client::{CreateWebhookParams, ListParams, RotateSecretParams, UpdateWebhookParams};
use serde_json::{Value, json};

const READER: &str = "sk_test_reader_1";
const ADMIN_A: &str = "sk_test_admin_a";
const ADMIN_B: &str = "sk_test_admin_b";
const MANAGE: &str = "platform:webhooks:manage";
const HTTPS_URL: &str = "https://example.com/webhooks/send0";
const NO_SUCH_ID: &str = "wh_000000000000";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A raw response: status, headers, body text and body JSON (Null when not JSON).
struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    json: Value,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text)
    }
}

/// A raw request with any headers (no Authorization unless given) and any body bytes.
async fn raw(
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
async fn req(server: &Server, method: &str, path: &str, key: &str, body: Option<&str>) -> Resp {
    let auth = format!("Bearer {key}");
    raw(server, method, path, &[("authorization", &auth)], body.map(|b| b.as_bytes().to_vec())).await
}

/// Like [`req`] with an `Idempotency-Key`.
async fn req_idem(server: &Server, method: &str, path: &str, key: &str, idem: &str, body: &str) -> Resp {
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
async fn post_webhook(server: &Server, body: Value) -> Resp {
    req(server, "POST", "/v1/webhooks", KEY, Some(&body.to_string())).await
}

/// `PATCH path` with the default key.
async fn patch_json(server: &Server, path: &str, body: Value) -> Resp {
    req(server, "PATCH", path, KEY, Some(&body.to_string())).await
}

/// `POST /v1/events` with the default key.
async fn emit_raw(server: &Server, body: String) -> Resp {
    req(server, "POST", "/v1/events", KEY, Some(&body)).await
}

/// Creates an endpoint through raw HTTP and returns the 201 body.
async fn create(server: &Server, key: &str, body: Value) -> Value {
    let r = req(server, "POST", "/v1/webhooks", key, Some(&body.to_string())).await;
    assert_eq!(r.status, 201, "create {body}: {r:?}");
    r.json
}

/// Asserts a JSON error `{"error": code, "message": …, "param"?: …}` and returns the message.
fn assert_error(r: &Resp, status: u16, code: &str) -> String {
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
fn assert_invalid(r: &Resp, param: &str) -> String {
    let message = assert_error(r, 400, "invalid_request");
    assert_eq!(r.json["param"], param, "{r:?}");
    message
}

fn assert_unauthorized(r: &Resp) {
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.json, json!({"error": "unauthorized", "message": "Invalid or missing API key"}), "{r:?}");
    assert!(r.header("x-request-id").is_some_and(|v| !v.is_empty()), "{:?}", r.headers);
}

fn assert_forbidden(r: &Resp) {
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(
        r.json,
        json!({"error": "forbidden", "message": "Insufficient scope. Required: platform:webhooks:manage"}),
        "{r:?}"
    );
}

/// Parses an RFC 3339 UTC time of the API (`2026-04-12T10:30:00Z`).
fn rfc3339(value: &Value) -> SystemTime {
    let text = value.as_str().unwrap_or_else(|| panic!("not a time string: {value}"));
    assert!(text.ends_with('Z'), "not UTC: {text}");
    humantime::parse_rfc3339(text).unwrap_or_else(|e| panic!("not RFC 3339: {text}: {e}"))
}

/// |a - b|, in seconds.
fn seconds_apart(a: SystemTime, b: SystemTime) -> f64 {
    match a.duration_since(b) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => e.duration().as_secs_f64(),
    }
}

fn assert_endpoint_id(id: &str) {
    assert!(
        id.len() == 15 && id.starts_with("wh_") && id[3..].bytes().all(|b| b.is_ascii_alphanumeric()),
        "not an endpoint id: {id}"
    );
}

/// `whsec_` + the standard base64 of 32 bytes.
fn assert_secret(secret: &str) {
    let encoded = secret.strip_prefix("whsec_").unwrap_or_else(|| panic!("not a whsec_ secret: {secret}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap_or_else(|e| panic!("secret is not base64: {secret}: {e}"));
    assert_eq!(bytes.len(), 32, "{secret}");
}

/// The JSON field names of an object.
fn keys_of(value: &Value) -> HashSet<String> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().cloned().collect()
}

const ENDPOINT_FIELDS: [&str; 12] = [
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
fn assert_endpoint_shape(value: &Value) {
    let expected: HashSet<String> = ENDPOINT_FIELDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(keys_of(value), expected, "{value}");
    assert_eq!(value["object"], "webhook_endpoint");
    assert_endpoint_id(value["id"].as_str().unwrap());
}

/// A server with three keys in two workspaces: ws_a a reader and an admin, ws_b an admin.
fn keys_server() -> Server {
    let dir = TempDir::new("api-keys");
    let path =
        dir.keys_file(&[(READER, "ws_a", "read"), (ADMIN_A, "ws_a", "manage"), (ADMIN_B, "ws_b", "manage")]);
    Server::start_in(dir, &["--keys", &path])
}

/// Every route of the API for the endpoint `id`, as (method, path, JSON body).
fn routes(id: &str) -> Vec<(&'static str, String, Option<String>)> {
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

// ---------------------------------------------------------------------------------------------
// create
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_returns_the_endpoint_with_its_secret_and_defaults() {
    let server = Server::start(&[]);
    let before = SystemTime::now();
    let r = req(&server, "POST", "/v1/webhooks", KEY, Some(&json!({"url": HTTPS_URL}).to_string())).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    let body = &r.json;
    let mut expected: HashSet<String> = ENDPOINT_FIELDS.iter().map(|s| s.to_string()).collect();
    expected.insert("secret".into());
    assert_eq!(keys_of(body), expected, "{body}");
    assert_endpoint_id(body["id"].as_str().unwrap());
    assert_eq!(body["object"], "webhook_endpoint");
    assert_eq!(body["url"], HTTPS_URL);
    assert_eq!(body["description"], Value::Null);
    assert_eq!(body["events"], json!(["*"]));
    assert_eq!(body["active"], true);
    assert_eq!(body["status"], "active");
    assert_eq!(body["consecutive_failures"], 0);
    assert_eq!(body["last_delivery_at"], Value::Null);
    assert_eq!(body["last_delivery_status"], Value::Null);
    let created = rfc3339(&body["created_at"]);
    assert!(seconds_apart(created, before) < 5.0, "{body}");
    assert_eq!(body["updated_at"], body["created_at"]);
    assert_secret(body["secret"].as_str().unwrap());

    // With every field given.
    let full = create(
        &server,
        KEY,
        json!({"url": "https://example.com/b", "events": ["email.bounced", "domain.*"],
               "description": "Production webhook handler", "active": false}),
    )
    .await;
    assert_eq!(full["events"], json!(["email.bounced", "domain.*"]));
    assert_eq!(full["description"], "Production webhook handler");
    assert_eq!(full["active"], false);
    assert_eq!(full["status"], "disabled");
    assert_ne!(full["id"], body["id"]);
    assert_ne!(full["secret"], body["secret"]);
    assert_secret(full["secret"].as_str().unwrap());

    // The secret is never shown again: not by get, list, update.
    let id = body["id"].as_str().unwrap();
    let got = req(&server, "GET", &format!("/v1/webhooks/{id}"), KEY, None).await;
    assert_eq!(got.status, 200);
    assert_endpoint_shape(&got.json);
    assert!(!got.text.contains("whsec_"), "{got:?}");
    let list = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(list.status, 200);
    assert!(!list.text.contains("whsec_"), "{list:?}");
    for item in list.json["data"].as_array().unwrap() {
        assert_endpoint_shape(item);
    }
    let updated =
        req(&server, "PATCH", &format!("/v1/webhooks/{id}"), KEY, Some(r#"{"description":"d"}"#)).await;
    assert_eq!(updated.status, 200);
    assert_endpoint_shape(&updated.json);
}

#[tokio::test]
async fn create_and_get_through_the_sdk() {
    let server = Server::start(&[]);
    let webhooks = server.webhooks();
    let created = webhooks.create(&CreateWebhookParams::new(HTTPS_URL)).await.unwrap();
    assert_endpoint_id(&created.id);
    assert_eq!(created.object, "webhook_endpoint");
    assert_eq!(created.url, HTTPS_URL);
    assert_eq!(created.events, vec!["*"]);
    assert!(created.active);
    assert_eq!(created.status, send0::client::EndpointStatus::Active);
    assert_eq!(created.consecutive_failures, 0);
    assert_eq!(created.description, None);
    assert_eq!(created.last_delivery_at, None);
    assert_eq!(created.last_delivery_status, None);
    rfc3339(&json!(created.created_at));
    assert_secret(created.secret.expose());

    let params = CreateWebhookParams {
        url: "https://example.com/two".into(),
        events: Some(vec!["email.*".into()]),
        description: Some("two".into()),
        active: Some(true),
    };
    let second = webhooks.create(&params).await.unwrap();
    assert_eq!(second.events, vec!["email.*"]);
    assert_eq!(second.description.as_deref(), Some("two"));

    let got = webhooks.get(&created.id).await.unwrap();
    assert_eq!(got, created.endpoint);
    let raw_get = req(&server, "GET", &format!("/v1/webhooks/{}", created.id), KEY, None).await;
    assert_eq!(raw_get.status, 200);
    assert_eq!(raw_get.json, serde_json::to_value(&created.endpoint).unwrap());
}

// ---------------------------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_is_newest_first_and_pages_with_cursors() {
    let server = Server::start(&[]);
    let webhooks = server.webhooks();

    let empty = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(
        empty.json,
        json!({"object": "list", "data": [], "has_more": false, "cursor": null}),
        "{empty:?}"
    );

    let mut created = Vec::new();
    for n in 0..25 {
        let ep = webhooks
            .create(&CreateWebhookParams::new(format!("https://example.com/hook/{n}")))
            .await
            .unwrap();
        created.push(ep.id.clone());
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    // Default limit 20, newest first.
    let first = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(
        keys_of(&first.json),
        ["object", "data", "has_more", "cursor"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(first.json["object"], "list");
    let ids: Vec<String> =
        first.json["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, newest_first[..20]);
    assert_eq!(first.json["has_more"], true);
    let cursor = first.json["cursor"].as_str().unwrap().to_owned();
    let rest = req(&server, "GET", &format!("/v1/webhooks?cursor={cursor}"), KEY, None).await;
    let rest_ids: Vec<String> =
        rest.json["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(rest_ids, newest_first[20..]);
    assert_eq!(rest.json["has_more"], false);
    assert_eq!(rest.json["cursor"], Value::Null);

    // limit
    let five = req(&server, "GET", "/v1/webhooks?limit=5", KEY, None).await;
    assert_eq!(five.json["data"].as_array().unwrap().len(), 5);
    assert_eq!(five.json["has_more"], true);
    let hundred = req(&server, "GET", "/v1/webhooks?limit=100", KEY, None).await;
    assert_eq!(hundred.json["data"].as_array().unwrap().len(), 25);
    assert_eq!(hundred.json["has_more"], false);
    assert_eq!(hundred.json["cursor"], Value::Null);
    let exact = req(&server, "GET", "/v1/webhooks?limit=25", KEY, None).await;
    assert_eq!(exact.json["data"].as_array().unwrap().len(), 25);
    assert_eq!(exact.json["has_more"], false, "a full last page has no more: {exact:?}");

    // Walk every page of 7 over raw HTTP: no duplicates, nothing missed, has_more false at the end.
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/webhooks?limit=7&cursor={c}"),
            None => "/v1/webhooks?limit=7".to_owned(),
        };
        let page = req(&server, "GET", &path, KEY, None).await;
        assert_eq!(page.status, 200, "{page:?}");
        pages += 1;
        for item in page.json["data"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        if page.json["has_more"] == false {
            assert_eq!(page.json["cursor"], Value::Null);
            break;
        }
        cursor = Some(page.json["cursor"].as_str().expect("has_more with a cursor").to_owned());
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, newest_first);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);

    // The SDK: one page, then every endpoint as a stream.
    let page = webhooks.list(&ListParams { limit: Some(3), cursor: None }).await.unwrap();
    assert_eq!(page.data.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), newest_first[..3]);
    assert!(page.has_more);
    let next = webhooks.list(&ListParams { limit: Some(3), cursor: page.cursor.clone() }).await.unwrap();
    assert_eq!(next.data.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), newest_first[3..6]);
    let all: Vec<_> =
        webhooks.list_all(ListParams { limit: Some(4), cursor: None }).try_collect().await.unwrap();
    assert_eq!(all.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), newest_first);
    let all_default: Vec<_> = webhooks.list_all(ListParams::default()).try_collect().await.unwrap();
    assert_eq!(all_default.len(), 25);
}

// ---------------------------------------------------------------------------------------------
// update
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_changes_only_the_given_fields() {
    let server = Server::start(&[]);
    let ep =
        create(&server, KEY, json!({"url": HTTPS_URL, "events": ["email.*"], "description": "first"})).await;
    let id = ep["id"].as_str().unwrap();
    let path = format!("/v1/webhooks/{id}");
    let patch = |body: Value| {
        let (server, path) = (&server, path.clone());
        async move { req(server, "PATCH", &path, KEY, Some(&body.to_string())).await }
    };

    let r = patch(json!({"url": "https://example.com/new"})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_endpoint_shape(&r.json);
    assert_eq!(r.json["url"], "https://example.com/new");
    for same in ["id", "description", "events", "active", "status", "consecutive_failures", "created_at"] {
        assert_eq!(r.json[same], ep[same], "{same} changed");
    }
    assert!(rfc3339(&r.json["updated_at"]) >= rfc3339(&ep["updated_at"]));

    let r = patch(json!({"events": ["email.bounced", "domain.health.*"]})).await;
    assert_eq!(r.json["events"], json!(["email.bounced", "domain.health.*"]));
    assert_eq!(r.json["url"], "https://example.com/new");
    assert_eq!(r.json["description"], "first");

    // An empty body changes nothing.
    let r = patch(json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["description"], "first");

    // description: null clears it.
    let r = patch(json!({"description": null})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["description"], Value::Null);
    assert_eq!(r.json["events"], json!(["email.bounced", "domain.health.*"]));

    // active false disables; true enables again.
    let r = patch(json!({"active": false})).await;
    assert_eq!((r.json["active"].clone(), r.json["status"].clone()), (json!(false), json!("disabled")));
    let got = req(&server, "GET", &path, KEY, None).await;
    assert_eq!(got.json["status"], "disabled");
    let r = patch(json!({"active": true})).await;
    assert_eq!((r.json["active"].clone(), r.json["status"].clone()), (json!(true), json!("active")));

    // paused: false on an endpoint that is not paused is fine; paused: true is refused.
    let r = patch(json!({"paused": false})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["status"], "active");
    assert_eq!(r.json["consecutive_failures"], 0);
    let r = patch(json!({"paused": true})).await;
    assert_invalid(&r, "paused");
    let r = patch(json!({"paused": true, "description": "should not stick"})).await;
    assert_invalid(&r, "paused");
    assert_eq!(req(&server, "GET", &path, KEY, None).await.json["description"], Value::Null);

    // Through the SDK.
    let webhooks = server.webhooks();
    let updated = webhooks
        .update(id, &UpdateWebhookParams { description: Some(Some("sdk".into())), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("sdk"));
    assert_eq!(updated.url, "https://example.com/new");
    let cleared = webhooks
        .update(id, &UpdateWebhookParams { description: Some(None), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(cleared.description, None);
    let disabled = webhooks
        .update(id, &UpdateWebhookParams { active: Some(false), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(disabled.status, send0::client::EndpointStatus::Disabled);
    let err = webhooks
        .update(id, &UpdateWebhookParams { paused: Some(true), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.api().unwrap().param.as_deref(), Some("paused"));
    let ok = webhooks
        .update(id, &UpdateWebhookParams { paused: Some(false), active: Some(true), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(ok.status, send0::client::EndpointStatus::Active);
}

// ---------------------------------------------------------------------------------------------
// delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_answers_the_deleted_object_then_the_endpoint_is_gone() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    let path = format!("/v1/webhooks/{id}");
    let r = req(&server, "DELETE", &path, KEY, None).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json, json!({"id": id, "object": "webhook_endpoint", "deleted": true}));
    assert_error(&req(&server, "GET", &path, KEY, None).await, 404, "not_found");
    assert_error(&req(&server, "DELETE", &path, KEY, None).await, 404, "not_found");
    let list = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(list.json["data"], json!([]));

    // Through the SDK.
    let webhooks = server.webhooks();
    let ep = webhooks.create(&CreateWebhookParams::new(HTTPS_URL)).await.unwrap();
    let deleted = webhooks.delete(&ep.id).await.unwrap();
    assert_eq!(deleted.id, ep.id);
    assert_eq!(deleted.object, "webhook_endpoint");
    assert!(deleted.deleted);
    assert_eq!(webhooks.get(&ep.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(webhooks.delete(&ep.id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

// ---------------------------------------------------------------------------------------------
// test
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn test_delivers_a_platform_test_event() {
    let server = Server::start(&[]);
    let receiver = Receiver::ok().await;
    // Whatever its events: this endpoint does not subscribe to platform.test.
    let ep = create(&server, KEY, json!({"url": receiver.url, "events": ["email.bounced"]})).await;
    let id = ep["id"].as_str().unwrap();

    let r = req(&server, "POST", &format!("/v1/webhooks/{id}/test"), KEY, None).await;
    assert_eq!(r.status, 200, "{r:?}");
    let expected: HashSet<String> = ["success", "event_id", "status_code", "response_time_ms", "error"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(keys_of(&r.json), expected, "{r:?}");
    assert_eq!(r.json["success"], true);
    assert_eq!(r.json["status_code"], 200);
    assert_eq!(r.json["error"], Value::Null);
    assert!(r.json["response_time_ms"].is_u64(), "{r:?}");
    let event_id = r.json["event_id"].as_str().unwrap().to_owned();
    assert!(event_id.starts_with("evt_"), "{event_id}");

    // The receiver got the platform.test envelope, synchronously (before the answer).
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let delivery = &received[0];
    let envelope = delivery.json();
    assert_eq!(envelope["type"], "platform.test");
    assert_eq!(envelope["service"], "platform");
    assert_eq!(envelope["eventId"], event_id);
    assert_eq!(envelope["data"]["endpoint_id"], id);
    assert!(envelope["data"]["message"].is_string(), "{envelope}");
    assert_eq!(envelope["livemode"], false);
    assert!(envelope["createdAt"].is_i64(), "{envelope}");
    assert_eq!(delivery.header("webhook-id"), event_id);
    assert!(delivery.header("content-type").starts_with("application/json"));
    assert!(
        delivery.header("user-agent").starts_with("send0-webhooks/"),
        "{}",
        delivery.header("user-agent")
    );
    assert!(!delivery.header("webhook-signature").is_empty());
    assert!(delivery.header("webhook-timestamp").parse::<i64>().is_ok());

    // Counters unchanged.
    let after = req(&server, "GET", &format!("/v1/webhooks/{id}"), KEY, None).await.json;
    assert_eq!(after["consecutive_failures"], 0);
    assert_eq!(after["status"], "active");

    // Through the SDK; also on a disabled endpoint ("whatever its status").
    let webhooks = server.webhooks();
    webhooks.update(id, &UpdateWebhookParams { active: Some(false), ..Default::default() }).await.unwrap();
    let result = webhooks.test(id).await.unwrap();
    assert!(result.success);
    assert_eq!(result.status_code, Some(200));
    assert!(result.event_id.starts_with("evt_"));
    assert_ne!(result.event_id, event_id);
    assert_eq!(result.error, None);
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].event_id(), result.event_id);
    assert_eq!(received[1].json()["data"]["endpoint_id"], id);
}

#[tokio::test]
async fn test_reports_a_failing_endpoint_without_counting_it() {
    let server = Server::start(&[]);
    let receiver = Receiver::always(500).await;
    let ep = create(&server, KEY, json!({"url": receiver.url})).await;
    let id = ep["id"].as_str().unwrap();
    let webhooks = server.webhooks();
    for _ in 0..3 {
        let result = webhooks.test(id).await.unwrap();
        assert!(!result.success);
        assert_eq!(result.status_code, Some(500));
        assert!(result.error.is_some());
        assert!(result.event_id.starts_with("evt_"));
    }
    let r = req(&server, "POST", &format!("/v1/webhooks/{id}/test"), KEY, None).await;
    assert_eq!(r.status, 200, "a failing endpoint is still a successful test call: {r:?}");
    assert_eq!(r.json["success"], false);
    assert_eq!(r.json["status_code"], 500);
    assert!(r.json["error"].is_string());
    assert_eq!(receiver.received().len(), 4);

    let after = webhooks.get(id).await.unwrap();
    assert_eq!(after.consecutive_failures, 0, "test must not change the failure counters");
    assert_eq!(after.status, send0::client::EndpointStatus::Active);

    // No HTTP response at all: status_code null, an error.
    let dead = create(&server, KEY, json!({"url": "http://127.0.0.1:1/hook"})).await;
    let result = webhooks.test(dead["id"].as_str().unwrap()).await.unwrap();
    assert!(!result.success);
    assert_eq!(result.status_code, None);
    assert!(result.error.is_some_and(|e| !e.is_empty()));
}

// ---------------------------------------------------------------------------------------------
// rotate-secret
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rotate_secret_issues_a_new_secret_and_a_grace_period() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    let path = format!("/v1/webhooks/{id}/rotate-secret");
    let now = SystemTime::now;

    // Default: 86400 s.
    let r = req(&server, "POST", &path, KEY, Some("{}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let expected: HashSet<String> =
        ["secret", "previous_secret_expires_at"].iter().map(|s| s.to_string()).collect();
    assert_eq!(keys_of(&r.json), expected);
    let first = r.json["secret"].as_str().unwrap().to_owned();
    assert_secret(&first);
    assert_ne!(first, ep["secret"].as_str().unwrap());
    let expires = rfc3339(&r.json["previous_secret_expires_at"]);
    assert!(seconds_apart(expires, now() + Duration::from_secs(86_400)) < 5.0, "{r:?}");

    // No body at all is the default too.
    let r = req(&server, "POST", &path, KEY, None).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        seconds_apart(rfc3339(&r.json["previous_secret_expires_at"]), now() + Duration::from_secs(86_400))
            < 5.0
    );
    assert_ne!(r.json["secret"], first.as_str());

    let r = req(&server, "POST", &path, KEY, Some(r#"{"expire_previous_in":3600}"#)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        seconds_apart(rfc3339(&r.json["previous_secret_expires_at"]), now() + Duration::from_secs(3600))
            < 5.0
    );

    let r = req(&server, "POST", &path, KEY, Some(r#"{"expire_previous_in":604800}"#)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        seconds_apart(rfc3339(&r.json["previous_secret_expires_at"]), now() + Duration::from_secs(604_800))
            < 5.0
    );

    let r = req(&server, "POST", &path, KEY, Some(r#"{"expire_previous_in":0}"#)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["previous_secret_expires_at"], Value::Null);
    assert_secret(r.json["secret"].as_str().unwrap());

    for bad in [
        r#"{"expire_previous_in":604801}"#,
        r#"{"expire_previous_in":-1}"#,
        r#"{"expire_previous_in":"x"}"#,
        r#"{"expire_previous_in":1.5}"#,
    ] {
        let r = req(&server, "POST", &path, KEY, Some(bad)).await;
        assert_invalid(&r, "expire_previous_in");
    }
    let r = req(&server, "POST", &path, KEY, Some(r#"{"expire_in":60}"#)).await;
    let message = assert_invalid(&r, "expire_in");
    assert!(message.contains("expire_previous_in"), "{message}");

    // The endpoint never shows a secret.
    let got = req(&server, "GET", &format!("/v1/webhooks/{id}"), KEY, None).await;
    assert!(!got.text.contains("whsec_"));

    // Through the SDK.
    let webhooks = server.webhooks();
    let rotated =
        webhooks.rotate_secret(id, &RotateSecretParams { expire_previous_in: Some(60) }).await.unwrap();
    assert_secret(rotated.secret.expose());
    let at = rfc3339(&json!(rotated.previous_secret_expires_at.unwrap()));
    assert!(seconds_apart(at, now() + Duration::from_secs(60)) < 5.0);
    let immediate =
        webhooks.rotate_secret(id, &RotateSecretParams { expire_previous_in: Some(0) }).await.unwrap();
    assert_eq!(immediate.previous_secret_expires_at, None);
    assert_ne!(immediate.secret, rotated.secret);
    let err = webhooks
        .rotate_secret(id, &RotateSecretParams { expire_previous_in: Some(604_801) })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.api().unwrap().param.as_deref(), Some("expire_previous_in"));
}

// ---------------------------------------------------------------------------------------------
// deliveries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn deliveries_of_a_new_endpoint_are_an_empty_list() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    let r = req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries"), KEY, None).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json, json!({"object": "list", "data": [], "has_more": false, "cursor": null}));
    let r = req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries?limit=100"), KEY, None).await;
    assert_eq!(r.status, 200, "{r:?}");

    let webhooks = server.webhooks();
    let page = webhooks.deliveries(id, &ListParams::default()).await.unwrap();
    assert!(page.data.is_empty());
    assert!(!page.has_more);
    assert_eq!(page.cursor, None);
    let all: Vec<_> = webhooks.deliveries_all(id, ListParams::default()).try_collect().await.unwrap();
    assert!(all.is_empty());

    // Its query is checked like the list's.
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("cursor=nope", "cursor"),
        ("page=2", "page"),
    ] {
        let r = req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries?{query}"), KEY, None).await;
        assert_invalid(&r, param);
    }
}

#[tokio::test]
async fn failing_deliveries_pause_the_endpoint_and_unpausing_resets_it() {
    let schedule = ["20ms"; 12].join(",");
    let server = Server::start(&["--retry-schedule", &schedule]);
    let receiver = Receiver::always(500).await;
    let webhooks = server.webhooks();
    let ep = webhooks.create(&CreateWebhookParams::new(receiver.url.clone())).await.unwrap();
    let event_id = server.emit("email.delivered").await;

    let paused = eventually(Duration::from_secs(10), || {
        let webhooks = webhooks.clone();
        let id = ep.id.clone();
        async move {
            let e = webhooks.get(&id).await.unwrap();
            (e.status == send0::client::EndpointStatus::Paused).then_some(e)
        }
    })
    .await;
    assert_eq!(paused.consecutive_failures, 10, "{paused:?}");
    assert!(paused.active);
    assert_eq!(paused.last_delivery_status, Some(500));
    rfc3339(&json!(paused.last_delivery_at.clone().unwrap()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 10, "a paused endpoint gets nothing more");

    // The delivery log: newest first, every attempt once across pages.
    let path = format!("/v1/webhooks/{}/deliveries", ep.id);
    let first = req(&server, "GET", &format!("{path}?limit=4"), KEY, None).await;
    assert_eq!(first.status, 200, "{first:?}");
    let attempt_fields: HashSet<String> = [
        "event_id",
        "event_type",
        "attempt",
        "status_code",
        "response_time_ms",
        "error",
        "attempted_at",
        "next_attempt_at",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let item = &first.json["data"][0];
    assert_eq!(keys_of(item), attempt_fields, "{item}");
    assert_eq!(item["event_id"], event_id);
    assert_eq!(item["event_type"], "email.delivered");
    assert_eq!(item["status_code"], 500);
    rfc3339(&item["attempted_at"]);
    let all: Vec<_> = webhooks
        .deliveries_all(&ep.id, ListParams { limit: Some(3), cursor: None })
        .try_collect()
        .await
        .unwrap();
    let attempts: Vec<u32> = all.iter().map(|a| a.attempt).collect();
    assert_eq!(attempts, (1..=10).rev().collect::<Vec<u32>>(), "newest first");

    // paused: true is still refused; paused: false unpauses, resets the count and delivers the held event.
    let r = req(&server, "PATCH", &format!("/v1/webhooks/{}", ep.id), KEY, Some(r#"{"paused":true}"#)).await;
    assert_invalid(&r, "paused");
    receiver.set_script(|_, _| (200, vec![], Duration::ZERO));
    let resumed = webhooks
        .update(&ep.id, &UpdateWebhookParams { paused: Some(false), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(resumed.status, send0::client::EndpointStatus::Active);
    assert_eq!(resumed.consecutive_failures, 0);
    let received = receiver.wait_for(11, Duration::from_secs(5)).await;
    assert_eq!(received[10].event_id(), event_id, "the held event is delivered after unpausing");
}

// ---------------------------------------------------------------------------------------------
// POST /v1/events
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn emitting_an_event_counts_matching_active_endpoints() {
    let server = Server::start(&[]);
    let receiver = Receiver::ok().await;
    let url = receiver.url.clone();
    create(&server, KEY, json!({"url": url, "events": ["*"]})).await;
    create(&server, KEY, json!({"url": url, "events": ["email.*"]})).await;
    create(&server, KEY, json!({"url": url, "events": ["email.bounced"]})).await;
    create(&server, KEY, json!({"url": url, "events": ["domain.*"]})).await;
    create(&server, KEY, json!({"url": url, "events": ["*"], "active": false})).await;

    let emit = |body: &str| emit_raw(&server, body.to_owned());
    let r = emit(r#"{"type":"email.bounced","data":{"custom":1,"to":["x@example.test"]}}"#).await;
    assert_eq!(r.status, 202, "{r:?}");
    let expected: HashSet<String> = ["event_id", "type", "endpoints"].iter().map(|s| s.to_string()).collect();
    assert_eq!(keys_of(&r.json), expected);
    assert_eq!(r.json["type"], "email.bounced");
    assert_eq!(r.json["endpoints"], 3);
    let bounced = r.json["event_id"].as_str().unwrap().to_owned();
    assert!(bounced.starts_with("evt_"));
    let received = receiver.wait_for(3, Duration::from_secs(5)).await;
    for delivery in &received {
        assert_eq!(delivery.event_id(), bounced);
        assert_eq!(
            delivery.json()["data"],
            json!({"custom": 1, "to": ["x@example.test"]}),
            "data is sent as given"
        );
        assert_eq!(delivery.json()["type"], "email.bounced");
    }

    let r = emit(r#"{"type":"domain.health.degraded"}"#).await;
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.json["endpoints"], 2);
    let r = emit(r#"{"type":"email.opened"}"#).await;
    assert_eq!(r.json["endpoints"], 2);
    let r = emit(r#"{"type":"platform.test"}"#).await;
    assert_eq!(r.json["endpoints"], 1);

    // data optional: a sample is filled in.
    let r = emit(r#"{"type":"email.clicked"}"#).await;
    assert_eq!(r.json["endpoints"], 2);
    let clicked = r.json["event_id"].as_str().unwrap().to_owned();
    let received = receiver.wait_for(3 + 2 + 2 + 1 + 2, Duration::from_secs(5)).await;
    let sample = received.iter().find(|d| d.event_id() == clicked).unwrap().json();
    assert!(sample["data"]["email_id"].as_str().unwrap().starts_with("em_"), "{sample}");
    assert!(sample["data"]["link"].is_string(), "{sample}");
    assert_eq!(sample["service"], "email");

    // Refused types.
    let r = emit(r#"{"type":"email.delivred"}"#).await;
    let message = assert_invalid(&r, "type");
    assert!(message.contains("did you mean") && message.contains("email.delivered"), "{message}");
    for pattern in ["email.*", "*", "domain.health.*"] {
        let r = emit(&json!({"type": pattern}).to_string()).await;
        assert_invalid(&r, "type");
    }
    assert_invalid(&emit("{}").await, "type");
    assert_invalid(&emit(r#"{"type":null}"#).await, "type");
    assert_invalid(&emit(r#"{"type":5}"#).await, "type");
    assert_invalid(&emit(r#"{"type":"email.bounced","data":[1]}"#).await, "data");
    assert_invalid(&emit(r#"{"type":"email.bounced","extra":1}"#).await, "extra");
}

// ---------------------------------------------------------------------------------------------
// Authentication, scopes, workspaces
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_route_refuses_a_missing_wrong_or_malformed_key() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:")));
    let token = format!("Token {KEY}");
    let lower = format!("bearer{KEY}");
    let bad_auth: Vec<Option<String>> = vec![
        None,
        Some("Bearer sk_test_wrong_key_123".into()),
        Some(basic),
        Some(token),
        Some(lower),
        Some("Bearer".into()),
        Some("Bearer ".into()),
        Some(KEY.into()),
    ];
    let mut all_routes = routes(id);
    all_routes.extend([
        ("GET", "/v1/nope".to_owned(), None),
        ("GET", "/nope".to_owned(), None),
        ("POST", "/v1/webhooks/x/y/z".to_owned(), Some("{}".to_owned())),
        ("PUT", "/v1/webhooks".to_owned(), Some("{}".to_owned())),
        ("GET", format!("/v1/webhooks/{NO_SUCH_ID}"), None),
    ]);
    for (method, path, body) in &all_routes {
        for auth in &bad_auth {
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
            let r = raw(&server, method, path, &headers, body.clone().map(String::into_bytes)).await;
            assert_unauthorized(&r);
        }
    }
    // Nothing was created, changed or deleted by those.
    let list = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(list.json["data"][0]["description"], Value::Null);

    // The SDK: authentication.
    let err =
        server.client("sk_test_wrong_key_123").webhooks().list(&ListParams::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.api().unwrap().code.as_deref(), Some("unauthorized"));
    assert_eq!(err.api().unwrap().message, "Invalid or missing API key");
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn health_and_openapi_need_no_key() {
    let server = Server::start(&[]);
    for headers in
        [vec![], vec![("authorization", "Basic Zm9vOmJhcg==")], vec![("authorization", "Bearer nope_nope")]]
    {
        let r = raw(&server, "GET", "/health", &headers, None).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.json, json!({"status": "ok"}));
        assert!(r.header("x-request-id").is_some_and(|v| !v.is_empty()));
    }
    let r = raw(&server, "GET", "/openapi.yaml", &[], None).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.text.contains("openapi:"), "{}", &r.text[..r.text.len().min(200)]);
    assert!(r.header("content-type").unwrap_or("").contains("yaml"), "{:?}", r.headers);
    assert!(r.header("x-request-id").is_some());
}

#[tokio::test]
async fn a_read_only_key_reads_but_cannot_manage() {
    let server = keys_server();
    let ep = create(&server, ADMIN_A, json!({"url": HTTPS_URL, "description": "keep"})).await;
    let id = ep["id"].as_str().unwrap();

    for (method, path, body) in routes(id) {
        let r = req(&server, method, &path, READER, body.as_deref()).await;
        if method == "GET" {
            assert_eq!(r.status, 200, "{method} {path}: {r:?}");
        } else {
            assert_forbidden(&r);
        }
    }
    // Forbidden on an unknown id too (the scope is checked first), and with an Idempotency-Key.
    assert_forbidden(&req(&server, "DELETE", &format!("/v1/webhooks/{NO_SUCH_ID}"), READER, None).await);
    assert_forbidden(
        &req_idem(
            &server,
            "POST",
            "/v1/webhooks",
            READER,
            "reader-1",
            &json!({"url": HTTPS_URL}).to_string(),
        )
        .await,
    );

    // What the reader sees.
    let list = req(&server, "GET", "/v1/webhooks", READER, None).await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1, "{list:?}");
    assert_eq!(list.json["data"][0]["id"], id);
    let got = req(&server, "GET", &format!("/v1/webhooks/{id}"), READER, None).await;
    assert_eq!(got.json["description"], "keep", "the forbidden PATCH changed nothing");
    let deliveries = req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries"), READER, None).await;
    assert_eq!(deliveries.json["data"], json!([]));

    // The SDK: permission, with the scope needed.
    let reader = server.client(READER).webhooks();
    let err = reader.create(&CreateWebhookParams::new(HTTPS_URL)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission);
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.api().unwrap().code.as_deref(), Some("forbidden"));
    assert_eq!(err.api().unwrap().required_scope.as_deref(), Some(MANAGE));
    for err in [
        reader.delete(id).await.unwrap_err(),
        reader.test(id).await.unwrap_err(),
        reader.update(id, &UpdateWebhookParams::default()).await.unwrap_err(),
        reader.rotate_secret(id, &RotateSecretParams::default()).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::Permission);
        assert_eq!(err.api().unwrap().required_scope.as_deref(), Some(MANAGE));
    }
    assert_eq!(reader.get(id).await.unwrap().id, id);
    assert_eq!(reader.list(&ListParams::default()).await.unwrap().data.len(), 1);
    assert!(reader.deliveries(id, &ListParams::default()).await.unwrap().data.is_empty());
    // Only the keys of the file are accepted.
    assert_unauthorized(&req(&server, "GET", "/v1/webhooks", KEY, None).await);
}

#[tokio::test]
async fn another_workspace_sees_nothing_and_gets_404() {
    let server = keys_server();
    let receiver = Receiver::ok().await;
    let ep = create(&server, ADMIN_A, json!({"url": receiver.url, "description": "a's"})).await;
    let id = ep["id"].as_str().unwrap();
    let own = create(&server, ADMIN_B, json!({"url": HTTPS_URL, "events": ["domain.*"]})).await;

    for (method, path, body) in routes(id) {
        if path == "/v1/webhooks" || path == "/v1/events" {
            continue;
        }
        let r = req(&server, method, &path, ADMIN_B, body.as_deref()).await;
        assert_error(&r, 404, "not_found");
    }
    let list = req(&server, "GET", "/v1/webhooks", ADMIN_B, None).await;
    let ids: Vec<&str> =
        list.json["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![own["id"].as_str().unwrap()]);
    // ws_b's events reach only ws_b's endpoints.
    let r = req(&server, "POST", "/v1/events", ADMIN_B, Some(r#"{"type":"email.bounced"}"#)).await;
    assert_eq!((r.status, r.json["endpoints"].clone()), (202, json!(0)), "{r:?}");
    assert!(receiver.received().is_empty(), "b's test or event reached a's endpoint");

    // ws_a's endpoint is untouched.
    let got = req(&server, "GET", &format!("/v1/webhooks/{id}"), ADMIN_A, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json["description"], "a's");
    let a_list = req(&server, "GET", "/v1/webhooks", READER, None).await;
    assert_eq!(a_list.json["data"].as_array().unwrap().len(), 1);
    let r = req(&server, "POST", "/v1/events", ADMIN_A, Some(r#"{"type":"email.bounced"}"#)).await;
    assert_eq!(r.json["endpoints"], 1);

    // The SDK: not_found.
    let b = server.client(ADMIN_B).webhooks();
    let err = b.get(id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.status(), Some(404));
    assert_eq!(b.delete(id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(b.test(id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let server = Server::start(&[]);
    for id in [NO_SUCH_ID, "nope", "wh_"] {
        for (method, path, body) in routes(id) {
            if path == "/v1/webhooks" || path == "/v1/events" {
                continue;
            }
            let r = req(&server, method, &path, KEY, body.as_deref()).await;
            let message = assert_error(&r, 404, "not_found");
            assert!(message.contains(id), "{message}");
        }
    }
    let err = server.webhooks().get(NO_SUCH_ID).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.api().unwrap().code.as_deref(), Some("not_found"));
    assert!(err.request_id().is_some());
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn url_validation() {
    let server = Server::start(&[]);
    let post = |body: Value| post_webhook(&server, body);

    for body in [json!({}), json!({"url": null}), json!({"events": ["*"]}), json!({"url": ""})] {
        let r = post(body).await;
        assert_eq!(assert_invalid(&r, "url"), "url is required");
    }
    let empty = req(&server, "POST", "/v1/webhooks", KEY, None).await;
    assert_eq!(assert_invalid(&empty, "url"), "url is required");

    for url in [
        "http://example.com/hook",
        "http://10.0.0.1/hook",
        "ftp://example.com/hook",
        "http://localhost.example.com/h",
    ] {
        let r = post(json!({"url": url})).await;
        assert_eq!(assert_invalid(&r, "url"), "Webhook URL must use HTTPS", "{url}");
    }
    for url in [
        "http://localhost:3000/hook",
        "http://127.0.0.1/hook",
        "http://[::1]:8080/hook",
        "http://127.0.0.2:9/h",
        "https://example.com/hook?x=1",
    ] {
        let r = post(json!({"url": url})).await;
        assert_eq!(r.status, 201, "{url}: {r:?}");
        assert_eq!(r.json["url"], url);
    }
    let base = "https://example.com/";
    let longest = format!("{base}{}", "a".repeat(2048 - base.len()));
    assert_eq!(post(json!({"url": longest})).await.status, 201);
    let too_long = format!("{longest}a");
    assert_invalid(&post(json!({"url": too_long})).await, "url");
    for url in ["/webhooks", "example.com/webhooks", "not a url", "https://"] {
        assert_invalid(&post(json!({"url": url})).await, "url");
    }
    assert_invalid(&post(json!({"url": 5})).await, "url");

    // PATCH checks a new url the same way.
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let path = format!("/v1/webhooks/{}", ep["id"].as_str().unwrap());
    let r = req(&server, "PATCH", &path, KEY, Some(r#"{"url":"http://example.com/x"}"#)).await;
    assert_eq!(assert_invalid(&r, "url"), "Webhook URL must use HTTPS");
    let r = req(&server, "PATCH", &path, KEY, Some(r#"{"url":"/relative"}"#)).await;
    assert_invalid(&r, "url");
    let r = req(&server, "PATCH", &path, KEY, Some(r#"{"url":"http://localhost:8080/x"}"#)).await;
    assert_eq!(r.status, 200, "{r:?}");

    // The SDK: invalid_request with the param.
    let err =
        server.webhooks().create(&CreateWebhookParams::new("http://example.com/hook")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.api().unwrap().code.as_deref(), Some("invalid_request"));
    assert_eq!(err.api().unwrap().param.as_deref(), Some("url"));
    assert_eq!(err.api().unwrap().message, "Webhook URL must use HTTPS");
}

#[tokio::test]
async fn event_type_validation() {
    let server = Server::start(&[]);
    let post = |events: Value| post_webhook(&server, json!({"url": HTTPS_URL, "events": events}));

    let r = post(json!(["email.delivred"])).await;
    let message = assert_invalid(&r, "events");
    assert!(message.contains("email.delivered"), "{message}");
    let r = post(json!(["sms.*"])).await;
    let message = assert_invalid(&r, "events");
    assert!(message.contains("sms.*"), "{message}");
    let r = post(json!([])).await;
    assert_invalid(&r, "events");
    for bad in
        [json!("*"), json!(["*", 5]), json!(["email.bounced", "emial.*"]), json!(["email*"]), json!(null)]
    {
        let r = post(bad.clone()).await;
        if bad.is_null() {
            // Null is "not given" or refused, never stored as null.
            assert!(r.status == 201 && r.json["events"] == json!(["*"]) || r.status == 400, "{r:?}");
        } else {
            assert_invalid(&r, "events");
        }
    }
    for good in
        [json!(["email.*", "domain.health.*"]), json!(["*"]), json!(["platform.test", "email.failed"])]
    {
        let r = post(good.clone()).await;
        assert_eq!(r.status, 201, "{r:?}");
        assert_eq!(r.json["events"], good);
    }

    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let path = format!("/v1/webhooks/{}", ep["id"].as_str().unwrap());
    let r = req(&server, "PATCH", &path, KEY, Some(r#"{"events":["email.delivred"]}"#)).await;
    assert!(assert_invalid(&r, "events").contains("email.delivered"));
    assert_invalid(&req(&server, "PATCH", &path, KEY, Some(r#"{"events":[]}"#)).await, "events");
    assert_eq!(req(&server, "GET", &path, KEY, None).await.json["events"], json!(["*"]));
}

#[tokio::test]
async fn unknown_fields_wrong_types_and_long_descriptions() {
    let server = Server::start(&[]);
    let post = |body: Value| post_webhook(&server, body);

    let r = post(json!({"url": HTTPS_URL, "event": ["*"]})).await;
    let message = assert_invalid(&r, "event");
    for accepted in ["url", "events", "description", "active"] {
        assert!(message.contains(accepted), "{message}");
    }
    let r = post(json!({"url": HTTPS_URL, "secret": "whsec_x"})).await;
    assert_invalid(&r, "secret");

    assert!(
        assert_invalid(&post(json!({"url": HTTPS_URL, "active": "yes"})).await, "active").contains("active")
    );
    assert_invalid(&post(json!({"url": HTTPS_URL, "description": 5})).await, "description");
    assert_invalid(&post(json!({"url": HTTPS_URL, "active": 1})).await, "active");

    let r = post(json!({"url": HTTPS_URL, "description": "d".repeat(501)})).await;
    assert_invalid(&r, "description");
    let r = post(json!({"url": HTTPS_URL, "description": "d".repeat(500)})).await;
    assert_eq!(r.status, 201, "{r:?}");
    // 500 characters, not bytes.
    let r = post(json!({"url": HTTPS_URL, "description": "é".repeat(500)})).await;
    assert_eq!(r.status, 201, "{r:?}");

    let id = r.json["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/webhooks/{id}");
    let patch = |body: Value| patch_json(&server, &path, body);
    let message = assert_invalid(&patch(json!({"pause": false})).await, "pause");
    for accepted in ["url", "events", "description", "active", "paused"] {
        assert!(message.contains(accepted), "{message}");
    }
    assert_invalid(&patch(json!({"active": "yes"})).await, "active");
    assert_invalid(&patch(json!({"paused": "no"})).await, "paused");
    assert_invalid(&patch(json!({"description": "d".repeat(501)})).await, "description");
    assert_invalid(&patch(json!({"description": ["x"]})).await, "description");

    // The SDK refuses nothing itself here, the server does: a 400 with the param.
    let err = server
        .webhooks()
        .create(&CreateWebhookParams {
            description: Some("d".repeat(501)),
            ..CreateWebhookParams::new(HTTPS_URL)
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.api().unwrap().param.as_deref(), Some("description"));
}

#[tokio::test]
async fn malformed_and_non_object_bodies() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    let targets = [
        ("POST", "/v1/webhooks".to_owned()),
        ("PATCH", format!("/v1/webhooks/{id}")),
        ("POST", format!("/v1/webhooks/{id}/rotate-secret")),
        ("POST", format!("/v1/webhooks/{id}/test")),
        ("POST", "/v1/events".to_owned()),
    ];
    for (method, path) in &targets {
        for body in ["{", "{\"url\":", "not json", "{\"a\":1}}"] {
            let r = req(&server, method, path, KEY, Some(body)).await;
            let message = assert_error(&r, 400, "invalid_request");
            assert!(message.to_lowercase().contains("json"), "{method} {path} {body}: {message}");
        }
        for body in ["[1]", "\"text\"", "5", "null", "true", "[]"] {
            let r = req(&server, method, path, KEY, Some(body)).await;
            assert_error(&r, 400, "invalid_request");
        }
    }
    // Invalid UTF-8.
    let auth = format!("Bearer {KEY}");
    let r = raw(
        &server,
        "POST",
        "/v1/webhooks",
        &[("authorization", &auth)],
        Some(b"{\"url\":\"\xff\"}".to_vec()),
    )
    .await;
    assert_error(&r, 400, "invalid_request");
    // Nothing was changed or created.
    let list = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1);
}

/// (method, path, headers, body, expected status) of one hostile request.
type HostileRequest<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Option<Vec<u8>>, u16);

#[tokio::test]
async fn hostile_requests_get_json_errors_and_the_server_keeps_answering() {
    let server = Server::start(&[]);
    let auth = format!("Bearer {KEY}");
    let deep = "[".repeat(100_000);
    let long_key = "k".repeat(256);
    let cases: Vec<HostileRequest> = vec![
        // Nesting far past any parser's recursion limit.
        ("POST", "/v1/webhooks", vec![("authorization", &auth)], Some(deep.clone().into_bytes()), 400),
        ("POST", "/v1/events", vec![("authorization", &auth)], Some(deep.into_bytes()), 400),
        ("POST", "/v1/webhooks", vec![("authorization", &auth)], Some(vec![0xff, 0xfe, 0x00]), 400),
        (
            "POST",
            "/v1/webhooks",
            vec![("authorization", &auth), ("idempotency-key", &long_key)],
            Some(b"{}".to_vec()),
            400,
        ),
        (
            "POST",
            "/v1/webhooks",
            vec![("authorization", &auth), ("idempotency-key", "with space")],
            Some(b"{}".to_vec()),
            400,
        ),
        ("GET", "/v1/webhooks?limit=1e300", vec![("authorization", &auth)], None, 400),
        ("GET", "/v1/webhooks?limit=99999999999999999999999", vec![("authorization", &auth)], None, 400),
        ("GET", "/v1/webhooks?cursor=%00%ff", vec![("authorization", &auth)], None, 400),
        ("GET", "/v1/webhooks/%00", vec![("authorization", &auth)], None, 404),
        ("GET", "/v1/webhooks", vec![("authorization", "Basic c2s6")], None, 401),
    ];
    for (method, path, headers, body, status) in cases {
        let r = raw(&server, method, path, &headers, body).await;
        assert_eq!(r.status, status, "{method} {path}: {r:?}");
        assert!(r.json["error"].is_string(), "{method} {path}: {r:?}");
    }
    // A header value that is not UTF-8 at all.
    let http = reqwest::Client::new();
    let odd = reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap();
    let r =
        http.get(format!("{}/v1/webhooks", server.url)).header("authorization", odd).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(server.call("GET", "/health", None, None).await.0, 200);
}

#[tokio::test]
async fn list_query_validation() {
    let server = Server::start(&[]);
    create(&server, KEY, json!({"url": HTTPS_URL})).await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("limit=", "limit"),
        ("limit=1.5", "limit"),
        ("cursor=garbage", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=d2ViaG9va3M6MA", "cursor"),
        ("page=2", "page"),
        ("starting_after=wh_1", "starting_after"),
    ] {
        let r = req(&server, "GET", &format!("/v1/webhooks?{query}"), KEY, None).await;
        assert_invalid(&r, param);
    }
    for ok in ["limit=1", "limit=100", "limit=20"] {
        assert_eq!(req(&server, "GET", &format!("/v1/webhooks?{ok}"), KEY, None).await.status, 200, "{ok}");
    }
    let err = server
        .webhooks()
        .list(&ListParams { limit: None, cursor: Some("not-a-cursor".into()) })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.api().unwrap().param.as_deref(), Some("cursor"));
}

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn idempotency_key_replays_the_first_response() {
    let server = Server::start(&[]);
    let body = json!({"url": HTTPS_URL, "description": "once"}).to_string();
    let first = req_idem(&server, "POST", "/v1/webhooks", KEY, "create-1", &body).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_ne!(first.header("idempotent-replayed"), Some("true"));
    let again = req_idem(&server, "POST", "/v1/webhooks", KEY, "create-1", &body).await;
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.text, first.text, "the identical response");
    assert_eq!(again.json["id"], first.json["id"]);
    assert_eq!(again.json["secret"], first.json["secret"]);
    assert!(again.header("content-type").unwrap().starts_with("application/json"));
    assert_ne!(again.header("x-request-id"), first.header("x-request-id"));
    let list = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1, "a retried create never makes two endpoints");

    // Same key, another body: 409, not to be retried.
    let other = json!({"url": HTTPS_URL, "description": "twice"}).to_string();
    let conflict = req_idem(&server, "POST", "/v1/webhooks", KEY, "create-1", &other).await;
    assert_error(&conflict, 409, "idempotency_conflict");
    assert_eq!(conflict.header("x-should-retry"), Some("false"));
    // Same key on another route is another request too.
    let elsewhere = req_idem(&server, "POST", "/v1/events", KEY, "create-1", &body).await;
    assert_error(&elsewhere, 409, "idempotency_conflict");
    assert_eq!(
        req(&server, "GET", "/v1/webhooks", KEY, None).await.json["data"].as_array().unwrap().len(),
        1
    );

    // A refused request saves nothing (as at Stripe): the same key runs again, and once the
    // request is fixed it creates the endpoint.
    let bad = json!({"url": "http://example.com"}).to_string();
    let r1 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &bad).await;
    assert_invalid(&r1, "url");
    let r2 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &bad).await;
    assert_invalid(&r2, "url");
    assert_ne!(r2.header("idempotent-replayed"), Some("true"));
    let fixed = json!({"url": "https://example.com/fixed"}).to_string();
    let r3 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &fixed).await;
    assert_eq!(r3.status, 201, "{r3:?}");
    let r4 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &fixed).await;
    assert_eq!((r4.header("idempotent-replayed"), &r4.json["id"]), (Some("true"), &r3.json["id"]));
    let listed = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 2);
    let delete_fixed = format!("/v1/webhooks/{}", r3.json["id"].as_str().unwrap());
    assert_eq!(req(&server, "DELETE", &delete_fixed, KEY, None).await.status, 200);

    // Through the SDK.
    let webhooks = server.webhooks().with_idempotency_key("sdk-key-1");
    let params = CreateWebhookParams::new("https://example.com/sdk");
    let a = webhooks.create(&params).await.unwrap();
    let b = webhooks.create(&params).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(a.secret.expose(), b.secret.expose());
    let err = webhooks.create(&CreateWebhookParams::new("https://example.com/other")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.api().unwrap().code.as_deref(), Some("idempotency_conflict"));
    assert_eq!(
        req(&server, "GET", "/v1/webhooks", KEY, None).await.json["data"].as_array().unwrap().len(),
        2
    );
    // Without a key of its own, each SDK create is a new endpoint.
    let plain = server.webhooks();
    let c = plain.create(&params).await.unwrap();
    let d = plain.create(&params).await.unwrap();
    assert_ne!(c.id, d.id);
}

#[tokio::test]
async fn idempotency_keys_belong_to_a_workspace() {
    let server = keys_server();
    let a_body = json!({"url": "https://example.com/a"}).to_string();
    let b_body = json!({"url": "https://example.com/b"}).to_string();
    let a = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "shared-key", &a_body).await;
    assert_eq!(a.status, 201, "{a:?}");
    let b = req_idem(&server, "POST", "/v1/webhooks", ADMIN_B, "shared-key", &b_body).await;
    assert_eq!(b.status, 201, "ws_b may use a key ws_a used: {b:?}");
    assert_ne!(b.header("idempotent-replayed"), Some("true"));
    assert_ne!(a.json["id"], b.json["id"]);
    // Even the same body in ws_b is ws_b's own request, not a replay of ws_a's endpoint.
    let b2 = req_idem(&server, "POST", "/v1/webhooks", ADMIN_B, "shared-key-2", &a_body).await;
    let a2 = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "shared-key-2", &a_body).await;
    assert_eq!((a2.status, b2.status), (201, 201));
    assert_ne!(a2.json["id"], b2.json["id"]);
    let b_list = req(&server, "GET", "/v1/webhooks", ADMIN_B, None).await;
    let b_ids: HashSet<&str> =
        b_list.json["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        b_ids,
        [b.json["id"].as_str().unwrap(), b2.json["id"].as_str().unwrap()].into_iter().collect()
    );
    // A replay in ws_a is still ws_a's.
    let replay = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "shared-key", &a_body).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json["id"], a.json["id"]);
}

#[tokio::test]
async fn a_read_only_key_never_gets_a_replayed_secret() {
    let server = keys_server();
    let body = json!({"url": "https://example.com/secret"}).to_string();
    let created = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "mgr-create", &body).await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().unwrap();
    let rotate = format!("/v1/webhooks/{id}/rotate-secret");
    let rotated = req_idem(&server, "POST", &rotate, ADMIN_A, "mgr-rotate", "{}").await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    // The reader repeats the manager's exact requests with the manager's keys: refused, no secret.
    for (path, idem) in [("/v1/webhooks", "mgr-create"), (rotate.as_str(), "mgr-rotate")] {
        let sent = if idem == "mgr-create" { body.as_str() } else { "{}" };
        let r = req_idem(&server, "POST", path, READER, idem, sent).await;
        assert_forbidden(&r);
        assert!(!r.text.contains("whsec_"), "{r:?}");
        assert_ne!(r.header("idempotent-replayed"), Some("true"));
    }
    // The other way round: a reader's refused attempt is not what the manager then gets.
    let fresh = json!({"url": "https://example.com/after-reader"}).to_string();
    assert_forbidden(&req_idem(&server, "POST", "/v1/webhooks", READER, "reader-first", &fresh).await);
    let manager = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "reader-first", &fresh).await;
    assert_eq!(manager.status, 201, "{manager:?}");
    assert_ne!(manager.header("idempotent-replayed"), Some("true"));
    assert!(manager.json["secret"].as_str().unwrap().starts_with("whsec_"));
}

#[tokio::test]
async fn idempotency_records_go_with_their_endpoint_and_expire() {
    let dir = TempDir::new("idem-db");
    let db = dir.path("send0.db").to_str().unwrap().to_owned();
    let server = Server::start_in(dir, &["--db", &db]);
    let body = json!({"url": HTTPS_URL}).to_string();
    let created = req_idem(&server, "POST", "/v1/webhooks", KEY, "gone-create", &body).await;
    let id = created.json["id"].as_str().unwrap().to_owned();
    let rotate = format!("/v1/webhooks/{id}/rotate-secret");
    assert_eq!(req_idem(&server, "POST", &rotate, KEY, "gone-rotate", "{}").await.status, 200);
    let kept_body = json!({"url": "https://example.com/k"}).to_string();
    let kept = req_idem(&server, "POST", "/v1/webhooks", KEY, "kept", &kept_body).await;
    let stored_secrets = |db: &str| {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut rows = conn.prepare("SELECT key, body FROM idempotency_keys ORDER BY key").unwrap();
        rows.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<Vec<u8>>>(1)?)))
            .unwrap()
            .map(|row| row.unwrap())
            .map(|(key, body)| (key, String::from_utf8_lossy(&body.unwrap_or_default()).contains("whsec_")))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        stored_secrets(&db),
        [("gone-create".to_owned(), true), ("gone-rotate".to_owned(), true), ("kept".to_owned(), true)]
    );
    assert_eq!(req(&server, "DELETE", &format!("/v1/webhooks/{id}"), KEY, None).await.status, 200);
    // The deleted endpoint's create and rotate answers, with their secrets, went with it.
    assert_eq!(stored_secrets(&db), [("kept".to_owned(), true)]);
    let again = req_idem(&server, "POST", "/v1/webhooks", KEY, "gone-create", &body).await;
    assert_eq!(again.status, 201);
    assert_ne!(again.json["id"], created.json["id"], "not a replay of the deleted endpoint");

    // Records older than 24 hours, and reservations left by a killed server, are gone after a start.
    let dir = server.kill();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let day_and_a_minute_ago = send0_server::store::now_ms() - 24 * 3600 * 1000 - 60_000;
        conn.execute(
            "UPDATE idempotency_keys SET created_at = ?1 WHERE key = 'kept'",
            [day_and_a_minute_ago],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO idempotency_keys (workspace, key, fingerprint, created_at) VALUES ('ws_local', 'stuck', 'x', ?1)",
            [send0_server::store::now_ms()],
        )
        .unwrap();
    }
    let server = Server::start_in(dir, &["--db", &db]);
    assert_eq!(stored_secrets(&db), [("gone-create".to_owned(), true)]);
    let stuck = req_idem(&server, "POST", "/v1/webhooks", KEY, "stuck", &body).await;
    assert_eq!(stuck.status, 201, "a reservation of the killed run is free again: {stuck:?}");
    let replay_of_kept = req_idem(&server, "POST", "/v1/webhooks", KEY, "kept", &kept_body).await;
    assert_ne!(replay_of_kept.json["id"], kept.json["id"], "the expired record was purged");
}

#[tokio::test]
async fn a_reservation_whose_client_went_away_is_released() {
    let server = Server::start(&[]);
    let receiver = Receiver::scripted(|n, _| {
        (200, vec![], if n == 0 { Duration::from_secs(5) } else { Duration::ZERO })
    })
    .await;
    let ep = create(&server, KEY, json!({"url": receiver.url})).await;
    let path = format!("/v1/webhooks/{}/test", ep["id"].as_str().unwrap());
    // The client gives up while the first test is still waiting on the slow receiver.
    let gave_up =
        tokio::time::timeout(Duration::from_millis(500), req_idem(&server, "POST", &path, KEY, "left", ""))
            .await;
    assert!(gave_up.is_err());
    let retried = eventually(Duration::from_secs(3), || async {
        let r = req_idem(&server, "POST", &path, KEY, "left", "").await;
        (r.status == 200).then_some(r)
    })
    .await;
    assert_eq!(retried.json["success"], true, "{retried:?}");
    assert_ne!(retried.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn endpoints_per_workspace_are_capped() {
    let dir = TempDir::new("cap");
    let keys = dir.keys_file(&[(ADMIN_A, "ws_a", "manage"), (ADMIN_B, "ws_b", "manage")]);
    let server = Server::start_in(dir, &["--keys", &keys, "--max-endpoints-per-workspace", "2"]);
    let first = create(&server, ADMIN_A, json!({"url": HTTPS_URL})).await;
    create(&server, ADMIN_A, json!({"url": HTTPS_URL})).await;
    let third =
        req(&server, "POST", "/v1/webhooks", ADMIN_A, Some(&json!({"url": HTTPS_URL}).to_string())).await;
    let message = assert_error(&third, 400, "invalid_request");
    assert!(
        message.contains("2 webhook endpoints") && message.contains("--max-endpoints-per-workspace"),
        "{message}"
    );
    // Another workspace has its own allowance, and a deletion frees one.
    create(&server, ADMIN_B, json!({"url": HTTPS_URL})).await;
    let delete = format!("/v1/webhooks/{}", first["id"].as_str().unwrap());
    assert_eq!(req(&server, "DELETE", &delete, ADMIN_A, None).await.status, 200);
    create(&server, ADMIN_A, json!({"url": HTTPS_URL})).await;
}

#[tokio::test]
async fn the_built_in_key_is_refused_beyond_loopback() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_send0-server"))
        .args(["--host", "0.0.0.0", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing to listen on 0.0.0.0") && stderr.contains("--api-key"), "{stderr}");
    // With a key of its own it starts; on loopback the built-in key is fine.
    let dir = TempDir::new("host");
    let server = Server::start_in(dir, &["--host", "0.0.0.0", "--api-key", "sk_test_private_0123456789"]);
    assert_eq!(req(&server, "GET", "/v1/webhooks", "sk_test_private_0123456789", None).await.status, 200);
    let local = Server::start(&["--host", "localhost"]);
    assert_eq!(req(&local, "GET", "/v1/webhooks", KEY, None).await.status, 200);
}

#[tokio::test]
async fn idempotency_key_in_progress_is_a_retryable_conflict() {
    let server = Server::start(&[]);
    let receiver = Receiver::scripted(|_, _| (200, vec![], Duration::from_millis(800))).await;
    let ep = create(&server, KEY, json!({"url": receiver.url})).await;
    let path = format!("/v1/webhooks/{}/test", ep["id"].as_str().unwrap());
    let slow = req_idem(&server, "POST", &path, KEY, "test-1", "");
    let second = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        req_idem(&server, "POST", &path, KEY, "test-1", "").await
    };
    let (first, second) = tokio::join!(slow, second);
    assert_eq!(first.status, 200, "{first:?}");
    assert_error(&second, 409, "idempotency_conflict");
    assert_eq!(second.header("x-should-retry"), Some("true"));
    let third = req_idem(&server, "POST", &path, KEY, "test-1", "").await;
    assert_eq!(third.header("idempotent-replayed"), Some("true"));
    assert_eq!(third.json["event_id"], first.json["event_id"]);
    assert_eq!(receiver.received().len(), 1, "the test ran once");
}

// ---------------------------------------------------------------------------------------------
// 413, unknown routes, wrong methods, request ids
// ---------------------------------------------------------------------------------------------

/// (method, path, headers) of one oversized request.
type BodyCase<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn bodies_over_one_mib_are_413() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    let big = json!({"url": HTTPS_URL, "description": "d".repeat(1024 * 1024)}).to_string().into_bytes();
    assert!(big.len() > 1024 * 1024);
    let auth = format!("Bearer {KEY}");
    let cases: Vec<BodyCase> = vec![
        ("POST", "/v1/webhooks".to_owned(), vec![("authorization", &auth), ("idempotency-key", "big-1")]),
        ("POST", "/v1/webhooks".to_owned(), vec![("authorization", &auth)]),
        ("PATCH", format!("/v1/webhooks/{id}"), vec![("authorization", &auth)]),
        ("POST", "/v1/events".to_owned(), vec![("authorization", &auth)]),
    ];
    let mut failures = Vec::new();
    for (method, path, headers) in &cases {
        let r = raw(&server, method, path, headers, Some(big.clone())).await;
        let ok = r.status == 413
            && r.json.get("error") == Some(&json!("payload_too_large"))
            && r.json.get("message").and_then(Value::as_str).is_some_and(|m| !m.is_empty())
            && r.header("x-request-id").is_some();
        if !ok {
            let with_key = headers.iter().any(|(n, _)| *n == "idempotency-key");
            failures.push(format!(
                "{method} {path} (idempotency key: {with_key}): {} {:?} {}",
                r.status,
                r.header("content-type"),
                r.text
            ));
        }
    }
    // A refused big body does not use up the key.
    let r =
        req_idem(&server, "POST", "/v1/webhooks", KEY, "big-1", &json!({"url": HTTPS_URL}).to_string()).await;
    assert_eq!(r.status, 201, "{r:?}");
    // Exactly 1 MiB is allowed.
    let mut exact = json!({"url": HTTPS_URL, "description": "x"}).to_string().into_bytes();
    exact.resize(1024 * 1024, b' ');
    let r = raw(&server, "POST", "/v1/webhooks", &[("authorization", &auth)], Some(exact)).await;
    assert_eq!(r.status, 201, "a body of exactly 1 MiB is accepted: {r:?}");
    assert!(failures.is_empty(), "not a JSON 413 payload_too_large:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_json() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    for path in
        ["/v1/nope", "/nope", "/v1/webhooks/x/y/z", "/v2/webhooks", &format!("/v1/webhooks/{id}/nope")]
    {
        for method in ["GET", "POST"] {
            let r = req(&server, method, path, KEY, None).await;
            assert_error(&r, 404, "not_found");
            assert!(r.header("x-request-id").is_some());
        }
    }
    let mut failures = Vec::new();
    for (method, path) in [
        ("PUT", "/v1/webhooks".to_owned()),
        ("DELETE", "/v1/webhooks".to_owned()),
        ("PATCH", "/v1/webhooks".to_owned()),
        ("POST", format!("/v1/webhooks/{id}")),
        ("PUT", format!("/v1/webhooks/{id}")),
        ("GET", format!("/v1/webhooks/{id}/test")),
        ("GET", format!("/v1/webhooks/{id}/rotate-secret")),
        ("POST", format!("/v1/webhooks/{id}/deliveries")),
        ("GET", "/v1/events".to_owned()),
        ("POST", "/health".to_owned()),
        ("DELETE", "/openapi.yaml".to_owned()),
    ] {
        let r = req(&server, method, &path, KEY, Some("{}")).await;
        let json_error = r.status == 405
            && r.json.get("error").and_then(Value::as_str).is_some()
            && r.json.get("message").and_then(Value::as_str).is_some()
            && r.header("x-request-id").is_some();
        // HTTP requires `Allow` on a 405.
        let json_error = json_error && r.header("allow").is_some_and(|a| !a.is_empty());
        if !json_error {
            failures.push(format!(
                "{method} {path}: {} content-type {:?} allow {:?} body {:?}",
                r.status,
                r.header("content-type"),
                r.header("allow"),
                r.text
            ));
        }
    }
    assert!(failures.is_empty(), "not a JSON 405:\n{}", failures.join("\n"));
    // The wrong method changed nothing.
    assert_eq!(req(&server, "GET", &format!("/v1/webhooks/{id}"), KEY, None).await.status, 200);
}

#[tokio::test]
async fn every_response_carries_a_distinct_request_id() {
    let server = keys_server();
    let ep = create(&server, ADMIN_A, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {ADMIN_A}");
    let responses = vec![
        raw(&server, "GET", "/health", &[], None).await,
        raw(&server, "GET", "/openapi.yaml", &[], None).await,
        raw(&server, "GET", "/v1/webhooks", &[], None).await,
        raw(&server, "GET", "/v1/webhooks", &[("authorization", "Basic eDp5")], None).await,
        req(&server, "GET", "/v1/webhooks", ADMIN_A, None).await,
        req(&server, "GET", "/v1/webhooks", ADMIN_A, None).await,
        req(&server, "GET", &format!("/v1/webhooks/{id}"), ADMIN_A, None).await,
        req(&server, "POST", "/v1/webhooks", ADMIN_A, Some(&json!({"url": HTTPS_URL}).to_string())).await,
        req(&server, "POST", "/v1/webhooks", ADMIN_A, Some("{")).await,
        req(&server, "GET", &format!("/v1/webhooks/{NO_SUCH_ID}"), ADMIN_A, None).await,
        req(&server, "DELETE", &format!("/v1/webhooks/{id}"), READER, None).await,
        req(&server, "GET", "/v1/nope", ADMIN_A, None).await,
        req(&server, "PUT", "/v1/webhooks", ADMIN_A, None).await,
        req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "rid", &json!({"url": HTTPS_URL}).to_string())
            .await,
        req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "rid", &json!({"url": HTTPS_URL}).to_string())
            .await,
        req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "rid", "{}").await,
        raw(&server, "POST", "/v1/webhooks", &[("authorization", &auth)], Some(vec![b' '; 1024 * 1024 + 1]))
            .await,
        req(&server, "POST", "/v1/events", ADMIN_A, Some(r#"{"type":"email.bounced"}"#)).await,
        req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries"), ADMIN_A, None).await,
        req(&server, "DELETE", &format!("/v1/webhooks/{id}"), ADMIN_A, None).await,
    ];
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            200, 200, 401, 401, 200, 200, 200, 201, 400, 404, 403, 404, 405, 201, 201, 409, 413, 202, 200,
            200
        ]
    );
    let mut seen = HashSet::new();
    for r in &responses {
        let rid = r.header("x-request-id").unwrap_or_else(|| panic!("no x-request-id: {r:?}"));
        assert!(!rid.is_empty());
        assert!(seen.insert(rid.to_owned()), "x-request-id {rid} repeated");
    }
}

// ---------------------------------------------------------------------------------------------
// The SDK's error kinds, together
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sdk_errors_map_to_their_kinds() {
    let server = keys_server();
    let admin = server.client(ADMIN_A).webhooks();
    let ep = admin.create(&CreateWebhookParams::new(HTTPS_URL)).await.unwrap();

    let not_found = admin.get(NO_SUCH_ID).await.unwrap_err();
    assert_eq!((not_found.kind(), not_found.status()), (ErrorKind::NotFound, Some(404)));
    assert_eq!(not_found.api().unwrap().code.as_deref(), Some("not_found"));

    let permission = server.client(READER).webhooks().delete(&ep.id).await.unwrap_err();
    assert_eq!((permission.kind(), permission.status()), (ErrorKind::Permission, Some(403)));
    assert_eq!(permission.api().unwrap().required_scope.as_deref(), Some(MANAGE));
    assert_eq!(permission.api().unwrap().message, "Insufficient scope. Required: platform:webhooks:manage");

    let invalid = admin
        .create(&CreateWebhookParams {
            events: Some(vec!["email.delivred".into()]),
            ..CreateWebhookParams::new(HTTPS_URL)
        })
        .await
        .unwrap_err();
    assert_eq!((invalid.kind(), invalid.status()), (ErrorKind::InvalidRequest, Some(400)));
    assert_eq!(invalid.api().unwrap().param.as_deref(), Some("events"));
    assert!(invalid.api().unwrap().message.contains("email.delivered"));

    let auth = server.client("sk_test_not_a_key").webhooks().get(&ep.id).await.unwrap_err();
    assert_eq!((auth.kind(), auth.status()), (ErrorKind::Authentication, Some(401)));

    let keyed = admin.clone().with_idempotency_key("kinds-1");
    keyed.create(&CreateWebhookParams::new("https://example.com/1")).await.unwrap();
    let conflict = keyed.create(&CreateWebhookParams::new("https://example.com/2")).await.unwrap_err();
    assert_eq!((conflict.kind(), conflict.status()), (ErrorKind::Conflict, Some(409)));

    let cross = server
        .client(ADMIN_B)
        .webhooks()
        .rotate_secret(&ep.id, &RotateSecretParams::default())
        .await
        .unwrap_err();
    assert_eq!(cross.kind(), ErrorKind::NotFound);

    for err in [&not_found, &permission, &invalid, &auth, &conflict, &cross] {
        assert!(err.request_id().is_some_and(|id| !id.is_empty()), "{err:?}");
    }
}

#[tokio::test]
async fn null_is_refused_where_a_field_cannot_be_cleared() {
    let server = Server::start(&[]);
    let id = create(&server, KEY, serde_json::json!({"url": "https://example.com/h"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for field in ["url", "events", "active", "paused"] {
        let r = patch_json(&server, &format!("/v1/webhooks/{id}"), serde_json::json!({ field: null })).await;
        assert!(assert_invalid(&r, field).contains("cannot be null"), "{r:?}");
    }
    for field in ["events", "active"] {
        let r = post_webhook(&server, serde_json::json!({"url": "https://example.com/h", field: null})).await;
        assert_invalid(&r, field);
    }
    let r = req(
        &server,
        "POST",
        &format!("/v1/webhooks/{id}/rotate-secret"),
        KEY,
        Some(r#"{"expire_previous_in":null}"#),
    )
    .await;
    assert_invalid(&r, "expire_previous_in");
    // description is the one field null clears.
    let r =
        patch_json(&server, &format!("/v1/webhooks/{id}"), serde_json::json!({"description": null})).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = req(&server, "POST", &format!("/v1/webhooks/{id}/test"), KEY, Some(r#"{"x":1}"#)).await;
    assert!(assert_invalid(&r, "x").contains("takes no body fields"), "{r:?}");
}

#[tokio::test]
async fn a_rate_limited_key_gets_429_with_retry_after() {
    let dir = common::TempDir::new("ratelimit");
    let keys = dir.path("keys.json");
    std::fs::write(
        &keys,
        r#"[{"key":"sk_test_limited_1","workspace":"ws_a","scopes":["platform:webhooks:read"],"rate_limit":3},
            {"key":"sk_test_free_1","workspace":"ws_a","scopes":["platform:webhooks:read"]}]"#,
    )
    .unwrap();
    let server = Server::start(&["--keys", keys.to_str().unwrap()]);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(req(&server, "GET", "/v1/webhooks", "sk_test_limited_1", None).await);
    }
    assert!(statuses[..3].iter().all(|r| r.status == 200), "the burst is the rate: {statuses:?}");
    let limited = statuses.iter().find(|r| r.status == 429).expect("a 429 after the burst");
    assert!(assert_error(limited, 429, "rate_limited").contains("3 per second"));
    assert_eq!(limited.header("retry-after"), Some("1"));
    // Other keys are not affected.
    for _ in 0..10 {
        assert_eq!(req(&server, "GET", "/v1/webhooks", "sk_test_free_1", None).await.status, 200);
    }
    // The SDK maps it, with retry_after, after honouring Retry-After on its retries.
    let client = send0::Client::builder()
        .api_key("sk_test_limited_1")
        .base_url(&server.url)
        .max_retries(0)
        .build()
        .unwrap();
    let mut kinds = Vec::new();
    for _ in 0..5 {
        if let Err(e) = client.webhooks().list(&Default::default()).await {
            assert_eq!(e.api().unwrap().retry_after, Some(std::time::Duration::from_secs(1)));
            kinds.push(e.kind());
        }
    }
    assert!(kinds.contains(&send0::ErrorKind::RateLimited));
    let patient =
        send0::Client::builder().api_key("sk_test_limited_1").base_url(&server.url).build().unwrap();
    patient.webhooks().list(&Default::default()).await.expect("retries wait out the 429");
}
