//! The delivery state machine: the states of an endpoint and of a delivery, and every transition
//! between them. It is pure; the transactions in `store/mod.rs` apply each transition to the tables,
//! and nothing else writes a state.
//!
//! An endpoint is [`Active`](EndpointState::Active), [`Paused`](EndpointState::Paused) after
//! [`PAUSE_AFTER_FAILURES`] consecutive failed attempts, or [`Disabled`](EndpointState::Disabled) by
//! its owner or by a `410 Gone` answer. A delivery (one event for one endpoint) moves
//! `pending` → `in_flight` → `succeeded` | `pending` (a retry) | `failed` (no retry left); it is
//! `held` while its endpoint is paused (pending again once unpaused, in order) and `cancelled` once
//! its endpoint is disabled. Deleting an endpoint deletes its deliveries.

use rusqlite::types::{ToSql, ToSqlOutput};

/// Consecutive failed attempts that pause an endpoint.
pub const PAUSE_AFTER_FAILURES: u32 = 10;

/// Where one delivery stands; stored in `deliveries.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its `next_attempt_at`.
    Pending,
    /// Its endpoint is paused: kept, not attempted.
    Held,
    /// Being attempted now (back to pending if the server stops meanwhile).
    InFlight,
    Succeeded,
    /// Every retry of the schedule failed.
    Failed,
    /// Its endpoint was disabled before it could be delivered.
    Cancelled,
}

impl DeliveryState {
    /// Every state, as the schema's CHECK on `deliveries.state` lists them.
    pub const ALL: [DeliveryState; 6] = [
        DeliveryState::Pending,
        DeliveryState::Held,
        DeliveryState::InFlight,
        DeliveryState::Succeeded,
        DeliveryState::Failed,
        DeliveryState::Cancelled,
    ];

    /// The stored spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Held => "held",
            DeliveryState::InFlight => "in_flight",
            DeliveryState::Succeeded => "succeeded",
            DeliveryState::Failed => "failed",
            DeliveryState::Cancelled => "cancelled",
        }
    }
}

impl ToSql for DeliveryState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

/// Where an endpoint stands, as the API's `status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointState {
    Active,
    Paused,
    Disabled,
}

impl EndpointState {
    /// The state a new event's delivery starts in, or None when the endpoint gets none.
    pub fn new_delivery(self) -> Option<DeliveryState> {
        match self {
            EndpointState::Active => Some(DeliveryState::Pending),
            EndpointState::Paused => Some(DeliveryState::Held),
            EndpointState::Disabled => None,
        }
    }

    /// Only an active endpoint has its deliveries attempted.
    pub fn receives(self) -> bool {
        self == EndpointState::Active
    }
}

/// What an attempt's answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx.
    Delivered,
    /// `410 Gone`: the endpoint is disabled and nothing is retried.
    Gone,
    /// Anything else, no answer included: retried while the schedule lasts.
    Failed,
}

impl Verdict {
    pub fn of(status_code: Option<u16>) -> Verdict {
        match status_code {
            Some(200..=299) => Verdict::Delivered,
            Some(410) => Verdict::Gone,
            _ => Verdict::Failed,
        }
    }

    /// Whether the delivery may be tried again.
    pub fn retries(self) -> bool {
        self == Verdict::Failed
    }
}

/// What a transition does to the deliveries still queued for its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueChange {
    Keep,
    /// Pending → held (the endpoint was paused).
    Hold,
    /// Held → pending, due now (the endpoint was unpaused).
    Release,
    /// Pending and held → cancelled (the endpoint was disabled).
    Cancel,
}

impl QueueChange {
    /// The moves it makes, as (from, to). A delivery moved to pending is due at once.
    pub fn moves(self) -> &'static [(DeliveryState, DeliveryState)] {
        match self {
            QueueChange::Keep => &[],
            QueueChange::Hold => &[(DeliveryState::Pending, DeliveryState::Held)],
            QueueChange::Release => &[(DeliveryState::Held, DeliveryState::Pending)],
            QueueChange::Cancel => &[
                (DeliveryState::Pending, DeliveryState::Cancelled),
                (DeliveryState::Held, DeliveryState::Cancelled),
            ],
        }
    }
}

