//! Which endpoints have deliveries due, and who may start an attempt now.
//!
//! Attempts are bounded twice: at most `total` in flight at once, and at most `per_workspace` of
//! them for one workspace. A free slot goes to the workspace with the fewest attempts in flight,
//! so one tenant's slow or tarpitting endpoints can hold only its own share and never starve
//! another tenant's deliveries (or its `test` calls, which take slots from the same budget).

use std::collections::{BTreeMap, HashMap, HashSet};

/// The two bounds on attempts in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub total: usize,
    pub per_workspace: usize,
}

/// An endpoint the dispatcher may work now; it holds one slot of its workspace until
/// [`Schedule::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub endpoint_id: String,
    pub workspace: String,
}

#[derive(Debug)]
struct Due {
    workspace: String,
    at: i64,
}

/// The engine's view of the queue; the durable queue itself is in the database.
#[derive(Debug, Default)]
pub struct Schedule {
    due: HashMap<String, Due>,
    running: HashSet<String>,
    in_flight: HashMap<String, usize>,
    total: usize,
}

impl Schedule {
    /// Notes that `endpoint_id` (of `workspace`) has a delivery due at `at` (the earliest wins).
    pub fn note_due(&mut self, workspace: &str, endpoint_id: &str, at: i64) {
        self.due
            .entry(endpoint_id.to_owned())
            .and_modify(|due| due.at = due.at.min(at))
            .or_insert_with(|| Due { workspace: workspace.to_owned(), at });
    }

    /// The endpoints that may start now, chosen fairly across workspaces; each is marked running
    /// and holds a slot. The flag is true when due endpoints were left waiting for a slot.
    pub fn take_ready(&mut self, now: i64, limits: Limits) -> (Vec<Start>, bool) {
        let mut ready: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        for (id, due) in &self.due {
            if due.at <= now && !self.running.contains(id) {
                ready.entry(due.workspace.clone()).or_default().push((due.at, id.clone()));
            }
        }
        for queue in ready.values_mut() {
            // Latest first, so `pop` gives the endpoint that has waited longest.
            queue.sort_unstable_by(|a, b| b.cmp(a));
        }
        let mut started = Vec::new();
        while self.total < limits.total {
            let pick = ready
                .iter()
                .filter(|(workspace, queue)| {
                    !queue.is_empty() && self.in_flight(workspace) < limits.per_workspace
                })
                .min_by_key(|(workspace, _)| self.in_flight(workspace))
                .map(|(workspace, _)| workspace.clone());
            let Some(workspace) = pick else { break };
            let Some((_, endpoint_id)) = ready.get_mut(&workspace).and_then(Vec::pop) else { break };
            self.due.remove(&endpoint_id);
            self.running.insert(endpoint_id.clone());
            self.take(&workspace);
            started.push(Start { endpoint_id, workspace });
        }
        let waiting = ready.values().any(|queue| !queue.is_empty());
        (started, waiting)
    }

    /// The earliest time an endpoint that is not being worked on has a delivery due.
    pub fn next_due(&self) -> Option<i64> {
        self.due.iter().filter(|(id, _)| !self.running.contains(*id)).map(|(_, due)| due.at).min()
    }

    /// Takes one slot of `workspace` for an attempt outside the queue (a `test`), if one is free.
    pub fn try_take_slot(&mut self, workspace: &str, limits: Limits) -> bool {
        let free = self.total < limits.total && self.in_flight(workspace) < limits.per_workspace;
        if free {
            self.take(workspace);
        }
        free
    }

    /// Gives back a slot of `workspace`.
    pub fn release_slot(&mut self, workspace: &str) {
        self.total = self.total.saturating_sub(1);
        if let Some(count) = self.in_flight.get_mut(workspace) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.in_flight.remove(workspace);
            }
        }
    }

    /// An endpoint's worker stopped: its slot is free and its next delivery, if any, is due at
    /// `next_due`.
    pub fn finish(&mut self, start: &Start, next_due: Option<i64>) {
        self.running.remove(&start.endpoint_id);
        self.release_slot(&start.workspace);
        if let Some(at) = next_due {
            self.note_due(&start.workspace, &start.endpoint_id, at);
        }
    }

    /// True when no endpoint is being worked on.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    /// Attempts in flight for `workspace`.
    pub fn in_flight(&self, workspace: &str) -> usize {
        self.in_flight.get(workspace).copied().unwrap_or(0)
    }

    fn take(&mut self, workspace: &str) {
        *self.in_flight.entry(workspace.to_owned()).or_insert(0) += 1;
        self.total += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { total: 4, per_workspace: 2 };

    #[test]
    fn one_workspace_gets_at_most_its_share_and_the_rest_go_to_others() {
        let mut schedule = Schedule::default();
        for i in 0..100 {
            schedule.note_due("ws_a", &format!("we_a{i}"), 0);
        }
        let (first, waiting) = schedule.take_ready(10, LIMITS);
        assert_eq!(first.len(), 2);
        assert!(waiting);
        assert!(first.iter().all(|s| s.workspace == "ws_a"));
        schedule.note_due("ws_b", "we_b", 5);
        let (second, _) = schedule.take_ready(10, LIMITS);
        assert_eq!(second, vec![Start { endpoint_id: "we_b".into(), workspace: "ws_b".into() }]);
        // A test call of ws_b still finds a slot; one of ws_a does not.
        assert!(schedule.try_take_slot("ws_b", LIMITS));
        assert!(!schedule.try_take_slot("ws_a", LIMITS));
        assert_eq!(schedule.in_flight("ws_a"), 2);
        assert_eq!(schedule.in_flight("ws_b"), 2);
    }

    #[test]
    fn the_fewest_in_flight_go_first_and_finishing_frees_the_slot() {
        let mut schedule = Schedule::default();
        schedule.note_due("ws_a", "we_a1", 0);
        schedule.note_due("ws_a", "we_a2", 1);
        schedule.note_due("ws_b", "we_b1", 2);
        let limits = Limits { total: 2, per_workspace: 2 };
        let (started, waiting) = schedule.take_ready(10, limits);
        let workspaces: HashSet<_> = started.iter().map(|s| s.workspace.as_str()).collect();
        assert_eq!(workspaces, HashSet::from(["ws_a", "ws_b"]));
        assert!(waiting);
        let a = started.iter().find(|s| s.workspace == "ws_a").cloned().unwrap();
        assert_eq!(a.endpoint_id, "we_a1", "the endpoint due first starts first");
        schedule.finish(&a, Some(50));
        assert_eq!(schedule.next_due(), Some(1));
        let (again, _) = schedule.take_ready(10, limits);
        assert_eq!(again[0].endpoint_id, "we_a2");
        assert_eq!(schedule.next_due(), Some(50));
    }

    #[test]
    fn running_endpoints_are_not_started_twice_and_idle_is_exact() {
        let mut schedule = Schedule::default();
        assert!(schedule.is_idle());
        schedule.note_due("ws", "we_1", 0);
        let (started, _) = schedule.take_ready(0, LIMITS);
        assert_eq!(started.len(), 1);
        schedule.note_due("ws", "we_1", 0);
        assert!(schedule.take_ready(0, LIMITS).0.is_empty());
        assert!(!schedule.is_idle());
        schedule.finish(&started[0], None);
        assert!(schedule.is_idle());
        assert_eq!(schedule.take_ready(0, LIMITS).0.len(), 1);
    }
}
