//! Resource bounds of send0-server under hostile load (run by `make bench-server`):
//! - memory: one 900 KiB event fanned out to 500 slow endpoints of one workspace; the server's
//!   peak RSS (VmHWM) against a stated bound, while another workspace's `GET /v1/webhooks` is timed;
//! - fairness: 100 endpoints of workspace A that answer after 10 s, then one event to a fast
//!   endpoint of workspace B; the time until B's receiver has it, and B's `test` call.
//!
//! Usage: `send0-bench-bounds [--server PATH]` (default: send0-server beside this binary).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use send0::client::CreateWebhookParams;

const ADMIN_A: &str = "sk_test_bench_admin_a";
const ADMIN_B: &str = "sk_test_bench_admin_b";
const ENDPOINTS: usize = 500;
const EVENT_BYTES: usize = 900 * 1024;
const TARPITS: usize = 100;

/// A receiver whose `/slow/{ms}/{tag}` answers after `ms` milliseconds; it counts what each tag
/// got (so a late answer to an earlier scenario never counts for a later one).
#[derive(Default)]
struct Sink {
    received: Mutex<HashMap<String, usize>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl Sink {
    fn received(&self, tag: &str) -> usize {
        self.received.lock().unwrap().get(tag).copied().unwrap_or(0)
    }
}

async fn receive(State(sink): State<Arc<Sink>>, Path((ms, tag)): Path<(u64, String)>) -> &'static str {
    let now = sink.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    sink.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    sink.in_flight.fetch_sub(1, Ordering::SeqCst);
    *sink.received.lock().unwrap().entry(tag).or_insert(0) += 1;
    "ok"
}

/// `VmHWM` (peak) and `VmRSS` of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn start_server(bin: &PathBuf, dir: &std::path::Path) -> (Child, String) {
    let keys = dir.join("keys.json");
    let entries = serde_json::json!([
        {"key": ADMIN_A, "workspace": "ws_a", "scopes": ["platform:webhooks:manage"]},
        {"key": ADMIN_B, "workspace": "ws_b", "scopes": ["platform:webhooks:manage"]},
    ]);
    std::fs::write(&keys, entries.to_string()).unwrap();
    let ready = dir.join("ready");
    let _ = std::fs::remove_file(&ready);
    let child = Command::new(bin)
        .args(["--port", "0", "--keys"])
        .arg(&keys)
        .arg("--db")
        .arg(dir.join(format!("bench-{}.db", std::process::id())))
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    while std::fs::read_to_string(&ready).map(|s| s.is_empty()).unwrap_or(true) {
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, std::fs::read_to_string(&ready).unwrap())
}

async fn create_endpoints(base: &str, key: &str, url: &str, count: usize) -> Vec<String> {
    let webhooks = send0::Client::builder().api_key(key).base_url(base).build().unwrap().webhooks();
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        ids.push(webhooks.create(&CreateWebhookParams::new(url)).await.unwrap().id.clone());
    }
    ids
}

async fn emit(http: &reqwest::Client, base: &str, key: &str, body: String) {
    let response = http.post(format!("{base}/v1/events")).bearer_auth(key).body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 202, "{}", response.text().await.unwrap_or_default());
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .iter()
        .position(|a| a == "--server")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_exe().unwrap().with_file_name("send0-server"));
    let dir = std::env::temp_dir().join(format!("send0-bench-bounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let sink = Arc::new(Sink::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/slow/{ms}/{tag}", post(receive)).with_state(sink.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::new();

    // Memory: 500 endpoints × one 900 KiB event, each endpoint answering after 300 ms.
    let (mut server, base) = start_server(&bin, &dir);
    let pid = server.id();
    create_endpoints(&base, ADMIN_A, &format!("{receiver}/slow/300/memory"), ENDPOINTS).await;
    let (_, rss_before) = memory_kib(pid);
    let blob = "x".repeat(EVENT_BYTES);
    let event = serde_json::json!({"type": "email.delivered", "data": {"blob": blob}}).to_string();
    let started = Instant::now();
    emit(&http, &base, ADMIN_A, event).await;
    let mut get_times = Vec::new();
    while sink.received("memory") < ENDPOINTS {
        assert!(started.elapsed() < Duration::from_secs(600), "the deliveries did not finish");
        let asked = Instant::now();
        let response =
            http.get(format!("{base}/v1/webhooks?limit=1")).bearer_auth(ADMIN_B).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        get_times.push(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered_in = started.elapsed();
    let (peak, rss_after) = memory_kib(pid);
    get_times.sort();
    let most = sink.most_in_flight.load(Ordering::SeqCst);
    println!(
        "memory: {ENDPOINTS} endpoints × a {} KiB event, receivers answering after 300 ms",
        EVENT_BYTES / 1024
    );
    println!(
        "  delivered all {ENDPOINTS} in {:.1} s, at most {most} attempts in flight",
        delivered_in.as_secs_f64()
    );
    println!(
        "  server RSS: {:.1} MiB before the event, peak {:.1} MiB, {:.1} MiB after",
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    println!(
        "  other workspace's GET /v1/webhooks meanwhile: {} requests, p50 {:.1} ms, max {:.1} ms",
        get_times.len(),
        get_times[get_times.len() / 2].as_secs_f64() * 1e3,
        get_times.last().unwrap().as_secs_f64() * 1e3
    );
    let _ = server.kill();
    let _ = server.wait();

    // Fairness: A's 100 tarpits hold A's slots for 10 s; B's event and test must not wait.
    let (mut server, base) = start_server(&bin, &dir);
    // The memory scenario's last answers must not count here.
    while sink.in_flight.load(Ordering::SeqCst) > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    create_endpoints(&base, ADMIN_A, &format!("{receiver}/slow/10000/tarpit"), TARPITS).await;
    let b = create_endpoints(&base, ADMIN_B, &format!("{receiver}/slow/0/fast"), 1).await;
    emit(&http, &base, ADMIN_A, r#"{"type":"email.queued"}"#.to_owned()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tarpits_in_flight = sink.in_flight.load(Ordering::SeqCst);
    let started = Instant::now();
    emit(&http, &base, ADMIN_B, r#"{"type":"email.queued"}"#.to_owned()).await;
    while sink.received("fast") == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "B's event never arrived");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let b_event = started.elapsed();
    let asked = Instant::now();
    let webhooks = send0::Client::builder().api_key(ADMIN_B).base_url(&base).build().unwrap().webhooks();
    let test = webhooks.test(&b[0]).await.unwrap();
    let b_test = asked.elapsed();
    println!("fairness: {TARPITS} endpoints of ws_a answering after 10 s, one fast endpoint of ws_b");
    println!("  ws_a attempts in flight after 0.5 s: {tarpits_in_flight}");
    println!("  ws_b's event reached its receiver after {:.1} ms", b_event.as_secs_f64() * 1e3);
    println!("  ws_b's test call: success {} in {:.1} ms", test.success, b_test.as_secs_f64() * 1e3);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
