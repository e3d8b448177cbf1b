//! `send0 webhooks …`: the core's webhooks resource, as tables for people and the API's JSON for
//! scripts.

use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use send0::client::{
    CreateWebhookParams, DeliveryAttempt, EndpointStatus, Extra, ListParams, RotateSecretParams,
    UpdateWebhookParams, WebhookEndpoint,
};
use send0::{Error, SecretString};
use serde_json::Value;

use crate::args::Webhooks;
use crate::connection::Connection;
use crate::exit::{self, Failure};
use crate::output::{self, Shown, Styled};

/// The most items the API gives in one page.
const PAGE_SIZE: u32 = 100;

/// Runs one `send0 webhooks` command.
pub async fn run(connection: &Connection, command: &Webhooks, json: bool) -> Result<(), Failure> {
    let api = connection.client.webhooks();
    let failed = |e: Error| connection.failure(e);
    match command {
        Webhooks::List { limit } => {
            let endpoints = collect(api.list_all(page_params(*limit)), *limit).await.map_err(failed)?;
            let empty = "no webhook endpoints (create one with `send0 webhooks create --url URL`)";
            let header = ["ID", "STATUS", "URL", "EVENTS", "LAST DELIVERY", "DESCRIPTION"];
            print_list(&endpoints, json, empty, &header, |e| {
                vec![
                    e.id.clone(),
                    e.status.as_str().to_owned(),
                    e.url.clone(),
                    e.events.join(","),
                    last_delivery(e),
                    e.description.clone().unwrap_or_default(),
                ]
            })
        }
        Webhooks::Get { id } => {
            let endpoint = api.get(id).await.map_err(failed)?;
            if json {
                return output::print_json(&endpoint);
            }
            output::print(&output::details(endpoint_details(&endpoint)))
        }
        Webhooks::Create { url, events, description, disabled, print_secret } => {
            let events = checked_patterns(events)?;
            let params = CreateWebhookParams {
                url: url.clone(),
                events,
                description: description.clone(),
                active: disabled.then_some(false),
            };
            let mut created = api.create(&params).await.map_err(failed)?;
            if !print_secret {
                created.secret = hidden(&created.secret);
                output::info(&format!(
                    "{} the signing secret is shown only in this answer and was hidden: pass --print-secret to see \
                     it, or get a new one with `send0 webhooks rotate-secret {} --print-secret`",
                    output::style("note:", Styled::Warn),
                    output::printable(&created.id)
                ));
            }
            if json {
                return output::print_json(&created);
            }
            let mut pairs = endpoint_details(&created);
            pairs.push(("secret".into(), created.secret.expose().to_owned().into()));
            output::print(&output::details(pairs))
        }
        Webhooks::Update { id, url, events, description, clear_description, enable, disable, unpause } => {
            let params = UpdateWebhookParams {
                url: url.clone(),
                events: match events {
                    Some(events) => checked_patterns(events)?,
                    None => None,
                },
                description: if *clear_description { Some(None) } else { description.clone().map(Some) },
                active: if *enable { Some(true) } else { disable.then_some(false) },
                paused: unpause.then_some(false),
            };
            if params == UpdateWebhookParams::default() {
                return Err(Failure::usage("nothing to change").hint(
                    "pass --url, --events, --description, --clear-description, --enable, --disable or --unpause",
                ));
            }
            let endpoint = api.update(id, &params).await.map_err(failed)?;
            if json {
                return output::print_json(&endpoint);
            }
            output::print(&output::details(endpoint_details(&endpoint)))
        }
        Webhooks::Delete { id } => {
            let deleted = api.delete(id).await.map_err(failed)?;
            if json {
                return output::print_json(&deleted);
            }
            output::print(&format!("deleted {}", output::printable(&deleted.id)))
        }
        Webhooks::Test { id } => {
            let result = api.test(id).await.map_err(failed)?;
            if json {
                output::print_json(&result)?;
            } else {
                let outcome = if result.success {
                    Shown::styled("delivered", Styled::Good)
                } else {
                    Shown::styled("failed", Styled::Bad)
                };
                let mut pairs = vec![
                    ("result".to_owned(), outcome),
                    ("event".to_owned(), result.event_id.clone().into()),
                    ("status".to_owned(), status_text(result.status_code).into()),
                    ("time".to_owned(), format!("{} ms", result.response_time_ms).into()),
                ];
                pairs.extend(result.error.clone().map(|e| ("error".to_owned(), e.into())));
                pairs.extend(extra_details(&result.extra));
                output::print(&output::details(pairs))?;
            }
            if result.success {
                Ok(())
            } else {
                Err(Failure::new(exit::CHECK_FAILED, "the test delivery failed"))
            }
        }
        Webhooks::RotateSecret { id, expire_previous_in, print_secret } => {
            let params = RotateSecretParams { expire_previous_in: *expire_previous_in };
            let mut rotated = api.rotate_secret(id, &params).await.map_err(failed)?;
            if !print_secret {
                rotated.secret = hidden(&rotated.secret);
                output::info(&format!(
                    "{} the new signing secret is shown only in this answer and was hidden: pass --print-secret \
                     to see it (rotating again issues another)",
                    output::style("note:", Styled::Warn)
                ));
            }
            if json {
                return output::print_json(&rotated);
            }
            let mut pairs = vec![
                ("secret".to_owned(), rotated.secret.expose().to_owned().into()),
                (
                    "previous secret".to_owned(),
                    match &rotated.previous_secret_expires_at {
                        Some(at) => format!("keeps signing until {at}"),
                        None => "stopped signing".to_owned(),
                    }
                    .into(),
                ),
            ];
            pairs.extend(extra_details(&rotated.extra));
            output::print(&output::details(pairs))
        }
        Webhooks::Deliveries { id, limit } => {
            let attempts =
                collect(api.deliveries_all(id, page_params(*limit)), *limit).await.map_err(failed)?;
            let header =
                ["ATTEMPTED AT", "TYPE", "EVENT", "ATTEMPT", "STATUS", "TIME", "NEXT ATTEMPT", "ERROR"];
            print_list(&attempts, json, "no delivery attempts yet", &header, attempt_row)
        }
    }
}

