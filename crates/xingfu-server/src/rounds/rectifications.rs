//! Rectification tasks (整改): opening a task for every clause the panel did not score in full,
//! and moving a task on (the community's report, the street's or district's check). The states
//! and who may move them are the core's ([`xingfu_core::rectification`]); stored strings are
//! their keys.

use xingfu_core::Standard;
use xingfu_core::rectification::{RectificationStatus, TaskStep, may_take};
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::{By, RectificationRow, TaskAt};

use super::service;
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::app::versions;
use crate::i18n::Lang;

/// Longest rectification report kept, in characters.
const MAX_REPORT: usize = 2000;

/// An administrator whose area covers the community (the service's rule for check, compute,
/// publish, name and opening tasks).
pub fn admin_of(user: &CurrentUser, community: &str) -> bool {
    user.role.level().is_some() && user.actor().covers(community)
}

/// A task's status in words (an unknown one as stored).
pub fn status_label(lang: Lang, status: RectificationStatus) -> String {
    let (zh, en) = status.words();
    lang.pick(zh, en).to_string()
}

/// May `user` take `step` on a task of `community` at `status` (as stored)?
pub fn may_move(
    user: &CurrentUser,
    step: TaskStep,
    community: &str,
    status: RectificationStatus,
) -> bool {
    user.actor().covers(community) && may_take(step, user.role, Some(status))
}

/// The clauses the panel did not score in full (veto items aside), in the standard's order.
pub async fn unmet_clauses(
    state: &AppState,
    standard: &Standard,
    round_id: &str,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let Some(card) = service::panel(state, standard, round_id, code).await? else {
        return Ok(Vec::new());
    };
    let mut unmet = Vec::new();
    for clause in standard.clauses().filter(|c| !c.veto) {
        let short = card.sheets.iter().any(|sheet| {
            sheet
                .categories
                .iter()
                .flat_map(|c| c.items.iter())
                .flat_map(|i| i.clauses.iter())
                .any(|s| s.id == clause.id && s.earned < s.max)
        });
        if short {
            unmet.push(clause.id.clone());
        }
    }
    Ok(unmet)
}

/// A date `YYYY-MM-DD` as the last minute of that day in China Standard Time, in Unix
/// milliseconds; or why it is not a date (Chinese, English).
pub fn parse_date(text: &str) -> Result<i64, (String, String)> {
    xingfu_core::dates::parse_day(text)
        // 23:59 that day.
        .map(|day| day.unix_ms() + (23 * 60 + 59) * 60_000)
        .map_err(|error| (error.zh(), error.en()))
}

/// Opens a task for every unmet clause of a rated entry, due at the end of `deadline` (as
/// typed): how many were opened, or what is wrong with the deadline.
pub async fn open_tasks(
    state: &AppState,
    user: &CurrentUser,
    (round_id, code): (&str, &str),
    deadline: &str,
    lang: Lang,
) -> Result<Result<usize, String>, AppError> {
    let (_, standard, entry) = service::load_visible(state, user, round_id, code, lang).await?;
    if !admin_of(user, code) {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有本辖区的管理员可以开立整改任务",
                "only an administrator of this area opens rectification tasks",
            )
            .into(),
        ));
    }
    let rated = matches!(
        entry.stage,
        Stage::Computed | Stage::Approved | Stage::Published | Stage::Named
    );
    if !rated {
        return Err(AppError::Conflict(
            lang.pick(
                "计算得分之后才能开立整改任务",
                "rectification tasks are opened once the score is computed",
            )
            .into(),
        ));
    }
    let deadline = match parse_date(deadline) {
        Ok(ms) => ms,
        Err((zh, en)) => {
            return Ok(Err(if lang.is_en() {
                format!("Deadline: {en}")
            } else {
                format!("整改期限：{zh}")
            }));
        }
    };
    let now = now_ms();
    if deadline < now {
        return Ok(Err(lang
            .pick(
                "整改期限：期限不能早于今天",
                "Deadline: the deadline cannot be in the past",
            )
            .into()));
    }
    let clauses = unmet_clauses(state, &standard, round_id, code).await?;
    Ok(Ok(state
        .store
        .open_rectifications(
            round_id,
            code,
            &clauses,
            &entry.community_name,
            deadline,
            now,
        )
        .await?))
}

/// Why a rectification step did not happen.
pub enum TaskRefusal {
    /// The report is missing or too long: the message names the field.
    Report(String),
    Refused(AppError),
}

impl From<AppError> for TaskRefusal {
    fn from(error: AppError) -> Self {
        TaskRefusal::Refused(error)
    }
}

impl From<xingfu_store::StoreError> for TaskRefusal {
    fn from(error: xingfu_store::StoreError) -> Self {
        TaskRefusal::Refused(error.into())
    }
}

