//! The harness of the CLI's end-to-end tests: the real `send0-server` binary on a free loopback
//! port, the `send0` binary under test pointed at it, a webhook receiver whose answers each test
//! scripts, and `send0 listen` as a child process whose lines the tests read.
#![allow(dead_code)] // each test file uses its own part of the harness

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use send0::webhooks::{Verifier, WebhookHeaders};
use serde_json::Value;

/// The key `send0-server` accepts by default (the CLI's default too).
pub const KEY: &str = "sk_test_send0_local";

/// Longest any test waits for something to happen before failing (a guard against a hung test,
/// not a timing assertion).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Every address refused to deliveries but loopback's, as in the server's own tests.
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

/// The environment the CLI reads, cleared for every command so that a developer's own settings
/// never leak into a test.
const CLI_ENV: [&str; 6] =
    ["SEND0_API_KEY", "SEND0_BASE_URL", "SEND0_WEBHOOK_SECRET", "NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR"];

/// The `send0` binary under test.
pub fn send0_bin() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("send0")
}

/// `send0-server`, built beside the CLI in the same target directory: `cargo test --workspace`
/// builds it, as does `cargo build -p send0-server`.
pub fn server_bin() -> PathBuf {
    let path = send0_bin().with_file_name(format!("send0-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p send0-server` (cargo test --workspace does)",
        path.display()
    );
    path
}

/// `send0` with a clean environment and no server: for the commands that need none.
pub fn send0() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(send0_bin());
    for name in CLI_ENV {
        command.env_remove(name);
    }
    command.timeout(PATIENCE);
    command
}

/// A scratch directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "send0-cli-test-{label}-{}-{}",
            std::process::id(),
            uuid_like()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
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

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{nanos}-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

/// A running `send0-server` process, killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    _dir: TempDir,
}

impl Server {
    /// The server with a retry schedule of an hour: nothing it delivers is retried during a test,
    /// so every request a receiver gets was made by what the test runs.
    pub fn start() -> Server {
        Self::start_with(&["--retry-schedule", "1h"])
    }

    pub fn start_with(args: &[&str]) -> Server {
        let dir = TempDir::new("server");
        let ready = dir.path("ready");
        let child = Command::new(server_bin())
            .args(LOOPBACK_ONLY)
            .args(args)
            .args(["--port", "0", "--ready-file"])
            .arg(&ready)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the send0-server binary starts");
        let started = Instant::now();
        while std::fs::read_to_string(&ready).unwrap_or_default().is_empty() {
            assert!(started.elapsed() < PATIENCE, "send0-server did not become ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        let url = std::fs::read_to_string(&ready).unwrap();
        Server { child, url, _dir: dir }
    }

    /// `send0` pointed at this server (through `SEND0_BASE_URL`, with the default key).
    pub fn send0(&self) -> assert_cmd::Command {
        let mut command = send0();
        command.env("SEND0_BASE_URL", &self.url);
        command
    }

    /// An SDK client for this server, to set up and check what the CLI did.
    pub fn client(&self) -> send0::Client {
        send0::Client::builder().api_key(KEY).base_url(&self.url).max_retries(0).build().unwrap()
    }

    /// Runs `future` to completion on a runtime of its own.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }

    /// Creates an endpoint for every event at `url`; returns its id and secret.
    pub fn endpoint(&self, url: &str) -> (String, String) {
        let created = self
            .block_on(self.client().webhooks().create(&send0::client::CreateWebhookParams::new(url)))
            .unwrap();
        (created.id.clone(), created.secret.expose().to_owned())
    }

    /// Every endpoint of the default key's workspace.
    pub fn endpoints(&self) -> Vec<send0::client::WebhookEndpoint> {
        let page = send0::client::ListParams { limit: Some(100), cursor: None };
        self.block_on(self.client().webhooks().list(&page)).unwrap().data
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Verifies the request with the core against `secret` and returns its envelope.
    pub fn verified(&self, secret: &str) -> Value {
        Verifier::new(secret)
            .unwrap()
            .verify(&self.body, &WebhookHeaders::from(&self.headers))
            .unwrap_or_else(|e| panic!("the forwarded delivery does not verify: {e}"));
        serde_json::from_slice(&self.body).unwrap()
    }
}

struct Shared {
    script: Mutex<VecDeque<u16>>,
    requests: Mutex<Vec<Recorded>>,
}

/// A webhook receiver on 127.0.0.1: answers each request with the next status of its script
/// (200 once the script is used up) and records it.
pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    pub fn start(script: &[u16]) -> Receiver {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let shared = Arc::new(Shared {
            script: Mutex::new(script.iter().copied().collect()),
            requests: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new().fallback(receive).with_state(shared.clone());
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, shared, _runtime: runtime }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived and returns them.
    pub fn wait_for(&self, n: usize) -> Vec<Recorded> {
        let started = Instant::now();
        loop {
            let requests = self.requests();
            if requests.len() >= n {
                return requests;
            }
            assert!(started.elapsed() < PATIENCE, "the receiver got {} request(s), not {n}", requests.len());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    shared.requests.lock().unwrap().push(Recorded { headers, body });
    let status = shared.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// A loopback URL where nothing listens (a port just released).
pub fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/webhooks", listener.local_addr().unwrap())
}

/// `send0 listen --json` as a child process: its stderr read up to "Ready.", its stdout lines
/// (one JSON object per delivery) read as they come.
pub struct Listen {
    child: Child,
    /// The temporary endpoint's id.
    pub endpoint: String,
    /// The listener's own URL.
    pub url: String,
    /// The signing secret, with --print-secret.
    pub secret: Option<String>,
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Listen {
    /// Starts `send0 listen --json ARGS…` against `server` and waits until it is ready.
    pub fn start(server: &Server, args: &[&str]) -> Listen {
        let mut command = Command::new(send0_bin());
        for name in CLI_ENV {
            command.env_remove(name);
        }
        let mut child = command
            .env("SEND0_BASE_URL", &server.url)
            .args(["listen", "--json"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("send0 listen starts");
        let (line_tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let shared = stderr_lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("Ready.") {
                    let _ = ready_tx.send(());
                }
                shared.lock().unwrap().push(line);
            }
        });
        if ready.recv_timeout(PATIENCE).is_err() {
            let _ = child.kill();
            panic!("send0 listen did not become ready: {:?}", stderr_lines.lock().unwrap());
        }
        let find = |prefix: &str| {
            stderr_lines.lock().unwrap().iter().find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
        };
        let temporary = find("Temporary endpoint ").expect("listen names its endpoint");
        let mut words = temporary.split(' ');
        let endpoint = words.next().unwrap().to_owned();
        assert_eq!(words.next(), Some("at"));
        let url = words.next().unwrap().to_owned();
        let secret = find("Signing secret: ");
        Listen { child, endpoint, url, secret, lines, stderr: stderr_lines }
    }

    /// The next delivery line, as JSON.
    pub fn next_line(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("no line from send0 listen; stderr: {:?}", self.stderr()));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
    }

    /// True when no line arrives within `wait`.
    pub fn quiet_for(&self, wait: Duration) -> bool {
        self.lines.recv_timeout(wait).is_err()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends `signal` (INT, TERM) to the process, as Ctrl-C or a service manager would.
    pub fn signal(&self, signal: &str) {
        let status =
            Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit.
    pub fn wait(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Give the reader thread the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            assert!(started.elapsed() < PATIENCE, "send0 listen did not exit; stderr: {:?}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The text of a command's stdout.
pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The text of a command's stderr.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A command's stdout as JSON.
pub fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout_of(output)))
}
