mod common;

// `POST /v1/events` and the delivery log: which endpoints an event reaches, and the log of a
// failing endpoint until it pauses and is unpaused.

use std::collections::HashSet;
use std::time::Duration;

use common::api::{assert_invalid, create, emit_raw, keys_of, req, rfc3339};
use common::{KEY, Receiver, Server, eventually};
use futures_util::TryStreamExt;
use send0::client::{CreateWebhookParams, ListParams, UpdateWebhookParams};
use serde_json::json;

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
