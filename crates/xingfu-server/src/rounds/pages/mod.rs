//! The round's pages: the list of rounds, a round and a community's entry, the sheet, the work
//! queues (approvals, publication, rectifications), evidence, rewards and objections.

pub(crate) mod actions;
mod community;
mod downloads;
pub(crate) mod evidence;
mod headings;
mod objections;
mod queues;
mod rectifications;
mod rewards;
mod rounds;
mod sheet;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(rounds::home))
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
            post(rectifications::rectify),
        )
        .route("/rounds/{round}/approvals", get(queues::approvals))
        .route("/rounds/{round}/publication", get(queues::publication))
        .route(
            "/rounds/{round}/rectifications",
            get(rectifications::rectifications),
        )
        .route(
            "/rounds/{round}/rectifications/{id}/submit",
            post(rectifications::submit),
        )
        .route(
            "/rounds/{round}/rectifications/{id}/verify",
            post(rectifications::verify),
        )
        .route(
            "/rounds/{round}/rectifications/{id}/reopen",
            post(rectifications::reopen),
        )
        .route("/rounds/{round}/rewards", get(rewards::show))
        .route(
            "/rounds/{round}/communities/{code}/evidence",
            get(evidence::page),
        )
        .route("/evidence/{id}", get(downloads::evidence))
        .route("/rounds/{round}/export.xlsx", get(downloads::export_round))
        .route(
            "/rounds/{round}/score-sheet.xlsx",
            get(downloads::score_sheet),
        )
}
