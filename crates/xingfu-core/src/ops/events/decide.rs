//! The closed loop: opening an event, deciding each action, the actions open to someone now.

use super::guards::{
    require_assignee, require_handler, require_reporter, require_staff, require_state,
};
use super::rules::overdue;
use super::{
    Action, ActionKind, Event, EventId, EventRefusal, EventRules, EventState, Step, ValidReport,
};
use crate::ops::{Actor, Level, OpsRole};
/// The result of an accepted action: the event as it now is, and the step to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub event: Event,
    pub step: Step,
}

/// Opens an event from a checked report, routed to `grid` (or the community when `None`).
/// Version 1, state `reported`, community level, deadline `now` + the community limit.
/// `reporter` is `None` for an anonymous report; a grid member reporting on patrol is the
/// reporter like any resident.
pub fn open(
    id: EventId,
    report: ValidReport,
    community: &str,
    grid: Option<&str>,
    reporter: Option<&Actor>,
    now: i64,
    rules: &EventRules,
) -> Result<Decision, EventRefusal> {
    let limit = rules
        .limit_ms(&report.category, Level::Community)
        .ok_or_else(|| EventRefusal::UnknownCategory(report.category.clone()))?;
    let event = Event {
        id,
        category: report.category,
        description: report.description,
        location: report.location,
        located: report.located,
        address: report.address,
        photos: report.photos,
        community: community.to_string(),
        grid: grid.map(str::to_string),
        reporter: reporter.map(|r| r.person.to_string()),
        state: EventState::Reported,
        level: Level::Community,
        assignee: None,
        reported_at: now,
        deadline: Some(now.saturating_add(limit)),
        resolved_at: None,
        closed_at: None,
        late: false,
        escalations: 0,
        reopens: 0,
        merged_into: None,
        updated_at: now,
        version: 1,
    };
    let step = Step {
        event: id,
        version: 1,
        action: ActionKind::Report,
        actor: reporter.map_or("anonymous", |r| r.person).to_string(),
        role: reporter.map_or(OpsRole::Resident, |r| r.role),
        at: now,
        from_state: None,
        to_state: EventState::Reported,
        from_level: None,
        to_level: Level::Community,
        assignee: None,
        note: None,
    };
    Ok(Decision { event, step })
}

