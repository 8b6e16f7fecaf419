//! Evaluation standards and the reference data beside them: the stored versions, a clause
//! table's Excel import and download, and the regions.

pub mod api;
pub mod pages;
pub mod service;

use axum::Router;
use axum::routing::get;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(Router::new().route("/standards", get(pages::list)).route(
            "/standards/{id}/{version}/clauses.xlsx",
            get(pages::download),
        ))
        .uploads(pages::upload_routes())
        .api(api::routes())
        .api_uploads(api::upload_routes())
}
