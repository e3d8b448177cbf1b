mod common;

// What keeps one tenant, or one hostile receiver, from hurting the others: per-workspace fair
// delivery slots, the bounds on attempts in flight, and the egress policy.

use std::time::{Duration, Instant};

use common::{Receiver, Server, TempDir, eventually};
use send0::client::{CreateWebhookParams, ListParams};
use serde_json::json;

const ADMIN_A: &str = "sk_test_admin_a";
const ADMIN_B: &str = "sk_test_admin_b";
const LIMIT: Duration = Duration::from_secs(20);

/// A server with a managing key in ws_a and one in ws_b.
fn two_workspaces(args: &[&str]) -> Server {
    let dir = TempDir::new("limits");
    let path = dir.keys_file(&[(ADMIN_A, "ws_a", "manage"), (ADMIN_B, "ws_b", "manage")]);
    let mut all = vec!["--keys", path.as_str()];
    all.extend_from_slice(args);
    Server::start_in(dir, &all)
}

async fn endpoints(server: &Server, key: &str, url: &str, count: usize) -> Vec<String> {
    let webhooks = server.client(key).webhooks();
    let mut ids = Vec::new();
    for _ in 0..count {
        ids.push(webhooks.create(&CreateWebhookParams::new(url)).await.unwrap().id.clone());
    }
    ids
}

async fn emit(server: &Server, key: &str, event_type: &str) {
    let (status, _, body) =
        server.call("POST", "/v1/events", Some(key), Some(&json!({"type": event_type}).to_string())).await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn one_workspaces_tarpits_do_not_starve_another() {
    let server = two_workspaces(&[]);
    let tarpit = Receiver::scripted(|_, _| (200, vec![], Duration::from_secs(10))).await;
    let fast = Receiver::ok().await;
    endpoints(&server, ADMIN_A, &tarpit.url, 100).await;
    let b = endpoints(&server, ADMIN_B, &fast.url, 1).await;
    emit(&server, ADMIN_A, "email.queued").await;
    // ws_a's 100 slow deliveries hold every slot ws_a may have...
    tarpit.wait_for(16, LIMIT).await;
    // ...and ws_b's event still arrives at once, as does its test call.
    let started = Instant::now();
    emit(&server, ADMIN_B, "email.delivered").await;
    fast.wait_for(1, Duration::from_secs(2)).await;
    let waited = started.elapsed();
    let test = server.client(ADMIN_B).webhooks().test(&b[0]).await.unwrap();
    assert!(test.success, "{test:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "ws_b waited {:?} (event after {waited:?})",
        started.elapsed()
    );
    assert_eq!(tarpit.max_concurrent(), 16, "ws_a held exactly its share of the slots");
}

#[tokio::test]
async fn attempts_in_flight_are_bounded_per_workspace_and_in_all() {
    // One workspace: at most --max-in-flight-per-workspace at once.
    let server = two_workspaces(&["--max-in-flight-per-workspace", "4"]);
    let slow = Receiver::scripted(|_, _| (200, vec![], Duration::from_millis(300))).await;
    endpoints(&server, ADMIN_A, &slow.url, 20).await;
    emit(&server, ADMIN_A, "email.queued").await;
    slow.wait_for(20, LIMIT).await;
    eventually(LIMIT, || async { (slow.max_concurrent() == 4).then_some(()) }).await;

    // Two workspaces: at most --max-in-flight in all.
    let server = two_workspaces(&["--max-in-flight", "3", "--max-in-flight-per-workspace", "4"]);
    let slow = Receiver::scripted(|_, _| (200, vec![], Duration::from_millis(300))).await;
    endpoints(&server, ADMIN_A, &slow.url, 10).await;
    endpoints(&server, ADMIN_B, &slow.url, 10).await;
    emit(&server, ADMIN_A, "email.queued").await;
    emit(&server, ADMIN_B, "email.queued").await;
    slow.wait_for(20, LIMIT).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(slow.max_concurrent(), 3);
}

#[tokio::test]
async fn deliveries_never_reach_a_refused_address() {
    // Loopback is refused here so that the test needs no other address: by name (checked by the
    // resolver at connect time) and as a literal.
    let server =
        Server::start(&["--deny-egress", "127.0.0.0/8", "--deny-egress", "::1/128", "--retry-schedule", ""]);
    let receiver = Receiver::ok().await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let webhooks = server.webhooks();
    for url in [receiver.url.clone(), by_name] {
        let id = webhooks.create(&CreateWebhookParams::new(&url)).await.unwrap().id.clone();
        let result = webhooks.test(&id).await.unwrap();
        let error = result.error.clone().unwrap_or_default();
        assert!(!result.success && error.contains("egress policy"), "{url}: {result:?}");
        server.emit("email.queued").await;
        let log = eventually(LIMIT, || async {
            let log = webhooks.deliveries(&id, &ListParams::default()).await.unwrap().data;
            (!log.is_empty()).then_some(log)
        })
        .await;
        assert!(log[0].error.as_deref().unwrap_or("").contains("egress policy"), "{url}: {log:?}");
    }
    assert!(receiver.received().is_empty(), "no connection reached the refused address");
}

#[tokio::test]
async fn absurd_answers_from_receivers_are_recorded_as_failures() {
    let server = Server::start(&["--retry-schedule", "1h", "--delivery-timeout", "1s"]);
    let webhooks = server.webhooks();
    // Status 999, a redirect (not followed), a 1 GiB body announced and never sent, and a hang.
    let cases: Vec<(Receiver, &str)> = vec![
        (Receiver::always(999).await, "999"),
        (
            Receiver::scripted(|_, _| {
                (302, vec![("location", "http://127.0.0.1:9/x".into())], Duration::ZERO)
            })
            .await,
            "302",
        ),
        (Receiver::scripted(|_, _| (200, vec![], Duration::from_secs(30))).await, "no response"),
    ];
    let mut ids = Vec::new();
    for (receiver, _) in &cases {
        ids.push(webhooks.create(&CreateWebhookParams::new(&receiver.url)).await.unwrap().id.clone());
    }
    server.emit("email.queued").await;
    for (id, (_, expected)) in ids.iter().zip(&cases) {
        let log = eventually(LIMIT, || async {
            let log = webhooks.deliveries(id, &ListParams::default()).await.unwrap().data;
            (!log.is_empty()).then_some(log)
        })
        .await;
        assert!(log[0].error.as_deref().unwrap_or("").contains(expected), "{expected}: {log:?}");
        assert_eq!(webhooks.get(id).await.unwrap().consecutive_failures, 1);
    }
    // The server still answers.
    assert_eq!(server.call("GET", "/health", None, None).await.0, 200);
}
