//! Events, the durable delivery queue, and the log of attempts: the tables `events`, `deliveries`
//! and `attempts`. Which state a delivery moves to is decided in `lifecycle.rs`; the transactions
//! in `store/mod.rs` apply it with the functions here.

use rusqlite::{Connection, OptionalExtension, params};
use send0::client::DeliveryAttempt;

use super::lifecycle::{Claimed, DeliveryState, Outcome};
use super::{Paging, StoreResult, rfc3339};

/// A pending delivery and its event, as the queue holds them.
#[derive(Debug)]
pub struct Queued {
    pub seq: i64,
    /// Attempts made so far.
    pub attempts: u32,
    pub event_id: String,
    pub event_type: String,
    pub payload: Vec<u8>,
}

/// Stores an event; returns its sequence number, for its deliveries.
pub fn insert_event(
    conn: &Connection,
    workspace: &str,
    event_id: &str,
    event_type: &str,
    payload: &[u8],
    now: i64,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO events (id, workspace, type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![event_id, workspace, event_type, payload, now])?;
    Ok(conn.last_insert_rowid())
}

/// Queues the event `event_seq` for an endpoint, due now.
pub fn queue(
    conn: &Connection,
    endpoint_id: &str,
    event_seq: i64,
    state: DeliveryState,
    now: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO deliveries (endpoint_id, event_seq, state, next_attempt_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![endpoint_id, event_seq, state, now])?;
    Ok(())
}

/// The endpoint's earliest delivery in `state` that is due at `now`, with its event.
pub fn next_due_in(
    conn: &Connection,
    endpoint_id: &str,
    state: DeliveryState,
    now: i64,
) -> StoreResult<Option<Queued>> {
    Ok(conn
        .prepare_cached(
            "SELECT d.seq, d.attempts, e.id, e.type, e.payload FROM deliveries d JOIN events e ON e.seq = d.event_seq
             WHERE d.endpoint_id = ?1 AND d.state = ?2 AND d.next_attempt_at <= ?3
             ORDER BY d.next_attempt_at, d.seq LIMIT 1",
        )?
        .query_row(params![endpoint_id, state, now], |r| {
            Ok(Queued {
                seq: r.get(0)?,
                attempts: r.get(1)?,
                event_id: r.get(2)?,
                event_type: r.get(3)?,
                payload: r.get(4)?,
            })
        })
        .optional()?)
}

/// Moves one delivery to `state`, with its attempt count and, when given, its next due time.
pub fn set_state(
    conn: &Connection,
    seq: i64,
    state: DeliveryState,
    attempts: Option<u32>,
    due_at: Option<i64>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE deliveries SET state = ?2, attempts = COALESCE(?3, attempts),
             next_attempt_at = COALESCE(?4, next_attempt_at) WHERE seq = ?1",
    )?
    .execute(params![seq, state, attempts, due_at])?;
    Ok(())
}

/// Moves every delivery of an endpoint in state `from` to `to`, due at `due_at` when given.
pub fn move_all(
    conn: &Connection,
    endpoint_id: &str,
    (from, to): (DeliveryState, DeliveryState),
    due_at: Option<i64>,
) -> StoreResult<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE deliveries SET state = ?3, next_attempt_at = COALESCE(?4, next_attempt_at)
             WHERE endpoint_id = ?1 AND state = ?2",
        )?
        .execute(params![endpoint_id, from, to, due_at])?)
}

/// Like [`move_all`] for every endpoint at once.
pub fn move_all_endpoints(
    conn: &Connection,
    (from, to): (DeliveryState, DeliveryState),
    due_at: Option<i64>,
) -> StoreResult<usize> {
    Ok(conn.execute(
        "UPDATE deliveries SET state = ?2, next_attempt_at = COALESCE(?3, next_attempt_at) WHERE state = ?1",
        params![from, to, due_at],
    )?)
}

/// The time of the endpoint's earliest pending delivery.
pub fn next_due(conn: &Connection, endpoint_id: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT MIN(next_attempt_at) FROM deliveries WHERE endpoint_id = ?1 AND state = ?2")?
        .query_row(params![endpoint_id, DeliveryState::Pending], |r| r.get(0))?)
}

/// Adds an attempt to the endpoint's delivery log; `next_attempt_at` is the retry it shows.
pub fn log_attempt(
    conn: &Connection,
    claimed: &Claimed,
    outcome: &Outcome,
    next_attempt_at: Option<i64>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO attempts (endpoint_id, event_id, event_type, attempt, status_code, response_time_ms, error,
             attempted_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        claimed.endpoint_id,
        claimed.event_id,
        claimed.event_type,
        claimed.attempt,
        outcome.status_code,
        i64::try_from(outcome.response_time_ms).unwrap_or(i64::MAX),
        outcome.error,
        outcome.attempted_at,
        next_attempt_at
    ])?;
    Ok(())
}

/// Deletes an endpoint's queue and delivery log (the endpoint was deleted).
pub fn forget_endpoint(conn: &Connection, endpoint_id: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM deliveries WHERE endpoint_id = ?1", [endpoint_id])?;
    conn.execute("DELETE FROM attempts WHERE endpoint_id = ?1", [endpoint_id])?;
    Ok(())
}

/// One page of an endpoint's attempts, newest first, with their sequence numbers for the cursor.
pub fn attempts(
    conn: &Connection,
    endpoint_id: &str,
    paging: Paging,
) -> StoreResult<(Vec<(i64, DeliveryAttempt)>, bool)> {
    let mut rows: Vec<(i64, DeliveryAttempt)> = conn
        .prepare_cached(
            "SELECT seq, event_id, event_type, attempt, status_code, response_time_ms, error, attempted_at,
                 next_attempt_at FROM attempts WHERE endpoint_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
        )?
        .query_map(params![endpoint_id, paging.before.unwrap_or(i64::MAX), paging.limit + 1], |r| {
            Ok((
                r.get(0)?,
                DeliveryAttempt {
                    event_id: r.get(1)?,
                    event_type: r.get(2)?,
                    attempt: r.get(3)?,
                    status_code: r.get(4)?,
                    response_time_ms: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                    error: r.get(6)?,
                    attempted_at: rfc3339(r.get(7)?),
                    next_attempt_at: r.get::<_, Option<i64>>(8)?.map(rfc3339),
                    extra: Default::default(),
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > paging.limit as usize;
    rows.truncate(paging.limit as usize);
    Ok((rows, has_more))
}
