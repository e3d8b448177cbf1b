//! The harness of the server's tests: the real `send0-server` binary on a free loopback port, a
//! webhook receiver whose replies each test scripts, and a raw HTTP helper for exact bodies.
#![allow(dead_code)] // each test file uses its own part of the harness

pub mod api;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::Notify;

pub const KEY: &str = "sk_test_send0_local";

/// The egress policy of every test server: every address refused but loopback's.
const LOOPBACK_ONLY: [&str; 8] = [
    "--deny-egress",
    "0.0.0.0/0",
    "--deny-egress",
    "::/0",
    "--allow-egress",
    "127.0.0.0/8",
    "--allow-egress",
    "::1/128",
];

/// A scratch directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "send0-server-test-{label}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes a `--keys` file of (key, workspace, "read" | "manage") here; returns its path.
    pub fn keys_file(&self, keys: &[(&str, &str, &str)]) -> String {
        let entries: Vec<Value> = keys
            .iter()
            .map(|(key, workspace, scope)| {
                serde_json::json!({"key": key, "workspace": workspace, "scopes": [format!("platform:webhooks:{scope}")]})
            })
            .collect();
        let path = self.path("keys.json");
        std::fs::write(&path, Value::Array(entries).to_string()).unwrap();
        path.to_str().unwrap().to_owned()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `send0-server` process.
pub struct Server {
    child: Child,
    pub url: String,
    dir: TempDir,
}

impl Server {
    /// Starts the binary with `args` plus `--port 0 --ready-file …` and waits until it listens.
    pub fn start(args: &[&str]) -> Server {
        let dir = TempDir::new("server");
        Self::start_in(dir, args)
    }

    /// Like [`Server::start`], with a scratch directory the caller made (to share a `--db`).
    pub fn start_in(dir: TempDir, args: &[&str]) -> Server {
        let ready = dir.path(&format!("ready-{}", uuid::Uuid::new_v4().simple()));
        let child = Command::new(env!("CARGO_BIN_EXE_send0-server"))
            // Tests reach loopback only, whatever URLs they register (a test may deny more).
            .args(LOOPBACK_ONLY)
            .args(args)
            .args(["--port", "0", "--ready-file"])
            .arg(&ready)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the send0-server binary starts");
        let started = Instant::now();
        while !ready.exists() || std::fs::read_to_string(&ready).unwrap_or_default().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(20), "send0-server did not become ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        let url = std::fs::read_to_string(&ready).unwrap();
        Server { child, url, dir }
    }

    /// The scratch directory (e.g. for `--db`).
    pub fn dir(&self) -> &Path {
        &self.dir.0
    }

    /// Kills the process with SIGKILL (no chance to clean up) and hands back its directory.
    pub fn kill(mut self) -> TempDir {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let dir = std::mem::replace(&mut self.dir, TempDir(PathBuf::new()));
        std::mem::forget(self);
        dir
    }

    /// An SDK client for this server.
    pub fn client(&self, key: &str) -> send0::Client {
        send0::Client::builder().api_key(key).base_url(&self.url).max_retries(0).build().unwrap()
    }

    /// The webhooks resource with the default key.
    pub fn webhooks(&self) -> send0::client::Webhooks {
        self.client(KEY).webhooks()
    }

    /// A raw request: `(status, headers, JSON body or Null)`.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let http = reqwest::Client::new();
        let mut request = http.request(method.parse().unwrap(), format!("{}{path}", self.url));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Emits an event through `POST /v1/events`; returns its id.
    pub async fn emit(&self, event_type: &str) -> String {
        let (status, _, body) =
            self.call("POST", "/v1/events", Some(KEY), Some(&format!(r#"{{"type":"{event_type}"}}"#))).await;
        assert_eq!(status, 202, "{body}");
        body["event_id"].as_str().unwrap().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One delivery the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn event_id(&self) -> String {
        self.json()["eventId"].as_str().unwrap().to_owned()
    }
}

/// How the receiver answers its `n`th delivery (0-based): status, extra headers, delay.
pub type Script = dyn Fn(usize, &Received) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync;

struct ReceiverState {
    received: Mutex<Vec<Received>>,
    script: Mutex<Arc<Script>>,
    arrived: Notify,
    /// Requests being answered now, and the most there ever were at once.
    concurrency: Mutex<(usize, usize)>,
}

/// A webhook receiver on a free loopback port.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    /// A receiver that answers 200 to everything.
    pub async fn ok() -> Receiver {
        Receiver::scripted(|_, _| (200, vec![], Duration::ZERO)).await
    }

    /// A receiver that answers `status` to everything.
    pub async fn always(status: u16) -> Receiver {
        Receiver::scripted(move |_, _| (status, vec![], Duration::ZERO)).await
    }

    pub async fn scripted(
        script: impl Fn(usize, &Received) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync + 'static,
    ) -> Receiver {
        let state = Arc::new(ReceiverState {
            received: Mutex::new(Vec::new()),
            script: Mutex::new(Arc::new(script)),
            arrived: Notify::new(),
            concurrency: Mutex::new((0, 0)),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let router = Router::new().route("/hook", post(receive)).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Receiver { url, state }
    }

    /// Replaces the script (for deliveries from now on).
    pub fn set_script(
        &self,
        script: impl Fn(usize, &Received) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync + 'static,
    ) {
        *self.state.script.lock().unwrap() = Arc::new(script);
    }

    /// The most deliveries this receiver was answering at once.
    pub fn max_concurrent(&self) -> usize {
        self.state.concurrency.lock().unwrap().1
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits until `count` deliveries have arrived (panics after `limit`).
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let arrived = self.state.arrived.notified();
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "waited {limit:?} for {count} deliveries, got {}", received.len());
            let _ = tokio::time::timeout(left, arrived).await;
        }
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap) {
    let received = Received { at: Instant::now(), headers, body };
    let (n, script) = {
        let mut all = state.received.lock().unwrap();
        all.push(received.clone());
        (all.len() - 1, state.script.lock().unwrap().clone())
    };
    state.arrived.notify_waiters();
    let (status, extra, delay) = script(n, &received);
    {
        let mut concurrency = state.concurrency.lock().unwrap();
        concurrency.0 += 1;
        concurrency.1 = concurrency.1.max(concurrency.0);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    state.concurrency.lock().unwrap().0 -= 1;
    let mut reply = HeaderMap::new();
    for (name, value) in extra {
        reply.insert(name, value.parse().unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), reply)
}

/// Polls `check` until it returns Some (panics after `limit`).
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "condition not met within {limit:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
