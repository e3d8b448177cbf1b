//! `send0 listen` with `send0 trigger` against a real send0-server: deliveries verified and
//! forwarded to a receiver with valid signatures, the temporary endpoint deleted on Ctrl-C and
//! SIGTERM, failed forwards retried (and not with --no-retry), forged deliveries not forwarded.

mod common;

use std::time::Duration;

use common::{Listen, Receiver, Server, closed_url};
use send0::webhooks::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use serde_json::{Value, json};

/// The temporary endpoints on the server (their description says `send0 listen`).
fn temporary_endpoints(server: &Server) -> Vec<String> {
    server
        .endpoints()
        .into_iter()
        .filter(|e| e.description.as_deref().is_some_and(|d| d.starts_with("send0 listen")))
        .map(|e| e.id)
        .collect()
}

/// The statuses the server recorded for its deliveries to `endpoint`, oldest first.
fn delivery_statuses(server: &Server, endpoint: &str) -> Vec<Option<u16>> {
    let page = send0::client::ListParams { limit: Some(100), cursor: None };
    let attempts = server.block_on(server.client().webhooks().deliveries(endpoint, &page)).unwrap().data;
    attempts.iter().rev().map(|a| a.status_code).collect()
}

#[test]
fn listen_forwards_triggered_events_verified_and_ctrl_c_deletes_its_endpoint() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    let mut listen = Listen::start(&server, &["--forward-to", &receiver.url, "--print-secret"]);
    let secret = listen.secret.clone().expect("--print-secret prints the secret");
    assert!(secret.starts_with("whsec_"));
    assert_eq!(temporary_endpoints(&server), vec![listen.endpoint.clone()]);

    server.send0().args(["trigger", "email.bounced"]).assert().success();
    server.send0().args(["trigger", "email.delivered", "--set", "data.subject=Forwarded"]).assert().success();
    let requests = receiver.wait_for(2);
    let mut types = Vec::new();
    for request in &requests {
        let envelope = request.verified(&secret);
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header(WEBHOOK_ID), envelope["eventId"].as_str());
        assert!(request.header(WEBHOOK_TIMESTAMP).is_some() && request.header(WEBHOOK_SIGNATURE).is_some());
        types.push(envelope["type"].as_str().unwrap().to_owned());
        if envelope["type"] == "email.delivered" {
            assert_eq!(envelope["data"]["subject"], "Forwarded");
        }
    }
    types.sort();
    assert_eq!(types, ["email.bounced", "email.delivered"]);

    let lines = [listen.next_line(), listen.next_line()];
    for line in &lines {
        assert_eq!(line["verified"], true, "{line}");
        assert_eq!(line["forwarded"], true, "{line}");
        assert_eq!((line["status"].as_u64(), line["attempt"].as_u64()), (Some(200), Some(1)), "{line}");
        assert!(line["latency_ms"].is_u64() && line["time"].as_str().unwrap().ends_with('Z'), "{line}");
        assert!(line["event_id"].as_str().unwrap().starts_with("evt_"), "{line}");
    }
    assert_eq!(delivery_statuses(&server, &listen.endpoint), [Some(200), Some(200)], "the target's status");

    listen.signal("INT");
    assert!(listen.wait().success(), "Ctrl-C is a normal way to stop: {:?}", listen.stderr());
    assert!(temporary_endpoints(&server).is_empty(), "the temporary endpoint is deleted");
    let stderr = listen.stderr();
    assert!(
        stderr.iter().any(|l| l == &format!("Deleted the temporary endpoint {}", listen.endpoint)),
        "{stderr:?}"
    );
}

#[test]
fn sigterm_deletes_the_endpoint_too_and_only_matching_events_arrive() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    let mut listen =
        Listen::start(&server, &["--forward-to", &receiver.url, "--events", "email.bounced,domain.*"]);
    assert_eq!(listen.secret, None, "the secret is printed only with --print-secret");
    assert!(listen.stderr().iter().all(|l| !l.contains("whsec_")), "{:?}", listen.stderr());
    let endpoint = &server.endpoints()[0];
    assert_eq!(endpoint.events, ["email.bounced", "domain.*"]);

    server
        .send0()
        .args(["trigger", "email.delivered"])
        .assert()
        .success()
        .stdout(predicates::str::contains("no endpoint"));
    server.send0().args(["trigger", "domain.health.degraded"]).assert().success();
    assert_eq!(listen.next_line()["type"], "domain.health.degraded");
    assert_eq!(receiver.wait_for(1).len(), 1);

    listen.signal("TERM");
    assert!(listen.wait().success(), "{:?}", listen.stderr());
    assert!(server.endpoints().is_empty());
}

