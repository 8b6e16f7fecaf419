//! The health check a load balancer asks (`GET /health`): 200 while this server can reach its
//! database within two seconds, 503 when it cannot or when it is shutting down, so the balancer
//! stops sending it requests before it stops. No sign-in; it names no data. See
//! `docs/deploy.md`.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

pub mod lifecycle;

use crate::app::state::AppState;
use crate::web::Routes;

/// How long the database has to answer before the check fails.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// What the check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Health {
    Ok,
    Draining,
    DatabaseUnreachable(String),
}

/// Asks the database (one `SELECT 1`, bounded by [`DATABASE_TIMEOUT`]) unless draining.
pub async fn check(state: &AppState) -> Health {
    if state.lifecycle.is_draining() {
        return Health::Draining;
    }
    match tokio::time::timeout(DATABASE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Health::Ok,
        Ok(Err(e)) => Health::DatabaseUnreachable(e.to_string()),
        Err(_) => Health::DatabaseUnreachable(format!(
            "no answer within {} s",
            DATABASE_TIMEOUT.as_secs()
        )),
    }
}

pub fn routes() -> Routes {
    Routes::default().pages(Router::new().route("/health", get(health)))
}

async fn health(State(state): State<AppState>) -> Response {
    let (status, body) = match check(&state).await {
        Health::Ok => (StatusCode::OK, json!({"status": "ok", "database": "ok"})),
        Health::Draining => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "draining", "database": "not asked"}),
        ),
        Health::DatabaseUnreachable(why) => {
            tracing::warn!("health check: database unreachable: {why}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "unavailable", "database": "unreachable"}),
            )
        }
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
