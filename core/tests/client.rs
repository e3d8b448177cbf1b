//! `send0::Client` against scripted loopback servers: retries, idempotency, error mapping,
//! timeouts, cancellation and the wire shape of every Webhooks API operation.
//!
//! Each test starts its own server (axum, or a raw TCP loop where a connection must be reset),
//! scripts the replies it needs and inspects the requests the server recorded.

use std::pin::pin;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use harness::{API_KEY, RawReply, RawServer, Reply, Server, endpoint, expect_err};
use send0::client::{
    CreateWebhookParams, EndpointStatus, ListParams, RotateSecretParams, UpdateWebhookParams,
};
use send0::{Client, ErrorKind, RequestOptions};
use serde_json::{Value, json};
use tokio::sync::oneshot;

mod harness {
    use std::collections::VecDeque;
    use std::fmt::Debug;
    use std::future::Future;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

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
            let url =
                reqwest::Url::parse(&format!("http://x/?{}", self.query.as_deref().unwrap_or(""))).unwrap();
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
        /// Answers with a JSON body and closes the connection.
        Json(u16, Value),
    }

    /// A loopback server on raw sockets, one request per connection, for failures axum cannot
    /// produce. Each connection takes the next reply of the script; unscripted ones get a 418.
    pub struct RawServer {
        pub url: String,
        requests: Arc<Mutex<Vec<String>>>,
    }

    impl RawServer {
        pub async fn start(script: Vec<RawReply>) -> RawServer {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let requests = Arc::new(Mutex::new(Vec::new()));
            let recorded = requests.clone();
            tokio::spawn(async move {
                let mut script = VecDeque::from(script);
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    let request = read_request(&stream).await;
                    recorded.lock().unwrap().push(request);
                    match script.pop_front() {
                        Some(RawReply::Reset) => {
                            stream.set_zero_linger().unwrap();
                            drop(stream);
                        }
                        Some(RawReply::Json(status, body)) => write_json(&stream, status, &body).await,
                        None => write_json(&stream, 418, &json!({"error": "unscripted"})).await,
                    }
                }
            });
            RawServer { url, requests }
        }

        /// Each request received so far, head and body as text.
        pub fn requests(&self) -> Vec<String> {
            self.requests.lock().unwrap().clone()
        }

        pub fn client(&self) -> ClientBuilder {
            send0::Client::builder().api_key(API_KEY).base_url(&self.url)
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
                let length: usize = raw_header(&format!("{head}\r\n\r\n"), "content-length")
                    .map_or(0, |v| v.parse().unwrap());
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

    async fn write_json(stream: &TcpStream, status: u16, body: &Value) {
        let body = body.to_string();
        let response = format!(
            "HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             x-request-id: req_raw\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut rest = response.as_bytes();
        while !rest.is_empty() {
            stream.writable().await.unwrap();
            match stream.try_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("raw server write: {e}"),
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
}

fn created(id: &str, secret: &str) -> Value {
    let mut body = endpoint(id);
    body["secret"] = json!(secret);
    body
}

fn page(items: Vec<Value>, cursor: Option<&str>) -> Value {
    json!({"object": "list", "data": items, "has_more": cursor.is_some(), "cursor": cursor})
}

fn delivery(event_id: &str, attempt: u32) -> Value {
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

fn retry_counts(server: &Server) -> Vec<String> {
    server.requests().iter().map(|r| r.header("x-send0-retry-count").unwrap_or("-").to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Retries

#[tokio::test]
async fn retries_a_500_then_succeeds_with_backoff() {
    let server = Server::start([
        Reply::error(500, "internal_error", "boom"),
        Reply::error(500, "internal_error", "boom"),
        Reply::json(200, endpoint("wh_1")),
    ])
    .await;
    let client = server.client().build().unwrap(); // the default: 2 retries
    let started = Instant::now();
    let ep = client.webhooks().get("wh_1").await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(ep.id, "wh_1");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.method == "GET" && r.path == "/v1/webhooks/wh_1"));
    assert_eq!(retry_counts(&server), ["0", "1", "2"]);
    // Backoff 0.5 s then 1 s, each less at most 25%.
    assert!(elapsed >= Duration::from_millis(1100), "retried too early: {elapsed:?}");
}

#[tokio::test]
async fn gives_up_after_max_retries_with_the_last_error() {
    let server = Server::start([
        Reply::error(500, "internal_error", "first").retry_now(),
        Reply::error(502, "internal_error", "second").retry_now(),
        Reply::error(500, "internal_error", "third").retry_now().header("x-request-id", "req_last"),
        Reply::json(200, endpoint("wh_1")),
    ])
    .await;
    let client = server.client().max_retries(2).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.kind().as_str(), "api");
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.request_id(), Some("req_last"));
    assert_eq!(err.api().unwrap().message, "third");
    assert_eq!(server.requests().len(), 3, "2 retries, never a 4th request");

    // max_retries(0): one attempt only.
    let server = Server::start([Reply::error(503, "internal_error", "down").retry_now()]).await;
    let client = server.client().max_retries(0).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(503)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn per_request_options_override_the_client() {
    let server = Server::start([
        Reply::error(500, "internal_error", "boom").retry_now(),
        Reply::json(200, endpoint("wh_1")),
    ])
    .await;
    let client = server.client().max_retries(5).build().unwrap();
    let webhooks =
        client.webhooks().with_options(RequestOptions { max_retries: Some(0), ..RequestOptions::default() });
    let err = expect_err(webhooks.get("wh_1")).await;
    assert_eq!(err.status(), Some(500));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn retry_after_seconds_is_obeyed_on_429() {
    let server = Server::start([
        Reply::error(429, "rate_limited", "slow down").header("retry-after", "1"),
        Reply::json(200, endpoint("wh_1")),
    ])
    .await;
    let client = server.client().build().unwrap();
    let started = Instant::now();
    client.webhooks().get("wh_1").await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(server.requests().len(), 2);
    // The backoff alone would have waited at most 0.5 s.
    assert!(elapsed >= Duration::from_millis(900), "Retry-After: 1 not obeyed: {elapsed:?}");
}

#[tokio::test]
async fn retry_after_ms_is_honoured_before_retry_after() {
    let server = Server::start([
        Reply::error(429, "rate_limited", "slow down")
            .header("retry-after-ms", "1100")
            .header("retry-after", "0"),
        Reply::json(200, endpoint("wh_1")),
    ])
    .await;
    let client = server.client().build().unwrap();
    let started = Instant::now();
    client.webhooks().get("wh_1").await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(server.requests().len(), 2);
    assert!(elapsed >= Duration::from_millis(1050), "retry-after-ms: 1100 not obeyed: {elapsed:?}");
}

#[tokio::test]
async fn rate_limited_error_exposes_retry_after() {
    let server = Server::start([
        Reply::error(429, "rate_limited", "slow down").header("retry-after-ms", "20"),
        Reply::error(429, "rate_limited", "slow down").header("retry-after-ms", "30"),
    ])
    .await;
    let client = server.client().max_retries(1).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.kind().as_str(), "rate_limited");
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_millis(30)));
    assert_eq!(server.requests().len(), 2);

    // Out of retries at once: the wait the API asked for is reported, not slept.
    let server =
        Server::start([Reply::error(429, "rate_limited", "slow down").header("retry-after", "7")]).await;
    let client = server.client().max_retries(0).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(7)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn retries_after_a_connection_reset_with_the_same_idempotency_key() {
    let server =
        RawServer::start(vec![RawReply::Reset, RawReply::Json(201, created("wh_1", "whsec_AAAA"))]).await;
    let client = server.client().build().unwrap();
    let ep = client.webhooks().create(&CreateWebhookParams::new("https://example.com/h")).await.unwrap();
    assert_eq!(ep.id, "wh_1");
    assert_eq!(ep.secret.expose(), "whsec_AAAA");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(requests.iter().all(|r| r.starts_with("POST /v1/webhooks HTTP/1.1\r\n")));
    let keys: Vec<_> = requests.iter().map(|r| harness::raw_header(r, "idempotency-key")).collect();
    assert!(keys[0].is_some_and(|k| !k.is_empty()), "{keys:?}");
    assert_eq!(keys[0], keys[1], "a retry must reuse the Idempotency-Key");
    assert_eq!(harness::raw_header(&requests[1], "x-send0-retry-count"), Some("1"));
}

#[tokio::test]
async fn every_attempt_reset_is_a_connection_error() {
    let server = RawServer::start(vec![RawReply::Reset, RawReply::Reset]).await;
    let client = server.client().max_retries(1).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert_eq!(err.kind().as_str(), "connection");
    assert_eq!(err.status(), None);
    assert!(err.message().contains("GET /v1/webhooks/wh_1"), "{err}");
    assert_eq!(server.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys

#[tokio::test]
async fn idempotency_keys_are_reused_by_retries_and_fresh_per_create() {
    let server = Server::start([
        Reply::error(500, "internal_error", "boom").retry_now(),
        Reply::json(201, created("wh_1", "whsec_AAAA")),
        Reply::json(201, created("wh_2", "whsec_BBBB")),
        Reply::error(503, "internal_error", "boom").retry_now(),
        Reply::json(201, created("wh_3", "whsec_CCCC")),
        Reply::json(200, endpoint("wh_3")),
    ])
    .await;
    let client = server.client().build().unwrap();
    let params = CreateWebhookParams::new("https://example.com/h");
    assert_eq!(client.webhooks().create(&params).await.unwrap().id, "wh_1");
    assert_eq!(client.webhooks().create(&params).await.unwrap().id, "wh_2");
    let own = client.webhooks().with_idempotency_key("order-42-webhook");
    assert_eq!(own.create(&params).await.unwrap().id, "wh_3");
    assert_eq!(client.webhooks().get("wh_3").await.unwrap().id, "wh_3");

    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    let keys: Vec<Option<&str>> = requests.iter().map(|r| r.header("idempotency-key")).collect();
    let first = keys[0].expect("a POST carries an Idempotency-Key");
    assert!(!first.is_empty());
    assert_eq!(keys[1], Some(first), "the retry reuses the key");
    let second = keys[2].expect("the second create carries a key");
    assert_ne!(second, first, "a new create gets a fresh key");
    assert_eq!(keys[3], Some("order-42-webhook"));
    assert_eq!(keys[4], Some("order-42-webhook"));
    assert_eq!(requests[5].method, "GET");
    assert_eq!(keys[5], None, "GET carries no Idempotency-Key");
}

// ---------------------------------------------------------------------------------------------
// Error mapping

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = Server::start([]).await;
    let client = server.client().max_retries(3).build().unwrap();
    let cases = [
        (400, "invalid_request", ErrorKind::InvalidRequest),
        (401, "unauthorized", ErrorKind::Authentication),
        (403, "forbidden", ErrorKind::Permission),
        (404, "not_found", ErrorKind::NotFound),
        (413, "payload_too_large", ErrorKind::InvalidRequest),
        (422, "unprocessable", ErrorKind::InvalidRequest),
    ];
    for (status, code, kind) in cases {
        // Only one reply is scripted: a retry would meet the server's unscripted 418 and be counted.
        server.push([Reply::error(status, code, "no").retry_now()]);
        let err =
            expect_err(client.webhooks().create(&CreateWebhookParams::new("https://example.com/h"))).await;
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.api().unwrap().code.as_deref(), Some(code));
        assert_eq!(server.take_requests().len(), 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn api_errors_carry_their_details() {
    let server = Server::start([
        Reply::json(
            400,
            json!({"error": "invalid_request", "message": "Webhook URL must use HTTPS", "param": "url"}),
        )
        .header("x-request-id", "req_abc123"),
        Reply::error(401, "unauthorized", "Invalid or missing API key"),
        Reply::error(403, "forbidden", "Insufficient scope. Required: platform:webhooks:manage"),
        Reply::error(404, "not_found", "No webhook endpoint wh_nope"),
    ])
    .await;
    let client = server.client().build().unwrap();
    let webhooks = client.webhooks();

    let err = expect_err(webhooks.create(&CreateWebhookParams::new("http://example.com/h"))).await;
    assert_eq!(err.kind().as_str(), "invalid_request");
    let api = err.api().unwrap();
    assert_eq!(api.param.as_deref(), Some("url"));
    assert_eq!(api.message, "Webhook URL must use HTTPS");
    assert_eq!(err.request_id(), Some("req_abc123"));
    assert!(err.message().contains("req_abc123"), "{err}");
    assert!(err.message().contains("Webhook URL must use HTTPS"), "{err}");
    assert!(err.to_string().starts_with("invalid_request: "), "{err}");

    let err = expect_err(webhooks.list(&ListParams::default())).await;
    assert_eq!(err.kind().as_str(), "authentication");
    assert_eq!(err.api().unwrap().message, "Invalid or missing API key");
    assert_eq!(err.request_id(), Some("req_2"));

    let err = expect_err(webhooks.delete("wh_1")).await;
    assert_eq!(err.kind().as_str(), "permission");
    assert_eq!(err.api().unwrap().required_scope.as_deref(), Some("platform:webhooks:manage"));

    let err = expect_err(webhooks.get("wh_nope")).await;
    assert_eq!(err.kind().as_str(), "not_found");
    assert_eq!(err.status(), Some(404));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn conflict_is_retried_unless_the_server_says_not_to() {
    let conflict = || Reply::error(409, "idempotency_conflict", "key reused with another body").retry_now();
    let server = Server::start([conflict(), conflict(), conflict()]).await;
    let client = server.client().max_retries(2).build().unwrap();
    let params = CreateWebhookParams::new("https://example.com/h");
    let err = expect_err(client.webhooks().create(&params)).await;
    assert_eq!(err.kind().as_str(), "conflict");
    assert_eq!(server.take_requests().len(), 3, "409 is retried by the policy");

    server.push([conflict().header("x-should-retry", "false")]);
    let err = expect_err(client.webhooks().create(&params)).await;
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(server.take_requests().len(), 1, "x-should-retry: false stops the retry");
}

#[tokio::test]
async fn x_should_retry_true_retries_a_400() {
    let server = Server::start([
        Reply::error(400, "invalid_request", "try again").header("x-should-retry", "true").retry_now(),
        Reply::json(200, endpoint("wh_1")),
    ])
    .await;
    let client = server.client().build().unwrap();
    assert_eq!(client.webhooks().get("wh_1").await.unwrap().id, "wh_1");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn non_json_error_bodies_still_map_by_status() {
    let server = Server::start([
        Reply::text(502, "text/html", "<html><body>Bad Gateway</body></html>"),
        Reply::text(404, "text/plain", "nothing here"),
    ])
    .await;
    let client = server.client().max_retries(0).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status(), Some(502));
    assert!(err.message().contains("502"), "{err}");
    assert!(!err.message().is_empty());
    assert_eq!(err.api().unwrap().code, None);
    assert_eq!(err.api().unwrap().body, "<html><body>Bad Gateway</body></html>");

    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("404"), "{err}");
}

#[tokio::test]
async fn an_undecodable_success_body_is_a_decode_error() {
    let server = Server::start([
        Reply::json(200, json!({"unexpected": true})).header("x-request-id", "req_dec1"),
        Reply::text(200, "application/json", "{not json"),
    ])
    .await;
    let client = server.client().build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind().as_str(), "decode");
    assert!(err.message().contains("req_dec1"), "{err}");
    let err = expect_err(client.webhooks().list(&ListParams::default())).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(server.requests().len(), 2, "a decode failure is not retried");
}

// ---------------------------------------------------------------------------------------------
// Timeouts, refused connections, cancellation

#[tokio::test]
async fn attempts_that_take_too_long_time_out() {
    // A spare hanging reply: on a loaded machine an attempt can reach the server after the client
    // gave up on it, and the test must still see only hangs.
    let server = Server::start([Reply::Hang(None), Reply::Hang(None), Reply::Hang(None)]).await;
    let client = server.client().timeout(Duration::from_millis(200)).max_retries(1).build().unwrap();
    let started = Instant::now();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.kind().as_str(), "timeout");
    assert!(err.message().contains("timed out"), "{err}");
    let attempts = server.requests().len();
    assert!((2..=3).contains(&attempts), "one attempt and one retry (a late duplicate at most): {attempts}");
    assert!(elapsed >= Duration::from_millis(400), "each attempt waits its timeout: {elapsed:?}");

    // A per-request timeout overrides the client's 60 s default.
    let server = Server::start([Reply::Hang(None)]).await;
    let client = server.client().build().unwrap();
    let webhooks = client.webhooks().with_options(RequestOptions {
        timeout: Some(Duration::from_millis(150)),
        max_retries: Some(0),
        ..RequestOptions::default()
    });
    let err = expect_err(webhooks.get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    let port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(1)
        .build()
        .unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert_eq!(err.status(), None);
    assert!(err.message().contains("/v1/webhooks/wh_1"), "{err}");
}

#[tokio::test]
async fn dropping_a_request_future_cancels_it() {
    let (dropped_tx, dropped_rx) = oneshot::channel();
    let server = Server::start([Reply::Hang(Some(dropped_tx)), Reply::json(200, endpoint("wh_2"))]).await;
    let client = server.client().build().unwrap();
    {
        let webhooks = client.webhooks();
        let get = webhooks.get("wh_1");
        tokio::select! {
            result = get => panic!("the request cannot finish: {result:?}"),
            () = server.requests_arrived(1) => {}
        }
        // `get` is dropped here, mid-request.
    }
    harness::patiently("the server to see the connection close", dropped_rx)
        .await
        .expect("the handler was dropped without signalling");
    assert_eq!(server.requests().len(), 1);

    // Nothing of the cancelled request is sent again: the next request is the next one made.
    assert_eq!(client.webhooks().get("wh_2").await.unwrap().id, "wh_2");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].path, "/v1/webhooks/wh_2");
    assert_eq!(requests[1].header("x-send0-retry-count"), Some("0"));
}

#[tokio::test]
async fn the_api_key_never_appears_in_errors() {
    let server = Server::start([
        Reply::error(401, "unauthorized", "Invalid or missing API key"),
        Reply::error(403, "forbidden", "Insufficient scope. Required: platform:webhooks:read"),
        Reply::error(500, "internal_error", "boom"),
        Reply::text(200, "application/json", "[]"),
        // A server that echoes the key back: the client redacts it.
        Reply::error(400, "invalid_request", &format!("the key {API_KEY} is malformed")),
        Reply::Hang(None),
    ])
    .await;
    let client = server.client().max_retries(0).timeout(Duration::from_millis(150)).build().unwrap();
    let webhooks = client.webhooks();
    let mut kinds = Vec::new();
    for _ in 0..6 {
        // expect_err checks Display, Debug, to_json and the source chain of each error.
        kinds.push(expect_err(webhooks.get("wh_1")).await.kind());
    }
    kinds.push(expect_err(webhooks.get("")).await.kind());
    let refused =
        Client::builder().api_key(API_KEY).base_url("http://127.0.0.1:1").max_retries(0).build().unwrap();
    kinds.push(expect_err(refused.webhooks().get("wh_1")).await.kind());
    let reset = RawServer::start(vec![RawReply::Reset]).await;
    kinds
        .push(expect_err(reset.client().max_retries(0).build().unwrap().webhooks().get("wh_1")).await.kind());
    assert_eq!(
        kinds,
        [
            ErrorKind::Authentication,
            ErrorKind::Permission,
            ErrorKind::Api,
            ErrorKind::Decode,
            ErrorKind::InvalidRequest,
            ErrorKind::Timeout,
            ErrorKind::InvalidArgument,
            ErrorKind::Connection,
            ErrorKind::Connection,
        ]
    );
    assert!(!format!("{client:?}").contains("TopSecretKeyMaterial"));
    // It was sent, though, where it belongs.
    assert_eq!(server.requests()[0].header("authorization"), Some(format!("Bearer {API_KEY}").as_str()));
}

// ---------------------------------------------------------------------------------------------
// Operations on the wire

#[tokio::test]
async fn create_sends_its_body_and_headers_and_decodes_the_secret() {
    let mut body = created("wh_3mKpLvRw9nQx", "whsec_c2VjcmV0c2VjcmV0");
    body["url"] = json!("https://example.com/hooks");
    body["events"] = json!(["email.*"]);
    body["description"] = Value::Null;
    body["future_field"] = json!({"ignored": true});
    let server = Server::start([Reply::json(201, body)]).await;
    let client = server.client().build().unwrap();
    let params = CreateWebhookParams {
        url: "https://example.com/hooks".into(),
        events: Some(vec!["email.*".into()]),
        description: None,
        active: Some(true),
    };
    let ep = client.webhooks().create(&params).await.unwrap();
    assert_eq!(ep.id, "wh_3mKpLvRw9nQx");
    assert_eq!(ep.url, "https://example.com/hooks");
    assert_eq!(ep.events, ["email.*"]);
    assert_eq!(ep.description, None);
    assert_eq!(ep.status, EndpointStatus::Active);
    assert_eq!(ep.secret.expose(), "whsec_c2VjcmV0c2VjcmV0");
    assert!(!format!("{ep:?}").contains("c2VjcmV0"));

    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/webhooks");
    assert_eq!(request.query, None);
    assert_eq!(
        request.json(),
        json!({"url": "https://example.com/hooks", "events": ["email.*"], "active": true})
    );
    assert_eq!(request.header("authorization"), Some(format!("Bearer {API_KEY}").as_str()));
    assert!(request.header("user-agent").unwrap().starts_with("send0-rust/"), "{:?}", request.headers);
    assert_eq!(request.header("user-agent"), Some(client.user_agent()));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn get_update_delete_address_one_endpoint() {
    let mut updated = endpoint("wh_1");
    updated["description"] = Value::Null;
    updated["active"] = json!(false);
    updated["status"] = json!("disabled");
    let server = Server::start([
        Reply::json(200, endpoint("wh_1")),
        Reply::json(200, updated),
        Reply::json(200, json!({"id": "wh_1", "object": "webhook_endpoint", "deleted": true})),
    ])
    .await;
    let client = server.client().build().unwrap();
    let webhooks = client.webhooks();

    let ep = webhooks.get("wh_1").await.unwrap();
    assert_eq!(ep.description.as_deref(), Some("Production webhook handler"));
    assert_eq!(ep.events, ["email.delivered", "domain.*"]);

    let params = UpdateWebhookParams {
        events: Some(vec!["*".into()]),
        description: Some(None),
        active: Some(false),
        ..UpdateWebhookParams::default()
    };
    let ep = webhooks.update("wh_1", &params).await.unwrap();
    assert_eq!((ep.active, ep.status, ep.description), (false, EndpointStatus::Disabled, None));

    let deleted = webhooks.delete("wh_1").await.unwrap();
    assert_eq!((deleted.id.as_str(), deleted.deleted), ("wh_1", true));

    let requests = server.requests();
    let lines: Vec<(String, &str)> =
        requests.iter().map(|r| (r.method.to_string(), r.path.as_str())).collect();
    assert_eq!(
        lines,
        [
            ("GET".into(), "/v1/webhooks/wh_1"),
            ("PATCH".into(), "/v1/webhooks/wh_1"),
            ("DELETE".into(), "/v1/webhooks/wh_1")
        ]
    );
    // Only the fields that are set, and `Some(None)` as an explicit null.
    assert_eq!(requests[1].json(), json!({"events": ["*"], "description": null, "active": false}));
    assert_eq!(requests[1].header("content-type"), Some("application/json"));
    assert!(requests[0].body.is_empty() && requests[2].body.is_empty());
    for r in [&requests[0], &requests[2]] {
        assert_eq!(r.header("content-type"), None, "no body, no content-type");
        assert_eq!(r.header("idempotency-key"), None);
    }
    for r in &requests {
        assert_eq!(r.header("authorization"), Some(format!("Bearer {API_KEY}").as_str()));
        assert!(r.header("user-agent").unwrap().starts_with("send0-rust/"));
    }
}

#[tokio::test]
async fn list_sends_limit_and_cursor() {
    let server = Server::start([
        Reply::json(200, page(vec![endpoint("wh_2"), endpoint("wh_1")], Some("cur/2 +x"))),
        Reply::json(200, page(vec![], None)),
    ])
    .await;
    let client = server.client().build().unwrap();
    let first = client.webhooks().list(&ListParams { limit: Some(2), cursor: None }).await.unwrap();
    assert_eq!(first.data.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["wh_2", "wh_1"]);
    assert!(first.has_more);
    assert_eq!(first.cursor.as_deref(), Some("cur/2 +x"));
    let last =
        client.webhooks().list(&ListParams { limit: None, cursor: first.cursor.clone() }).await.unwrap();
    assert!(last.data.is_empty() && !last.has_more && last.cursor.is_none());

    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET" && r.path == "/v1/webhooks"));
    assert_eq!(requests[0].query_pairs(), [("limit".to_owned(), "2".to_owned())]);
    assert_eq!(requests[1].query_pairs(), [("cursor".to_owned(), "cur/2 +x".to_owned())]);
}

#[tokio::test]
async fn list_all_walks_every_page_lazily() {
    let server = Server::start([
        Reply::json(200, page(vec![endpoint("wh_5"), endpoint("wh_4")], Some("c1"))),
        Reply::json(200, page(vec![endpoint("wh_3"), endpoint("wh_2")], Some("c2"))),
        Reply::json(200, page(vec![endpoint("wh_1")], None)),
    ])
    .await;
    let client = server.client().build().unwrap();
    let mut stream = pin!(client.webhooks().list_all(ListParams { limit: Some(2), cursor: None }));
    assert_eq!(server.requests().len(), 0, "nothing is fetched before the stream is read");
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.id, "wh_5");
    assert_eq!(server.requests().len(), 1, "one page at a time");
    let rest: Vec<_> = stream.try_collect().await.unwrap();
    let ids: Vec<&str> = rest.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["wh_4", "wh_3", "wh_2", "wh_1"]);

    let queries: Vec<_> = server.requests().iter().map(|r| r.query_pairs()).collect();
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        queries,
        [
            vec![pair("limit", "2")],
            vec![pair("limit", "2"), pair("cursor", "c1")],
            vec![pair("limit", "2"), pair("cursor", "c2")],
        ]
    );
}

