//! SQLite storage: one connection (a file in WAL mode, or memory) behind a mutex, used from
//! blocking threads so the async runtime never waits on disk.

pub mod deliveries;
pub mod endpoints;
pub mod idempotency;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

pub use deliveries::{Claimed, Outcome, Recorded};
pub use endpoints::{EndpointChanges, EndpointRow, Inserted, NewEndpoint, Paging};
pub use idempotency::{IdempotencyRecord, Lookup};

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
        self.run(|conn| {
            Ok(conn.execute(
                "UPDATE deliveries SET state = 'pending', next_attempt_at = ?1 WHERE state = 'in_flight'",
                [now_ms()],
            )?)
        })
        .await
    }
}
