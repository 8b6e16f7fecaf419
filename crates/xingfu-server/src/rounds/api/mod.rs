//! The round's JSON API: rounds, entries and their workflow, evidence, exports,
//! rectifications and objections.

pub mod decisions;
pub mod entries;
pub mod objections;
pub mod rounds;
pub mod work;

use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(rounds::list, rounds::create))
        .routes(routes!(rounds::show))
        .routes(routes!(rounds::budget))
        .routes(routes!(decisions::approve_many))
        .routes(routes!(entries::list, entries::declare))
        .routes(routes!(entries::show))
        // The entry's sheet, workflow, log and objections.
        .routes(routes!(entries::answers, entries::save_answers))
        .routes(routes!(entries::check))
        .routes(routes!(entries::compute))
        .routes(routes!(entries::approve))
        .routes(routes!(decisions::send_back))
        .routes(routes!(entries::publish))
        .routes(routes!(entries::name))
        .routes(routes!(entries::audit))
        .routes(routes!(objections::list, objections::lodge))
        .routes(routes!(objections::decide))
        // Evidence, workbooks and rectification tasks.
        .routes(routes!(work::download_evidence))
        .routes(routes!(work::export_round))
        .routes(routes!(work::score_sheet))
        .routes(routes!(work::rectifications))
        .routes(routes!(work::submit))
        .routes(routes!(work::verify))
        .routes(routes!(work::reopen))
}

pub fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(work::list_evidence, work::upload_evidence))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::app::files::MAX_UPLOAD + 1,
        ))
}