#[tokio::test]
async fn list_all_stops_at_the_first_error() {
    let server = Server::start([
        Reply::json(200, page(vec![endpoint("wh_2")], Some("c1"))),
        Reply::error(404, "not_found", "cursor expired"),
    ])
    .await;
    let client = server.client().build().unwrap();
    let err = expect_err(client.webhooks().list_all(ListParams::default()).try_collect::<Vec<_>>()).await;
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn test_and_rotate_secret() {
    let server = Server::start([
        Reply::json(
            200,
            json!({"success": true, "event_id": "evt_1", "status_code": 200, "response_time_ms": 42, "error": null}),
        ),
        Reply::json(200, json!({"secret": "whsec_bmV3c2VjcmV0", "previous_secret_expires_at": "2026-04-12T11:30:00Z"})),
    ])
    .await;
    let client = server.client().build().unwrap();
    let result = client.webhooks().test("wh_1").await.unwrap();
    assert!(result.success);
    assert_eq!(
        (result.event_id.as_str(), result.status_code, result.response_time_ms),
        ("evt_1", Some(200), 42)
    );
    assert_eq!(result.error, None);

    let rotated = client
        .webhooks()
        .rotate_secret("wh_1", &RotateSecretParams { expire_previous_in: Some(3600) })
        .await
        .unwrap();
    assert_eq!(rotated.secret.expose(), "whsec_bmV3c2VjcmV0");
    assert_eq!(rotated.previous_secret_expires_at.as_deref(), Some("2026-04-12T11:30:00Z"));

    let requests = server.requests();
    assert_eq!((requests[0].method.as_str(), requests[0].path.as_str()), ("POST", "/v1/webhooks/wh_1/test"));
    assert!(requests[0].body.is_empty());
    assert!(requests[0].header("idempotency-key").is_some(), "every POST gets a key");
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("POST", "/v1/webhooks/wh_1/rotate-secret")
    );
    assert_eq!(requests[1].json(), json!({"expire_previous_in": 3600}));
    assert_eq!(requests[1].header("content-type"), Some("application/json"));
    assert!(requests[1].header("idempotency-key").is_some());
    assert_ne!(requests[0].header("idempotency-key"), requests[1].header("idempotency-key"));
}

