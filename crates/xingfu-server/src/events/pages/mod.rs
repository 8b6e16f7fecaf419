//! The event pages: the report form, the list and one event's loop, photos, and grids.

mod events;
mod grids;

use axum::Router;
use axum::routing::get;

use crate::app::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities/{code}/report", get(events::report_form))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::show))
        .route("/event-photos/{id}", get(events::photo))
        .route("/communities/{code}/grids", get(grids::show))
        .route("/communities/{code}/grids.geojson", get(grids::export))
}

/// Routes with their own body limit (photos, grid files).
pub fn upload_routes() -> Router<AppState> {
    events::upload_routes().merge(grids::upload_routes())
}
