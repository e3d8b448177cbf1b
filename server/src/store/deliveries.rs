//! Events, the durable delivery queue, and the log of attempts.
//!
//! A delivery row moves `pending` → `in_flight` → `succeeded` | `pending` (retry) | `failed`;
//! `held` while its endpoint is paused; `cancelled` when its endpoint is disabled.

use rusqlite::{Connection, OptionalExtension, params};
use send0::client::DeliveryAttempt;

use super::endpoints::{self, EndpointRow, Paging};
use super::{StoreResult, rfc3339};

/// Consecutive failed attempts that pause an endpoint.
pub const PAUSE_AFTER_FAILURES: u32 = 10;

/// A delivery taken off the queue for one attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_seq: i64,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub endpoint_id: String,
    pub url: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: Vec<u8>,
    /// The secrets that sign this attempt, newest first.
    pub secrets: Vec<String>,
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub response_time_ms: u64,
    pub error: Option<String>,
    pub attempted_at: i64,
    /// When to try again if this attempt failed (None: the schedule is exhausted, or 410).
    pub retry_at: Option<i64>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What recording an attempt changed, for the engine's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The earliest pending delivery of the endpoint after this one, if it can receive.
    pub next_due: Option<i64>,
    pub paused: bool,
    pub disabled: bool,
}

/// Stores an event and queues it for every endpoint in `targets` (held for paused ones). Returns
/// the endpoints that got a pending delivery.
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
    tx.prepare_cached(
        "INSERT INTO events (id, workspace, type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![event_id, workspace, event_type, payload, now])?;
    let event_seq = tx.last_insert_rowid();
    let mut pending = Vec::new();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO deliveries (endpoint_id, event_seq, state, next_attempt_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for endpoint in targets.iter().filter(|e| e.active) {
            let state = if endpoint.paused { "held" } else { "pending" };
            insert.execute(params![endpoint.id, event_seq, state, now])?;
            if !endpoint.paused {
                pending.push(endpoint.id.clone());
            }
        }
    }
    tx.commit()?;
    Ok(pending)
}

/// Takes the endpoint's earliest due delivery off the queue (marking it in flight).
pub fn claim_next(conn: &mut Connection, endpoint_id: &str, now: i64) -> StoreResult<Option<Claimed>> {
    let tx = conn.transaction()?;
    let Some(endpoint) = endpoints::get_by_id(&tx, endpoint_id)? else { return Ok(None) };
    if !endpoint.active || endpoint.paused {
        return Ok(None);
    }
    let row = tx
        .prepare_cached(
            "SELECT d.seq, d.attempts, e.id, e.type, e.payload FROM deliveries d JOIN events e ON e.seq = d.event_seq
             WHERE d.endpoint_id = ?1 AND d.state = 'pending' AND d.next_attempt_at <= ?2
             ORDER BY d.next_attempt_at, d.seq LIMIT 1",
        )?
        .query_row(params![endpoint_id, now], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, u32>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((delivery_seq, attempts, event_id, event_type, payload)) = row else { return Ok(None) };
    tx.prepare_cached("UPDATE deliveries SET state = 'in_flight' WHERE seq = ?1")?.execute([delivery_seq])?;
    let secrets = endpoints::live_secrets(&tx, endpoint_id, now)?;
    tx.commit()?;
    Ok(Some(Claimed {
        delivery_seq,
        attempt: attempts + 1,
        endpoint_id: endpoint_id.to_owned(),
        url: endpoint.url,
        event_id,
        event_type,
        payload,
        secrets,
    }))
}

/// The time of the endpoint's earliest pending delivery.
pub fn next_due(conn: &Connection, endpoint_id: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT MIN(next_attempt_at) FROM deliveries WHERE endpoint_id = ?1 AND state = 'pending'",
        )?
        .query_row([endpoint_id], |r| r.get(0))?)
}

