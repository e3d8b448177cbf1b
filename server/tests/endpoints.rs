mod common;

// Endpoints: create, get, update and delete, over raw HTTP and through the SDK, and the
// per-workspace cap.

use std::collections::HashSet;
use std::time::SystemTime;

use common::api::{
    ADMIN_A, ADMIN_B, ENDPOINT_FIELDS, HTTPS_URL, assert_endpoint_id, assert_endpoint_shape, assert_error,
    assert_invalid, assert_secret, create, keys_of, req, rfc3339, seconds_apart,
};
use common::{KEY, Server, TempDir};
use send0::ErrorKind;
use send0::client::{CreateWebhookParams, UpdateWebhookParams};
use serde_json::{Value, json};

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
