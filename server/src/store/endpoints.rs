//! Endpoints and their secrets: the tables `endpoints` and `endpoint_secrets`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use send0::client::{EndpointStatus, WebhookEndpoint};

use super::lifecycle::{EndpointState, Health};
use super::{Paging, StoreError, StoreResult, rfc3339};

/// An endpoint as stored.
#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub seq: i64,
    pub id: String,
    pub workspace: String,
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<String>,
    /// `active`, `paused` and `consecutive_failures`, which `lifecycle.rs` changes.
    pub health: Health,
    pub last_delivery_at: Option<i64>,
    pub last_delivery_status: Option<u16>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl EndpointRow {
    const COLUMNS: &'static str = "seq, id, workspace, url, description, events, active, paused, \
         consecutive_failures, last_delivery_at, last_delivery_status, created_at, updated_at";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<EndpointRow> {
        let events: String = row.get(5)?;
        Ok(EndpointRow {
            seq: row.get(0)?,
            id: row.get(1)?,
            workspace: row.get(2)?,
            url: row.get(3)?,
            description: row.get(4)?,
            events: serde_json::from_str(&events).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
            })?,
            health: Health { active: row.get(6)?, paused: row.get(7)?, consecutive_failures: row.get(8)? },
            last_delivery_at: row.get(9)?,
            last_delivery_status: row.get(10)?,
            created_at: row.get(11)?,
            updated_at: row.get(12)?,
        })
    }

    /// The API's `status`.
    pub fn status(&self) -> EndpointStatus {
        match self.health.state() {
            EndpointState::Active => EndpointStatus::Active,
            EndpointState::Paused => EndpointStatus::Paused,
            EndpointState::Disabled => EndpointStatus::Disabled,
        }
    }

    /// The API object.
    pub fn to_api(&self) -> WebhookEndpoint {
        WebhookEndpoint {
            id: self.id.clone(),
            object: "webhook_endpoint".to_owned(),
            url: self.url.clone(),
            description: self.description.clone(),
            events: self.events.clone(),
            active: self.health.active,
            status: self.status(),
            consecutive_failures: self.health.consecutive_failures,
            last_delivery_at: self.last_delivery_at.map(rfc3339),
            last_delivery_status: self.last_delivery_status,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            extra: Default::default(),
        }
    }
}

/// What a create stores.
pub struct NewEndpoint {
    pub id: String,
    pub workspace: String,
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<String>,
    pub active: bool,
    pub secret: String,
    pub now: i64,
}

/// What [`insert`] did.
#[derive(Debug)]
pub enum Inserted {
    Created(Box<EndpointRow>),
    /// The workspace already has the most endpoints allowed; nothing was inserted.
    AtLimit,
}

/// Inserts an endpoint unless its workspace already has `max_per_workspace` (checked in the same
/// transaction, so concurrent creates cannot pass the limit together).
pub fn insert(conn: &mut Connection, new: &NewEndpoint, max_per_workspace: usize) -> StoreResult<Inserted> {
    let tx = conn.transaction()?;
    let count: i64 =
        tx.query_row("SELECT COUNT(*) FROM endpoints WHERE workspace = ?1", [&new.workspace], |r| r.get(0))?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= max_per_workspace {
        return Ok(Inserted::AtLimit);
    }
    tx.execute(
        "INSERT INTO endpoints (id, workspace, url, description, events, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            new.id,
            new.workspace,
            new.url,
            new.description,
            serde_json::to_string(&new.events)?,
            new.active,
            new.now
        ],
    )?;
    tx.execute(
        "INSERT INTO endpoint_secrets (endpoint_id, secret, created_at) VALUES (?1, ?2, ?3)",
        params![new.id, new.secret, new.now],
    )?;
    let row = get_in(&tx, &new.workspace, &new.id)?
        .ok_or_else(|| StoreError("the endpoint just inserted could not be read back".into()))?;
    tx.commit()?;
    Ok(Inserted::Created(Box::new(row)))
}

/// The endpoint `id` of `workspace` (another workspace's id is simply not found).
pub fn get(conn: &Connection, workspace: &str, id: &str) -> StoreResult<Option<EndpointRow>> {
    get_in(conn, workspace, id)
}

fn get_in(conn: &Connection, workspace: &str, id: &str) -> StoreResult<Option<EndpointRow>> {
    let sql = format!("SELECT {} FROM endpoints WHERE workspace = ?1 AND id = ?2", EndpointRow::COLUMNS);
    Ok(conn.prepare_cached(&sql)?.query_row(params![workspace, id], EndpointRow::from_row).optional()?)
}

