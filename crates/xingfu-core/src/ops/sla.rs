//! The deadline sweep: which events the clock has made due, in one pass.
//!
//! The sweep reads a compact [`SlaEntry`] per event (24 bytes) rather than whole events, is
//! O(n) with no allocation besides the output, and leaves acting on its findings to
//! [`decide`](super::events::decide) with [`Actor::system`](super::Actor::system), which
//! re-checks everything under the event's version. An escalated event gets a fresh deadline
//! counted from the escalation, so a sweep escalates an event by at most one level, even after
//! the sweep has not run for days. In storage the same sweep is an indexed
//! `deadline < now` query; this function is the rule and the benchmark's subject.

use serde::Serialize;

use super::Level;
use super::events::{Event, EventId, EventState, HOUR_MS};

/// What the sweep needs to know about an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaEntry {
    pub id: EventId,
    /// [`Event::deadline`], or `i64::MAX` when none.
    pub deadline: i64,
    pub state: EventState,
    pub level: Level,
}

impl From<&Event> for SlaEntry {
    fn from(event: &Event) -> SlaEntry {
        SlaEntry {
            id: event.id,
            deadline: event.deadline.unwrap_or(i64::MAX),
            state: event.state,
            level: event.level,
        }
    }
}

/// What is due for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DueAction {
    /// Overdue below the district: move up one level.
    Escalate { to: Level },
    /// Overdue at the district, the top: listed for supervision (督办).
    Supervise,
    /// Resolved and the reporter's confirmation window has passed: close it.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    pub id: EventId,
    pub level: Level,
    pub action: DueAction,
    /// How long past the deadline, in milliseconds (> 0).
    pub overdue_ms: i64,
}

/// Everything due at `now`: open events past their deadline (escalate, or supervise at the
/// district) and resolved events past their confirmation window (close). "Past" is strictly
/// after the deadline. Closed, rejected and merged events are skipped.
pub fn escalations_due(now: i64, entries: &[SlaEntry]) -> Vec<Due> {
    let mut due = Vec::new();
    escalations_due_into(now, entries, &mut due);
    due
}

/// As [`escalations_due`], appending to `out` so a caller can reuse one buffer.
pub fn escalations_due_into(now: i64, entries: &[SlaEntry], out: &mut Vec<Due>) {
    for entry in entries {
        if now <= entry.deadline {
            continue;
        }
        let action = match entry.state {
            EventState::Reported
            | EventState::Accepted
            | EventState::Dispatched
            | EventState::InProgress => match entry.level.up() {
                Some(to) => DueAction::Escalate { to },
                None => DueAction::Supervise,
            },
            EventState::Resolved => DueAction::Close,
            EventState::Closed | EventState::Rejected | EventState::Merged => continue,
        };
        out.push(Due {
            id: entry.id,
            level: entry.level,
            action,
            overdue_ms: now - entry.deadline,
        });
    }
}