fn non_blank(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Decides an action. See the module comment for the rules; in short:
///
/// | action | from | who |
/// |---|---|---|
/// | accept, reject | reported | staff at the event's level (a grid member only in their grid) |
/// | dispatch | accepted, dispatched, in progress | staff at the event's level |
/// | start | dispatched | the assignee |
/// | resolve | in progress | the assignee |
/// | confirm, reopen | resolved | the reporter |
/// | close | resolved | staff or the system, once the confirmation window has passed (at once if anonymous) |
/// | escalate | open | staff at the event's level any time; the system once overdue |
/// | hand down | open, at street or district | staff at the event's level |
/// | merge into | open | staff at the event's level; the primary must not be final |
pub fn decide(
    event: &Event,
    action: &Action,
    actor: &Actor,
    now: i64,
    seen_version: u64,
    rules: &EventRules,
) -> Result<Decision, EventRefusal> {
    if seen_version != event.version {
        return Err(EventRefusal::StaleVersion {
            event: event.id,
            expected: seen_version,
            actual: event.version,
        });
    }
    let kind = action.kind();
    let mut next = event.clone();
    let mut note = None;
    let fresh_deadline = |level: Level| -> Result<Option<i64>, EventRefusal> {
        rules
            .limit_ms(&event.category, level)
            .map(|limit| Some(now.saturating_add(limit)))
            .ok_or_else(|| EventRefusal::UnknownCategory(event.category.clone()))
    };
    match *action {
        Action::Accept => {
            require_state(event, kind, |s| s == EventState::Reported)?;
            require_staff(event, actor)?;
            next.state = EventState::Accepted;
        }
        Action::Reject { reason } => {
            require_state(event, kind, |s| s == EventState::Reported)?;
            require_staff(event, actor)?;
            note = Some(non_blank(reason).ok_or(EventRefusal::ReasonRequired { action: kind })?);
            next.state = EventState::Rejected;
            next.deadline = None;
            next.closed_at = Some(now);
        }
        Action::Dispatch { to } => {
            require_state(event, kind, |s| {
                matches!(
                    s,
                    EventState::Accepted | EventState::Dispatched | EventState::InProgress
                )
            })?;
            require_staff(event, actor)?;
            next.assignee = Some(non_blank(to).ok_or(EventRefusal::NoAssignee)?);
            next.state = EventState::Dispatched;
        }
        Action::Start => {
            require_state(event, kind, |s| s == EventState::Dispatched)?;
            require_assignee(event, actor, kind)?;
            next.state = EventState::InProgress;
        }
        Action::Resolve => {
            require_state(event, kind, |s| s == EventState::InProgress)?;
            require_assignee(event, actor, kind)?;
            next.late |= overdue(event.deadline, now);
            next.state = EventState::Resolved;
            next.resolved_at = Some(now);
            next.deadline = Some(now.saturating_add(rules.confirm_window_ms()));
        }
        Action::Confirm => {
            require_state(event, kind, |s| s == EventState::Resolved)?;
            require_reporter(event, actor, kind)?;
            next.state = EventState::Closed;
            next.closed_at = Some(now);
            next.deadline = None;
        }
        Action::Reopen { reason } => {
            require_state(event, kind, |s| s == EventState::Resolved)?;
            require_reporter(event, actor, kind)?;
            note = Some(non_blank(reason).ok_or(EventRefusal::ReasonRequired { action: kind })?);
            next.state = EventState::InProgress;
            next.resolved_at = None;
            next.reopens += 1;
            next.deadline = fresh_deadline(event.level)?;
        }
        Action::Close => {
            require_state(event, kind, |s| s == EventState::Resolved)?;
            require_handler(event, actor)?;
            if event.reporter.is_some()
                && let Some(until) = event.deadline
                && now <= until
            {
                return Err(EventRefusal::AwaitingConfirmation { until });
            }
            next.state = EventState::Closed;
            next.closed_at = Some(now);
            next.deadline = None;
        }
        Action::Escalate => {
            require_state(event, kind, EventState::is_open)?;
            require_handler(event, actor)?;
            let up = event.level.up().ok_or(EventRefusal::TopLevel)?;
            let is_overdue = overdue(event.deadline, now);
            if actor.role == OpsRole::System && !is_overdue {
                return Err(EventRefusal::NotOverdue {
                    deadline: event.deadline.unwrap_or(i64::MAX),
                });
            }
            next.late |= is_overdue;
            next.level = up;
            next.state = EventState::Accepted;
            next.assignee = None;
            next.escalations += 1;
            next.deadline = fresh_deadline(up)?;
        }
        Action::HandDown { to } => {
            require_state(event, kind, EventState::is_open)?;
            require_staff(event, actor)?;
            if to >= event.level {
                return Err(EventRefusal::NotLower {
                    from: event.level,
                    to,
                });
            }
            next.level = to;
            next.state = EventState::Accepted;
            next.assignee = None;
            next.deadline = fresh_deadline(to)?;
        }
        Action::MergeInto {
            primary,
            primary_state,
        } => {
            require_state(event, kind, EventState::is_open)?;
            require_staff(event, actor)?;
            if primary == event.id {
                return Err(EventRefusal::MergeIntoSelf);
            }
            if primary_state.is_final() {
                return Err(EventRefusal::PrimaryFinal {
                    primary,
                    state: primary_state,
                });
            }
            next.state = EventState::Merged;
            next.merged_into = Some(primary);
            next.deadline = None;
            next.closed_at = Some(now);
        }
    }
    next.version = event.version + 1;
    next.updated_at = now;
    let step = Step {
        event: event.id,
        version: next.version,
        action: kind,
        actor: actor.person.to_string(),
        role: actor.role,
        at: now,
        from_state: Some(event.state),
        to_state: next.state,
        from_level: Some(event.level),
        to_level: next.level,
        assignee: next.assignee.clone(),
        note,
    };
    Ok(Decision { event: next, step })
}

/// The actions `actor` may take on `event` now (for buttons). Actions that need data
/// (dispatch target, hand-down level, merge target) are listed when some value would do.
pub fn allowed_actions(
    event: &Event,
    actor: &Actor,
    now: i64,
    rules: &EventRules,
) -> Vec<ActionKind> {
    let probes = [
        Action::Accept,
        Action::Reject { reason: "-" },
        Action::Dispatch { to: "-" },
        Action::Start,
        Action::Resolve,
        Action::Confirm,
        Action::Reopen { reason: "-" },
        Action::Close,
        Action::Escalate,
        Action::HandDown {
            to: Level::Community,
        },
        Action::HandDown { to: Level::Street },
        Action::MergeInto {
            primary: EventId(event.id.0.wrapping_add(1)),
            primary_state: EventState::Reported,
        },
    ];
    let mut kinds = Vec::new();
    for probe in probes {
        if decide(event, &probe, actor, now, event.version, rules).is_ok()
            && !kinds.contains(&probe.kind())
        {
            kinds.push(probe.kind());
        }
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::events::HOUR_MS;
    use crate::ops::events::fixtures::*;

    #[test]
    fn the_closed_loop_records_every_step() {
        let rules = EventRules::baseline();
        let people = People::new();
        let opened = open(
            EventId(1),
            report(),
            COMMUNITY,
            Some("g1"),
            Some(&reporter()),
            T0,
            &rules,
        )
        .unwrap();
        assert_eq!(opened.event.deadline, Some(T0 + LIMIT));
        assert_eq!(opened.step.action, ActionKind::Report);
        assert_eq!(
            (opened.step.actor.as_str(), opened.step.role),
            ("u1", OpsRole::Resident)
        );
        let mut event = opened.event;
        let mut steps = vec![opened.step];
        let script: [(Action, Actor, i64); 6] = [
            (Action::Accept, people.member(), T0 + HOUR_MS),
            (
                Action::Dispatch { to: "h1" },
                people.member(),
                T0 + 2 * HOUR_MS,
            ),
            (Action::Start, handler(), T0 + 3 * HOUR_MS),
            (Action::Resolve, handler(), T0 + 10 * HOUR_MS),
            (Action::Confirm, reporter(), T0 + 11 * HOUR_MS),
            (Action::Close, worker(), T0 + 12 * HOUR_MS),
        ];
        for (action, actor, at) in &script[..5] {
            let d = decide(&event, action, actor, *at, event.version, &rules).unwrap();
            event = d.event;
            steps.push(d.step);
        }
        let states: Vec<EventState> = steps.iter().map(|s| s.to_state).collect();
        assert_eq!(
            states,
            vec![
                EventState::Reported,
                EventState::Accepted,
                EventState::Dispatched,
                EventState::InProgress,
                EventState::Resolved,
                EventState::Closed
            ]
        );
        assert_eq!(
            steps.iter().map(|s| s.version).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6]
        );
        assert_eq!(
            steps.iter().map(|s| s.actor.as_str()).collect::<Vec<_>>(),
            vec!["u1", "m1", "m1", "h1", "h1", "u1"]
        );
        assert_eq!(steps[4].at, T0 + 10 * HOUR_MS);
        assert_eq!(steps[2].assignee.as_deref(), Some("h1"));
        assert_eq!(event.closed_at, Some(T0 + 11 * HOUR_MS));
        assert_eq!(event.resolved_at, Some(T0 + 10 * HOUR_MS));
        assert_eq!(event.updated_at, T0 + 11 * HOUR_MS);
        assert_eq!(event.deadline, None);
        assert!(!event.late);
        // A closed event takes nothing more.
        let (action, actor, at) = &script[5];
        assert_eq!(
            decide(&event, action, actor, *at, event.version, &rules),
            Err(EventRefusal::WrongState {
                action: ActionKind::Close,
                state: EventState::Closed
            })
        );
    }

    #[test]
    fn a_grid_member_on_patrol_reports_as_themselves() {
        let people = People::new();
        let rules = EventRules::baseline();
        let d = open(
            EventId(3),
            report(),
            COMMUNITY,
            Some("g1"),
            Some(&people.member()),
            T0,
            &rules,
        )
        .unwrap();
        assert_eq!(
            (d.step.actor.as_str(), d.step.role),
            ("m1", OpsRole::GridMember)
        );
        assert_eq!(d.event.reporter.as_deref(), Some("m1"));
        let anonymous = open(EventId(4), report(), COMMUNITY, None, None, T0, &rules).unwrap();
        assert_eq!(
            (anonymous.step.actor.as_str(), anonymous.event.reporter),
            ("anonymous", None)
        );
    }

    #[test]
    fn two_people_at_once_cannot_both_win() {
        let rules = EventRules::baseline();
        let people = People::new();
        let stored = opened(Some("u1"));
        let seen = stored.version;
        // Both load version 1 and press 受理.
        let first = decide(
            &stored,
            &Action::Accept,
            &people.member(),
            T0 + 1,
            seen,
            &rules,
        )
        .unwrap();
        let stored = first.event; // the store's compare-and-set on version 1 succeeded
        let second = decide(&stored, &Action::Accept, &worker(), T0 + 2, seen, &rules);
        assert_eq!(
            second,
            Err(EventRefusal::StaleVersion {
                event: EventId(1),
                expected: 1,
                actual: 2
            })
        );
        assert!(second.unwrap_err().zh().contains("刷新"));
        // Reloaded, the second finds the event already accepted.
        assert_eq!(
            decide(
                &stored,
                &Action::Accept,
                &worker(),
                T0 + 2,
                stored.version,
                &rules
            ),
            Err(EventRefusal::WrongState {
                action: ActionKind::Accept,
                state: EventState::Accepted
            })
        );
    }
    #[test]
    fn each_level_can_hand_back_down() {
        let e = opened(Some("u1"));
        let up = act(&e, Action::Escalate, &worker(), T0 + 1).unwrap();
        let top = act(&up, Action::Escalate, &street(), T0 + 2).unwrap();
        assert_eq!(
            act(
                &top,
                Action::HandDown {
                    to: Level::District
                },
                &district(),
                T0 + 3
            ),
            Err(EventRefusal::NotLower {
                from: Level::District,
                to: Level::District
            })
        );
        let down = act(
            &top,
            Action::HandDown {
                to: Level::Community,
            },
            &district(),
            T0 + 3,
        )
        .unwrap();
        assert_eq!(
            (down.level, down.state, down.assignee.clone()),
            (Level::Community, EventState::Accepted, None)
        );
        assert_eq!(down.deadline, Some(T0 + 3 + LIMIT));
        assert_eq!(
            act(
                &down,
                Action::HandDown {
                    to: Level::Community
                },
                &worker(),
                T0 + 4
            ),
            Err(EventRefusal::NotLower {
                from: Level::Community,
                to: Level::Community
            })
        );
        let street_only = act(
            &top,
            Action::HandDown { to: Level::Street },
            &district(),
            T0 + 3,
        )
        .unwrap();
        assert_eq!(street_only.level, Level::Street);
        assert!(matches!(
            act(
                &top,
                Action::HandDown { to: Level::Street },
                &Actor::system(),
                T0 + 3
            ),
            Err(EventRefusal::WrongLevel { .. })
        ));
    }

    #[test]
    fn rejecting_needs_a_reason_and_is_final() {
        let e = opened(Some("u1"));
        assert_eq!(
            act(&e, Action::Reject { reason: "" }, &worker(), T0),
            Err(EventRefusal::ReasonRequired {
                action: ActionKind::Reject
            })
        );
        let rejected = act(
            &e,
            Action::Reject {
                reason: "非本社区事务",
            },
            &worker(),
            T0 + 5,
        )
        .unwrap();
        assert_eq!(
            (rejected.state, rejected.closed_at, rejected.deadline),
            (EventState::Rejected, Some(T0 + 5), None)
        );
        assert!(rejected.state.is_final());
        assert!(act(&rejected, Action::Escalate, &worker(), T0 + 6).is_err());
    }

    #[test]
    fn duplicates_merge_into_an_open_primary() {
        let e = opened(Some("u1"));
        let merge = |primary: u64, primary_state| Action::MergeInto {
            primary: EventId(primary),
            primary_state,
        };
        assert_eq!(
            act(&e, merge(1, EventState::Reported), &worker(), T0),
            Err(EventRefusal::MergeIntoSelf)
        );
        assert_eq!(
            act(&e, merge(7, EventState::Closed), &worker(), T0),
            Err(EventRefusal::PrimaryFinal {
                primary: EventId(7),
                state: EventState::Closed
            })
        );
        let merged = act(&e, merge(7, EventState::InProgress), &worker(), T0 + 9).unwrap();
        assert_eq!(
            (merged.state, merged.merged_into, merged.closed_at),
            (EventState::Merged, Some(EventId(7)), Some(T0 + 9))
        );
        let resolved = act(
            &in_progress(Some("u1")),
            Action::Resolve,
            &handler(),
            T0 + 4,
        )
        .unwrap();
        assert!(matches!(
            act(&resolved, merge(7, EventState::Reported), &worker(), T0 + 5),
            Err(EventRefusal::WrongState { .. })
        ));
    }

    #[test]
    fn dispatch_needs_a_person_and_can_reassign() {
        let people = People::new();
        let accepted = act(&opened(Some("u1")), Action::Accept, &worker(), T0).unwrap();
        assert_eq!(
            act(&accepted, Action::Dispatch { to: " " }, &worker(), T0),
            Err(EventRefusal::NoAssignee)
        );
        let e = in_progress(Some("u1"));
        let reassigned = act(&e, Action::Dispatch { to: "h2" }, &people.member(), T0 + 9).unwrap();
        assert_eq!(
            (reassigned.state, reassigned.assignee.as_deref()),
            (EventState::Dispatched, Some("h2"))
        );
        assert_eq!(
            act(&reassigned, Action::Start, &handler(), T0 + 10),
            Err(EventRefusal::NotAssignee {
                action: ActionKind::Start
            })
        );
    }

    #[test]
    fn buttons_list_what_each_person_may_do() {
        let rules = EventRules::baseline();
        let people = People::new();
        let e = opened(Some("u1"));
        assert_eq!(
            allowed_actions(&e, &people.member(), T0, &rules),
            vec![
                ActionKind::Accept,
                ActionKind::Reject,
                ActionKind::Escalate,
                ActionKind::MergeInto
            ]
        );
        assert!(allowed_actions(&e, &reporter(), T0, &rules).is_empty());
        assert!(allowed_actions(&e, &Actor::system(), T0, &rules).is_empty());
        assert_eq!(
            allowed_actions(&e, &Actor::system(), T0 + LIMIT + 1, &rules),
            vec![ActionKind::Escalate]
        );
        let resolved = act(
            &in_progress(Some("u1")),
            Action::Resolve,
            &handler(),
            T0 + 4,
        )
        .unwrap();
        assert_eq!(
            allowed_actions(&resolved, &reporter(), T0 + 5, &rules),
            vec![ActionKind::Confirm, ActionKind::Reopen]
        );
        let up = act(&e, Action::Escalate, &worker(), T0).unwrap();
        assert!(allowed_actions(&up, &street(), T0, &rules).contains(&ActionKind::HandDown));
    }
}
