//! Deciding on results: approval one at a time or several at once, sending a result back for
//! scoring (退回) with 审批意见, a step taken from a form read at a known version, and what
//! happens next to an entry, in a sentence naming the unit that does it.

use std::collections::HashMap;

use xingfu_core::Standard;
use xingfu_core::standard::GovLevel;
use xingfu_core::workflow::{Action, approval_level, next_step};
use xingfu_store::rounds::{EntryChange, EntryRow};

use super::service::{self, Step, apply, deciding, load_visible};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::app::versions;
use crate::i18n::Lang;
use crate::i18n::workflow::{Units, next_step_sentence};

/// What an entry's forms name when a step was refused because the entry moved on.
const ENTRY: versions::Subject =
    versions::Subject::new("该社区的评定记录", "This community's result");

/// Refuses a form read at `read_at` when the entry is at another version now.
async fn still_at(
    state: &AppState,
    entry: &EntryRow,
    read_at: Option<i64>,
    lang: Lang,
) -> Result<(), AppError> {
    match read_at {
        Some(version) if version != entry.version => {
            Err(versions::stale(state, lang, ENTRY, entry.version, None, None).await)
        }
        _ => Ok(()),
    }
}

/// Approval by the level the standard requires for the star.
pub async fn approve(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    approve_at(state, user, (round_id, community), None, lang).await
}

/// Approval by the level the standard requires for the star, from a form read at `read_at`
/// (`None`: whatever the entry is now).
pub async fn approve_at(
    state: &AppState,
    user: &CurrentUser,
    (round_id, community): (&str, &str),
    read_at: Option<i64>,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    let (_, entry, to) =
        deciding(state, user, (round_id, community), Action::Approve, lang).await?;
    still_at(state, &entry, read_at, lang).await?;
    let change = EntryChange {
        approved_by: Some(user.user.username.clone()),
        approved_at: Some(now_ms()),
        ..EntryChange::default()
    };
    apply(state, &entry, to, change, "approve", user, lang).await
}

/// Sends a computed (or approved, not yet published) result back for scoring (退回), by the
/// level that approves it, with its 审批意见: required, kept on the entry for the community
/// and in the audit trail.
pub async fn send_back(
    state: &AppState,
    user: &CurrentUser,
    (round_id, community): (&str, &str),
    read_at: Option<i64>,
    note: &str,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    let note = service::objection_text(note, lang.pick("审批意见", "Approval note"), lang)?;
    let (_, entry, to) =
        deciding(state, user, (round_id, community), Action::SendBack, lang).await?;
    still_at(state, &entry, read_at, lang).await?;
    let change = EntryChange {
        return_note: Some(note.to_string()),
        ..EntryChange::default()
    };
    apply(state, &entry, to, change, "send_back", user, lang).await
}

/// Takes `step` on an entry (the pages and the API share the dispatch).
pub async fn take_step(
    state: &AppState,
    user: &CurrentUser,
    (round_id, community): (&str, &str),
    step: Step,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    match step {
        Step::Check => service::check(state, user, round_id, community, lang).await,
        Step::Compute => service::compute(state, user, round_id, community, lang).await,
        Step::Approve => approve(state, user, round_id, community, lang).await,
        Step::Publish => service::publish(state, user, round_id, community, lang).await,
        Step::Name => service::name(state, user, round_id, community, lang).await,
    }
}

/// A workflow step from a page's button, refused if the entry changed since the page was read.
pub async fn take_step_at(
    state: &AppState,
    user: &CurrentUser,
    (round_id, community): (&str, &str),
    step: Step,
    read_at: Option<i64>,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    if let Step::Approve = step {
        return approve_at(state, user, (round_id, community), read_at, lang).await;
    }
    let (_, _, entry) = load_visible(state, user, round_id, community, lang).await?;
    still_at(state, &entry, read_at, lang).await?;
    take_step(state, user, (round_id, community), step, lang).await
}

/// One result of a batch approval that was not approved, and why.
#[derive(Debug, Clone)]
pub struct NotApproved {
    pub code: String,
    pub name: String,
    pub reason: String,
    /// `stale` (changed after the page was read) or `refused` (no longer this user's to approve).
    pub kind: &'static str,
}

/// What a batch approval did: each picked result is approved or refused on its own.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub approved: Vec<String>,
    pub refused: Vec<NotApproved>,
}

