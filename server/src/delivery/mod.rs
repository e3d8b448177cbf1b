//! The delivery engine: a durable queue in the database, worked by one task per endpoint with due
//! deliveries (so endpoints never wait on each other and each endpoint gets its events in order),
//! under a bounded pool of concurrent HTTP attempts.

mod attempt;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

pub use attempt::{SignedPost, send_signed};

use crate::store::{self, Outcome, Store};

/// Deliveries in flight at once, across all endpoints.
pub const MAX_CONCURRENT_ATTEMPTS: usize = 64;
/// The longest wait an endpoint's `Retry-After` can ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest the dispatcher sleeps without looking at the schedule again.
const MAX_IDLE: Duration = Duration::from_secs(1);

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The waits after each failed attempt; its length is the number of retries.
    pub retry_schedule: Vec<Duration>,
    /// How long an endpoint has to answer.
    pub timeout: Duration,
}

/// The running engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    http: reqwest::Client,
    config: EngineConfig,
    schedule: Mutex<Schedule>,
    wake: Notify,
    permits: Semaphore,
    stopping: AtomicBool,
    idle: Notify,
}

/// Which endpoints have work due when, and which are being worked on.
#[derive(Default)]
struct Schedule {
    due: HashMap<String, i64>,
    running: HashSet<String>,
}

impl Engine {
    /// Starts the engine and resumes every delivery the database holds.
    pub async fn start(store: Store, config: EngineConfig) -> Result<Engine, store::StoreError> {
        let recovered = store.recover_in_flight().await?;
        if recovered > 0 {
            println!(
                "send0-server: {recovered} delivery attempt(s) interrupted by the last stop will be retried"
            );
        }
        let engine = Engine {
            inner: Arc::new(Inner {
                http: attempt::http_client(),
                store: store.clone(),
                config,
                schedule: Mutex::new(Schedule::default()),
                wake: Notify::new(),
                permits: Semaphore::new(MAX_CONCURRENT_ATTEMPTS),
                stopping: AtomicBool::new(false),
                idle: Notify::new(),
            }),
        };
        for (endpoint_id, due) in store.run(|conn| store::deliveries::all_due(conn)).await? {
            engine.schedule(&endpoint_id, due);
        }
        tokio::spawn(engine.clone().dispatch());
        Ok(engine)
    }

    /// Notes that `endpoint_id` has a delivery due at `due_ms`.
    pub fn schedule(&self, endpoint_id: &str, due_ms: i64) {
        {
            let mut schedule = self.inner.lock_schedule();
            let entry = schedule.due.entry(endpoint_id.to_owned()).or_insert(due_ms);
            *entry = (*entry).min(due_ms);
        }
        self.inner.wake.notify_one();
    }