/// The endpoint `id` whatever its workspace (for the delivery engine).
pub fn get_by_id(conn: &Connection, id: &str) -> StoreResult<Option<EndpointRow>> {
    let sql = format!("SELECT {} FROM endpoints WHERE id = ?1", EndpointRow::COLUMNS);
    Ok(conn.prepare_cached(&sql)?.query_row(params![id], EndpointRow::from_row).optional()?)
}

/// One page of a workspace's endpoints, newest first, and whether more follow.
pub fn list(conn: &Connection, workspace: &str, paging: Paging) -> StoreResult<(Vec<EndpointRow>, bool)> {
    let sql = format!(
        "SELECT {} FROM endpoints WHERE workspace = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
        EndpointRow::COLUMNS
    );
    let mut rows: Vec<EndpointRow> = conn
        .prepare_cached(&sql)?
        .query_map(
            params![workspace, paging.before.unwrap_or(i64::MAX), paging.limit + 1],
            EndpointRow::from_row,
        )?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > paging.limit as usize;
    rows.truncate(paging.limit as usize);
    Ok((rows, has_more))
}

/// Every active endpoint of a workspace (to match an event against).
pub fn active_in_workspace(conn: &Connection, workspace: &str) -> StoreResult<Vec<EndpointRow>> {
    let sql = format!("SELECT {} FROM endpoints WHERE workspace = ?1 AND active = 1", EndpointRow::COLUMNS);
    Ok(conn.prepare_cached(&sql)?.query_map([workspace], EndpointRow::from_row)?.collect::<Result<_, _>>()?)
}

/// Writes back the changeable fields of `row`.
pub fn save(conn: &Connection, row: &EndpointRow) -> StoreResult<()> {
    conn.execute(
        "UPDATE endpoints SET url = ?1, description = ?2, events = ?3, active = ?4, paused = ?5,
             consecutive_failures = ?6, updated_at = ?7 WHERE id = ?8",
        params![
            row.url,
            row.description,
            serde_json::to_string(&row.events)?,
            row.health.active,
            row.health.paused,
            row.health.consecutive_failures,
            row.updated_at,
            row.id
        ],
    )?;
    Ok(())
}

/// Records the health after a delivery attempt, and the attempt's time and status.
pub fn record_attempt(
    conn: &Connection,
    id: &str,
    health: Health,
    attempted_at: i64,
    status_code: Option<u16>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE endpoints SET consecutive_failures = ?2, active = ?3, paused = ?4, last_delivery_at = ?5,
             last_delivery_status = ?6 WHERE id = ?1",
    )?
    .execute(params![
        id,
        health.consecutive_failures,
        health.active,
        health.paused,
        attempted_at,
        status_code
    ])?;
    Ok(())
}

/// Deletes an endpoint and its secrets (`store/mod.rs` deletes the rest of what it owns).
pub fn delete(conn: &Connection, workspace: &str, id: &str) -> StoreResult<bool> {
    Ok(conn.execute("DELETE FROM endpoints WHERE workspace = ?1 AND id = ?2", params![workspace, id])? > 0)
}

/// The secrets that sign deliveries at `now`: the current one and any previous one not yet expired,
/// newest first.
pub fn live_secrets(conn: &Connection, endpoint_id: &str, now: i64) -> StoreResult<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT secret FROM endpoint_secrets WHERE endpoint_id = ?1
                 AND (expires_at IS NULL OR expires_at > ?2) ORDER BY seq DESC",
        )?
        .query_map(params![endpoint_id, now], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// Makes `secret` current; the previous current secret keeps signing until `previous_expires_at`.
pub fn rotate_secret(
    conn: &mut Connection,
    endpoint_id: &str,
    secret: &str,
    now: i64,
    previous_expires_at: i64,
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    // Only one previous secret signs: any older one still inside an earlier grace period stops now.
    tx.execute(
        "UPDATE endpoint_secrets SET expires_at = ?2 WHERE endpoint_id = ?1 AND expires_at > ?2",
        params![endpoint_id, now],
    )?;
    tx.execute(
        "UPDATE endpoint_secrets SET expires_at = ?2 WHERE endpoint_id = ?1 AND expires_at IS NULL",
        params![endpoint_id, previous_expires_at],
    )?;
    tx.execute(
        "INSERT INTO endpoint_secrets (endpoint_id, secret, created_at) VALUES (?1, ?2, ?3)",
        params![endpoint_id, secret, now],
    )?;
    tx.execute("UPDATE endpoints SET updated_at = ?2 WHERE id = ?1", params![endpoint_id, now])?;
    tx.commit()?;
    Ok(())
}

/// The changes of a PATCH, already validated.
#[derive(Debug, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    /// `paused: false`: resume a paused endpoint.
    pub unpause: bool,
}
