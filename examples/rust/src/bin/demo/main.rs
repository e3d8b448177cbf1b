//! The driver of `make demo`: for each language of the table in `table.rs`, the receiver
//! examples verify one delivery of every event type in the core's catalog
//! ([`send0::events::EVENT_TYPES`]) and refuse a forged one, then the language's management
//! example walks an endpoint through every operation against the same `send0-server`. The `cli`
//! demo does the same through the `send0` CLI: `send0 listen` forwards to the receiver and
//! `send0 trigger` emits the events.
//!
//! ```text
//! target/debug/demo [rust|server|cli|python|node|go]...   (no name: all of them, in that order)
//! ```
//!
//! It runs from the repository root, after `make build-rust` and each language's set-up (the
//! table says which), and exits non-zero when anything fails. Every process it starts is killed
//! when it ends, whether it passes, fails, or is stopped by SIGTERM, or by SIGHUP or SIGINT
//! unless those were ignored when it started (as under `nohup`, or in a background job).

mod table;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use send0::Client;
use send0::client::{CreateWebhookParams, ListParams, UpdateWebhookParams};
use send0::events::EVENT_TYPES;
use send0::webhooks::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::time::{Instant, sleep, timeout, timeout_at};

use table::{DEMOS, Demo, Need, Receiver, Sender, Step};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// The key `send0-server` accepts by default.
const API_KEY: &str = "sk_test_send0_local";
/// A delivery signed with another key: every receiver must answer 400 `invalid_signature`.
const FORGED_SIGNATURE: &str = "v1,Zm9yZ2VkIHNpZ25hdHVyZSBmb3JnZWQgc2lnbmF0dXJlIQ==";
const FORGED_BODY: &str = r#"{"eventId":"evt_forged","type":"email.delivered","service":"email","data":{},"livemode":false,"createdAt":0}"#;
/// How long a server or receiver may take to write its ready file.
const READY_WITHIN: Duration = Duration::from_secs(10);
/// How long the receivers may take to verify every delivery and exit.
const DELIVERED_WITHIN: Duration = Duration::from_secs(30);
/// How long `send_signed` or a management example may run.
const STEP_WITHIN: Duration = Duration::from_secs(120);

