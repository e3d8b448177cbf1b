//! `send0 sign` | `send0 verify`: a round trip, a tampered body refused with exit 4, the core's
//! own signatures, and input that is no use refused with exit 2, never a panic.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{TempDir, send0, stderr_of, stdout_of};
use predicates::prelude::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"eventId":"evt_1","type":"email.bounced","service":"email","data":{"email_id":"em_1"},"livemode":false,"createdAt":1700000000000}"#;

fn now() -> String {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string()
}

/// `send0 sign` of `body` (from stdin) at `timestamp`: its three `name: value` lines.
fn signed(body: &str, timestamp: &str) -> Vec<String> {
    let output = send0()
        .args(["sign", "--secret", SECRET, "--id", "msg_1", "--timestamp", timestamp])
        .write_stdin(body)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    stdout_of(&output).lines().map(str::to_owned).collect()
}

/// `send0 verify` with `headers` as `--header` flags.
fn verify(headers: &[String]) -> assert_cmd::Command {
    let mut command = send0();
    command.args(["verify", "--secret", SECRET]);
    for header in headers {
        command.args(["--header", header]);
    }
    command
}

#[test]
fn sign_then_verify_round_trips() {
    let timestamp = now();
    let headers = signed(BODY, &timestamp);
    assert_eq!(headers.len(), 3);
    assert_eq!(headers[0], "webhook-id: msg_1");
    assert_eq!(headers[1], format!("webhook-timestamp: {timestamp}"));
    let expected =
        send0::webhooks::sign(SECRET, "msg_1", timestamp.parse().unwrap(), BODY.as_bytes()).unwrap();
    assert_eq!(headers[2], format!("webhook-signature: {expected}"), "the core's signature");

    verify(&headers)
        .write_stdin(BODY)
        .assert()
        .success()
        .stdout(format!("verified email.bounced evt_1 (webhook-id msg_1, timestamp {timestamp})\n"));

    let dir = TempDir::new("verify");
    let file = dir.path("body.json");
    std::fs::write(&file, BODY).unwrap();
    let output = verify(&headers).arg("--body-file").arg(&file).arg("--json").output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!((json["type"].as_str(), json["id"].as_str()), (Some("email.bounced"), Some("evt_1")));

    // Another secret alongside (a rotation on the receiver's side) still verifies.
    verify(&headers)
        .args(["--secret", "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="])
        .write_stdin(BODY)
        .assert()
        .success();
    // The secret itself is never printed.
    assert!(headers.iter().all(|h| !h.contains(&SECRET[6..])));
}

#[test]
fn a_tampered_body_fails_with_exit_4() {
    let headers = signed(BODY, &now());
    let tampered = BODY.replace("em_1", "em_2");
    let output = verify(&headers).write_stdin(tampered).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(stdout_of(&output).is_empty());
    let shown = stderr_of(&output);
    assert!(shown.starts_with("error: invalid_signature:"), "{shown}");
    assert!(!shown.contains(&SECRET[6..]), "{shown}");
    // A trailing newline is a different body, too.
    verify(&headers).write_stdin(format!("{BODY}\n")).assert().code(4);

    let output = verify(&headers).arg("--json").write_stdin(BODY.replace("em_1", "em_3")).output().unwrap();
    let error: serde_json::Value = serde_json::from_str(stderr_of(&output).trim()).unwrap();
    assert_eq!(
        (error["error"]["kind"].as_str(), error["error"]["exit_code"].as_u64()),
        (Some("invalid_signature"), Some(4))
    );
}

#[test]
fn every_verification_failure_exits_4() {
    let headers = signed(BODY, &now());
    let old = signed(BODY, "1700000000");
    let cases: [(&[String], &str); 3] =
        [(&headers[..2], "missing_header"), (&old, "timestamp_too_old"), (&[], "missing_header")];
    for (given, kind) in cases {
        verify(given).write_stdin(BODY).assert().code(4).stderr(predicate::str::contains(kind));
    }
    // A wider tolerance accepts the old timestamp.
    verify(&old).args(["--tolerance", "1000000000"]).write_stdin(BODY).assert().success();
    send0()
        .args(["verify", "--secret", "not base64!"])
        .args(headers.iter().flat_map(|h| ["--header", h.as_str()]))
        .write_stdin(BODY)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("invalid_secret"));
    // Authentic but not a send0 event: invalid_payload, unless --raw.
    let other = signed("plain text", &now());
    verify(&other)
        .write_stdin("plain text")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("invalid_payload"));
    verify(&other)
        .arg("--raw")
        .write_stdin("plain text")
        .assert()
        .success()
        .stdout("verified signature of msg_1\n");
}

#[test]
fn unusable_input_exits_2_without_a_panic() {
    let headers = signed(BODY, &now());
    // A header without a colon, or without a name.
    for bad in ["webhook-id msg_1", ": msg_1"] {
        verify(&[bad.to_owned()])
            .write_stdin(BODY)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("name: value").and(predicate::str::contains("panicked").not()));
    }
    // No secret (clap's usage error).
    send0().args(["verify", "--header", "webhook-id: x"]).write_stdin(BODY).assert().code(2);
    // A body file that is not there, and one far too large.
    verify(&headers)
        .args(["--body-file", "/nonexistent/body.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the body file"));
    let dir = TempDir::new("huge");
    let huge = dir.path("huge.bin");
    std::fs::File::create(&huge).unwrap().set_len(17 * 1024 * 1024).unwrap();
    verify(&headers)
        .arg("--body-file")
        .arg(&huge)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 16 MiB"));
    send0().args(["sign", "--secret", SECRET, "--id", "msg_1", "--body-file"]).arg(&huge).assert().code(2);
    // Bad secrets and ids for sign are the caller's input.
    send0().args(["sign", "--secret", "whpk_abc", "--id", "m"]).write_stdin(BODY).assert().code(2);
    send0().args(["sign", "--secret", SECRET, "--id", ""]).write_stdin(BODY).assert().code(2);
    // Arbitrary bytes are a body like any other.
    send0()
        .args(["sign", "--secret", SECRET, "--id", "msg_1", "--json"])
        .write_stdin(vec![0u8, 159, 146, 150, 255])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"webhook-signature\": \"v1,"));
}
