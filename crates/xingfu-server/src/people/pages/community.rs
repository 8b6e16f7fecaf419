//! Which community a people page is about, and its name.

use xingfu_core::workflow::Role;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// A region's name, or its code when it cannot be read.
pub async fn region_name(state: &AppState, code: &str) -> String {
    match state.store.region(code).await {
        Ok(Some(r)) => r.name,
        _ => code.to_string(),
    }
}

/// The communities within an area, to choose from: (code, name).
pub async fn communities_within(
    state: &AppState,
    area: &str,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(match state.store.region(area).await? {
        Some(area) => state
            .store
            .regions_within(&area, "community")
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect(),
        None => Vec::new(),
    })
}

/// The community a page is about: a community-level account's own, or the one an
/// administrator chose from their area (`None` until they choose).
pub async fn community_of(
    state: &AppState,
    user: &CurrentUser,
    asked: &str,
    lang: Lang,
) -> Result<(Option<String>, Vec<(String, String)>), AppError> {
    if user.region_level == "community" {
        return Ok((Some(user.user.region_code.clone()), Vec::new()));
    }
    let choices = communities_within(state, &user.user.region_code).await?;
    let asked = asked.trim();
    if asked.is_empty() {
        return Ok((None, choices));
    }
    if !user.actor().covers(asked) || !choices.iter().any(|(c, _)| c == asked) {
        return Err(AppError::Forbidden(if lang.is_en() {
            format!("community {asked} is outside your area")
        } else {
            format!("社区 {asked} 不在您的管辖范围内")
        }));
    }
    Ok((Some(asked.to_string()), choices))
}

/// Volunteering and the mall are no assessor's business.
pub fn refuse_assessors(user: &CurrentUser, lang: Lang) -> Result<(), AppError> {
    if user.role == Role::Assessor {
        return Err(AppError::Forbidden(
            lang.pick(
                "评审员账号不参与志愿服务",
                "assessor accounts take no part in volunteering",
            )
            .into(),
        ));
    }
    Ok(())
}
