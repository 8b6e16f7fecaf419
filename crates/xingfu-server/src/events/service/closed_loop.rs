//! The closed loop: acting on an event with the core's rules and optimistic concurrency, and
//! the live events that may be the same problem.

use xingfu_core::ops::Level;
use xingfu_core::ops::dedupe::{Candidate, DedupeWindow, Suggestion, suggest_for};
use xingfu_core::ops::events::{Action, Event, EventId, EventRefusal, decide};
use xingfu_core::region;
use xingfu_store::Store;
use xingfu_store::events::{PhotoStage, StepConflict};

use super::ops::{OpsPerson, refusal_text, rules};
use super::photos::{CleanPhoto, discard, store_photos};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// An action as a form sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Accept,
    Reject { reason: String },
    Dispatch { to: String },
    Start,
    Resolve,
    Confirm,
    Reopen { reason: String },
    Close,
    Escalate,
    HandDown { to: Level },
    MergeInto { primary: EventId },
}

impl Command {
    /// Reads an action from form fields: `action`, and `reason`, `to`, `level` or `primary`.
    pub fn parse(field: impl Fn(&str) -> Option<String>, lang: Lang) -> Result<Command, String> {
        let text = |name: &str| field(name).unwrap_or_default();
        let action = text("action");
        Ok(match action.as_str() {
            "accept" => Command::Accept,
            "reject" => Command::Reject {
                reason: text("reason"),
            },
            "dispatch" => Command::Dispatch { to: text("to") },
            "start" => Command::Start,
            "resolve" => Command::Resolve,
            "confirm" => Command::Confirm,
            "reopen" => Command::Reopen {
                reason: text("reason"),
            },
            "close" => Command::Close,
            "escalate" => Command::Escalate,
            "hand_down" => Command::HandDown {
                to: Level::parse(&text("level")).ok_or_else(|| {
                    lang.pick("请选择交回的层级", "choose the level to hand down to")
                        .to_string()
                })?,
            },
            "merge_into" => Command::MergeInto {
                primary: text("primary")
                    .trim()
                    .trim_start_matches('#')
                    .parse::<u64>()
                    .map(EventId)
                    .map_err(|_| {
                        lang.pick(
                            "请填写要合并到的事件编号",
                            "give the number of the event to merge into",
                        )
                        .to_string()
                    })?,
            },
            other => {
                return Err(if lang.is_en() {
                    format!("unknown action {other:?}")
                } else {
                    format!("未知的操作：{other}")
                });
            }
        })
    }
}

/// Why acting on an event did not happen.
#[derive(Debug)]
pub enum ActError {
    /// The rules refuse it, or the input is wrong: the message, in the caller's language.
    Refused(String),
    /// Someone else changed the event first (HTTP 409).
    Conflict(String),
    App(AppError),
}

impl From<AppError> for ActError {
    fn from(e: AppError) -> ActError {
        ActError::App(e)
    }
}

impl From<xingfu_store::StoreError> for ActError {
    fn from(e: xingfu_store::StoreError) -> ActError {
        ActError::App(e.into())
    }
}

fn stale_message(id: EventId, lang: Lang) -> String {
    let refusal = EventRefusal::StaleVersion {
        event: id,
        expected: 0,
        actual: 0,
    };
    if lang.is_en() {
        format!("event {id} has changed since you loaded it; reload the page and try again")
    } else {
        refusal.zh()
    }
}

