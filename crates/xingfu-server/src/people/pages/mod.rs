//! The people pages: visits and households, attention lists and the access log, volunteers,
//! activities, the love mall and the figures they feed into ratings.

mod visits;
mod volunteers;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

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
}
