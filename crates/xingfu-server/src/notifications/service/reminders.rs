//! The reminder sweep: for every person who works in the programme, what is new in their 待办
//! (the workbench's own list), which deadlines come near (`xingfu_core::notify` says how near),
//! which objection periods end soon, and on Monday mornings the administrators' weekly digest
//! with their 约谈提醒 list (the overview's own); and reporters hear of their 随手拍 reports. Each message names what it is about, so running
//! the sweep again — or on several servers at once — makes nothing twice.

use xingfu_core::dates::chinese_text;
use xingfu_core::notify::{Kind, deadline_kind, digest_due, reminder_due};
use xingfu_core::todo::{TodoItem, TodoKind};
use xingfu_core::workflow::{Role, Stage};

use super::{Draft, notify};
use crate::app::auth::{CurrentUser, person};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// What one sweep made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// People looked at.
    pub people: usize,
    /// Messages made (those made before are not counted).
    pub made: usize,
}

/// Makes every reminder due at `now` that was not made before, and tells reporters of their
/// reports' steps of the last day ([`super::progress`]).
pub async fn sweep(state: &AppState, now: i64) -> Result<SweepReport, AppError> {
    let mut report = SweepReport::default();
    for row in state.store.notification_recipients().await? {
        let Some(user) = person(state, row, String::new(), 0).await? else {
            continue;
        };
        report.people += 1;
        report.made += for_person(state, &user, now).await?;
    }
    report.made += super::progress::report_progress(state, now).await?;
    Ok(report)
}

/// The reminders due for one person at `now`; how many were made.
pub async fn for_person(state: &AppState, user: &CurrentUser, now: i64) -> Result<usize, AppError> {
    let bench = crate::workbench::service::workbench(state, user, now).await?;
    let mut made = 0;
    for item in &bench.items {
        made += usize::from(new_todo(state, user, item, now).await?);
        made += usize::from(deadline_near(state, user, item, now).await?);
    }
    made += objection_periods(state, user, now).await?;
    if let Some(week) = digest_due(now)
        && gets_digest(user.role)
    {
        made +=
            usize::from(digest(state, user, week, bench.items.len(), bench.overdue, now).await?);
    }
    Ok(made)
}

/// Makes the weekly digest of the week starting at `week` for every administrator who has not
/// had it (the sweep does this on Monday mornings; the demo for the current week).
pub async fn digests(state: &AppState, week: i64, now: i64) -> Result<usize, AppError> {
    let mut made = 0;
    for row in state.store.notification_recipients().await? {
        let Some(user) = person(state, row, String::new(), 0).await? else {
            continue;
        };
        if !gets_digest(user.role) {
            continue;
        }
        let bench = crate::workbench::service::workbench(state, &user, now).await?;
        made +=
            usize::from(digest(state, &user, week, bench.items.len(), bench.overdue, now).await?);
    }
    Ok(made)
}

/// What the item is about, the same however often it is read: a survey's line carries its
/// running count, so it is named by its page alone.
fn item_key(item: &TodoItem) -> String {
    match item.kind {
        TodoKind::SurveyQuota => format!("{}|{}", item.kind.key(), item.link),
        _ => format!("{}|{}|{}", item.kind.key(), item.link, item.subject),
    }
}

fn action(item: &TodoItem) -> &'static str {
    item.kind.action().0
}

async fn new_todo(
    state: &AppState,
    user: &CurrentUser,
    item: &TodoItem,
    now: i64,
) -> Result<bool, AppError> {
    let subject = format!("新的待办\u{ff1a}{} · {}", action(item), item.subject);
    let due = item
        .due_ms
        .map(|due| format!("期限 {}。", chinese_text(due)))
        .unwrap_or_default();
    let body = format!("{}。{due}请到工作台处理。", item.context);
    let draft = Draft {
        kind: Kind::NewTodo,
        subject: &subject,
        body: &body,
        link: &item.link,
        about: &item_key(item),
    };
    notify(state, &user.user, &draft, now).await
}

