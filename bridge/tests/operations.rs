//! Operations as JSON against a scripted server: the path each takes, the answers passed on with
//! every field the API sent, and pages walked by sending back each answer's `next` request.

#[path = "../../core/tests/client/harness.rs"]
#[allow(dead_code)] // the client tests use the rest
mod harness;

use harness::{Reply, Server, created, endpoint, page};
use send0::ErrorKind;
use serde_json::{Value, json};

async fn call(client: &send0::Client, request: &Value) -> send0::Result<Value> {
    let answer = send0_bridge::call_json(client, request.to_string().as_bytes()).await?;
    Ok(serde_json::from_str(&answer).unwrap())
}

#[tokio::test]
async fn operations_described_as_json_take_the_same_path() {
    let server = Server::start([
        Reply::json(201, created("wh_3mKpLvRw9nQx", "whsec_c2VjcmV0c2VjcmV0")),
        Reply::json(200, endpoint("wh_3mKpLvRw9nQx")),
        Reply::json(200, page(vec![], None)),
    ])
    .await;
    let client = server.client().build().unwrap();
    let request = json!({"op": "create_webhook", "params": {"url": "https://example.com/h"},
        "options": {"idempotency_key": "k1"}});
    let created = call(&client, &request).await.unwrap();
    assert_eq!(
        created["secret"], "whsec_c2VjcmV0c2VjcmV0",
        "the create answer keeps the secret for the binding"
    );
    let request = json!({"op": "update_webhook", "id": "wh_3mKpLvRw9nQx", "params": {"description": null}});
    call(&client, &request).await.unwrap();
    let request = json!({"op": "list_deliveries", "id": "wh_3mKpLvRw9nQx", "params": {"limit": 5}});
    let answer = call(&client, &request).await.unwrap();
    assert_eq!((&answer["page"]["has_more"], &answer["next"]), (&json!(false), &Value::Null));
    let requests = server.requests();
    assert_eq!(requests[0].header("idempotency-key"), Some("k1"));
    assert_eq!((requests[1].method.as_str(), requests[1].json()), ("PATCH", json!({"description": null})));
    assert_eq!(requests[2].path, "/v1/webhooks/wh_3mKpLvRw9nQx/deliveries");
    assert_eq!(requests[2].query_pairs(), vec![("limit".to_owned(), "5".to_owned())]);
}

#[tokio::test]
async fn each_page_answers_the_request_for_the_next_with_the_same_options() {
    let server = Server::start([
        Reply::json(200, page(vec![endpoint("wh_1")], Some("c1"))),
        Reply::json(200, page(vec![endpoint("wh_2")], None)),
    ])
    .await;
    let client = server.client().build().unwrap();
    let first = json!({"op": "list_webhooks", "params": {"limit": 1}, "options": {"timeout_ms": 5000}});
    let answer = call(&client, &first).await.unwrap();
    let next = answer["next"].clone();
    assert_eq!(next["params"], json!({"limit": 1, "cursor": "c1"}));
    assert_eq!(next["options"], json!({"timeout_ms": 5000}));
    let last = call(&client, &next).await.unwrap();
    assert_eq!((&last["page"]["data"][0]["id"], &last["next"]), (&json!("wh_2"), &Value::Null));
    let queries: Vec<_> = server.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries, [Some("limit=1".to_owned()), Some("limit=1&cursor=c1".to_owned())]);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_walk_with_a_decode_error() {
    let server = Server::start([
        Reply::json(200, page(vec![endpoint("wh_1")], Some("same"))),
        Reply::json(200, page(vec![endpoint("wh_2")], Some("same"))),
    ])
    .await;
    let client = server.client().build().unwrap();
    let answer = call(&client, &json!({"op": "list_webhooks"})).await.unwrap();
    let err = call(&client, &answer["next"]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn unknown_fields_and_statuses_are_passed_on_as_sent() {
    let mut future = endpoint("wh_1");
    future["status"] = json!("throttled");
    future["region"] = json!({"name": "eu-west", "since": 2026});
    let server = Server::start([Reply::json(200, future.clone())]).await;
    let client = server.client().build().unwrap();
    let answer = call(&client, &json!({"op": "get_webhook", "id": "wh_1"})).await.unwrap();
    assert_eq!(answer, future);
}
