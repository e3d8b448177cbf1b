//! The delivery engine, end to end over loopback: signatures, retries, auto-pause, unpause,
//! disabled endpoints, isolation between endpoints, secret rotation, and durability across SIGKILL.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use common::{KEY, Received, Receiver, Server, TempDir, eventually};
use send0::client::{
    CreateWebhookParams, EndpointStatus, ListParams, RotateSecretParams, UpdateWebhookParams,
};
use send0::webhooks::{Verifier, WebhookHeaders};

const LIMIT: Duration = Duration::from_secs(20);

async fn endpoint(server: &Server, url: &str, events: &[&str]) -> (String, String) {
    let created = server
        .webhooks()
        .create(&CreateWebhookParams {
            url: url.to_owned(),
            events: Some(events.iter().map(|e| (*e).to_owned()).collect()),
            ..Default::default()
        })
        .await
        .unwrap();
    (created.id.clone(), created.secret.expose().to_owned())
}

fn headers_of(received: &Received) -> WebhookHeaders {
    WebhookHeaders::from(&received.headers)
}

fn verify_with(secret: &str, received: &Received) -> send0::Result<()> {
    Verifier::new(secret)?.verify(&received.body, &headers_of(received)).map(|_| ())
}

#[tokio::test]
async fn deliveries_are_signed_envelopes_that_the_core_verifies() {
    let server = Server::start(&[]);
    let receiver = Receiver::ok().await;
    let (_, secret) = endpoint(&server, &receiver.url, &["*"]).await;
    let mut emitted = Vec::new();
    for t in send0::events::EVENT_TYPES {
        emitted.push(server.emit(t).await);
    }
    let received = receiver.wait_for(emitted.len(), LIMIT).await;
    for delivery in &received {
        let event = Verifier::new(&secret).unwrap().verify(&delivery.body, &headers_of(delivery)).unwrap();
        assert_eq!(event.webhook_id, event.id, "webhook-id is the event id");
        assert_eq!(event.service, send0::events::service_of(&event.event_type));
        assert!(!event.livemode);
        assert_eq!(delivery.header("content-type"), "application/json");
        assert!(delivery.header("user-agent").starts_with("send0-webhooks/"));
        // A different secret never verifies it.
        let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert_eq!(verify_with(other, delivery).unwrap_err().kind(), send0::ErrorKind::InvalidSignature);
    }
    let got: BTreeSet<String> = received.iter().map(Received::event_id).collect();
    assert_eq!(got, emitted.into_iter().collect());
    let bounced = received.iter().find(|r| r.json()["type"] == "email.bounced").unwrap().json();
    assert_eq!(bounced["data"]["bounce_type"], "hard");
}

