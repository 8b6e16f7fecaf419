//! Opening a round from the pages: the choices the form offers (stored standards, the areas the
//! administrator may open a round for) and the form's fields checked and handed to
//! [`super::service::open_round`], the same call the API and the command line make; with a
//! sample size typed, the round's resident survey is opened with it (the surveys' own settings).

use xingfu_core::workflow::Role;
use xingfu_store::rounds::{NewRound, RoundRow};

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys;
use crate::surveys::settings::SurveyChoice;

/// What the form offers: (value, label) pairs.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// `id@version` → "幸福社区评价标准（2012.1）".
    pub standards: Vec<(String, String)>,
    /// Region code → name: the administrator's own area and the districts or streets in it.
    pub areas: Vec<(String, String)>,
    /// This year in China, the form's default.
    pub this_year: i64,
}

/// The form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub objection_days: String,
    /// The resident survey's quota (households per community); empty: no survey yet.
    #[serde(default)]
    pub survey_quota: String,
    /// The survey's closing day, `YYYY-MM-DD`; empty: none.
    #[serde(default)]
    pub survey_closes_on: String,
}

/// The form's choices for a city or district administrator; `None` for anyone else.
pub async fn choices(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
) -> Result<Option<Choices>, AppError> {
    if !matches!(user.role, Role::CityAdmin | Role::DistrictAdmin) {
        return Ok(None);
    }
    let mut standards = Vec::new();
    for stored in state.store.stored_standards().await? {
        let standard = state.standard(&stored.id, &stored.version).await?;
        let name = lang.pick(
            &standard.name,
            standard.name_en.as_deref().unwrap_or(&standard.name),
        );
        standards.push((
            format!("{}@{}", stored.id, stored.version),
            lang.text(
                format!("{name}\u{ff08}{}\u{ff09}", stored.version),
                format!("{name} ({})", stored.version),
            ),
        ));
    }
    let mut areas = Vec::new();
    if let Some(own) = state.store.region(&user.user.region_code).await? {
        areas.push((own.code.clone(), own.name.clone()));
        for child in state.store.children(&own.code).await? {
            if child.level != "community" {
                areas.push((child.code, child.name));
            }
        }
    }
    let today = xingfu_core::dates::local_text(now_ms());
    let this_year = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    Ok(Some(Choices {
        standards,
        areas,
        this_year,
    }))
}

/// Checks the typed form and opens the round; a field that is not valid is refused with its
/// name in the message, as the service refuses a bad value.
pub async fn open(
    state: &AppState,
    user: &CurrentUser,
    form: &OpenForm,
    lang: Lang,
) -> Result<RoundRow, AppError> {
    let Some((standard_id, standard_version)) = form.standard.split_once('@') else {
        return Err(AppError::BadRequest(lang.text(
            "评价标准\u{ff1a}请选择一个评价标准",
            "Standard: choose a standard",
        )));
    };
    let year: i64 = form.year.trim().parse().map_err(|_| {
        AppError::BadRequest(lang.text(
            format!(
                "年度\u{ff1a}\u{201c}{}\u{201d}不是年份\u{ff0c}请填写如 2026",
                form.year.trim()
            ),
            format!(
                "Year: “{}” is not a year; write one such as 2026",
                form.year.trim()
            ),
        ))
    })?;
    let objection_days: i64 = form.objection_days.trim().parse().map_err(|_| {
        AppError::BadRequest(lang.text(
            format!(
                "公示期\u{ff1a}\u{201c}{}\u{201d}不是天数\u{ff0c}请填写 0 到 365 之间的整数",
                form.objection_days.trim()
            ),
            format!(
                "Objection period: “{}” is not a number of days; write a whole number from 0 to 365",
                form.objection_days.trim()
            ),
        ))
    })?;
    // The survey's fields are checked before the round is opened, so a refusal leaves nothing
    // half made.
    let survey = survey_choice(form, standard_id, lang)?;
    let new = NewRound {
        year,
        region_code: form.area.trim(),
        standard_id,
        standard_version,
        objection_days,
    };
    let round = super::service::open_round(state, user, &new, lang).await?;
    if let Some(choice) = survey {
        surveys::settings::save_settings(state, user, &round.id, choice, Some(0), lang).await?;
    }
    Ok(round)
}

/// The survey the form asks for with the round: `None` when no quota is typed.
fn survey_choice<'f>(
    form: &'f OpenForm,
    standard_id: &str,
    lang: Lang,
) -> Result<Option<SurveyChoice<'f>>, AppError> {
    let typed = form.survey_quota.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let field = lang.pick("居民满意度调查样本量", "Survey sample size");
    let quota = typed
        .parse::<i64>()
        .ok()
        .filter(|q| (0..=surveys::settings::MAX_QUOTA).contains(q))
        .ok_or_else(|| {
            AppError::BadRequest(lang.text(
                format!(
                    "{field}\u{ff1a}\u{201c}{typed}\u{201d}不是 0 到 {} 之间的整数",
                    surveys::settings::MAX_QUOTA
                ),
                format!(
                    "{field}: “{typed}” is not a whole number from 0 to {}",
                    surveys::settings::MAX_QUOTA
                ),
            ))
        })?;
    if !xingfu_formats::shipped_questionnaires::SHIPPED
        .iter()
        .any(|q| q.standard == standard_id)
    {
        return Err(AppError::BadRequest(lang.text(
            format!("{field}\u{ff1a}该评价标准没有随附的满意度调查问卷\u{ff0c}请留空"),
            format!("{field}: this standard ships no survey questionnaire; leave it empty"),
        )));
    }
    let closes_on = form.survey_closes_on.trim();
    surveys::settings::closing_time(closes_on, now_ms(), lang)?;
    Ok(Some(SurveyChoice { quota, closes_on }))
}
