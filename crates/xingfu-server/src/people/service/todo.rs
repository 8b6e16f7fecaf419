//! The people features in the 待办 list: home-visit follow-ups due by the end of today, ended
//! volunteer activities with volunteers still signed in, and love-mall redemptions waiting at
//! the station. Each is read by status and the person's area with a bound, and kept only when
//! the feature's own check lets the person do it.
//!
//! Privacy: follow-ups go to those who keep the household (its grid member, or staff of its
//! community), the people who see its name on the visits pages; anyone who sees only counts
//! gets none. Showing them writes an access-log row, as every view of named households does.

use xingfu_core::dates::CST_OFFSET_MS;
use xingfu_core::ops::OpsRole;
use xingfu_core::region;
use xingfu_core::todo::{TodoItem, TodoKind};
use xingfu_core::workflow::Role;

use super::households::{log, may_see_household};
use super::identity::identity;
use super::volunteers::may_manage;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The most rows one list reads per kind.
pub const TODO_LIMIT: i64 = 200;
const DAY_MS: i64 = 86_400_000;

/// The last millisecond of the China Standard Time day `now_ms` falls in.
pub fn end_of_day(now_ms: i64) -> i64 {
    let day = (now_ms + CST_OFFSET_MS).div_euclid(DAY_MS);
    (day + 1) * DAY_MS - CST_OFFSET_MS - 1
}

/// What waits for `user` at `now_ms` in home visits, volunteering and the love mall.
pub async fn todo(
    state: &AppState,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<Vec<TodoItem>, AppError> {
    if OpsRole::from_account(user.role).is_none() {
        return Ok(Vec::new());
    }
    let mut items = follow_ups(state, user, now_ms).await?;
    if user.role == Role::CommunityWorker {
        items.extend(sign_offs(state, user, now_ms).await?);
        items.extend(handouts(state, user).await?);
    }
    Ok(items)
}

/// Follow-ups due by the end of today (or overdue) in households the person keeps.
async fn follow_ups(
    state: &AppState,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<Vec<TodoItem>, AppError> {
    let who = identity(state, user, Lang::Zh).await?;
    if !who.keeps_households() || !who.sees_names() {
        return Ok(Vec::new());
    }
    let due = state
        .store
        .follow_ups_due_within(who.prefix(), end_of_day(now_ms), TODO_LIMIT)
        .await?;
    let items: Vec<TodoItem> = due
        .into_iter()
        .filter(|f| may_see_household(&who, &f.household))
        .map(|f| {
            let h = &f.household;
            let name = match h.contact_name.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(contact) => format!("{contact}\u{ff08}{}\u{ff09}", h.address),
                None => h.address.clone(),
            };
            TodoItem {
                kind: TodoKind::FollowUpVisit,
                subject: format!("{name}\u{ff1a}{}", f.what),
                context: f.community_name.clone(),
                due_ms: Some(f.due),
                link: format!("/visits/households/{}", h.id),
            }
        })
        .collect();
    if !items.is_empty() {
        log(state, &who, &who.region, "todo_follow_ups", "", items.len()).await?;
    }
    Ok(items)
}

fn area_prefix(user: &CurrentUser) -> &str {
    region::subtree_prefix(&user.user.region_code, &user.region_level)
}

/// Ended activities with volunteers still signed in, for those who run the community's
/// volunteering.
async fn sign_offs(
    state: &AppState,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<Vec<TodoItem>, AppError> {
    let rows = state
        .store
        .activities_to_sign_off(area_prefix(user), now_ms, TODO_LIMIT)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| may_manage(user, &r.activity.community_code))
        .map(|r| TodoItem {
            kind: TodoKind::SignOffActivity,
            subject: format!(
                "{}\u{ff08}{} 人未签退\u{ff09}",
                r.activity.title, r.still_in
            ),
            context: r.community_name,
            due_ms: None,
            link: format!("/volunteers/activities/{}", r.activity.id),
        })
        .collect())
}

/// Redemptions made online, waiting to be handed out at the community's station.
async fn handouts(state: &AppState, user: &CurrentUser) -> Result<Vec<TodoItem>, AppError> {
    let rows = state
        .store
        .handouts_waiting(area_prefix(user), TODO_LIMIT)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| may_manage(user, &r.community_code))
        .map(|r| TodoItem {
            kind: TodoKind::HandOutRedemption,
            subject: format!(
                "{}\u{ff1a}{} \u{d7} {}",
                r.volunteer_name, r.item_name, r.quantity
            ),
            context: r.community_name,
            due_ms: None,
            link: format!("/mall?community={}#handouts", r.community_code),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_ends_at_midnight_china_time() {
        // 2026-12-03 12:00 UTC is 20:00 in China; the day ends at 16:00 UTC less 1 ms.
        let noon_utc = 1_796_299_200_000;
        assert_eq!(xingfu_core::dates::local_text(noon_utc), "2026-12-03 20:00");
        let end = end_of_day(noon_utc);
        assert_eq!(xingfu_core::dates::local_text(end), "2026-12-03 23:59");
        assert_eq!(xingfu_core::dates::local_text(end + 1), "2026-12-04 00:00");
        assert_eq!(end_of_day(end), end);
        assert_eq!(end_of_day(end + 1), end + DAY_MS);
    }
}
