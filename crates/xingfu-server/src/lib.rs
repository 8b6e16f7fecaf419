//! Xingfu's web server: the pages people use, the JSON API, and what both stand on.
//!
//! - [`pages`]: server-rendered pages in Simplified Chinese (English available), usable on a
//!   phone and without JavaScript;
//! - [`service`]: the round's operations, with the core's permission and stage rules;
//! - [`auth`]: argon2 passwords, database sessions, CSRF, login throttling;
//! - [`demo`]: the demo data set a zero-configuration start loads.

pub mod api;
pub mod audit;
pub mod auth;
pub mod circle;
pub mod demo;
pub mod error;
pub mod events;
pub mod files;
pub mod i18n;
pub mod pages;
pub mod people;
pub mod platform_metrics;
pub mod service;
pub mod standard_import;
pub mod state;
pub mod surveys;
pub mod versions;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// Largest request body accepted (forms; uploads have their own limit).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .route("/static/style.css", axum::routing::get(stylesheet))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        // The API applies the same limit itself, answering in its own error shape.
        .merge(api::routes())
        .merge(pages::upload_routes())
        .merge(api::upload_routes())
        .merge(api::open311::routes())
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The one stylesheet, built into the binary so the server runs from any directory.
async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
}
