//! Request bodies and queries: strict parsing with errors that name the field and what is accepted.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::ApiError;

/// Parses a JSON object body (an empty body counts as `{}`), refusing fields not in `accepted`.
pub fn object(body: &[u8], accepted: &[&str]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("Malformed JSON body: {e}")))?;
    let Value::Object(mut map) = value else {
        return Err(ApiError::invalid("The request body must be a JSON object"));
    };
    map.values_mut().for_each(whole_numbers_as_integers);
    if let Some(unknown) = map.keys().find(|k| !accepted.contains(&k.as_str())) {
        let accepted = if accepted.is_empty() {
            "this operation takes no body fields".to_owned()
        } else {
            format!("accepted fields: {}", accepted.join(", "))
        };
        return Err(ApiError::invalid_param(
            unknown.clone(),
            format!("Unknown field `{unknown}`; {accepted}"),
        ));
    }
    Ok(map)
}

/// JSON has one number type: `3600.0` is the integer 3600 (some clients send every number as a
/// float). Numbers with a fraction stay floats and are refused where an integer is expected.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Refuses `null` for fields that cannot be cleared, so that `"url": null` is an error rather
/// than a silent no-op.
pub fn no_nulls(map: &Map<String, Value>, fields: &[&str]) -> Result<(), ApiError> {
    match fields.iter().find(|f| map.get(**f).is_some_and(Value::is_null)) {
        Some(field) => Err(ApiError::invalid_param(*field, format!("`{field}` cannot be null"))),
        None => Ok(()),
    }
}

/// The raw request body, with a too-large body answered as the API's JSON 413.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::too_large())
            }
            Err(rejection) => Err(ApiError::invalid(rejection.body_text())),
        }
    }
}

/// Converts a checked object into its typed parameters, naming the field whose value is wrong.
pub fn typed<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let path = e.path().to_string();
        let field = path.split(['.', '[']).next().unwrap_or("").to_owned();
        ApiError::invalid_param(field, format!("Invalid value for `{path}`: {}", e.inner()))
    })
}

/// `limit` and `cursor` of a list query, with nothing else accepted.
pub struct ListQuery {
    pub limit: u32,
    pub cursor: Option<String>,
}

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// Reads the list query pairs.
pub fn list_query(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
    let mut query = ListQuery { limit: DEFAULT_LIMIT, cursor: None };
    for (name, value) in pairs {
        match name.as_str() {
            "limit" => {
                query.limit =
                    value.parse::<u32>().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                        ApiError::invalid_param(
                            "limit",
                            format!("limit must be an integer from 1 to {MAX_LIMIT}"),
                        )
                    })?;
            }
            "cursor" => query.cursor = Some(value.clone()),
            other => {
                return Err(ApiError::invalid_param(
                    other.to_owned(),
                    format!("Unknown query parameter `{other}`; accepted: limit, cursor"),
                ));
            }
        }
    }
    Ok(query)
}

/// Opaque cursors: the base64url of `<list>:<sequence number>`, so a cursor of one list is refused
/// by another.
pub mod cursor {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::ApiError;

    pub fn encode(list: &str, seq: i64) -> String {
        URL_SAFE_NO_PAD.encode(format!("{list}:{seq}"))
    }

    pub fn decode(list: &str, cursor: &str) -> Result<i64, ApiError> {
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.strip_prefix(list).and_then(|r| r.strip_prefix(':')).map(str::to_owned))
            .and_then(|seq| seq.parse::<i64>().ok())
            .filter(|seq| *seq > 0)
            .ok_or_else(|| {
                ApiError::invalid_param(
                    "cursor",
                    "cursor is not valid here: pass the `cursor` of the previous page",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_types_name_the_field() {
        let err = object(br#"{"url":"x","event":[]}"#, &["url", "events"]).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("event"));
        assert!(err.message.contains("accepted fields: url, events"));
        let map = object(br#"{"events":["a", 5]}"#, &["events"]).unwrap();
        let err = typed::<send0::client::UpdateWebhookParams>(map).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("events"));
        assert!(err.message.contains("events[1]"), "{}", err.message);
        assert!(object(b"[1]", &[]).is_err());
        assert!(object(b"{", &[]).unwrap_err().message.starts_with("Malformed JSON"));
        assert!(object(b"", &[]).unwrap().is_empty());
        let map = object(br#"{"expire_previous_in": 3600.0}"#, &["expire_previous_in"]).unwrap();
        let params: send0::client::RotateSecretParams = typed(map).unwrap();
        assert_eq!(params.expire_previous_in, Some(3600));
        let map = object(br#"{"expire_previous_in": 3600.5}"#, &["expire_previous_in"]).unwrap();
        assert!(typed::<send0::client::RotateSecretParams>(map).is_err());
    }

    #[test]
    fn cursors_belong_to_their_list() {
        let c = cursor::encode("webhooks", 42);
        assert_eq!(cursor::decode("webhooks", &c).unwrap(), 42);
        assert!(cursor::decode("deliveries", &c).is_err());
        assert!(cursor::decode("webhooks", "garbage!").is_err());
        let bad = |q: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> =
                q.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
            list_query(&pairs).is_err()
        };
        assert!(
            bad(&[("limit", "0")])
                && bad(&[("limit", "101")])
                && bad(&[("limit", "x")])
                && bad(&[("page", "2")])
        );
        assert!(!bad(&[("limit", "100")]));
    }
}
