//! Regions and standards over the API, and a clause table's import as a new version.

pub mod import;
pub mod reference;

use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::app::state::AppState;

crate::error_answers! {
    NoStandardVersion: 404, "No such standard version";
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/regions/{code}", get(reference::region))
        .route("/regions/{code}/children", get(reference::children))
        .route("/standards", get(reference::standards))
        .route("/standards/{id}/{version}", get(reference::standard))
        .route(
            "/standards/{id}/{version}/clauses.xlsx",
            get(import::clause_table),
        )
}

/// The clause table import reads up to [`crate::standards::service::MAX_TABLE`] itself.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/standards/{id}/{version}/versions",
        post(import::import_version),
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        reference::region,
        reference::children,
        reference::standards,
        reference::standard,
        import::clause_table,
        import::import_version,
    ),
    components(schemas(
        import::ImportErrorBody,
        import::ImportErrorDetail,
        import::TableProblem,
        import::ImportedVersion,
    ))
)]
pub struct Doc;
