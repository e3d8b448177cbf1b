//! Interoperability with the Standard Webhooks reference crate (`standardwebhooks`), on random
//! ids, timestamps, bodies and keys: it signs and we verify; we sign and it verifies.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use proptest::prelude::*;
use send0::ErrorKind;
use send0::webhooks::{Verifier, WebhookHeaders, sign};

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn secret_of(key: &[u8]) -> String {
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(key))
}

fn header_map(id: &str, timestamp: i64, signature: &str) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    map.insert("webhook-id", id.parse().unwrap());
    map.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
    map.insert("webhook-signature", signature.parse().unwrap());
    map
}

// Message ids as senders make them: visible ASCII without spaces (they travel in a header).
const ID: &str = "[A-Za-z0-9_.:-]{1,64}";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reference_signs_we_verify(
        key in proptest::collection::vec(any::<u8>(), 1..64),
        id in ID,
        timestamp in 0i64..4_102_444_800,
        body in ".{0,512}",
    ) {
        let reference = standardwebhooks::Webhook::new(&secret_of(&key)).unwrap();
        let signature = reference.sign(&id, timestamp, body.as_bytes()).unwrap();
        let headers = WebhookHeaders::from(&header_map(&id, timestamp, &signature));
        let ours = Verifier::new(&secret_of(&key)).unwrap().with_now(timestamp);
        prop_assert!(ours.verify_raw(body.as_bytes(), &headers).is_ok());
        // And the same signature over a different body never verifies.
        let mut tampered = body.clone().into_bytes();
        tampered.push(b'!');
        prop_assert_eq!(ours.verify_raw(&tampered, &headers).unwrap_err().kind(), ErrorKind::InvalidSignature);
    }

    #[test]
    fn we_sign_reference_verifies(
        key in proptest::collection::vec(any::<u8>(), 1..64),
        id in ID,
        skew in -290i64..290,
        body in ".{0,512}",
    ) {
        // The reference verifies against the system clock, so sign near now.
        let timestamp = now() + skew;
        let signature = sign(&secret_of(&key), &id, timestamp, body.as_bytes()).unwrap();
        let reference = standardwebhooks::Webhook::new(&secret_of(&key)).unwrap();
        prop_assert!(reference.verify(body.as_bytes(), &header_map(&id, timestamp, &signature)).is_ok());
        // Both sides produce the same header for the same input.
        prop_assert_eq!(signature, reference.sign(&id, timestamp, body.as_bytes()).unwrap());
    }

    #[test]
    fn a_wrong_key_fails_on_both_sides(
        key in proptest::collection::vec(any::<u8>(), 1..64),
        other in proptest::collection::vec(any::<u8>(), 1..64),
        id in ID,
        body in ".{0,128}",
    ) {
        prop_assume!(key != other);
        let timestamp = now();
        let signature = sign(&secret_of(&key), &id, timestamp, body.as_bytes()).unwrap();
        let reference = standardwebhooks::Webhook::new(&secret_of(&other)).unwrap();
        prop_assert!(reference.verify(body.as_bytes(), &header_map(&id, timestamp, &signature)).is_err());
        let ours = Verifier::new(&secret_of(&other)).unwrap();
        let headers = WebhookHeaders::from(&header_map(&id, timestamp, &signature));
        prop_assert_eq!(ours.verify_raw(body.as_bytes(), &headers).unwrap_err().kind(), ErrorKind::InvalidSignature);
    }
}