#[tokio::main]
async fn main() -> ExitCode {
    // Before anything is spawned, so that no child outlives a stop signal.
    let stop = StopSignals::install();
    let names: Vec<String> = std::env::args().skip(1).collect();
    let mut demos = Vec::new();
    for name in &names {
        match DEMOS.iter().find(|d| d.name == name) {
            Some(demo) => demos.push(demo),
            None => {
                let known: Vec<_> = DEMOS.iter().map(|d| d.name).collect();
                eprintln!("usage: demo [{}]...", known.join("|"));
                return ExitCode::from(2);
            }
        }
    }
    if demos.is_empty() {
        demos = DEMOS.iter().collect();
    }
    let paths = match Paths::new() {
        Ok(paths) => paths,
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    // When a stop signal wins, `run_all` is dropped and with it every child (Process::drop).
    tokio::select! {
        code = run_all(&demos, &paths) => code,
        number = stop.first() => {
            eprintln!("demo: stopped by signal {number}; every process it started is killed");
            ExitCode::from(128 + number as u8)
        }
    }
}

/// Runs each demo in turn, on to the next after a failure, then tells which passed.
async fn run_all(demos: &[&Demo], paths: &Paths) -> ExitCode {
    let mut outcomes = Vec::new();
    for demo in demos {
        let outcome = run(demo, paths).await;
        if let Err(e) = &outcome {
            eprintln!("demo {}: FAILED: {e}", demo.name);
        }
        outcomes.push((demo.name, outcome.is_ok()));
    }
    if outcomes.len() > 1 {
        println!("== demo summary");
        for (name, ok) in &outcomes {
            println!("  {name:<8} {}", if *ok { "pass" } else { "FAIL" });
        }
    }
    if outcomes.iter().all(|(_, ok)| *ok) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

async fn run(demo: &Demo, paths: &Paths) -> Result<()> {
    println!("== demo {}: {}", demo.name, demo.about);
    for need in demo.needs {
        need.check(paths)?;
    }
    if let Some(build) = &demo.build {
        println!("== {}", build.title);
        foreground(build, paths, &[], None, None).await?;
    }
    let work = WorkDir::new(demo.name)?;
    let expect = EVENT_TYPES.len();
    let mut receivers = Vec::new();
    // Dropped at the end of this function, which kills it (Process::drop), as on every error path.
    let mut _server = None;
    let mut listen = None;
    let mut client = None;
    let mut env = Vec::new();
    match demo.sender {
        Sender::SendSigned => {
            let secret = fresh_secret()?;
            for receiver in demo.receivers {
                receivers.push(Running::start(receiver, paths, &work, &secret, &env, 0).await?);
            }
            env.push(("SEND0_WEBHOOK_SECRET", secret));
            for running in &receivers {
                foreground(&SEND_SIGNED, paths, &env, Some(&running.url), Some(STEP_WITHIN)).await?;
            }
        }
        Sender::Server => {
            let (server, base) = start_server(paths, &work).await?;
            _server = Some(server);
            let api = Client::builder().api_key(API_KEY).base_url(&base).build()?;
            env.extend([("SEND0_BASE_URL", base.clone()), ("SEND0_API_KEY", API_KEY.to_owned())]);
            // Each endpoint is created first (its secret is only in that answer), then pointed at
            // its receiver once the receiver listens with that secret.
            for receiver in demo.receivers {
                let created = api.webhooks().create(&endpoint_for(receiver)).await?;
                println!("created endpoint {} (events: *) for {}", created.id, receiver.source);
                let mut running =
                    Running::start(receiver, paths, &work, created.secret.expose(), &env, 0).await?;
                let update = UpdateWebhookParams { url: Some(running.url.clone()), ..Default::default() };
                api.webhooks().update(&created.id, &update).await?;
                running.endpoint = Some(created.id.clone());
                receivers.push(running);
            }
            let http = reqwest::Client::new();
            for running in &receivers {
                running.forged_refused(&http).await?;
            }
            emit_every_type(&http, &base).await?;
            println!(
                "emitted {expect} events, one of each type in the catalog, to {} endpoint(s)",
                receivers.len()
            );
            client = Some(api);
        }
        Sender::Listen { path } => {
            let (server, base) = start_server(paths, &work).await?;
            _server = Some(server);
            let api = Client::builder().api_key(API_KEY).base_url(&base).build()?;
            env.extend([("SEND0_BASE_URL", base.clone()), ("SEND0_API_KEY", API_KEY.to_owned())]);
            // listen needs the receiver's URL and the receiver needs listen's secret: the receiver
            // gets a port picked now, and starts once listen has said its secret.
            let port = free_port()?;
            let forward_to = format!("http://127.0.0.1:{port}{path}");
            let listening = Listening::start(paths, &work, &env, &forward_to).await?;
            for receiver in demo.receivers {
                let mut running =
                    Running::start(receiver, paths, &work, &listening.secret, &env, port).await?;
                running.endpoint = Some(listening.endpoint.clone());
                receivers.push(running);
            }
            let http = reqwest::Client::new();
            for running in &receivers {
                running.forged_refused(&http).await?;
            }
            println!("== send0 trigger: one event of each type in the catalog");
            for event_type in EVENT_TYPES {
                foreground(&TRIGGER, paths, &env, Some(event_type), Some(STEP_WITHIN)).await?;
            }
            listen = Some(listening);
            client = Some(api);
        }
    }
    let (mut ok, mut summary) = check(&mut receivers, client.as_ref()).await;
    if let (Some(listening), Some(client)) = (listen, client.as_ref()) {
        match listening.stop(client).await {
            Ok(forwarded) => summary.push_str(&format!(
                "; send0 listen: forwarded {forwarded}, stopped by SIGTERM, temporary endpoint deleted"
            )),
            Err(e) => {
                eprintln!("demo: send0 listen: {e}");
                ok = false;
            }
        }
    }
    println!("summary: events sent {expect}; {summary}");
    if !ok {
        return Err(
            "not every event was delivered and verified once, with the forged delivery refused".into()
        );
    }
    if let Some(manage) = &demo.manage {
        println!("== {}", manage.title);
        foreground(manage, paths, &env, None, Some(STEP_WITHIN)).await?;
    }
    println!("== demo {}: done", demo.name);
    Ok(())
}

/// An endpoint for every event, to be pointed at `receiver` once it listens.
fn endpoint_for(receiver: &Receiver) -> CreateWebhookParams {
    CreateWebhookParams {
        url: "http://127.0.0.1:9/not-yet".into(),
        events: Some(vec!["*".into()]),
        description: Some(format!("demo: {}", receiver.label)),
        active: None,
    }
}

/// What [`Sender::SendSigned`] runs, with a receiver's URL.
const SEND_SIGNED: Step = Step { title: "", dir: ".", argv: &["{bin}/send_signed"] };
/// What [`Sender::Listen`] runs for each event type, with the type.
const TRIGGER: Step = Step { title: "", dir: ".", argv: &["{bin}/send0", "trigger"] };

/// The repository root (made the working directory) and what the table's `{bin}` and `{python}`
/// stand for.
struct Paths {
    bin: String,
    python: String,
}

impl Paths {
    fn new() -> Result<Self> {
        std::env::set_current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))?;
        let exe = std::env::current_exe()?;
        let bin = exe.parent().ok_or("the driver's own directory is unknown")?.display().to_string();
        let venv = std::env::var("PYTHON_VENV").unwrap_or_else(|_| "target/venv-python".into());
        Ok(Paths { bin, python: format!("{venv}/bin/python") })
    }

    fn expand(&self, text: &str) -> String {
        text.replace("{bin}", &self.bin).replace("{python}", &self.python)
    }

    fn argv(&self, argv: &[&str]) -> Vec<String> {
        argv.iter().map(|a| self.expand(a)).collect()
    }
}