/// Acts on event `id` as `person`, from the version they saw, with `note` recorded on the step
/// when the rules keep none of their own, and `after_photos` (cleaned) with a resolution.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    state: &AppState,
    person: &OpsPerson,
    id: EventId,
    seen_version: u64,
    command: &Command,
    note: Option<&str>,
    after_photos: Vec<CleanPhoto>,
    now: i64,
    lang: Lang,
) -> Result<Event, ActError> {
    let event = state
        .store
        .event(id)
        .await?
        .ok_or(ActError::App(AppError::NotFound))?;
    if !person.may_see(&event) {
        return Err(ActError::App(AppError::NotFound));
    }
    if !after_photos.is_empty() && *command != Command::Resolve {
        return Err(ActError::Refused(
            lang.pick(
                "处置后的照片只能在“处置完成”时上传",
                "photos of the result go with “resolve”",
            )
            .to_string(),
        ));
    }
    let primary = match command {
        Command::MergeInto { primary } => {
            let found = state.store.event_state(*primary).await?;
            match found {
                Some(p) if person.actor().covers(&p.community) => Some(p),
                _ => {
                    return Err(ActError::Refused(if lang.is_en() {
                        format!("there is no event {primary} in your area")
                    } else {
                        format!("您的管辖范围内没有事件 {primary}")
                    }));
                }
            }
        }
        _ => None,
    };
    if let Command::Dispatch { to } = command {
        let to = to.trim();
        if !to.is_empty()
            && state
                .store
                .user_by_username(to)
                .await?
                .is_none_or(|u| u.disabled)
        {
            return Err(ActError::Refused(if lang.is_en() {
                format!("there is no account {to:?} to dispatch to")
            } else {
                format!("没有账号“{to}”，无法派遣")
            }));
        }
    }
    let action = match command {
        Command::Accept => Action::Accept,
        Command::Reject { reason } => Action::Reject { reason },
        Command::Dispatch { to } => Action::Dispatch { to: to.trim() },
        Command::Start => Action::Start,
        Command::Resolve => Action::Resolve,
        Command::Confirm => Action::Confirm,
        Command::Reopen { reason } => Action::Reopen { reason },
        Command::Close => Action::Close,
        Command::Escalate => Action::Escalate,
        Command::HandDown { to } => Action::HandDown { to: *to },
        Command::MergeInto { primary: p } => Action::MergeInto {
            primary: *p,
            primary_state: primary
                .as_ref()
                .map_or(xingfu_core::ops::events::EventState::Closed, |e| e.state),
        },
    };
    let mut decision = match decide(&event, &action, &person.actor(), now, seen_version, rules()) {
        Ok(d) => d,
        Err(EventRefusal::StaleVersion { .. }) => {
            return Err(ActError::Conflict(stale_message(id, lang)));
        }
        Err(refusal) => return Err(ActError::Refused(refusal_text(&refusal, lang))),
    };
    if decision.step.note.is_none()
        && let Some(note) = note.map(str::trim).filter(|n| !n.is_empty())
    {
        decision.step.note = Some(note.chars().take(500).collect());
    }
    let stored = store_photos(state, after_photos, PhotoStage::After).await?;
    match state
        .store
        .apply_event_step(seen_version, &decision, &stored)
        .await
    {
        Ok(Ok(())) => Ok(decision.event),
        Ok(Err(conflict)) => {
            discard(state, &stored).await;
            Err(match conflict {
                StepConflict::Stale { .. } => ActError::Conflict(stale_message(id, lang)),
                StepConflict::PrimaryFinal { primary, state: s } => ActError::Conflict(
                    refusal_text(&EventRefusal::PrimaryFinal { primary, state: s }, lang),
                ),
            })
        }
        Err(e) => {
            discard(state, &stored).await;
            Err(e.into())
        }
    }
}

/// Live events that may be the same problem as `event` (same category, within the default
/// window of distance and time, anywhere in its district), nearest first.
pub async fn duplicate_suggestions(
    store: &Store,
    event: &Event,
) -> Result<Vec<(Suggestion, Event)>, AppError> {
    let window = DedupeWindow::default();
    let Some(district) = region::district_of(&event.community) else {
        return Ok(Vec::new());
    };
    let others = store
        .live_events_between(
            &district[..6],
            &event.category,
            event.reported_at.saturating_sub(window.max_ms),
            event.reported_at.saturating_add(window.max_ms),
        )
        .await?;
    // Only events with a position can be near one another.
    if !event.located {
        return Ok(Vec::new());
    }
    let candidates: Vec<Candidate> = others
        .iter()
        .filter(|e| e.located)
        .map(Candidate::from)
        .collect();
    let found = suggest_for(&Candidate::from(event), &candidates, window);
    Ok(found
        .into_iter()
        .filter_map(|s| {
            let other = if s.primary == event.id {
                s.duplicate
            } else {
                s.primary
            };
            others
                .iter()
                .find(|e| e.id == other)
                .map(|e| (s, e.clone()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_read_from_form_fields() {
        let form = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Command::parse(
                form(&[("action", "merge_into"), ("primary", " #12 ")]),
                Lang::Zh
            ),
            Ok(Command::MergeInto {
                primary: EventId(12)
            })
        );
        assert_eq!(
            Command::parse(
                form(&[("action", "hand_down"), ("level", "街道")]),
                Lang::Zh
            ),
            Ok(Command::HandDown { to: Level::Street })
        );
        assert!(
            Command::parse(
                form(&[("action", "hand_down"), ("level", "city")]),
                Lang::Zh
            )
            .is_err()
        );
        assert!(Command::parse(form(&[("action", "merge_into")]), Lang::En).is_err());
        assert_eq!(
            Command::parse(form(&[("action", "fly")]), Lang::Zh),
            Err("未知的操作：fly".to_string())
        );
    }
}
