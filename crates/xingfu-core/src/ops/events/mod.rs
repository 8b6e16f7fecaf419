//! 随手拍 event reports and their closed loop (闭环处置).
//!
//! ```text
//! reported ─accept→ accepted ─dispatch→ dispatched ─start→ in progress ─resolve→ resolved
//!    │                  ↑                    (dispatch again to reassign)            │
//!    └─reject→ rejected │                                         confirm / close ───┤→ closed
//!                       └── escalate (up one level) / hand down (to a lower level)   │
//!                                                                 reopen → in progress
//! any open state ─merge into another event→ merged
//! ```
//!
//! Every change is a [`decide`] call: the current [`Event`], an [`Action`], who acts, when, and
//! the version the actor saw. It returns the next `Event` (version + 1) and the [`Step`] to
//! record, or an [`EventRefusal`] saying why not. Storage writes the result only if the stored
//! version is still the one the actor saw (optimistic concurrency), so two people handling the
//! same event at once cannot both succeed: the second gets [`EventRefusal::StaleVersion`], and
//! after reloading, the rules refuse whatever no longer applies.
//!
//! Time limits ([`EventRules`]): each category has a limit per level, in hours of calendar time.
//! The clock starts when the event is reported and gives a fresh full limit whenever the event
//! arrives at a level (escalation or hand-down) or is reopened. An event is overdue when
//! `now > deadline` (the deadline instant itself is still on time). While resolved, the deadline
//! is the end of the reporter's confirmation window, after which staff (or the sweep) may close
//! it without confirmation. Anonymous reports can be closed as soon as they are resolved.
//!
//! Choices the seeds leave open, made here: escalation and hand-down put the event in
//! `accepted` at the new level (that level owns it and must dispatch), clearing the assignee;
//! escalation goes one level at a time, hand-down to any lower level; reopening returns the
//! event to its last assignee, in progress; `reject` (不予受理) exists for reports that are not
//! events at all, with a reason.

use serde::{Deserialize, Serialize};

use super::Level;
use super::coords::GeoPoint;

mod decide;
mod guards;
mod refusal;
mod report;
mod rules;
mod state;

pub use decide::{Decision, allowed_actions, decide, open};
pub use refusal::EventRefusal;
pub use report::{
    MAX_DESCRIPTION_CHARS, MAX_PHOTOS, NewReport, ReportError, ValidReport, Without,
    validate_report, validate_unlocated_report,
};
pub use rules::{Category, EventRules, LevelHours, RulesError};
pub use state::{Action, ActionKind, EventState, Step};

pub const HOUR_MS: i64 = 3_600_000;

/// Events are numbered, so residents can quote one ("#10234").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(pub u64);

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One event and everything the rules need about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub category: String,
    pub description: String,
    /// WGS-84; only where [`located`](Self::located) (use [`Event::position`]).
    pub location: GeoPoint,
    /// The reporter gave a position (the phone's, typed, or a building's). When not, they chose a
    /// grid or described the place in `address`, and `location` is a stand-in nothing reads.
    #[serde(default = "given")]
    pub located: bool,
    pub address: Option<String>,
    pub photos: Vec<String>,
    /// 12-digit community code.
    pub community: String,
    /// The grid it was routed to; `None` when handled at community level.
    pub grid: Option<String>,
    /// The reporter's account; `None` for an anonymous report.
    pub reporter: Option<String>,
    pub state: EventState,
    pub level: Level,
    pub assignee: Option<String>,
    pub reported_at: i64,
    /// While open: the handling deadline at the current level. While resolved: the end of the
    /// confirmation window. Otherwise none.
    pub deadline: Option<i64>,
    pub resolved_at: Option<i64>,
    /// When it reached a final state (closed, rejected or merged).
    pub closed_at: Option<i64>,
    /// A handling deadline has passed at some point (resolved late or escalated as overdue).
    pub late: bool,
    pub escalations: u32,
    pub reopens: u32,
    pub merged_into: Option<EventId>,
    /// When the last step happened.
    pub updated_at: i64,
    /// Optimistic-concurrency version: 1 when reported, +1 per step.
    pub version: u64,
}

