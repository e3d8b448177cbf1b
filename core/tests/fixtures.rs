//! Every case of the shared vectors in `tests/fixtures/webhooks`, the ones all four languages load.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use send0::webhooks::{Verifier, WebhookHeaders, sign};
use serde_json::Value;

fn fixture_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/webhooks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn body_of(case: &Value) -> Vec<u8> {
    match (case.get("body"), case.get("body_base64")) {
        (Some(Value::String(s)), None) => s.as_bytes().to_vec(),
        (None, Some(Value::String(b))) => base64::engine::general_purpose::STANDARD.decode(b).unwrap(),
        _ => panic!("case {} needs exactly one of body / body_base64", case["name"]),
    }
}

/// Runs one case; returns a description of the mismatch, if any.
fn run_case(case: &Value) -> Result<(), String> {
    let body = body_of(case);
    let op = case["op"].as_str().unwrap();
    if op == "sign" {
        let got = sign(
            case["secret"].as_str().unwrap(),
            case["msg_id"].as_str().unwrap(),
            case["timestamp"].as_i64().unwrap(),
            &body,
        )
        .map_err(|e| format!("sign failed: {e}"))?;
        let expected = case["expected"].as_str().unwrap();
        return if got == expected { Ok(()) } else { Err(format!("signed {got}, expected {expected}")) };
    }

    let secrets: Vec<&str> =
        case["secrets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let headers: WebhookHeaders = case["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap(), pair[1].as_str().unwrap()))
        .collect();
    let expected_error = case["error"].as_str();
    let outcome = Verifier::from_secrets(&secrets).and_then(|verifier| {
        let mut verifier = verifier.with_now(case["now"].as_i64().unwrap());
        if let Some(tolerance) = case.get("tolerance").and_then(Value::as_u64) {
            verifier = verifier.with_tolerance(Duration::from_secs(tolerance));
        }
        match op {
            "verify_raw" => verifier.verify_raw(&body, &headers).map(|()| None),
            "verify" => verifier.verify(&body, &headers).map(|event| {
                Some(serde_json::json!({
                    "id": event.id,
                    "type": event.event_type,
                    "service": event.service,
                    "data": serde_json::from_str::<Value>(event.data.get()).unwrap(),
                    "livemode": event.livemode,
                    "created_at": event.created_at,
                    "webhook_id": event.webhook_id,
                    "timestamp": event.timestamp,
                }))
            }),
            other => panic!("unknown op {other}"),
        }
    });

    match (outcome, expected_error) {
        (Ok(event), None) => {
            if let (Some(event), Some(expected)) = (event, case.get("event")) {
                if &event != expected {
                    return Err(format!("event {event} != expected {expected}"));
                }
            }
            Ok(())
        }
        (Ok(_), Some(kind)) => Err(format!("verified, but expected {kind}")),
        (Err(e), None) => Err(format!("expected success, got {e}")),
        (Err(e), Some(kind)) => {
            if e.kind().as_str() != kind {
                return Err(format!("expected {kind}, got {e}"));
            }
            if let Some(mention) = case.get("error_mentions").and_then(Value::as_str) {
                if !e.message().to_lowercase().contains(mention) {
                    return Err(format!("message `{}` does not mention `{mention}`", e.message()));
                }
            }
            // Rule 8: an error never repeats a secret (nor its key material without the prefix).
            for secret in &secrets {
                let material = secret.trim_start_matches("whsec_").trim_start_matches("whpk_");
                if material.len() >= 8 && e.message().contains(material) {
                    return Err(format!("message leaks a secret: {}", e.message()));
                }
            }
            Ok(())
        }
    }
}

#[test]
fn every_shared_fixture_case_passes() {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut names = std::collections::HashSet::new();
    for file in fixture_files() {
        let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            count += 1;
            let name = case["name"].as_str().unwrap().to_owned();
            assert!(names.insert(name.clone()), "duplicate case name {name}");
            if let Err(why) = run_case(case) {
                failures.push(format!("{}::{name}: {why}", file.file_name().unwrap().to_string_lossy()));
            }
        }
    }
    assert!(count >= 40, "only {count} fixture cases found");
    assert!(failures.is_empty(), "{} of {count} cases failed:\n{}", failures.len(), failures.join("\n"));
    println!("{count} shared fixture cases passed");
}
