//! `send0 webhooks …` against a real send0-server: every subcommand as a table and as JSON, and
//! the exit codes of its failures.

mod common;

use common::{Receiver, Server, closed_url, json_of, stderr_of, stdout_of};
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn list_walks_every_page_or_stops_at_the_limit() {
    let server = Server::start();
    server
        .send0()
        .args(["webhooks", "list"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("no webhook endpoints"));
    server.send0().args(["webhooks", "list", "--json"]).assert().success().stdout("[]\n");
    // More than one page of the API's largest (100).
    let ids: Vec<String> = (0..105).map(|i| server.endpoint(&format!("http://127.0.0.1:9/{i}")).0).collect();

    let all = json_of(&server.send0().args(["webhooks", "list", "--json"]).output().unwrap());
    let listed: Vec<&str> = all.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);
    assert_eq!(all[0]["object"], "webhook_endpoint", "the API's objects as sent");

    let some =
        json_of(&server.send0().args(["webhooks", "list", "--json", "--limit", "102"]).output().unwrap());
    assert_eq!(some.as_array().unwrap().len(), 102);

    let table = stdout_of(&server.send0().args(["webhooks", "list"]).output().unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 106, "a header and a line per endpoint");
    for column in ["ID", "STATUS", "URL", "EVENTS", "LAST DELIVERY", "DESCRIPTION"] {
        assert!(lines[0].contains(column), "{}", lines[0]);
    }
    assert!(lines[1].starts_with(&ids[104]) && lines[1].contains("active") && lines[1].contains("never"));
    let url_column = lines[0].find("URL").unwrap();
    assert!(
        lines[1..].iter().all(|l| l[url_column..].starts_with("http://127.0.0.1:9/")),
        "aligned:\n{table}"
    );

    let limited = stdout_of(&server.send0().args(["webhooks", "list", "--limit", "3"]).output().unwrap());
    assert_eq!(limited.lines().count(), 4);
    server.send0().args(["webhooks", "list", "--limit", "0"]).assert().code(2);
}

#[test]
fn get_shows_one_endpoint() {
    let server = Server::start();
    let (id, _) = server.endpoint("http://127.0.0.1:9/get");
    let json = json_of(&server.send0().args(["webhooks", "get", &id, "--json"]).output().unwrap());
    let sdk = server.block_on(server.client().webhooks().get(&id)).unwrap();
    assert_eq!(json, serde_json::to_value(&sdk).unwrap());

    let table = stdout_of(&server.send0().args(["webhooks", "get", &id]).output().unwrap());
    for (name, value) in
        [("id", id.as_str()), ("url", "http://127.0.0.1:9/get"), ("status", "active"), ("events", "*")]
    {
        assert!(table.lines().any(|l| l.starts_with(name) && l.ends_with(value)), "{name}: {table}");
    }
}