#[tokio::test]
async fn deliveries_one_page_and_all() {
    let server = Server::start([
        Reply::json(200, page(vec![delivery("evt_3", 2)], Some("d1"))),
        Reply::json(200, page(vec![delivery("evt_3", 2), delivery("evt_2", 1)], Some("d1"))),
        Reply::json(200, page(vec![delivery("evt_1", 1)], None)),
    ])
    .await;
    let client = server.client().build().unwrap();
    let one =
        client.webhooks().deliveries("wh_1", &ListParams { limit: Some(1), cursor: None }).await.unwrap();
    assert_eq!(one.data.len(), 1);
    let d = &one.data[0];
    assert_eq!((d.event_id.as_str(), d.event_type.as_str(), d.attempt), ("evt_3", "email.bounced", 2));
    assert_eq!((d.status_code, d.response_time_ms, d.error.as_deref()), (Some(503), 12, Some("HTTP 503")));
    assert_eq!(d.next_attempt_at.as_deref(), Some("2026-04-12T10:36:02Z"));

    let all: Vec<_> =
        client.webhooks().deliveries_all("wh_1", ListParams::default()).try_collect().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|d| d.event_id.as_str()).collect();
    assert_eq!(ids, ["evt_3", "evt_2", "evt_1"]);

    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET" && r.path == "/v1/webhooks/wh_1/deliveries"));
    let queries: Vec<_> = requests.iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries, [Some("limit=1".to_owned()), None, Some("cursor=d1".to_owned())]);
}

