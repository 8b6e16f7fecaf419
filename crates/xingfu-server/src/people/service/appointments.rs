//! Appointing grid members and building heads (and withdrawing them).

use xingfu_core::region;
use xingfu_core::workflow::Role;
use xingfu_store::visits::AssignmentRow;

use super::checks::{FieldError, MAX_SCOPE, Refused, forbidden, required_name};
use super::identity::OpsIdentity;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// Assignments the caller may change: in their community, or every community of their area
/// they name.
pub async fn assignments(
    state: &AppState,
    who: &OpsIdentity,
    community: &str,
    lang: Lang,
) -> Result<Vec<AssignmentRow>, AppError> {
    may_appoint_in(who, community, lang)?;
    Ok(state.store.assignments_in(community).await?)
}

/// Refuses a caller who appoints nobody.
pub fn require_appoints(who: &OpsIdentity, lang: Lang) -> Result<(), AppError> {
    if who.appoints() {
        Ok(())
    } else {
        Err(forbidden(
            lang,
            "只有社区工作者、街道和区级管理员可以任命网格员和楼栋长",
            "only community workers and street or district administrators appoint grid members and building heads",
        ))
    }
}

fn may_appoint_in(who: &OpsIdentity, community: &str, lang: Lang) -> Result<(), AppError> {
    require_appoints(who, lang)?;
    if !region::is_division_code(community) || !who.actor().covers(community) {
        return Err(forbidden(
            lang,
            &format!("社区 {community} 不在您的管辖范围内"),
            &format!("community {community} is outside your area"),
        ));
    }
    Ok(())
}

/// Appoints an account (a resident or a community worker of that community) as grid member
/// or building head.
pub async fn assign(
    state: &AppState,
    who: &OpsIdentity,
    username: &str,
    kind: &str,
    scope: &str,
    lang: Lang,
) -> Result<AssignmentRow, Refused> {
    let mut errors = Vec::new();
    let target = state.store.user_by_username(username.trim()).await?;
    let Some(target) = target.filter(|u| !u.disabled) else {
        return Err(Refused::field(
            "username",
            lang.text(
                format!("没有用户名为“{}”的账号", username.trim()),
                format!("there is no account “{}”", username.trim()),
            ),
        ));
    };
    if !matches!(
        Role::parse(&target.role),
        Some(Role::Resident | Role::CommunityWorker)
    ) {
        errors.push(FieldError::new(
            "username",
            lang.text(
                "只有居民和社区工作者账号可以任命为网格员或楼栋长",
                "only resident and community-worker accounts can be grid members or building heads",
            ),
        ));
    }
    if !matches!(kind, "grid_member" | "building_head") {
        errors.push(FieldError::new(
            "kind",
            lang.text(
                "请选择网格员或楼栋长",
                "choose grid member or building head",
            ),
        ));
    }
    required_name(
        &mut errors,
        "scope",
        scope,
        MAX_SCOPE,
        ("网格或楼栋编号", "The grid or building"),
        lang,
    );
    Refused::unless_none(errors)?;
    may_appoint_in(who, &target.region_code, lang)?;
    let by = who.by_now();
    let written = state
        .store
        .assign(&target.id, kind, &target.region_code, scope.trim(), by)
        .await;
    Refused::unless_duplicate(
        written,
        "scope",
        lang.text(
            "该账号已有这项任命",
            "the account already has this appointment",
        ),
    )?;
    Ok(AssignmentRow {
        user_id: target.id,
        username: target.username,
        display_name: target.display_name,
        kind: kind.to_string(),
        community_code: target.region_code,
        scope: scope.trim().to_string(),
        assigned_by: who.user_id.clone(),
        assigned_at: by.at,
    })
}

pub async fn unassign(
    state: &AppState,
    who: &OpsIdentity,
    user_id: &str,
    kind: &str,
    community: &str,
    scope: &str,
    lang: Lang,
) -> Result<bool, AppError> {
    may_appoint_in(who, community, lang)?;
    Ok(state
        .store
        .unassign(user_id, kind, community, scope, who.by_now())
        .await?)
}
