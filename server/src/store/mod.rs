//! SQLite storage: one connection (a file in WAL mode, or memory) behind a mutex, used from
//! blocking threads so the async runtime never waits on disk.
//!
//! Each module owns its tables (`endpoints.rs`, `deliveries.rs`, `idempotency.rs`), and none uses
//! another; `lifecycle.rs` is the delivery state machine. The transactions that span tables are
//! here, at the end: each applies a transition of `lifecycle.rs`.

pub mod deliveries;
pub mod endpoints;
pub mod idempotency;
pub mod lifecycle;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, params};
use rusqlite_migration::{M, Migrations};

pub use endpoints::{EndpointChanges, EndpointRow, Inserted, NewEndpoint};
pub use idempotency::{IdempotencyRecord, Lookup};
pub use lifecycle::{Claimed, Outcome, Recorded};

use lifecycle::{DeliveryState, QueueChange};

use crate::keys::KeyRing;

/// The schema, one migration per step; never edit a released step, add one.
const MIGRATIONS: &[M<'static>] = &[
    M::up(
        r#"
CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    key_hint   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    scopes     TEXT NOT NULL
);
CREATE TABLE endpoints (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT NOT NULL UNIQUE,
    workspace            TEXT NOT NULL,
    url                  TEXT NOT NULL,
    description          TEXT,
    events               TEXT NOT NULL,
    active               INTEGER NOT NULL,
    paused               INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_delivery_at     INTEGER,
    last_delivery_status INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX endpoints_by_workspace ON endpoints(workspace, seq);
CREATE TABLE endpoint_secrets (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER
);
CREATE INDEX secrets_by_endpoint ON endpoint_secrets(endpoint_id);
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    workspace  TEXT NOT NULL,
    type       TEXT NOT NULL,
    payload    BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     TEXT NOT NULL,
    event_seq       INTEGER NOT NULL REFERENCES events(seq),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'held', 'in_flight', 'succeeded', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(endpoint_id, state, next_attempt_at, seq);
CREATE INDEX deliveries_by_state ON deliveries(state);
CREATE TABLE attempts (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    status_code      INTEGER,
    response_time_ms INTEGER NOT NULL,
    error            TEXT,
    attempted_at     INTEGER NOT NULL,
    next_attempt_at  INTEGER
);
CREATE INDEX attempts_by_endpoint ON attempts(endpoint_id, seq);
CREATE TABLE idempotency_keys (
    workspace   TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER,
    body        BLOB,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (workspace, key)
);
"#,
    ),
    // Idempotency records are purged by age and deleted with the endpoint they concern.
    M::up(
        r#"
ALTER TABLE idempotency_keys ADD COLUMN endpoint_id TEXT;
CREATE INDEX idempotency_by_endpoint ON idempotency_keys(endpoint_id);
CREATE INDEX idempotency_by_age ON idempotency_keys(created_at);
"#,
    ),
];

/// Milliseconds since the Unix epoch, the unit of every time the database holds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// RFC 3339 UTC at whole seconds (`2026-04-12T10:30:00Z`), the API's time format. Times past
/// what the format can show (after 9999) are shown as its last second.
pub fn rfc3339(ms: i64) -> String {
    let last = Duration::from_secs(253_402_300_799); // 9999-12-31T23:59:59Z
    let since_epoch = Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(last);
    humantime::format_rfc3339_seconds(UNIX_EPOCH + since_epoch).to_string()
}

/// A failure of the storage layer; the API answers it with a 500.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("database: {e}"))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError(format!("stored JSON: {e}"))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A page request over a sequence-ordered table, newest first.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: u32,
    /// Only rows with a smaller sequence number (the cursor).
    pub before: Option<i64>,
}

