mod common;

// Authentication, scopes and workspaces: keys refused, read-only keys, another workspace's
// ids, the built-in key beyond loopback, rate limits, and the SDK's error kinds for each.

use base64::Engine as _;
use common::api::{
    ADMIN_A, ADMIN_B, HTTPS_URL, MANAGE, NO_SUCH_ID, READER, assert_error, assert_forbidden,
    assert_unauthorized, create, keys_server, raw, req, req_idem, routes,
};
use common::{KEY, Receiver, Server, TempDir};
use send0::ErrorKind;
use send0::client::{CreateWebhookParams, ListParams, RotateSecretParams, UpdateWebhookParams};
use serde_json::{Value, json};

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