/// Taking a delivery off the queue for an attempt.
pub const CLAIM: (DeliveryState, DeliveryState) = (DeliveryState::Pending, DeliveryState::InFlight);

/// At a start, the attempts the last run left in flight are due again: a delivery may be attempted
/// twice, never lost.
pub const INTERRUPTED: (DeliveryState, DeliveryState) = (DeliveryState::InFlight, DeliveryState::Pending);

/// A delivery taken off the queue for one attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_seq: i64,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub endpoint_id: String,
    pub url: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: Vec<u8>,
    /// The secrets that sign this attempt, newest first.
    pub secrets: Vec<String>,
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub response_time_ms: u64,
    pub error: Option<String>,
    pub attempted_at: i64,
    /// When the retry schedule would try again (None: it is used up, or the verdict allows none).
    pub retry_at: Option<i64>,
}

impl Outcome {
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.status_code)
    }
}

/// What recording an attempt changed, for the engine's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The earliest pending delivery of the endpoint after this one, if it can receive.
    pub next_due: Option<i64>,
    pub paused: bool,
    pub disabled: bool,
}

/// An endpoint's state as its row stores it. The two flags are independent (a paused endpoint can
/// be disabled and keeps its pause), so the state is derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    pub active: bool,
    pub paused: bool,
    pub consecutive_failures: u32,
}

/// The result of [`Health::after_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterAttempt {
    /// The attempted delivery's new state.
    pub delivery: DeliveryState,
    /// When it is due again (pending, or held until its endpoint is unpaused).
    pub retry_at: Option<i64>,
    pub queue: QueueChange,
    /// This attempt paused the endpoint.
    pub paused: bool,
    /// This attempt was answered `410 Gone` (the endpoint is disabled).
    pub gone: bool,
}

impl AfterAttempt {
    /// The retry the delivery log shows: none while the endpoint is paused.
    pub fn planned_retry(&self) -> Option<i64> {
        if self.delivery == DeliveryState::Pending { self.retry_at } else { None }
    }
}

impl Health {
    /// `disabled` wins over `paused`: a disabled endpoint gets nothing, held or not.
    pub fn state(self) -> EndpointState {
        if !self.active {
            EndpointState::Disabled
        } else if self.paused {
            EndpointState::Paused
        } else {
            EndpointState::Active
        }
    }

    /// The owner turns the endpoint on or off (`active`). Disabling cancels what is queued;
    /// enabling brings none of it back.
    pub fn set_active(&mut self, active: bool) -> QueueChange {
        let change = if self.active && !active { QueueChange::Cancel } else { QueueChange::Keep };
        self.active = active;
        change
    }

    /// The owner unpauses the endpoint (`paused: false`): the failure count starts again and the
    /// held deliveries are due now, in order.
    pub fn unpause(&mut self) -> QueueChange {
        if !self.paused {
            return QueueChange::Keep;
        }
        self.paused = false;
        self.consecutive_failures = 0;
        QueueChange::Release
    }

