mod common;

// `Idempotency-Key`: replays, conflicts, workspaces and scopes, records deleted with their
// endpoint or expired, and reservations released.

use std::collections::HashSet;
use std::time::Duration;

use common::api::{
    ADMIN_A, ADMIN_B, HTTPS_URL, READER, assert_error, assert_forbidden, assert_invalid, create, keys_server,
    req, req_idem,
};
use common::{KEY, Receiver, Server, TempDir, eventually};
use send0::ErrorKind;
use send0::client::CreateWebhookParams;
use serde_json::json;

#[tokio::test]
async fn idempotency_key_replays_the_first_response() {
    let server = Server::start(&[]);
    let body = json!({"url": HTTPS_URL, "description": "once"}).to_string();
    let first = req_idem(&server, "POST", "/v1/webhooks", KEY, "create-1", &body).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_ne!(first.header("idempotent-replayed"), Some("true"));
    let again = req_idem(&server, "POST", "/v1/webhooks", KEY, "create-1", &body).await;
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.text, first.text, "the identical response");
    assert_eq!(again.json["id"], first.json["id"]);
    assert_eq!(again.json["secret"], first.json["secret"]);
    assert!(again.header("content-type").unwrap().starts_with("application/json"));
    assert_ne!(again.header("x-request-id"), first.header("x-request-id"));
    let list = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1, "a retried create never makes two endpoints");

    // Same key, another body: 409, not to be retried.
    let other = json!({"url": HTTPS_URL, "description": "twice"}).to_string();
    let conflict = req_idem(&server, "POST", "/v1/webhooks", KEY, "create-1", &other).await;
    assert_error(&conflict, 409, "idempotency_conflict");
    assert_eq!(conflict.header("x-should-retry"), Some("false"));
    // Same key on another route is another request too.
    let elsewhere = req_idem(&server, "POST", "/v1/events", KEY, "create-1", &body).await;
    assert_error(&elsewhere, 409, "idempotency_conflict");
    assert_eq!(
        req(&server, "GET", "/v1/webhooks", KEY, None).await.json["data"].as_array().unwrap().len(),
        1
    );

    // A refused request saves nothing (as at Stripe): the same key runs again, and once the
    // request is fixed it creates the endpoint.
    let bad = json!({"url": "http://example.com"}).to_string();
    let r1 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &bad).await;
    assert_invalid(&r1, "url");
    let r2 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &bad).await;
    assert_invalid(&r2, "url");
    assert_ne!(r2.header("idempotent-replayed"), Some("true"));
    let fixed = json!({"url": "https://example.com/fixed"}).to_string();
    let r3 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &fixed).await;
    assert_eq!(r3.status, 201, "{r3:?}");
    let r4 = req_idem(&server, "POST", "/v1/webhooks", KEY, "bad-1", &fixed).await;
    assert_eq!((r4.header("idempotent-replayed"), &r4.json["id"]), (Some("true"), &r3.json["id"]));
    let listed = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 2);
    let delete_fixed = format!("/v1/webhooks/{}", r3.json["id"].as_str().unwrap());
    assert_eq!(req(&server, "DELETE", &delete_fixed, KEY, None).await.status, 200);

    // Through the SDK.
    let webhooks = server.webhooks().with_idempotency_key("sdk-key-1");
    let params = CreateWebhookParams::new("https://example.com/sdk");
    let a = webhooks.create(&params).await.unwrap();
    let b = webhooks.create(&params).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(a.secret.expose(), b.secret.expose());
    let err = webhooks.create(&CreateWebhookParams::new("https://example.com/other")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.api().unwrap().code.as_deref(), Some("idempotency_conflict"));
    assert_eq!(
        req(&server, "GET", "/v1/webhooks", KEY, None).await.json["data"].as_array().unwrap().len(),
        2
    );
    // Without a key of its own, each SDK create is a new endpoint.
    let plain = server.webhooks();
    let c = plain.create(&params).await.unwrap();
    let d = plain.create(&params).await.unwrap();
    assert_ne!(c.id, d.id);
}

