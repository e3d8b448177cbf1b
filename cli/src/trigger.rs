//! `send0 trigger TYPE [--data JSON] [--set data.PATH=VALUE]…`: emits an event through the local
//! server's `POST /v1/events` (the core's `client.events().emit`).

use send0::client::EmitEventParams;
use send0::events::{EVENT_TYPES, is_known_type};
use serde_json::{Map, Value};

use crate::args::TriggerArgs;
use crate::connection::Connection;
use crate::exit::Failure;
use crate::output::{self, Styled};

/// `send0 trigger`.
pub async fn run(connection: &Connection, args: &TriggerArgs, json: bool) -> Result<(), Failure> {
    let event_type = args.event_type.trim();
    if !is_known_type(event_type) {
        return Err(unknown_type(event_type));
    }
    let data = event_data(event_type, args.data.as_deref(), &args.set)?;
    let params = EmitEventParams { event_type: event_type.to_owned(), data };
    let emitted = connection.client.events().emit(&params).await.map_err(|e| {
        let not_found = e.kind() == send0::ErrorKind::NotFound;
        let failure = connection.failure(e);
        if not_found {
            failure.hint(format!(
                "trigger needs the local send0-server (POST /v1/events); is {} one?",
                connection.base_url()
            ))
        } else {
            failure
        }
    })?;
    if json {
        return output::print_json(&emitted);
    }
    let endpoints = match emitted.endpoints {
        0 => output::style("no endpoint matches it", Styled::Warn),
        1 => "1 endpoint".to_owned(),
        n => format!("{n} endpoints"),
    };
    output::print(&format!(
        "triggered {} {} → {endpoints}",
        output::printable(&emitted.event_type),
        output::printable(&emitted.event_id)
    ))
}

/// The refusal of a type outside the catalog, naming the closest known type.
fn unknown_type(event_type: &str) -> Failure {
    // Jaro-Winkler weighs a shared beginning, so a type cut short (`domain.health`) finds its own.
    let closest = EVENT_TYPES
        .iter()
        .map(|known| (strsim::jaro_winkler(event_type, known), *known))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or("email.delivered", |(_, known)| known);
    Failure::usage(format!(
        "unknown event type `{}`; did you mean `{closest}`?",
        output::printable(event_type)
    ))
    .hint(format!("the event types are {}", EVENT_TYPES.join(", ")))
}

/// The event's `data`: `--data` (a JSON object), or with only `--set` the type's sample as the
/// local server makes it, with each `--set` applied in order. None (the server's sample) when
/// neither is given.
pub fn event_data(
    event_type: &str,
    data: Option<&str>,
    sets: &[String],
) -> Result<Option<Map<String, Value>>, Failure> {
    let mut data = match data {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(other) => {
                return Err(Failure::usage(format!("--data must be a JSON object, not {}", kind_of(&other))));
            }
            Err(e) => {
                return Err(Failure::usage(format!("--data is not JSON: {e}"))
                    .hint(r#"for example --data '{"email_id": "em_1", "to": ["a@example.com"]}'"#));
            }
        },
        None if sets.is_empty() => return Ok(None),
        None => match send0_server::samples::sample_data(event_type, None) {
            Value::Object(map) => map,
            _ => Map::new(),
        },
    };
    for set in sets {
        apply_set(&mut data, set)?;
    }
    Ok(Some(data))
}

/// Applies one `data.PATH=VALUE`, creating the objects on the way.
fn apply_set(data: &mut Map<String, Value>, set: &str) -> Result<(), Failure> {
    let bad = |why: String| {
        Failure::usage(format!("--set `{}`: {why}", output::printable(set)))
            .hint("write it as data.PATH=VALUE, for example --set data.bounce_type=soft or --set data.to='[\"a@example.com\"]'")
    };
    let Some((path, text)) = set.split_once('=') else {
        return Err(bad("no `=` between the path and the value".into()));
    };
    let value = serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_owned()));
    let path = path.trim();
    if path == "data" {
        let Value::Object(map) = value else {
            return Err(bad(format!("data must be a JSON object, not {}", kind_of(&value))));
        };
        *data = map;
        return Ok(());
    }
    let Some(keys) = path.strip_prefix("data.") else {
        return Err(bad("the path must start with `data.` (the event's data)".into()));
    };
    let keys: Vec<&str> = keys.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(bad("the path has an empty key".into()));
    }
    let Some((last, parents)) = keys.split_last() else {
        return Err(bad("the path names no key".into()));
    };
    let mut object = data;
    let mut walked = String::from("data");
    for key in parents {
        walked.push('.');
        walked.push_str(key);
        let next = object.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
        object = match next {
            Value::Object(map) => map,
            other => return Err(bad(format!("{walked} is {}, not an object", kind_of(other)))),
        };
    }
    object.insert((*last).to_owned(), value);
    Ok(())
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn data(data: Option<&str>, sets: &[&str]) -> Result<Value, Failure> {
        let sets: Vec<String> = sets.iter().map(|s| (*s).to_owned()).collect();
        Ok(event_data("email.bounced", data, &sets)?.map_or(Value::Null, Value::Object))
    }

    #[test]
    fn no_data_leaves_the_sample_to_the_server() {
        assert_eq!(data(None, &[]).unwrap(), Value::Null);
    }

    #[test]
    fn sets_change_the_sample_or_the_data_given() {
        let sample = data(None, &["data.bounce_type=soft"]).unwrap();
        assert_eq!(sample["bounce_type"], "soft");
        assert!(sample["email_id"].as_str().unwrap().starts_with("em_"), "the rest of the sample stays");
        let given = data(
            Some(r#"{"a": {"b": 1}}"#),
            &["data.a.c=2", "data.a.d=[1,\"x\"]", "data.e.f.g=true", "data.s=hello world", "data.z=01"],
        )
        .unwrap();
        assert_eq!(
            given,
            json!({"a": {"b": 1, "c": 2, "d": [1, "x"]}, "e": {"f": {"g": true}}, "s": "hello world", "z": "01"})
        );
        assert_eq!(data(Some("{}"), &["data={\"x\":1}"]).unwrap(), json!({"x": 1}));
        assert_eq!(data(Some("{}"), &["data.eq=a=b"]).unwrap(), json!({"eq": "a=b"}));
    }

    #[test]
    fn bad_data_and_sets_are_usage_errors() {
        for (given, sets) in [
            (Some("not json"), vec![]),
            (Some("[1]"), vec![]),
            (Some("null"), vec![]),
            (None, vec!["bounce_type=soft"]),
            (None, vec!["data.bounce_type"]),
            (None, vec!["data..x=1"]),
            (None, vec!["data.=1"]),
            (None, vec!["data=3"]),
            (Some(r#"{"a": 1}"#), vec!["data.a.b=2"]),
        ] {
            let err = data(given, &sets).unwrap_err();
            assert_eq!(err.code(), crate::exit::USAGE, "{given:?} {sets:?}");
        }
    }

    #[test]
    fn unknown_types_name_the_closest_known_one() {
        let failure = unknown_type("email.bounce");
        assert_eq!(failure.code(), crate::exit::USAGE);
        assert!(failure.to_string().contains("did you mean `email.bounced`?"), "{failure}");
        for (typo, closest) in [
            ("domain.health", "domain.health.degraded"),
            ("emial.bounced", "email.bounced"),
            ("email.open", "email.opened"),
            ("platform", "platform.test"),
            ("Email.Delivered", "email.delivered"),
        ] {
            assert!(unknown_type(typo).to_string().contains(&format!("`{closest}`")), "{typo}");
        }
    }
}
