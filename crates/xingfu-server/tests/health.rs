//! The load balancer's health check: 200 while the database answers, 503 when it does not or
//! when the server is draining, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::Server;
use tower::ServiceExt;

async fn health(server: &Server) -> (StatusCode, serde_json::Value, String) {
    let request = Request::get("/health").body(Body::empty()).unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cache = response
        .headers()
        .get(header::CACHE_CONTROL)
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap(), cache)
}

async fn healthy_until_draining(server: &Server) {
    let (status, body, cache) = health(server).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(
        cache, "no-store",
        "a cache must never answer for the server"
    );

    server.state.lifecycle.drain();
    let (status, body, _) = health(server).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "draining");
    // Draining refuses nothing else: requests already on their way are still served.
    let request = Request::get("/login").body(Body::empty()).unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
on_both!(healthy_until_draining);

async fn unhealthy_without_the_database(server: &Server) {
    server.state.store.close().await;
    let (status, body, _) = health(server).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"], "unreachable");
    assert!(
        !body.to_string().contains("postgres") && !body.to_string().contains("sqlite"),
        "the answer names no database: {body}"
    );
}
on_both!(unhealthy_without_the_database);
