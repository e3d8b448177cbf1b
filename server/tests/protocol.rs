mod common;

// HTTP itself: hostile requests, bodies over 1 MiB, unknown routes and wrong methods, and a
// request id on every response.

use std::collections::HashSet;

use common::api::{
    ADMIN_A, HTTPS_URL, NO_SUCH_ID, READER, assert_error, create, keys_server, raw, req, req_idem,
};
use common::{KEY, Server};
use serde_json::{Value, json};

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
