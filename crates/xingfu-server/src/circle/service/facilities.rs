//! The facility registry: adding, changing and deleting one facility, each placed in a
//! community the user keeps.

use xingfu_core::region;
use xingfu_geo::geometry::LonLat;
use xingfu_store::facilities::{FacilityInput, FacilityRow, FacilityUpdate, to_e6};
use xingfu_store::regions::RegionRow;

use super::areas::{allow, area, district_of, keeping_area, may_edit, may_view, outside_area};
use super::convert::function_keys;
use super::form::{CheckedFacility, FacilityForm, FieldError, check_facility};
use super::locate::{locator, optional_extract};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::app::versions;
use crate::i18n::Lang;

/// The community and keeping region of a facility at `location` registered in `area`: the
/// community chosen, else the one it lies in, else the area itself.
async fn place_in_area(
    state: &AppState,
    user: &CurrentUser,
    area: &RegionRow,
    chosen: &str,
    location: LonLat,
    lang: Lang,
) -> Result<Result<(Option<String>, String), FieldError>, AppError> {
    let chosen = chosen.trim();
    if !chosen.is_empty() {
        let ok = match state.store.region(chosen).await? {
            Some(r) => {
                r.level == "community"
                    && region::within(chosen, &area.code, &area.level)
                    && may_edit(user, chosen)
            }
            None => false,
        };
        return Ok(if ok {
            Ok((Some(chosen.to_string()), chosen.to_string()))
        } else {
            Err(FieldError::new(
                "community",
                lang.text(
                    format!("社区 {chosen} 不在 {} 内或不在您的管辖范围内", area.name),
                    format!(
                        "community {chosen} is not in {} or not in your area",
                        area.name
                    ),
                ),
            ))
        });
    }
    if area.level == "community" {
        return Ok(Ok((Some(area.code.clone()), area.code.clone())));
    }
    let Some(district_code) = district_of(area) else {
        return Ok(Ok((None, area.code.clone())));
    };
    let district = self::area(state, &district_code).await?;
    let locator = locator(state, &district, optional_extract(state).await).await?;
    Ok(match locator.community_of(location) {
        Some(code) if region::within(&code, &area.code, &area.level) && may_edit(user, &code) => {
            Ok((Some(code.clone()), code))
        }
        Some(code) => Err(FieldError::new(
            "lon",
            lang.text(
                format!(
                    "这个位置在{}（{code}）内，不在 {} 或您的管辖范围内",
                    locator
                        .communities
                        .get(&code)
                        .map(|r| r.name.as_str())
                        .unwrap_or(""),
                    area.name
                ),
                format!(
                    "this position lies in community {code}, outside {} or your area",
                    area.name
                ),
            ),
        )),
        None => Ok((None, area.code.clone())),
    })
}

/// A checked facility placed in `area` (the community chosen on `form`, else by position), as
/// the store keeps it with its district, source and source reference; or why it cannot be.
async fn placed_input(
    state: &AppState,
    user: &CurrentUser,
    area: &RegionRow,
    (form, checked): (&FacilityForm, CheckedFacility),
    (district_code, source, source_ref): (String, String, Option<String>),
    lang: Lang,
) -> Result<Result<FacilityInput, FieldError>, AppError> {
    let (community, region_code) =
        match place_in_area(state, user, area, &form.community, checked.location, lang).await? {
            Ok(placed) => placed,
            Err(error) => return Ok(Err(error)),
        };
    Ok(Ok(FacilityInput {
        district_code,
        region_code,
        community_code: community,
        name: checked.name,
        functions: function_keys(&checked.functions),
        lon_e6: to_e6(checked.location.lon),
        lat_e6: to_e6(checked.location.lat),
        hours: checked.hours,
        capacity: checked.capacity.map(i64::from),
        source,
        source_ref,
    }))
}

