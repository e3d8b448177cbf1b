//! `Idempotency-Key` records: the first response to a key, replayed for 24 hours, then purged.
//! A record that concerns an endpoint (its create, rotation or test) goes with the endpoint.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// How long a key is remembered.
pub const KEY_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// A stored first response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub status: u16,
    pub body: Vec<u8>,
}

/// What a key says about a new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Unseen (or expired): the request runs; the key is now reserved for it.
    Reserved,
    /// Seen with the same request: replay this response.
    Replay(IdempotencyRecord),
    /// Seen with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

/// Looks the key up and, when it is new, reserves it for this request in the same transaction.
pub fn begin(
    conn: &mut Connection,
    workspace: &str,
    key: &str,
    fingerprint: &str,
    now: i64,
) -> StoreResult<Lookup> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM idempotency_keys WHERE workspace = ?1 AND key = ?2 AND created_at <= ?3",
        params![workspace, key, now.saturating_sub(KEY_LIFETIME_MS)],
    )?;
    let existing: Option<(String, Option<u16>, Option<Vec<u8>>)> = tx
        .query_row(
            "SELECT fingerprint, status, body FROM idempotency_keys WHERE workspace = ?1 AND key = ?2",
            params![workspace, key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let lookup = match existing {
        Some((stored, _, _)) if stored != fingerprint => Lookup::Mismatch,
        Some((_, Some(status), Some(body))) => Lookup::Replay(IdempotencyRecord { status, body }),
        Some(_) => Lookup::InProgress,
        None => {
            tx.execute(
                "INSERT INTO idempotency_keys (workspace, key, fingerprint, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![workspace, key, fingerprint, now],
            )?;
            Lookup::Reserved
        }
    };
    tx.commit()?;
    Ok(lookup)
}

/// Stores the response of a reserved key, with the endpoint it concerns, if any.
pub fn finish(
    conn: &Connection,
    workspace: &str,
    key: &str,
    record: &IdempotencyRecord,
    endpoint_id: Option<&str>,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE idempotency_keys SET status = ?3, body = ?4, endpoint_id = ?5 WHERE workspace = ?1 AND key = ?2",
        params![workspace, key, record.status, record.body, endpoint_id],
    )?;
    Ok(())
}

/// Forgets a reserved key whose request failed on the server's side, so a retry can run again.
pub fn release(conn: &Connection, workspace: &str, key: &str) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM idempotency_keys WHERE workspace = ?1 AND key = ?2 AND status IS NULL",
        params![workspace, key],
    )?;
    Ok(())
}

/// Drops every expired key.
pub fn purge_expired(conn: &Connection, now: i64) -> StoreResult<usize> {
    Ok(conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at <= ?1",
        [now.saturating_sub(KEY_LIFETIME_MS)],
    )?)
}

/// Frees every reserved key: at a start, no request of an earlier run is still in flight.
pub fn release_unfinished(conn: &Connection) -> StoreResult<usize> {
    Ok(conn.execute("DELETE FROM idempotency_keys WHERE status IS NULL", [])?)
}

/// Drops the records of an endpoint (it was deleted).
pub fn forget_endpoint(conn: &Connection, endpoint_id: &str) -> StoreResult<usize> {
    Ok(conn.execute("DELETE FROM idempotency_keys WHERE endpoint_id = ?1", [endpoint_id])?)
}
