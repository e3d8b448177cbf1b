//! Retries: which failures are retried, how long the client waits, and the idempotency key that
//! one POST keeps across its retries.

use std::time::{Duration, Instant};

use send0::client::CreateWebhookParams;
use send0::{ErrorKind, RequestOptions};

use crate::harness::{RawReply, RawServer, Reply, Server, created, endpoint, expect_err, retry_counts};

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

/// The error after the last retry is the last answer's (the fault vectors check its message).
#[tokio::test]
async fn the_error_after_the_last_retry_has_the_last_request_id() {
    let server = Server::start([
        Reply::error(500, "internal_error", "first").retry_now(),
        Reply::error(502, "internal_error", "second").retry_now(),
        Reply::error(500, "internal_error", "third").retry_now().header("x-request-id", "req_last"),
    ])
    .await;
    let client = server.client().max_retries(2).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.request_id(), Some("req_last"));
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