#[tokio::test]
async fn idempotency_keys_belong_to_a_workspace() {
    let server = keys_server();
    let a_body = json!({"url": "https://example.com/a"}).to_string();
    let b_body = json!({"url": "https://example.com/b"}).to_string();
    let a = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "shared-key", &a_body).await;
    assert_eq!(a.status, 201, "{a:?}");
    let b = req_idem(&server, "POST", "/v1/webhooks", ADMIN_B, "shared-key", &b_body).await;
    assert_eq!(b.status, 201, "ws_b may use a key ws_a used: {b:?}");
    assert_ne!(b.header("idempotent-replayed"), Some("true"));
    assert_ne!(a.json["id"], b.json["id"]);
    // Even the same body in ws_b is ws_b's own request, not a replay of ws_a's endpoint.
    let b2 = req_idem(&server, "POST", "/v1/webhooks", ADMIN_B, "shared-key-2", &a_body).await;
    let a2 = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "shared-key-2", &a_body).await;
    assert_eq!((a2.status, b2.status), (201, 201));
    assert_ne!(a2.json["id"], b2.json["id"]);
    let b_list = req(&server, "GET", "/v1/webhooks", ADMIN_B, None).await;
    let b_ids: HashSet<&str> =
        b_list.json["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        b_ids,
        [b.json["id"].as_str().unwrap(), b2.json["id"].as_str().unwrap()].into_iter().collect()
    );
    // A replay in ws_a is still ws_a's.
    let replay = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "shared-key", &a_body).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json["id"], a.json["id"]);
}

#[tokio::test]
async fn a_read_only_key_never_gets_a_replayed_secret() {
    let server = keys_server();
    let body = json!({"url": "https://example.com/secret"}).to_string();
    let created = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "mgr-create", &body).await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().unwrap();
    let rotate = format!("/v1/webhooks/{id}/rotate-secret");
    let rotated = req_idem(&server, "POST", &rotate, ADMIN_A, "mgr-rotate", "{}").await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    // The reader repeats the manager's exact requests with the manager's keys: refused, no secret.
    for (path, idem) in [("/v1/webhooks", "mgr-create"), (rotate.as_str(), "mgr-rotate")] {
        let sent = if idem == "mgr-create" { body.as_str() } else { "{}" };
        let r = req_idem(&server, "POST", path, READER, idem, sent).await;
        assert_forbidden(&r);
        assert!(!r.text.contains("whsec_"), "{r:?}");
        assert_ne!(r.header("idempotent-replayed"), Some("true"));
    }
    // The other way round: a reader's refused attempt is not what the manager then gets.
    let fresh = json!({"url": "https://example.com/after-reader"}).to_string();
    assert_forbidden(&req_idem(&server, "POST", "/v1/webhooks", READER, "reader-first", &fresh).await);
    let manager = req_idem(&server, "POST", "/v1/webhooks", ADMIN_A, "reader-first", &fresh).await;
    assert_eq!(manager.status, 201, "{manager:?}");
    assert_ne!(manager.header("idempotent-replayed"), Some("true"));
    assert!(manager.json["secret"].as_str().unwrap().starts_with("whsec_"));
}

