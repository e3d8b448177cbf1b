//! Manages webhook endpoints with the client: create, list, update, test, rotate, read the
//! delivery log, delete.
//!
//! ```text
//! SEND0_API_KEY=sk_test_… [SEND0_BASE_URL=http://127.0.0.1:8765] \
//!   cargo run -p send0-examples --bin manage -- https://example.com/webhooks/send0
//! ```

use futures_util::TryStreamExt;
use send0::client::{CreateWebhookParams, ListParams, RotateSecretParams, UpdateWebhookParams};
use send0::{Client, ErrorKind};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "https://example.com/webhooks/send0".into());
    let client = Client::from_env()?.webhooks();

    let created = client
        .create(&CreateWebhookParams {
            url: url.clone(),
            events: Some(vec!["email.*".into(), "domain.health.degraded".into()]),
            description: Some("Rust management example".into()),
            active: Some(true),
        })
        .await?;
    println!("manage: created {} -> {} (secret {:?}, store it now)", created.id, created.url, created.secret);

    let fetched = client.get(&created.id).await?;
    println!("manage: get {} status={:?} events={:?}", fetched.id, fetched.status, fetched.events);

    let updated = client
        .update(&created.id, &UpdateWebhookParams { description: Some(None), ..Default::default() })
        .await?;
    println!("manage: cleared the description: {:?}", updated.description);

    let all: Vec<_> = client.list_all(ListParams { limit: Some(10), cursor: None }).try_collect().await?;
    println!("manage: {} endpoint(s) in the workspace", all.len());

    let test = client.test(&created.id).await?;
    println!(
        "manage: test event {} -> success={} status={:?} in {} ms",
        test.event_id, test.success, test.status_code, test.response_time_ms
    );

    let rotated =
        client.rotate_secret(&created.id, &RotateSecretParams { expire_previous_in: Some(3600) }).await?;
    println!(
        "manage: rotated the secret; the previous one signs until {:?}",
        rotated.previous_secret_expires_at
    );

    let deliveries = client.deliveries(&created.id, &ListParams::default()).await?;
    for attempt in &deliveries.data {
        println!(
            "manage: delivery {} {} attempt {} -> {:?}",
            attempt.event_type, attempt.event_id, attempt.attempt, attempt.status_code
        );
    }

    let deleted = client.delete(&created.id).await?;
    println!("manage: deleted {} ({})", deleted.id, deleted.deleted);

    // Errors carry a stable kind, the HTTP status and the request id.
    match client.get(&created.id).await {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            println!("manage: get after delete -> {} (request id {:?})", e.kind(), e.request_id());
        }
        other => return Err(format!("expected not_found, got {other:?}").into()),
    }
    Ok(())
}
