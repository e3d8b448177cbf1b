mod common;

// `POST /v1/webhooks/{id}/test` and `POST /v1/webhooks/{id}/rotate-secret`.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use common::api::{HTTPS_URL, assert_invalid, assert_secret, create, keys_of, req, rfc3339, seconds_apart};
use common::{KEY, Receiver, Server};
use send0::ErrorKind;
use send0::client::{RotateSecretParams, UpdateWebhookParams};
use serde_json::{Value, json};

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