fn given() -> bool {
    true
}

impl Event {
    /// Where the event is on a map (WGS-84), when the reporter gave a position.
    pub fn position(&self) -> Option<GeoPoint> {
        self.located.then_some(self.location)
    }
}

/// What the tests of every part share: people, a report, an opened event, a shorthand to act.
#[cfg(test)]
mod fixtures {
    use super::*;
    use crate::ops::coords::Datum;
    use crate::ops::{Actor, OpsRole};

    pub(super) const COMMUNITY: &str = "610302001003";
    pub(super) const T0: i64 = 1_704_038_400_000;
    /// Sanitation's limit in the baseline rules.
    pub(super) const LIMIT: i64 = 48 * HOUR_MS;
    pub(super) const WINDOW: i64 = 72 * HOUR_MS;

    pub(super) struct People {
        grids: Vec<String>,
        other_grids: Vec<String>,
    }

    impl People {
        pub(super) fn new() -> People {
            People {
                grids: vec!["g1".into()],
                other_grids: vec!["g2".into()],
            }
        }
        pub(super) fn member(&self) -> Actor<'_> {
            Actor::new("m1", OpsRole::GridMember, COMMUNITY).with_grids(&self.grids)
        }
        pub(super) fn other_member(&self) -> Actor<'_> {
            Actor::new("m2", OpsRole::GridMember, COMMUNITY).with_grids(&self.other_grids)
        }
    }

    pub(super) fn worker() -> Actor<'static> {
        Actor::new("w1", OpsRole::CommunityWorker, COMMUNITY)
    }
    pub(super) fn street() -> Actor<'static> {
        Actor::new("s1", OpsRole::StreetAdmin, "610302001000")
    }
    pub(super) fn district() -> Actor<'static> {
        Actor::new("d1", OpsRole::DistrictAdmin, "610302000000")
    }
    pub(super) fn handler() -> Actor<'static> {
        Actor::new("h1", OpsRole::CommunityWorker, COMMUNITY)
    }
    pub(super) fn reporter() -> Actor<'static> {
        Actor::new("u1", OpsRole::Resident, COMMUNITY)
    }

    pub(super) fn report() -> ValidReport {
        validate_report(
            NewReport {
                category: "sanitation".into(),
                description: "楼下垃圾桶满了".into(),
                location: GeoPoint {
                    lon: 107.149,
                    lat: 34.372,
                },
                datum: Datum::Wgs84,
                address: None,
                photos: vec![],
            },
            &EventRules::baseline(),
        )
        .unwrap()
    }

    pub(super) fn opened(reporter_id: Option<&str>) -> Event {
        let actor = reporter_id.map(|id| Actor::new(id, OpsRole::Resident, COMMUNITY));
        open(
            EventId(1),
            report(),
            COMMUNITY,
            Some("g1"),
            actor.as_ref(),
            T0,
            &EventRules::baseline(),
        )
        .unwrap()
        .event
    }

    pub(super) fn act(
        event: &Event,
        action: Action,
        actor: &Actor,
        now: i64,
    ) -> Result<Event, EventRefusal> {
        decide(
            event,
            &action,
            actor,
            now,
            event.version,
            &EventRules::baseline(),
        )
        .map(|d| d.event)
    }

    /// Reported → accepted → dispatched to h1 → in progress.
    pub(super) fn in_progress(reporter: Option<&str>) -> Event {
        let people = People::new();
        let e = opened(reporter);
        let e = act(&e, Action::Accept, &people.member(), T0 + 1).unwrap();
        let e = act(&e, Action::Dispatch { to: "h1" }, &people.member(), T0 + 2).unwrap();
        act(&e, Action::Start, &handler(), T0 + 3).unwrap()
    }
}
