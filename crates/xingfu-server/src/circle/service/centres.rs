//! Neighbourhood centres (邻里中心): running a facility as one, and what the platform knows for
//! a centre's rating (activities, people served, survey satisfaction, circle figures).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use xingfu_core::Dec2;
use xingfu_core::standard::Standard;
use xingfu_store::facilities::{CentreRow, Flagged};
use xingfu_store::regions::RegionRow;

use super::areas::{area, may_edit, may_view, outside_area};
use super::facilities::{stale_facility, viewable_facility};
use super::form::{FieldError, MAX_HOURS_CHARS, too_long};
use super::metrics::circle_metrics;
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The standard centres are rated with.
pub const CENTRE_STANDARD: &str = "fengze-centre";

/// Flags a facility as a neighbourhood centre serving `community` (its own by default).
pub async fn flag_centre(
    state: &AppState,
    user: &CurrentUser,
    facility_id: &str,
    read_at: Option<i64>,
    community: &str,
    service_area: &str,
    lang: Lang,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let row = viewable_facility(state, user, facility_id, lang).await?;
    let community = match community.trim() {
        "" => row.community_code.clone().unwrap_or_default(),
        code => code.to_string(),
    };
    let mut errors = Vec::new();
    let known = match state.store.region(&community).await? {
        Some(r) => r.level == "community",
        None => false,
    };
    let same_district = row
        .district_code
        .get(..6)
        .is_some_and(|district| community.starts_with(district));
    if !known || !same_district {
        errors.push(FieldError::new(
            "centre_community",
            lang.text(
                "请选择邻里中心服务的社区（与设施同一个区）",
                "choose the community the centre serves (in the facility's district)",
            ),
        ));
    } else if !may_edit(user, &community) || !may_edit(user, &row.region_code) {
        return Err(outside_area(lang, &community));
    }
    let service_area = service_area.trim();
    let what = ("服务范围", "the service area is");
    errors.extend(too_long(
        "service_area",
        service_area,
        MAX_HOURS_CHARS,
        what,
        lang,
    ));
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    match state
        .store
        .flag_centre(
            facility_id,
            read_at,
            &community,
            service_area,
            &user.user.username,
            now_ms(),
        )
        .await?
    {
        Flagged::Done => Ok(Ok(())),
        Flagged::NotFound => Err(AppError::NotFound),
        Flagged::Stale(now) => Err(stale_facility(state, lang, &now).await),
    }
}

/// A centre the user may see, with its community.
pub async fn viewable_centre(
    state: &AppState,
    user: &CurrentUser,
    facility_id: &str,
    lang: Lang,
) -> Result<(CentreRow, RegionRow), AppError> {
    let centre = state
        .store
        .centre(facility_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_view(user, &centre.community_code) {
        return Err(outside_area(lang, &centre.community_code));
    }
    let community = area(state, &centre.community_code).await?;
    Ok((centre, community))
}

/// A satisfaction rate the platform's surveys give for a community.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyRate {
    pub round_id: String,
    pub year: i64,
    pub rate: Dec2,
    pub respondents: u64,
}

/// What the platform knows for a centre's rating.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlatformFigures {
    /// Volunteer activities held in the community in the year.
    pub activities: Option<Dec2>,
    /// People served by them.
    pub people_served: Option<Dec2>,
    pub surveys: Vec<SurveyRate>,
    /// The community's circle metrics.
    pub circle: BTreeMap<String, Dec2>,
}

/// The platform's figure a numeric clause's measure stands for (fengze-centre's wording).
pub fn platform_measure(measure: &str) -> Option<&'static str> {
    match measure {
        "年度活动开展量" => Some("activities.count"),
        "年度服务群众量" => Some("people_served.count"),
        _ => None,
    }
}

/// The rating year as [start, end) in China time.
fn year_bounds(year: i64) -> Option<(i64, i64)> {
    let day = |year: i64| {
        xingfu_core::dates::parse_day(&format!("{year}-01-01"))
            .ok()
            .map(xingfu_core::dates::Moment::unix_ms)
    };
    Some((day(year)?, day(year + 1)?))
}

/// The year (China time) a moment falls in; 2000 or 2100 outside those years.
pub fn year_of(ms: i64) -> i64 {
    let mut year = 2000;
    while year < 2100 && year_bounds(year + 1).is_some_and(|(start, _)| start <= ms) {
        year += 1;
    }
    year
}

/// The satisfaction rates of the rounds with a survey covering the community (newest first);
/// a round below its quota, or without answers from the community, is left out.
async fn survey_rates(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    lang: Lang,
) -> Result<Vec<SurveyRate>, AppError> {
    let mut rates = Vec::new();
    for round in state.store.rounds_overlapping(community).await? {
        if crate::surveys::service::round_survey(state, &round.id)
            .await?
            .is_none()
        {
            continue;
        }
        let Ok(results) =
            crate::surveys::area_results(state, user, &round.id, Some(community), lang).await
        else {
            continue;
        };
        let Ok(report) = xingfu_core::survey::results::report(
            &results.survey.questionnaire,
            &results.tally,
            None,
            results.quota,
        ) else {
            continue;
        };
        if report.quota.is_some_and(|q| !q.met) {
            continue;
        }
        if let Some(rate) = report.overall.percent {
            rates.push(SurveyRate {
                round_id: round.id.clone(),
                year: round.year,
                rate,
                respondents: report.respondents,
            });
        }
    }
    Ok(rates)
}

/// What the platform offers for a centre's rating in `year`.
pub async fn platform_figures(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    year: i64,
    lang: Lang,
) -> Result<PlatformFigures, AppError> {
    let mut figures = PlatformFigures::default();
    if let Some((from, to)) = year_bounds(year) {
        for (key, value) in
            crate::people::service::people_metrics(state, community, from, to).await?
        {
            match key {
                "activities.count" => figures.activities = Some(value),
                "people_served.count" => figures.people_served = Some(value),
                _ => {}
            }
        }
    }
    figures.surveys = survey_rates(state, user, community, lang).await?;
    figures.circle = circle_metrics(state, community)
        .await?
        .into_iter()
        .collect();
    Ok(figures)
}

/// The stored standard centres are rated with: its newest version, or the one asked for.
pub async fn centre_standard(
    state: &AppState,
    version: Option<&str>,
    lang: Lang,
) -> Result<Arc<Standard>, AppError> {
    let stored = state.store.stored_standards().await?;
    let version = match version.filter(|v| !v.is_empty()) {
        Some(v) => v.to_string(),
        None => stored
            .iter()
            .filter(|s| s.id == CENTRE_STANDARD)
            .max_by_key(|s| s.loaded_at)
            .map(|s| s.version.clone())
            .ok_or_else(|| {
                AppError::Conflict(lang.text(
                    format!("没有载入标准 {CENTRE_STANDARD}"),
                    format!("the standard {CENTRE_STANDARD} is not loaded"),
                ))
            })?,
    };
    state.standard(CENTRE_STANDARD, &version).await
}
