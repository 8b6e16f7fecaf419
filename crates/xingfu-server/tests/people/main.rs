//! Home visits, volunteers and the love mall over HTTP, on SQLite and on PostgreSQL: who sees
//! which special-attention list (and that every view is logged), a visit with follow-ups, an
//! activity from sign-in to points, redemptions refused with a clear message, the mall page,
//! and the figures for a period.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

use axum::http::{Method, StatusCode};
use common::{PASSWORD, Server, between, urlencode};
use serde_json::{Value, json};
use xingfu_core::Dec2;
use xingfu_core::ops::coords::GeoPoint;
use xingfu_core::ops::grid::{Area, Building, Duty, Grid, GridMember, Polygon};
use xingfu_core::ops::metrics;
use xingfu_server::app::auth::hash_password;
use xingfu_server::people::service as people;
use xingfu_store::accounts::NewUser;
use xingfu_store::rounds::By;
use xingfu_store::visits::{AccessFilter, AccessRow, NewHousehold, NewVisit};
use xingfu_store::volunteers::{NewActivity, NewVolunteer};

mod attention;
mod mall;
mod period_metrics;
mod volunteering;

/// Runs `async fn $name(&Server)` on both databases.
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// 2024-05-01 09:00 in China.
const MAY_DAY_9: i64 = 1_714_525_200_000;

fn by(actor: &str, at: i64) -> By<'_> {
    By { actor, at }
}

fn csrf_of(page: &str) -> String {
    between(page, "name=\"csrf\" value=\"", "\"").to_string()
}

fn form(csrf: &str, fields: &[(&str, &str)]) -> String {
    let mut text = format!("csrf={}", urlencode(csrf));
    for (name, value) in fields {
        text.push_str(&format!("&{}={}", urlencode(name), urlencode(value)));
    }
    text
}

/// A signed-in browser: its cookie and its session's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn browser(server: &Server, username: &str) -> Browser {
    let cookie = server.sign_in(username).await;
    let (status, page, _) = server.get("/visits", &cookie).await;
    assert!(
        status == StatusCode::OK || status == StatusCode::FORBIDDEN,
        "{username}: {status}"
    );
    Browser {
        csrf: csrf_of(&page),
        cookie,
    }
}

async fn user_id(server: &Server, username: &str) -> String {
    server
        .state
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn api_token(server: &Server, username: &str) -> String {
    let (status, body) = api_raw(
        server,
        Method::POST,
        "/api/v1/session",
        None,
        Some(json!({"username": username, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "sign-in of {username}");
    body["token"].as_str().unwrap().to_string()
}

async fn api(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.api_json(method, path, Some(token), body).await
}

async fn api_raw(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.api_json(method, path, token, body).await
}
