//! `explain` on every case of `tests/fixtures/explain/explain.json` (the README there gives the
//! schema), the hint a failed verify carries, and explain on hostile input.

use std::path::PathBuf;

use send0::webhooks::{ExplainOptions, Explanation, Verifier, WebhookHeaders, explain};
use serde_json::{Value, json};

fn cases() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/explain/explain.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let document: Value = serde_json::from_str(&text).unwrap();
    let cases = document["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty());
    cases
}

struct Case {
    name: String,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    secrets: Vec<String>,
    options: ExplainOptions,
}

fn case(value: &Value) -> Case {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
    };
    Case {
        name: value["name"].as_str().unwrap().to_owned(),
        body: value["body"].as_str().unwrap().as_bytes().to_vec(),
        headers: value["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].as_str().unwrap().to_owned()))
            .collect(),
        secrets: strings(&value["secrets"]),
        options: ExplainOptions { now: value["now"].as_i64(), ..ExplainOptions::default() },
    }
}

fn run(case: &Case) -> Explanation {
    explain(&case.body, case.headers.iter().map(|(n, v)| (n, v)), &case.secrets, &case.options)
}

/// The report in the form of a case's `expect`.
fn observed(report: &Explanation, expect: &Value) -> Value {
    let mut got = json!({
        "verified": report.verified,
        "diagnoses": report.diagnoses.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        "matched_secrets": report.entries.iter().map(|e| e.matched_secret).collect::<Vec<_>>(),
        "altered": report.body.altered,
    });
    if let Some(wanted) = expect.get("fix_mentions").and_then(Value::as_str) {
        let fix = report.diagnoses.first().and_then(|d| d.fix.as_deref()).unwrap_or("");
        got["fix_mentions"] = if fix.contains(wanted) { json!(wanted) } else { json!(fix) };
    }
    got
}

#[test]
fn every_diagnosis_fixture_gets_its_report() {
    let broken: Vec<String> = cases()
        .iter()
        .filter_map(|value| {
            let report = run(&case(value));
            let got = observed(&report, &value["expect"]);
            (got != value["expect"]).then(|| {
                format!(
                    "{}:\n  expected {}\n  got      {got}\n  summary  {}",
                    value["name"], value["expect"], report.summary
                )
            })
        })
        .collect();
    assert!(broken.is_empty(), "{} case(s) broke:\n{}", broken.len(), broken.join("\n"));
}

#[test]
fn verified_is_what_verify_raw_answers() {
    for value in cases() {
        let case = case(&value);
        let headers: WebhookHeaders = case.headers.iter().map(|(n, v)| (n, v)).collect();
        let verify = Verifier::from_secrets(&case.secrets)
            .map(|v| v.with_now(case.options.now.unwrap()))
            .and_then(|v| v.verify_raw(&case.body, &headers));
        assert_eq!(run(&case).verified, verify.is_ok(), "{}", case.name);
    }
}

/// No report, summary or hint holds a secret, its base64 key, or any long run of it.
#[test]
fn no_report_or_hint_holds_a_secret() {
    for value in cases() {
        let case = case(&value);
        let report = serde_json::to_string(&run(&case)).unwrap();
        let headers: WebhookHeaders = case.headers.iter().map(|(n, v)| (n, v)).collect();
        let hint = Verifier::from_secrets(&case.secrets)
            .and_then(|v| v.with_now(case.options.now.unwrap()).verify_raw(&case.body, &headers))
            .err()
            .map(|e| format!("{e} {}", e.hint().unwrap_or_default()))
            .unwrap_or_default();
        for secret in &case.secrets {
            let material = secret.trim().trim_start_matches("whsec_").trim_start_matches("whsec_");
            let material = material.trim_start_matches("whpk_").trim_start_matches("sk_test_");
            for window in material.as_bytes().windows(12) {
                let window = std::str::from_utf8(window).unwrap();
                assert!(
                    !report.contains(window),
                    "{}: the report holds part of a secret: {report}",
                    case.name
                );
                assert!(!hint.contains(window), "{}: the error holds part of a secret: {hint}", case.name);
            }
        }
    }
}