/// The report as kept: trimmed, present and not too long.
fn checked_report(report: &str, lang: Lang) -> Result<&str, TaskRefusal> {
    let report = report.trim();
    if report.is_empty() {
        return Err(TaskRefusal::Report(
            lang.pick(
                "整改情况：请写明整改了什么、佐证材料在哪里",
                "Report: say what was done and where the evidence is",
            )
            .into(),
        ));
    }
    if report.chars().count() > MAX_REPORT {
        return Err(TaskRefusal::Report(
            lang.pick(
                "整改情况：不能超过 2000 字",
                "Report: at most 2000 characters",
            )
            .into(),
        ));
    }
    Ok(report)
}

/// Moves a rectification task one step (the pages' and the API's rule): a community worker
/// submits the report on an open or reopened task; a street or district administrator verifies
/// or reopens a submitted one. A task moved by someone else meanwhile is a conflict; with
/// `read_at` (the version a page was read at), so is a task changed since then — a verifier never
/// verifies a report submitted again after the page showed the earlier one.
pub async fn move_task(
    state: &AppState,
    user: &CurrentUser,
    (round_id, id): (&str, &str),
    step: TaskStep,
    report: &str,
    read_at: Option<i64>,
    lang: Lang,
) -> Result<RectificationRow, TaskRefusal> {
    let task = state
        .store
        .rectification(id)
        .await?
        .filter(|task| task.round_id == round_id)
        .ok_or(AppError::NotFound)?;
    if !user.actor().covers(&task.community_code) {
        return Err(AppError::Forbidden(lang.t().forbidden.into()).into());
    }
    if read_at.is_some_and(|read_at| read_at != task.version) {
        return Err(task_stale(state, &task, lang).await.into());
    }
    // Verifying and sending back ask the same of the task: submitted, by an administrator.
    let asked = if step == TaskStep::Submit {
        TaskStep::Submit
    } else {
        TaskStep::Verify
    };
    if !may_move(user, asked, &task.community_code, task.status) {
        return Err(refusal(lang, user, task.status, asked).into());
    }
    let (report, verifier) = match step {
        TaskStep::Submit => (Some(checked_report(report, lang)?), None),
        TaskStep::Verify | TaskStep::Reopen => (None, Some(user.user.username.as_str())),
    };
    let from = TaskAt {
        status: task.status,
        version: task.version,
    };
    let by = By {
        actor: &user.user.username,
        at: now_ms(),
    };
    let moved = state
        .store
        .update_rectification(&task.id, from, step.to(), report, verifier, by)
        .await?;
    match moved {
        Ok(row) => Ok(row),
        Err(_) => {
            let now = state.store.rectification(id).await?.unwrap_or(task);
            Err(task_stale(state, &now, lang).await.into())
        }
    }
}

/// The refusal of a step on a task changed since it was read, naming the last step's author
/// from the audit trail.
async fn task_stale(state: &AppState, task: &RectificationRow, lang: Lang) -> AppError {
    let marker = format!("\"rectification\":\"{}\"", task.id);
    let last = match state.store.audit_for_community(&task.community_code).await {
        Ok(trail) => trail.into_iter().rev().find(|row| {
            row.action == "rectification"
                && row.after.as_deref().is_some_and(|a| a.contains(&marker))
        }),
        Err(error) => return error.into(),
    };
    versions::stale(
        state,
        lang,
        versions::TASK,
        task.version,
        last.as_ref().map(|row| row.actor.as_str()),
        last.as_ref().map(|row| row.at),
    )
    .await
}

/// Why a task step is refused: the wrong role, or the task is not at that step.
fn refusal(
    lang: Lang,
    user: &CurrentUser,
    status: RectificationStatus,
    step: TaskStep,
) -> AppError {
    if !step.role_may(user.role) {
        return AppError::Forbidden(
            if step == TaskStep::Submit {
                lang.pick(
                    "只有社区工作者可以提交整改情况",
                    "only a community worker submits the report",
                )
            } else {
                lang.pick(
                    "只有街道或区级管理员可以验收或退回整改",
                    "only a street or district administrator verifies or sends back a task",
                )
            }
            .into(),
        );
    }
    AppError::Conflict(if lang.is_en() {
        format!(
            "this task is {} and cannot be changed that way",
            status_label(lang, status)
        )
    } else {
        format!(
            "该任务状态为“{}”，不能执行此操作",
            status_label(lang, status)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_the_last_minute_of_that_day_in_china() {
        let ms = parse_date("2013-12-31").unwrap();
        assert_eq!(crate::web::page::when(ms), "2013-12-31 23:59");
        assert_eq!(
            crate::web::page::when(parse_date("2024-02-29").unwrap()),
            "2024-02-29 23:59"
        );
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("2013-13-01").is_err());
        assert!(parse_date("明天").is_err());
        assert!(parse_date("").is_err());
        assert!(parse_date("2013-1-2-3").is_err());
    }
}
