//! The API behaviour vectors of `tests/fixtures/http` (the README there gives the schema), played
//! to the client: the same cases every SDK's suite plays to its own.

use std::pin::pin;

use futures_util::TryStreamExt;
use send0::client::{EndpointStatus, ListParams};
use serde_json::Value;

use crate::harness::{Reply, Server};

fn cases(file: &str) -> Vec<Value> {
    let path = format!("{}/../tests/fixtures/http/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases = serde_json::from_str::<Value>(&text).unwrap()["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "{path} has no cases");
    cases
}

async fn server_for(case: &Value) -> Server {
    let replies = case["replies"].as_array().unwrap();
    Server::start(
        replies.iter().map(|r| Reply::json(r["status"].as_u64().unwrap() as u16, r["body"].clone())),
    )
    .await
}

#[tokio::test]
async fn pagination_vectors_end_each_walk_with_the_expected_error() {
    for case in cases("pagination.json") {
        let name = case["name"].as_str().unwrap();
        let server = server_for(&case).await;
        let client = server.client().build().unwrap();
        let mut walk = pin!(client.webhooks().list_all(ListParams::default()));
        let mut items = Vec::new();
        let err = loop {
            match walk.try_next().await {
                Ok(Some(endpoint)) => items.push(Value::from(endpoint.id)),
                Ok(None) => panic!("{name}: the walk ended without an error after {items:?}"),
                Err(err) => break err,
            }
        };
        let expect = &case["expect"];
        assert_eq!(Value::from(items), expect["items"], "{name}");
        assert_eq!(err.kind().as_str(), expect["error"], "{name}: {err}");
        assert_eq!(server.requests().len() as u64, expect["requests"].as_u64().unwrap(), "{name}");
    }
}

#[tokio::test]
async fn forward_compat_vectors_reach_the_user_as_sent() {
    for case in cases("forward_compat.json") {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let server = server_for(&case).await;
        let client = server.client().build().unwrap();
        let got = client.webhooks().get(expect["id"].as_str().unwrap()).await.unwrap();
        let page = client.webhooks().list(&ListParams::default()).await.unwrap();
        for endpoint in [&got, &page.data[0]] {
            assert_eq!(
                endpoint.status,
                EndpointStatus::Other(expect["status"].as_str().unwrap().into()),
                "{name}"
            );
            for (field, value) in expect["unknown"].as_object().unwrap() {
                assert_eq!(endpoint.extra.get(field), Some(value), "{name}: {field}");
            }
        }
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            case["replies"][0]["body"],
            "{name}: encoded again, as sent"
        );
    }
}
