//! One signed HTTP delivery attempt.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;
use send0::webhooks::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, sign};

use super::egress::{self, EgressPolicy};
use crate::store::lifecycle::Verdict;
use crate::store::now_ms;

/// The `User-Agent` of deliveries.
pub const USER_AGENT: &str = concat!("send0-webhooks/", env!("CARGO_PKG_VERSION"));

/// The client deliveries go out on: redirects are not followed (a 3xx is a failed attempt), no
/// proxy from the environment is used (it would connect past the egress policy), and every name
/// resolves through the policy.
pub fn http_client(policy: &Arc<EgressPolicy>) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(policy.clone().resolver())
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(16)
        .build()
        .map_err(|e| format!("cannot build the delivery HTTP client: {e}"))
}

/// The client and policy every attempt goes through.
#[derive(Clone)]
pub struct Sender {
    pub http: reqwest::Client,
    pub policy: Arc<EgressPolicy>,
}

/// What to post where.
pub struct SignedPost<'a> {
    pub url: &'a str,
    pub event_id: &'a str,
    /// Shared, not copied, into the request body.
    pub payload: Bytes,
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
    /// An attempt that got no response: it could not be made, or failed on the way.
    pub fn failed(error: String, attempted_at: i64, response_time_ms: u64) -> Self {
        AttemptResult {
            status_code: None,
            response_time_ms,
            error: Some(error),
            attempted_at,
            retry_after: None,
        }
    }

    pub fn succeeded(&self) -> bool {
        Verdict::of(self.status_code) == Verdict::Delivered
    }
}

/// Signs and posts the payload once. Never panics: whatever goes wrong, down to a bug of ours, is
/// a failed attempt that the engine records and retries.
pub async fn send_signed(sender: &Sender, post: &SignedPost<'_>) -> AttemptResult {
    let attempted_at = now_ms();
    let started = Instant::now();
    let failed = |error: String| AttemptResult::failed(error, attempted_at, millis(started.elapsed()));
    if let Err(why) = literal_address_allowed(&sender.policy, post.url) {
        return failed(why);
    }
    match AssertUnwindSafe(attempt(&sender.http, post, attempted_at)).catch_unwind().await {
        Ok(result) => result,
        Err(_) => failed("internal error while sending the delivery; it will be retried".to_owned()),
    }
}

/// Names are checked by the policy's resolver at connect time; an IP literal never reaches a
/// resolver, so it is checked here.
fn literal_address_allowed(policy: &EgressPolicy, url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| format!("`{url}` is not a URL"))?;
    match parsed.host_str().and_then(egress::host_ip) {
        Some(ip) => policy.check(ip),
        None => Ok(()),
    }
}

fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

async fn attempt(http: &reqwest::Client, post: &SignedPost<'_>, attempted_at: i64) -> AttemptResult {
    let timestamp = attempted_at / 1000;
    let signature = post
        .secrets
        .iter()
        .filter_map(|secret| sign(secret, post.event_id, timestamp, &post.payload).ok())
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
        .body(post.payload.clone())
        .send()
        .await;
    let elapsed = || millis(started.elapsed());
    match response {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = honoured_retry_after(status, response.headers());
            let error = (Verdict::of(Some(status)) != Verdict::Delivered).then(|| {
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
                format!("could not reach the endpoint: {}", innermost_cause(&e))
            };
            AttemptResult::failed(error, attempted_at, elapsed())
        }
    }
}

/// The endpoint's `Retry-After`, which is honoured on 429 and 503 only.
pub fn honoured_retry_after(status: u16, headers: &http::HeaderMap) -> Option<Duration> {
    matches!(status, 429 | 503).then(|| send0::client::retry::retry_after(headers)).flatten()
}

/// The innermost cause of a failed request: it says what happened ("Connection refused", "dns
/// error", ...) where the outer ones say only that the request failed.
pub fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