// ---------------------------------------------------------------------------------------------
// Arguments checked before any request

#[tokio::test]
async fn ids_are_percent_encoded_into_one_path_segment() {
    let server = Server::start([
        Reply::json(200, endpoint("a/b")),
        Reply::json(200, endpoint("x")),
        Reply::json(200, json!({"id": "a/b", "deleted": true})),
    ])
    .await;
    let client = server.client().build().unwrap();
    client.webhooks().get("a/b").await.unwrap();
    client.webhooks().get("wh 1?x=1#frag").await.unwrap();
    client.webhooks().delete("a/b").await.unwrap();
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/v1/webhooks/a%2Fb", "/v1/webhooks/wh%201%3Fx=1%23frag", "/v1/webhooks/a%2Fb"]);
    assert!(server.requests().iter().all(|r| r.query.is_none()));
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = Server::start([Reply::json(200, endpoint("wh_1"))]).await;
    let client = Client::builder().api_key(API_KEY).base_url(format!("{}/api", server.url)).build().unwrap();
    client.webhooks().get("wh_1").await.unwrap();
    assert_eq!(server.requests()[0].path, "/api/v1/webhooks/wh_1");
}

#[tokio::test]
async fn unusable_arguments_fail_without_a_request() {
    let server = Server::start([]).await;
    let client = server.client().build().unwrap();
    let webhooks = client.webhooks();
    for id in ["", "   ", ".", ".."] {
        let mut kinds = vec![
            expect_err(webhooks.get(id)).await.kind(),
            expect_err(webhooks.update(id, &UpdateWebhookParams::default())).await.kind(),
            expect_err(webhooks.delete(id)).await.kind(),
            expect_err(webhooks.test(id)).await.kind(),
            expect_err(webhooks.rotate_secret(id, &RotateSecretParams::default())).await.kind(),
            expect_err(webhooks.deliveries(id, &ListParams::default())).await.kind(),
        ];
        kinds.dedup();
        assert_eq!(kinds, [ErrorKind::InvalidArgument], "id {id:?}");
    }
    for limit in [0, 101] {
        let params = ListParams { limit: Some(limit), cursor: None };
        let err = expect_err(webhooks.list(&params)).await;
        assert_eq!(err.kind().as_str(), "invalid_argument");
        assert!(err.message().contains("limit"), "{err}");
        assert_eq!(expect_err(webhooks.deliveries("wh_1", &params)).await.kind(), ErrorKind::InvalidArgument);
        let err = expect_err(webhooks.list_all(params.clone()).try_collect::<Vec<_>>()).await;
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
    assert_eq!(server.requests().len(), 0, "{:#?}", server.requests());
}

#[tokio::test]
async fn operations_described_as_json_take_the_same_path() {
    let server = Server::start([
        Reply::json(201, created("wh_3mKpLvRw9nQx", "whsec_c2VjcmV0c2VjcmV0")),
        Reply::json(200, endpoint("wh_3mKpLvRw9nQx")),
        Reply::json(200, json!({"object": "list", "data": [], "has_more": false, "cursor": null})),
    ])
    .await;
    let client = server.client().build().unwrap();
    let created: Value = serde_json::from_str(
        &client
            .call_json(br#"{"op":"create_webhook","params":{"url":"https://example.com/h"},"options":{"idempotency_key":"k1"}}"#)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        created["secret"], "whsec_c2VjcmV0c2VjcmV0",
        "the create answer keeps the secret for the binding"
    );
    client
        .call_json(br#"{"op":"update_webhook","id":"wh_3mKpLvRw9nQx","params":{"description":null}}"#)
        .await
        .unwrap();
    let page: Value = serde_json::from_str(
        &client
            .call_json(br#"{"op":"list_deliveries","id":"wh_3mKpLvRw9nQx","params":{"limit":5}}"#)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(page["has_more"], false);
    let requests = server.requests();
    assert_eq!(requests[0].header("idempotency-key"), Some("k1"));
    assert_eq!((requests[1].method.as_str(), requests[1].json()), ("PATCH", json!({"description": null})));
    assert_eq!(requests[2].path, "/v1/webhooks/wh_3mKpLvRw9nQx/deliveries");
    assert_eq!(requests[2].query_pairs(), vec![("limit".to_owned(), "5".to_owned())]);
}

// ---------------------------------------------------------------------------------------------
// Hostile answers: whatever the API sends, a typed error in bounded time and memory

#[tokio::test]
async fn hostile_retry_after_values_retry_within_the_cap_or_report_a_bounded_wait() {
    let far_future = "Fri, 31 Dec 9999 23:59:59 GMT";
    for (name, value, reported) in [
        ("retry-after", "1e20", None),
        ("retry-after-ms", "1e300", None),
        ("retry-after", "12345678901234567890", Some(send0::client::retry::LONGEST_WAIT)),
        ("retry-after-ms", "99999999999999999999999999", Some(send0::client::retry::LONGEST_WAIT)),
        ("retry-after", far_future, Some(send0::client::retry::LONGEST_WAIT)),
        ("retry-after", "-5", None),
        ("retry-after", "NaN", None),
        ("retry-after", "inf", None),
        ("retry-after", "soon", None),
    ] {
        let server = Server::start([
            Reply::error(503, "unavailable", "busy").header(name, value),
            Reply::error(429, "rate_limited", "slow down").header(name, value),
        ])
        .await;
        let client = server.client().max_retries(1).build().unwrap();
        let started = Instant::now();
        let err = expect_err(client.webhooks().get("wh_1")).await;
        // Waits over 60 s are not slept: the retry falls back to the backoff (0.5 s at most).
        assert!(started.elapsed() < Duration::from_secs(5), "{name}: {value}: {:?}", started.elapsed());
        assert_eq!(server.requests().len(), 2, "{name}: {value}");
        assert_eq!(err.kind(), ErrorKind::RateLimited, "{name}: {value}");
        assert_eq!(err.api().unwrap().retry_after, reported, "{name}: {value}");
    }
}

#[tokio::test]
async fn huge_and_absurd_answers_are_short_typed_errors() {
    let eight_mib_string = format!("\"{}\"", "x".repeat(8 << 20));
    let long_message = "m".repeat(1 << 20);
    let server = Server::start([
        Reply::text(200, "application/json", &eight_mib_string),
        Reply::text(200, "application/json", &"[".repeat(17 << 20)),
        Reply::error(400, "invalid_request", &long_message),
        Reply::json(999, json!({"error": "strange"})),
        Reply::text(200, "application/json", ""),
        Reply::text(200, "application/json", &format!("\"{API_KEY}\"")),
    ])
    .await;
    let client = server.client().max_retries(0).build().unwrap();
    let webhooks = client.webhooks();
    let decode = expect_err(webhooks.get("wh_1")).await;
    assert_eq!(decode.kind(), ErrorKind::Decode);
    assert!(
        decode.message().len() < 1000,
        "the 8 MiB body is not quoted whole: {} bytes",
        decode.message().len()
    );
    let too_big = expect_err(webhooks.get("wh_1")).await;
    assert_eq!(too_big.kind(), ErrorKind::Decode);
    assert!(too_big.message().contains("over 16 MiB"), "{too_big}");
    let long = expect_err(webhooks.get("wh_1")).await;
    assert_eq!(long.kind(), ErrorKind::InvalidRequest);
    assert!(long.message().len() < 1000, "the 1 MiB message is cut: {} bytes", long.message().len());
    let strange = expect_err(webhooks.get("wh_1")).await;
    assert_eq!(strange.status(), Some(999));
    assert_eq!(strange.kind(), ErrorKind::Api);
    assert_eq!(expect_err(webhooks.get("wh_1")).await.kind(), ErrorKind::Decode);
    let echoed = expect_err(webhooks.get("wh_1")).await;
    assert!(!echoed.message().contains(API_KEY), "{echoed}");
}
