//! The delivery engine: a durable queue in the database, worked endpoint by endpoint (each
//! endpoint gets its events in order) under bounded, per-workspace-fair slots (see `schedule`).
//!
//! Memory and tasks are bounded by the slots, not by the queue: a worker task exists only for an
//! endpoint that holds a slot, and it loads a delivery's payload only once it holds one. So at
//! most `max_in_flight` payloads are in memory, whatever the number of endpoints or events.

mod attempt;
pub mod egress;
mod schedule;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::sync::Notify;

pub use attempt::{AttemptResult, SignedPost, honoured_retry_after, innermost_cause};
pub use egress::EgressPolicy;
pub use schedule::Limits;

use attempt::Sender;
use schedule::{Schedule, Start};

use crate::store::lifecycle::{PAUSE_AFTER_FAILURES, Verdict};
use crate::store::{self, Outcome, Store};

/// Attempts in flight at once, across all workspaces (`--max-in-flight`).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// Attempts in flight at once for one workspace (`--max-in-flight-per-workspace`).
pub const DEFAULT_MAX_IN_FLIGHT_PER_WORKSPACE: usize = 16;
/// The longest wait an endpoint's `Retry-After` can ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest the dispatcher sleeps without looking at the schedule again.
const MAX_IDLE: Duration = Duration::from_secs(1);
/// How soon an endpoint whose worker failed (a storage error) is tried again.
const AFTER_WORKER_FAILURE_MS: i64 = 1000;

/// How long to wait after failed attempt number `attempt` (1-based) before the next one: the
/// schedule's wait with ±20% jitter, or the endpoint's `Retry-After` (at most a day); None once the
/// schedule is used up. `send0 listen` retries a failed forward with the same rule.
pub fn retry_wait(schedule: &[Duration], attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
    let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
    let wait = *schedule.get(index)?;
    Some(match retry_after {
        Some(asked) => asked.min(MAX_RETRY_AFTER),
        None => wait.mul_f64(0.8 + 0.4 * fastrand::f64()),
    })
}

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The waits after each failed attempt; its length is the number of retries.
    pub retry_schedule: Vec<Duration>,
    /// How long an endpoint has to answer.
    pub timeout: Duration,
    /// The bounds on attempts in flight.
    pub limits: Limits,
    /// Which addresses deliveries may connect to.
    pub egress: EgressPolicy,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            retry_schedule: Vec::new(),
            timeout: Duration::from_secs(15),
            limits: Limits {
                total: DEFAULT_MAX_IN_FLIGHT,
                per_workspace: DEFAULT_MAX_IN_FLIGHT_PER_WORKSPACE,
            },
            egress: EgressPolicy::default(),
        }
    }
}

/// The running engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    sender: Sender,
    config: EngineConfig,
    schedule: Mutex<Schedule>,
    /// Something became due, or a slot was freed.
    wake: Notify,
    /// A slot was freed (for `test` calls waiting for one).
    slot_freed: Notify,
    /// The last dispatch left due endpoints waiting for a slot: workers hand theirs back after
    /// each attempt instead of working on through their queue.
    contended: AtomicBool,
    stopping: AtomicBool,
    idle: Notify,
}

impl Engine {
    /// Starts the engine and resumes every delivery the database holds.
    pub async fn start(store: Store, config: EngineConfig) -> Result<Engine, String> {
        let recovered = store.recover_in_flight().await.map_err(|e| e.to_string())?;
        if recovered > 0 {
            println!(
                "send0-server: {recovered} delivery attempt(s) interrupted by the last stop will be retried"
            );
        }
        let policy = Arc::new(config.egress.clone());
        let engine = Engine {
            inner: Arc::new(Inner {
                sender: Sender { http: attempt::http_client(&policy)?, policy },
                store: store.clone(),
                config,
                schedule: Mutex::new(Schedule::default()),
                wake: Notify::new(),
                slot_freed: Notify::new(),
                contended: AtomicBool::new(false),
                stopping: AtomicBool::new(false),
                idle: Notify::new(),
            }),
        };
        let due = store.run(|conn| store::due_endpoints(conn)).await.map_err(|e| e.to_string())?;
        for (workspace, endpoint_id, at) in due {
            engine.schedule(&workspace, &endpoint_id, at);
        }
        tokio::spawn(engine.clone().dispatch());
        Ok(engine)
    }

