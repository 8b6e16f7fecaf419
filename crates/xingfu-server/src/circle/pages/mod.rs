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

use self::centres::{centre, rate};
use self::coverage::{coverage, origins_csv, recompute};
use self::facility::{centre_flag, create, delete, facility, new_facility, update};
use self::imports::{boundaries, import, import_network};
use self::registry::{facilities, home};
use self::siting::siting;
use crate::app::files::MAX_UPLOAD;
use crate::app::state::AppState;

/// The import and boundary routes, with room for a 10 MB file.
pub fn upload_routes() -> Router<AppState> {
    let limit = || DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024);
    Router::new()
        .route("/circle/areas/{code}/import", post(import).layer(limit()))
        .route(
            "/circle/areas/{code}/boundaries",
            post(boundaries).layer(limit()),
        )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/circle", get(home))
        .route("/circle/areas/{code}", get(facilities))
        .route("/circle/areas/{code}/facilities", post(create))
        .route("/circle/areas/{code}/facilities/new", get(new_facility))
        .route("/circle/areas/{code}/import-network", post(import_network))
        .route(
            "/circle/areas/{code}/coverage",
            get(coverage).post(recompute),
        )
        .route("/circle/areas/{code}/origins.csv", get(origins_csv))
        .route("/circle/areas/{code}/siting", get(siting))
        .route("/circle/facilities/{id}", get(facility).post(update))
        .route("/circle/facilities/{id}/delete", post(delete))
        .route("/circle/facilities/{id}/centre", post(centre_flag))
        .route("/circle/centres/{id}", get(centre).post(rate))
}
