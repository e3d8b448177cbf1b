//! The objects of the Webhooks API and the parameters of its operations, as they go over the wire.
//!
//! Times are RFC 3339 UTC strings, exactly as the API sends them. Response models keep the fields
//! and statuses they do not know (`extra`, [`EndpointStatus::Other`]) and send them back out when
//! encoded, so a newer API never breaks an older SDK and nothing it says is lost on the way to a
//! binding; parameter types refuse unknown fields when deserialized, which is how the local server
//! rejects typos.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::SecretString;

/// The state of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EndpointStatus {
    /// Receiving events.
    Active,
    /// Turned off by its owner (`active: false`): nothing is delivered or queued.
    Disabled,
    /// Auto-paused after 10 consecutive failed attempts: events are held, not dropped.
    Paused,
    /// A status this SDK does not know yet, as the API spelled it.
    Other(String),
}

impl EndpointStatus {
    /// The wire string of this status.
    pub fn as_str(&self) -> &str {
        match self {
            EndpointStatus::Active => "active",
            EndpointStatus::Disabled => "disabled",
            EndpointStatus::Paused => "paused",
            EndpointStatus::Other(status) => status,
        }
    }
}

impl Serialize for EndpointStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EndpointStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let status = String::deserialize(deserializer)?;
        Ok(match status.as_str() {
            "active" => EndpointStatus::Active,
            "disabled" => EndpointStatus::Disabled,
            "paused" => EndpointStatus::Paused,
            _ => EndpointStatus::Other(status),
        })
    }
}

/// The fields of a response that this SDK does not know yet, as the API sent them.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A webhook endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// `wh_` and 12 base62 characters.
    pub id: String,
    /// Always `webhook_endpoint`.
    #[serde(default = "endpoint_object")]
    pub object: String,
    /// Where deliveries are posted.
    pub url: String,
    /// Free text, at most 500 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// Event types and patterns (`*`, `email.*`, `email.bounced`).
    pub events: Vec<String>,
    /// False when the endpoint is disabled.
    pub active: bool,
    /// `active`, `disabled` or `paused`.
    pub status: EndpointStatus,
    /// Failed attempts since the last success; 10 pauses the endpoint.
    #[serde(default)]
    pub consecutive_failures: u32,
    /// When the latest attempt was made (null before the first).
    #[serde(default)]
    pub last_delivery_at: Option<String>,
    /// The HTTP status of the latest attempt (null when it got no response).
    #[serde(default)]
    pub last_delivery_status: Option<u16>,
    /// When the endpoint was created.
    pub created_at: String,
    /// When the endpoint was last changed.
    pub updated_at: String,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Extra,
}

fn endpoint_object() -> String {
    "webhook_endpoint".to_owned()
}

/// The response to a create: the endpoint and, this once, its signing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: store it now, it is never shown again.
    pub secret: SecretString,
}

impl std::ops::Deref for WebhookEndpointWithSecret {
    type Target = WebhookEndpoint;

    fn deref(&self) -> &WebhookEndpoint {
        &self.endpoint
    }
}

/// The response to a delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedWebhookEndpoint {
    /// The id of the endpoint that was deleted.
    pub id: String,
    /// Always `webhook_endpoint`.
    #[serde(default = "endpoint_object")]
    pub object: String,
    /// Always true.
    pub deleted: bool,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The outcome of sending a `platform.test` event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// True when the endpoint answered 2xx in time.
    pub success: bool,
    /// The id of the test event.
    pub event_id: String,
    /// The endpoint's HTTP status (null when there was no response).
    pub status_code: Option<u16>,
    /// How long the endpoint took.
    pub response_time_ms: u64,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The response to a secret rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedSecret {
    /// The new `whsec_…` secret; deliveries are signed with it from now on.
    pub secret: SecretString,
    /// Until when deliveries also carry a signature by the previous secret (null: not at all).
    pub previous_secret_expires_at: Option<String>,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One delivery attempt of one event to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// The event delivered (its envelope's `eventId`, the `webhook-id` header).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The endpoint's HTTP status (null when there was no response).
    pub status_code: Option<u16>,
    /// How long the attempt took.
    pub response_time_ms: u64,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    /// When the attempt was made.
    pub attempted_at: String,
    /// When the next attempt is planned (null: none).
    pub next_attempt_at: Option<String>,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The answer to an emit (`POST /v1/events`, the local server's): the event and how many
/// endpoints it went to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmittedEvent {
    /// The new event's id (`evt_…`): its envelope's `eventId` and each delivery's `webhook-id`.
    pub event_id: String,
    /// The event's type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// How many endpoints it matched (active ones; paused ones hold it).
    pub endpoints: u64,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// Always `list`.
    #[serde(default = "list_object")]
    pub object: String,
    /// The items, newest first.
    pub data: Vec<T>,
    /// True when another page follows.
    pub has_more: bool,
    /// Pass this as `cursor` to get the next page (null on the last page).
    pub cursor: Option<String>,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Extra,
}

fn list_object() -> String {
    "list".to_owned()
}

/// The body of `POST /v1/webhooks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookParams {
    /// Where deliveries are posted: `https`, at most 2048 characters.
    pub url: String,
    /// Event types and patterns; every event (`["*"]`) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Free text, at most 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// False creates the endpoint disabled. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl CreateWebhookParams {
    /// Parameters for an endpoint at `url` receiving every event.
    pub fn new(url: impl Into<String>) -> Self {
        CreateWebhookParams { url: url.into(), ..Default::default() }
    }
}

