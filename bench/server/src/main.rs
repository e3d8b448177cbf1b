//! Delivery benchmark of send0-server (run by `make bench-server`):
//! - fan-out: 1 event to 100 endpoints, repeated;
//! - backlog: 10,000 events to 1 endpoint.
//!
//! Both run with `--db` on a file, to a local receiver that verifies every signature, and report
//! deliveries per second and event-to-receipt latency (p50, p99).
//!
//! Usage: `send0-bench-server [--events 10000] [--rounds 20]` (send0-server is taken from the
//! same target directory as this binary).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use futures_util::StreamExt;
use send0::client::CreateWebhookParams;
use send0::webhooks::{Verifier, WebhookHeaders};

const KEY: &str = "sk_test_send0_local";

struct Receipt {
    endpoint: usize,
    event_id: String,
    at: Instant,
}

#[derive(Default)]
struct Sink {
    receipts: Mutex<Vec<Receipt>>,
    verifiers: Mutex<HashMap<usize, Verifier>>,
    rejected: Mutex<usize>,
}

async fn receive(
    State(sink): State<Arc<Sink>>,
    Path(n): Path<usize>,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let at = Instant::now();
    let verified = {
        let verifiers = sink.verifiers.lock().unwrap();
        verifiers.get(&n).map(|v| v.verify(&body, &WebhookHeaders::from(&headers)).map(|e| e.id))
    };
    match verified {
        Some(Ok(event_id)) => sink.receipts.lock().unwrap().push(Receipt { endpoint: n, event_id, at }),
        _ => *sink.rejected.lock().unwrap() += 1,
    }
    "ok"
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, deliveries: usize, elapsed: Duration, mut latencies: Vec<Duration>) {
    latencies.sort();
    println!(
        "| {name} | {deliveries} | {:.0} | {:.1} | {:.1} | {:.1} |",
        deliveries as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
}

async fn wait_for(sink: &Sink, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while sink.receipts.lock().unwrap().len() < count {
        assert!(Instant::now() < deadline, "deliveries did not arrive in time");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::main]
async fn main() {
    let events = arg("--events", 10_000);
    let rounds = arg("--rounds", 20);
    let dir = std::env::temp_dir().join(format!("send0-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server_bin: PathBuf = std::env::current_exe().unwrap().with_file_name("send0-server");
    let ready = dir.join("ready");
    let mut server = Command::new(&server_bin)
        .args(["--port", "0", "--db"])
        .arg(dir.join("bench.db"))
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", server_bin.display()));
    while std::fs::read_to_string(&ready).map(|s| s.is_empty()).unwrap_or(true) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let base = std::fs::read_to_string(&ready).unwrap();

    let sink = Arc::new(Sink::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/hook/{n}", post(receive)).with_state(sink.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = send0::Client::builder().api_key(KEY).base_url(&base).build().unwrap();
    let webhooks = client.webhooks();
    let http = reqwest::Client::new();
    let emit = |event_type: &'static str| {
        let http = http.clone();
        let url = format!("{base}/v1/events");
        async move {
            let started = Instant::now();
            let response = http
                .post(url)
                .bearer_auth(KEY)
                .body(format!(r#"{{"type":"{event_type}"}}"#))
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            (body["event_id"].as_str().unwrap().to_owned(), started)
        }
    };

    println!("| scenario | deliveries | deliveries/s | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");

    // Fan-out: one event to 100 endpoints, `rounds` times.
    let mut ids = Vec::new();
    for n in 0..100 {
        let ep = webhooks.create(&CreateWebhookParams::new(format!("{receiver}/hook/{n}"))).await.unwrap();
        sink.verifiers.lock().unwrap().insert(n, Verifier::new(ep.secret.expose()).unwrap());
        ids.push(ep.id.clone());
    }
    let mut latencies = Vec::new();
    let mut busy = Duration::ZERO;
    for round in 0..rounds {
        let (_, started) = emit("email.delivered").await;
        wait_for(&sink, (round + 1) * 100).await;
        let receipts = sink.receipts.lock().unwrap();
        let this_round = &receipts[round * 100..];
        latencies.extend(this_round.iter().map(|r| r.at - started));
        busy += this_round.iter().map(|r| r.at).max().unwrap() - started;
    }
    report("1 event → 100 endpoints", rounds * 100, busy, latencies);
    for id in &ids {
        webhooks.delete(id).await.unwrap();
    }
    sink.receipts.lock().unwrap().clear();

    // Backlog: `events` events to one endpoint, emitted 16 at a time.
    let ep = webhooks.create(&CreateWebhookParams::new(format!("{receiver}/hook/1000"))).await.unwrap();
    sink.verifiers.lock().unwrap().insert(1000, Verifier::new(ep.secret.expose()).unwrap());
    let first = Instant::now();
    let emitted: HashMap<String, Instant> =
        futures_util::stream::iter((0..events).map(|_| emit("email.opened")))
            .buffer_unordered(16)
            .collect()
            .await;
    wait_for(&sink, events).await;
    let receipts = sink.receipts.lock().unwrap();
    let latencies: Vec<Duration> = receipts.iter().map(|r| r.at - emitted[&r.event_id]).collect();
    let elapsed = receipts.iter().map(|r| r.at).max().unwrap() - first;
    assert!(receipts.iter().all(|r| r.endpoint == 1000));
    report(&format!("{events} events → 1 endpoint"), events, elapsed, latencies);
    println!("\nrejected signatures: {}", sink.rejected.lock().unwrap());

    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
