//! One signed HTTP delivery attempt.

use std::time::{Duration, Instant};

use send0::webhooks::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, sign};

use crate::store::now_ms;

/// The `User-Agent` of deliveries.
pub const USER_AGENT: &str = concat!("send0-webhooks/", env!("CARGO_PKG_VERSION"));

/// The client deliveries go out on: redirects are not followed (a 3xx is a failed attempt).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(16)
        .build()
        .expect("the delivery HTTP client builds with static settings")
}

/// What to post where.
pub struct SignedPost<'a> {
    pub url: &'a str,
    pub event_id: &'a str,
    pub payload: &'a [u8],
    /// Every live secret signs: one signature entry each (several during a rotation).
    pub secrets: &'a [String],
    pub timeout: Duration,
}

/// What the endpoint did.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub status_code: Option<u16>,
    pub response_time_ms: u64,
    pub error: Option<String>,
    pub attempted_at: i64,
    /// The endpoint's `Retry-After`, on 429 and 503.
    pub retry_after: Option<Duration>,
}

impl AttemptResult {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Signs and posts the payload once.
pub async fn send_signed(http: &reqwest::Client, post: &SignedPost<'_>) -> AttemptResult {
    let attempted_at = now_ms();
    let timestamp = attempted_at / 1000;
    let signature = post
        .secrets
        .iter()
        .filter_map(|secret| sign(secret, post.event_id, timestamp, post.payload).ok())
        .collect::<Vec<_>>()
        .join(" ");
    let started = Instant::now();
    let response = http
        .post(post.url)
        .timeout(post.timeout)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(WEBHOOK_ID, post.event_id)
        .header(WEBHOOK_TIMESTAMP, timestamp.to_string())
        .header(WEBHOOK_SIGNATURE, signature)
        .body(post.payload.to_vec())
        .send()
        .await;
    let elapsed = || started.elapsed().as_millis() as u64;
    match response {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = matches!(status, 429 | 503)
                .then(|| send0::client::retry::retry_after(response.headers()))
                .flatten();
            let error = (!(200..300).contains(&status)).then(|| {
                let reason = response.status().canonical_reason().unwrap_or("error");
                format!("the endpoint answered {status} {reason}")
            });
            AttemptResult {
                status_code: Some(status),
                response_time_ms: elapsed(),
                error,
                attempted_at,
                retry_after,
            }
        }
        Err(e) => {
            let error = if e.is_timeout() {
                format!("no response within {:.0?}", post.timeout)
            } else {
                // The innermost cause says what happened ("Connection refused", "dns error", ...).
                let mut cause: &dyn std::error::Error = &e;
                while let Some(next) = cause.source() {
                    cause = next;
                }
                format!("could not reach the endpoint: {cause}")
            };
            AttemptResult {
                status_code: None,
                response_time_ms: elapsed(),
                error: Some(error),
                attempted_at,
                retry_after: None,
            }
        }
    }
}