#[test]
fn a_failed_forward_is_retried_signed_afresh_until_it_succeeds() {
    let server = Server::start();
    let receiver = Receiver::start(&[503, 500]);
    let listen = Listen::start(
        &server,
        &["--forward-to", &receiver.url, "--print-secret", "--retry-schedule", "100ms,200ms,300ms"],
    );
    let secret = listen.secret.clone().unwrap();
    server.send0().args(["trigger", "email.clicked"]).assert().success();

    let requests = receiver.wait_for(3);
    let ids: Vec<_> = requests.iter().map(|r| r.verified(&secret)["eventId"].clone()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one event, three forwards: {ids:?}");
    let lines = [listen.next_line(), listen.next_line(), listen.next_line()];
    let outcomes: Vec<(Value, Value)> =
        lines.iter().map(|l| (l["attempt"].clone(), l["status"].clone())).collect();
    assert_eq!(outcomes, [(json!(1), json!(503)), (json!(2), json!(500)), (json!(3), json!(200))]);
    assert!(lines[0]["retry_in_ms"].as_u64().unwrap() <= 120, "{}", lines[0]);
    assert_eq!(lines[0]["note"].as_str().unwrap().split(" in ").next(), Some("retry 1/3"));
    assert!(lines[2]["retry_in_ms"].is_null());
    // listen took the retries over: the server saw one delivery, accepted, and retries nothing.
    assert_eq!(delivery_statuses(&server, &listen.endpoint), [Some(202)]);
    assert!(listen.quiet_for(Duration::from_millis(500)));
    assert_eq!(receiver.requests().len(), 3);
}

#[test]
fn with_no_retry_a_failed_forward_is_forwarded_once_and_the_server_hears_the_failure() {
    let server = Server::start();
    let receiver = Receiver::start(&[503]);
    let listen =
        Listen::start(&server, &["--forward-to", &receiver.url, "--no-retry", "--retry-schedule", "100ms"]);
    server.send0().args(["trigger", "email.failed"]).assert().success();
    let line = listen.next_line();
    assert_eq!(
        (line["status"].as_u64(), line["note"].as_str()),
        (Some(503), Some("not retried (--no-retry)"))
    );
    assert!(listen.quiet_for(Duration::from_millis(800)), "no retry");
    assert_eq!(receiver.requests().len(), 1);
    assert_eq!(delivery_statuses(&server, &listen.endpoint), [Some(503)]);
}

#[test]
fn a_target_that_does_not_answer_is_a_502_for_the_server() {
    let server = Server::start();
    let listen = Listen::start(&server, &["--forward-to", &closed_url(), "--no-retry"]);
    server.send0().args(["trigger", "email.queued"]).assert().success();
    let line = listen.next_line();
    assert_eq!(line["status"], Value::Null, "{line}");
    assert!(line["forward_error"].as_str().unwrap().to_lowercase().contains("refused"), "{line}");
    assert_eq!(delivery_statuses(&server, &listen.endpoint), [Some(502)]);
}

#[test]
fn a_delivery_that_does_not_verify_is_not_forwarded() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    let listen = Listen::start(&server, &["--forward-to", &receiver.url]);
    let forged = br#"{"eventId":"evt_forged","type":"email.delivered","service":"email","data":{},"livemode":false,"createdAt":0}"#;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let response = server
        .block_on(
            reqwest::Client::new()
                .post(&listen.url)
                .header("content-type", "application/json")
                .header(WEBHOOK_ID, "msg_forged")
                .header(WEBHOOK_TIMESTAMP, now.to_string())
                .header(WEBHOOK_SIGNATURE, "v1,Zm9yZ2VkIHNpZ25hdHVyZSBmb3JnZWQgc2lnbmF0dXJlIQ==")
                .body(&forged[..])
                .send(),
        )
        .unwrap();
    assert_eq!(response.status(), 400);
    let line = listen.next_line();
    assert_eq!(
        (line["verified"].as_bool(), line["forwarded"].as_bool()),
        (Some(false), Some(false)),
        "{line}"
    );
    assert_eq!(
        (line["type"].as_str(), line["webhook_id"].as_str()),
        (Some("email.delivered"), Some("msg_forged"))
    );
    assert!(line["error"].as_str().unwrap().starts_with("invalid_signature"), "{line}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(receiver.requests().is_empty(), "nothing forwarded");
}

#[test]
fn listen_refuses_bad_arguments_before_creating_anything() {
    let server = Server::start();
    for args in [
        vec!["--forward-to", "ftp://example.com/x"],
        vec!["--forward-to", "localhost:3000", "--events", "email.bounce"],
        vec!["--forward-to", "localhost:3000", "--retry-schedule", "5s,soon"],
    ] {
        server.send0().arg("listen").args(&args).assert().code(2);
    }
    assert!(server.endpoints().is_empty());
}
