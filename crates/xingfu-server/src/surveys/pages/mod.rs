//! The survey pages: the resident's questionnaire, staff entry, settings, results, posters and
//! the review of held answers.

mod enter;
mod form;
mod fraud;
mod poster;
mod report;
mod resident;
mod results;
mod review;
mod words;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/s/{token}",
            get(resident::resident_start).post(resident::resident_post),
        )
        .route("/s/{token}/done", get(resident::resident_done))
        .route("/rounds/{round}/surveys", get(results::results))
        .route(
            "/rounds/{round}/surveys/settings",
            post(results::save_settings),
        )
        .route("/rounds/{round}/surveys/results.xlsx", get(results::export))
        .route("/rounds/{round}/surveys/fraud", get(fraud::fraud))
        .route(
            "/rounds/{round}/surveys/{code}/link",
            post(poster::make_link),
        )
        .route("/rounds/{round}/surveys/{code}/poster", get(poster::poster))
        .route(
            "/rounds/{round}/surveys/{code}/area",
            post(fraud::save_area),
        )
        .route(
            "/rounds/{round}/surveys/{code}/enter",
            get(enter::enter_show).post(enter::enter_save),
        )
        .route(
            "/rounds/{round}/surveys/{code}/review",
            get(review::show).post(review::decide),
        )
}