#[tokio::test]
async fn idempotency_records_go_with_their_endpoint_and_expire() {
    let dir = TempDir::new("idem-db");
    let db = dir.path("send0.db").to_str().unwrap().to_owned();
    let server = Server::start_in(dir, &["--db", &db]);
    let body = json!({"url": HTTPS_URL}).to_string();
    let created = req_idem(&server, "POST", "/v1/webhooks", KEY, "gone-create", &body).await;
    let id = created.json["id"].as_str().unwrap().to_owned();
    let rotate = format!("/v1/webhooks/{id}/rotate-secret");
    assert_eq!(req_idem(&server, "POST", &rotate, KEY, "gone-rotate", "{}").await.status, 200);
    let kept_body = json!({"url": "https://example.com/k"}).to_string();
    let kept = req_idem(&server, "POST", "/v1/webhooks", KEY, "kept", &kept_body).await;
    let stored_secrets = |db: &str| {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut rows = conn.prepare("SELECT key, body FROM idempotency_keys ORDER BY key").unwrap();
        rows.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<Vec<u8>>>(1)?)))
            .unwrap()
            .map(|row| row.unwrap())
            .map(|(key, body)| (key, String::from_utf8_lossy(&body.unwrap_or_default()).contains("whsec_")))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        stored_secrets(&db),
        [("gone-create".to_owned(), true), ("gone-rotate".to_owned(), true), ("kept".to_owned(), true)]
    );
    assert_eq!(req(&server, "DELETE", &format!("/v1/webhooks/{id}"), KEY, None).await.status, 200);
    // The deleted endpoint's create and rotate answers, with their secrets, went with it.
    assert_eq!(stored_secrets(&db), [("kept".to_owned(), true)]);
    let again = req_idem(&server, "POST", "/v1/webhooks", KEY, "gone-create", &body).await;
    assert_eq!(again.status, 201);
    assert_ne!(again.json["id"], created.json["id"], "not a replay of the deleted endpoint");

    // Records older than 24 hours, and reservations left by a killed server, are gone after a start.
    let dir = server.kill();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let day_and_a_minute_ago = send0_server::store::now_ms() - 24 * 3600 * 1000 - 60_000;
        conn.execute(
            "UPDATE idempotency_keys SET created_at = ?1 WHERE key = 'kept'",
            [day_and_a_minute_ago],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO idempotency_keys (workspace, key, fingerprint, created_at) VALUES ('ws_local', 'stuck', 'x', ?1)",
            [send0_server::store::now_ms()],
        )
        .unwrap();
    }
    let server = Server::start_in(dir, &["--db", &db]);
    assert_eq!(stored_secrets(&db), [("gone-create".to_owned(), true)]);
    let stuck = req_idem(&server, "POST", "/v1/webhooks", KEY, "stuck", &body).await;
    assert_eq!(stuck.status, 201, "a reservation of the killed run is free again: {stuck:?}");
    let replay_of_kept = req_idem(&server, "POST", "/v1/webhooks", KEY, "kept", &kept_body).await;
    assert_ne!(replay_of_kept.json["id"], kept.json["id"], "the expired record was purged");
}

#[tokio::test]
async fn a_reservation_whose_client_went_away_is_released() {
    let server = Server::start(&[]);
    let receiver = Receiver::scripted(|n, _| {
        (200, vec![], if n == 0 { Duration::from_secs(5) } else { Duration::ZERO })
    })
    .await;
    let ep = create(&server, KEY, json!({"url": receiver.url})).await;
    let path = format!("/v1/webhooks/{}/test", ep["id"].as_str().unwrap());
    // The client gives up while the first test is still waiting on the slow receiver.
    let gave_up =
        tokio::time::timeout(Duration::from_millis(500), req_idem(&server, "POST", &path, KEY, "left", ""))
            .await;
    assert!(gave_up.is_err());
    let retried = eventually(Duration::from_secs(3), || async {
        let r = req_idem(&server, "POST", &path, KEY, "left", "").await;
        (r.status == 200).then_some(r)
    })
    .await;
    assert_eq!(retried.json["success"], true, "{retried:?}");
    assert_ne!(retried.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn idempotency_key_in_progress_is_a_retryable_conflict() {
    let server = Server::start(&[]);
    let receiver = Receiver::scripted(|_, _| (200, vec![], Duration::from_millis(800))).await;
    let ep = create(&server, KEY, json!({"url": receiver.url})).await;
    let path = format!("/v1/webhooks/{}/test", ep["id"].as_str().unwrap());
    let slow = req_idem(&server, "POST", &path, KEY, "test-1", "");
    let second = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        req_idem(&server, "POST", &path, KEY, "test-1", "").await
    };
    let (first, second) = tokio::join!(slow, second);
    assert_eq!(first.status, 200, "{first:?}");
    assert_error(&second, 409, "idempotency_conflict");
    assert_eq!(second.header("x-should-retry"), Some("true"));
    let third = req_idem(&server, "POST", &path, KEY, "test-1", "").await;
    assert_eq!(third.header("idempotent-replayed"), Some("true"));
    assert_eq!(third.json["event_id"], first.json["event_id"]);
    assert_eq!(receiver.received().len(), 1, "the test ran once");
}
