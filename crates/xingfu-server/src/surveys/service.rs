//! The ground every survey service stands on: a round's survey (read, and cached for answers),
//! the round and community lookups, and who may do what. Each concern lives beside it:
//! `settings`, `links`, `households`, `answers`, `results`, `fraud`, `review`, `workbook` and
//! `demo`; the writer and the caches are in `ingest`.

use std::sync::Arc;
use std::time::Duration;

use xingfu_core::region;
use xingfu_core::survey::Questionnaire;
use xingfu_core::workflow::Role;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, RoundRow};
use xingfu_store::surveys::SurveySettingsRow;

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::ingest::SurveyRuntime;
pub use crate::surveys::model::{LinkInfo, RoundSurvey};

/// Reading a round's survey settings again after this long, for answers (other app servers may
/// have changed the quota; the questionnaire cannot change once answers exist).
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);

/// `user`, now: who made a change and when.
pub(crate) fn by(user: &CurrentUser) -> By<'_> {
    By {
        actor: &user.user.username,
        at: now_ms(),
    }
}

/// A region's name, or its code when it has none stored.
pub async fn region_name(state: &AppState, code: &str) -> Result<String, AppError> {
    let name = state.store.region_name(code).await?;
    Ok(name.unwrap_or_else(|| code.to_string()))
}

/// The refusal when a round runs no survey yet.
pub fn no_survey(lang: Lang) -> AppError {
    AppError::Conflict(lang.text(
        "本评选年度还没有设置满意度调查",
        "this round has no survey set up yet",
    ))
}

/// The questionnaire of stored settings, parsed once per (id, version).
fn questionnaire_of(
    runtime: &SurveyRuntime,
    settings: &SurveySettingsRow,
) -> Result<Arc<Questionnaire>, AppError> {
    let key = (
        settings.questionnaire_id.clone(),
        settings.questionnaire_version.clone(),
    );
    if let Some(found) = runtime.questionnaire(&key) {
        return Ok(found);
    }
    let name = format!("{} {}", key.0, key.1);
    let parsed =
        xingfu_formats::questionnaire_file::load_questionnaire(&name, &settings.questionnaire_body)
            .map_err(|problems| {
                internal(format!(
                    "stored questionnaire {name} does not load: {}",
                    xingfu_formats::problems_in_one_line(&problems)
                ))
            })?;
    let parsed = Arc::new(parsed);
    runtime.remember_questionnaire(key, parsed.clone());
    Ok(parsed)
}

/// The round's survey as stored now (for results and settings pages).
pub async fn round_survey(
    state: &AppState,
    round_id: &str,
) -> Result<Option<RoundSurvey>, AppError> {
    let Some(settings) = state.store.survey_settings(round_id).await? else {
        return Ok(None);
    };
    let questionnaire = questionnaire_of(&state.surveys, &settings)?;
    Ok(Some(RoundSurvey {
        settings,
        questionnaire,
    }))
}

/// The round's survey, or the refusal saying it runs none.
pub async fn running_survey(
    state: &AppState,
    round_id: &str,
    lang: Lang,
) -> Result<RoundSurvey, AppError> {
    round_survey(state, round_id)
        .await?
        .ok_or_else(|| no_survey(lang))
}

/// The round's survey, read again after [`SETTINGS_TTL`] (for answers and the feed).
pub async fn cached_round_survey(
    state: &AppState,
    round_id: &str,
) -> Result<Option<Arc<RoundSurvey>>, AppError> {
    if let Some(found) = state.surveys.fresh_round(round_id, SETTINGS_TTL) {
        return Ok(Some(found));
    }
    let Some(survey) = round_survey(state, round_id).await? else {
        return Ok(None);
    };
    let survey = Arc::new(survey);
    state.surveys.remember_round(round_id, survey.clone());
    Ok(Some(survey))
}

