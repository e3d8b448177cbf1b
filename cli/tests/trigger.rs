//! `send0 trigger` against a real send0-server, its events checked where they arrive: at a
//! receiver, verified with the core.

mod common;

use common::{Receiver, Server, json_of, stdout_of};
use predicates::prelude::*;
use serde_json::json;

#[test]
fn a_known_type_is_delivered_with_sample_data() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    let (_, secret) = server.endpoint(&receiver.url);
    let output = server.send0().args(["trigger", "email.bounced"]).output().unwrap();
    assert!(output.status.success());
    let shown = stdout_of(&output);
    assert!(
        shown.starts_with("triggered email.bounced evt_") && shown.ends_with("→ 1 endpoint\n"),
        "{shown}"
    );

    let envelope = receiver.wait_for(1)[0].verified(&secret);
    assert_eq!(envelope["type"], "email.bounced");
    assert!(shown.contains(envelope["eventId"].as_str().unwrap()));
    assert_eq!(envelope["data"]["bounce_type"], "hard", "the server's sample");
    assert!(envelope["data"]["email_id"].as_str().unwrap().starts_with("em_"));

    let json =
        json_of(&server.send0().args(["trigger", "domain.health.degraded", "--json"]).output().unwrap());
    assert_eq!(
        (json["type"].as_str(), json["endpoints"].as_u64()),
        (Some("domain.health.degraded"), Some(1))
    );
    let envelope = receiver.wait_for(2)[1].verified(&secret);
    assert_eq!(envelope["eventId"], json["event_id"]);
}

#[test]
fn every_type_of_the_catalog_can_be_triggered() {
    let server = Server::start();
    for event_type in send0::events::EVENT_TYPES {
        let json = json_of(&server.send0().args(["trigger", event_type, "--json"]).output().unwrap());
        assert_eq!(json["type"], event_type);
        assert_eq!(json["endpoints"], 0, "no endpoint yet");
    }
    server
        .send0()
        .args(["trigger", "email.opened"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no endpoint matches it"));
}

#[test]
fn an_unknown_type_exits_2_naming_the_closest_known_one() {
    let server = Server::start();
    for (typo, closest) in [("email.bounce", "email.bounced"), ("domain.health", "domain.health.degraded")] {
        server.send0().args(["trigger", typo]).assert().code(2).stdout("").stderr(predicate::str::contains(
            format!("unknown event type `{typo}`; did you mean `{closest}`?"),
        ));
    }
    server
        .send0()
        .args(["trigger", "email.*"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("email.queued"));
}

#[test]
fn data_is_sent_as_given() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    let (_, secret) = server.endpoint(&receiver.url);
    let data =
        json!({"email_id": "em_1", "from": "a@example.com", "to": ["b@example.com"], "subject": "Hi ✓"});
    server.send0().args(["trigger", "email.delivered", "--data", &data.to_string()]).assert().success();
    assert_eq!(receiver.wait_for(1)[0].verified(&secret)["data"], data);
}

#[test]
fn set_changes_fields_of_the_sample_or_of_the_data() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    let (_, secret) = server.endpoint(&receiver.url);
    server
        .send0()
        .args(["trigger", "email.bounced", "--set", "data.bounce_type=soft", "--set", "data.meta.attempts=3"])
        .args(["--set", "data.to=[\"x@example.com\"]"])
        .assert()
        .success();
    let data = receiver.wait_for(1)[0].verified(&secret)["data"].clone();
    assert_eq!(data["bounce_type"], "soft");
    assert_eq!(data["meta"], json!({"attempts": 3}));
    assert_eq!(data["to"], json!(["x@example.com"]));
    assert!(data["email_id"].as_str().unwrap().starts_with("em_"), "the rest of the sample stays: {data}");

    server
        .send0()
        .args(["trigger", "platform.test", "--data", r#"{"a": {"b": 1}}"#, "--set", "data.a.c=hello world"])
        .assert()
        .success();
    assert_eq!(receiver.wait_for(2)[1].verified(&secret)["data"], json!({"a": {"b": 1, "c": "hello world"}}));
}

#[test]
fn bad_data_exits_2_before_anything_is_sent() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    server.endpoint(&receiver.url);
    for args in [
        vec!["--data", "{not json"],
        vec!["--data", "[1, 2]"],
        vec!["--set", "bounce_type=soft"],
        vec!["--set", "data.bounce_type"],
        vec!["--set", "data..x=1"],
        vec!["--data", r#"{"a": 1}"#, "--set", "data.a.b=2"],
    ] {
        server
            .send0()
            .arg("trigger")
            .arg("email.bounced")
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error: "));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(receiver.requests().is_empty());
}