    /// Notes that `endpoint_id` of `workspace` has a delivery due at `due_ms`.
    pub fn schedule(&self, workspace: &str, endpoint_id: &str, due_ms: i64) {
        self.inner.lock_schedule().note_due(workspace, endpoint_id, due_ms);
        self.inner.wake.notify_one();
    }

    /// Sends one signed post outside the queue (a `test` call) in a slot of `workspace`, waiting
    /// at most `wait` for one.
    pub async fn send_now(&self, workspace: &str, post: &SignedPost<'_>, wait: Duration) -> AttemptResult {
        let slot = tokio::time::timeout(wait, self.take_slot(workspace)).await;
        let Ok(_slot) = slot else {
            let busy = format!(
                "every delivery slot of this workspace stayed busy for {wait:.0?} (slow endpoints hold them \
                 up to the delivery timeout); try again shortly"
            );
            return AttemptResult::failed(busy, store::now_ms(), 0);
        };
        attempt::send_signed(&self.inner.sender, post).await
    }

    async fn take_slot(&self, workspace: &str) -> SlotGuard {
        loop {
            let freed = self.inner.slot_freed.notified();
            if self.inner.lock_schedule().try_take_slot(workspace, self.inner.config.limits) {
                return SlotGuard { inner: self.inner.clone(), workspace: workspace.to_owned() };
            }
            freed.await;
        }
    }

