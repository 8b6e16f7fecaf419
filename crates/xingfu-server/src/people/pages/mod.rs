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
use axum::routing::{MethodRouter, get, post};

use crate::app::state::AppState;
use crate::web::built_in::never_kept;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(under(
            "/visits",
            [
                ("", get(visits::overview)),
                ("/lists/{category}", get(visits::list).layer(never_kept())),
                ("/households", post(households::create_household)),
                ("/households/new", get(households::new_household)),
                (
                    "/visits/{visit}/follow-ups/{seq}/done",
                    post(visit_form::complete_follow_up),
                ),
                (
                    "/access-log",
                    get(access_log::access_log).layer(never_kept()),
                ),
                (
                    "/assignments",
                    get(assignments::assignments).post(assignments::assign),
                ),
                ("/assignments/remove", post(assignments::unassign)),
            ],
        ))
        .merge(under(
            "/visits/households/{id}",
            [
                ("", get(households::household).layer(never_kept())),
                ("/attention", post(households::add_attention)),
                (
                    "/attention/{entry}/remove",
                    post(households::remove_attention),
                ),
                ("/visits/new", get(visit_form::new_visit)),
                ("/visits", post(visit_form::record_visit)),
            ],
        ))
        .merge(under(
            "/volunteers",
            [
                ("", get(volunteers::overview)),
                ("/me", get(points::me)),
                ("/stations", post(volunteers::create_station)),
                ("/teams", post(volunteers::create_team)),
                ("/people", post(volunteers::create_volunteer)),
                ("/people/{id}", get(points::volunteer)),
                ("/people/{id}/adjust", post(points::adjust)),
                ("/people/{id}/refund", post(points::refund)),
                ("/activities", post(volunteers::create_activity)),
            ],
        ))
        .merge(under(
            "/volunteers/activities/{id}",
            [
                ("", get(activities::activity)),
                ("/sign-in", post(activities::sign_in)),
                ("/sign-out", post(activities::sign_out)),
                ("/served", post(activities::people_served)),
                ("/cancel", post(activities::cancel)),
            ],
        ))
        .merge(under(
            "/mall",
            [
                ("", get(mall::mall)),
                ("/redeem", post(mall::redeem)),
                ("/hand-out", post(mall::hand_out)),
                ("/items", post(mall::create_item)),
                ("/items/{id}/restock", post(mall::restock)),
                ("/items/{id}/active", post(mall::set_active)),
            ],
        ))
        .route("/people/metrics", get(figures::metrics))
}

/// Routes below one path. Not `Router::nest`: that hands handlers the path without the
/// prefix, and the sign-in redirect must name the whole path.
fn under<const N: usize>(
    prefix: &str,
    routes: [(&str, MethodRouter<AppState>); N],
) -> Router<AppState> {
    routes
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(&format!("{prefix}{path}"), route)
        })
}
