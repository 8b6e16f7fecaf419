//! Xingfu's web server: the pages people use, the JSON API, and what both stand on.
//!
//! One folder per feature — [`rounds`], [`surveys`], [`people`], [`events`], [`circle`],
//! [`standards`], [`session`] — each with its service (no HTTP), its pages and its API, over the
//! shared [`web`] kit and [`app`] (state, sign-in, files, errors). [`metrics`] gathers the
//! operations' figures for the rounds' metric clauses; [`demo`] loads the demo data set. See
//! `docs/architecture.md`.

pub mod app;
pub mod basemap;
pub mod circle;
pub mod demo;
pub mod documents;
pub mod events;
pub mod exports;
pub mod health;
pub mod i18n;
pub mod jobs;
pub mod metrics;
pub mod notifications;
pub mod offline;
pub mod overview;
pub mod people;
pub mod rounds;
pub mod session;
pub mod standards;
pub mod surveys;
pub mod web;
pub mod workbench;

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use app::state::AppState;

/// Largest request body accepted (forms; uploads have their own limit).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Every feature's routes: adding a feature is one line here.
fn features() -> web::Routes {
    web::Routes::default()
        .merge(session::routes())
        .merge(workbench::routes())
        .merge(standards::routes())
        .merge(rounds::routes())
        .merge(surveys::routes())
        .merge(people::routes())
        .merge(events::routes())
        .merge(circle::routes())
        .merge(overview::routes())
        .merge(notifications::routes())
        .merge(documents::routes())
        .merge(basemap::routes())
        .merge(offline::routes())
        .merge(health::routes())
        .merge(jobs::routes())
        .merge(exports::routes())
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let features = features();
    web::api::parts(features.api, features.api_uploads).2
}

/// The OpenAPI document as served at `/api/v1/openapi.json`.
pub fn openapi_text() -> String {
    openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_string())
}

pub fn router(state: AppState) -> Router {
    let features = features();
    let error_pages = axum::middleware::from_fn_with_state(state.clone(), web::page::error_pages);
    Router::new()
        .merge(features.pages)
        .route("/static/style.css", axum::routing::get(stylesheet))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .merge(features.uploads)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::once::once_per_key,
        ))
        .layer(error_pages)
        // The API applies the same limit itself, answering in its own error shape.
        .merge(web::api::mount(features.api, features.api_uploads))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::own_writes::mark_writes,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The one stylesheet, built into the binary so the server runs from any directory.
async fn stylesheet() -> axum::response::Response {
    web::built_in::built_in(
        web::built_in::CSS,
        web::built_in::Keep::Hour,
        include_bytes!("../static/style.css"),
    )
}
