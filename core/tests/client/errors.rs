//! Error mapping, and hostile answers: whatever the API sends, a typed error in bounded time and
//! memory, never the API key.

use send0::ErrorKind;
use send0::client::{CreateWebhookParams, ListParams};
use serde_json::json;

use crate::harness::{API_KEY, Reply, Server, expect_err};

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = Server::start([]).await;
    let client = server.client().max_retries(3).build().unwrap();
    let cases = [
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

/// A non-JSON error body is kept as sent, with no code (the fault vectors check kind and message).
#[tokio::test]
async fn a_non_json_error_body_is_kept_raw() {
    let server =
        Server::start([Reply::text(502, "text/html", "<html><body>Bad Gateway</body></html>")]).await;
    let client = server.client().max_retries(0).build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert_eq!(err.api().unwrap().code, None);
    assert_eq!(err.api().unwrap().body, "<html><body>Bad Gateway</body></html>");
}

/// A decode error names the request id (the fault vectors check its kind).
#[tokio::test]
async fn a_decode_error_names_the_request_id() {
    let server =
        Server::start([Reply::json(200, json!({"unexpected": true})).header("x-request-id", "req_dec1")])
            .await;
    let client = server.client().build().unwrap();
    let err = expect_err(client.webhooks().get("wh_1")).await;
    assert!(err.message().contains("req_dec1"), "{err}");
}

#[tokio::test]
async fn huge_answers_and_an_echoed_key_are_short_typed_errors() {
    let eight_mib_string = format!("\"{}\"", "x".repeat(8 << 20));
    let long_message = "m".repeat(1 << 20);
    let server = Server::start([
        Reply::text(200, "application/json", &eight_mib_string),
        Reply::text(200, "application/json", &"[".repeat(17 << 20)),
        Reply::error(400, "invalid_request", &long_message),
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
    let echoed = expect_err(webhooks.get("wh_1")).await;
    assert!(!echoed.message().contains(API_KEY), "{echoed}");
}
