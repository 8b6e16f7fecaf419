//! The surveys' 待办: communities whose survey still takes answers and has fewer respondents
//! than the round's quota, for the community's worker and the street and district
//! administrators over it. An item is due at the survey's closing day when the round sets one
//! (the reminder comes two days before); a closed survey asks nothing more. Without a closing
//! day a survey runs until the community's result is computed, and its items carry no deadline.

use std::collections::HashMap;

use xingfu_core::survey::closing;
use xingfu_core::todo::{TodoItem, TodoKind};
use xingfu_core::workflow::{Role, Stage};
use xingfu_store::surveys::stage_takes_answers;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::surveys::service::region_name;

/// Communities of the user's area short of their survey quota, in every round that runs one.
pub async fn todo(
    state: &AppState,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<Vec<TodoItem>, AppError> {
    let collects = matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin
    );
    if !collects {
        return Ok(Vec::new());
    }
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let open: Vec<Stage> = Stage::ALL
        .into_iter()
        // A refused community is not rated, so its survey is not wanted.
        .filter(|s| stage_takes_answers(*s) && *s != Stage::Refused)
        .collect();
    let mut items = Vec::new();
    for round in state.store.rounds_overlapping(prefix).await? {
        let Some(settings) = state.store.survey_settings(&round.id).await? else {
            continue;
        };
        if settings.quota <= 0 || !closing::takes_answers(settings.closes_at, now_ms) {
            continue;
        }
        let entries = state
            .store
            .entries_at_stages(&round.id, prefix, &open)
            .await?;
        if entries.is_empty() {
            continue;
        }
        let respondents: HashMap<String, i64> = state
            .store
            .survey_respondents_by_community(&round.id, prefix)
            .await?
            .into_iter()
            .collect();
        let context = format!(
            "{}年度 {}",
            round.year,
            region_name(state, &round.region_code).await?
        );
        for entry in entries {
            let have = respondents.get(&entry.community_code).copied().unwrap_or(0);
            if have >= settings.quota || !user.actor().covers(&entry.community_code) {
                continue;
            }
            items.push(TodoItem {
                kind: TodoKind::SurveyQuota,
                subject: format!(
                    "{}\u{ff08}{have}/{}\u{ff09}",
                    entry.community_name, settings.quota
                ),
                context: context.clone(),
                due_ms: settings.closes_at,
                link: format!("/rounds/{}/surveys?area={}", round.id, entry.community_code),
            });
        }
    }
    Ok(items)
}
