mod common;

// Lists: newest first, cursors and limits, and their query checked (endpoints and delivery logs).

use std::collections::HashSet;

use common::api::{HTTPS_URL, assert_invalid, create, keys_of, req};
use common::{KEY, Server};
use futures_util::TryStreamExt;
use send0::ErrorKind;
use send0::client::{CreateWebhookParams, ListParams};
use serde_json::{Value, json};

#[tokio::test]
async fn list_is_newest_first_and_pages_with_cursors() {
    let server = Server::start(&[]);
    let webhooks = server.webhooks();

    let empty = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(
        empty.json,
        json!({"object": "list", "data": [], "has_more": false, "cursor": null}),
        "{empty:?}"
    );

    let mut created = Vec::new();
    for n in 0..25 {
        let ep = webhooks
            .create(&CreateWebhookParams::new(format!("https://example.com/hook/{n}")))
            .await
            .unwrap();
        created.push(ep.id.clone());
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    // Default limit 20, newest first.
    let first = req(&server, "GET", "/v1/webhooks", KEY, None).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(
        keys_of(&first.json),
        ["object", "data", "has_more", "cursor"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(first.json["object"], "list");
    let ids: Vec<String> =
        first.json["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, newest_first[..20]);
    assert_eq!(first.json["has_more"], true);
    let cursor = first.json["cursor"].as_str().unwrap().to_owned();
    let rest = req(&server, "GET", &format!("/v1/webhooks?cursor={cursor}"), KEY, None).await;
    let rest_ids: Vec<String> =
        rest.json["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(rest_ids, newest_first[20..]);
    assert_eq!(rest.json["has_more"], false);
    assert_eq!(rest.json["cursor"], Value::Null);

    // limit
    let five = req(&server, "GET", "/v1/webhooks?limit=5", KEY, None).await;
    assert_eq!(five.json["data"].as_array().unwrap().len(), 5);
    assert_eq!(five.json["has_more"], true);
    let hundred = req(&server, "GET", "/v1/webhooks?limit=100", KEY, None).await;
    assert_eq!(hundred.json["data"].as_array().unwrap().len(), 25);
    assert_eq!(hundred.json["has_more"], false);
    assert_eq!(hundred.json["cursor"], Value::Null);
    let exact = req(&server, "GET", "/v1/webhooks?limit=25", KEY, None).await;
    assert_eq!(exact.json["data"].as_array().unwrap().len(), 25);
    assert_eq!(exact.json["has_more"], false, "a full last page has no more: {exact:?}");

    // Walk every page of 7 over raw HTTP: no duplicates, nothing missed, has_more false at the end.
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/webhooks?limit=7&cursor={c}"),
            None => "/v1/webhooks?limit=7".to_owned(),
        };
        let page = req(&server, "GET", &path, KEY, None).await;
        assert_eq!(page.status, 200, "{page:?}");
        pages += 1;
        for item in page.json["data"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        if page.json["has_more"] == false {
            assert_eq!(page.json["cursor"], Value::Null);
            break;
        }
        cursor = Some(page.json["cursor"].as_str().expect("has_more with a cursor").to_owned());
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, newest_first);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);

    // The SDK: one page, then every endpoint as a stream.
    let page = webhooks.list(&ListParams { limit: Some(3), cursor: None }).await.unwrap();
    assert_eq!(page.data.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), newest_first[..3]);
    assert!(page.has_more);
    let next = webhooks.list(&ListParams { limit: Some(3), cursor: page.cursor.clone() }).await.unwrap();
    assert_eq!(next.data.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), newest_first[3..6]);
    let all: Vec<_> =
        webhooks.list_all(ListParams { limit: Some(4), cursor: None }).try_collect().await.unwrap();
    assert_eq!(all.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), newest_first);
    let all_default: Vec<_> = webhooks.list_all(ListParams::default()).try_collect().await.unwrap();
    assert_eq!(all_default.len(), 25);
}

#[tokio::test]
async fn deliveries_of_a_new_endpoint_are_an_empty_list() {
    let server = Server::start(&[]);
    let ep = create(&server, KEY, json!({"url": HTTPS_URL})).await;
    let id = ep["id"].as_str().unwrap();
    let r = req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries"), KEY, None).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json, json!({"object": "list", "data": [], "has_more": false, "cursor": null}));
    let r = req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries?limit=100"), KEY, None).await;
    assert_eq!(r.status, 200, "{r:?}");

    let webhooks = server.webhooks();
    let page = webhooks.deliveries(id, &ListParams::default()).await.unwrap();
    assert!(page.data.is_empty());
    assert!(!page.has_more);
    assert_eq!(page.cursor, None);
    let all: Vec<_> = webhooks.deliveries_all(id, ListParams::default()).try_collect().await.unwrap();
    assert!(all.is_empty());

    // Its query is checked like the list's.
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("cursor=nope", "cursor"),
        ("page=2", "page"),
    ] {
        let r = req(&server, "GET", &format!("/v1/webhooks/{id}/deliveries?{query}"), KEY, None).await;
        assert_invalid(&r, param);
    }
}

#[tokio::test]
async fn list_query_validation() {
    let server = Server::start(&[]);
    create(&server, KEY, json!({"url": HTTPS_URL})).await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("limit=", "limit"),
        ("limit=1.5", "limit"),
        ("cursor=garbage", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=d2ViaG9va3M6MA", "cursor"),
        ("page=2", "page"),
        ("starting_after=wh_1", "starting_after"),
    ] {
        let r = req(&server, "GET", &format!("/v1/webhooks?{query}"), KEY, None).await;
        assert_invalid(&r, param);
    }
    for ok in ["limit=1", "limit=100", "limit=20"] {
        assert_eq!(req(&server, "GET", &format!("/v1/webhooks?{ok}"), KEY, None).await.status, 200, "{ok}");
    }
    let err = server
        .webhooks()
        .list(&ListParams { limit: None, cursor: Some("not-a-cursor".into()) })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.api().unwrap().param.as_deref(), Some("cursor"));
}
