//! A webhook receiver: an axum app that verifies every delivery before trusting it.
//!
//! ```text
//! SEND0_WEBHOOK_SECRET=whsec_… cargo run -p send0-examples --bin receiver -- --port 3000
//! ```
//! Options: `--port N` (0 picks a free one), `--ready-file PATH` (receives the URL once listening),
//! `--expect N` (exit after N verified deliveries, printing a summary; for scripts and the demo).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use send0::webhooks::{Verifier, WebhookHeaders};
use tokio::sync::Notify;

struct App {
    verifier: Verifier,
    verified: AtomicUsize,
    rejected: AtomicUsize,
    expect: Option<usize>,
    done: Notify,
}

/// The handler: the raw body (`Bytes`, never a parsed `Json`) and the headers go to verify.
async fn receive(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    match app.verifier.verify(&body, &WebhookHeaders::from(&headers)) {
        Ok(event) => {
            println!(
                "receiver: verified {:<24} id={} service={} livemode={} data={}",
                event.event_type,
                event.id,
                event.service,
                event.livemode,
                event.data.get()
            );
            let count = app.verified.fetch_add(1, Ordering::SeqCst) + 1;
            if app.expect == Some(count) {
                app.done.notify_one();
            }
            (StatusCode::OK, "ok".into())
        }
        Err(error) => {
            // Answer 400 with the reason: send0 records it in the delivery log and retries later.
            println!("receiver: rejected a delivery: {error}");
            app.rejected.fetch_add(1, Ordering::SeqCst);
            (StatusCode::BAD_REQUEST, error.to_string())
        }
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("SEND0_WEBHOOK_SECRET")
        .map_err(|_| "set SEND0_WEBHOOK_SECRET to the endpoint's whsec_ secret")?;
    let app = Arc::new(App {
        verifier: Verifier::new(&secret)?,
        verified: AtomicUsize::new(0),
        rejected: AtomicUsize::new(0),
        expect: arg("--expect").map(|n| n.parse()).transpose()?,
        done: Notify::new(),
    });
    let port: u16 = arg("--port").map(|p| p.parse()).transpose()?.unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}/webhooks/send0", listener.local_addr()?);
    println!("receiver: listening on {url}");
    if let Some(path) = arg("--ready-file") {
        std::fs::write(path, &url)?;
    }
    let router = Router::new().route("/webhooks/send0", post(receive)).with_state(app.clone());
    // Without --expect it serves until the process is stopped (Ctrl-C ends it as usual).
    let stop = {
        let app = app.clone();
        async move { app.done.notified().await }
    };
    axum::serve(listener, router).with_graceful_shutdown(stop).await?;
    println!(
        "receiver: {} verified, {} rejected",
        app.verified.load(Ordering::SeqCst),
        app.rejected.load(Ordering::SeqCst)
    );
    Ok(())
}