/// Approves several results at once: each `(community, version read)` is checked by the same
/// rules as one approval; one refused (stale, moved on, not this level's) leaves the others'
/// approvals standing and is reported by name.
pub async fn approve_many(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    picks: &[(String, Option<i64>)],
    lang: Lang,
) -> Result<Batch, AppError> {
    if picks.is_empty() {
        return Err(AppError::BadRequest(lang.text(
            "pick\u{ff1a}请至少勾选一个要审批的社区",
            "pick: tick at least one community to approve",
        )));
    }
    let mut batch = Batch::default();
    for (code, read_at) in picks {
        match approve_at(state, user, (round_id, code), *read_at, lang).await {
            Ok(entry) => batch.approved.push(entry.community_code),
            Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
            Err(refusal) => {
                use crate::app::error::Shown;
                let kind = match refusal {
                    AppError::Stale(_) | AppError::Conflict(_) => "stale",
                    _ => "refused",
                };
                let reason = match refusal.shown() {
                    Shown::Forbidden(text) | Shown::Problem(text) => text,
                    _ => lang
                        .pick(
                            "找不到该社区的评定记录",
                            "this community's result is not found",
                        )
                        .to_string(),
                };
                let name = match state.store.region(code).await? {
                    Some(region) => region.name,
                    None => code.clone(),
                };
                batch.refused.push(NotApproved {
                    code: code.clone(),
                    name,
                    reason,
                    kind,
                });
            }
        }
    }
    Ok(batch)
}

/// The names of the units that act on entries, read once per page.
#[derive(Debug, Default)]
pub struct UnitNames {
    names: HashMap<String, String>,
}

impl UnitNames {
    /// The name of the `level` unit over `entry`'s community: its street, district or city.
    pub async fn of(
        &mut self,
        state: &AppState,
        entry: &EntryRow,
        level: GovLevel,
        lang: Lang,
    ) -> Result<String, AppError> {
        let code = &entry.community_code;
        let unit = match level {
            GovLevel::Street => {
                if let Some(name) = &entry.street_name {
                    return Ok(name.clone());
                }
                xingfu_core::region::street_of(code)
            }
            GovLevel::District => xingfu_core::region::district_of(code),
            GovLevel::City => code.get(..4).map(|c| format!("{c}00000000")),
            GovLevel::Province => code.get(..2).map(|c| format!("{c}0000000000")),
            GovLevel::Community => Some(code.clone()),
        };
        let fallback = || lang.pick(level.zh(), level.key()).to_string();
        let Some(unit) = unit else {
            return Ok(fallback());
        };
        if let Some(name) = self.names.get(&unit) {
            return Ok(name.clone());
        }
        let name = match state.store.region(&unit).await? {
            Some(region) => region.name,
            None => fallback(),
        };
        self.names.insert(unit, name.clone());
        Ok(name)
    }
}

/// The level that approves `entry`'s result under `standard`.
pub fn deciding_level(standard: &Standard, entry: &EntryRow) -> GovLevel {
    let star = entry.star.unwrap_or(0).clamp(0, 5) as u8;
    let previous = entry.previous_star.clamp(0, 5) as u8;
    approval_level(standard, star, previous)
}

/// What happens next to `entry` and who does it, as a sentence in `lang`.
pub async fn next_step_text(
    state: &AppState,
    units: &mut UnitNames,
    standard: &Standard,
    entry: &EntryRow,
    lang: Lang,
) -> Result<String, AppError> {
    let stage = entry.stage;
    let over = entry.objection_until.is_some_and(|until| now_ms() >= until);
    let step = next_step(stage, deciding_level(standard, entry), over);
    let acting = match step.who {
        xingfu_core::workflow::Who::Admin(level) => units.of(state, entry, level, lang).await?,
        _ => String::new(),
    };
    let then = match step.next {
        xingfu_core::workflow::Next::Score { then }
        | xingfu_core::workflow::Next::Objections { then } => {
            units.of(state, entry, then, lang).await?
        }
        _ => String::new(),
    };
    let until = entry
        .objection_until
        .map(|at| clock(lang, at))
        .unwrap_or_default();
    Ok(next_step_sentence(
        lang,
        step,
        &Units {
            acting: &acting,
            then: &then,
            until: &until,
        },
    ))
}

/// A moment as pages write it: 2026年12月2日 14:30, or 2026-12-02 14:30 in English.
pub fn clock(lang: Lang, ms: i64) -> String {
    if lang.is_en() {
        xingfu_core::dates::local_text(ms)
    } else {
        versions::zh_time(ms)
    }
}

/// The names of communities by code, in order; a code that is not a community is left out.
pub async fn community_names(state: &AppState, codes: &[&str]) -> Result<Vec<String>, AppError> {
    let mut names = Vec::new();
    for code in codes {
        names.push(match state.store.region(code).await? {
            Some(region) if region.level == "community" => region.name,
            _ => continue,
        });
    }
    Ok(names)
}
