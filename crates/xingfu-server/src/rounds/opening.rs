//! Opening a round from the pages: the choices the form offers (stored standards, the areas the
//! administrator may open a round for) and the form's fields checked and handed to
//! [`super::service::open_round`], the same call the API and the command line make.

use xingfu_core::workflow::Role;
use xingfu_store::rounds::{NewRound, RoundRow};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::i18n::Lang;

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
    let new = NewRound {
        year,
        region_code: form.area.trim(),
        standard_id,
        standard_version,
        objection_days,
    };
    super::service::open_round(state, user, &new, lang).await
}
