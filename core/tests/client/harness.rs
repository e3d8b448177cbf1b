//! The scripted servers the client tests talk to (axum, or raw TCP where a connection must be
//! reset or closed without an answer, and for the fault vectors), the replies they are given and
//! the requests they record, and sample API objects.

use std::collections::VecDeque;
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Response};
use send0::{ClientBuilder, Error};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

/// The key every test client uses; its secret part must never show up in an error.
pub const API_KEY: &str = "sk_test_51HxTopSecretKeyMaterial9f3a";
const KEY_MATERIAL: &str = "TopSecretKeyMaterial";

/// Longest any test waits for the server to observe something before failing (not a timing
/// assertion: only a guard against a hung test).
const PATIENCE: Duration = Duration::from_secs(10);

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// The path as sent, still percent-encoded.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("ASCII header"))
    }

    /// The decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let url = reqwest::Url::parse(&format!("http://x/?{}", self.query.as_deref().unwrap_or(""))).unwrap();
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("request body is not JSON ({e}): {:?}", self.body))
    }
}

/// What the server does with the next request.
pub enum Reply {
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Never answers. When the handler is dropped (its connection closed), the sender fires.
    Hang(Option<oneshot::Sender<()>>),
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Reply::Respond {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }

    /// An API error body as docs/api.md describes it.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(status, json!({"error": code, "message": message}))
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Self {
        Reply::Respond { status, headers: vec![("content-type", content_type.into())], body: body.into() }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }

    /// Asks the client to retry at once, so tests of retry counts stay fast.
    pub fn retry_now(self) -> Self {
        self.header("retry-after-ms", "0")
    }
}

struct Shared {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
    arrived: watch::Sender<usize>,
}

/// A scripted axum server on 127.0.0.1.
pub struct Server {
    pub url: String,
    shared: Arc<Shared>,
}

impl Server {
    pub async fn start(script: impl IntoIterator<Item = Reply>) -> Server {
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into_iter().collect()),
            requests: Mutex::new(Vec::new()),
            arrived: watch::Sender::new(0),
        });
        let app = axum::Router::new().fallback(handle).with_state(shared.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { url, shared }
    }

    /// Adds replies to the end of the script.
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The requests recorded so far, forgetting them.
    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.shared.requests.lock().unwrap())
    }

    /// Resolves once `n` requests have arrived in total.
    pub async fn requests_arrived(&self, n: usize) {
        let mut rx = self.shared.arrived.subscribe();
        patiently("the server to receive a request", rx.wait_for(|count| *count >= n)).await.unwrap();
    }

    /// A client builder aimed at this server with the test key.
    pub fn client(&self) -> ClientBuilder {
        send0::Client::builder().api_key(API_KEY).base_url(&self.url)
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let number = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(Recorded {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body,
        });
        requests.len()
    };
    shared.arrived.send_modify(|count| *count += 1);
    let reply = shared.script.lock().unwrap().pop_front();
    match reply {
        Some(Reply::Respond { status, headers, body }) => {
            let mut response = Response::builder().status(status);
            if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("x-request-id")) {
                response = response.header("x-request-id", format!("req_{number}"));
            }
            for (name, value) in headers {
                response = response.header(name, value);
            }
            response.body(Body::from(body)).unwrap()
        }
        Some(Reply::Hang(on_drop)) => {
            let _guard = SignalOnDrop(on_drop);
            std::future::pending().await
        }
        None => Response::builder()
            .status(418)
            .header("content-type", "application/json")
            .header("x-should-retry", "false")
            .body(Body::from(
                json!({"error": "unscripted", "message": format!("no reply scripted for request {number}")})
                    .to_string(),
            ))
            .unwrap(),
    }
}

struct SignalOnDrop(Option<oneshot::Sender<()>>);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// What a raw server does with one connection.
pub enum RawReply {
    /// Reads the request, then resets the connection without answering.
    Reset,
    /// Reads the request, then closes the connection without answering.
    Close,
    /// Answers with this status, these headers and this body, and closes the connection.
    Respond { status: u16, headers: Vec<(String, String)>, body: String },
    /// Waits, then does what the reply inside says.
    After(Duration, Box<RawReply>),
}

struct RawState {
    script: VecDeque<RawReply>,
    /// Each request received, with the time it arrived (in full).
    requests: Vec<(Instant, String)>,
}

/// A loopback server on raw sockets, one request per connection, for failures axum cannot
/// produce. Each request takes the next reply of the script, in the order they arrive; unscripted
/// ones get a 500 with `x-should-retry: false`. Connections are served concurrently, so a delayed
/// answer holds up no other request.
pub struct RawServer {
    pub url: String,
    state: Arc<Mutex<RawState>>,
}