/// May `user` enter phone, paper and home-visit answers for `community`? Community workers (grid
/// members), administrators and assessors whose area contains it; an assessor never for their own
/// community.
pub fn may_enter(user: &CurrentUser, community: &str, lang: Lang) -> Result<(), AppError> {
    let role_may = matches!(
        user.role,
        Role::CommunityWorker
            | Role::StreetAdmin
            | Role::DistrictAdmin
            | Role::CityAdmin
            | Role::Assessor
    );
    let own = user.role == Role::Assessor
        && user.region_level == "community"
        && user.user.region_code == community;
    if !role_may || own || !user.actor().covers(community) {
        return Err(AppError::Forbidden(lang.text(
            "只有本辖区的社区工作者、管理员或评审员可以录入问卷（评审员不录入自己所在的社区）",
            "only community workers, administrators and assessors of this area enter answers \
             (an assessor never for their own community)",
        )));
    }
    Ok(())
}

/// May `user` make a community's resident link and poster? Its community workers and the
/// administrators whose area contains it.
pub fn may_publish_link(user: &CurrentUser, community: &str, lang: Lang) -> Result<(), AppError> {
    let role_may = matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
    );
    if !role_may || !user.actor().covers(community) {
        return Err(AppError::Forbidden(lang.text(
            "只有本辖区的社区工作者或管理员可以生成问卷链接",
            "only community workers and administrators of this area make survey links",
        )));
    }
    Ok(())
}

/// May `user` see fraud signals for `area`? District and city administrators whose area contains it.
pub fn may_see_signals(user: &CurrentUser, area: &str, lang: Lang) -> Result<(), AppError> {
    if !matches!(user.role, Role::DistrictAdmin | Role::CityAdmin) || !user.actor().covers(area) {
        return Err(AppError::Forbidden(lang.text(
            "异常提示只向区级和市级管理员显示",
            "fraud signals are shown to district and city administrators only",
        )));
    }
    Ok(())
}

pub(crate) async fn round_of(state: &AppState, round_id: &str) -> Result<RoundRow, AppError> {
    state.store.round(round_id).await?.ok_or(AppError::NotFound)
}

/// Whether `code` lies in the round's area (by its code).
pub(crate) fn in_round_area(round: &RoundRow, code: &str) -> bool {
    region::within(
        code,
        &round.region_code,
        region::level_of_code(&round.region_code),
    )
}

/// A community of the round's area, or a refusal naming why not.
pub(crate) async fn community_of_round(
    state: &AppState,
    round: &RoundRow,
    community: &str,
    lang: Lang,
) -> Result<RegionRow, AppError> {
    let found = state.store.region(community).await?;
    let Some(found) = found.filter(|r| r.level == "community") else {
        return Err(AppError::BadRequest(lang.text(
            format!("{community} 不是社区编码"),
            format!("{community} is not a community code"),
        )));
    };
    if !in_round_area(round, community) {
        return Err(outside_round(lang));
    }
    Ok(found)
}

fn outside_round(lang: Lang) -> AppError {
    AppError::BadRequest(lang.text(
        "该社区不在本评选年度的范围内",
        "this community is outside the round's area",
    ))
}

/// Staff entry's check of where answers go: the round exists and `code` is a community of its
/// area (anything else is "outside the round's area").
pub async fn entry_community(
    state: &AppState,
    round_id: &str,
    code: &str,
    lang: Lang,
) -> Result<(), AppError> {
    let round = round_of(state, round_id).await?;
    let community = in_round_area(&round, code)
        && state
            .store
            .region(code)
            .await?
            .is_some_and(|r| r.level == "community");
    if community {
        Ok(())
    } else {
        Err(outside_round(lang))
    }
}

/// The area a user's results default to: their own region if it lies in the round's, else the
/// round's region if it lies in theirs.
pub fn default_area(user: &CurrentUser, round: &RoundRow, lang: Lang) -> Result<String, AppError> {
    if in_round_area(round, &user.user.region_code) {
        Ok(user.user.region_code.clone())
    } else if user.actor().covers(&round.region_code) {
        Ok(round.region_code.clone())
    } else {
        Err(AppError::Forbidden(lang.text(
            "该评选年度不在您的管辖范围内",
            "this round is outside your area",
        )))
    }
}

/// The area asked for, or else the user's default one.
pub(crate) fn chosen_area(
    user: &CurrentUser,
    round: &RoundRow,
    area: Option<&str>,
    lang: Lang,
) -> Result<String, AppError> {
    match area.filter(|a| !a.is_empty()) {
        Some(area) => Ok(area.to_string()),
        None => default_area(user, round, lang),
    }
}