impl Need {
    fn check(&self, paths: &Paths) -> Result<()> {
        match self {
            Need::Command { name, hint } => {
                let path = std::env::var_os("PATH").unwrap_or_default();
                if !std::env::split_paths(&path).any(|dir| dir.join(name).is_file()) {
                    return Err(format!("{name} not found: {hint}").into());
                }
            }
            Need::File { path, hint } => {
                let path = paths.expand(path);
                if !Path::new(&path).exists() {
                    return Err(format!("{path} not found: {hint}").into());
                }
            }
        }
        Ok(())
    }
}

fn command(argv: &[String]) -> Command {
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]).stdin(Stdio::null());
    command
}

/// A process the demo started. Dropping it kills and reaps it, so that no error path leaves it
/// behind, nor a stop signal (which drops the whole run).
struct Process(Child);

impl Process {
    fn spawn(command: &mut Command, shown: &str) -> Result<Self> {
        Ok(Process(command.spawn().map_err(|e| format!("{shown}: {e}"))?))
    }

    async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.0.try_wait()? {
                return Ok(status);
            }
            sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs a step in the foreground, its output on ours, with `extra` after its arguments, within
/// `limit` when there is one.
async fn foreground(
    step: &Step,
    paths: &Paths,
    env: &[(&str, String)],
    extra: Option<&str>,
    limit: Option<Duration>,
) -> Result<()> {
    let mut argv = paths.argv(step.argv);
    argv.extend(extra.map(str::to_owned));
    let shown = argv.join(" ");
    let mut child =
        Process::spawn(command(&argv).current_dir(step.dir).envs(env.iter().map(|(k, v)| (k, v))), &shown)?;
    let status = match limit {
        None => child.wait().await?,
        Some(limit) => timeout(limit, child.wait())
            .await
            .map_err(|_| format!("{shown} did not finish within {} s", limit.as_secs()))??,
    };
    if !status.success() {
        return Err(format!("{shown} failed ({status})").into());
    }
    Ok(())
}

/// `send0-server` on a free port, with a short retry schedule; returns it and its base URL.
async fn start_server(paths: &Paths, work: &WorkDir) -> Result<(Process, String)> {
    let argv = paths.argv(&["{bin}/send0-server"]);
    if !Path::new(&argv[0]).exists() {
        return Err(format!("{} not found: run make build-rust", argv[0]).into());
    }
    println!("== send0-server: the local send0 API");
    let (ready, log) = (work.path("server.url"), work.path("server.log"));
    let mut server = Process::spawn(
        command(&argv)
            .args(["--port", "0", "--retry-schedule", "1s,2s,5s", "--ready-file"])
            .arg(&ready)
            .stdout(output(&log)?)
            .stderr(output(&log)?),
        &argv[0],
    )?;
    let base = wait_ready(&mut server, &ready, "send0-server", &[&log]).await?;
    show(&log);
    Ok((server, base))
}

/// Waits for `child` to write its URL into `ready`; shows `logs` if it exits or takes too long.
async fn wait_ready(child: &mut Process, ready: &Path, what: &str, logs: &[&Path]) -> Result<String> {
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        let url = std::fs::read_to_string(ready).unwrap_or_default();
        if !url.trim().is_empty() {
            return Ok(url.trim().to_owned());
        }
        let exited = child.0.try_wait()?;
        if exited.is_some() || Instant::now() > deadline {
            logs.iter().for_each(|log| show(log));
            let why = exited
                .map_or(format!("not ready after {} s", READY_WITHIN.as_secs()), |s| format!("exited ({s})"));
            return Err(format!("{what} {why}").into());
        }
        sleep(Duration::from_millis(50)).await;
    }
}