impl RawServer {
    pub async fn start(script: impl IntoIterator<Item = RawReply>) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state =
            Arc::new(Mutex::new(RawState { script: script.into_iter().collect(), requests: Vec::new() }));
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let state = shared.clone();
                tokio::spawn(async move {
                    let request = read_request(&stream).await;
                    let (number, reply) = {
                        let mut state = state.lock().unwrap();
                        state.requests.push((Instant::now(), request));
                        (state.requests.len(), state.script.pop_front())
                    };
                    answer(stream, reply.unwrap_or_else(|| unscripted(number))).await;
                });
            }
        });
        RawServer { url, state }
    }

    /// Each request received so far, head and body as text.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.iter().map(|(_, text)| text.clone()).collect()
    }

    /// When each request received so far arrived.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.state.lock().unwrap().requests.iter().map(|(at, _)| *at).collect()
    }

    pub fn client(&self) -> ClientBuilder {
        send0::Client::builder().api_key(API_KEY).base_url(&self.url)
    }
}

fn unscripted(number: usize) -> RawReply {
    let body = json!({"error": "unscripted", "message": format!("no reply scripted for request {number}")});
    RawReply::Respond {
        status: 500,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-should-retry".into(), "false".into()),
        ],
        body: body.to_string(),
    }
}

async fn answer(stream: TcpStream, mut reply: RawReply) {
    while let RawReply::After(wait, then) = reply {
        tokio::time::sleep(wait).await;
        reply = *then;
    }
    match reply {
        RawReply::Reset => {
            stream.set_zero_linger().unwrap();
            drop(stream);
        }
        RawReply::Close => drop(stream),
        RawReply::After(..) => unreachable!("waited for above"),
        RawReply::Respond { status, headers, body } => {
            let mut response = format!("HTTP/1.1 {status} Scripted\r\n");
            for (name, value) in &headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()));
            write_all(&stream, response.as_bytes()).await;
        }
    }
}

/// The value of header `name` in a raw request.
pub fn raw_header<'a>(request: &'a str, name: &str) -> Option<&'a str> {
    let head = request.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

async fn read_request(stream: &TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let length: usize =
                raw_header(&format!("{head}\r\n\r\n"), "content-length").map_or(0, |v| v.parse().unwrap());
            if data.len() >= end + 4 + length {
                return String::from_utf8_lossy(&data).into_owned();
            }
        }
        stream.readable().await.unwrap();
        match stream.try_read(&mut buf) {
            Ok(0) => return String::from_utf8_lossy(&data).into_owned(),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("raw server read: {e}"),
        }
    }
}

/// Writes `bytes`, giving up quietly when the client has gone (it may have timed out first).
async fn write_all(stream: &TcpStream, mut rest: &[u8]) {
    while !rest.is_empty() {
        if stream.writable().await.is_err() {
            return;
        }
        match stream.try_write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

/// Awaits `future`, failing the test instead of hanging if it never completes.
pub async fn patiently<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(PATIENCE, future).await.unwrap_or_else(|_| panic!("gave up waiting for {what}"))
}

/// Awaits a call that must fail, and checks its error never shows the API key.
pub async fn expect_err<T: Debug>(future: impl Future<Output = send0::Result<T>>) -> Error {
    let err = patiently("the call to fail", future).await.expect_err("the call should have failed");
    assert_no_key(&err);
    err
}

/// The API key's material appears in no rendering of `err`.
pub fn assert_no_key(err: &Error) {
    let mut shown = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}"), err.to_json()];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        shown.push(cause.to_string());
        shown.push(format!("{cause:?}"));
        source = cause.source();
    }
    for text in shown {
        assert!(!text.contains(KEY_MATERIAL), "the API key leaked into an error: {text}");
    }
}

/// A complete endpoint object as the API returns it.
pub fn endpoint(id: &str) -> Value {
    json!({
        "id": id,
        "object": "webhook_endpoint",
        "url": "https://example.com/webhooks/send0",
        "description": "Production webhook handler",
        "events": ["email.delivered", "domain.*"],
        "active": true,
        "status": "active",
        "consecutive_failures": 0,
        "last_delivery_at": null,
        "last_delivery_status": null,
        "created_at": "2026-04-12T10:30:00Z",
        "updated_at": "2026-04-12T10:30:00Z"
    })
}

pub fn created(id: &str, secret: &str) -> Value {
    let mut body = endpoint(id);
    body["secret"] = json!(secret);
    body
}

pub fn page(items: Vec<Value>, cursor: Option<&str>) -> Value {
    json!({"object": "list", "data": items, "has_more": cursor.is_some(), "cursor": cursor})
}

pub fn delivery(event_id: &str, attempt: u32) -> Value {
    json!({
        "event_id": event_id,
        "event_type": "email.bounced",
        "attempt": attempt,
        "status_code": 503,
        "response_time_ms": 12,
        "error": "HTTP 503",
        "attempted_at": "2026-04-12T10:31:02Z",
        "next_attempt_at": "2026-04-12T10:36:02Z"
    })
}

pub fn retry_counts(server: &Server) -> Vec<String> {
    server.requests().iter().map(|r| r.header("x-send0-retry-count").unwrap_or("-").to_owned()).collect()
}
