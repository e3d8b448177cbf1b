//! Realistic sample `data` for each event type, for `POST /v1/events` without data.

use serde_json::{Value, json};

/// The sample data of `event_type` (for `platform.test`, about `endpoint_id` when given).
pub fn sample_data(event_type: &str, endpoint_id: Option<&str>) -> Value {
    let email = |extra: Value| {
        let mut data = json!({
            "email_id": format!("em_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            "from": "Acme <billing@acme.test>",
            "to": ["ada@example.test"],
            "subject": "Your March invoice",
        });
        if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            data.extend(extra.clone());
        }
        data
    };
    match event_type {
        "email.clicked" => email(json!({"link": "https://acme.test/invoices/1042"})),
        "email.bounced" => email(json!({
            "bounce_type": "hard",
            "bounce_message": "550 5.1.1 The email account that you tried to reach does not exist",
        })),
        "email.failed" => email(json!({"reason": "The recipient's mail server refused the connection"})),
        "domain.health.degraded" => {
            json!({"domain": "acme.test", "failing_checks": ["dkim"], "status": "degraded"})
        }
        "platform.test" => json!({
            "message": "This is a test webhook event from send0",
            "endpoint_id": endpoint_id.unwrap_or("wh_000000000000"),
        }),
        _ => email(json!({})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_data_of_its_shape() {
        for t in send0::events::EVENT_TYPES {
            let data = sample_data(t, Some("wh_1"));
            assert!(data.is_object(), "{t}");
            if t.starts_with("email.") {
                assert!(data["email_id"].as_str().unwrap().starts_with("em_"));
                assert!(data["to"].is_array());
            }
        }
        assert_eq!(sample_data("email.bounced", None)["bounce_type"], "hard");
    }

    /// Each sample has exactly the fields of its type's data shape in openapi.yaml (through
    /// tests/fixtures/contract.json, which scripts/generate/generate.py writes from it).
    #[test]
    fn every_sample_has_the_fields_openapi_yaml_gives_its_type() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/contract.json");
        let contract: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for t in send0::events::EVENT_TYPES {
            let shape =
                contract["event_data"][t].as_object().unwrap_or_else(|| panic!("{t} is not in openapi.yaml"));
            let data = sample_data(t, Some("wh_1"));
            let data = data.as_object().unwrap();
            let mut names: Vec<&String> = data.keys().collect();
            names.sort();
            let mut expected: Vec<&String> = shape.keys().collect();
            expected.sort();
            assert_eq!(names, expected, "{t}");
            for (name, kind) in shape {
                let fits = match kind.as_str().unwrap() {
                    "string" => data[name].is_string(),
                    "strings" => data[name].as_array().is_some_and(|a| a.iter().all(Value::is_string)),
                    other => panic!("{t}.{name}: kind {other}"),
                };
                assert!(fits, "{t}.{name} is not a {kind}: {}", data[name]);
            }
        }
        assert_eq!(sample_data("platform.test", Some("wh_1"))["endpoint_id"], "wh_1");
    }
}