/// SplitMix64: a tiny, well-mixed deterministic generator for synthetic data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant for benchmark data.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` synthetic entries, the same for the same `seed` and `now`, shaped like a district's
/// history: 55% closed, 5% rejected, 5% merged, 10% resolved, 25% open; open ones 80% at
/// community, 15% street, 5% district level, with deadlines spread over `now` ± 7 days
/// (about half overdue); resolved ones with confirmation windows ending within `now` ± 3 days.
pub fn synthetic(n: usize, seed: u64, now: i64) -> Vec<SlaEntry> {
    let mut rng = SplitMix64(seed);
    let week = 7 * 24 * HOUR_MS;
    let three_days = 3 * 24 * HOUR_MS;
    let spread = |rng: &mut SplitMix64, half: i64| -> i64 {
        now - half + rng.below(2 * half as u64 + 1) as i64
    };
    (0..n)
        .map(|i| {
            let id = EventId(i as u64 + 1);
            let roll = rng.below(100);
            let (state, deadline) = match roll {
                0..55 => (EventState::Closed, i64::MAX),
                55..60 => (EventState::Rejected, i64::MAX),
                60..65 => (EventState::Merged, i64::MAX),
                65..75 => (EventState::Resolved, spread(&mut rng, three_days)),
                _ => {
                    let state = [
                        EventState::Reported,
                        EventState::Accepted,
                        EventState::Dispatched,
                        EventState::InProgress,
                    ][rng.below(4) as usize];
                    (state, spread(&mut rng, week))
                }
            };
            let level = if state.is_open() {
                match rng.below(100) {
                    0..80 => Level::Community,
                    80..95 => Level::Street,
                    _ => Level::District,
                }
            } else {
                Level::Community
            };
            SlaEntry {
                id,
                deadline,
                state,
                level,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, state: EventState, level: Level, deadline: i64) -> SlaEntry {
        SlaEntry {
            id: EventId(id),
            deadline,
            state,
            level,
        }
    }

    #[test]
    fn due_strictly_after_the_deadline() {
        let d = 1_700_000_000_000;
        let entries = [entry(1, EventState::Accepted, Level::Community, d)];
        assert!(escalations_due(d - 1, &entries).is_empty());
        assert!(escalations_due(d, &entries).is_empty());
        assert_eq!(
            escalations_due(d + 1, &entries),
            vec![Due {
                id: EventId(1),
                level: Level::Community,
                action: DueAction::Escalate { to: Level::Street },
                overdue_ms: 1
            }]
        );
    }

    #[test]
    fn each_state_and_level_gets_its_action() {
        let now = 10_000;
        let past = 5_000;
        let entries = [
            entry(1, EventState::Reported, Level::Community, past),
            entry(2, EventState::InProgress, Level::Street, past),
            entry(3, EventState::Dispatched, Level::District, past),
            entry(4, EventState::Resolved, Level::Street, past),
            entry(5, EventState::Closed, Level::Community, past),
            entry(6, EventState::Rejected, Level::Community, past),
            entry(7, EventState::Merged, Level::Community, past),
            entry(8, EventState::Accepted, Level::Community, i64::MAX),
            entry(9, EventState::Accepted, Level::Community, now + 1),
        ];
        let due = escalations_due(now, &entries);
        let actions: Vec<(u64, DueAction)> = due.iter().map(|d| (d.id.0, d.action)).collect();
        assert_eq!(
            actions,
            vec![
                (1, DueAction::Escalate { to: Level::Street }),
                (
                    2,
                    DueAction::Escalate {
                        to: Level::District
                    }
                ),
                (3, DueAction::Supervise),
                (4, DueAction::Close),
            ]
        );
        assert!(due.iter().all(|d| d.overdue_ms == now - past));
    }

    #[test]
    fn the_into_form_appends() {
        let entries = [entry(1, EventState::Reported, Level::Community, 0)];
        let mut out = escalations_due(5, &entries);
        escalations_due_into(5, &entries, &mut out);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn synthetic_data_is_deterministic_and_shaped_as_documented() {
        let now = 1_700_000_000_000;
        let a = synthetic(20_000, 7, now);
        assert_eq!(a, synthetic(20_000, 7, now));
        assert_ne!(a, synthetic(20_000, 8, now));
        assert_eq!(a.len(), 20_000);
        let share =
            |f: &dyn Fn(&SlaEntry) -> bool| a.iter().filter(|e| f(e)).count() * 100 / a.len();
        let closed = share(&|e| e.state == EventState::Closed);
        assert!((52..=58).contains(&closed), "{closed}");
        let open = share(&|e| e.state.is_open());
        assert!((22..=28).contains(&open), "{open}");
        assert!(
            a.iter()
                .all(|e| e.state.is_open() || e.level == Level::Community)
        );
        assert!(
            a.iter()
                .filter(|e| e.state.is_final())
                .all(|e| e.deadline == i64::MAX)
        );
        let week = 7 * 24 * HOUR_MS;
        assert!(
            a.iter()
                .filter(|e| e.state.is_open())
                .all(|e| (now - week..=now + week).contains(&e.deadline))
        );
        let due = escalations_due(now, &a);
        let open_due = due.iter().filter(|d| d.action != DueAction::Close).count() * 100 / a.len();
        assert!((10..=15).contains(&open_due), "{open_due}");
    }
}
