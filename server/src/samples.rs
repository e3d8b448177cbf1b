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
        assert_eq!(sample_data("platform.test", Some("wh_1"))["endpoint_id"], "wh_1");
    }
}