#[tokio::test]
async fn patterns_choose_which_endpoints_get_an_event() {
    let server = Server::start(&[]);
    let (domain, email, exact) = (Receiver::ok().await, Receiver::ok().await, Receiver::ok().await);
    endpoint(&server, &domain.url, &["domain.*"]).await;
    endpoint(&server, &email.url, &["email.*"]).await;
    endpoint(&server, &exact.url, &["email.bounced"]).await;
    let (_, _, body) = server
        .call("POST", "/v1/events", Some(KEY), Some(r#"{"type":"email.bounced","data":{"x":1}}"#))
        .await;
    assert_eq!(body["endpoints"], 2);
    server.emit("domain.health.degraded").await;
    assert_eq!(domain.wait_for(1, LIMIT).await[0].json()["type"], "domain.health.degraded");
    assert_eq!(email.wait_for(1, LIMIT).await[0].json()["data"], serde_json::json!({"x": 1}));
    exact.wait_for(1, LIMIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((domain.received().len(), email.received().len(), exact.received().len()), (1, 1, 1));
}

#[tokio::test]
async fn failed_attempts_follow_the_retry_schedule_with_the_same_bytes() {
    let server = Server::start(&["--retry-schedule", "300ms,600ms,5s"]);
    let receiver = Receiver::scripted(|n, _| (if n < 2 { 500 } else { 200 }, vec![], Duration::ZERO)).await;
    let (id, secret) = endpoint(&server, &receiver.url, &["*"]).await;
    let event_id = server.emit("email.delivered").await;
    let got = receiver.wait_for(3, LIMIT).await;
    assert!(got.iter().all(|r| r.body == got[0].body && r.header("webhook-id") == event_id));
    for r in &got {
        verify_with(&secret, r).unwrap();
    }
    // ±20% jitter around each wait.
    let gap1 = got[1].at - got[0].at;
    let gap2 = got[2].at - got[1].at;
    assert!(gap1 >= Duration::from_millis(240), "first retry after {gap1:?}");
    assert!(gap2 >= Duration::from_millis(480), "second retry after {gap2:?}");
    let webhooks = server.webhooks();
    let log = eventually(LIMIT, || async {
        let page = webhooks.deliveries(&id, &ListParams::default()).await.unwrap();
        (page.data.len() == 3).then_some(page.data)
    })
    .await;
    assert_eq!(log.iter().map(|a| a.attempt).collect::<Vec<_>>(), [3, 2, 1], "newest first");
    assert_eq!(log.iter().map(|a| a.status_code).collect::<Vec<_>>(), [Some(200), Some(500), Some(500)]);
    assert!(log[0].next_attempt_at.is_none() && log[1].next_attempt_at.is_some());
    assert!(log[1].error.as_deref().unwrap().contains("500"));
    let ep = webhooks.get(&id).await.unwrap();
    assert_eq!((ep.consecutive_failures, ep.last_delivery_status), (0, Some(200)));
    assert!(ep.last_delivery_at.is_some());
}

#[tokio::test]
async fn retry_after_from_the_endpoint_is_honoured_and_the_schedule_ends() {
    let server = Server::start(&["--retry-schedule", "50ms,50ms"]);
    let receiver = Receiver::scripted(|n, _| match n {
        0 => (429, vec![("retry-after", "1".to_owned())], Duration::ZERO),
        _ => (500, vec![], Duration::ZERO),
    })
    .await;
    let (id, _) = endpoint(&server, &receiver.url, &["*"]).await;
    server.emit("email.queued").await;
    let got = receiver.wait_for(2, LIMIT).await;
    assert!(got[1].at - got[0].at >= Duration::from_millis(950), "Retry-After: 1 was not obeyed");
    // Three attempts in all (two retries), then nothing more.
    receiver.wait_for(3, LIMIT).await;
    let webhooks = server.webhooks();
    eventually(LIMIT, || async {
        let log = webhooks.deliveries(&id, &ListParams::default()).await.unwrap().data;
        (log.len() == 3 && log[0].next_attempt_at.is_none()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), 3);
}

#[tokio::test]
async fn ten_consecutive_failures_pause_and_unpause_releases_held_events_in_order() {
    let server =
        Server::start(&["--retry-schedule", "20ms,20ms,20ms,20ms,20ms,20ms,20ms,20ms,20ms,20ms,20ms,20ms"]);
    let receiver = Receiver::always(503).await;
    let (id, _) = endpoint(&server, &receiver.url, &["*"]).await;
    let webhooks = server.webhooks();
    let first = server.emit("email.queued").await;
    let paused = eventually(LIMIT, || async {
        let ep = webhooks.get(&id).await.unwrap();
        (ep.status == EndpointStatus::Paused).then_some(ep)
    })
    .await;
    assert_eq!(paused.consecutive_failures, 10);
    assert!(paused.active, "paused is not disabled");
    // Exactly ten attempts, and nothing more while paused, even for new events.
    let mut held = vec![first.clone()];
    for t in ["email.delivered", "email.opened", "email.clicked"] {
        let (_, _, body) =
            server.call("POST", "/v1/events", Some(KEY), Some(&format!(r#"{{"type":"{t}"}}"#))).await;
        assert_eq!(body["endpoints"], 1, "a paused endpoint still matches: its events are held");
        held.push(body["event_id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 10);
    let log = webhooks.deliveries(&id, &ListParams { limit: Some(100), cursor: None }).await.unwrap().data;
    assert_eq!(log.len(), 10);
    assert!(log[0].next_attempt_at.is_none(), "no attempt is planned while paused");

    receiver.set_script(|_, _| (200, vec![], Duration::ZERO));
    let unpaused = webhooks
        .update(&id, &UpdateWebhookParams { paused: Some(false), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((unpaused.status, unpaused.consecutive_failures), (EndpointStatus::Active, 0));
    let got = receiver.wait_for(14, LIMIT).await;
    let released: Vec<String> = got[10..].iter().map(Received::event_id).collect();
    assert_eq!(released, held, "held events are delivered in order");
    let ep = eventually(LIMIT, || async {
        let ep = webhooks.get(&id).await.unwrap();
        (ep.last_delivery_status == Some(200)).then_some(ep)
    })
    .await;
    assert_eq!(ep.consecutive_failures, 0);
}

#[tokio::test]
async fn disabled_endpoints_receive_nothing_and_disabling_cancels_retries() {
    let server = Server::start(&["--retry-schedule", "300ms,300ms,300ms"]);
    let receiver = Receiver::always(500).await;
    let webhooks = server.webhooks();
    let off = webhooks
        .create(&CreateWebhookParams { active: Some(false), ..CreateWebhookParams::new(&receiver.url) })
        .await
        .unwrap();
    assert_eq!(off.status, EndpointStatus::Disabled);
    let (_, _, body) = server.call("POST", "/v1/events", Some(KEY), Some(r#"{"type":"email.queued"}"#)).await;
    assert_eq!(body["endpoints"], 0);

    let (id, _) = endpoint(&server, &receiver.url, &["*"]).await;
    server.emit("email.queued").await;
    receiver.wait_for(1, LIMIT).await;
    webhooks.update(&id, &UpdateWebhookParams { active: Some(false), ..Default::default() }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(receiver.received().len(), 1, "a disabled endpoint's retries are cancelled");
    // Re-enabling does not bring back what was cancelled.
    webhooks.update(&id, &UpdateWebhookParams { active: Some(true), ..Default::default() }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn gone_disables_the_endpoint() {
    let server = Server::start(&["--retry-schedule", "50ms,50ms"]);
    let receiver = Receiver::always(410).await;
    let (id, _) = endpoint(&server, &receiver.url, &["*"]).await;
    server.emit("email.queued").await;
    let webhooks = server.webhooks();
    let ep = eventually(LIMIT, || async {
        let ep = webhooks.get(&id).await.unwrap();
        (ep.status == EndpointStatus::Disabled).then_some(ep)
    })
    .await;
    assert!(!ep.active);
    assert_eq!(ep.last_delivery_status, Some(410));
    server.emit("email.queued").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn a_slow_endpoint_does_not_delay_a_fast_one() {
    let server = Server::start(&["--delivery-timeout", "10s"]);
    let slow = Receiver::scripted(|_, _| (200, vec![], Duration::from_secs(3))).await;
    let fast = Receiver::ok().await;
    endpoint(&server, &slow.url, &["*"]).await;
    endpoint(&server, &fast.url, &["*"]).await;
    for _ in 0..5 {
        server.emit("email.opened").await;
    }
    let started = std::time::Instant::now();
    fast.wait_for(5, LIMIT).await;
    assert!(started.elapsed() < Duration::from_secs(2), "the fast endpoint waited {:?}", started.elapsed());
    assert!(slow.received().len() <= 1, "the slow endpoint is still on its first delivery");
}

#[tokio::test]
async fn timeouts_count_as_failures() {
    let server = Server::start(&["--delivery-timeout", "200ms", "--retry-schedule", "50ms"]);
    let receiver = Receiver::scripted(|_, _| (200, vec![], Duration::from_secs(2))).await;
    let (id, _) = endpoint(&server, &receiver.url, &["*"]).await;
    server.emit("email.queued").await;
    let webhooks = server.webhooks();
    let log = eventually(LIMIT, || async {
        let log = webhooks.deliveries(&id, &ListParams::default()).await.unwrap().data;
        (log.len() == 2).then_some(log)
    })
    .await;
    assert!(
        log.iter().all(|a| a.status_code.is_none() && a.error.as_deref().unwrap().contains("no response"))
    );
    assert_eq!(webhooks.get(&id).await.unwrap().consecutive_failures, 2);
}

#[tokio::test]
async fn a_rotation_signs_with_both_secrets_until_the_old_one_expires() {
    let server = Server::start(&[]);
    let receiver = Receiver::ok().await;
    let (id, old) = endpoint(&server, &receiver.url, &["*"]).await;
    let webhooks = server.webhooks();
    let rotated =
        webhooks.rotate_secret(&id, &RotateSecretParams { expire_previous_in: Some(3600) }).await.unwrap();
    let new = rotated.secret.expose().to_owned();
    assert_ne!(new, old);
    server.emit("email.queued").await;
    let got = receiver.wait_for(1, LIMIT).await;
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    verify_with(&old, &got[0]).unwrap();
    verify_with(&new, &got[0]).unwrap();

    // Rotating again with no grace: only the newest secret signs.
    let newest =
        webhooks.rotate_secret(&id, &RotateSecretParams { expire_previous_in: Some(0) }).await.unwrap();
    assert!(newest.previous_secret_expires_at.is_none());
    server.emit("email.queued").await;
    let got = receiver.wait_for(2, LIMIT).await;
    assert_eq!(got[1].header("webhook-signature").split(' ').count(), 1);
    verify_with(newest.secret.expose(), &got[1]).unwrap();
    assert!(verify_with(&new, &got[1]).is_err() && verify_with(&old, &got[1]).is_err());
}

#[tokio::test]
async fn test_events_are_signed_and_leave_the_counters_alone() {
    let server = Server::start(&[]);
    let receiver = Receiver::scripted(|n, _| (if n == 0 { 200 } else { 500 }, vec![], Duration::ZERO)).await;
    let (id, secret) = endpoint(&server, &receiver.url, &["email.bounced"]).await;
    let webhooks = server.webhooks();
    let ok = webhooks.test(&id).await.unwrap();
    assert!(ok.success && ok.status_code == Some(200) && ok.error.is_none());
    let got = receiver.wait_for(1, LIMIT).await;
    let event = Verifier::new(&secret).unwrap().verify(&got[0].body, &headers_of(&got[0])).unwrap();
    assert_eq!((event.event_type.as_str(), event.id.as_str()), ("platform.test", ok.event_id.as_str()));
    assert_eq!(event.data_as::<serde_json::Value>().unwrap()["endpoint_id"], id.as_str());
    let failed = webhooks.test(&id).await.unwrap();
    assert!(!failed.success && failed.status_code == Some(500));
    let ep = webhooks.get(&id).await.unwrap();
    assert_eq!((ep.consecutive_failures, ep.last_delivery_at.as_deref()), (0, None));
}

#[tokio::test]
async fn nothing_is_lost_when_the_server_is_killed_in_the_middle_of_retries() {
    let dir = TempDir::new("durable");
    let db = dir.path("send0.db");
    let db = db.to_str().unwrap().to_owned();
    let args = ["--db", db.as_str(), "--retry-schedule", "2s,2s,2s,2s,2s,2s,2s"];
    let server = Server::start_in(dir, &args);
    // The receiver refuses everything until the server has been killed. Four endpoints with five
    // events each: 20 deliveries, and no endpoint near the 10 failures that would pause it.
    let receiver = Receiver::always(500).await;
    let mut secrets = Vec::new();
    for _ in 0..4 {
        secrets.push(endpoint(&server, &receiver.url, &["*"]).await);
    }
    let mut emitted = BTreeSet::new();
    for t in ["email.queued", "email.delivered", "email.opened", "email.bounced", "domain.health.degraded"] {
        emitted.insert(server.emit(t).await);
    }
    // Every delivery has had a first, failed attempt, recorded, and waits for its retry.
    receiver.wait_for(20, LIMIT).await;
    let webhooks = server.webhooks();
    for (id, _) in &secrets {
        eventually(LIMIT, || async {
            let log = webhooks.deliveries(id, &ListParams::default()).await.unwrap().data;
            (log.len() == 5).then_some(())
        })
        .await;
    }
    let dir = server.kill();
    let attempts_before_kill = receiver.received().len();
    assert_eq!(attempts_before_kill, 20, "no retry ran before the kill");

    receiver.set_script(|_, _| (200, vec![], Duration::ZERO));
    let server = Server::start_in(dir, &args);
    // Which endpoint a delivery was for: the one whose secret verifies it.
    let endpoint_of = |r: &Received| secrets.iter().position(|(_, secret)| verify_with(secret, r).is_ok());
    let delivered = eventually(Duration::from_secs(30), || async {
        let pairs: BTreeSet<(usize, String)> = receiver.received()[attempts_before_kill..]
            .iter()
            .map(|r| (endpoint_of(r).expect("every delivery verifies"), r.event_id()))
            .collect();
        (pairs.len() == 20).then_some(pairs)
    })
    .await;
    let expected: BTreeSet<(usize, String)> =
        (0..4).flat_map(|i| emitted.iter().map(move |e| (i, e.clone()))).collect();
    assert_eq!(delivered, expected, "every event reached every endpoint after the restart");

    // The log survived too: each delivery has its failed attempt and its success.
    let webhooks = server.webhooks();
    for (id, _) in &secrets {
        let log = eventually(LIMIT, || async {
            let log =
                webhooks.deliveries(id, &ListParams { limit: Some(100), cursor: None }).await.unwrap().data;
            (log.iter().filter(|a| a.status_code == Some(200)).count() == 5).then_some(log)
        })
        .await;
        let failed: BTreeSet<&str> =
            log.iter().filter(|a| a.status_code == Some(500)).map(|a| a.event_id.as_str()).collect();
        assert_eq!(failed.len(), 5, "the attempts before the kill are in the log");
        assert_eq!(webhooks.get(id).await.unwrap().consecutive_failures, 0);
    }
}

#[tokio::test]
async fn nothing_is_lost_when_the_server_is_killed_during_an_attempt() {
    let dir = TempDir::new("in-flight");
    let db = dir.path("send0.db");
    let db = db.to_str().unwrap().to_owned();
    let args = ["--db", db.as_str(), "--delivery-timeout", "60s", "--retry-schedule", "1s,1s,1s"];
    let server = Server::start_in(dir, &args);
    // The receiver holds every attempt open: the first delivery of each endpoint is in flight
    // (claimed, unrecorded) when the server dies.
    let receiver = Receiver::scripted(|_, _| (200, vec![], Duration::from_secs(60))).await;
    let mut secrets = Vec::new();
    for _ in 0..3 {
        secrets.push(endpoint(&server, &receiver.url, &["*"]).await);
    }
    let mut emitted = BTreeSet::new();
    for t in ["email.queued", "email.delivered", "email.bounced"] {
        emitted.insert(server.emit(t).await);
    }
    receiver.wait_for(3, LIMIT).await;
    let dir = server.kill();
    let before = receiver.received().len();
    assert_eq!(before, 3, "one attempt in flight per endpoint");

    receiver.set_script(|_, _| (200, vec![], Duration::ZERO));
    let _server = Server::start_in(dir, &args);
    let endpoint_of = |r: &Received| secrets.iter().position(|(_, secret)| verify_with(secret, r).is_ok());
    let delivered = eventually(Duration::from_secs(30), || async {
        let pairs: BTreeSet<(usize, String)> = receiver.received()[before..]
            .iter()
            .map(|r| (endpoint_of(r).expect("every delivery verifies"), r.event_id()))
            .collect();
        (pairs.len() == 9).then_some(pairs)
    })
    .await;
    let expected: BTreeSet<(usize, String)> =
        (0..3).flat_map(|i| emitted.iter().map(move |e| (i, e.clone()))).collect();
    assert_eq!(delivered, expected, "the interrupted attempts and the queued ones all arrived");
}

#[tokio::test]
async fn hostile_retry_after_from_an_endpoint_is_recorded_and_bounded() {
    let server = Server::start(&["--retry-schedule", "1h"]);
    let values = [
        "1e20",
        "12345678901234567890",
        "99999999999999999999999999999999999999999",
        "-5",
        "NaN",
        "inf",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "soon",
    ];
    let mut ids = Vec::new();
    for value in values {
        let value = value.to_owned();
        let receiver =
            Receiver::scripted(move |_, _| (503, vec![("retry-after", value.clone())], Duration::ZERO)).await;
        ids.push((endpoint(&server, &receiver.url, &["*"]).await.0, receiver));
    }
    server.emit("email.queued").await;
    let webhooks = server.webhooks();
    let day_from_now = SystemTime::now() + Duration::from_secs(24 * 3600 + 60);
    for ((id, _), value) in ids.iter().zip(values) {
        let log = eventually(LIMIT, || async {
            let log = webhooks.deliveries(id, &ListParams::default()).await.unwrap().data;
            (log.len() == 1).then_some(log)
        })
        .await;
        assert_eq!(log[0].status_code, Some(503), "{value}");
        let next = log[0].next_attempt_at.as_deref().unwrap_or_else(|| panic!("{value}: no retry planned"));
        let next = humantime::parse_rfc3339(next).unwrap();
        assert!(next <= day_from_now, "{value}: the retry waits at most a day, not {next:?}");
        assert_eq!(webhooks.get(id).await.unwrap().consecutive_failures, 1, "{value}");
    }
    // A test call meeting the same answer reports it instead of dropping the connection.
    let result = webhooks.test(&ids[0].0).await.unwrap();
    assert_eq!((result.success, result.status_code), (false, Some(503)));
}
