//! Per-key rate limits (token buckets), for keys that have one in the keys file.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::keys::Principal;

/// The buckets of every rate-limited key, by key hash.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl RateLimiter {
    /// Takes one request from the key's bucket; `Err(seconds)` says how long until one is free.
    pub fn check(&self, principal: &Principal) -> Result<(), u64> {
        let Some(rate) = principal.rate_limit else { return Ok(()) };
        let rate = f64::from(rate);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket =
            buckets.entry(principal.key_hash.clone()).or_insert(Bucket { tokens: rate, refilled: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.refilled).as_secs_f64() * rate).min(rate);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}
