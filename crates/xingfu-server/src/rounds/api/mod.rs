//! The round's JSON API: rounds, entries and their workflow, evidence, exports,
//! rectifications and objections.

pub mod decisions;
pub mod entries;
pub mod objections;
pub mod rounds;
pub mod work;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses, OpenApi};

use crate::app::state::AppState;
use crate::web::api_call::Api;
use crate::web::api_error::{ApiError, ErrorBody};

/// `/rounds/{id}/rectifications/{task}`: one rectification task of a round.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TaskPath {
    /// Round id
    pub id: String,
    /// Task id
    pub task: String,
}

crate::error_answers! {
    NoEntry: 404, "No such round or entry";
}

/// How reading an entry's records is refused.
#[derive(IntoResponses)]
pub enum EntryReadRefusals {
    #[response(
        status = 403,
        description = "The community is outside the caller's area"
    )]
    Outside(ErrorBody),
    #[response(status = 404, description = "No such round or entry")]
    NoEntry(ErrorBody),
}

/// Refuses an entry the caller may not see (403 outside their area, 404 when there is none),
/// before its records are read.
async fn visible_entry(api: &Api, round_id: &str, code: &str) -> Result<(), ApiError> {
    crate::rounds::service::load_visible(&api.state, &api.user, round_id, code, api.lang)
        .await
        .map_err(api.app())?;
    Ok(())
}

pub fn routes() -> Router<AppState> {
    // Under /rounds/{id}/entries/{code}: the entry's sheet, workflow, log and objections.
    let entry = Router::new()
        .route("/answers", get(entries::answers).put(entries::save_answers))
        .route("/check", post(entries::check))
        .route("/compute", post(entries::compute))
        .route("/approve", post(entries::approve))
        .route("/send-back", post(decisions::send_back))
        .route("/publish", post(entries::publish))
        .route("/name", post(entries::name))
        .route("/audit", get(entries::audit))
        .route("/objections", get(objections::list).post(objections::lodge))
        .route("/objections/{objection}/decide", post(objections::decide));
    // Under /rounds/{id}/rectifications/{task}: the task's steps.
    let task = Router::new()
        .route("/submit", post(work::submit))
        .route("/verify", post(work::verify))
        .route("/reopen", post(work::reopen));
    Router::new()
        .route("/rounds", get(rounds::list).post(rounds::create))
        .route("/rounds/{id}", get(rounds::show))
        .route("/rounds/{id}/budget", get(rounds::budget))
        .route("/rounds/{id}/approvals", post(decisions::approve_many))
        .route(
            "/rounds/{id}/entries",
            get(entries::list).post(entries::declare),
        )
        .route("/rounds/{id}/entries/{code}", get(entries::show))
        .nest("/rounds/{id}/entries/{code}", entry)
        .route("/evidence/{id}", get(work::download_evidence))
        .route("/rounds/{id}/export.xlsx", get(work::export_round))
        .route("/rounds/{id}/score-sheet.xlsx", get(work::score_sheet))
        .route("/rounds/{id}/rectifications", get(work::rectifications))
        .nest("/rounds/{id}/rectifications/{task}", task)
}

/// Evidence shares its path between listing and uploading; both live here, with the upload's
/// limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/rounds/{id}/entries/{code}/evidence",
        get(work::list_evidence).post(work::upload_evidence).layer(
            axum::extract::DefaultBodyLimit::max(crate::app::files::MAX_UPLOAD + 1),
        ),
    )
}

#[derive(OpenApi)]
#[openapi(paths(
    rounds::list,
    rounds::create,
    rounds::show,
    rounds::budget,
    entries::list,
    entries::declare,
    entries::show,
    entries::answers,
    entries::save_answers,
    entries::check,
    entries::compute,
    entries::approve,
    decisions::send_back,
    decisions::approve_many,
    entries::publish,
    entries::name,
    entries::audit,
    work::list_evidence,
    work::upload_evidence,
    work::download_evidence,
    work::export_round,
    work::score_sheet,
    work::rectifications,
    work::submit,
    work::verify,
    work::reopen,
    objections::list,
    objections::lodge,
    objections::decide,
))]
pub struct Doc;
