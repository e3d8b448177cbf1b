//! Sends signed Standard Webhooks deliveries, the way send0 does: one forged delivery that the receiver
//! must refuse, then one sample event of each type in the catalog.
//!
//! ```text
//! SEND0_WEBHOOK_SECRET=whsec_… cargo run -p send0-examples --bin send_signed -- http://127.0.0.1:3000/webhooks/send0
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use send0::events::{EVENT_TYPES, Envelope};
use send0::webhooks::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, sign};
use serde_json::json;

fn sample_data(event_type: &str) -> serde_json::Value {
    let email = json!({
        "email_id": "em_3mKpLvRw9nQx",
        "from": "Acme <billing@acme.test>",
        "to": ["ada@example.test"],
        "subject": "Your invoice",
    });
    let extra = match event_type {
        "email.clicked" => json!({"link": "https://acme.test/invoices/1042"}),
        "email.bounced" => json!({"bounce_type": "hard", "bounce_message": "550 5.1.1 user unknown"}),
        "email.failed" => json!({"reason": "the recipient's server refused the connection"}),
        "domain.health.degraded" => {
            return json!({"domain": "acme.test", "failing_checks": ["dkim"], "status": "degraded"});
        }
        "platform.test" => {
            return json!({"message": "This is a test webhook event from send0", "endpoint_id": "wh_3mKpLvRw9nQx"});
        }
        _ => json!({}),
    };
    let mut data = email;
    data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    data
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: send_signed <receiver URL>")?;
    let secret = std::env::var("SEND0_WEBHOOK_SECRET").map_err(|_| "set SEND0_WEBHOOK_SECRET")?;
    let http = reqwest::Client::new();
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
    // First a forged delivery, signed with another secret: the receiver must answer 400.
    let forged = sign("whsec_Zm9yZ2VkLWJ5LXNvbWVvbmUtZWxzZQ==", "evt_forged", now.as_secs() as i64, b"{}")?;
    let response = http
        .post(&url)
        .header(WEBHOOK_ID, "evt_forged")
        .header(WEBHOOK_TIMESTAMP, now.as_secs().to_string())
        .header(WEBHOOK_SIGNATURE, forged)
        .body(r#"{"type":"email.delivered"}"#)
        .send()
        .await?;
    let response_was_accepted = response.status().is_success();
    println!("sender: forged delivery        -> {} ({})", response.status(), response.text().await?);
    if response_was_accepted {
        return Err("the receiver accepted a forged delivery".into());
    }
    let mut accepted = 0;
    for event_type in EVENT_TYPES {
        let envelope = Envelope::new(event_type, sample_data(event_type), false, now.as_millis() as i64);
        let body = serde_json::to_vec(&envelope)?;
        let timestamp = now.as_secs() as i64;
        let signature = sign(&secret, &envelope.event_id, timestamp, &body)?;
        let response = http
            .post(&url)
            .header("content-type", "application/json")
            .header(WEBHOOK_ID, &envelope.event_id)
            .header(WEBHOOK_TIMESTAMP, timestamp.to_string())
            .header(WEBHOOK_SIGNATURE, signature)
            .body(body)
            .send()
            .await?;
        println!("sender: {event_type:<24} -> {}", response.status());
        accepted += usize::from(response.status().is_success());
    }
    println!("sender: {accepted} of {} signed deliveries accepted", EVENT_TYPES.len());
    if accepted != EVENT_TYPES.len() {
        return Err("some signed deliveries were refused".into());
    }
    Ok(())
}
