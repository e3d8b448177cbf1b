//! Fuzzes verify with the secret, the headers and the body all from the fuzzer.
//!
//! Besides "never panics", it checks two properties on every input: an error never repeats the
//! secret's key material, and a message signed with the right secret at the verifier's clock always
//! verifies (so the fuzzer also reaches the envelope parser with authentic bodies).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use send0::ErrorKind;
use send0::webhooks::{Verifier, WebhookHeaders, sign};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    secrets: Vec<&'a str>,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
    now: i64,
    tolerance: u32,
    /// When set, the last header set is replaced by a valid signature for the body with the first
    /// secret, at `now`.
    sign_it: bool,
}

fuzz_target!(|input: Input<'_>| {
    let Ok(verifier) = Verifier::from_secrets(&input.secrets) else { return };
    let verifier = verifier.with_now(input.now).with_tolerance(std::time::Duration::from_secs(input.tolerance.into()));

    let mut headers: WebhookHeaders = input.headers.iter().copied().collect();
    let mut signed = false;
    if input.sign_it && input.now >= 0 {
        if let Ok(signature) = sign(input.secrets[0], "msg_fuzz", input.now, input.body) {
            headers = WebhookHeaders::from_values("msg_fuzz", &input.now.to_string(), &signature);
            signed = true;
        }
    }

    let raw = verifier.verify_raw(input.body, &headers);
    let parsed = verifier.verify(input.body, &headers);
    if signed {
        assert!(raw.is_ok(), "a correctly signed message failed: {raw:?}");
        if let Err(e) = &parsed {
            assert_eq!(e.kind(), ErrorKind::InvalidPayload, "{e}");
        }
    }
    for error in [raw.err(), parsed.err()].into_iter().flatten() {
        assert!(error.kind().is_webhook_verification(), "unexpected kind {error}");
        for secret in &input.secrets {
            let material = secret.trim_start_matches("whsec_").trim_start_matches("whpk_");
            // Digit-only material could equal a timestamp the message rightly names.
            if material.len() >= 16 && !material.bytes().all(|b| b.is_ascii_digit()) {
                assert!(!error.message().contains(material), "error leaks a secret: {error}");
                assert!(!error.hint().unwrap_or_default().contains(material), "a hint leaks a secret: {error:?}");
            }
        }
    }
});
