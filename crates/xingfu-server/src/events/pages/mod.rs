//! The event pages: the report form, the list and one event's loop, photos, and grids.

mod act;
mod grids;
mod list;
mod photo;
mod report;
mod shared;
mod show;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::app::state::AppState;
use crate::events::service::EVENT_BODY_LIMIT;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities/{code}/report", get(report::report_form))
        .route("/events", get(list::list))
        .route("/events/{id}", get(show::show))
        .route("/event-photos/{id}", get(photo::photo))
        .route("/communities/{code}/grids", get(grids::show))
        .route("/communities/{code}/grids.geojson", get(grids::export))
}

/// Routes with their own body limit (photos, grid files).
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/communities/{code}/report",
            post(report::submit_report).layer(DefaultBodyLimit::max(EVENT_BODY_LIMIT)),
        )
        .route(
            "/events/{id}",
            post(act::act_on_event).layer(DefaultBodyLimit::max(EVENT_BODY_LIMIT)),
        )
        .merge(grids::upload_routes())
}
