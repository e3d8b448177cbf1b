//! send0-server: the local send0 Webhooks API, with real signed, retried delivery.
//!
//! The binary (`src/main.rs`) parses the command line and calls [`run`]; everything it needs is
//! here so that it stays a thin shell.

// Input we don't control reaches this crate from API callers, webhook senders and the API
// itself: outside tests, no unwrap, expect, panic or unchecked index (each remaining use says why
// it cannot fail).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
pub mod api;
pub mod config;
pub mod delivery;
pub mod ids;
pub mod keys;
pub mod samples;
pub mod store;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use config::Config;

/// How long a stopping server waits for delivery attempts in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// How often expired idempotency records (which may hold secrets) are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Runs the server until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), String> {
    if config.api_key.is_none() && config.keys.is_none() && !config.listens_on_loopback_only() {
        return Err(format!(
            "refusing to listen on {} with the built-in key {}, which anyone can read: pass --api-key KEY or \
             --keys FILE, or listen on 127.0.0.1",
            config.host,
            keys::DEFAULT_KEY
        ));
    }
    let keys = keys::KeyRing::load(config.api_key.as_deref(), config.keys.as_deref())?;
    let store = store::Store::open(config.db.as_deref()).map_err(|e| e.to_string())?;
    store.sync_keys(keys.clone()).await.map_err(|e| e.to_string())?;
    store.tidy_idempotency_keys().await.map_err(|e| e.to_string())?;
    let engine = delivery::Engine::start(
        store.clone(),
        delivery::EngineConfig {
            retry_schedule: config.retry_schedule.0.clone(),
            timeout: config.delivery_timeout,
            limits: delivery::Limits {
                total: usize::try_from(config.max_in_flight).unwrap_or(delivery::DEFAULT_MAX_IN_FLIGHT),
                per_workspace: usize::try_from(config.max_in_flight_per_workspace)
                    .unwrap_or(delivery::DEFAULT_MAX_IN_FLIGHT_PER_WORKSPACE),
            },
            egress: delivery::EgressPolicy {
                allow: config.allow_egress.clone(),
                deny: config.deny_egress.clone(),
            },
        },
    )
    .await?;
    let purger = tokio::spawn(purge_idempotency_keys(store.clone()));

    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let base_url = format!("http://{address}");

    println!("send0-server {} listening on {base_url}", env!("CARGO_PKG_VERSION"));
    match &config.db {
        Some(path) => println!("send0-server: database {}", path.display()),
        None => println!("send0-server: database in memory (pass --db PATH to keep it)"),
    }
    let mut principals: Vec<_> = keys.principals().collect();
    principals.sort_by(|a, b| (&a.workspace, &a.key_hint).cmp(&(&b.workspace, &b.key_hint)));
    for p in principals {
        let scopes: Vec<&str> = p.scopes.iter().map(|s| s.as_str()).collect();
        println!("send0-server: key {} in workspace {} with {}", p.key_hint, p.workspace, scopes.join(", "));
    }
    if let Some(path) = &config.ready_file {
        std::fs::write(path, &base_url).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }

    let state = api::AppState {
        store: store.clone(),
        engine: engine.clone(),
        keys: Arc::new(keys),
        limits: Arc::new(api::RateLimiter::default()),
        max_endpoints: usize::try_from(config.max_endpoints_per_workspace).unwrap_or(usize::MAX),
    };
    axum::serve(listener, api::router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("serving: {e}"))?;
    println!("send0-server: stopping");
    purger.abort();
    engine.shutdown(SHUTDOWN_GRACE).await;
    Ok(())
}

/// A future that completes at SIGINT or SIGTERM. The handlers are installed by this call, not
/// when the future is first polled, so a signal that comes in between is not lost (nor acted on by
/// the default handler, which would end the process at once). A signal that cannot be handled is
/// said on stderr, `program` first. The server stops on it, and so does `send0 listen`. Call it
/// within a tokio runtime.
pub fn stop_signal(program: &'static str) -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let mut handlers = Vec::new();
    for (name, kind) in [("SIGINT", SignalKind::interrupt()), ("SIGTERM", SignalKind::terminate())] {
        match signal(kind) {
            Ok(handler) => handlers.push(handler),
            Err(e) => eprintln!("{program}: {name} cannot be handled ({e})"),
        }
    }
    async move {
        if handlers.is_empty() {
            return std::future::pending().await;
        }
        let waits = handlers.iter_mut().map(|handler| Box::pin(handler.recv()));
        futures_util::future::select_all(waits).await;
    }
}

/// Purges idempotency records older than their 24 hours, every minute.
async fn purge_idempotency_keys(store: store::Store) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        if let Err(e) = store.run(|conn| store::idempotency::purge_expired(conn, store::now_ms())).await {
            eprintln!("send0-server: purging expired idempotency keys: {e}");
        }
    }
}
