//! Who is asking (in operations), which community a people page is about, and its name.

use xingfu_core::workflow::Role;

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::people::service::{self as people, OpsIdentity};
use crate::web::visit::Visit;

/// The visitor's operations role (assessors are refused).
pub async fn identity(v: &Visit) -> Result<OpsIdentity, AppError> {
    people::identity(&v.state, &v.user, v.lang).await
}

/// A region's name, or its code when it cannot be read.
pub async fn region_name(state: &AppState, code: &str) -> String {
    match state.store.region_name(code).await {
        Ok(Some(name)) => name,
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
    v: &Visit,
    asked: &str,
) -> Result<(Option<String>, Vec<(String, String)>), AppError> {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
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

/// The community of a volunteering or mall page: no assessor's business.
pub async fn volunteering_community(
    v: &Visit,
    asked: &str,
) -> Result<(Option<String>, Vec<(String, String)>), AppError> {
    if v.user.role == Role::Assessor {
        return Err(AppError::Forbidden(v.lang.text(
            "评审员账号不参与志愿服务",
            "assessor accounts take no part in volunteering",
        )));
    }
    community_of(v, asked).await
}
