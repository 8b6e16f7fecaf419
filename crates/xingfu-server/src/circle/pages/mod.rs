//! Pages of the 15-minute service circle: the facility registry of an area (list, add / edit
//! with an error summary, CSV / GeoJSON / OpenStreetMap import with numbered problems),
//! coverage per community as tables and an inline SVG map of homes within reach and gaps (no
//! JavaScript: the map is drawn on the server and repeated in the tables), siting suggestions
//! with their gains, and neighbourhood centres with their star ratings. The rules are in
//! [`crate::circle::service`].

mod centres;
mod coverage;
mod facility;
mod imports;
mod kit;
mod map;
mod registry;
mod siting;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::app::files::MAX_UPLOAD;
use crate::app::state::AppState;

/// The import and boundary routes, with room for a 10 MB file.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/circle/areas/{code}/import",
            post(imports::import).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route(
            "/circle/areas/{code}/boundaries",
            post(imports::boundaries).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/circle", get(registry::home))
        .route("/circle/areas/{code}", get(registry::facilities))
        .route("/circle/areas/{code}/facilities", post(facility::create))
        .route(
            "/circle/areas/{code}/facilities/new",
            get(facility::new_facility),
        )
        .route(
            "/circle/areas/{code}/import-network",
            post(imports::import_network),
        )
        .route(
            "/circle/areas/{code}/coverage",
            get(coverage::coverage).post(coverage::recompute),
        )
        .route(
            "/circle/areas/{code}/origins.csv",
            get(coverage::origins_csv),
        )
        .route("/circle/areas/{code}/siting", get(siting::siting))
        .route(
            "/circle/facilities/{id}",
            get(facility::facility).post(facility::update),
        )
        .route("/circle/facilities/{id}/delete", post(facility::delete))
        .route(
            "/circle/facilities/{id}/centre",
            post(facility::centre_flag),
        )
        .route(
            "/circle/centres/{id}",
            get(centres::centre).post(centres::rate),
        )
}