#[test]
fn create_hides_the_secret_unless_asked() {
    let server = Server::start();
    let output = server
        .send0()
        .args(["webhooks", "create", "--url", "http://127.0.0.1:9/a", "--events", "email.*,domain.*"])
        .args(["--description", "orders"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let table = stdout_of(&output);
    assert!(table.lines().any(|l| l.starts_with("secret") && l.ends_with("whsec_…")), "{table}");
    assert!(table.lines().any(|l| l.starts_with("events") && l.ends_with("email.*,domain.*")), "{table}");
    assert!(stderr_of(&output).contains("--print-secret"));
    let hidden = server.endpoints();
    assert_eq!(hidden[0].description.as_deref(), Some("orders"));

    let output = server
        .send0()
        .args([
            "webhooks",
            "create",
            "--url",
            "http://127.0.0.1:9/b",
            "--disabled",
            "--print-secret",
            "--json",
        ])
        .output()
        .unwrap();
    let created = json_of(&output);
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    assert_eq!(created["status"], "disabled");
    assert_eq!(created["events"], serde_json::json!(["*"]));
    assert!(stderr_of(&output).is_empty(), "nothing to say: {}", stderr_of(&output));

    let json = json_of(
        &server
            .send0()
            .args(["webhooks", "create", "--url", "http://127.0.0.1:9/c", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(json["secret"], "whsec_…");

    server
        .send0()
        .args(["webhooks", "create", "--url", "http://127.0.0.1:9/d", "--events", "email.bounce"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `email.bounced`?"));
    server
        .send0()
        .args(["webhooks", "create", "--url", "not a url"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid_request"));
    assert_eq!(server.endpoints().len(), 3, "the refused creates created nothing");
}

#[test]
fn update_changes_only_what_is_given() {
    let server = Server::start();
    let (id, _) = server.endpoint("http://127.0.0.1:9/u");
    let json = json_of(
        &server
            .send0()
            .args([
                "webhooks",
                "update",
                &id,
                "--description",
                "new",
                "--disable",
                "--events",
                "email.bounced",
                "--json",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!((json["description"].as_str(), json["status"].as_str()), (Some("new"), Some("disabled")));
    assert_eq!(json["events"], serde_json::json!(["email.bounced"]));
    assert_eq!(json["url"], "http://127.0.0.1:9/u");

    let table = stdout_of(
        &server
            .send0()
            .args(["webhooks", "update", &id, "--clear-description", "--enable"])
            .output()
            .unwrap(),
    );
    assert!(table.lines().any(|l| l.starts_with("status") && l.ends_with("active")), "{table}");
    assert!(table.lines().any(|l| l == "description"), "cleared: {table}");
    assert_eq!(server.endpoints()[0].description, None);

    server
        .send0()
        .args(["webhooks", "update", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to change"));
    server.send0().args(["webhooks", "update", &id, "--enable", "--disable"]).assert().code(2);
    server.send0().args(["webhooks", "update", &id, "--unpause"]).assert().success();
}

#[test]
fn delete_removes_it() {
    let server = Server::start();
    let (first, _) = server.endpoint("http://127.0.0.1:9/1");
    let (second, _) = server.endpoint("http://127.0.0.1:9/2");
    server
        .send0()
        .args(["webhooks", "delete", &first])
        .assert()
        .success()
        .stdout(format!("deleted {first}\n"));
    let json = json_of(&server.send0().args(["webhooks", "delete", &second, "--json"]).output().unwrap());
    assert_eq!(json, serde_json::json!({"id": second, "object": "webhook_endpoint", "deleted": true}));
    assert!(server.endpoints().is_empty());
    server
        .send0()
        .args(["webhooks", "delete", &first])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not_found"));
}

#[test]
fn test_reports_the_outcome_and_exits_4_when_it_failed() {
    let server = Server::start();
    let receiver = Receiver::start(&[]);
    let (id, secret) = server.endpoint(&receiver.url);
    let table = stdout_of(&server.send0().args(["webhooks", "test", &id]).output().unwrap());
    assert!(table.lines().any(|l| l.starts_with("result") && l.ends_with("delivered")), "{table}");
    assert!(table.lines().any(|l| l.starts_with("status") && l.ends_with("200")), "{table}");
    let envelope = receiver.wait_for(1)[0].verified(&secret);
    assert_eq!(envelope["type"], "platform.test");

    let json = json_of(&server.send0().args(["webhooks", "test", &id, "--json"]).output().unwrap());
    assert_eq!((json["success"].as_bool(), json["status_code"].as_u64()), (Some(true), Some(200)));

    let (dead, _) = server.endpoint(&closed_url());
    let output = server.send0().args(["webhooks", "test", &dead]).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(stdout_of(&output).lines().any(|l| l.starts_with("result") && l.ends_with("failed")));
    assert!(stdout_of(&output).lines().any(|l| l.starts_with("status") && l.ends_with("no response")));
    let output = server.send0().args(["webhooks", "test", &dead, "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(json_of(&output)["success"], false);
    let error: Value = serde_json::from_str(stderr_of(&output).trim()).unwrap();
    assert_eq!(error["error"]["kind"], "check_failed");
}

#[test]
fn rotate_secret_hides_the_new_secret_unless_asked() {
    let server = Server::start();
    let (id, old) = server.endpoint("http://127.0.0.1:9/r");
    let table = stdout_of(&server.send0().args(["webhooks", "rotate-secret", &id]).output().unwrap());
    assert!(table.lines().any(|l| l.starts_with("secret") && l.ends_with("whsec_…")), "{table}");
    assert!(table.contains("keeps signing until"), "{table}");

    let json = json_of(
        &server
            .send0()
            .args(["webhooks", "rotate-secret", &id, "--expire-previous-in", "0", "--print-secret", "--json"])
            .output()
            .unwrap(),
    );
    let new = json["secret"].as_str().unwrap();
    assert!(new.starts_with("whsec_") && new != old);
    assert_eq!(json["previous_secret_expires_at"], Value::Null);
}

#[test]
fn deliveries_lists_the_attempts() {
    // A short schedule: the event's first attempt fails, its retry succeeds.
    let server = Server::start_with(&["--retry-schedule", "100ms"]);
    let receiver = Receiver::start(&[503]);
    let (id, _) = server.endpoint(&receiver.url);
    server
        .send0()
        .args(["webhooks", "deliveries", &id])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("no delivery attempts yet"));
    server.send0().args(["trigger", "email.opened"]).assert().success();
    receiver.wait_for(2);
    let page = send0::client::ListParams::default();
    for _ in 0..100 {
        if server.block_on(server.client().webhooks().deliveries(&id, &page)).unwrap().data.len() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let json = json_of(&server.send0().args(["webhooks", "deliveries", &id, "--json"]).output().unwrap());
    let attempts = json.as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status_code"], 200, "newest first");
    assert_eq!(attempts[1]["status_code"], 503);
    assert_eq!(attempts[1]["event_type"], "email.opened");

    let table = stdout_of(&server.send0().args(["webhooks", "deliveries", &id]).output().unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].contains("ATTEMPTED AT") && lines[0].contains("STATUS"), "{table}");
    assert!(lines[2].contains("email.opened") && lines[2].contains("503"), "{table}");
    let limited = json_of(
        &server.send0().args(["webhooks", "deliveries", &id, "--json", "--limit", "1"]).output().unwrap(),
    );
    assert_eq!(limited.as_array().unwrap().len(), 1);
}

#[test]
fn api_errors_exit_1_with_the_error_as_json_under_json() {
    let server = Server::start();
    let output = server.send0().args(["webhooks", "get", "wh_000000000000"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).starts_with("error: not_found:"), "{}", stderr_of(&output));
    assert!(stdout_of(&output).is_empty());

    let output = server.send0().args(["webhooks", "get", "wh_000000000000", "--json"]).output().unwrap();
    let error: Value = serde_json::from_str(stderr_of(&output).trim()).unwrap();
    assert_eq!(error["error"]["kind"], "not_found");
    assert_eq!(error["error"]["exit_code"], 1);
    assert_eq!(error["error"]["api"]["status"], 404);

    let output = server
        .send0()
        .args(["webhooks", "list", "--api-key", "sk_test_WrongKeyMaterial123"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let shown = stderr_of(&output);
    assert!(shown.contains("authentication") && shown.contains("hint: pass an API key"), "{shown}");
    assert!(!shown.contains("WrongKeyMaterial"), "the key is never printed: {shown}");
}

#[test]
fn an_unreachable_api_exits_3_and_says_what_to_check() {
    let output = common::send0().args(["webhooks", "list", "--base-url", &closed_url()]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let shown = stderr_of(&output);
    assert!(shown.starts_with("error: connection:"), "{shown}");
    assert!(shown.contains("could not be reached") && shown.contains("SEND0_BASE_URL"), "{shown}");
    common::send0().args(["webhooks", "list", "--base-url", "ftp://nowhere"]).assert().code(2);
}