    /// Stops taking new deliveries and waits (a bounded time) for attempts in flight to be recorded.
    /// Whatever is still in flight after that is retried at the next start.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
        let _ = tokio::time::timeout(grace, async {
            loop {
                let idle = self.inner.idle.notified();
                if self.inner.lock_schedule().is_idle() {
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
                let (ready, waiting) = schedule.take_ready(now, self.inner.config.limits);
                self.inner.contended.store(waiting, Ordering::SeqCst);
                (ready, schedule.next_due())
            };
            for start in ready {
                tokio::spawn(self.clone().work(start));
            }
            let sleep = next_due
                .and_then(|at| u64::try_from(at.saturating_sub(now)).ok())
                .map_or(MAX_IDLE, |ms| Duration::from_millis(ms.max(1)).min(MAX_IDLE));
            tokio::select! {
                _ = wake => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Works one endpoint while it holds its slot; the slot and the endpoint's next due time go
    /// back to the schedule however the work ends, a panic included.
    async fn work(self, start: Start) {
        let mut finished = WorkerGuard { inner: self.inner.clone(), start, next_due: None };
        let result = AssertUnwindSafe(self.work_while_due(&finished.start.endpoint_id)).catch_unwind().await;
        finished.next_due = match result {
            Ok(Ok(next_due)) => next_due,
            failure => {
                let why = match failure {
                    Ok(Err(error)) => error.to_string(),
                    _ => "internal error".to_owned(),
                };
                eprintln!(
                    "send0-server: delivering to {}: {why}; trying again in a second",
                    finished.start.endpoint_id
                );
                Some(store::now_ms().saturating_add(AFTER_WORKER_FAILURE_MS))
            }
        };
    }

    /// Delivers the endpoint's due deliveries in order; returns when the next one is due. Hands
    /// the slot back after one attempt when other endpoints wait for slots.
    async fn work_while_due(&self, endpoint_id: &str) -> Result<Option<i64>, store::StoreError> {
        let inner = &self.inner;
        let id = endpoint_id.to_owned();
        // The payload is loaded here, with the slot held: never more than the slots in memory.
        let mut claimed = inner.store.run(move |conn| store::claim_next(conn, &id, store::now_ms())).await?;
        loop {
            if inner.stopping.load(Ordering::SeqCst) {
                // What was claimed stays in flight and is retried at the next start.
                return Ok(None);
            }
            let Some(mut current) = claimed else {
                let id = endpoint_id.to_owned();
                return inner.store.run(move |conn| store::deliveries::next_due(conn, &id)).await;
            };
            let post = SignedPost {
                url: &current.url,
                event_id: &current.event_id,
                payload: Bytes::from(std::mem::take(&mut current.payload)),
                secrets: &current.secrets,
                timeout: inner.config.timeout,
            };
            let result = attempt::send_signed(&inner.sender, &post).await;
            drop(post);
            let outcome = Outcome {
                retry_at: Verdict::of(result.status_code)
                    .retries()
                    .then(|| self.retry_at(current.attempt, result.retry_after, result.attempted_at))
                    .flatten(),
                status_code: result.status_code,
                response_time_ms: result.response_time_ms,
                error: result.error,
                attempted_at: result.attempted_at,
            };
            let keep_going = !inner.contended.load(Ordering::SeqCst);
            // Recording this attempt and claiming the next due one share a trip to the database.
            let (recorded, next) = inner
                .store
                .run(move |conn| {
                    let recorded = store::record_attempt(conn, &current, &outcome)?;
                    let now = store::now_ms();
                    let next = match recorded.next_due {
                        Some(at) if at <= now && keep_going => {
                            store::claim_next(conn, &current.endpoint_id, now)?
                        }
                        _ => None,
                    };
                    Ok((recorded, next))
                })
                .await?;
            if recorded.paused {
                println!(
                    "send0-server: endpoint {endpoint_id} paused after {PAUSE_AFTER_FAILURES} consecutive failed attempts"
                );
            }
            if recorded.disabled {
                println!("send0-server: endpoint {endpoint_id} answered 410 Gone and is now disabled");
            }
            if next.is_none() {
                return Ok(recorded.next_due);
            }
            claimed = next;
        }
    }

    /// When to retry after failed attempt number `attempt` (1-based): see [`retry_wait`].
    fn retry_at(&self, attempt: u32, retry_after: Option<Duration>, now: i64) -> Option<i64> {
        let wait = retry_wait(&self.inner.config.retry_schedule, attempt, retry_after)?;
        Some(now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)))
    }
}

impl Inner {
    fn lock_schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn slot_released(&self) {
        self.slot_freed.notify_waiters();
        self.wake.notify_one();
    }
}

/// One slot of a workspace taken outside the queue; given back when dropped.
struct SlotGuard {
    inner: Arc<Inner>,
    workspace: String,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.inner.lock_schedule().release_slot(&self.workspace);
        self.inner.slot_released();
    }
}

/// A worker's endpoint and slot, handed back to the schedule when the worker ends.
struct WorkerGuard {
    inner: Arc<Inner>,
    start: Start,
    next_due: Option<i64>,
}

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        self.inner.lock_schedule().finish(&self.start, self.next_due);
        self.inner.slot_released();
        self.inner.idle.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_waits_follow_the_schedule_with_jitter_or_retry_after() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        for _ in 0..100 {
            let first = retry_wait(&schedule, 1, None).unwrap();
            assert!(first >= Duration::from_secs(4) && first <= Duration::from_secs(6), "{first:?}");
            let second = retry_wait(&schedule, 2, None).unwrap();
            assert!(second >= Duration::from_secs(240) && second <= Duration::from_secs(360), "{second:?}");
        }
        assert_eq!(retry_wait(&schedule, 3, None), None, "the schedule is used up");
        assert_eq!(retry_wait(&schedule, 0, None), None, "attempts count from 1");
        assert_eq!(retry_wait(&schedule, 1, Some(Duration::from_secs(42))), Some(Duration::from_secs(42)));
        assert_eq!(retry_wait(&schedule, 1, Some(Duration::from_secs(1 << 40))), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_wait(&[], 1, Some(Duration::from_secs(1))), None, "no schedule, no retry");
    }
}
