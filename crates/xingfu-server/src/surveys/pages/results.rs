//! The survey page of a round: its settings (opening the survey, the quota) and the results of
//! an area, with the way to its link, staff entry and fraud signals; and the Excel export.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xingfu_core::workflow::Role;

use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::surveys::links::link_contact;
use crate::surveys::pages::form::{Asking, Pairs, form_status, title, with_status};
use crate::surveys::pages::report::{ResultsView, results_view};
use crate::surveys::pages::words::{Words, words};
use crate::surveys::results::area_results;
use crate::surveys::service::{
    default_area, in_round_area, may_enter, may_publish_link, may_see_signals, round_of,
    round_survey,
};
use crate::surveys::settings::{MAX_QUOTA, SurveyChoice, closing_time};
use crate::surveys::workbook::results_workbook;
use crate::web::download::xlsx_attachment;
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::public_base::public_base;
use crate::web::visit::Visit;
use xingfu_core::survey::closing::closing_day;

/// The survey's settings as the page shows them.
pub struct SettingsView {
    pub questionnaire: String,
    pub quota: i64,
    /// The closing day, or that there is none.
    pub closes: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "survey_results.html")]
struct ResultsPage {
    page: Page,
    w: &'static Words,
    round_id: String,
    round_heading: String,
    area_code: String,
    area_name: String,
    is_community: bool,
    up: Option<(String, String)>,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    settings: Option<SettingsView>,
    /// csrf, the version read, the quota and the closing day shown.
    settings_form: Option<(String, i64, String, String)>,
    results: Option<ResultsView>,
    link: Option<(String, String)>,
    link_form: Option<String>,
    /// The contact the poster prints (or who it names without one), and the form that sets it:
    /// csrf and the value shown.
    contact: Option<String>,
    contact_form: Option<(String, String)>,
    enter_href: Option<String>,
    fraud_href: Option<String>,
    review_href: Option<String>,
    review_link: &'static str,
}

/// `?area=` (a region code; the user's own by default) and what was just saved.
#[derive(Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub saved: Option<String>,
}

/// GET /rounds/{round}/surveys: the survey's settings and results for an area (`?area=`), by
/// default the user's own.
pub async fn results(
    visit: Visit,
    headers: HeaderMap,
    Path(round_id): Path<String>,
    Query(query): Query<AreaQuery>,
) -> PageResult {
    let lang = visit.lang;
    let notice = match query.saved.as_deref() {
        Some("settings") => Some(words(lang).settings_saved.to_string()),
        Some("area") => Some(words(lang).area_saved.to_string()),
        Some("contact") => Some(words(lang).contact_saved.to_string()),
        _ => None,
    };
    let ask = Asking::new(&visit, &round_id);
    results_page(
        ask,
        &headers,
        query.area.as_deref(),
        Vec::new(),
        notice,
        Typed::default(),
    )
    .await
}

/// What was typed in the page's forms, shown again beside their errors.
#[derive(Default)]
pub(super) struct Typed {
    /// The quota and the closing day.
    pub settings: Option<(String, String)>,
    /// The contact on the poster.
    pub contact: Option<String>,
}

