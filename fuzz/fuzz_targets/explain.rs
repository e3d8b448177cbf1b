//! Fuzzes explain with the secrets, every header and the body from the fuzzer.
//!
//! Besides "never panics", it checks on every input: the report's verdict is verify_raw's, and no
//! part of the report repeats a secret's key material.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use send0::webhooks::{ExplainOptions, Verifier, WebhookHeaders, explain};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    secrets: Vec<&'a str>,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
    now: i64,
    tolerance: u32,
}

fuzz_target!(|input: Input<'_>| {
    let tolerance = std::time::Duration::from_secs(input.tolerance.into());
    let options = ExplainOptions { tolerance, now: Some(input.now) };
    let report = explain(input.body, input.headers.iter().copied(), &input.secrets, &options);

    let headers: WebhookHeaders = input.headers.iter().copied().collect();
    let verified = Verifier::from_secrets(&input.secrets)
        .is_ok_and(|v| v.with_tolerance(tolerance).with_now(input.now).verify_raw(input.body, &headers).is_ok());
    assert_eq!(report.verified, verified, "explain and verify_raw disagree");

    let text = serde_json::to_string(&report).unwrap();
    // What the report says whatever the secrets are: the same input with every secret a blank.
    let blanks = vec![""; input.secrets.len()];
    let baseline = serde_json::to_string(&explain(input.body, input.headers.iter().copied(), &blanks, &options)).unwrap();
    for secret in &input.secrets {
        let material = secret.trim().trim_start_matches("whsec_").trim_start_matches("whpk_");
        // Short or digit-only material could equal text the report rightly names.
        if material.len() >= 16 && !material.bytes().all(|b| b.is_ascii_digit()) {
            let in_headers = input.headers.iter().any(|(n, v)| n.contains(material) || v.contains(material));
            let in_body = String::from_utf8_lossy(input.body).contains(material);
            let leaked = text.contains(material) && !baseline.contains(material);
            assert!(in_headers || in_body || !leaked, "the report leaks a secret: {text}");
        }
    }
});
