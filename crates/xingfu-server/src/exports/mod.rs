//! Exports made in the background by the job queue: a round's results workbook, or every
//! document of a round in one ZIP, for the person who asked, downloaded from their list.

pub mod api;
pub mod pages;
pub mod service;

use axum::Router;
use axum::routing::get;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(
            Router::new()
                .route("/exports", get(pages::list).post(pages::ask))
                .route("/exports/{id}/file", get(pages::file)),
        )
        .api(api::routes())
}