/// The page for `area`, with `errors` beside the settings and contact forms (which show what
/// was `typed`).
pub(super) async fn results_page(
    ask: Asking<'_>,
    headers: &HeaderMap,
    area: Option<&str>,
    errors: Vec<Problem>,
    notice: Option<String>,
    typed: Typed,
) -> PageResult {
    let (state, user, lang, round_id) = ask.parts();
    let w = words(lang);
    let en = lang.is_en();
    let round = round_of(state, round_id).await?;
    let may_set = matches!(user.role, Role::CityAdmin | Role::DistrictAdmin)
        && user.actor().covers(&round.region_code);
    let survey = round_survey(state, round_id).await?;
    let updated_by = match &survey {
        Some(s) => crate::app::versions::display_name(state, &s.settings.updated_by).await?,
        None => String::new(),
    };
    let settings = survey.as_ref().map(|s| {
        let q = &s.questionnaire;
        SettingsView {
            questionnaire: format!("{}({} {})", title(lang, q), q.id, q.version),
            quota: s.settings.quota,
            closes: match s.settings.closes_at {
                Some(at) => format!("{}{}", closing_day(at), w.closes_end_of_day),
                None => w.no_closing_day.to_string(),
            },
            updated: format!(
                "{} {}",
                crate::web::page::when(s.settings.updated_at),
                updated_by
            ),
        }
    });
    let settings_form = may_set.then(|| {
        let (quota, closes_on) = typed.settings.unwrap_or_else(|| match &survey {
            Some(s) => (
                s.settings.quota.to_string(),
                s.settings.closes_at.map(closing_day).unwrap_or_default(),
            ),
            None => ("30".into(), String::new()),
        });
        (
            user.csrf.clone(),
            survey.as_ref().map_or(0, |s| s.settings.version),
            quota,
            closes_on,
        )
    });
    let round_region = state
        .store
        .region(&round.region_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let round_heading = if en {
        format!("Round {} · {round_region}", round.year)
    } else {
        format!("{} 年度 · {round_region}", round.year)
    };
    let (area_code, area_name, is_community, results_view_, up) = if survey.is_some() {
        let results = area_results(state, user, round_id, area, lang).await?;
        let view = results_view(lang, &results)?;
        let is_community = results.area.level == "community";
        let up = match &results.area.parent {
            Some(parent) if user.actor().covers(parent) && in_round_area(&round, parent) => {
                state.store.region(parent).await?.map(|p| (p.code, p.name))
            }
            _ => None,
        };
        (
            results.area.code.clone(),
            results.area.name.clone(),
            is_community,
            Some(view),
            up,
        )
    } else {
        let code = default_area(user, &round, lang)?;
        let name = state
            .store
            .region(&code)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        (code, name, false, None, None)
    };
    let (mut link, mut link_form, mut enter_href) = (None, None, None);
    let (mut contact, mut contact_form) = (None, None);
    if is_community && results_view_.is_some() {
        let row = state.store.survey_link_for(round_id, &area_code).await?;
        let may_publish = may_publish_link(user, &area_code, lang).is_ok();
        if let Some(row) = &row {
            link = Some((
                format!("{}/s/{}", public_base(state, headers), row.token),
                format!("/rounds/{round_id}/surveys/{area_code}/poster"),
            ));
            contact = Some(link_contact(state, row, lang).await?);
            contact_form = may_publish.then(|| {
                let shown = typed
                    .contact
                    .unwrap_or_else(|| row.contact.clone().unwrap_or_default());
                (user.csrf.clone(), shown)
            });
        }
        link_form = (row.is_none() && may_publish).then(|| user.csrf.clone());
        enter_href = may_enter(user, &area_code, lang)
            .is_ok()
            .then(|| format!("/rounds/{round_id}/surveys/{area_code}/enter"));
    }
    let fraud_href = (results_view_.is_some() && may_see_signals(user, &area_code, lang).is_ok())
        .then(|| format!("/rounds/{round_id}/surveys/fraud?area={area_code}"));
    // The 待核实 list is per community, for those who see the fraud page.
    let review_href = (is_community && fraud_href.is_some())
        .then(|| format!("/rounds/{round_id}/surveys/{area_code}/review"));
    let status = form_status(&errors);
    let page = render(ResultsPage {
        page: ask.page(
            "",
            format!("{}{}{area_name}", w.results_heading, lang.colon()),
        ),
        w,
        round_id: round_id.to_string(),
        round_heading,
        area_code,
        area_name,
        is_community,
        up,
        errors,
        notice,
        settings,
        settings_form,
        results: results_view_,
        link,
        link_form,
        contact,
        contact_form,
        enter_href,
        fraud_href,
        review_href,
        review_link: lang.pick("待核实的答卷", "Answers held for review"),
    })?;
    Ok(with_status(page, status))
}

/// POST /rounds/{round}/surveys/settings: open the survey or change its quota.
pub async fn save_settings(
    headers: HeaderMap,
    Path(round_id): Path<String>,
    Posted { v: visit, form }: Posted<Pairs>,
) -> PageResult {
    let ask = Asking::new(&visit, &round_id);
    let (state, user, lang, _) = ask.parts();
    let area = form.get("area");
    let typed = form.get("quota").trim();
    let closes_on = form.get("closes_on").trim();
    let as_typed = || Typed {
        settings: Some((typed.to_string(), closes_on.to_string())),
        contact: None,
    };
    let mut errors: Vec<Problem> = Vec::new();
    let quota = typed
        .parse::<i64>()
        .ok()
        .filter(|q| (0..=MAX_QUOTA).contains(q));
    if quota.is_none() {
        errors.push(("quota".into(), words(lang).bad_quota.into()));
    }
    if let Err(AppError::BadRequest(message)) = closing_time(closes_on, now_ms(), lang) {
        errors.push(("closes_on".into(), message));
    }
    let Some(quota) = quota.filter(|_| errors.is_empty()) else {
        return results_page(ask, &headers, Some(area), errors, None, as_typed()).await;
    };
    // The version the form was read at; a form without one (not from this page) saves
    // over whatever is stored, as the API without `version` does.
    let read_at = form.get("version").trim().parse::<i64>().ok();
    let choice = SurveyChoice { quota, closes_on };
    match crate::surveys::settings::save_settings(state, user, &round_id, choice, read_at, lang)
        .await
    {
        Ok(_) => {}
        // Shown again with the quota as typed, the message saying who changed what, and
        // the version now stored, so a second submit is a deliberate one.
        Err(AppError::Stale(stale)) => {
            let errors = vec![("quota".into(), stale.message)];
            let page = results_page(ask, &headers, Some(area), errors, None, as_typed()).await?;
            return Ok(with_status(page, StatusCode::CONFLICT));
        }
        Err(other) => return Err(other),
    }
    Ok(Redirect::to(&format!(
        "/rounds/{round_id}/surveys?area={}&saved=settings",
        crate::app::auth::urlencode(area)
    ))
    .into_response())
}

/// GET /rounds/{round}/surveys/results.xlsx: the results of an area as a workbook.
pub async fn export(
    visit: Visit,
    Path(round_id): Path<String>,
    Query(query): Query<AreaQuery>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let results = area_results(state, user, &round_id, query.area.as_deref(), lang).await?;
    let bytes = results_workbook(&results, lang)?;
    let name = format!("survey-{}-{}.xlsx", results.round.year, results.area.code);
    Ok(xlsx_attachment(&name, bytes))
}