    /// An attempt answered with `verdict`; `retry_at` is when the retry schedule would try again
    /// (None once it is used up). A success resets the failure count; a `410` disables the
    /// endpoint; the [`PAUSE_AFTER_FAILURES`]th consecutive failure pauses it.
    pub fn after_attempt(&mut self, verdict: Verdict, retry_at: Option<i64>) -> AfterAttempt {
        if verdict == Verdict::Delivered {
            self.consecutive_failures = 0;
            let queue = if self.active { QueueChange::Keep } else { QueueChange::Cancel };
            return AfterAttempt {
                delivery: DeliveryState::Succeeded,
                retry_at: None,
                queue,
                paused: false,
                gone: false,
            };
        }
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let gone = verdict == Verdict::Gone;
        if gone {
            self.active = false;
        }
        // Disabled while the attempt was in flight, or by its 410: nothing more is sent.
        if !self.active {
            return AfterAttempt {
                delivery: DeliveryState::Cancelled,
                retry_at: None,
                queue: QueueChange::Cancel,
                paused: false,
                gone,
            };
        }
        let mut delivery = if retry_at.is_some() { DeliveryState::Pending } else { DeliveryState::Failed };
        let pausing = !self.paused && self.consecutive_failures >= PAUSE_AFTER_FAILURES;
        if pausing {
            self.paused = true;
            if delivery == DeliveryState::Pending {
                delivery = DeliveryState::Held;
            }
        }
        AfterAttempt {
            delivery,
            retry_at,
            queue: if pausing { QueueChange::Hold } else { QueueChange::Keep },
            paused: pausing,
            gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: Health = Health { active: true, paused: false, consecutive_failures: 0 };

    #[test]
    fn attempts_move_deliveries_and_endpoints_as_the_api_documents() {
        // A success resets the count.
        let mut health = Health { consecutive_failures: 4, ..ACTIVE };
        let after = health.after_attempt(Verdict::of(Some(204)), None);
        assert_eq!(
            (after.delivery, after.queue, health.consecutive_failures),
            (DeliveryState::Succeeded, QueueChange::Keep, 0)
        );

        // A failure with a retry left stays pending and shows its retry; without one it failed.
        let mut health = ACTIVE;
        let after = health.after_attempt(Verdict::of(Some(500)), Some(7));
        assert_eq!(
            (after.delivery, after.planned_retry(), health.consecutive_failures),
            (DeliveryState::Pending, Some(7), 1)
        );
        let after = health.after_attempt(Verdict::of(None), None);
        assert_eq!((after.delivery, health.state()), (DeliveryState::Failed, EndpointState::Active));

        // The tenth consecutive failure pauses: the delivery and the queue are held, no retry shown.
        let mut health = Health { consecutive_failures: PAUSE_AFTER_FAILURES - 1, ..ACTIVE };
        let after = health.after_attempt(Verdict::Failed, Some(7));
        assert_eq!(
            (after.delivery, after.queue, after.paused),
            (DeliveryState::Held, QueueChange::Hold, true)
        );
        assert_eq!(
            (after.retry_at, after.planned_retry(), health.state()),
            (Some(7), None, EndpointState::Paused)
        );
        assert_eq!(health.state().new_delivery(), Some(DeliveryState::Held));
        assert!(!health.state().receives());
        assert_eq!(health.unpause(), QueueChange::Release);
        assert_eq!((health.state(), health.consecutive_failures), (EndpointState::Active, 0));
        assert_eq!(health.unpause(), QueueChange::Keep);

        // 410 disables, whatever the schedule says, and cancels the queue.
        let mut health = ACTIVE;
        let after = health.after_attempt(Verdict::of(Some(410)), Some(7));
        assert_eq!(
            (after.delivery, after.queue, after.gone),
            (DeliveryState::Cancelled, QueueChange::Cancel, true)
        );
        assert_eq!((health.state(), health.state().new_delivery()), (EndpointState::Disabled, None));

        // Disabled while in flight: a success still counts; the queue stays cancelled.
        let mut health = Health { active: false, ..ACTIVE };
        let after = health.after_attempt(Verdict::Delivered, None);
        assert_eq!((after.delivery, after.queue), (DeliveryState::Succeeded, QueueChange::Cancel));

        // Disabling cancels once; a disabled endpoint keeps its pause underneath.
        let mut health = Health { paused: true, ..ACTIVE };
        assert_eq!(health.set_active(false), QueueChange::Cancel);
        assert_eq!(health.set_active(false), QueueChange::Keep);
        assert_eq!(health.state(), EndpointState::Disabled);
        assert_eq!(health.set_active(true), QueueChange::Keep);
        assert_eq!(health.state(), EndpointState::Paused);
    }

    #[test]
    fn every_delivery_state_is_one_the_schema_accepts() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        rusqlite_migration::Migrations::from_slice(crate::store::MIGRATIONS).to_latest(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO events (id, workspace, type, payload, created_at) VALUES ('evt', 'ws', 't', x'', 0)",
            [],
        )
        .unwrap();
        let insert =
            "INSERT INTO deliveries (endpoint_id, event_seq, state, next_attempt_at) VALUES ('we', 1, ?1, 0)";
        for state in DeliveryState::ALL {
            conn.execute(insert, [state]).unwrap();
        }
        assert!(conn.execute(insert, ["lost"]).is_err(), "the schema checks the state");
    }
}
