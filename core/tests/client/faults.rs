//! The fault vectors of `tests/fixtures/http` (retries.json and answers.json; the README there
//! gives the schema), played to the client through the raw scripted server: the same cases every
//! SDK's suite plays to its own.
//!
//! The cases of a file are played at once, each against its own server, and each case's
//! observations are set beside its `expect` in the form `expect` has, so that a failure lists every
//! case that broke with what it expected and what happened instead.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use send0::client::{CreateWebhookParams, ListParams};
use serde_json::{Map, Value, json};

use crate::harness::{RawReply, RawServer, assert_no_key, patiently, raw_header};
use crate::vectors::cases;

const REPLY_FIELDS: [&str; 6] = ["status", "headers", "body", "text", "delay_ms", "drop"];
const EXPECT_FIELDS: [&str; 10] = [
    "outcome",
    "status",
    "message_contains",
    "param",
    "retry_after",
    "requests",
    "retry_counts",
    "one_idempotency_key",
    "min_wait_ms",
    "max_elapsed_ms",
];

#[tokio::test]
async fn retries_vectors_come_to_the_expected_outcome() {
    play_file("retries.json").await;
}

#[tokio::test]
async fn answers_vectors_come_to_the_expected_outcome() {
    play_file("answers.json").await;
}

async fn play_file(file: &str) {
    let cases = cases(file);
    let broken: Vec<String> = join_all(cases.iter().map(play))
        .await
        .into_iter()
        .zip(&cases)
        .filter(|(got, case)| *got != case["expect"])
        .map(|(got, case)| {
            format!("{}:\n  expected {}\n  got      {got}", case["name"].as_str().unwrap(), case["expect"])
        })
        .collect();
    assert!(broken.is_empty(), "{file}: {} case(s) broke:\n{}", broken.len(), broken.join("\n"));
}

/// Plays one case and returns what happened, under the keys of its `expect`: a value that meets
/// the expectation is given as expected (a wait at least `min_wait_ms`, a message containing
/// `message_contains`), any other as observed.
async fn play(case: &Value) -> Value {
    let name = case["name"].as_str().unwrap();
    let server = RawServer::start(case["replies"].as_array().unwrap().iter().map(|r| reply(name, r))).await;
    let mut builder = server.client();
    for option in case["options"].as_object().into_iter().flat_map(|options| options.keys()) {
        assert!(
            ["max_retries", "timeout_ms"].contains(&option.as_str()),
            "{name}: this player cannot set `{option}`"
        );
    }
    if let Some(retries) = case["options"]["max_retries"].as_u64() {
        builder = builder.max_retries(u32::try_from(retries).unwrap());
    }
    if let Some(ms) = case["options"]["timeout_ms"].as_u64() {
        builder = builder.timeout(Duration::from_millis(ms));
    }
    let webhooks = builder.build().unwrap().webhooks();
    let started = Instant::now();
    let result = patiently(name, async {
        match case["call"].as_str() {
            Some("list") => webhooks.list(&ListParams::default()).await.map(drop),
            Some("get") => webhooks.get("wh_1").await.map(drop),
            Some("create") => {
                webhooks.create(&CreateWebhookParams::new("https://example.com/hook")).await.map(drop)
            }
            other => panic!("{name}: no such call {other:?}"),
        }
    })
    .await;
    let elapsed = started.elapsed();
    if let Err(err) = &result {
        assert_no_key(err);
    }
    let requests = server.requests();
    let arrivals = server.arrivals();
    let api = result.as_ref().err().and_then(|err| err.api());

    let mut got = Map::new();
    for (field, expected) in case["expect"].as_object().unwrap() {
        assert!(EXPECT_FIELDS.contains(&field.as_str()), "{name}: this player cannot check `{field}`");
        let observed = match field.as_str() {
            "outcome" => json!(result.as_ref().err().map_or("ok", |err| err.kind().as_str())),
            "status" => json!(result.as_ref().err().and_then(send0::Error::status)),
            "message_contains" => {
                let message = match (&result, api) {
                    (_, Some(api)) => api.message.as_str(),
                    (Err(err), None) => err.message(),
                    (Ok(()), None) => "",
                };
                if message.contains(expected.as_str().unwrap()) { expected.clone() } else { json!(message) }
            }
            "param" => json!(api.and_then(|api| api.param.as_deref())),
            "retry_after" => {
                let seconds = api.and_then(|api| api.retry_after).map(|wait| wait.as_secs_f64());
                if seconds == expected.as_f64() { expected.clone() } else { json!(seconds) }
            }
            "requests" => json!(requests.len()),
            "retry_counts" => {
                json!(requests.iter().map(|r| raw_header(r, "x-send0-retry-count")).collect::<Vec<_>>())
            }
            "one_idempotency_key" => json!(one_idempotency_key(&requests)),
            "min_wait_ms" => match arrivals.as_slice() {
                [first, second, ..] => {
                    let waited = second.duration_since(*first).as_millis();
                    if waited >= u128::from(expected.as_u64().unwrap()) {
                        expected.clone()
                    } else {
                        json!(waited)
                    }
                }
                _ => json!(format!("{} request(s): no wait", arrivals.len())),
            },
            "max_elapsed_ms" => {
                let took = elapsed.as_millis();
                if took < u128::from(expected.as_u64().unwrap()) { expected.clone() } else { json!(took) }
            }
            _ => unreachable!(),
        };
        got.insert(field.clone(), observed);
    }
    Value::Object(got)
}

/// Every request carried the same (non-empty) `Idempotency-Key`, and the same body.
fn one_idempotency_key(requests: &[String]) -> bool {
    fn key_and_body(request: &str) -> (Option<&str>, Option<&str>) {
        let key = raw_header(request, "idempotency-key").filter(|key| !key.is_empty());
        (key, request.split_once("\r\n\r\n").map(|(_, body)| body))
    }
    let first = requests.first().map(|r| key_and_body(r));
    first.is_some_and(|(key, _)| key.is_some()) && requests.iter().all(|r| Some(key_and_body(r)) == first)
}

/// The raw server's reply for one scripted `reply` of case `name`.
fn reply(name: &str, reply: &Value) -> RawReply {
    let fields = reply.as_object().unwrap();
    if let Some(field) = fields.keys().find(|field| !REPLY_FIELDS.contains(&field.as_str())) {
        panic!("{name}: this player cannot script a reply's `{field}`");
    }
    let answer = if reply["drop"] == true {
        RawReply::Close
    } else {
        let mut headers: Vec<(String, String)> = reply["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let body = match (reply.get("body"), reply["text"].as_str()) {
            (_, Some(text)) => text.to_owned(),
            (Some(body), None) => {
                if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                body.to_string()
            }
            (None, None) => String::new(),
        };
        let status = reply.get("status").map_or(200, |s| u16::try_from(s.as_u64().unwrap()).unwrap());
        RawReply::Respond { status, headers, body }
    };
    match reply["delay_ms"].as_u64() {
        Some(ms) => RawReply::After(Duration::from_millis(ms), Box::new(answer)),
        None => answer,
    }
}