/// A receiver example, listening.
struct Running {
    receiver: &'static Receiver,
    child: Process,
    url: String,
    log: PathBuf,
    err: PathBuf,
    /// Its endpoint on the server, when the server delivers.
    endpoint: Option<String>,
}

impl Running {
    async fn start(
        receiver: &'static Receiver,
        paths: &Paths,
        work: &WorkDir,
        secret: &str,
        env: &[(&str, String)],
        port: u16,
    ) -> Result<Self> {
        let name = receiver.source.rsplit('/').next().unwrap_or(receiver.source);
        let (ready, log, err) = (
            work.path(&format!("{name}.url")),
            work.path(&format!("{name}.log")),
            work.path(&format!("{name}.err")),
        );
        let mut child = Process::spawn(
            command(&paths.argv(receiver.argv))
                .args([
                    "--port",
                    &port.to_string(),
                    "--expect",
                    &EVENT_TYPES.len().to_string(),
                    "--ready-file",
                ])
                .arg(&ready)
                .envs(env.iter().map(|(k, v)| (k, v)))
                .env("SEND0_WEBHOOK_SECRET", secret)
                .stdout(output(&log)?)
                .stderr(output(&err)?),
            receiver.label,
        )?;
        let url = wait_ready(&mut child, &ready, &format!("the {}", receiver.label), &[&log, &err]).await?;
        Ok(Running { receiver, child, url, log, err, endpoint: None })
    }

    /// Posts a delivery signed with another key: it must be refused with 400 and the reason.
    async fn forged_refused(&self, http: &reqwest::Client) -> Result<()> {
        let response = http
            .post(&self.url)
            .header("content-type", "application/json")
            .header(WEBHOOK_ID, "msg_forged")
            .header(WEBHOOK_TIMESTAMP, unix_seconds().to_string())
            .header(WEBHOOK_SIGNATURE, FORGED_SIGNATURE)
            .body(FORGED_BODY)
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        println!(
            "forged delivery to the {} -> HTTP {} {}",
            self.receiver.label,
            status.as_u16(),
            body.trim_end()
        );
        if status != reqwest::StatusCode::BAD_REQUEST || !body.contains("invalid_signature") {
            return Err(format!("the {} did not refuse a forged delivery", self.receiver.label).into());
        }
        Ok(())
    }

    /// The lines of its output that start with one of `prefixes`.
    fn count(&self, prefixes: &[&str]) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|line| prefixes.iter().any(|p| line.starts_with(p))).count()
    }
}

/// `send0 listen --print-secret`, forwarding to a receiver.
struct Listening {
    child: Process,
    /// Its temporary endpoint.
    endpoint: String,
    /// The endpoint's signing secret, which the receiver verifies with.
    secret: String,
    log: PathBuf,
    err: PathBuf,
}

