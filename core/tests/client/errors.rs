//! Error mapping, and hostile answers: whatever the API sends, a typed error in bounded time and
//! memory, never the API key.

use std::time::{Duration, Instant};

use send0::ErrorKind;
use send0::client::{CreateWebhookParams, ListParams};
use serde_json::json;

use crate::harness::{API_KEY, Reply, Server, endpoint, expect_err};

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