/// A failed verify's hint is the summary explain gives, wherever verify has what explain needs (the
/// headers under their own names, secrets that parse).
#[test]
fn a_failed_verify_hints_at_the_cause_explain_finds() {
    let mut hinted = 0;
    for value in cases() {
        let case = case(&value);
        let report = run(&case);
        let first = report.diagnoses[0].code.as_str();
        let comparable = first.starts_with("body_")
            || first.starts_with("timestamp_")
            || ["no_match", "public_key_for_v1", "hmac_secret_for_v1a"].contains(&first);
        if report.verified || !comparable {
            continue;
        }
        let headers: WebhookHeaders = case.headers.iter().map(|(n, v)| (n, v)).collect();
        let err = Verifier::from_secrets(&case.secrets)
            .unwrap()
            .with_now(case.options.now.unwrap())
            .verify_raw(&case.body, &headers)
            .unwrap_err();
        assert_eq!(err.hint(), Some(report.summary.as_str()), "{}", case.name);
        assert!(err.to_json().contains("\"hint\""), "{}: the hint crosses to the bindings", case.name);
        hinted += 1;
    }
    assert!(hinted >= 10, "only {hinted} cases compared");
}

#[test]
fn a_verified_delivery_carries_no_hint_and_a_large_altered_body_is_not_tried() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body = format!("{{\"type\":\"email.delivered\",\"data\":{{\"pad\":\"{}\"}}}}", "x".repeat(2 << 20));
    let signature = send0::webhooks::sign(secret, "msg_1", 1_700_000_000, body.as_bytes()).unwrap();
    let headers =
        [("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000"), ("webhook-signature", &signature)];
    let options = ExplainOptions { now: Some(1_700_000_000), ..ExplainOptions::default() };
    assert!(explain(body.as_bytes(), headers, &[secret], &options).verified);
    let altered = format!("{body}\n");
    let report = explain(altered.as_bytes(), headers, &[secret], &options);
    assert_eq!(report.body.altered, None, "a body over 1 MiB is checked only as received");
    assert_eq!(report.diagnoses[0].code.as_str(), "no_match");
}

#[test]
fn hostile_input_gets_a_report_not_a_panic() {
    let long = "v1,".repeat(10_000);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge_version = format!("{},abc", "v".repeat(100_000));
    let headers: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("webhook-id", ""), ("webhook-timestamp", ""), ("webhook-signature", "")],
        vec![
            ("webhook-id", "m"),
            ("webhook-timestamp", "99999999999999999999999"),
            ("webhook-signature", &long),
        ],
        vec![("webhook-id", "m"), ("webhook-timestamp", "-1"), ("webhook-signature", &huge_version)],
        vec![("svix-id", "m"), ("HTTP_WEBHOOK_TIMESTAMP", "1"), ("webhook-signature", "v1a,AAAA")],
        vec![("webhook-id", "ü"), ("webhook-timestamp", "٣"), ("webhook-signature", "v1,🙂")],
    ];
    let secrets: Vec<Vec<&str>> = vec![
        vec![],
        vec![""],
        vec!["whsec_", "whpk_", "sk_", "whsec_whsec_", " \n"],
        vec!["whpk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; 40],
    ];
    let bodies: [&[u8]; 4] = [b"", b"\xff\xfe\x00", nested.as_bytes(), b"{\"a\":1e999999}"];
    for headers in &headers {
        for secrets in &secrets {
            for body in bodies {
                for now in [None, Some(i64::MIN), Some(i64::MAX), Some(0)] {
                    let options = ExplainOptions { now, ..ExplainOptions::default() };
                    let report = explain(body, headers.iter().copied(), secrets, &options);
                    assert!(!report.verified);
                    assert!(!report.summary.is_empty());
                    assert!(report.entries.len() <= send0::webhooks::MAX_ENTRIES);
                    assert!(report.secrets.len() <= send0::webhooks::MAX_EXPLAINED_SECRETS);
                    assert!(report.entries.iter().all(|e| e.version.chars().count() <= 17));
                }
            }
        }
    }
}
