//! Who may do what in the circle, and the regions (city, district, street, community) its
//! pages and API work on.

use xingfu_core::region;
use xingfu_core::workflow::Role;
use xingfu_store::regions::RegionRow;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// Staff and assessors see the facilities and coverage of regions inside their area.
pub fn may_view(user: &CurrentUser, code: &str) -> bool {
    user.role != Role::Resident && user.actor().covers(code)
}

/// Community workers and the administrators above them keep facilities of their area.
pub fn may_edit(user: &CurrentUser, region_code: &str) -> bool {
    matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
    ) && user.actor().covers(region_code)
}

/// Coverage is a district's figure (walks cross street lines): district and city
/// administrators compute it.
pub fn may_compute(user: &CurrentUser, district: &str) -> bool {
    matches!(user.role, Role::DistrictAdmin | Role::CityAdmin) && user.actor().covers(district)
}

/// Centres are rated by the district's leading group (fengze-centre: approval "district").
pub fn may_rate(user: &CurrentUser, community: &str) -> bool {
    may_compute(user, community)
}

pub(super) fn outside_area(lang: Lang, code: &str) -> AppError {
    AppError::Forbidden(lang.text(
        format!("{code} 不在您的管辖范围内"),
        format!("{code} is outside your area"),
    ))
}

/// A region the circle pages work on: a city, district, street or community.
pub async fn area(state: &AppState, code: &str) -> Result<RegionRow, AppError> {
    match state.store.region(code).await? {
        Some(r)
            if matches!(
                r.level.as_str(),
                "city" | "district" | "street" | "community"
            ) =>
        {
            Ok(r)
        }
        _ => Err(AppError::NotFound),
    }
}

/// A region the user may see, or why not.
pub async fn viewable_area(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    lang: Lang,
) -> Result<RegionRow, AppError> {
    let row = area(state, code).await?;
    if may_view(user, &row.code) {
        Ok(row)
    } else {
        Err(outside_area(lang, code))
    }
}

/// The subtree prefix of a region row.
pub fn prefix_of(row: &RegionRow) -> &str {
    region::subtree_prefix(&row.code, &row.level)
}

/// The district a district, street or community lies in.
pub fn district_of(row: &RegionRow) -> Option<String> {
    (row.level != "city")
        .then(|| region::district_of(&row.code))
        .flatten()
}

/// Refuses unless `allowed`, with the reason in the person's language.
pub(super) fn allow(allowed: bool, lang: Lang, (zh, en): (&str, &str)) -> Result<(), AppError> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(lang.text(zh, en)))
    }
}

/// A district, street or community whose facilities the user keeps, with its district; `act`
/// names what they do there (登记 / register, 导入 / import) in refusals.
pub(super) async fn keeping_area(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    lang: Lang,
    (zh, en): (&str, &str),
) -> Result<(RegionRow, String), AppError> {
    let area = viewable_area(state, user, code, lang).await?;
    let Some(district) = district_of(&area) else {
        return Err(AppError::BadRequest(lang.text(
            format!("请在区、街道或社区页面{zh}设施"),
            format!("{en} facilities on a district, street or community page"),
        )));
    };
    let who = (
        &*format!("只有社区工作者及其上级管理员可以{zh}设施"),
        &*format!("only community workers and the administrators above them {en} facilities"),
    );
    allow(may_edit(user, &area.code), lang, who)?;
    Ok((area, district))
}

/// A district the user may see; `per` says, when the region is not one, what is computed per
/// district.
pub(super) async fn viewable_district(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    lang: Lang,
    (zh, en): (&str, &str),
) -> Result<RegionRow, AppError> {
    let district = viewable_area(state, user, code, lang).await?;
    if district.level != "district" {
        return Err(AppError::BadRequest(lang.text(zh, en)));
    }
    Ok(district)
}
