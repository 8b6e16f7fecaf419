//! The round's workflow pages over HTTP, on SQLite and on PostgreSQL: the clause scoring sheet,
//! the action buttons, the approval queue, publication, rectification tasks, rewards and targets.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

use axum::http::StatusCode;
use common::{PASSWORD, Server, between, csrf_of, urlencode, version_of};
use xingfu_core::scoring::Answer;
use xingfu_core::standard::{Judge, NumericRule, Standard};
use xingfu_core::workflow::Role;
use xingfu_server::app::auth::hash_password;
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::service;
use xingfu_store::accounts::NewUser;
use xingfu_store::rounds::NewRound;

mod rectification;
mod rewards_and_objections;
mod sheets;
mod stages;

const GULOU: &str = "330302006044";

async fn open_round(server: &Server) -> String {
    open_round_of(server, 2013).await
}

async fn open_round_of(server: &Server, year: i64) -> String {
    server
        .state
        .store
        .create_round(
            &NewRound {
                year,
                region_code: "330302000000",
                standard_id: "lucheng-2012",
                standard_version: "2012.1",
                objection_days: 0,
            },
            "city",
            1,
        )
        .await
        .unwrap()
        .id
}

async fn standard(server: &Server) -> std::sync::Arc<Standard> {
    server
        .state
        .standard("lucheng-2012", "2012.1")
        .await
        .unwrap()
}

/// A whole sheet as form fields: every objective clause in full, the survey at `rate` percent,
/// every veto item answered "no".
fn sheet_fields(standard: &Standard, rate: &str) -> Vec<(String, String)> {
    standard
        .clauses()
        .map(|c| {
            let value = if c.veto {
                "no".to_string()
            } else {
                match &c.judge {
                    Judge::Met => "met".to_string(),
                    Judge::Graded => c.points.to_string(),
                    Judge::Survey { .. } => rate.to_string(),
                    Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => match rule {
                        NumericRule::AtLeast { value } | NumericRule::AtMost { value } => {
                            value.to_string()
                        }
                        NumericRule::Linear { full_at, .. } => full_at.to_string(),
                    },
                }
            };
            (format!("v_{}", c.id), value)
        })
        .collect()
}

fn encode(csrf: &str, fields: &[(String, String)]) -> String {
    let mut form = format!("csrf={}", urlencode(csrf));
    for (name, value) in fields {
        form.push_str(&format!("&{}={}", urlencode(name), urlencode(value)));
    }
    form
}

/// 鼓楼社区 declared by the district and passed the eligibility check: assessors may score.
async fn at_scoring(server: &Server) -> String {
    let round = open_round(server).await;
    let district = server.user("district").await;
    service::declare(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    service::check(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    round
}

/// Scores 鼓楼社区 through the service: both assessors, the survey at `rate` percent.
async fn scored(server: &Server, round: &str, rate: i64) {
    let standard = standard(server).await;
    for name in ["assessor", "assessor2"] {
        let assessor = server.user(name).await;
        let answers = standard
            .clauses()
            .filter(|c| !c.veto)
            .map(|c| {
                let answer = match &c.judge {
                    Judge::Met => xingfu_core::scoring::Answer::met(true),
                    Judge::Survey { .. } => {
                        xingfu_core::scoring::Answer::number(xingfu_core::Dec2::from_int(rate))
                    }
                    Judge::Graded => xingfu_core::scoring::Answer::number(c.points),
                    Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                        xingfu_core::scoring::Answer::number(match rule {
                            NumericRule::AtLeast { value } | NumericRule::AtMost { value } => {
                                *value
                            }
                            NumericRule::Linear { full_at, .. } => *full_at,
                        })
                    }
                };
                (c.id.clone(), answer)
            })
            .collect();
        service::save_sheet(&server.state, &assessor, round, GULOU, answers, Lang::Zh)
            .await
            .unwrap();
    }
}

/// Presses a button of the community page: the button must be there, and the POST goes back
/// to the community page.
async fn press(server: &Server, session: &str, round: &str, action: &str) {
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (status, page, _) = server.get(&community, session).await;
    assert_eq!(status, StatusCode::OK);
    let form = format!("action=\"{community}/{action}\"");
    assert!(page.contains(&form), "{action} button shown: {page}");
    let (status, location, _) = server
        .post(
            &format!("{community}/{action}"),
            session,
            &format!("csrf={}", urlencode(&csrf_of(&page))),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{action}: {location}");
    assert!(location.starts_with(&community));
}
