//! `/v1/webhooks`: endpoints, their tests, secrets and delivery logs.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use bytes::Bytes;
use send0::SecretString;
use send0::client::{
    CreateWebhookParams, DeletedWebhookEndpoint, DeliveryAttempt, Page, RotateSecretParams, RotatedSecret,
    TestResult, UpdateWebhookParams, WebhookEndpoint, WebhookEndpointWithSecret,
};
use send0::events::{Envelope, EventPattern};

use super::body::{self, RawBody, cursor};
use super::{AppState, ConcernsEndpoint};
use crate::api::ApiError;
use crate::delivery::SignedPost;
use crate::delivery::egress::is_loopback_host;
use crate::keys::Principal;
use crate::samples::sample_data;
use crate::store::lifecycle::PAUSE_AFTER_FAILURES;
use crate::store::{self, EndpointRow, Inserted, NewEndpoint, Paging};

const CREATE_FIELDS: &[&str] = &["url", "events", "description", "active"];
const UPDATE_FIELDS: &[&str] = &["url", "events", "description", "active", "paused"];
const ROTATE_FIELDS: &[&str] = &["expire_previous_in"];
const MAX_URL: usize = 2048;
const MAX_DESCRIPTION: usize = 500;
const MAX_EXPIRE_PREVIOUS_IN: u64 = 604_800;
const DEFAULT_EXPIRE_PREVIOUS_IN: u64 = 86_400;
/// `test` waits this long for the endpoint.
const TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

type Query2 = Query<Vec<(String, String)>>;

/// `https`, or `http` to a loopback host (so a handler on a laptop can receive events).
fn validate_url(url: &str) -> Result<String, ApiError> {
    let bad = |m: &str| ApiError::invalid_param("url", m);
    if url.trim().is_empty() {
        return Err(bad("url is required"));
    }
    if url.chars().count() > MAX_URL {
        return Err(bad("url must be at most 2048 characters"));
    }
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| bad("url must be an absolute URL such as https://example.com/webhooks"))?;
    let host = parsed.host_str().unwrap_or("");
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(url.to_owned()),
        "http" if is_loopback_host(host) => Ok(url.to_owned()),
        _ => Err(bad("Webhook URL must use HTTPS")),
    }
}

fn validate_events(events: Vec<String>) -> Result<Vec<String>, ApiError> {
    if events.is_empty() {
        return Err(ApiError::invalid_param(
            "events",
            "events must name at least one event type or pattern; use [\"*\"] for every event",
        ));
    }
    for pattern in &events {
        EventPattern::parse(pattern).map_err(|e| ApiError::invalid_param("events", e.message()))?;
    }
    Ok(events)
}

fn validate_description(description: Option<String>) -> Result<Option<String>, ApiError> {
    match description {
        Some(d) if d.chars().count() > MAX_DESCRIPTION => {
            Err(ApiError::invalid_param("description", "description must be at most 500 characters"))
        }
        other => Ok(other),
    }
}

