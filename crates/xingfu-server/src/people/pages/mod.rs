//! The people pages: visits and households, attention lists and the access log, volunteers,
//! activities, the love mall and the figures they feed into ratings.

mod access_log;
mod activities;
mod assignments;
mod community;
mod figures;
mod form;
mod households;
mod labels;
mod mall;
mod points;
mod visit_form;
mod visits;
mod volunteers;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/visits", get(visits::overview))
        .route("/visits/lists/{category}", get(visits::list))
        .route("/visits/households", post(households::create_household))
        .route("/visits/households/new", get(households::new_household))
        .route("/visits/households/{id}", get(households::household))
        .route(
            "/visits/households/{id}/attention",
            post(households::add_attention),
        )
        .route(
            "/visits/households/{id}/attention/{entry}/remove",
            post(households::remove_attention),
        )
        .route(
            "/visits/households/{id}/visits/new",
            get(visit_form::new_visit),
        )
        .route(
            "/visits/households/{id}/visits",
            post(visit_form::record_visit),
        )
        .route(
            "/visits/visits/{visit}/follow-ups/{seq}/done",
            post(visit_form::complete_follow_up),
        )
        .route("/visits/access-log", get(access_log::access_log))
        .route(
            "/visits/assignments",
            get(assignments::assignments).post(assignments::assign),
        )
        .route("/visits/assignments/remove", post(assignments::unassign))
        .route("/volunteers", get(volunteers::overview))
        .route("/volunteers/me", get(points::me))
        .route("/volunteers/stations", post(volunteers::create_station))
        .route("/volunteers/teams", post(volunteers::create_team))
        .route("/volunteers/people", post(volunteers::create_volunteer))
        .route("/volunteers/people/{id}", get(points::volunteer))
        .route("/volunteers/people/{id}/adjust", post(points::adjust))
        .route("/volunteers/people/{id}/refund", post(points::refund))
        .route("/volunteers/activities", post(volunteers::create_activity))
        .route("/volunteers/activities/{id}", get(activities::activity))
        .route(
            "/volunteers/activities/{id}/sign-in",
            post(activities::sign_in),
        )
        .route(
            "/volunteers/activities/{id}/sign-out",
            post(activities::sign_out),
        )
        .route(
            "/volunteers/activities/{id}/served",
            post(activities::people_served),
        )
        .route(
            "/volunteers/activities/{id}/cancel",
            post(activities::cancel),
        )
        .route("/mall", get(mall::mall))
        .route("/mall/redeem", post(mall::redeem))
        .route("/mall/items", post(mall::create_item))
        .route("/mall/items/{id}/restock", post(mall::restock))
        .route("/mall/items/{id}/active", post(mall::set_active))
        .route("/people/metrics", get(figures::metrics))
}
