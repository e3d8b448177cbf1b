//! The wire shape of every Webhooks API operation, pagination, and the arguments refused before
//! any request is sent.

use std::pin::pin;

use futures_util::TryStreamExt;
use send0::client::{
    CreateWebhookParams, EndpointStatus, ListParams, RotateSecretParams, UpdateWebhookParams,
};
use send0::{Client, ErrorKind};
use serde_json::{Value, json};

use crate::harness::{API_KEY, Reply, Server, created, delivery, endpoint, expect_err, page};

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