/// A list: a JSON array, or a table with a row per item (a note on stderr when there is none).
fn print_list<T: serde::Serialize>(
    items: &[T],
    json: bool,
    empty: &str,
    header: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> Result<(), Failure> {
    if json {
        return output::print_json(&items);
    }
    if items.is_empty() {
        output::info(empty);
        return Ok(());
    }
    output::print(&output::table(header, items.iter().map(row)))
}

/// The first page's parameters: the API's largest page, or just what `--limit` needs.
fn page_params(limit: Option<u32>) -> ListParams {
    ListParams { limit: Some(limit.map_or(PAGE_SIZE, |l| l.min(PAGE_SIZE))), cursor: None }
}

/// Every item of a walk, or the first `limit`.
async fn collect<T>(walk: impl Stream<Item = send0::Result<T>>, limit: Option<u32>) -> send0::Result<Vec<T>> {
    let walk = std::pin::pin!(walk);
    match limit {
        Some(limit) => walk.take(usize::try_from(limit).unwrap_or(usize::MAX)).try_collect().await,
        None => walk.try_collect().await,
    }
}

/// `--events`, checked against the catalog before anything is sent (a typo names the closest
/// known type); None (every event) when empty.
pub fn checked_patterns(events: &[String]) -> Result<Option<Vec<String>>, Failure> {
    let events: Vec<String> = events.iter().map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()).collect();
    if events.is_empty() {
        return Ok(None);
    }
    send0::events::parse_patterns(&events).map_err(Failure::from)?;
    Ok(Some(events))
}

/// A secret replaced by its redacted form (`whsec_…`), for output without `--print-secret`.
fn hidden(secret: &SecretString) -> SecretString {
    SecretString::new(secret.redacted())
}

fn endpoint_details(endpoint: &WebhookEndpoint) -> Vec<(String, Shown)> {
    let status = match endpoint.status {
        EndpointStatus::Active => Shown::styled("active", Styled::Good),
        EndpointStatus::Paused => Shown::styled("paused", Styled::Warn),
        ref other => other.as_str().to_owned().into(),
    };
    let mut pairs = vec![
        ("id".to_owned(), endpoint.id.clone().into()),
        ("url".to_owned(), endpoint.url.clone().into()),
        ("events".to_owned(), endpoint.events.join(",").into()),
        ("status".to_owned(), status),
        ("description".to_owned(), endpoint.description.clone().unwrap_or_default().into()),
        ("failures".to_owned(), endpoint.consecutive_failures.to_string().into()),
        ("last delivery".to_owned(), last_delivery(endpoint).into()),
        ("created at".to_owned(), endpoint.created_at.clone().into()),
        ("updated at".to_owned(), endpoint.updated_at.clone().into()),
    ];
    pairs.extend(extra_details(&endpoint.extra));
    pairs
}

/// Fields from a newer API, shown as their JSON.
fn extra_details(extra: &Extra) -> Vec<(String, Shown)> {
    extra
        .iter()
        .map(|(name, value)| {
            let shown = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (name.replace('_', " "), shown.into())
        })
        .collect()
}

fn last_delivery(endpoint: &WebhookEndpoint) -> String {
    match (&endpoint.last_delivery_at, endpoint.last_delivery_status) {
        (None, _) => "never".to_owned(),
        (Some(at), status) => format!("{at} ({})", status_text(status)),
    }
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no response".to_owned(), |s| s.to_string())
}

fn attempt_row(attempt: &DeliveryAttempt) -> Vec<String> {
    vec![
        attempt.attempted_at.clone(),
        attempt.event_type.clone(),
        attempt.event_id.clone(),
        attempt.attempt.to_string(),
        status_text(attempt.status_code),
        format!("{} ms", attempt.response_time_ms),
        attempt.next_attempt_at.clone().unwrap_or_else(|| "-".to_owned()),
        attempt.error.clone().unwrap_or_default(),
    ]
}
