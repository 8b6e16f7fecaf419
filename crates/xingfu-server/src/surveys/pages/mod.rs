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
use crate::web::prefixed_routes::PrefixedRoutes;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/s/{token}",
            get(resident::resident_start).post(resident::resident_post),
        )
        .route("/s/{token}/done", get(resident::resident_done))
        .under(
            "/rounds/{round}/surveys",
            [
                ("", get(results::results)),
                ("/settings", post(results::save_settings)),
                ("/results.xlsx", get(results::export)),
                ("/fraud", get(fraud::fraud)),
                ("/{code}/link", post(poster::make_link)),
                ("/{code}/poster", get(poster::poster)),
                ("/{code}/contact", post(poster::save_contact)),
                ("/{code}/area", post(fraud::save_area)),
                (
                    "/{code}/enter",
                    get(enter::enter_show).post(enter::enter_save),
                ),
                ("/{code}/review", get(review::show).post(review::decide)),
            ],
        )
}
