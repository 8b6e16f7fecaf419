//! The rounds' 待办: what waits for this person in every round of their area — declarations to
//! check, their own sheets to score, results to approve, publish and name, objections to decide,
//! rectification tasks to report on or verify. Each list is read by stage or status inside the
//! person's area, and kept only where the rule the step itself asks would let them take it.

use std::collections::HashSet;

use xingfu_core::Standard;
use xingfu_core::rectification::{RectificationStatus, TaskStep};
use xingfu_core::todo::{TodoItem, TodoKind};
use xingfu_core::workflow::{Role, Stage};
use xingfu_store::rounds::{EntryRow, RoundRow};

use xingfu_core::text::shorten;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::rounds::rectifications::{admin_of, may_move};
use crate::rounds::service::may_decide;

/// One round as the list names it ("2013年度 鹿城区") and where its pages are.
/// How much of a clause's text a task's line shows.
const CLAUSE_CHARS: usize = 16;

struct RoundAt<'a> {
    round: &'a RoundRow,
    standard: &'a Standard,
    context: String,
    prefix: &'a str,
}

impl RoundAt<'_> {
    fn item(&self, kind: TodoKind, subject: &str, due_ms: Option<i64>, page: &str) -> TodoItem {
        TodoItem {
            kind,
            subject: subject.to_string(),
            context: self.context.clone(),
            due_ms,
            link: format!("/rounds/{}{page}", self.round.id),
        }
    }

    fn entry_page(entry: &EntryRow) -> String {
        format!("/communities/{}", entry.community_code)
    }
}

