//! 随手拍 in the 待办 list: the events waiting for this person to act, by the state they are
//! in and the person's duty. Candidates are read by state and area (or by handler and
//! reporter) with a bound; whether the person may act is the core's rule
//! ([`allowed_actions`]), never a copy of it. The due time is the event's deadline at its
//! current step: the handling limit while open, the confirmation window once resolved.

use xingfu_core::ops::events::{ActionKind, EventState, allowed_actions};
use xingfu_core::region;
use xingfu_core::todo::{TodoItem, TodoKind};
use xingfu_store::events::{Waiting, WaitingEvent};

use super::ops::{OpsPerson, ops_person, rules};
use xingfu_core::text::shorten;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;

/// The most candidates one list reads per duty.
pub const TODO_LIMIT: i64 = 200;
/// How much of a description the subject keeps.
const SUBJECT_CHARS: usize = 20;

/// The events waiting for `user` at `now_ms`, each once, with the step they wait for.
pub async fn todo(
    state: &AppState,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<Vec<TodoItem>, AppError> {
    let Some(person) = ops_person(&state.store, user).await? else {
        return Ok(Vec::new());
    };
    let mut found = candidates(state, &person).await?;
    found.sort_by_key(|w| w.event.id);
    found.dedup_by_key(|w| w.event.id);
    let actor = person.actor();
    Ok(found
        .iter()
        .filter_map(|w| {
            let allowed = allowed_actions(&w.event, &actor, now_ms, rules());
            kind_for(w.event.state, &allowed).map(|kind| item(kind, w))
        })
        .collect())
}

/// What may wait for the person: at their level in their area (to accept, dispatch, or close
/// an anonymous report), dispatched to them (to handle), reported by them (to confirm).
async fn candidates(state: &AppState, person: &OpsPerson) -> Result<Vec<WaitingEvent>, AppError> {
    let store = &state.store;
    let mut found = Vec::new();
    if let Some(level) = person.role.handling_level() {
        let prefix = region::subtree_prefix(&person.region, person.role.region_level());
        let at_level = |anonymous| Waiting::AtLevel {
            prefix,
            level,
            anonymous,
        };
        let open = [EventState::Reported, EventState::Accepted];
        found.extend(
            store
                .events_waiting(at_level(false), &open, TODO_LIMIT)
                .await?,
        );
        let resolved = [EventState::Resolved];
        found.extend(
            store
                .events_waiting(at_level(true), &resolved, TODO_LIMIT)
                .await?,
        );
    }
    let handling = [EventState::Dispatched, EventState::InProgress];
    let mine = Waiting::AssignedTo(&person.username);
    found.extend(store.events_waiting(mine, &handling, TODO_LIMIT).await?);
    let reported = Waiting::ReportedBy(&person.username);
    found.extend(
        store
            .events_waiting(reported, &[EventState::Resolved], TODO_LIMIT)
            .await?,
    );
    Ok(found)
}

/// The step an event in `state` waits for, when the person may take it.
fn kind_for(state: EventState, allowed: &[ActionKind]) -> Option<TodoKind> {
    let may = |action| allowed.contains(&action);
    match state {
        EventState::Reported if may(ActionKind::Accept) => Some(TodoKind::AcceptEvent),
        EventState::Accepted if may(ActionKind::Dispatch) => Some(TodoKind::DispatchEvent),
        EventState::Dispatched if may(ActionKind::Start) => Some(TodoKind::HandleEvent),
        EventState::InProgress if may(ActionKind::Resolve) => Some(TodoKind::HandleEvent),
        EventState::Resolved if may(ActionKind::Confirm) || may(ActionKind::Close) => {
            Some(TodoKind::ConfirmEvent)
        }
        _ => None,
    }
}

fn item(kind: TodoKind, w: &WaitingEvent) -> TodoItem {
    let e = &w.event;
    let category = rules()
        .category(&e.category)
        .map_or(e.category.as_str(), |c| c.zh.as_str());
    let mut subject = format!("#{} {category}", e.id);
    if !e.description.is_empty() {
        subject.push('\u{ff1a}');
        subject.push_str(&shorten(&e.description, SUBJECT_CHARS));
    }
    let context = match &w.grid_name {
        Some(grid) => format!("{}\u{b7}{grid}", w.community_name),
        None => w.community_name.clone(),
    };
    TodoItem {
        kind,
        subject,
        context,
        due_ms: e.deadline,
        link: format!("/events/{}", e.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_waits_for_its_own_step() {
        use ActionKind as A;
        assert_eq!(
            kind_for(EventState::Reported, &[A::Accept, A::Reject]),
            Some(TodoKind::AcceptEvent)
        );
        assert_eq!(kind_for(EventState::Reported, &[A::Escalate]), None);
        assert_eq!(
            kind_for(EventState::Accepted, &[A::Dispatch]),
            Some(TodoKind::DispatchEvent)
        );
        // A dispatcher may dispatch again while it is being handled: not their step.
        assert_eq!(kind_for(EventState::InProgress, &[A::Dispatch]), None);
        assert_eq!(
            kind_for(EventState::Dispatched, &[A::Start]),
            Some(TodoKind::HandleEvent)
        );
        assert_eq!(
            kind_for(EventState::Resolved, &[A::Confirm, A::Reopen]),
            Some(TodoKind::ConfirmEvent)
        );
        assert_eq!(
            kind_for(EventState::Resolved, &[A::Close]),
            Some(TodoKind::ConfirmEvent)
        );
        assert_eq!(kind_for(EventState::Closed, &[]), None);
    }
}