async fn find(state: &AppState, workspace: &str, id: &str) -> Result<EndpointRow, ApiError> {
    let (workspace, owned) = (workspace.to_owned(), id.to_owned());
    state
        .store
        .run(move |conn| store::endpoints::get(conn, &workspace, &owned))
        .await?
        .ok_or_else(|| ApiError::no_such_endpoint(id))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Extension<ConcernsEndpoint>, Json<WebhookEndpointWithSecret>), ApiError> {
    let map = body::object(&body, CREATE_FIELDS)?;
    if map.get("url").is_none_or(|v| v.is_null()) {
        return Err(ApiError::invalid_param("url", "url is required"));
    }
    body::no_nulls(&map, &["events", "active"])?;
    let params: CreateWebhookParams = body::typed(map)?;
    let secret = crate::ids::signing_secret();
    let new = NewEndpoint {
        id: crate::ids::endpoint_id(),
        workspace: principal.workspace.clone(),
        url: validate_url(&params.url)?,
        events: validate_events(params.events.unwrap_or_else(|| vec!["*".to_owned()]))?,
        description: validate_description(params.description)?,
        active: params.active.unwrap_or(true),
        secret: secret.clone(),
        now: store::now_ms(),
    };
    let max = state.max_endpoints;
    let row = match state.store.run(move |conn| store::endpoints::insert(conn, &new, max)).await? {
        Inserted::Created(row) => row,
        Inserted::AtLimit => {
            return Err(ApiError::invalid(format!(
                "This workspace already has {max} webhook endpoints, the most this server allows \
                 (send0-server --max-endpoints-per-workspace); delete one before creating another"
            )));
        }
    };
    Ok((
        StatusCode::CREATED,
        Extension(ConcernsEndpoint(row.id.clone())),
        Json(WebhookEndpointWithSecret { endpoint: row.to_api(), secret: SecretString::new(secret) }),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    Ok(Json(find(&state, &principal.workspace, &id).await?.to_api()))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query2, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<WebhookEndpoint>>, ApiError> {
    let query = body::list_query(&query.map_err(|e| ApiError::invalid(e.body_text()))?.0)?;
    let paging = Paging {
        limit: query.limit,
        before: query.cursor.as_deref().map(|c| cursor::decode("webhooks", c)).transpose()?,
    };
    let workspace = principal.workspace.clone();
    let (rows, has_more) =
        state.store.run(move |conn| store::endpoints::list(conn, &workspace, paging)).await?;
    let next = has_more.then(|| rows.last().map(|r| cursor::encode("webhooks", r.seq))).flatten();
    Ok(Json(Page {
        object: "list".into(),
        data: rows.iter().map(EndpointRow::to_api).collect(),
        has_more,
        cursor: next,
        extra: Default::default(),
    }))
}

pub async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let map = body::object(&body, UPDATE_FIELDS)?;
    body::no_nulls(&map, &["url", "events", "active", "paused"])?;
    let params: UpdateWebhookParams = body::typed(map)?;
    if params.paused == Some(true) {
        return Err(ApiError::invalid_param(
            "paused",
            format!(
                "paused can only be set to false (to unpause); send0 pauses endpoints itself after \
                 {PAUSE_AFTER_FAILURES} consecutive failures"
            ),
        ));
    }
    let changes = store::endpoints::EndpointChanges {
        url: params.url.as_deref().map(validate_url).transpose()?,
        events: params.events.map(validate_events).transpose()?,
        description: params.description.map(validate_description).transpose()?,
        active: params.active,
        unpause: params.paused == Some(false),
    };
    let now = store::now_ms();
    let (workspace, owned) = (principal.workspace.clone(), id.clone());
    let (row, released) = state
        .store
        .run(move |conn| store::update_endpoint(conn, &workspace, &owned, changes, now))
        .await?
        .ok_or_else(|| ApiError::no_such_endpoint(&id))?;
    if released {
        state.engine.schedule(&row.workspace, &row.id, now);
    }
    Ok(Json(row.to_api()))
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<DeletedWebhookEndpoint>, ApiError> {
    let (workspace, owned) = (principal.workspace.clone(), id.clone());
    if !state.store.run(move |conn| store::delete_endpoint(conn, &workspace, &owned)).await? {
        return Err(ApiError::no_such_endpoint(&id));
    }
    Ok(Json(DeletedWebhookEndpoint {
        id,
        object: "webhook_endpoint".into(),
        deleted: true,
        extra: Default::default(),
    }))
}

/// Delivers a `platform.test` event now, whatever the endpoint's events and status, and reports
/// the outcome. It touches neither the failure count nor the delivery log; it takes a delivery
/// slot of the workspace like any attempt.
pub async fn test(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> Result<(Extension<ConcernsEndpoint>, Json<TestResult>), ApiError> {
    body::object(&body, &[])?;
    let endpoint = find(&state, &principal.workspace, &id).await?;
    let now = store::now_ms();
    let endpoint_id = endpoint.id.clone();
    let secrets =
        state.store.run(move |conn| store::endpoints::live_secrets(conn, &endpoint_id, now)).await?;
    let envelope =
        Envelope::new("platform.test", sample_data("platform.test", Some(&endpoint.id)), false, now);
    let payload = serde_json::to_vec(&envelope).map_err(ApiError::internal)?;
    let post = SignedPost {
        url: &endpoint.url,
        event_id: &envelope.event_id,
        payload: Bytes::from(payload),
        secrets: &secrets,
        timeout: TEST_TIMEOUT,
    };
    let result = state.engine.send_now(&principal.workspace, &post, TEST_TIMEOUT).await;
    Ok((
        Extension(ConcernsEndpoint(endpoint.id.clone())),
        Json(TestResult {
            success: result.succeeded(),
            event_id: envelope.event_id,
            status_code: result.status_code,
            response_time_ms: result.response_time_ms,
            error: result.error,
            extra: Default::default(),
        }),
    ))
}

pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> Result<(Extension<ConcernsEndpoint>, Json<RotatedSecret>), ApiError> {
    let map = body::object(&body, ROTATE_FIELDS)?;
    body::no_nulls(&map, ROTATE_FIELDS)?;
    let params: RotateSecretParams = body::typed(map)?;
    let expire_in = params.expire_previous_in.unwrap_or(DEFAULT_EXPIRE_PREVIOUS_IN);
    if expire_in > MAX_EXPIRE_PREVIOUS_IN {
        return Err(ApiError::invalid_param(
            "expire_previous_in",
            "expire_previous_in must be from 0 to 604800 seconds (7 days)",
        ));
    }
    let endpoint = find(&state, &principal.workspace, &id).await?;
    let secret = crate::ids::signing_secret();
    let now = store::now_ms();
    // expire_in is at most MAX_EXPIRE_PREVIOUS_IN (a week), checked above.
    let expires_at = now.saturating_add(i64::try_from(expire_in).unwrap_or(0).saturating_mul(1000));
    let (stored, endpoint_id) = (secret.clone(), endpoint.id.clone());
    state
        .store
        .run(move |conn| store::endpoints::rotate_secret(conn, &endpoint.id, &stored, now, expires_at))
        .await?;
    Ok((
        Extension(ConcernsEndpoint(endpoint_id)),
        Json(RotatedSecret {
            secret: SecretString::new(secret),
            previous_secret_expires_at: (expire_in > 0).then(|| store::rfc3339(expires_at)),
            extra: Default::default(),
        }),
    ))
}

pub async fn deliveries(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    query: Result<Query2, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page<DeliveryAttempt>>, ApiError> {
    let query = body::list_query(&query.map_err(|e| ApiError::invalid(e.body_text()))?.0)?;
    let paging = Paging {
        limit: query.limit,
        before: query.cursor.as_deref().map(|c| cursor::decode("deliveries", c)).transpose()?,
    };
    let endpoint = find(&state, &principal.workspace, &id).await?;
    let (rows, has_more) =
        state.store.run(move |conn| store::deliveries::attempts(conn, &endpoint.id, paging)).await?;
    let next = has_more.then(|| rows.last().map(|(seq, _)| cursor::encode("deliveries", *seq))).flatten();
    Ok(Json(Page {
        object: "list".into(),
        data: rows.into_iter().map(|(_, a)| a).collect(),
        has_more,
        cursor: next,
        extra: Default::default(),
    }))
}
