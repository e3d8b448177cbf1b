//! Timeouts, refused connections and cancellation.

use std::time::{Duration, Instant};

use send0::{Client, ErrorKind, RequestOptions};
use tokio::sync::oneshot;

use crate::harness::{API_KEY, RawReply, RawServer, Reply, Server, endpoint, expect_err};

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
    crate::harness::patiently("the server to see the connection close", dropped_rx)
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
