//! `send0 verify --explain` on every case of tests/fixtures/explain/explain.json (its README gives
//! the schema), as JSON and as text, and the hint a plain failed `verify` prints.

mod common;

use std::path::PathBuf;

use common::{json_of, send0, stderr_of, stdout_of};
use serde_json::{Value, json};

fn cases() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/explain/explain.json");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    document["cases"].as_array().unwrap().clone()
}

fn case_named(name: &str) -> Value {
    cases().into_iter().find(|case| case["name"] == name).unwrap()
}

/// `send0 verify` of a fixture case: its secrets, headers and clock on the command line, its body
/// on standard input.
fn verify(case: &Value) -> assert_cmd::Command {
    let mut command = send0();
    command.arg("verify").arg("--now").arg(case["now"].to_string());
    for secret in case["secrets"].as_array().unwrap() {
        command.arg(format!("--secret={}", secret.as_str().unwrap()));
    }
    for pair in case["headers"].as_array().unwrap() {
        command.arg("--header").arg(format!("{}: {}", pair[0].as_str().unwrap(), pair[1].as_str().unwrap()));
    }
    command
        .env_remove("SEND0_WEBHOOK_SECRET")
        .write_stdin(case["body"].as_str().unwrap().as_bytes().to_vec());
    command
}

#[test]
fn explain_as_json_reports_every_fixture_and_exits_by_the_verdict() {
    let mut broken = Vec::new();
    for case in cases() {
        let output = verify(&case).args(["--explain", "--json"]).output().unwrap();
        let report = json_of(&output);
        let expect = &case["expect"];
        let mut got = json!({
            "verified": report["verified"],
            "diagnoses": report["diagnoses"].as_array().unwrap().iter().map(|d| d["code"].clone()).collect::<Vec<_>>(),
            "matched_secrets": report["entries"].as_array().unwrap().iter().map(|e| e["matched_secret"].clone()).collect::<Vec<_>>(),
            "altered": report["body"]["altered"],
        });
        if let Some(wanted) = expect["fix_mentions"].as_str() {
            let fix = report["diagnoses"][0]["fix"].as_str().unwrap_or("");
            got["fix_mentions"] = if fix.contains(wanted) { json!(wanted) } else { json!(fix) };
        }
        let code = output.status.code();
        let wanted_code = if expect["verified"] == true { Some(0) } else { Some(4) };
        if got != *expect || code != wanted_code {
            broken.push(format!(
                "{}: expected {expect} (exit {wanted_code:?}), got {got} (exit {code:?})",
                case["name"]
            ));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn explain_for_people_names_the_cause_and_its_fix() {
    let output = verify(&case_named("body_newline_added")).arg("--explain").output().unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(text.starts_with("not verified\n"), "{text}");
    assert!(text.contains("1. the body matches once its trailing newline is removed"), "{text}");
    assert!(text.contains("after it was signed [body_newline_added]\n"), "{text}");
    assert!(text.contains("fix: verify the raw body exactly as received"), "{text}");
    assert!(text.contains("express.raw"), "{text}");
    assert!(text.contains("entry 0    v1, matches secret 0"), "{text}");
    assert!(text.contains("altered: newline added"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour without a terminal: {text}");
    assert!(stderr_of(&output).contains("does not verify"), "{}", stderr_of(&output));

    let verified = verify(&case_named("verified")).arg("--explain").output().unwrap();
    assert!(verified.status.success(), "{}", stderr_of(&verified));
    assert!(
        stdout_of(&verified)
            .starts_with("verified\n\n1. verified: signature entry 0 matches secret 0 [verified]\n")
    );
}

#[test]
fn a_plain_failed_verify_prints_the_hint_and_points_at_explain() {
    let output = verify(&case_named("timestamp_in_milliseconds")).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("timestamp_too_new"), "{stderr}");
    assert!(stderr.contains("hint: webhook-timestamp 1775989800000 is Unix milliseconds"), "{stderr}");
    assert!(stderr.contains("--explain"), "{stderr}");

    let json = verify(&case_named("body_reserialized_by_python")).arg("--json").output().unwrap();
    assert_eq!(json.status.code(), Some(4));
    let error: Value = serde_json::from_str(stderr_of(&json).trim()).unwrap();
    assert!(error["error"]["hint"].as_str().unwrap().contains("written compactly"), "{error}");
}

#[test]
fn no_report_or_hint_holds_the_secret() {
    for case in cases() {
        for flags in [&["--explain", "--json"][..], &["--explain"][..], &[][..]] {
            let output = verify(&case).args(flags).output().unwrap();
            let all = format!("{}{}", stdout_of(&output), stderr_of(&output));
            for secret in case["secrets"].as_array().unwrap() {
                let material = secret.as_str().unwrap().trim().replace("whsec_", "").replace("whpk_", "");
                let material = material.trim_start_matches("sk_test_");
                for window in material.as_bytes().windows(12) {
                    let window = std::str::from_utf8(window).unwrap();
                    assert!(
                        !all.contains(window),
                        "{} {flags:?}: output holds part of a secret: {all}",
                        case["name"]
                    );
                }
            }
        }
    }
}