async fn deadline_near(
    state: &AppState,
    user: &CurrentUser,
    item: &TodoItem,
    now: i64,
) -> Result<bool, AppError> {
    let (Some(kind), Some(due)) = (deadline_kind(item.kind), item.due_ms) else {
        return Ok(false);
    };
    if !reminder_due(kind, due, now) {
        return Ok(false);
    }
    let subject = format!(
        "{}\u{ff1a}{} · {}",
        kind.name().0,
        action(item),
        item.subject
    );
    let body = format!(
        "期限 {}。{}。请在期限前处理。",
        chinese_text(due),
        item.context
    );
    let about = format!("{}|{due}", item_key(item));
    let draft = Draft {
        kind,
        subject: &subject,
        body: &body,
        link: &item.link,
        about: &about,
    };
    notify(state, &user.user, &draft, now).await
}

/// Published results whose objection period ends within a day, for the administrators who
/// decide them (they name the community once it is over).
async fn objection_periods(
    state: &AppState,
    user: &CurrentUser,
    now: i64,
) -> Result<usize, AppError> {
    if user.role.level().is_none() {
        return Ok(0);
    }
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let mut made = 0;
    for round in state.store.rounds_overlapping(prefix).await? {
        let entries = state
            .store
            .entries_at_stages(&round.id, prefix, &[Stage::Published])
            .await?;
        let standard = state
            .standard(&round.standard_id, &round.standard_version)
            .await?;
        for entry in entries {
            let Some(until) = entry.objection_until else {
                continue;
            };
            if !reminder_due(Kind::ObjectionEnding, until, now)
                || !user.actor().covers(&entry.community_code)
                || crate::rounds::service::may_decide(user, &standard, &entry).is_err()
            {
                continue;
            }
            let subject = format!(
                "{}\u{ff1a}{}",
                Kind::ObjectionEnding.name().0,
                entry.community_name
            );
            let body = format!(
                "{}年度 {} 的公示异议期于 {} 结束。没有未处理的异议时即可命名\u{ff1b}有异议的请在期限前处理。",
                round.year,
                entry.community_name,
                chinese_text(until)
            );
            let link = format!("/rounds/{}/publication", round.id);
            let about = format!("{}|{}|{until}", round.id, entry.community_code);
            let draft = Draft {
                kind: Kind::ObjectionEnding,
                subject: &subject,
                body: &body,
                link: &link,
                about: &about,
            };
            made += usize::from(notify(state, &user.user, &draft, now).await?);
        }
    }
    Ok(made)
}

/// The weekly digest of an administrator: their 待办 in numbers and the overview's 约谈提醒.
async fn digest(
    state: &AppState,
    user: &CurrentUser,
    week: i64,
    todo: usize,
    overdue: usize,
    now: i64,
) -> Result<bool, AppError> {
    let reminded = match crate::overview::service::overview(
        state,
        user,
        None,
        None,
        crate::app::reads::Freshness::Latest,
        Lang::Zh,
    )
    .await
    {
        Ok(overview) => overview.reminded,
        // No round in the area yet: nothing to rank.
        Err(AppError::NotFound | AppError::Forbidden(_) | AppError::BadRequest(_)) => Vec::new(),
        Err(other) => return Err(other),
    };
    let list = if reminded.is_empty() {
        "本周没有需要约谈提醒的单位。".to_string()
    } else {
        let units: Vec<String> = reminded
            .iter()
            .map(|r| format!("{}\u{ff08}{}\u{ff09}", r.name, r.reasons.join("\u{ff1b}")))
            .collect();
        format!(
            "约谈提醒 {} 个单位\u{ff1a}{}。",
            reminded.len(),
            units.join("、")
        )
    };
    let subject = format!(
        "{}\u{ff1a}{}",
        Kind::WeeklyDigest.name().0,
        user.region_name
    );
    let body = format!("待办 {todo} 项\u{ff0c}其中逾期 {overdue} 项。{list}");
    let about = week.to_string();
    let draft = Draft {
        kind: Kind::WeeklyDigest,
        subject: &subject,
        body: &body,
        link: "/overview",
        about: &about,
    };
    notify(state, &user.user, &draft, now).await
}

/// Whether the role receives the weekly digest (city, district and street administrators).
pub fn gets_digest(role: Role) -> bool {
    role.level().is_some()
}
