mod common;

// Request bodies checked field by field: urls, event types, unknown fields, wrong types, nulls
// and malformed JSON, each a 400 naming its param.

use common::api::{HTTPS_URL, assert_error, assert_invalid, create, patch_json, post_webhook, raw, req};
use common::{KEY, Server};
use send0::ErrorKind;
use send0::client::CreateWebhookParams;
use serde_json::{Value, json};

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
