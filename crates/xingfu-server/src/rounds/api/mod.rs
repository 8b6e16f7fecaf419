//! The round's JSON API: rounds, entries and their workflow, evidence, exports,
//! rectifications and objections.

pub mod entries;
pub mod objections;
pub mod rounds;
pub mod work;

use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::app::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rounds", get(rounds::list).post(rounds::create))
        .route("/rounds/{id}", get(rounds::show))
        .route("/rounds/{id}/budget", get(rounds::budget))
        .route(
            "/rounds/{id}/entries",
            get(entries::list).post(entries::declare),
        )
        .route("/rounds/{id}/entries/{code}", get(entries::show))
        .route(
            "/rounds/{id}/entries/{code}/answers",
            get(entries::answers).put(entries::save_answers),
        )
        .route("/rounds/{id}/entries/{code}/check", post(entries::check))
        .route(
            "/rounds/{id}/entries/{code}/compute",
            post(entries::compute),
        )
        .route(
            "/rounds/{id}/entries/{code}/approve",
            post(entries::approve),
        )
        .route(
            "/rounds/{id}/entries/{code}/publish",
            post(entries::publish),
        )
        .route("/rounds/{id}/entries/{code}/name", post(entries::name))
        .route("/rounds/{id}/entries/{code}/audit", get(entries::audit))
        .route("/evidence/{id}", get(work::download_evidence))
        .route("/rounds/{id}/export.xlsx", get(work::export_round))
        .route("/rounds/{id}/score-sheet.xlsx", get(work::score_sheet))
        .route("/rounds/{id}/rectifications", get(work::rectifications))
        .route(
            "/rounds/{id}/rectifications/{task}/submit",
            post(work::submit),
        )
        .route(
            "/rounds/{id}/rectifications/{task}/verify",
            post(work::verify),
        )
        .route(
            "/rounds/{id}/rectifications/{task}/reopen",
            post(work::reopen),
        )
        .route(
            "/rounds/{id}/entries/{code}/objections",
            get(objections::list).post(objections::lodge),
        )
        .route(
            "/rounds/{id}/entries/{code}/objections/{objection}/decide",
            post(objections::decide),
        )
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
