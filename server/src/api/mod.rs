//! The HTTP API: routes, and the layers every request goes through, in order: request id, panic
//! guard, the body limit, authentication, authorization, idempotency.

mod body;
mod error;
mod events;
mod rate_limit;
mod webhooks;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::FutureExt;
use sha2::{Digest, Sha256};

pub use error::ApiError;
pub use rate_limit::RateLimiter;

use crate::delivery::Engine;
use crate::keys::{KeyRing, Principal, Scope};
use crate::store::{self, IdempotencyRecord, Lookup, Store};

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// The OpenAPI document of this server, served at `/openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../../openapi.yaml");

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub engine: Engine,
    pub keys: Arc<KeyRing>,
    pub limits: Arc<rate_limit::RateLimiter>,
    /// The most endpoints one workspace may have.
    pub max_endpoints: usize,
}

/// Set on a response by a handler whose request concerns one endpoint, so that the idempotency
/// record of that response is deleted with the endpoint (it may hold the endpoint's secret).
#[derive(Debug, Clone)]
pub struct ConcernsEndpoint(pub String);

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/v1/webhooks/{id}", get(webhooks::get).patch(webhooks::update).delete(webhooks::delete))
        .route("/v1/webhooks/{id}/test", post(webhooks::test))
        .route("/v1/webhooks/{id}/rotate-secret", post(webhooks::rotate_secret))
        .route("/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/v1/events", post(events::emit))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), idempotency))
        .layer(middleware::from_fn(authorize))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state);
    Router::new()
        .route("/health", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/openapi.yaml", get(|| async { ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI) }))
        .merge(api)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(catch_panic))
        .layer(middleware::from_fn(request_id))
}

/// A handler that panics answers 500 instead of dropping the connection; whatever it held (an
/// idempotency reservation) is released as the panic unwinds through it.
async fn catch_panic(request: Request, next: Next) -> Response {
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => ApiError::internal("a request handler panicked").into_response(),
    }
}

/// Every response carries an `x-request-id`.
async fn request_id(request: Request, next: Next) -> Response {
    let id = crate::ids::request_id();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// `Authorization: Bearer <key>` → the key's [`Principal`], or 401; then the key's rate limit, or 429.
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    match presented.and_then(|key| state.keys.authenticate(key)) {
        Some(principal) => {
            if let Err(seconds) = state.limits.check(principal) {
                return ApiError::rate_limited(principal.rate_limit.unwrap_or(0), seconds).into_response();
            }
            request.extensions_mut().insert(principal.clone());
            next.run(request).await
        }
        None => ApiError::unauthorized().into_response(),
    }
}

/// The scope a request needs: reading is `GET`; every other method changes something. Checked
/// here, before the idempotency layer, so no stored response is ever replayed to a key that could
/// not have made the request itself.
async fn authorize(request: Request, next: Next) -> Response {
    let scope = if request.method() == Method::GET || request.method() == Method::HEAD {
        Scope::Read
    } else {
        Scope::Manage
    };
    match request.extensions().get::<Principal>() {
        Some(principal) if principal.allows(scope) => next.run(request).await,
        Some(_) => ApiError::forbidden(scope).into_response(),
        None => ApiError::unauthorized().into_response(),
    }
}

/// `Idempotency-Key` on POST: the response of a request that ran is stored and replayed for 24
/// hours to the same request; the same key with another request is 409.
///
/// As Stripe does, only a request that started executing saves a result: a refusal (any 4xx:
/// authentication, authorization, validation, an unknown id, a conflict) saves nothing, so the key
/// can be used again once the request is fixed; a 5xx frees the key for a retry. A reservation
/// whose request never completed (the client went away, the handler panicked) is released too.
async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get("idempotency-key").cloned() else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => k.to_owned(),
        _ => {
            return ApiError::invalid_param(
                "Idempotency-Key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
            .into_response();
        }
    };
    let Some(principal) = request.extensions().get::<Principal>().cloned() else {
        return ApiError::unauthorized().into_response();
    };
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return ApiError::too_large().into_response(),
    };
    let fingerprint = {
        let mut hash = Sha256::new();
        hash.update(parts.method.as_str());
        hash.update(b" ");
        hash.update(parts.uri.path());
        hash.update(b"\n");
        hash.update(&bytes);
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, hash.finalize())
    };
    let workspace = principal.workspace.clone();
    let lookup = {
        let (workspace, key) = (workspace.clone(), key.clone());
        state
            .store
            .run(move |conn| store::idempotency::begin(conn, &workspace, &key, &fingerprint, store::now_ms()))
            .await
    };
    match lookup {
        Err(e) => ApiError::from(e).into_response(),
        Ok(Lookup::Mismatch) => ApiError::idempotency_conflict(
            format!("Idempotency-Key `{key}` was already used with a different request; use a new key"),
            false,
        )
        .into_response(),
        Ok(Lookup::InProgress) => ApiError::idempotency_conflict(
            format!("A request with Idempotency-Key `{key}` is still in progress; retry shortly"),
            true,
        )
        .into_response(),
        Ok(Lookup::Replay(record)) => replay(record),
        Ok(Lookup::Reserved) => {
            let mut reservation = Reservation { store: state.store.clone(), workspace, key, settled: false };
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let (mut parts, body) = response.into_parts();
            let Ok(body) = axum::body::to_bytes(body, MAX_RESPONSE).await else {
                return ApiError::internal("a response could not be buffered for its Idempotency-Key")
                    .into_response();
            };
            let status = parts.status;
            let endpoint = parts.extensions.get::<ConcernsEndpoint>().map(|c| c.0.clone());
            let kept = body.clone();
            let (workspace, key) = (reservation.workspace.clone(), reservation.key.clone());
            let stored = state
                .store
                .run(move |conn| {
                    if status.is_success() {
                        let record = IdempotencyRecord { status: status.as_u16(), body: kept.to_vec() };
                        store::idempotency::finish(conn, &workspace, &key, &record, endpoint.as_deref())
                    } else {
                        // A refusal saves nothing; a failure of ours lets a retry run it again.
                        store::idempotency::release(conn, &workspace, &key)
                    }
                })
                .await;
            reservation.settled = stored.is_ok();
            if let Err(e) = stored {
                return ApiError::from(e).into_response();
            }
            parts.headers.insert("idempotent-replayed", HeaderValue::from_static("false"));
            Response::from_parts(parts, Body::from(body))
        }
    }
}

/// Responses of this API are small; one larger than this is not stored for replay.
const MAX_RESPONSE: usize = 1024 * 1024;

/// A key reserved for a request in flight. Dropped unsettled (the client went away, the handler
/// panicked), it frees the key so a retry can run.
struct Reservation {
    store: Store,
    workspace: String,
    key: String,
    settled: bool,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (store, workspace, key) = (self.store.clone(), self.workspace.clone(), self.key.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) =
                    store.run(move |conn| store::idempotency::release(conn, &workspace, &key)).await
                {
                    eprintln!("send0-server: releasing an Idempotency-Key: {e}");
                }
            });
        }
    }
}

fn replay(record: IdempotencyRecord) -> Response {
    let status = StatusCode::from_u16(record.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Bytes::from(record.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

async fn unknown_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("Unknown route: {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::method_not_allowed(format!("{method} is not allowed on {}", uri.path()))
}
