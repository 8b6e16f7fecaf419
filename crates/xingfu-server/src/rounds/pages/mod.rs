//! The round's pages: the list of rounds, a round and a community's entry, the sheet, the work
//! queues (approvals, publication, rectifications), evidence, rewards and objections.

pub(crate) mod actions;
mod community;
mod downloads;
pub(crate) mod evidence;
mod headings;
mod objections;
mod public;
mod queues;
mod rectifications;
mod rewards;
mod rounds;
mod sheet;
pub(crate) mod words;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;
use crate::web::prefixed_routes::PrefixedRoutes;

/// The CSRF token of a form read as its fields in order (a name may repeat, as `pick` does).
fn csrf_field(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(rounds::home))
        .route("/rounds", get(rounds::list).post(rounds::open))
        .route("/evidence/{id}", get(downloads::evidence))
        .route("/notices", get(public::list))
        .under(
            "/rounds/{round}",
            [
                ("", get(actions::round_page)),
                ("/declare", post(actions::declare)),
                (
                    "/approvals",
                    get(queues::approvals).post(queues::approve_picked),
                ),
                ("/publication", get(queues::publication)),
                ("/rectifications", get(rectifications::rectifications)),
                ("/rectifications/{id}/submit", post(rectifications::submit)),
                ("/rectifications/{id}/verify", post(rectifications::verify)),
                ("/rectifications/{id}/reopen", post(rectifications::reopen)),
                ("/rewards", get(rewards::show)),
                ("/export.xlsx", get(downloads::export_round)),
                ("/score-sheet.xlsx", get(downloads::score_sheet)),
            ],
        )
        .under(
            "/rounds/{round}/communities/{code}",
            [
                ("", get(actions::community_page)),
                ("/objections", post(objections::lodge)),
                ("/objections/{id}/decide", post(objections::decide)),
                ("/sheet", get(sheet::show).post(sheet::save)),
                ("/check", post(actions::check)),
                ("/compute", post(actions::compute)),
                ("/approve", post(actions::approve)),
                ("/send-back", post(actions::send_back)),
                ("/publish", post(actions::publish)),
                ("/name", post(actions::name)),
                ("/rectify", post(rectifications::rectify)),
                ("/evidence", get(evidence::page)),
            ],
        )
}