/// Everything in the rounds waiting for `user` at `now_ms`.
pub async fn todo(
    state: &AppState,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<Vec<TodoItem>, AppError> {
    if user.role == Role::Resident {
        return Ok(Vec::new());
    }
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let mut items = Vec::new();
    for round in state.store.rounds_overlapping(prefix).await? {
        let standard = state
            .standard(&round.standard_id, &round.standard_version)
            .await?;
        let region = state
            .store
            .region(&round.region_code)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        let at = RoundAt {
            round: &round,
            standard: &standard,
            context: format!("{}年度 {region}", round.year),
            prefix,
        };
        match user.role {
            Role::Assessor => items.extend(to_score(state, user, &at).await?),
            Role::CommunityWorker => {
                items.extend(tasks(state, user, &at, TaskStep::Submit).await?);
            }
            _ => {
                items.extend(decisions(state, user, &at, now_ms).await?);
                items.extend(objections(state, user, &at).await?);
                items.extend(tasks(state, user, &at, TaskStep::Verify).await?);
            }
        }
    }
    Ok(items)
}

/// The round's entries at `stages` in the area that the user covers.
async fn entries_at(
    state: &AppState,
    user: &CurrentUser,
    at: &RoundAt<'_>,
    stages: &[Stage],
) -> Result<Vec<EntryRow>, AppError> {
    Ok(state
        .store
        .entries_at_stages(&at.round.id, at.prefix, stages)
        .await?
        .into_iter()
        .filter(|e| user.actor().covers(&e.community_code))
        .collect())
}

/// The assessor's own sheets not yet saved on entries at scoring.
async fn to_score(
    state: &AppState,
    user: &CurrentUser,
    at: &RoundAt<'_>,
) -> Result<Vec<TodoItem>, AppError> {
    Ok(state
        .store
        .entries_without_sheet(&at.round.id, at.prefix, Stage::Scoring, &user.user.id)
        .await?
        .iter()
        .filter(|e| xingfu_core::workflow::may_score(&user.actor(), &e.community_code).is_ok())
        .map(|e| {
            let page = format!("{}/sheet", RoundAt::entry_page(e));
            at.item(TodoKind::ScoreSheet, &e.community_name, None, &page)
        })
        .collect())
}

/// An administrator's steps on entries: check declarations, approve, publish and name the
/// results their level decides.
async fn decisions(
    state: &AppState,
    user: &CurrentUser,
    at: &RoundAt<'_>,
    now_ms: i64,
) -> Result<Vec<TodoItem>, AppError> {
    let stages = [
        Stage::Declared,
        Stage::Computed,
        Stage::Approved,
        Stage::Published,
    ];
    let entries = entries_at(state, user, at, &stages).await?;
    let contested: HashSet<String> = if entries.iter().any(|e| e.stage == Stage::Published) {
        state
            .store
            .open_objections_in_area(&at.round.id, at.prefix)
            .await?
            .into_iter()
            .map(|o| o.community_code)
            .collect()
    } else {
        HashSet::new()
    };
    let mut items = Vec::new();
    for e in &entries {
        let name = e.community_name.as_str();
        let item = match e.stage {
            Stage::Declared if admin_of(user, &e.community_code) => at.item(
                TodoKind::CheckDeclaration,
                name,
                None,
                &RoundAt::entry_page(e),
            ),
            Stage::Computed if may_decide(user, at.standard, e).is_ok() => {
                at.item(TodoKind::ApproveResult, name, None, "/approvals")
            }
            Stage::Approved if may_decide(user, at.standard, e).is_ok() => {
                at.item(TodoKind::PublishResult, name, None, "/publication")
            }
            // Named once the period is over and every objection decided (those are listed as
            // objections to decide); due at the end of the period.
            Stage::Published
                if e.objection_until.is_some_and(|until| now_ms >= until)
                    && !contested.contains(&e.community_code)
                    && may_decide(user, at.standard, e).is_ok() =>
            {
                at.item(
                    TodoKind::NameResult,
                    name,
                    e.objection_until,
                    "/publication",
                )
            }
            _ => continue,
        };
        items.push(item);
    }
    Ok(items)
}

/// Undecided objections on entries whose rating the user decides, due by the end of the
/// objection period.
async fn objections(
    state: &AppState,
    user: &CurrentUser,
    at: &RoundAt<'_>,
) -> Result<Vec<TodoItem>, AppError> {
    let open = state
        .store
        .open_objections_in_area(&at.round.id, at.prefix)
        .await?;
    let mut items = Vec::new();
    let mut seen: Vec<(String, Option<EntryRow>)> = Vec::new();
    for objection in open {
        let code = objection.community_code.as_str();
        if !user.actor().covers(code) {
            continue;
        }
        let entry = match seen.iter().find(|(c, _)| c == code) {
            Some((_, entry)) => entry.clone(),
            None => {
                let entry = state.store.entry(&at.round.id, code).await?;
                seen.push((code.to_string(), entry.clone()));
                entry
            }
        };
        let Some(entry) = entry.filter(|e| may_decide(user, at.standard, e).is_ok()) else {
            continue;
        };
        items.push(at.item(
            TodoKind::DecideObjection,
            &entry.community_name,
            entry.objection_until,
            &RoundAt::entry_page(&entry),
        ));
    }
    Ok(items)
}

/// Rectification tasks the user moves next: a community worker's reports on open and sent-back
/// tasks, an administrator's checks of submitted ones; each due at the task's deadline.
async fn tasks(
    state: &AppState,
    user: &CurrentUser,
    at: &RoundAt<'_>,
    step: TaskStep,
) -> Result<Vec<TodoItem>, AppError> {
    if !step.role_may(user.role) {
        return Ok(Vec::new());
    }
    let statuses: Vec<&str> = [
        RectificationStatus::Open,
        RectificationStatus::Submitted,
        RectificationStatus::Reopened,
    ]
    .into_iter()
    .filter(|s| step.applies_at(*s))
    .map(RectificationStatus::key)
    .collect();
    let kind = if step == TaskStep::Submit {
        TodoKind::SubmitRectification
    } else {
        TodoKind::VerifyRectification
    };
    Ok(state
        .store
        .rectifications_at(&at.round.id, at.prefix, &statuses)
        .await?
        .into_iter()
        .filter(|(task, _)| may_move(user, step, &task.community_code, task.status))
        .map(|(task, community)| {
            // The clause by its number and the start of its text, as the task list shows it.
            let clause = at
                .standard
                .clause(&task.clause_id)
                .map(|c| format!(" {}", shorten(&c.text, CLAUSE_CHARS)))
                .unwrap_or_default();
            let subject = format!("{community} {}{clause}", task.clause_id);
            let mut item = at.item(kind, &subject, Some(task.deadline), "/rectifications");
            item.link.push_str(&format!("#task-{}", task.id));
            item
        })
        .collect())
}
