//! The 工作台 (workbench): after signing in every person lands on the list of what waits for
//! them across every feature — what, where, by when, and a button straight to the page that does
//! it — with counts per kind; and the same list as JSON (`GET /api/v1/todo`).

pub mod api;
pub mod pages;
pub mod service;

use axum::Router;
use axum::routing::get;

use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .pages(Router::new().route("/workbench", get(pages::workbench)))
        .api(api::routes())
}
