//! The survey pages: the resident's questionnaire, staff entry, settings, results, posters and
//! the review of held answers.

mod review;
mod surveys;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
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
            get(review::show).post(review::decide),
        )
}