/// The database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating and migrating) the database file, or an in-memory database.
    pub fn open(path: Option<&Path>) -> StoreResult<Store> {
        let mut conn = match path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        if path.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // WAL with synchronous=NORMAL survives a process crash (SIGKILL) without losing commits.
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(64);
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|e| StoreError(format!("migrating the database: {e}")))?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError(format!("storage task failed: {e}")))?
    }

    /// Replaces the stored keys with the configured ones (hashes only) and returns them as loaded
    /// back from the database.
    pub async fn sync_keys(&self, ring: KeyRing) -> StoreResult<()> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM api_keys", [])?;
            for (hash, principal) in ring.entries() {
                let scopes: Vec<&str> = principal.scopes.iter().map(|s| s.as_str()).collect();
                tx.execute(
                    "INSERT INTO api_keys (key_hash, key_hint, workspace, scopes) VALUES (?1, ?2, ?3, ?4)",
                    (hash, &principal.key_hint, &principal.workspace, serde_json::to_string(&scopes)?),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Frees the idempotency keys reserved by requests of an earlier run, and purges expired ones.
    pub async fn tidy_idempotency_keys(&self) -> StoreResult<usize> {
        self.run(|conn| {
            let released = idempotency::release_unfinished(conn)?;
            Ok(released + idempotency::purge_expired(conn, now_ms())?)
        })
        .await
    }

    /// Puts deliveries that were in flight when the server last stopped back in the queue.
    pub async fn recover_in_flight(&self) -> StoreResult<usize> {
        self.run(|conn| deliveries::move_all_endpoints(conn, lifecycle::INTERRUPTED, Some(now_ms()))).await
    }
}

// The transactions that span tables, each applying a transition of `lifecycle.rs`.

/// Stores an event and queues it for every endpoint in `targets` (held for paused ones, none for
/// disabled ones). Returns the endpoints that got a pending delivery.
pub fn enqueue_event(
    conn: &mut Connection,
    workspace: &str,
    event_id: &str,
    event_type: &str,
    payload: &[u8],
    now: i64,
    targets: &[EndpointRow],
) -> StoreResult<Vec<String>> {
    let tx = conn.transaction()?;
    let event_seq = deliveries::insert_event(&tx, workspace, event_id, event_type, payload, now)?;
    let mut pending = Vec::new();
    for endpoint in targets {
        let Some(state) = endpoint.health.state().new_delivery() else { continue };
        deliveries::queue(&tx, &endpoint.id, event_seq, state, now)?;
        if state == DeliveryState::Pending {
            pending.push(endpoint.id.clone());
        }
    }
    tx.commit()?;
    Ok(pending)
}

/// Takes the endpoint's earliest due delivery off the queue (marking it in flight), if the
/// endpoint receives.
pub fn claim_next(conn: &mut Connection, endpoint_id: &str, now: i64) -> StoreResult<Option<Claimed>> {
    let tx = conn.transaction()?;
    let Some(endpoint) = endpoints::get_by_id(&tx, endpoint_id)? else { return Ok(None) };
    if !endpoint.health.state().receives() {
        return Ok(None);
    }
    let (from, to) = lifecycle::CLAIM;
    let Some(queued) = deliveries::next_due_in(&tx, endpoint_id, from, now)? else { return Ok(None) };
    deliveries::set_state(&tx, queued.seq, to, None, None)?;
    let secrets = endpoints::live_secrets(&tx, endpoint_id, now)?;
    tx.commit()?;
    Ok(Some(Claimed {
        delivery_seq: queued.seq,
        attempt: queued.attempts + 1,
        endpoint_id: endpoint_id.to_owned(),
        url: endpoint.url,
        event_id: queued.event_id,
        event_type: queued.event_type,
        payload: queued.payload,
        secrets,
    }))
}

/// Records an attempt: the delivery's next state, the endpoint's health (see
/// `Health::after_attempt`), what that does to the rest of its queue, and the log.
pub fn record_attempt(conn: &mut Connection, claimed: &Claimed, outcome: &Outcome) -> StoreResult<Recorded> {
    let tx = conn.transaction()?;
    let Some(mut endpoint) = endpoints::get_by_id(&tx, &claimed.endpoint_id)? else {
        // Deleted while the attempt was in flight: its queue and log went with it.
        return Ok(Recorded { next_due: None, paused: false, disabled: true });
    };
    let after = endpoint.health.after_attempt(outcome.verdict(), outcome.retry_at);
    deliveries::set_state(&tx, claimed.delivery_seq, after.delivery, Some(claimed.attempt), after.retry_at)?;
    change_queue(&tx, &endpoint.id, after.queue, now_ms())?;
    deliveries::log_attempt(&tx, claimed, outcome, after.planned_retry())?;
    endpoints::record_attempt(&tx, &endpoint.id, endpoint.health, outcome.attempted_at, outcome.status_code)?;
    let next_due =
        if endpoint.health.state().receives() { deliveries::next_due(&tx, &endpoint.id)? } else { None };
    tx.commit()?;
    Ok(Recorded { next_due, paused: after.paused, disabled: after.gone })
}

/// Applies a PATCH in one transaction: disabling cancels what is queued; unpausing resets the
/// failure count and makes held deliveries due now, in order. Returns the endpoint and whether
/// deliveries were released.
pub fn update_endpoint(
    conn: &mut Connection,
    workspace: &str,
    id: &str,
    changes: EndpointChanges,
    now: i64,
) -> StoreResult<Option<(EndpointRow, bool)>> {
    let tx = conn.transaction()?;
    let Some(mut row) = endpoints::get(&tx, workspace, id)? else { return Ok(None) };
    let EndpointChanges { url, events, description, active, unpause } = changes;
    if let Some(url) = url {
        row.url = url;
    }
    if let Some(events) = events {
        row.events = events;
    }
    if let Some(description) = description {
        row.description = description;
    }
    if let Some(active) = active {
        change_queue(&tx, id, row.health.set_active(active), now)?;
    }
    let released = unpause && change_queue(&tx, id, row.health.unpause(), now)? > 0;
    row.updated_at = now;
    endpoints::save(&tx, &row)?;
    tx.commit()?;
    Ok(Some((row, released)))
}

/// Deletes an endpoint with everything it owns: secrets, queue, delivery log, and the stored
/// idempotent answers that concern it.
pub fn delete_endpoint(conn: &mut Connection, workspace: &str, id: &str) -> StoreResult<bool> {
    let tx = conn.transaction()?;
    let deleted = endpoints::delete(&tx, workspace, id)?;
    if deleted {
        deliveries::forget_endpoint(&tx, id)?;
        idempotency::forget_endpoint(&tx, id)?;
    }
    tx.commit()?;
    Ok(deleted)
}

/// Every endpoint with pending deliveries, as (workspace, endpoint, earliest due time), to resume
/// after a start.
pub fn due_endpoints(conn: &Connection) -> StoreResult<Vec<(String, String, i64)>> {
    Ok(conn
        .prepare(
            "SELECT e.workspace, d.endpoint_id, MIN(d.next_attempt_at) FROM deliveries d
             JOIN endpoints e ON e.id = d.endpoint_id WHERE d.state = ?1 GROUP BY d.endpoint_id",
        )?
        .query_map(params![DeliveryState::Pending], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?)
}

/// Makes the moves of `change` in an endpoint's queue; those to pending are due at `now`.
/// Returns how many deliveries moved.
fn change_queue(conn: &Connection, endpoint_id: &str, change: QueueChange, now: i64) -> StoreResult<usize> {
    let mut moved = 0;
    for &(from, to) in change.moves() {
        let due_at = (to == DeliveryState::Pending).then_some(now);
        moved += deliveries::move_all(conn, endpoint_id, (from, to), due_at)?;
    }
    Ok(moved)
}
