//! API operations described as data: the one request shape every binding sends across its
//! language boundary (`{"op": "get_webhook", "id": "wh_…"}`), answered with the response's JSON.
//!
//! The bindings keep no copy of the routes, the parameters or the retry logic: they name an
//! operation, pass its parameters as JSON and rebuild their own typed objects from the answer.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::models::{CreateWebhookParams, ListParams, RotateSecretParams, UpdateWebhookParams};
use super::{Client, RequestOptions};
use crate::error::{Error, ErrorKind, Result};

/// One call: which operation, on which endpoint, with which parameters and options.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Call {
    op: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    params: Option<Value>,
    #[serde(default)]
    options: CallOptions,
}

/// Per-call options as the bindings pass them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallOptions {
    idempotency_key: Option<String>,
    max_retries: Option<u32>,
    timeout_ms: Option<u64>,
}

/// The operation names, for error messages.
pub const OPERATIONS: [&str; 8] = [
    "create_webhook",
    "get_webhook",
    "list_webhooks",
    "update_webhook",
    "delete_webhook",
    "test_webhook",
    "rotate_secret",
    "list_deliveries",
];

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

fn params<T: DeserializeOwned + Default>(op: &str, value: Option<Value>) -> Result<T> {
    match value {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => {
            serde_json::from_value(value).map_err(|e| invalid(format!("invalid params for {op}: {e}")))
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::new(ErrorKind::Decode, format!("cannot encode the response: {e}")))
}

impl Client {
    /// Runs the call described by `request` (JSON) and answers the response object as JSON.
    ///
    /// ```text
    /// {"op": "create_webhook", "params": {"url": "https://…"}, "options": {"idempotency_key": "k"}}
    /// {"op": "list_webhooks", "params": {"limit": 10, "cursor": null}}
    /// {"op": "update_webhook", "id": "wh_…", "params": {"description": null}}
    /// ```
    /// A malformed request is `invalid_argument`; everything else is the operation's own result.
    pub async fn call_json(&self, request: &[u8]) -> Result<String> {
        let call: Call = serde_json::from_slice(request)
            .map_err(|e| invalid(format!("malformed operation request: {e}")))?;
        let options = RequestOptions {
            idempotency_key: call.options.idempotency_key,
            max_retries: call.options.max_retries,
            timeout: call.options.timeout_ms.map(std::time::Duration::from_millis),
        };
        let webhooks = self.webhooks().with_options(options);
        let op = call.op.as_str();
        let id = || call.id.as_deref().ok_or_else(|| invalid(format!("{op} needs an endpoint id")));
        match op {
            "create_webhook" => {
                let params: CreateWebhookParams = match call.params {
                    Some(value) => serde_json::from_value(value)
                        .map_err(|e| invalid(format!("invalid params for create_webhook: {e}")))?,
                    None => return Err(invalid("create_webhook needs params with a url")),
                };
                to_json(&webhooks.create(&params).await?)
            }
            "get_webhook" => to_json(&webhooks.get(id()?).await?),
            "list_webhooks" => to_json(&webhooks.list(&params::<ListParams>(op, call.params)?).await?),
            "update_webhook" => {
                to_json(&webhooks.update(id()?, &params::<UpdateWebhookParams>(op, call.params)?).await?)
            }
            "delete_webhook" => to_json(&webhooks.delete(id()?).await?),
            "test_webhook" => to_json(&webhooks.test(id()?).await?),
            "rotate_secret" => to_json(
                &webhooks.rotate_secret(id()?, &params::<RotateSecretParams>(op, call.params)?).await?,
            ),
            "list_deliveries" => {
                to_json(&webhooks.deliveries(id()?, &params::<ListParams>(op, call.params)?).await?)
            }
            other => Err(invalid(format!("unknown operation `{other}`; known: {}", OPERATIONS.join(", ")))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        // Nothing listens on port 1: only requests that fail before sending are exercised here.
        Client::builder().api_key("sk_test_x").base_url("http://127.0.0.1:1").max_retries(0).build().unwrap()
    }

    #[tokio::test]
    async fn malformed_requests_are_invalid_arguments() {
        for (request, needle) in [
            (r#"{"op":"nope"}"#, "unknown operation `nope`"),
            (r#"{"op":"get_webhook"}"#, "needs an endpoint id"),
            (r#"{"op":"create_webhook"}"#, "needs params with a url"),
            (r#"{"op":"create_webhook","params":{"url":"https://x","evnts":[]}}"#, "unknown field `evnts`"),
            (r#"{"op":"list_webhooks","extra":1}"#, "unknown field `extra`"),
            ("not json", "malformed operation request"),
        ] {
            let err = client().call_json(request.as_bytes()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{request}");
            assert!(err.message().contains(needle), "{request}: {}", err.message());
        }
    }

    #[tokio::test]
    async fn well_formed_requests_reach_the_transport() {
        let err = client().call_json(br#"{"op":"get_webhook","id":"wh_1"}"#).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection);
    }
}