impl Listening {
    /// Starts listen and waits until it is ready, reading its endpoint and secret from its stderr.
    async fn start(paths: &Paths, work: &WorkDir, env: &[(&str, String)], forward_to: &str) -> Result<Self> {
        let argv = paths.argv(&["{bin}/send0", "listen", "--print-secret", "--forward-to", forward_to]);
        println!("== {}", argv.join(" "));
        let (log, err) = (work.path("listen.log"), work.path("listen.err"));
        let mut child = Process::spawn(
            command(&argv).envs(env.iter().map(|(k, v)| (k, v))).stdout(output(&log)?).stderr(output(&err)?),
            "send0 listen",
        )?;
        let deadline = Instant::now() + READY_WITHIN;
        let said = |prefix: &str| {
            let text = std::fs::read_to_string(&err).unwrap_or_default();
            text.lines().find_map(|line| line.strip_prefix(prefix).map(str::to_owned))
        };
        while said("Ready.").is_none() {
            let exited = child.0.try_wait()?;
            if exited.is_some() || Instant::now() > deadline {
                show(&err);
                return Err(format!("send0 listen did not become ready ({exited:?})").into());
            }
            sleep(Duration::from_millis(50)).await;
        }
        let endpoint = said("Temporary endpoint ")
            .and_then(|rest| rest.split(' ').next().map(str::to_owned))
            .ok_or("send0 listen did not name its endpoint")?;
        let secret = said("Signing secret: ").ok_or("send0 listen did not print its secret")?;
        shown_without_secret(&err);
        Ok(Listening { child, endpoint, secret, log, err })
    }

    /// Stops listen as a service manager would (SIGTERM: the demo may run with SIGINT ignored),
    /// shows its lines, and checks that it exited cleanly and deleted its endpoint. Returns how
    /// many deliveries it forwarded verified and the target accepted.
    async fn stop(mut self, client: &Client) -> Result<usize> {
        let pid = self.child.0.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status()?;
        if !killed.success() {
            return Err("kill -TERM failed".into());
        }
        let status =
            timeout(STEP_WITHIN, self.child.wait()).await.map_err(|_| "it did not stop on SIGTERM")??;
        println!("-- send0 listen (one line per delivery)");
        show(&self.log);
        // What it said on stopping: its stderr after the ready line shown at start.
        let err = std::fs::read_to_string(&self.err).unwrap_or_default();
        err.lines()
            .skip_while(|line| !line.starts_with("Ready."))
            .skip(1)
            .for_each(|line| println!("  {line}"));
        if !status.success() {
            return Err(format!("it exited with {status}").into());
        }
        match client.webhooks().get(&self.endpoint).await {
            Err(e) if e.kind() == send0::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("checking its endpoint: {e}").into()),
            Ok(_) => return Err(format!("its temporary endpoint {} is still there", self.endpoint).into()),
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        Ok(log.lines().filter(|line| line.contains(" verified  → 200 ")).count())
    }
}

/// listen's progress lines, but for the secret it printed for the receiver.
fn shown_without_secret(path: &Path) {
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        if !line.starts_with("Signing secret: ") {
            println!("  {line}");
        }
    }
}

/// A free loopback port: bound and let go at once, for a process that takes it right after.
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits for every receiver to exit by itself (each does after its last expected delivery),
/// shows its output, and checks the counts: every event delivered (when the server delivered)
/// and verified, the forged delivery refused. Returns whether all is well, and the summary.
async fn check(receivers: &mut [Running], client: Option<&Client>) -> (bool, String) {
    let expect = EVENT_TYPES.len();
    let deadline = Instant::now() + DELIVERED_WITHIN;
    let mut ok = true;
    let mut parts = Vec::new();
    for running in receivers.iter_mut() {
        let label = running.receiver.label;
        let exited = match timeout_at(deadline, running.child.wait()).await {
            Ok(Ok(status)) if status.success() => true,
            Ok(Ok(status)) => {
                eprintln!("demo: the {label} failed ({status})");
                false
            }
            Ok(Err(e)) => {
                eprintln!("demo: the {label}: {e}");
                false
            }
            Err(_) => {
                eprintln!(
                    "demo: the {label} is still waiting for deliveries after {} s",
                    DELIVERED_WITHIN.as_secs()
                );
                false
            }
        };
        println!("-- {}", running.receiver.source);
        show(&running.log);
        if !exited {
            show(&running.err);
        }
        let delivered = match (client, &running.endpoint) {
            (Some(client), Some(id)) => Some(delivered(client, id, expect).await),
            _ => None,
        };
        let verified = running.count(&["receiver: verified"]);
        let refused = running.count(&["receiver: rejected", "receiver: refused"]);
        ok &= exited && delivered.is_none_or(|n| n == expect) && verified == expect && refused == 1;
        let delivered = delivered.map(|n| format!("delivered {n}, ")).unwrap_or_default();
        parts.push(format!("{label}: {delivered}verified {verified}, forged refused {refused}"));
    }
    (ok, parts.join("; "))
}

