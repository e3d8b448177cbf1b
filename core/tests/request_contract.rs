//! The core's request parameters against openapi.yaml. They are hand-written (as in every SDK), and
//! scripts/generate/generate.py writes each operation's body fields and query parameters into
//! `tests/fixtures/contract.json` (`requests`): a field added to or removed from a request there
//! fails this test until the params type follows. The bindings hand their parameters to the core as
//! JSON, so these serde names are also the names every binding sends.
#![cfg(feature = "client")]

use std::collections::BTreeMap;

use send0::client::{CreateWebhookParams, ListParams, RotateSecretParams, UpdateWebhookParams};
use serde::Serialize;
use serde_json::Value;

/// A field: its kind as contract.json names it, and whether it is required.
type Fields = BTreeMap<String, (String, bool)>;

fn contract_requests() -> serde_json::Map<String, Value> {
    let path = format!("{}/../tests/fixtures/contract.json", env!("CARGO_MANIFEST_DIR"));
    let contract: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    contract["requests"].as_object().expect("contract.json has `requests`").clone()
}

/// The fields of one operation in contract.json, all of them `where` (body or query).
fn contract_fields(requests: &serde_json::Map<String, Value>, op: &str, place: &str) -> Fields {
    let fields =
        requests.get(op).unwrap_or_else(|| panic!("{op} is not in contract.json")).as_object().unwrap();
    fields
        .iter()
        .map(|(name, field)| {
            assert_eq!(field["in"], place, "{op}.{name}: in {}, not {place}", field["in"]);
            (name.clone(), (field["kind"].as_str().unwrap().to_owned(), field["required"].as_bool().unwrap()))
        })
        .collect()
}

fn kind_of(name: &str, value: &Value) -> String {
    match value {
        Value::String(_) => "string",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Bool(_) => "boolean",
        Value::Array(items) if items.iter().all(Value::is_string) => "strings",
        other => panic!("{name}: no contract kind for {other}"),
    }
    .to_owned()
}

/// What a params type sends: every field of `full` (each one set), required when `minimal` (each
/// optional one left out) sends it too.
fn sent<T: Serialize>(full: &T, minimal: &T) -> Fields {
    let full = serde_json::to_value(full).unwrap();
    let minimal = serde_json::to_value(minimal).unwrap();
    let minimal = minimal.as_object().unwrap();
    full.as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), (kind_of(name, value), minimal.contains_key(name))))
        .collect()
}

#[test]
fn the_params_send_the_fields_of_openapi_yaml() {
    let requests = contract_requests();
    let full_create = CreateWebhookParams {
        url: "https://example.com/webhooks".into(),
        events: Some(vec!["*".into()]),
        description: Some("text".into()),
        active: Some(true),
    };
    let full_update = UpdateWebhookParams {
        url: Some("https://example.com/webhooks".into()),
        events: Some(vec!["*".into()]),
        description: Some(Some("text".into())),
        active: Some(true),
        paused: Some(false),
    };
    let full_rotate = RotateSecretParams { expire_previous_in: Some(3600) };
    let full_list = ListParams { limit: Some(20), cursor: Some("cursor".into()) };
    let list = sent(&full_list, &ListParams::default());
    let checks: [(&str, &str, Fields); 8] = [
        ("createWebhook", "body", sent(&full_create, &CreateWebhookParams::default())),
        ("updateWebhook", "body", sent(&full_update, &UpdateWebhookParams::default())),
        ("rotateWebhookSecret", "body", sent(&full_rotate, &RotateSecretParams::default())),
        // One ListParams pages both lists.
        ("listWebhooks", "query", list.clone()),
        ("listWebhookDeliveries", "query", list),
        // get, delete and test take the endpoint's id and nothing else.
        ("getWebhook", "body", Fields::new()),
        ("deleteWebhook", "body", Fields::new()),
        ("testWebhook", "body", Fields::new()),
    ];
    for (op, place, fields) in &checks {
        assert_eq!(
            fields,
            &contract_fields(&requests, op, place),
            "{op}: the Rust params (left) differ from openapi.yaml (right): name, kind, required"
        );
    }
    let known: Vec<&str> = checks.iter().map(|(op, _, _)| *op).collect();
    for op in requests.keys() {
        assert!(
            known.contains(&op.as_str()),
            "{op} is an operation of openapi.yaml with no params checked here"
        );
    }
}
