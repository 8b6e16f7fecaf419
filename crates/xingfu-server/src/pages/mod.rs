//! Server-rendered pages. Every flow is a plain form POST followed by a redirect, so nothing
//! needs JavaScript; errors come back as a page in the user's language.

mod actions;
mod circle;
mod community;
mod events;
pub(crate) mod evidence;
mod grids;
mod objections;
pub(crate) mod queues;
mod rewards;
mod rounds;
mod session;
mod sheet;
mod standards;
mod survey_review;
mod surveys;
mod visits;
mod volunteers;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;

use crate::auth::{CurrentUser, urlencode};
use crate::error::AppError;
use crate::i18n::{Lang, Texts};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/visits", get(visits::overview))
        .route("/visits/lists/{category}", get(visits::list))
        .route("/visits/households", post(visits::create_household))
        .route("/visits/households/new", get(visits::new_household))
        .route("/visits/households/{id}", get(visits::household))
        .route(
            "/visits/households/{id}/attention",
            post(visits::add_attention),
        )
        .route(
            "/visits/households/{id}/attention/{entry}/remove",
            post(visits::remove_attention),
        )
        .route("/visits/households/{id}/visits/new", get(visits::new_visit))
        .route("/visits/households/{id}/visits", post(visits::record_visit))
        .route(
            "/visits/visits/{visit}/follow-ups/{seq}/done",
            post(visits::complete_follow_up),
        )
        .route("/visits/access-log", get(visits::access_log))
        .route(
            "/visits/assignments",
            get(visits::assignments).post(visits::assign),
        )
        .route("/visits/assignments/remove", post(visits::unassign))
        .route("/volunteers", get(volunteers::overview))
        .route("/volunteers/me", get(volunteers::me))
        .route("/volunteers/stations", post(volunteers::create_station))
        .route("/volunteers/teams", post(volunteers::create_team))
        .route("/volunteers/people", post(volunteers::create_volunteer))
        .route("/volunteers/people/{id}", get(volunteers::volunteer))
        .route("/volunteers/people/{id}/adjust", post(volunteers::adjust))
        .route("/volunteers/people/{id}/refund", post(volunteers::refund))
        .route("/volunteers/activities", post(volunteers::create_activity))
        .route("/volunteers/activities/{id}", get(volunteers::activity))
        .route(
            "/volunteers/activities/{id}/sign-in",
            post(volunteers::sign_in),
        )
        .route(
            "/volunteers/activities/{id}/sign-out",
            post(volunteers::sign_out),
        )
        .route(
            "/volunteers/activities/{id}/served",
            post(volunteers::people_served),
        )
        .route(
            "/volunteers/activities/{id}/cancel",
            post(volunteers::cancel),
        )
        .route("/mall", get(volunteers::mall))
        .route("/mall/redeem", post(volunteers::redeem))
        .route("/mall/items", post(volunteers::create_item))
        .route("/mall/items/{id}/restock", post(volunteers::restock))
        .route("/mall/items/{id}/active", post(volunteers::set_active))
        .route("/people/metrics", get(volunteers::metrics))
        .route("/communities/{code}/report", get(events::report_form))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::show))
        .route("/event-photos/{id}", get(events::photo))
        .route("/communities/{code}/grids", get(grids::show))
        .route("/communities/{code}/grids.geojson", get(grids::export))
        .route(
            "/rounds/{round}/communities/{code}/evidence",
            get(evidence::page),
        )
        .route("/evidence/{id}", get(evidence::download))
        .route("/rounds/{round}/export.xlsx", get(evidence::export_round))
        .route(
            "/rounds/{round}/score-sheet.xlsx",
            get(evidence::score_sheet),
        )
        .route(
            "/s/{token}",
            get(surveys::resident_start).post(surveys::resident_post),
        )
        .route("/s/{token}/done", get(surveys::resident_done))
        .route("/rounds/{round}/surveys", get(surveys::results))
        .route(
            "/rounds/{round}/surveys/settings",
            post(surveys::save_settings),
        )
        .route("/rounds/{round}/surveys/results.xlsx", get(surveys::export))
        .route("/rounds/{round}/surveys/fraud", get(surveys::fraud))
        .route(
            "/rounds/{round}/surveys/{code}/link",
            post(surveys::make_link),
        )
        .route(
            "/rounds/{round}/surveys/{code}/poster",
            get(surveys::poster),
        )
        .route(
            "/rounds/{round}/surveys/{code}/area",
            post(surveys::save_area),
        )
        .route(
            "/rounds/{round}/surveys/{code}/enter",
            get(surveys::enter_show).post(surveys::enter_save),
        )
        .route(
            "/rounds/{round}/surveys/{code}/review",
            get(survey_review::show).post(survey_review::decide),
        )
        .route("/circle", get(circle::home))
        .route("/circle/areas/{code}", get(circle::facilities))
        .route("/circle/areas/{code}/facilities", post(circle::create))
        .route(
            "/circle/areas/{code}/facilities/new",
            get(circle::new_facility),
        )
        .route(
            "/circle/areas/{code}/import-network",
            post(circle::import_network),
        )
        .route(
            "/circle/areas/{code}/coverage",
            get(circle::coverage).post(circle::recompute),
        )
        .route("/circle/areas/{code}/origins.csv", get(circle::origins_csv))
        .route("/circle/areas/{code}/siting", get(circle::siting))
        .route(
            "/circle/facilities/{id}",
            get(circle::facility).post(circle::update),
        )
        .route("/circle/facilities/{id}/delete", post(circle::delete))
        .route("/circle/facilities/{id}/centre", post(circle::centre_flag))
        .route(
            "/circle/centres/{id}",
            get(circle::centre).post(circle::rate),
        )
        .route("/", get(rounds::home))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang/{code}", get(session::set_lang))
        .route("/text/{size}", get(session::set_text_size))
        .route("/rounds", get(rounds::list))
        .route("/rounds/{round}", get(actions::round_page))
        .route(
            "/rounds/{round}/communities/{code}",
            get(actions::community_page),
        )
        .route("/rounds/{round}/declare", post(actions::declare))
        .route(
            "/rounds/{round}/communities/{code}/objections",
            post(objections::lodge),
        )
        .route(
            "/rounds/{round}/communities/{code}/objections/{id}/decide",
            post(objections::decide),
        )
        .route(
            "/rounds/{round}/communities/{code}/sheet",
            get(sheet::show).post(sheet::save),
        )
        .route(
            "/rounds/{round}/communities/{code}/check",
            post(actions::check),
        )
        .route(
            "/rounds/{round}/communities/{code}/compute",
            post(actions::compute),
        )
        .route(
            "/rounds/{round}/communities/{code}/approve",
            post(actions::approve),
        )
        .route(
            "/rounds/{round}/communities/{code}/publish",
            post(actions::publish),
        )
        .route(
            "/rounds/{round}/communities/{code}/name",
            post(actions::name),
        )
        .route(
            "/rounds/{round}/communities/{code}/rectify",
            post(actions::rectify),
        )
        .route("/rounds/{round}/approvals", get(queues::approvals))
        .route("/rounds/{round}/publication", get(queues::publication))
        .route(
            "/rounds/{round}/rectifications",
            get(queues::rectifications),
        )
        .route(
            "/rounds/{round}/rectifications/{id}/submit",
            post(queues::submit),
        )
        .route(
            "/rounds/{round}/rectifications/{id}/verify",
            post(queues::verify),
        )
        .route(
            "/rounds/{round}/rectifications/{id}/reopen",
            post(queues::reopen),
        )
        .route("/rounds/{round}/rewards", get(rewards::show))
        .route("/standards", get(standards::list))
        .route(
            "/standards/{id}/{version}/clauses.xlsx",
            get(standards::download),
        )
}