/// Every endpoint with pending deliveries, as (workspace, endpoint, earliest due time), to resume
/// after a start.
pub fn all_due(conn: &Connection) -> StoreResult<Vec<(String, String, i64)>> {
    Ok(conn
        .prepare(
            "SELECT e.workspace, d.endpoint_id, MIN(d.next_attempt_at) FROM deliveries d
             JOIN endpoints e ON e.id = d.endpoint_id WHERE d.state = 'pending' GROUP BY d.endpoint_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?)
}

/// Records an attempt: the log, the endpoint's health, and the delivery's next state. Pauses the
/// endpoint at the tenth consecutive failure and disables it on `410 Gone`.
pub fn record(conn: &mut Connection, claimed: &Claimed, outcome: &Outcome) -> StoreResult<Recorded> {
    let tx = conn.transaction()?;
    let Some(mut endpoint) = endpoints::get_by_id(&tx, &claimed.endpoint_id)? else {
        // Deleted while the attempt was in flight: its queue and log went with it.
        return Ok(Recorded { next_due: None, paused: false, disabled: true });
    };
    let gone = outcome.status_code == Some(410);
    let mut next_attempt_at = None;
    let state = if outcome.succeeded() {
        endpoint.consecutive_failures = 0;
        "succeeded"
    } else {
        endpoint.consecutive_failures += 1;
        if gone {
            endpoint.active = false;
        }
        if endpoint.active && !gone && outcome.retry_at.is_some() {
            next_attempt_at = outcome.retry_at;
            "pending"
        } else if endpoint.active {
            "failed"
        } else {
            "cancelled"
        }
    };
    let pausing = !outcome.succeeded()
        && endpoint.active
        && !endpoint.paused
        && endpoint.consecutive_failures >= PAUSE_AFTER_FAILURES;
    if pausing {
        endpoint.paused = true;
    }
    tx.prepare_cached(
        "UPDATE deliveries SET state = ?2, attempts = ?3, next_attempt_at = COALESCE(?4, next_attempt_at)
         WHERE seq = ?1",
    )?
    .execute(params![claimed.delivery_seq, state, claimed.attempt, next_attempt_at])?;
    if pausing {
        tx.prepare_cached(
            "UPDATE deliveries SET state = 'held' WHERE endpoint_id = ?1 AND state = 'pending'",
        )?
        .execute([&endpoint.id])?;
    }
    if !endpoint.active {
        cancel_queued(&tx, &endpoint.id)?;
    }
    tx.prepare_cached(
        "INSERT INTO attempts (endpoint_id, event_id, event_type, attempt, status_code, response_time_ms, error,
             attempted_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(
        params![
            endpoint.id,
            claimed.event_id,
            claimed.event_type,
            claimed.attempt,
            outcome.status_code,
            i64::try_from(outcome.response_time_ms).unwrap_or(i64::MAX),
            outcome.error,
            outcome.attempted_at,
            if pausing { None } else { next_attempt_at }
        ],
    )?;
    tx.prepare_cached(
        "UPDATE endpoints SET consecutive_failures = ?2, active = ?3, paused = ?4, last_delivery_at = ?5,
             last_delivery_status = ?6 WHERE id = ?1",
    )?
    .execute(params![
        endpoint.id,
        endpoint.consecutive_failures,
        endpoint.active,
        endpoint.paused,
        outcome.attempted_at,
        outcome.status_code
    ])?;
    let next_due = if endpoint.active && !endpoint.paused { next_due(&tx, &endpoint.id)? } else { None };
    tx.commit()?;
    Ok(Recorded { next_due, paused: pausing, disabled: gone })
}

/// Cancels everything queued for an endpoint (it was disabled).
pub fn cancel_queued(conn: &Connection, endpoint_id: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE deliveries SET state = 'cancelled' WHERE endpoint_id = ?1 AND state IN ('pending', 'held')",
        [endpoint_id],
    )?;
    Ok(())
}

/// Makes the held deliveries of an unpaused endpoint due now, keeping their order.
pub fn release_held(conn: &Connection, endpoint_id: &str, now: i64) -> StoreResult<usize> {
    Ok(conn.execute(
        "UPDATE deliveries SET state = 'pending', next_attempt_at = ?2 WHERE endpoint_id = ?1 AND state = 'held'",
        params![endpoint_id, now],
    )?)
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
