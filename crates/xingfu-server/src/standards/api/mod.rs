//! Regions and standards over the API, and a clause table's import as a new version.

pub mod import;
pub mod reference;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::state::AppState;

crate::error_answers! {
    NoStandardVersion: 404, "No such standard version";
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ImportErrors::openapi())
        .routes(routes!(reference::region))
        .routes(routes!(reference::children))
        .routes(routes!(reference::standards))
        .routes(routes!(reference::standard))
        .routes(routes!(import::clause_table))
}

pub fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(import::import_version))
}

/// The import's error bodies, which its responses describe in prose rather than by reference.
#[derive(OpenApi)]
#[openapi(components(schemas(
    import::ImportErrorBody,
    import::ImportErrorDetail,
    import::TableProblem,
    import::ImportedVersion,
)))]
struct ImportErrors;