/// The number of deliveries to an endpoint that its receiver answered with 2xx. The receiver has
/// answered the last one, and the server records each attempt right after: poll briefly.
async fn delivered(client: &Client, endpoint: &str, expect: usize) -> usize {
    let params = ListParams { limit: Some(100), ..Default::default() };
    let mut count = 0;
    for _ in 0..100 {
        if let Ok(page) = client.webhooks().deliveries(endpoint, &params).await {
            count =
                page.data.iter().filter(|d| d.status_code.is_some_and(|s| (200..300).contains(&s))).count();
        }
        if count == expect {
            break;
        }
        sleep(Duration::from_millis(50)).await;
    }
    count
}

/// One event of each type in the catalog, through the local server's `POST /v1/events` (not
/// part of the API, so not in the client); the server fills in sample data.
async fn emit_every_type(http: &reqwest::Client, base: &str) -> Result<()> {
    for event_type in EVENT_TYPES {
        let response = http
            .post(format!("{base}/v1/events"))
            .bearer_auth(API_KEY)
            .header("content-type", "application/json")
            .body(serde_json::json!({ "type": event_type }).to_string())
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("POST /v1/events {event_type}: {}", response.status()).into());
        }
    }
    Ok(())
}

/// A fresh signing secret, as send0 issues one: `whsec_` and the base64 of 32 random bytes.
fn fresh_secret() -> Result<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut key = [0u8; 33]; // 33 bytes: whole 3-byte groups, no padding
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    let mut secret = String::from("whsec_");
    for group in key.chunks(3) {
        let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        secret.extend((0..4).map(|i| char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize])));
    }
    Ok(secret)
}

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A file for a child's output, opened for appending so that two streams can share it.
fn output(path: &Path) -> Result<std::fs::File> {
    Ok(std::fs::OpenOptions::new().create(true).append(true).open(path)?)
}

/// A file's lines, indented under the heading they belong to.
fn show(path: &Path) {
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        println!("  {line}");
    }
}

/// A fresh directory for ready files and logs, removed at the end.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(name: &str) -> Result<Self> {
        let path = std::env::temp_dir().join(format!("send0-demo-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(WorkDir(path))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The signals that stop the demo. SIGTERM always; SIGHUP and SIGINT only when they were not
/// ignored at start: `nohup` ignores SIGHUP and a background job SIGINT, and the demo keeps
/// running there as any program without a handler would.
struct StopSignals(Vec<(i32, Signal)>);

impl StopSignals {
    const TERM: i32 = 15;
    const HUP: i32 = 1;
    const INT: i32 = 2;

    fn install() -> Self {
        let ignored = ignored_at_start();
        let numbers =
            [Self::TERM, Self::HUP, Self::INT].into_iter().filter(|n| ignored & (1 << (n - 1)) == 0);
        StopSignals(numbers.filter_map(|n| signal(SignalKind::from_raw(n)).ok().map(|s| (n, s))).collect())
    }

    /// The number of the first stop signal received.
    async fn first(mut self) -> i32 {
        if self.0.is_empty() {
            return std::future::pending().await;
        }
        let waits = self.0.iter_mut().map(|(number, signal)| {
            Box::pin(async move {
                signal.recv().await;
                *number
            })
        });
        futures_util::future::select_all(waits).await.0
    }
}

/// The mask of signals this process ignores (bit N-1 for signal N): Linux says it in
/// /proc/self/status, read before any handler is installed. Elsewhere: none known.
fn ignored_at_start() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mask = status.lines().find_map(|line| line.strip_prefix("SigIgn:"));
    mask.and_then(|m| u64::from_str_radix(m.trim(), 16).ok()).unwrap_or(0)
}
