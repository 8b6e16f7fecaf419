//! The checks an action must pass: the event's state, and who may act on it at its level.

use super::{ActionKind, Event, EventRefusal, EventState};
use crate::ops::{Actor, OpsRole};
/// May `actor` handle (accept, dispatch, escalate, …) `event` at its current level?
pub(super) fn require_handler(event: &Event, actor: &Actor) -> Result<(), EventRefusal> {
    if actor.role == OpsRole::System {
        return Ok(());
    }
    let actor_level = actor.role.handling_level();
    if actor_level != Some(event.level) {
        return Err(EventRefusal::WrongLevel {
            event_level: event.level,
            actor_level,
        });
    }
    if !actor.covers(&event.community) {
        return Err(EventRefusal::OutsideArea {
            community: event.community.clone(),
        });
    }
    if actor.role == OpsRole::GridMember {
        match &event.grid {
            None => return Err(EventRefusal::NoGrid),
            Some(grid) if !actor.serves_grid(grid) => {
                return Err(EventRefusal::NotYourGrid { grid: grid.clone() });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Staff only: the system acts only where a rule says so (escalate, close).
pub(super) fn require_staff(event: &Event, actor: &Actor) -> Result<(), EventRefusal> {
    if actor.role == OpsRole::System {
        return Err(EventRefusal::WrongLevel {
            event_level: event.level,
            actor_level: None,
        });
    }
    require_handler(event, actor)
}

pub(super) fn require_assignee(
    event: &Event,
    actor: &Actor,
    action: ActionKind,
) -> Result<(), EventRefusal> {
    if event.assignee.as_deref() == Some(actor.person) && actor.role != OpsRole::System {
        Ok(())
    } else {
        Err(EventRefusal::NotAssignee { action })
    }
}

pub(super) fn require_reporter(
    event: &Event,
    actor: &Actor,
    action: ActionKind,
) -> Result<(), EventRefusal> {
    if event.reporter.as_deref() == Some(actor.person) && actor.role != OpsRole::System {
        Ok(())
    } else {
        Err(EventRefusal::NotReporter { action })
    }
}

pub(super) fn require_state(
    event: &Event,
    action: ActionKind,
    allowed: impl Fn(EventState) -> bool,
) -> Result<(), EventRefusal> {
    if allowed(event.state) {
        Ok(())
    } else {
        Err(EventRefusal::WrongState {
            action,
            state: event.state,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::events::fixtures::*;
    use crate::ops::events::{Action, ActionKind, EventRefusal};
    use crate::ops::{Actor, Level, OpsRole};

    #[test]
    fn only_the_right_people_act() {
        let people = People::new();
        let e = opened(Some("u1"));
        assert_eq!(
            act(&e, Action::Accept, &people.other_member(), T0),
            Err(EventRefusal::NotYourGrid { grid: "g1".into() })
        );
        assert_eq!(
            act(
                &e,
                Action::Accept,
                &Actor::new("w9", OpsRole::CommunityWorker, "610302001004"),
                T0
            ),
            Err(EventRefusal::OutsideArea {
                community: COMMUNITY.into()
            })
        );
        assert_eq!(
            act(&e, Action::Accept, &street(), T0),
            Err(EventRefusal::WrongLevel {
                event_level: Level::Community,
                actor_level: Some(Level::Street)
            })
        );
        assert_eq!(
            act(&e, Action::Accept, &reporter(), T0),
            Err(EventRefusal::WrongLevel {
                event_level: Level::Community,
                actor_level: None
            })
        );
        assert_eq!(
            act(&e, Action::Accept, &Actor::system(), T0),
            Err(EventRefusal::WrongLevel {
                event_level: Level::Community,
                actor_level: None
            })
        );
        assert!(act(&e, Action::Accept, &worker(), T0).is_ok());
        // A community-level event (no grid) is for community workers, not grid members.
        let mut no_grid = e.clone();
        no_grid.grid = None;
        assert_eq!(
            act(&no_grid, Action::Accept, &people.member(), T0),
            Err(EventRefusal::NoGrid)
        );

        let e = in_progress(Some("u1"));
        assert_eq!(
            act(&e, Action::Resolve, &worker(), T0 + 4),
            Err(EventRefusal::NotAssignee {
                action: ActionKind::Resolve
            })
        );
        assert_eq!(
            act(&e, Action::Resolve, &Actor::system(), T0 + 4),
            Err(EventRefusal::NotAssignee {
                action: ActionKind::Resolve
            })
        );
        let resolved = act(&e, Action::Resolve, &handler(), T0 + 4).unwrap();
        assert_eq!(
            act(&resolved, Action::Confirm, &handler(), T0 + 5),
            Err(EventRefusal::NotReporter {
                action: ActionKind::Confirm
            })
        );
        assert_eq!(
            act(
                &resolved,
                Action::Reopen {
                    reason: "没修好"
                },
                &Actor::new("u2", OpsRole::Resident, COMMUNITY),
                T0 + 5
            ),
            Err(EventRefusal::NotReporter {
                action: ActionKind::Reopen
            })
        );
    }
}