/// The body of `PATCH /v1/webhooks/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookParams {
    /// A new URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A new list of types and patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// `Some(None)` clears the description.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub description: Option<Option<String>>,
    /// Enables or disables the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Only `false`: unpauses a paused endpoint, which resets its failures and releases held events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from an absent one (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The body of `POST /v1/webhooks/{id}/rotate-secret`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretParams {
    /// Seconds during which deliveries are also signed with the previous secret (0 to 604800,
    /// default 86400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_previous_in: Option<u64>,
}

/// The body of `POST /v1/events`, the local server's stand-in for the platform's own activity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmitEventParams {
    /// One exact event type of the catalog ([`crate::events::EVENT_TYPES`]), not a pattern.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's `data`, sent as given; the server fills in a realistic sample when it is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
}

impl EmitEventParams {
    /// An event of `event_type` with the server's sample data.
    pub fn new(event_type: impl Into<String>) -> Self {
        EmitEventParams { event_type: event_type.into(), data: None }
    }
}

/// Paging parameters of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListParams {
    /// Items per page, 1 to 100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_sends_only_what_is_set_and_null_clears() {
        let p = UpdateWebhookParams { description: Some(None), active: Some(false), ..Default::default() };
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"description":null,"active":false}"#);
        let back: UpdateWebhookParams = serde_json::from_str(r#"{"description":null}"#).unwrap();
        assert_eq!(back.description, Some(None));
        let absent: UpdateWebhookParams = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.description, None);
    }

    #[test]
    fn params_refuse_unknown_fields_naming_the_accepted_ones() {
        let err = serde_json::from_str::<CreateWebhookParams>(r#"{"url":"https://x","event":["*"]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `event`") && err.contains("`events`"), "{err}");
    }

    #[test]
    fn created_endpoint_keeps_its_secret_out_of_debug() {
        let json = r#"{"id":"wh_3mKpLvRw9nQx","object":"webhook_endpoint","url":"https://a.example/h",
            "description":null,"events":["*"],"active":true,"status":"active","consecutive_failures":0,
            "last_delivery_at":null,"last_delivery_status":null,"created_at":"2026-04-12T10:30:00Z",
            "updated_at":"2026-04-12T10:30:00Z","secret":"whsec_c2VjcmV0c2VjcmV0c2VjcmV0","future_field":1}"#;
        let ep: WebhookEndpointWithSecret = serde_json::from_str(json).unwrap();
        assert_eq!(ep.id, "wh_3mKpLvRw9nQx");
        assert_eq!(ep.secret.expose(), "whsec_c2VjcmV0c2VjcmV0c2VjcmV0");
        assert!(!format!("{ep:?}").contains("c2VjcmV0"));
        assert_eq!(ep.extra.get("future_field"), Some(&serde_json::json!(1)));
        assert!(!ep.extra.contains_key("secret"), "the secret is the outer struct's field");
    }

    #[test]
    fn emit_params_send_the_type_and_only_the_data_given() {
        let bare = EmitEventParams::new("email.bounced");
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"type":"email.bounced"}"#);
        let data = serde_json::json!({"bounce_type": "soft"}).as_object().cloned();
        let with = EmitEventParams { data, ..bare };
        assert_eq!(
            serde_json::to_string(&with).unwrap(),
            r#"{"type":"email.bounced","data":{"bounce_type":"soft"}}"#
        );
        let null: EmitEventParams = serde_json::from_str(r#"{"type":"email.sent","data":null}"#).unwrap();
        assert_eq!(null.data, None);
        assert!(serde_json::from_str::<EmitEventParams>(r#"{"typ":"email.sent"}"#).is_err());
        let json = r#"{"event_id":"evt_1","type":"email.bounced","endpoints":2,"region":"eu"}"#;
        let emitted: EmittedEvent = serde_json::from_str(json).unwrap();
        assert_eq!((emitted.event_type.as_str(), emitted.endpoints), ("email.bounced", 2));
        assert_eq!(
            serde_json::to_value(&emitted).unwrap(),
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
    }

    #[test]
    fn unknown_statuses_and_fields_survive_a_round_trip() {
        let status: EndpointStatus = serde_json::from_str(r#""zombie""#).unwrap();
        assert_eq!(status, EndpointStatus::Other("zombie".into()));
        assert_eq!(serde_json::to_string(&status).unwrap(), r#""zombie""#);
        let json = r#"{"event_id":"evt_1","event_type":"email.sent","attempt":1,"status_code":null,
            "response_time_ms":3,"error":null,"attempted_at":"2026-04-12T10:30:00Z","next_attempt_at":null,
            "region":"eu","trace":{"hops":[1,2]}}"#;
        let attempt: DeliveryAttempt = serde_json::from_str(json).unwrap();
        let back: serde_json::Value = serde_json::to_value(&attempt).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(json).unwrap());
    }
}