    /// The HTTP client deliveries go out on (also used for test events).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Stops taking new deliveries and waits (a bounded time) for attempts in flight to be recorded.
    /// Whatever is still in flight after that is retried at the next start.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
        let _ = tokio::time::timeout(grace, async {
            loop {
                let idle = self.inner.idle.notified();
                if self.inner.lock_schedule().running.is_empty() {
                    return;
                }
                idle.await;
            }
        })
        .await;
    }

    async fn dispatch(self) {
        loop {
            if self.inner.stopping.load(Ordering::SeqCst) {
                return;
            }
            let wake = self.inner.wake.notified();
            let now = store::now_ms();
            let (ready, next_due) = {
                let mut schedule = self.inner.lock_schedule();
                let Schedule { due, running } = &mut *schedule;
                let ready: Vec<String> = due
                    .iter()
                    .filter(|(id, at)| **at <= now && !running.contains(*id))
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in &ready {
                    due.remove(id);
                    running.insert(id.clone());
                }
                let next_due = due.iter().filter(|(id, _)| !running.contains(*id)).map(|(_, at)| *at).min();
                (ready, next_due)
            };
            for endpoint_id in ready {
                tokio::spawn(self.clone().work(endpoint_id));
            }
            let sleep = next_due
                .map(|at| Duration::from_millis((at - now).max(1) as u64).min(MAX_IDLE))
                .unwrap_or(MAX_IDLE);
            tokio::select! {
                _ = wake => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Delivers the endpoint's due deliveries one at a time, in order, until none is due.
    async fn work(self, endpoint_id: String) {
        let result = self.work_until_idle(&endpoint_id).await;
        let next_due = match result {
            Ok(next_due) => next_due,
            Err(error) => {
                eprintln!("send0-server: delivering to {endpoint_id}: {error}; trying again in a second");
                Some(store::now_ms() + 1000)
            }
        };
        {
            let mut schedule = self.inner.lock_schedule();
            schedule.running.remove(&endpoint_id);
            if let Some(at) = next_due {
                let entry = schedule.due.entry(endpoint_id).or_insert(at);
                *entry = (*entry).min(at);
            }
        }
        self.inner.wake.notify_one();
        self.inner.idle.notify_waiters();
    }

    async fn work_until_idle(&self, endpoint_id: &str) -> Result<Option<i64>, store::StoreError> {
        let inner = &self.inner;
        let id = endpoint_id.to_owned();
        let mut claimed =
            inner.store.run(move |conn| store::deliveries::claim_next(conn, &id, store::now_ms())).await?;
        loop {
            if inner.stopping.load(Ordering::SeqCst) {
                // What was claimed stays in flight and is retried at the next start.
                return Ok(None);
            }
            let Some(current) = claimed else {
                let id = endpoint_id.to_owned();
                return inner.store.run(move |conn| store::deliveries::next_due(conn, &id)).await;
            };
            let permit = inner.permits.acquire().await.expect("the semaphore is never closed");
            let post = SignedPost {
                url: &current.url,
                event_id: &current.event_id,
                payload: &current.payload,
                secrets: &current.secrets,
                timeout: inner.config.timeout,
            };
            let result = send_signed(&inner.http, &post).await;
            drop(permit);
            let outcome = Outcome {
                retry_at: (!result.succeeded() && result.status_code != Some(410))
                    .then(|| self.retry_at(current.attempt, result.retry_after, result.attempted_at))
                    .flatten(),
                status_code: result.status_code,
                response_time_ms: result.response_time_ms,
                error: result.error,
                attempted_at: result.attempted_at,
            };
            // Recording this attempt and claiming the next due one share a trip to the database.
            let (recorded, next) = inner
                .store
                .run(move |conn| {
                    let recorded = store::deliveries::record(conn, &current, &outcome)?;
                    let now = store::now_ms();
                    let next = match recorded.next_due {
                        Some(at) if at <= now => {
                            store::deliveries::claim_next(conn, &current.endpoint_id, now)?
                        }
                        _ => None,
                    };
                    Ok((recorded, next))
                })
                .await?;
            if recorded.paused {
                println!("send0-server: endpoint {endpoint_id} paused after 10 consecutive failed attempts");
            }
            if recorded.disabled {
                println!("send0-server: endpoint {endpoint_id} answered 410 Gone and is now disabled");
            }
            if next.is_none() && recorded.next_due.is_some_and(|at| at > store::now_ms()) {
                return Ok(recorded.next_due);
            }
            claimed = next;
        }
    }

    /// When to retry after failed attempt number `attempt` (1-based): the schedule's wait with
    /// ±20% jitter, or the endpoint's `Retry-After`; None once the schedule is used up.
    fn retry_at(&self, attempt: u32, retry_after: Option<Duration>, now: i64) -> Option<i64> {
        let wait = *self.inner.config.retry_schedule.get(attempt as usize - 1)?;
        let wait = match retry_after {
            Some(asked) => asked.min(MAX_RETRY_AFTER),
            None => wait.mul_f64(0.8 + 0.4 * fastrand::f64()),
        };
        Some(now + wait.as_millis() as i64)
    }
}

impl Inner {
    fn lock_schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
