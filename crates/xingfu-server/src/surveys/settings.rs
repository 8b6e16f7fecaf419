//! A round's survey settings: the questionnaire shipped for its standard, the quota and the
//! closing day.

use xingfu_core::survey::closing;
use xingfu_core::workflow::Role;
use xingfu_store::surveys::{NewSurveySettings, SettingsSaved, SurveySettingsRow};

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::service::{by, round_of};
use xingfu_formats::problems_in_one_line;

/// Largest quota a round may set.
pub const MAX_QUOTA: i64 = 100_000;

/// What an administrator sets: the quota and the closing day as typed (`YYYY-MM-DD`; empty:
/// none).
#[derive(Debug, Clone, Copy)]
pub struct SurveyChoice<'a> {
    pub quota: i64,
    pub closes_on: &'a str,
}

/// The closing time of a closing day as typed: `None` when empty; refused when it is not a
/// date or already past (a typo must not close a running survey).
pub fn closing_time(closes_on: &str, now_ms: i64, lang: Lang) -> Result<Option<i64>, AppError> {
    let field = lang.pick("截止日期", "Closing day");
    if closes_on.trim().is_empty() {
        return Ok(None);
    }
    let closes = closing::closes_at(closes_on).map_err(|e| {
        AppError::BadRequest(format!(
            "{field}{}{}",
            lang.colon(),
            lang.pick(&e.zh(), &e.en())
        ))
    })?;
    if closes <= now_ms {
        return Err(AppError::BadRequest(lang.text(
            format!("{field}\u{ff1a}不能早于今天"),
            format!("{field}: not before today"),
        )));
    }
    Ok(Some(closes))
}

/// Sets the round's survey: the questionnaire shipped for its standard, the quota and the
/// closing day. City or district administrators whose area contains the round's region.
pub async fn save_settings(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    choice: SurveyChoice<'_>,
    read_at: Option<i64>,
    lang: Lang,
) -> Result<SurveySettingsRow, AppError> {
    let quota = choice.quota;
    let round = round_of(state, round_id).await?;
    let admin = matches!(user.role, Role::CityAdmin | Role::DistrictAdmin);
    if !admin || !user.actor().covers(&round.region_code) {
        return Err(AppError::Forbidden(lang.text(
            "只有本评选年度所在地区的市级或区级管理员可以设置满意度调查",
            "only a city or district administrator of the round's area sets its survey",
        )));
    }
    if !(0..=MAX_QUOTA).contains(&quota) {
        return Err(AppError::BadRequest(lang.text(
            format!("样本量须在 0–{MAX_QUOTA} 户之间"),
            format!("the quota must be between 0 and {MAX_QUOTA} households"),
        )));
    }
    let closes_at = closing_time(choice.closes_on, now_ms(), lang)?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let shipped = xingfu_formats::shipped_questionnaires::SHIPPED
        .iter()
        .find(|q| q.standard == standard.id);
    let (Some(shipped), Some(loaded)) = (
        shipped,
        xingfu_formats::shipped_questionnaires::for_standard(&standard),
    ) else {
        return Err(AppError::BadRequest(lang.text(
            format!("标准 {} 没有随附的满意度调查问卷", standard.id),
            format!("no questionnaire ships for standard {}", standard.id),
        )));
    };
    let questionnaire = loaded.map_err(|problems| {
        internal(format!(
            "shipped questionnaire {} does not load with its standard: {}",
            shipped.id,
            problems_in_one_line(&problems)
        ))
    })?;
    let saved = state
        .store
        .set_survey_settings(
            &NewSurveySettings {
                round_id,
                questionnaire_id: &questionnaire.id,
                questionnaire_version: &questionnaire.version,
                questionnaire_body: shipped.text,
                quota,
                closes_at,
                read_at,
            },
            by(user),
        )
        .await?;
    state.surveys.forget_round(round_id);
    match saved {
        SettingsSaved::Saved(row) => Ok(row),
        SettingsSaved::QuestionnaireLocked { answers } => Err(AppError::Conflict(lang.text(
            format!("本年度已收到 {answers} 份其他版本问卷的答卷，不能更换问卷"),
            format!("the round already holds {answers} answers to another questionnaire version"),
        ))),
        SettingsSaved::Stale(now) => Err(crate::app::versions::stale(
            state,
            lang,
            crate::app::versions::SURVEY_SETTINGS,
            now.as_ref().map_or(0, |n| n.version),
            now.as_ref().map(|n| n.updated_by.as_str()),
            now.as_ref().map(|n| n.updated_at),
        )
        .await),
    }
}