/// Adds a facility typed into the form for `area_code`; returns its id.
pub async fn create_facility(
    state: &AppState,
    user: &CurrentUser,
    area_code: &str,
    form: &FacilityForm,
    lang: Lang,
) -> Result<Result<String, Vec<FieldError>>, AppError> {
    let (area, district) = keeping_area(state, user, area_code, lang, ("登记", "register")).await?;
    let checked = match check_facility(form, lang) {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    let kept = (district, "manual".to_string(), None);
    let input = match placed_input(state, user, &area, (form, checked), kept, lang).await? {
        Ok(input) => input,
        Err(error) => return Ok(Err(vec![error])),
    };
    let id = state
        .store
        .add_facility(&input, &user.user.username, now_ms())
        .await?;
    crate::jobs::queue::coverage_after_change(state, &input.district_code, now_ms()).await?;
    Ok(Ok(id))
}

/// A facility the user may see, or why not.
pub async fn viewable_facility(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    lang: Lang,
) -> Result<FacilityRow, AppError> {
    let row = state.store.facility(id).await?.ok_or(AppError::NotFound)?;
    if may_view(user, &row.region_code) {
        Ok(row)
    } else {
        Err(outside_area(lang, &row.region_code))
    }
}

/// A facility the user may change, or why not (`refusal` when it is not theirs to keep).
async fn editable_facility(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    lang: Lang,
    refusal: (&str, &str),
) -> Result<FacilityRow, AppError> {
    let row = viewable_facility(state, user, id, lang).await?;
    allow(may_edit(user, &row.region_code), lang, refusal)?;
    Ok(row)
}

/// Changes a facility's fields (its district and source stay) if it is still at `read_at`, the
/// version the edit form was read at; otherwise [`AppError::Stale`] and nothing is written.
pub async fn update_facility(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    (form, read_at): (&FacilityForm, i64),
    lang: Lang,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let refusal = ("您不能修改这个设施", "you may not change this facility");
    let row = editable_facility(state, user, id, lang, refusal).await?;
    let checked = match check_facility(form, lang) {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    // Placed within the user's own area (a city administrator's: the facility's district).
    let keeper = if matches!(user.region_level.as_str(), "city" | "province") {
        area(state, &row.district_code).await?
    } else {
        area(state, &user.user.region_code).await?
    };
    let kept = (
        row.district_code.clone(),
        row.source.clone(),
        row.source_ref.clone(),
    );
    let input = match placed_input(state, user, &keeper, (form, checked), kept, lang).await? {
        Ok(input) => input,
        Err(error) => return Ok(Err(vec![error])),
    };
    match state
        .store
        .update_facility(id, read_at, &input, &user.user.username, now_ms())
        .await?
    {
        FacilityUpdate::Updated => {
            crate::jobs::queue::coverage_after_change(state, &row.district_code, now_ms()).await?;
            Ok(Ok(()))
        }
        FacilityUpdate::NotFound => Err(AppError::NotFound),
        FacilityUpdate::Stale(now) => Err(stale_facility(state, lang, &now).await),
    }
}

/// The refusal of a facility form read before the facility's last change.
pub async fn stale_facility(state: &AppState, lang: Lang, now: &FacilityRow) -> AppError {
    versions::stale(
        state,
        lang,
        versions::FACILITY,
        now.version,
        Some(&now.updated_by),
        Some(now.updated_at),
    )
    .await
}

/// Deletes a facility that is not a centre.
pub async fn delete_facility(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    read_at: Option<i64>,
    lang: Lang,
) -> Result<FacilityRow, AppError> {
    let refusal = ("您不能删除这个设施", "you may not delete this facility");
    let row = editable_facility(state, user, id, lang, refusal).await?;
    match state
        .store
        .delete_facility(id, read_at, &user.user.username, now_ms())
        .await?
    {
        xingfu_store::facilities::Deleted::Deleted => {
            crate::jobs::queue::coverage_after_change(state, &row.district_code, now_ms()).await?;
            Ok(row)
        }
        xingfu_store::facilities::Deleted::NotFound => Err(AppError::NotFound),
        xingfu_store::facilities::Deleted::Stale(now) => {
            Err(stale_facility(state, lang, &now).await)
        }
        xingfu_store::facilities::Deleted::IsCentre => Err(AppError::Conflict(lang.text(
            "这是邻里中心：请先取消邻里中心标记",
            "this is a neighbourhood centre: remove the centre first",
        ))),
    }
}