/// Routes with their own body limit, merged outside the site-wide limit for forms.
pub fn upload_routes() -> Router<AppState> {
    evidence::upload_routes()
        .merge(standards::upload_routes())
        .merge(events::upload_routes())
        .merge(grids::upload_routes())
        .merge(circle::upload_routes())
}

/// What every page's layout needs.
pub struct Page {
    pub lang: Lang,
    pub t: &'static Texts,
    pub user: Option<CurrentUser>,
    pub title: String,
    pub big: bool,
    pub path_encoded: String,
}

impl Page {
    pub fn new(
        jar: &CookieJar,
        user: Option<CurrentUser>,
        path: &str,
        title: impl Into<String>,
    ) -> Page {
        let lang = Lang::from_jar(jar);
        Page {
            lang,
            t: lang.t(),
            user,
            title: title.into(),
            big: jar.get("big").is_some_and(|c| c.value() == "1"),
            path_encoded: urlencode(path),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    message: String,
}

/// Renders an error as a page in the user's language.
pub fn error_page(jar: &CookieJar, user: Option<CurrentUser>, error: AppError) -> Response {
    let lang = Lang::from_jar(jar);
    let t = lang.t();
    let status = error.status();
    let (title, message) = match &error {
        AppError::NotFound => (t.not_found, t.not_found.to_string()),
        AppError::Forbidden(reason) if reason == "csrf" => {
            (t.form_expired, t.form_expired.to_string())
        }
        AppError::Forbidden(reason) => (t.forbidden, reason.clone()),
        AppError::BadRequest(reason) | AppError::Conflict(reason) => {
            (t.errors_title, reason.clone())
        }
        AppError::Stale(stale) => (t.errors_title, stale.message.clone()),
        AppError::Internal(e) => {
            tracing::error!("{e:#}");
            (t.server_error, t.server_error.to_string())
        }
    };
    let page = ErrorPage {
        page: Page::new(jar, user, "/", title),
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response(),
    }
}

/// The version a form was read at: its hidden `version` field (see `crate::versions`). A form
/// without one (a page from before versions, or a hand-made request) is refused, never taken
/// as current.
pub fn form_version(lang: Lang, field: Option<&str>) -> Result<i64, AppError> {
    field
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v >= 0)
        .ok_or_else(|| {
            AppError::BadRequest(
                lang.pick(
                    "表单缺少版本号\u{ff0c}没有保存任何内容。请刷新页面后重新填写。",
                    "The form has no version; nothing was saved. Reload the page and fill it in again.",
                )
                .into(),
            )
        })
}

/// Renders a template, or the error page if rendering fails.
pub fn render(template: impl Template) -> Result<Response, AppError> {
    Ok(Html(template.render()?).into_response())
}

pub fn stars(level: i64) -> String {
    let level = level.clamp(0, 5) as usize;
    if level == 0 {
        return String::new();
    }
    format!("{}{}", "★".repeat(level), "☆".repeat(5 - level))
}

pub fn star_text(lang: Lang, star: Option<i64>) -> String {
    match star {
        None => lang.t().not_computed.to_string(),
        Some(0) => lang.t().no_star.to_string(),
        Some(n) if lang.is_en() => format!("{n} star"),
        Some(n) => format!("{n}星"),
    }
}

pub fn yuan(fen: Option<i64>) -> String {
    fen.map(|f| xingfu_core::Fen(f).to_string())
        .unwrap_or_default()
}

pub fn points(hundredths: Option<i64>) -> String {
    hundredths
        .map(|h| xingfu_core::Dec2(h).to_string())
        .unwrap_or_default()
}

pub fn stage_label(lang: Lang, stage: &str) -> String {
    xingfu_core::workflow::Stage::parse(stage)
        .map(|s| lang.pick(s.zh(), s.en()).to_string())
        .unwrap_or_else(|| stage.to_string())
}

pub fn decision_label(lang: Lang, decision: Option<&str>) -> String {
    let Some(decision) = decision else {
        return String::new();
    };
    let (zh, en) = match decision {
        "new" => ("新评", "new"),
        "keep" => ("保留", "keep"),
        "upgrade" => ("升星", "upgrade"),
        "downgrade" => ("降星", "downgrade"),
        "revoke" => ("撤销", "revoke"),
        "not_rated" => ("未评星", "not rated"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}
