//! API operations described as data: the one request shape every binding sends across its
//! language boundary (`{"op": "get_webhook", "id": "wh_…"}`), answered with the response's JSON.
//!
//! The bindings keep no copy of the routes, the parameters, the retry logic or the paging rules:
//! they name an operation, pass its parameters as JSON and build their own typed objects from the
//! answer. Each operation's required fields are its variant's, so a request without them is
//! refused by the type, with serde's message naming what is missing or unknown.

use serde::{Deserialize, Deserializer, Serialize};

use send0::client::{
    CreateWebhookParams, ListParams, Page, PageWalk, RotateSecretParams, UpdateWebhookParams, Webhooks,
};
use send0::{Client, Error, ErrorKind, RequestOptions, Result};

/// One call of the Webhooks API.
///
/// ```text
/// {"op": "create_webhook", "params": {"url": "https://…"}, "options": {"idempotency_key": "k"}}
/// {"op": "list_webhooks", "params": {"limit": 10}}
/// {"op": "update_webhook", "id": "wh_…", "params": {"description": null}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// `POST /v1/webhooks`.
    CreateWebhook {
        /// The new endpoint; `url` is required.
        params: CreateWebhookParams,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
    /// `GET /v1/webhooks/{id}`.
    GetWebhook {
        /// The endpoint.
        id: String,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
    /// `GET /v1/webhooks`: one page, answered with the request for the next.
    ListWebhooks {
        /// Page size and cursor.
        #[serde(default, deserialize_with = "null_as_default")]
        params: ListParams,
        /// Where the walk over the pages stands (absent on a first page).
        #[serde(default)]
        walk: PageWalk,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
    /// `PATCH /v1/webhooks/{id}`.
    UpdateWebhook {
        /// The endpoint.
        id: String,
        /// Only the fields to change.
        #[serde(default, deserialize_with = "null_as_default")]
        params: UpdateWebhookParams,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
    /// `DELETE /v1/webhooks/{id}`.
    DeleteWebhook {
        /// The endpoint.
        id: String,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
    /// `POST /v1/webhooks/{id}/test`.
    TestWebhook {
        /// The endpoint.
        id: String,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
    /// `POST /v1/webhooks/{id}/rotate-secret`.
    RotateSecret {
        /// The endpoint.
        id: String,
        /// How long the previous secret keeps signing.
        #[serde(default, deserialize_with = "null_as_default")]
        params: RotateSecretParams,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
    /// `GET /v1/webhooks/{id}/deliveries`: one page, answered with the request for the next.
    ListDeliveries {
        /// The endpoint.
        id: String,
        /// Page size and cursor.
        #[serde(default, deserialize_with = "null_as_default")]
        params: ListParams,
        /// Where the walk over the pages stands (absent on a first page).
        #[serde(default)]
        walk: PageWalk,
        /// Per-call options.
        #[serde(default, skip_serializing_if = "CallOptions::is_empty")]
        options: CallOptions,
    },
}

/// Per-call options as the bindings pass them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallOptions {
    /// `Idempotency-Key` of a POST (one is generated, and reused by its retries, when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Retries after the first attempt, instead of the client's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Per-attempt timeout in milliseconds, instead of the client's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

impl CallOptions {
    fn is_empty(&self) -> bool {
        *self == CallOptions::default()
    }

    fn to_request_options(&self) -> RequestOptions {
        RequestOptions {
            idempotency_key: self.idempotency_key.clone(),
            max_retries: self.max_retries,
            timeout: self.timeout_ms.map(std::time::Duration::from_millis),
        }
    }
}

/// `"params": null` means the same as no params.
fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The answer to a list operation: the page as the API sent it, and the operation that fetches the
/// next one (None after the last). A binding's iterator sends `next` back until it is None.
#[derive(Debug, Serialize)]
pub struct PageAnswer<T> {
    /// The page.
    pub page: Page<T>,
    /// The request for the next page.
    pub next: Option<Operation>,
}

impl Operation {
    /// Reads an operation from its JSON form; a malformed one is `invalid_argument`.
    pub fn from_json(request: &[u8]) -> Result<Operation> {
        serde_json::from_slice(request)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("malformed operation request: {e}")))
    }

    /// Runs the operation and answers the response as JSON: the API's object with every field it
    /// sent, known to this SDK or not; for a list, a [`PageAnswer`].
    pub async fn run(self, client: &Client) -> Result<String> {
        match self {
            Operation::CreateWebhook { params, options } => {
                to_json(&webhooks(client, &options).create(&params).await?)
            }
            Operation::GetWebhook { id, options } => to_json(&webhooks(client, &options).get(&id).await?),
            Operation::ListWebhooks { params, mut walk, options } => {
                let page = webhooks(client, &options).list(&params).await?;
                let next = walk.next(&params, &page)?;
                let next = next.map(|params| Operation::ListWebhooks { params, walk, options });
                to_json(&PageAnswer { page, next })
            }
            Operation::UpdateWebhook { id, params, options } => {
                to_json(&webhooks(client, &options).update(&id, &params).await?)
            }
            Operation::DeleteWebhook { id, options } => {
                to_json(&webhooks(client, &options).delete(&id).await?)
            }
            Operation::TestWebhook { id, options } => to_json(&webhooks(client, &options).test(&id).await?),
            Operation::RotateSecret { id, params, options } => {
                to_json(&webhooks(client, &options).rotate_secret(&id, &params).await?)
            }
            Operation::ListDeliveries { id, params, mut walk, options } => {
                let page = webhooks(client, &options).deliveries(&id, &params).await?;
                let next = walk.next(&params, &page)?;
                let next = next.map(|params| Operation::ListDeliveries { id, params, walk, options });
                to_json(&PageAnswer { page, next })
            }
        }
    }
}

/// Runs the operation described by `request` (JSON) and answers as [`Operation::run`] does.
pub async fn call_json(client: &Client, request: &[u8]) -> Result<String> {
    Operation::from_json(request)?.run(client).await
}

fn webhooks(client: &Client, options: &CallOptions) -> Webhooks {
    client.webhooks().with_options(options.to_request_options())
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::new(ErrorKind::Decode, format!("cannot encode the response: {e}")))
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
            (r#"{"op":"nope"}"#, "unknown variant `nope`, expected one of `create_webhook`"),
            (r#"{"op":"get_webhook"}"#, "missing field `id`"),
            (r#"{"op":"create_webhook"}"#, "missing field `params`"),
            (r#"{"op":"create_webhook","params":{"url":"https://x","evnts":[]}}"#, "unknown field `evnts`"),
            (r#"{"op":"list_webhooks","extra":1}"#, "unknown field `extra`"),
            (r#"{"op":"get_webhook","id":"wh_1","params":{}}"#, "unknown field `params`"),
            (r#"{"id":"wh_1"}"#, "missing field `op`"),
            ("not json", "malformed operation request"),
        ] {
            let err = call_json(&client(), request.as_bytes()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{request}");
            assert!(err.message().contains(needle), "{request}: {}", err.message());
        }
    }

    #[tokio::test]
    async fn well_formed_requests_reach_the_transport() {
        for request in [
            r#"{"op":"get_webhook","id":"wh_1"}"#,
            r#"{"op":"list_webhooks","params":null}"#,
            r#"{"op":"update_webhook","id":"wh_1","params":{"description":null},"options":{"timeout_ms":50}}"#,
        ] {
            let err = call_json(&client(), request.as_bytes()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Connection, "{request}");
        }
    }

    #[test]
    fn operations_round_trip_through_their_json_form() {
        let op = Operation::ListDeliveries {
            id: "wh_1".into(),
            params: ListParams { limit: Some(5), cursor: Some("c".into()) },
            walk: PageWalk::default(),
            options: CallOptions { timeout_ms: Some(100), ..Default::default() },
        };
        let json = serde_json::to_string(&op).unwrap();
        assert!(json.starts_with(r#"{"op":"list_deliveries","id":"wh_1""#), "{json}");
        assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), op);
    }
}
