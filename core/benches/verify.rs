//! verify beside raw HMAC-SHA256 over the same signed bytes: the floor no verify can beat.
//!
//! `cargo bench -p send0 --bench verify`; the table in bench/README.md comes from this.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use send0::webhooks::{Verifier, WebhookHeaders, sign};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "evt_a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const TIMESTAMP: i64 = 1_775_989_800;

/// A send0 `email.delivered` envelope whose data is padded to make the body exactly `size` bytes.
fn envelope(size: usize) -> Vec<u8> {
    let head = format!(
        r#"{{"eventId":"{MSG_ID}","type":"email.delivered","service":"email","data":{{"email_id":"em_3mKpLvRw9nQx","from":"billing@acme.test","to":["ada@example.test"],"subject":"Invoice","html":""#
    );
    let tail = r#""},"livemode":false,"createdAt":1775989798500}"#;
    let filler = size - head.len() - tail.len();
    let text = "Hello Ada, your invoice is attached. ".repeat(filler / 37 + 1);
    let body = format!("{head}{}{tail}", &text[..filler]);
    assert_eq!(body.len(), size);
    body.into_bytes()
}

fn bench_verify(c: &mut Criterion) {
    let key = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &SECRET[6..]).unwrap();
    for (label, size) in [("1KiB", 1024), ("64KiB", 64 * 1024), ("1MiB", 1024 * 1024)] {
        let body = envelope(size);
        let signature = sign(SECRET, MSG_ID, TIMESTAMP, &body).unwrap();
        let headers = WebhookHeaders::from_values(MSG_ID, &TIMESTAMP.to_string(), &signature);
        let verifier = Verifier::new(SECRET).unwrap().with_now(TIMESTAMP);
        verifier.verify(&body, &headers).expect("the benchmark body verifies");

        let mut group = c.benchmark_group(format!("verify/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        if size >= 1024 * 1024 {
            group.measurement_time(Duration::from_secs(8));
        }
        group.bench_function("raw_hmac_sha256", |b| {
            b.iter(|| {
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
                mac.update(MSG_ID.as_bytes());
                mac.update(b".1775989800.");
                mac.update(black_box(&body));
                black_box(mac.finalize().into_bytes())
            })
        });
        group.bench_function("verify_raw", |b| {
            b.iter(|| verifier.verify_raw(black_box(&body), black_box(&headers)).unwrap())
        });
        group.bench_function("verify", |b| {
            b.iter(|| black_box(verifier.verify(black_box(&body), black_box(&headers)).unwrap().livemode))
        });
        // What a binding does per call: parse the secret string, then verify and parse the event.
        group.bench_function("verify_with_secret_parsing", |b| {
            b.iter(|| {
                let verifier = Verifier::new(black_box(SECRET)).unwrap().with_now(TIMESTAMP);
                black_box(verifier.verify(black_box(&body), black_box(&headers)).unwrap().livemode)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
