//! The API behaviour vectors of `tests/fixtures/http` (the README there gives the schema), played
//! to the client: the same cases every SDK's suite plays to its own.

use std::pin::pin;

use futures_util::TryStreamExt;
use send0::client::{EndpointStatus, ListParams};
use serde_json::Value;

use crate::harness::{Reply, Server};

pub(crate) fn cases(file: &str) -> Vec<Value> {
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

/// The Rust models (which the server answers with) against openapi.yaml, through the field shapes
/// scripts/generate/generate.py writes from it: an object with every field of the contract reads
/// into the model with nothing left over as unknown, and writes back as the same fields.
#[test]
fn the_core_models_have_the_fields_of_openapi_yaml() {
    use send0::client::{
        DeletedWebhookEndpoint, DeliveryAttempt, EmittedEvent, RotatedSecret, TestResult, WebhookEndpoint,
        WebhookEndpointWithSecret,
    };
    /// The object read as a T and written back, and the fields T did not know.
    fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
        object: &Value,
        extra: fn(&T) -> &send0::client::Extra,
    ) -> (Value, Vec<String>) {
        let model = serde_json::from_value::<T>(object.clone()).unwrap();
        (serde_json::to_value(&model).unwrap(), extra(&model).keys().cloned().collect())
    }
    let path = format!("{}/../tests/fixtures/contract.json", env!("CARGO_MANIFEST_DIR"));
    let shapes: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let models = shapes["models"].as_object().unwrap();
    assert_eq!(models.len(), 7, "a model was added to openapi.yaml: add it here");
    for (model, fields) in models {
        let object: serde_json::Map<String, Value> = fields
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, kind)| {
                let value = match kind.as_str().unwrap().trim_end_matches('?') {
                    "string" => Value::from("text"),
                    "integer" => Value::from(7),
                    "boolean" => Value::from(true),
                    "time" => Value::from("2026-04-12T10:30:00Z"),
                    "strings" => serde_json::json!(["a"]),
                    other => panic!("{model}.{name}: kind {other}"),
                };
                (name.clone(), value)
            })
            .collect();
        let object = Value::Object(object);
        let (back, unknown) = match model.as_str() {
            "WebhookEndpoint" => round_trip::<WebhookEndpoint>(&object, |m| &m.extra),
            "WebhookEndpointWithSecret" => {
                round_trip::<WebhookEndpointWithSecret>(&object, |m| &m.endpoint.extra)
            }
            "DeletedWebhookEndpoint" => round_trip::<DeletedWebhookEndpoint>(&object, |m| &m.extra),
            "TestResult" => round_trip::<TestResult>(&object, |m| &m.extra),
            "RotatedSecret" => round_trip::<RotatedSecret>(&object, |m| &m.extra),
            "DeliveryAttempt" => round_trip::<DeliveryAttempt>(&object, |m| &m.extra),
            "EmittedEvent" => round_trip::<EmittedEvent>(&object, |m| &m.extra),
            other => panic!("{other} is in openapi.yaml but has no Rust model here"),
        };
        assert!(unknown.is_empty(), "{model}: openapi.yaml has fields the Rust model lacks: {unknown:?}");
        assert_eq!(back, object, "{model}: the Rust model writes other fields than openapi.yaml has");
    }
}

/// The core's error kinds against openapi.yaml's `x-send0-error-kinds`, from which every binding's
/// error table is generated: the same kinds, in the same order.
#[test]
fn the_core_error_kinds_are_those_of_openapi_yaml() {
    let path = format!("{}/../tests/fixtures/contract.json", env!("CARGO_MANIFEST_DIR"));
    let contract: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let core: Vec<Value> = send0::ErrorKind::ALL.iter().map(|k| Value::from(k.as_str())).collect();
    assert_eq!(contract["error_kinds"], Value::from(core));
}

/// The core's event catalog against openapi.yaml's webhooks, from which every binding's catalog is
/// generated: the same types, in the same order.
#[test]
fn the_core_event_types_are_those_of_openapi_yaml() {
    let path = format!("{}/../tests/fixtures/contract.json", env!("CARGO_MANIFEST_DIR"));
    let contract: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let catalog: Vec<&str> =
        contract["event_types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(catalog, send0::events::EVENT_TYPES);
}
