//! `POST /v1/events` (local server only): emits an event to every matching endpoint, standing in
//! for the platform's own activity.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use send0::client::{EmitEventParams, EmittedEvent};
use send0::events::{Envelope, EventPattern, is_known_type, matches_any};

use super::AppState;
use super::body::{self, RawBody};
use crate::api::ApiError;
use crate::keys::Principal;
use crate::samples::sample_data;
use crate::store;

pub async fn emit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<EmittedEvent>), ApiError> {
    let map = body::object(&body, &["type", "data"])?;
    if map.get("type").is_none_or(|v| v.is_null()) {
        return Err(ApiError::invalid_param("type", "type is required"));
    }
    let params: EmitEventParams = body::typed(map)?;
    if !is_known_type(&params.event_type) {
        let why = match EventPattern::parse(&params.event_type) {
            Ok(_) => format!("type must be one event type, not the pattern `{}`", params.event_type),
            Err(e) => e.message().to_owned(),
        };
        return Err(ApiError::invalid_param("type", why));
    }
    let now = store::now_ms();
    let data = match params.data {
        Some(data) => serde_json::Value::Object(data),
        None => sample_data(&params.event_type, None),
    };
    let envelope = Envelope::new(&params.event_type, data, false, now);
    let payload = serde_json::to_vec(&envelope).map_err(ApiError::internal)?;
    let workspace = principal.workspace.clone();
    let (event_id, event_type) = (envelope.event_id.clone(), envelope.event_type.clone());
    let (matched, pending) = state
        .store
        .run(move |conn| {
            let endpoints = store::endpoints::active_in_workspace(conn, &workspace)?;
            let targets: Vec<_> = endpoints
                .into_iter()
                .filter(|e| {
                    // Stored patterns were validated on write; one that no longer parses matches nothing.
                    let patterns: Vec<EventPattern> =
                        e.events.iter().filter_map(|p| EventPattern::parse(p).ok()).collect();
                    matches_any(&patterns, &event_type)
                })
                .collect();
            let pending =
                store::enqueue_event(conn, &workspace, &event_id, &event_type, &payload, now, &targets)?;
            Ok((targets.len(), pending))
        })
        .await?;
    for endpoint_id in pending {
        state.engine.schedule(&principal.workspace, &endpoint_id, now);
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(EmittedEvent {
            event_id: envelope.event_id,
            event_type: envelope.event_type,
            endpoints: u64::try_from(matched).unwrap_or(u64::MAX),
            extra: Default::default(),
        }),
    ))
}
