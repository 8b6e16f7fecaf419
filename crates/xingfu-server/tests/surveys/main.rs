//! Resident satisfaction surveys over HTTP, on SQLite and on PostgreSQL: opening a round's survey,
//! the resident link and poster, one question per screen without JavaScript, one answer per
//! household (a retry counted once, a second form refused), staff entry by channel, group commit
//! under concurrent submissions, results for a community and an area (page, API, Excel), the feed
//! into the Lucheng subjective score, and fraud signals for district staff.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use common::{Server, between, urlencode};
use serde_json::{Value, json};
use tower::ServiceExt;
use xingfu_core::survey::Response;
use xingfu_core::survey::household::HouseholdId;
use xingfu_core::workflow::Stage;
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::service;
use xingfu_server::surveys::{self, Respondent};
use xingfu_store::rounds::{By, EntryChange, NewRound};
use xingfu_store::surveys::RecordOutcome;

mod answering;
mod fraud;
mod households;
mod links;
mod results;
mod settings;
mod staff_entry;

/// Runs `async fn $name(&Server)` on both databases.
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";

const ALL_SATISFIED: &[(&str, &str)] = &[
    ("Q1", "satisfied"),
    ("Q2", "very_satisfied"),
    ("Q3", "satisfied"),
    ("Q4", "fairly_satisfied"),
    ("Q5", "satisfied"),
];

/// A 2014 Lucheng round for 鹿城区.
async fn new_round(server: &Server) -> String {
    server
        .state
        .store
        .create_round(
            &NewRound {
                year: 2014,
                region_code: "330302000000",
                standard_id: "lucheng-2012",
                standard_version: "2012.1",
                objection_days: 7,
            },
            "city",
            1,
        )
        .await
        .unwrap()
        .id
}

fn csrf_of(html: &str) -> String {
    between(html, "name=\"csrf\" value=\"", "\"").to_string()
}

/// Opens the round's survey with `quota` through the page, as the district administrator.
async fn open_survey(server: &Server, round: &str, quota: i64) {
    let district = server.sign_in("district").await;
    let (status, page, _) = server
        .get(&format!("/rounds/{round}/surveys"), &district)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = csrf_of(&page);
    let (status, body, _) = server
        .post(
            &format!("/rounds/{round}/surveys/settings"),
            &district,
            &format!("csrf={csrf}&area=330302000000&quota={quota}"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
}

/// The community's resident link token, made by its community worker through the page.
async fn link_of(server: &Server, round: &str, community: &str, username: &str) -> String {
    let cookie = server.sign_in(username).await;
    let (status, page, _) = server
        .get(
            &format!("/rounds/{round}/surveys?area={community}"),
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, body, _) = server
        .post(
            &format!("/rounds/{round}/surveys/{community}/link"),
            &cookie,
            &format!("csrf={}", csrf_of(&page)),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    server
        .state
        .store
        .survey_link_for(round, community)
        .await
        .unwrap()
        .expect("the link was made")
        .token
}

/// The final screen's form: every answer, the household, the client token.
fn final_form(token: &str, answers: &[(&str, &str)], phone: &str) -> String {
    let mut form = format!("ct={token}&step=5&nav=submit&phone={}", urlencode(phone));
    for (question, option) in answers {
        form.push_str(&format!("&a_{question}={}", urlencode(option)));
    }
    form
}

/// Posts a form to the resident page from `address`.
async fn resident_post(
    server: &Server,
    link: &str,
    form: &str,
    address: [u8; 4],
) -> (StatusCode, String, Option<String>) {
    let mut request = Request::post(format!("/s/{link}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40_000))));
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
        .await
        .unwrap();
    (
        status,
        String::from_utf8_lossy(&bytes).to_string(),
        location,
    )
}

async fn tally(server: &Server, round: &str, prefix: &str) -> BTreeMap<String, i64> {
    server
        .state
        .store
        .survey_tally(round, prefix)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn api_token(server: &Server, username: &str) -> String {
    let (status, body) = api(
        server,
        Method::POST,
        "/api/v1/session",
        None,
        Some(json!({"username": username, "password": common::PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn api(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.api_json(method, path, token, body).await
}
