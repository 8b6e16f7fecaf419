//! Resident satisfaction surveys over HTTP, on SQLite and on PostgreSQL: opening a round's survey,
//! the resident link and poster, one question per screen without JavaScript, one answer per
//! household (a retry counted once, a second form refused), staff entry by channel, group commit
//! under concurrent submissions, results for a community and an area (page, API, Excel), the feed
//! into the Lucheng subjective score, and fraud signals for district staff.

#[macro_use]
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
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::service;
use xingfu_server::surveys::{self, Respondent};
use xingfu_store::rounds::{By, EntryChange, NewRound};
use xingfu_store::surveys::RecordOutcome;

/// Runs `async fn $name(&Server)` on both databases.
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const QINGNIANFANG: &str = "330302026003";
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

/// Answers that differ from household to household (Q1 always "satisfied"), so that many of them
/// together are no cluster of identical answers.
fn varied_answers(n: usize) -> Vec<(&'static str, &'static str)> {
    const OPTIONS: [&str; 6] = [
        "very_satisfied",
        "satisfied",
        "fairly_satisfied",
        "dissatisfied",
        "very_dissatisfied",
        "dont_know",
    ];
    vec![
        ("Q1", "satisfied"),
        ("Q2", OPTIONS[n % 6]),
        ("Q3", OPTIONS[(n / 6) % 6]),
        ("Q4", OPTIONS[(n / 36) % 6]),
        ("Q5", "satisfied"),
    ]
}

/// The final screen's form for a household without a phone, with its household code.
fn final_form_with_code(token: &str, answers: &[(&str, &str)], code: &str) -> String {
    let mut form = format!(
        "ct={token}&step=5&nav=submit&phone=&code={}",
        urlencode(code)
    );
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

/// Answers submitted straight to the service (as the pages do), from distinct phones.
async fn answer_directly(
    server: &Server,
    round: &str,
    community: &str,
    households: std::ops::Range<usize>,
    answers: &[(&str, &str)],
) {
    let survey = surveys::round_survey(&server.state, round)
        .await
        .unwrap()
        .unwrap();
    for n in households {
        let answers: BTreeMap<String, Response> = answers
            .iter()
            .map(|(q, a)| (q.to_string(), Response::Choice(a.to_string())))
            .collect();
        let token = format!("direct-{community}-{n:06}");
        let outcome = surveys::submit(
            &server.state,
            &survey,
            community,
            answers,
            Respondent {
                client_token: &token,
                household: HouseholdId::Phone(format!("137{:08}", n)),
                channel: xingfu_core::survey::Channel::ResidentLink,
                entered_by: None,
                address: None,
                location: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(outcome, RecordOutcome::Accepted);
    }
}

async fn a_resident_answers_one_question_per_screen_and_is_counted_once(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;

    // The first screen: the introduction and question 1, with a client token made for the form.
    let (status, page, _) = server.get(&format!("/s/{link}"), "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("鼓楼社区"), "{page}");
    assert!(page.contains("第 1 题，共 6 题"), "{page}");
    assert!(page.contains("居民参与社区事务"), "{page}");
    assert!(!page.contains("<script"), "no JavaScript");
    let ct = between(&page, "name=\"ct\" value=\"", "\"").to_string();
    assert_eq!(ct.len(), 32);

    // Next without an answer: the same question, with the error at the top linking to it.
    let (status, page, _) = resident_post(
        server,
        &link,
        &format!("ct={ct}&step=0&nav=next"),
        [10, 0, 0, 9],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("error-summary"), "{page}");
    assert!(page.contains("href=\"#f-Q1\""), "{page}");
    assert!(page.contains("请选择一项"));
    assert!(page.contains("第 1 题"));

    // An answer moves on, and carries the answer along in a hidden field.
    let (_, page, _) = resident_post(
        server,
        &link,
        &format!("ct={ct}&step=0&nav=next&a_Q1=satisfied"),
        [10, 0, 0, 9],
    )
    .await;
    assert!(page.contains("第 2 题，共 6 题"), "{page}");
    assert!(page.contains("name=\"a_Q1\" value=\"satisfied\""), "{page}");
    // Back keeps it.
    let (_, page, _) = resident_post(
        server,
        &link,
        &format!("ct={ct}&step=1&nav=back&a_Q1=satisfied"),
        [10, 0, 0, 9],
    )
    .await;
    assert!(page.contains("第 1 题"), "{page}");
    assert!(page.contains("value=\"satisfied\" checked"), "{page}");
    // After the last question: the household screen with a summary of the answers.
    let mut form = format!("ct={ct}&step=5&nav=next");
    for (q, a) in ALL_SATISFIED {
        form.push_str(&format!("&a_{q}={a}"));
    }
    let (_, page, _) = resident_post(server, &link, &form, [10, 0, 0, 9]).await;
    assert!(page.contains("手机号码"), "{page}");
    assert!(page.contains("非常满意"), "{page}");

    // Sent: a redirect to the thanks, and counted.
    let (status, _, location) = resident_post(
        server,
        &link,
        &final_form(&ct, ALL_SATISFIED, "138 0013 8000"),
        [10, 0, 0, 9],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("/s/{link}/done").as_str())
    );
    let (status, page, _) = server.get(&format!("/s/{link}/done"), "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("谢谢您"), "{page}");

    // The same form again (a double tap, a retry): the same answer, not counted twice.
    let (status, _, location) = resident_post(
        server,
        &link,
        &final_form(&ct, ALL_SATISFIED, "13800138000"),
        [10, 0, 0, 9],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("/s/{link}/done").as_str())
    );
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 1);

    // The same household on a new form: refused with a clear message.
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form("another-form-0000001", ALL_SATISFIED, "+86 138-0013-8000"),
        [10, 0, 0, 9],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("您家本轮已经填写过问卷，每户只能填写一次"),
        "{page}"
    );
    // Another household replaying the sent form: refused too.
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form(&ct, ALL_SATISFIED, "13900139000"),
        [10, 0, 0, 9],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("这份问卷已经提交过"), "{page}");
    let counted = tally(server, &round, GULOU).await;
    assert_eq!(counted["respondents"], 1);
    assert_eq!(counted["option:Q2:very_satisfied"], 1);
    assert_eq!(counted["channel:resident_link"], 1);

    // Only a keyed hash of the household is kept.
    let stored = server
        .state
        .store
        .survey_answers_of(&round, GULOU)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].household.len(), 64);
    assert!(!stored[0].household.contains("13800138000"));
    assert!(!stored[0].answers.contains("13800138000"));

    // A bad phone number is shown at the household field; an unknown link is a 404 page.
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form("third-form-000000001", ALL_SATISFIED, "1380013"),
        [10, 0, 0, 9],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("不是有效的电话号码"), "{page}");
    let (status, page, _) = server.get("/s/no-such-link", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("问卷链接无效"));
}
on_both!(a_resident_answers_one_question_per_screen_and_is_counted_once);

async fn concurrent_submissions_are_batched_and_each_counted_once(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    // 40 households, each sending its form twice at the same moment.
    let mut sends = Vec::new();
    for n in 0..40 {
        for _ in 0..2 {
            let app = server.app.clone();
            let form = final_form(
                &format!("concurrent-form-{n:05}"),
                &varied_answers(n),
                &format!("1360000{n:04}"),
            );
            let link = link.clone();
            sends.push(tokio::spawn(async move {
                let mut request = Request::post(format!("/s/{link}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form))
                    .unwrap();
                request
                    .extensions_mut()
                    .insert(ConnectInfo(SocketAddr::from(([10, 0, 1, n as u8], 1))));
                app.oneshot(request).await.unwrap().status()
            }));
        }
    }
    for send in sends {
        assert_eq!(send.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let counted = tally(server, &round, GULOU).await;
    assert_eq!(counted["respondents"], 40);
    assert_eq!(counted["option:Q1:satisfied"], 40);
    assert_eq!(
        server
            .state
            .store
            .count_survey_answers(&round, GULOU)
            .await
            .unwrap(),
        40
    );
    let counts = server.state.surveys.counts();
    assert_eq!(counts.answers, 80);
    assert!(
        counts.batches < counts.answers,
        "answers were written in shared transactions: {counts:?}"
    );
}
on_both!(concurrent_submissions_are_batched_and_each_counted_once);

async fn staff_enter_answers_marked_by_channel(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let gulou = server.sign_in("gulou").await;
    let path = format!("/rounds/{round}/surveys/{GULOU}/enter");
    let (status, page, _) = server.get(&path, &gulou).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("电话调查") && page.contains("纸质问卷") && page.contains("入户走访"));
    assert!(
        !page.contains("居民扫码填写"),
        "residents' channel is not offered to staff"
    );
    let csrf = csrf_of(&page);
    let ct = between(&page, "name=\"ct\" value=\"", "\"").to_string();

    // Every problem at once: no channel, a missing answer, no household.
    let (status, page, _) = server
        .post(
            &path,
            &gulou,
            &format!("csrf={csrf}&ct={ct}&a_Q1=satisfied"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#f-channel\""), "{page}");
    assert!(page.contains("href=\"#f-Q2\""), "{page}");
    assert!(page.contains("href=\"#phone\""), "{page}");
    assert!(
        page.contains("value=\"satisfied\" checked"),
        "typed answers stay"
    );

    let mut form = format!("csrf={csrf}&ct={ct}&channel=phone&phone=13700137000");
    for (q, a) in ALL_SATISFIED {
        form.push_str(&format!("&a_{q}={a}"));
    }
    let (status, body, _) = server.post(&path, &gulou, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(body.starts_with(&format!("{path}?saved=1")));
    // Sent again: saved already, not counted again.
    let (_, body, _) = server.post(&path, &gulou, &form).await;
    assert!(body.starts_with(&format!("{path}?saved=again")), "{body}");
    // A paper form for a household known by its number, with a home-visit location.
    let paper = form
        .replace(&ct, "paper-form-00000001")
        .replace("channel=phone", "channel=paper")
        .replace(
            "phone=13700137000",
            &format!("code={}", urlencode("3栋501")),
        )
        + "&lat=28.01&lon=120.65";
    let (status, body, _) = server.post(&path, &gulou, &paper).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // The same household number again from another form: refused, shown at the household.
    let again = paper.replace("paper-form-00000001", "paper-form-00000002");
    let (status, page, _) = server.post(&path, &gulou, &again).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("您家本轮已经填写过问卷"), "{page}");

    let counted = tally(server, &round, GULOU).await;
    assert_eq!(counted["respondents"], 2);
    assert_eq!(counted["channel:phone"], 1);
    assert_eq!(counted["channel:paper"], 1);
    assert_eq!(counted.get("channel:resident_link"), None);
    let stored = server
        .state
        .store
        .survey_answers_of(&round, GULOU)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|a| a.entered_by.as_deref() == Some("gulou"))
    );

    // A forged form without the session's CSRF token is refused.
    let (status, _, _) = server
        .post(&path, &gulou, &form.replace(&csrf, "forged"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Residents and assessors of the community itself may not enter answers.
    for username in ["gulou-resident", "gulou-assessor"] {
        let cookie = server.sign_in(username).await;
        let (status, _, _) = server.get(&path, &cookie).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
    }
    // The API takes the same answers, marked by channel.
    let token = api_token(server, "assessor").await;
    let answers: BTreeMap<&str, &str> = ALL_SATISFIED.iter().copied().collect();
    let request = json!({
        "client_token": "api-home-visit-0001",
        "channel": "home_visit",
        "answers": answers,
        "phone": "0577-88881234",
    });
    let api_path = format!("/api/v1/rounds/{round}/survey/communities/{MOCHI}/answers");
    let (status, body) = api(
        server,
        Method::POST,
        &api_path,
        Some(&token),
        Some(request.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["outcome"], "accepted");
    let (status, body) = api(server, Method::POST, &api_path, Some(&token), Some(request)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcome"], "already_recorded");
    let (status, body) = api(
        server,
        Method::POST,
        &api_path,
        Some(&token),
        Some(json!({
            "client_token": "api-home-visit-0002",
            "channel": "resident_link",
            "answers": {"Q1": "happy"},
            "phone": "0577-88881234",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("channel"),
        "{body}"
    );
    assert_eq!(tally(server, &round, MOCHI).await["channel:home_visit"], 1);
}
on_both!(staff_enter_answers_marked_by_channel);

async fn the_survey_replaces_assessors_figures_in_the_score(server: &Server) {
    let state = &server.state;
    let round = new_round(server).await;
    let store = &state.store;
    let entry = store.declare(&round, GULOU, 0, "gulou", 2).await.unwrap();
    let scoring = EntryChange {
        stage: Some("scoring".into()),
        ..EntryChange::default()
    };
    store
        .update_entry(
            &round,
            GULOU,
            entry.version,
            &scoring,
            "check",
            By {
                actor: "test",
                at: 3,
            },
        )
        .await
        .unwrap()
        .unwrap();
    // The assessor typed 50% for every sense: 30 points each.
    let assessor = server.user("assessor").await;
    let typed: Vec<(String, xingfu_core::scoring::Answer)> = (1..=5)
        .map(|i| {
            (
                format!("ZG1.{i}"),
                xingfu_core::scoring::Answer::number(xingfu_core::Dec2(5_000)),
            )
        })
        .collect();
    service::save_sheet(state, &assessor, &round, GULOU, typed, Lang::Zh)
        .await
        .unwrap();
    let standard = state.standard("lucheng-2012", "2012.1").await.unwrap();
    let earned = |card: &xingfu_core::panel::PanelCard<'_>, clause: &str| {
        card.sheets[0]
            .categories
            .iter()
            .flat_map(|c| c.items.iter())
            .flat_map(|i| i.clauses.iter())
            .find(|c| c.id == clause)
            .map(|c| (c.earned.to_string(), c.status))
            .unwrap()
    };
    let card = service::panel(state, &standard, &round, GULOU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(earned(&card, "ZG1.1").0, "30");

    // A survey with a quota of 3 households: no answers yet, so the assessors' figures stand.
    open_survey(server, &round, 3).await;
    let card = service::panel(state, &standard, &round, GULOU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(earned(&card, "ZG1.1").0, "30");

    // Two answers: below the quota, the survey clauses are not assessed (0 points), whatever
    // the assessors typed.
    answer_directly(server, &round, GULOU, 0..2, ALL_SATISFIED).await;
    let card = service::panel(state, &standard, &round, GULOU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        earned(&card, "ZG1.1"),
        (
            "0".to_string(),
            xingfu_core::scoring::ClauseStatus::NotAssessed
        )
    );

    // A third, dissatisfied with democracy: 2 of 3 = 66.66% → 60 × 66.66% = 40.00 points; the
    // other senses 100% → 60 points.
    let mut third = ALL_SATISFIED.to_vec();
    third[0] = ("Q1", "dissatisfied");
    answer_directly(server, &round, GULOU, 2..3, &third).await;
    let card = service::panel(state, &standard, &round, GULOU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(earned(&card, "ZG1.1").0, "40");
    assert_eq!(earned(&card, "ZG1.2").0, "60");

    // The results API shows the same: the rate, the sample, and the subjective points.
    let token = api_token(server, "district").await;
    let (status, body) = api(
        server,
        Method::GET,
        &format!("/api/v1/rounds/{round}/survey/results/{GULOU}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["respondents"], 3);
    assert_eq!(body["dimensions"][0]["dimension"], "democracy");
    assert_eq!(body["dimensions"][0]["percent"], 66.66);
    assert_eq!(body["dimensions"][0]["satisfied"], 2);
    assert_eq!(body["report"]["survey_points"], 280);
    assert_eq!(body["report"]["quota"]["met"], true);

    // Computing the entry uses the survey; afterwards the community takes no more answers.
    let district = server.user("district").await;
    let computed = service::compute(state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    assert_eq!(computed.stage, "computed");
    let link = link_of(server, &round, GULOU, "gulou").await;
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form("late-form-0000000001", ALL_SATISFIED, "13500135000"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("调查已经结束"), "{page}");
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 3);
}
on_both!(the_survey_replaces_assessors_figures_in_the_score);

async fn area_results_sum_their_communities(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 3).await;
    let mut half = ALL_SATISFIED.to_vec();
    half[1] = ("Q2", "dissatisfied");
    answer_directly(server, &round, GULOU, 0..3, ALL_SATISFIED).await;
    answer_directly(server, &round, MOCHI, 10..12, &half).await;
    answer_directly(server, &round, QINGNIANFANG, 20..21, &half).await;

    let token = api_token(server, "district").await;
    let results = |code: &'static str| {
        let token = token.clone();
        let round = round.clone();
        async move {
            api(
                server,
                Method::GET,
                &format!("/api/v1/rounds/{round}/survey/results/{code}"),
                Some(&token),
                None,
            )
            .await
        }
    };
    let (status, district) = results("330302000000").await;
    assert_eq!(status, StatusCode::OK, "{district}");
    assert_eq!(district["respondents"], 6);
    assert_eq!(district["area_level"], "district");
    // Points belong to a community's entry, not to an area.
    assert!(district["report"]["survey_points"].is_null(), "{district}");
    // Environment (Q2): 3 satisfied of 6.
    assert_eq!(district["dimensions"][1]["satisfied"], 3);
    assert_eq!(district["dimensions"][1]["counted"], 6);
    assert_eq!(district["dimensions"][1]["percent"], 50.0);
    let communities = district["communities"].as_array().unwrap();
    assert_eq!(communities.len(), 3);
    let quota_met: Vec<(&str, bool)> = communities
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap(),
                c["quota_met"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        quota_met,
        vec![(GULOU, true), (MOCHI, false), (QINGNIANFANG, false)]
    );
    let (_, wuma) = results("330302006000").await;
    assert_eq!(wuma["respondents"], 5);

    // The page shows the same numbers in its table, and the chart.
    let cookie = server.sign_in("district").await;
    let (status, page, _) = server
        .get(&format!("/rounds/{round}/surveys"), &cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<svg"), "a chart");
    assert!(page.contains("3 / 6"), "environment: satisfied / counted");
    assert!(page.contains("50.00%"), "{page}");
    assert!(page.contains("庆年坊社区"));
    assert!(!page.contains("<script"));

    // Only inside one's own area; residents see no results.
    let wuma_token = api_token(server, "wuma").await;
    let (status, _) = api(
        server,
        Method::GET,
        &format!("/api/v1/rounds/{round}/survey/results/330302000000"),
        Some(&wuma_token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let resident = api_token(server, "gulou-resident").await;
    let (status, _) = api(
        server,
        Method::GET,
        &format!("/api/v1/rounds/{round}/survey/results/{GULOU}"),
        Some(&resident),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The Excel export carries the same figures.
    let request = Request::get(format!(
        "/rounds/{round}/surveys/results.xlsx?area=330302000000"
    ))
    .header(header::COOKIE, &cookie)
    .body(Body::empty())
    .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    common::assert_workbook_for_officials(&bytes, true);
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let questions = workbook.worksheet_range("各题").unwrap();
    assert!(
        questions
            .rows()
            .any(|row| row.get(3).map(|c| c.to_string()) == Some("计为满意".into())),
        "how an answer counts, in Chinese"
    );
    let sheet = workbook.worksheet_range("结果").unwrap();
    let environment = sheet
        .rows()
        .find(|row| row.first().map(|c| c.to_string()) == Some("环境舒适感".into()))
        .expect("the environment row");
    assert_eq!(environment[2].to_string(), "3");
    assert_eq!(environment[3].to_string(), "6");
    assert_eq!(environment[5].to_string(), "50");
    let per_community = workbook.worksheet_range("各社区").unwrap();
    assert_eq!(per_community.rows().count(), 4);
}
on_both!(area_results_sum_their_communities);

async fn settings_are_for_the_rounds_administrators(server: &Server) {
    let round = new_round(server).await;
    let token = api_token(server, "district").await;
    let path = format!("/api/v1/rounds/{round}/survey");
    let (status, _) = api(server, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no survey yet");
    // A community worker may not open it.
    let gulou = api_token(server, "gulou").await;
    let (status, _) = api(
        server,
        Method::PUT,
        &path,
        Some(&gulou),
        Some(json!({"quota": 30})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = api(
        server,
        Method::PUT,
        &path,
        Some(&token),
        Some(json!({"quota": 100_001})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = api(
        server,
        Method::PUT,
        &path,
        Some(&token),
        Some(json!({"quota": 30})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["questionnaire_id"], "lucheng-2012");
    assert_eq!(body["quota"], 30);
    let (_, body) = api(server, Method::GET, &path, Some(&gulou), None).await;
    assert_eq!(body["quota"], 30);
    // A quota that is not a number is shown on the page, not saved.
    let cookie = server.sign_in("district").await;
    let (_, page, _) = server
        .get(&format!("/rounds/{round}/surveys"), &cookie)
        .await;
    let (status, page, _) = server
        .post(
            &format!("/rounds/{round}/surveys/settings"),
            &cookie,
            &format!("csrf={}&area=&quota=many", csrf_of(&page)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("样本量须是 0 到 100000 之间的整数"), "{page}");
    // The link API gives the page path and the poster.
    let (status, body) = api(
        server,
        Method::POST,
        &format!("/api/v1/rounds/{round}/survey/communities/{GULOU}/link"),
        Some(&gulou),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let path = body["path"].as_str().unwrap().to_string();
    assert!(path.starts_with("/s/"));
    let (_, again) = api(
        server,
        Method::POST,
        &format!("/api/v1/rounds/{round}/survey/communities/{GULOU}/link"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(again["path"], path.as_str(), "one link per community");
    // gulou's worker may not make 墨池's link.
    let (status, _) = api(
        server,
        Method::POST,
        &format!("/api/v1/rounds/{round}/survey/communities/{MOCHI}/link"),
        Some(&gulou),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
on_both!(settings_are_for_the_rounds_administrators);

async fn the_poster_carries_the_link_as_a_qr_code(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 30).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    let cookie = server.sign_in("gulou").await;
    let request = Request::get(format!("/rounds/{round}/surveys/{GULOU}/poster"))
        .header(header::COOKIE, &cookie)
        .header(header::HOST, "xingfu.example.org")
        .body(Body::empty())
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
        .await
        .unwrap();
    let page = String::from_utf8_lossy(&bytes);
    assert!(page.contains("size: A4"), "printable on A4");
    assert!(page.contains("鼓楼社区"));
    assert!(
        page.contains(&format!("http://xingfu.example.org/s/{link}")),
        "{page}"
    );
    assert!(
        page.contains("<svg") && page.contains("<path"),
        "the QR code"
    );
    assert!(page.contains("请用手机扫描二维码填写问卷"));
    // No poster before a link exists.
    let (status, _, _) = server
        .get(&format!("/rounds/{round}/surveys/{MOCHI}/poster"), &cookie)
        .await;
    assert_ne!(status, StatusCode::OK);
}
on_both!(the_poster_carries_the_link_as_a_qr_code);

async fn fraud_signals_are_shown_to_district_staff(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    // Five households from one address within minutes, all with the same answers: a burst.
    for n in 0..5 {
        let (status, body, _) = resident_post(
            server,
            &link,
            &final_form(
                &format!("burst-form-{n:08}"),
                ALL_SATISFIED,
                &format!("1350000{n:04}"),
            ),
            [192, 0, 2, 7],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    }
    // Four more from four addresses: not a burst.
    for n in 5..9 {
        resident_post(
            server,
            &link,
            &final_form(
                &format!("spread-form-{n:07}"),
                ALL_SATISFIED,
                &format!("1350000{n:04}"),
            ),
            [192, 0, 2, 10 + n as u8],
        )
        .await;
    }
    let token = api_token(server, "district").await;
    let path = format!("/api/v1/rounds/{round}/survey/fraud/330302000000");
    let (status, body) = api(server, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let gulou = &body["communities"][0];
    assert_eq!(gulou["code"], GULOU);
    assert_eq!(gulou["answers"], 9);
    let bursts = gulou["signals"]["bursts"].as_array().unwrap();
    assert_eq!(bursts.len(), 1, "{body}");
    assert_eq!(bursts[0]["submissions"].as_array().unwrap().len(), 5);
    // Nine identical answer patterns are below the default of ten.
    assert_eq!(
        gulou["signals"]["identical_patterns"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert!(gulou["signals"]["outside"].is_null(), "no area set yet");

    // A community area, then a home visit located 2 km away is flagged.
    let cookie = server.sign_in("district").await;
    let (status, page, _) = server
        .get(
            &format!("/rounds/{round}/surveys/fraud?area={GULOU}"),
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("同一来源集中提交"));
    let (status, body, _) = server
        .post(
            &format!("/rounds/{round}/surveys/{GULOU}/area"),
            &cookie,
            &format!("csrf={}&lat=28.0&lon=120.65&radius=300", csrf_of(&page)),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let staff = api_token(server, "gulou").await;
    let (status, body) = api(
        server,
        Method::POST,
        &format!("/api/v1/rounds/{round}/survey/communities/{GULOU}/answers"),
        Some(&staff),
        Some(json!({
            "client_token": "located-visit-0001",
            "channel": "home_visit",
            "answers": ALL_SATISFIED.iter().copied().collect::<BTreeMap<_, _>>(),
            "household_code": "9栋101",
            "location": {"lat": 28.018, "lon": 120.65},
        })),
    )
    .await;
    // Outside the community's area: stored, but held for review rather than counted.
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["outcome"], "held");
    let (_, body) = api(
        server,
        Method::GET,
        &format!("/api/v1/rounds/{round}/survey/fraud/{GULOU}"),
        Some(&token),
        None,
    )
    .await;
    let outside = &body["communities"][0]["signals"]["outside"];
    assert_eq!(outside["outside"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(outside["unlocated"], 9);

    // Street and community staff do not see the signals.
    for username in ["wuma", "gulou"] {
        let token = api_token(server, username).await;
        let (status, _) = api(
            server,
            Method::GET,
            &format!("/api/v1/rounds/{round}/survey/fraud/{GULOU}"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
    }
}
on_both!(fraud_signals_are_shown_to_district_staff);

#[tokio::test]
async fn the_demo_has_survey_answers_for_communities_being_scored() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = xingfu_store::Store::connect(&url).await.unwrap();
    let state = xingfu_server::AppState::new(store, false);
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    let round = state
        .store
        .rounds_overlapping(xingfu_server::demo::LUCHENG)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.year == 2013)
        .unwrap();
    let settings = state
        .store
        .survey_settings(&round.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settings.questionnaire_id, "lucheng-2012");
    let district = tally_of_store(&state.store, &round.id, "330302").await;
    assert!(district["respondents"] >= 4 * 30, "{district:?}");
    // Only communities not yet computed were surveyed, each with a link for its poster.
    for (community, counter, _) in state
        .store
        .survey_tallies_by_community(&round.id, "330302")
        .await
        .unwrap()
    {
        if counter != "respondents" {
            continue;
        }
        let entry = state
            .store
            .entry(&round.id, &community)
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(entry.stage.as_str(), "declared" | "scoring"),
            "{community}"
        );
        assert!(
            state
                .store
                .survey_link_for(&round.id, &community)
                .await
                .unwrap()
                .is_some()
        );
    }
}

async fn tally_of_store(
    store: &xingfu_store::Store,
    round: &str,
    prefix: &str,
) -> BTreeMap<String, i64> {
    store
        .survey_tally(round, prefix)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Whether the rating would read any survey answer of the community now.
async fn feeds_the_rating(server: &Server, round: &str, community: &str) -> bool {
    surveys::survey_feed(&server.state, round, community)
        .await
        .unwrap()
        .is_some()
}

async fn made_up_codes_from_one_address_count_only_once_accepted(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    // 15 anonymous answers with made-up household codes, one address, within minutes.
    let mut locations = Vec::new();
    for n in 0..15 {
        let (status, body, location) = resident_post(
            server,
            &link,
            &final_form_with_code(
                &format!("made-up-form-{n:06}"),
                ALL_SATISFIED,
                &format!("9-{n:03}"),
            ),
            [198, 51, 100, 7],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        locations.push(location.unwrap());
    }
    // The fifth completed a burst: it and every later one are received to be checked, and the
    // first four were taken back out of the tally.
    assert!(
        locations[..4].iter().all(|l| l.ends_with("/done")),
        "{locations:?}"
    );
    assert!(
        locations[4..]
            .iter()
            .all(|l| l.ends_with("/done?checked=1")),
        "{locations:?}"
    );
    let (status, page, _) = server.get(&locations[14], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("您的问卷已经收到"), "{page}");
    assert!(page.contains("核对后计入调查结果"), "{page}");
    assert!(
        tally(server, &round, GULOU)
            .await
            .get("respondents")
            .is_none_or(|n| *n == 0)
    );
    assert!(
        !feeds_the_rating(server, &round, GULOU).await,
        "held answers feed no rating"
    );

    // The results say what is counted and what is held.
    let district = server.sign_in("district").await;
    let (_, page, _) = server
        .get(&format!("/rounds/{round}/surveys?area={GULOU}"), &district)
        .await;
    assert!(
        page.contains("已计入 0 份\u{ff1b}待核实 15 份\u{ff1b}不予计入 0 份"),
        "{page}"
    );
    assert!(page.contains("结果和评分只用已计入的答卷"), "{page}");
    let token = api_token(server, "district").await;
    let (_, results) = api(
        server,
        Method::GET,
        &format!("/api/v1/rounds/{round}/survey/results/{GULOU}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (results["respondents"].as_u64(), results["held"].as_i64()),
        (Some(0), Some(15))
    );

    // The district officer's 待核实 list shows each answer with its signal.
    let review = format!("/rounds/{round}/surveys/{GULOU}/review");
    let (status, page, _) = server.get(&review, &district).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("同一来源集中提交"), "{page}");
    assert_eq!(page.matches("name=\"listed\"").count(), 15);
    let listed: Vec<String> = page
        .split("name=\"listed\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    let mut form = format!("csrf={}&decision=accept_all", csrf_of(&page));
    for id in &listed {
        form.push_str(&format!("&listed={id}"));
    }
    // Accepted: counted, once.
    let (status, body, _) = server.post(&review, &district, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 15);
    assert!(feeds_the_rating(server, &round, GULOU).await);
    let (_, page, _) = server.get(&review, &district).await;
    assert!(page.contains("没有待核实的答卷"), "{page}");
    // The same form again (a second officer, a double click): stale, nothing counted twice.
    let (status, _, _) = server.post(&review, &district, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 15);

    // The same in 墨池, rejected through the API: never counted, and a late accept is stale.
    let mochi = link_of(server, &round, MOCHI, "wuma").await;
    for n in 0..15 {
        resident_post(
            server,
            &mochi,
            &final_form_with_code(
                &format!("mochi-made-up-{n:06}"),
                ALL_SATISFIED,
                &format!("9-{n:03}"),
            ),
            [198, 51, 100, 8],
        )
        .await;
    }
    let path = format!("/api/v1/rounds/{round}/survey/review/{MOCHI}");
    let (status, held) = api(server, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert_eq!(held["held"], 15);
    assert_eq!(held["answers"][0]["signals"][0], "burst");
    let ids: Vec<Value> = held["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let (status, decided) = api(
        server,
        Method::POST,
        &path,
        Some(&token),
        Some(json!({"ids": ids, "decision": "reject"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["decided"].as_array().unwrap().len(), 15);
    let (_, late) = api(
        server,
        Method::POST,
        &path,
        Some(&token),
        Some(json!({"ids": ids, "decision": "accept"})),
    )
    .await;
    assert_eq!(late["stale"].as_array().unwrap().len(), 15);
    assert!(
        tally(server, &round, MOCHI)
            .await
            .get("respondents")
            .is_none_or(|n| *n == 0)
    );
    assert!(!feeds_the_rating(server, &round, MOCHI).await);
    let (_, held) = api(server, Method::GET, &path, Some(&token), None).await;
    assert_eq!(
        (held["held"].as_i64(), held["rejected"].as_i64()),
        (Some(0), Some(15))
    );

    // Street and community staff neither see nor decide the list.
    for username in ["wuma", "gulou"] {
        let other = api_token(server, username).await;
        let (status, _) = api(server, Method::GET, &path, Some(&other), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        let (status, _) = api(
            server,
            Method::POST,
            &path,
            Some(&other),
            Some(json!({"ids": ids, "decision": "accept"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
    }
}
on_both!(made_up_codes_from_one_address_count_only_once_accepted);

async fn codes_outside_the_household_register_are_refused(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    // Without a register any code is taken.
    let (status, _, _) = resident_post(
        server,
        &link,
        &final_form_with_code("before-register-0001", ALL_SATISFIED, "9-000"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // 鼓楼 keeps a household register for its home visits.
    for address in ["3栋2单元501", "3栋2单元502"] {
        server
            .state
            .store
            .create_household(
                &xingfu_store::visits::NewHousehold {
                    community_code: GULOU,
                    grid_id: None,
                    building: None,
                    address,
                    contact_name: None,
                    phone: None,
                },
                By {
                    actor: "gulou",
                    at: 1,
                },
            )
            .await
            .unwrap();
    }
    // A code outside it is refused at the household field, in plain words.
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form_with_code("outside-register-01", ALL_SATISFIED, "9-001"),
        [10, 0, 0, 2],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("不在本社区的住户登记中"), "{page}");
    assert!(page.contains("e-household"), "{page}");
    // A listed one, however it is spaced, is taken.
    let (status, body, _) = resident_post(
        server,
        &link,
        &final_form_with_code("inside-register-001", ALL_SATISFIED, "3 栋 2 单元 501"),
        [10, 0, 0, 3],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // Staff entry is refused too, through the API and the page.
    let staff = api_token(server, "gulou").await;
    let (status, body) = api(
        server,
        Method::POST,
        &format!("/api/v1/rounds/{round}/survey/communities/{GULOU}/answers"),
        Some(&staff),
        Some(json!({
            "client_token": "staff-outside-0001",
            "channel": "paper",
            "answers": ALL_SATISFIED.iter().copied().collect::<BTreeMap<_, _>>(),
            "household_code": "9-002",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.to_string().contains("不在本社区的住户登记中"),
        "{body}"
    );
    let gulou = server.sign_in("gulou").await;
    let path = format!("/rounds/{round}/surveys/{GULOU}/enter");
    let (_, page, _) = server.get(&path, &gulou).await;
    let mut form = format!(
        "csrf={}&ct=staff-outside-page-01&channel=paper&phone=&code=9-003",
        csrf_of(&page)
    );
    for (q, a) in ALL_SATISFIED {
        form.push_str(&format!("&a_{q}={a}"));
    }
    let (status, page, _) = server.post(&path, &gulou, &form).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("不在本社区的住户登记中"), "{page}");
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 2);
}
on_both!(codes_outside_the_household_register_are_refused);

async fn one_phone_number_however_written_is_one_household(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    let (status, _, _) = resident_post(
        server,
        &link,
        &final_form("phone-form-000000000", ALL_SATISFIED, "13911112222"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for (n, written) in [
        "013911112222",
        "+86 139-1111-2222",
        "0086 139 1111 2222",
        "139.1111.2222",
        "０１３９１１１１２２２２",
    ]
    .iter()
    .enumerate()
    {
        let (status, page, _) = resident_post(
            server,
            &link,
            &final_form(&format!("phone-form-{n:09}x"), ALL_SATISFIED, written),
            [10, 0, 1, n as u8],
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{written}: {page}");
        assert!(page.contains("您家本轮已经填写过问卷"), "{written}: {page}");
    }
    assert_eq!(tally(server, &round, GULOU).await["respondents"], 1);
    // A number that is none: said at the field, in large plain words.
    let (status, page, _) = resident_post(
        server,
        &link,
        &final_form("phone-form-bad-0001", ALL_SATISFIED, "139-1111"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("不是有效的电话号码\u{3002}请填写 11 位手机号"),
        "{page}"
    );
    assert!(
        page.contains("class=\"field-error\" id=\"e-household\""),
        "{page}"
    );
}
on_both!(one_phone_number_however_written_is_one_household);

/// Two administrators open the settings; the one who saves second, from a page read before the
/// first save, gets the form back (409) with what they typed and who changed the settings, and
/// nothing is written until they submit again.
async fn a_stale_settings_form_is_refused(server: &Server) {
    let round = new_round(server).await;
    let district = server.sign_in("district").await;
    let city = server.sign_in("city").await;
    let settings = format!("/rounds/{round}/surveys/settings");
    let (_, district_page, _) = server
        .get(&format!("/rounds/{round}/surveys"), &district)
        .await;
    let (_, city_page, _) = server.get(&format!("/rounds/{round}/surveys"), &city).await;
    assert!(district_page.contains("name=\"version\" value=\"0\""));
    let (status, body, _) = server
        .post(
            &settings,
            &city,
            &format!("csrf={}&version=0&area=&quota=40", csrf_of(&city_page)),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    // The district's page was read before the survey existed.
    let (status, page, _) = server
        .post(
            &settings,
            &district,
            &format!("csrf={}&version=0&area=&quota=50", csrf_of(&district_page)),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(
        page.contains("调查设置已被 city 于") && page.contains("您这次的修改没有保存"),
        "{page}"
    );
    assert!(page.contains("value=\"50\""), "the quota as typed: {page}");
    assert!(page.contains("name=\"version\" value=\"1\""), "{page}");
    let stored = server.state.store.survey_settings(&round).await.unwrap();
    assert_eq!(stored.map(|s| (s.quota, s.version)), Some((40, 1)));

    // Submitted again from the refused page, it is a deliberate save.
    let (status, body, _) = server
        .post(
            &settings,
            &district,
            &format!("csrf={}&version=1&area=&quota=50", csrf_of(&page)),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let stored = server.state.store.survey_settings(&round).await.unwrap();
    assert_eq!(stored.map(|s| (s.quota, s.version)), Some((50, 2)));

    // The API with an old version is refused the same way; without one it saves.
    let token = api_token(server, "district").await;
    let path = format!("/api/v1/rounds/{round}/survey");
    let (status, body) = api(
        server,
        Method::PUT,
        &path,
        Some(&token),
        Some(json!({"quota": 60, "version": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("district")),
        "{body}"
    );
    let (status, body) = api(
        server,
        Method::PUT,
        &path,
        Some(&token),
        Some(json!({"quota": 60, "version": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["quota"].as_i64(), body["version"].as_i64()),
        (Some(60), Some(3))
    );
}
on_both!(a_stale_settings_form_is_refused);

/// A closing day: refused when it is not a date or already past (the form keeps what was
/// typed), shown on the page and in the API, the due time of the 待办 item with the reminder two
/// days before; past it, the resident link and staff entry take no answer and say why.
async fn a_survey_closes_at_the_end_of_its_closing_day(server: &Server) {
    use xingfu_core::notify::Kind;
    use xingfu_core::survey::closing;
    use xingfu_server::app::state::now_ms;
    use xingfu_store::surveys::{NewSurveySettings, SettingsSaved};

    let round = new_round(server).await;
    let store = &server.state.store;
    store.declare(&round, GULOU, 0, "test", 2).await.unwrap();
    open_survey(server, &round, 30).await;
    let cookie = server.sign_in("district").await;
    let settings_page = format!("/rounds/{round}/surveys");
    let save = |closes_on: String| {
        let cookie = cookie.clone();
        let settings_page = settings_page.clone();
        async move {
            let (_, page, _) = server.get(&settings_page, &cookie).await;
            let version = between(&page, "name=\"version\" value=\"", "\"").to_string();
            server
                .post(
                    &format!("{settings_page}/settings"),
                    &cookie,
                    &format!(
                        "csrf={}&version={version}&area=&quota=30&closes_on={}",
                        csrf_of(&page),
                        urlencode(&closes_on)
                    ),
                )
                .await
        }
    };
    let (status, page, _) = save("2013-02-30".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#closes_on\""), "{page}");
    assert!(page.contains("2013 年 2 月没有 30 日"), "{page}");
    assert!(page.contains("value=\"2013-02-30\""), "kept as typed");
    let (status, page, _) = save("2020-01-01".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("截止日期\u{ff1a}不能早于今天"), "{page}");
    let stored = server.state.store.survey_settings(&round).await.unwrap();
    assert_eq!(stored.unwrap().closes_at, None, "nothing saved");

    let day = xingfu_core::dates::local_text(now_ms() + 5 * 86_400_000)[..10].to_string();
    let (status, body, _) = save(day.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, page, _) = server.get(&settings_page, &cookie).await;
    let shown = between(&page, "id=\"closes\">", "</dd>");
    assert_eq!(shown, format!("{day}\u{ff08}当天 24:00 截止\u{ff09}"));
    let token = api_token(server, "district").await;
    let (_, body) = api(
        server,
        Method::GET,
        &format!("/api/v1/rounds/{round}/survey"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(body["closes_on"], day.as_str());

    // The community's worker is reminded two days before the close, not earlier, once.
    let closes = closing::closes_at(&day).unwrap();
    let reminders = |username: &'static str| async move {
        let messages = server.messages_of(username).await;
        let closing = messages
            .iter()
            .filter(|(kind, _)| kind == Kind::SurveyClosing.key());
        closing.count()
    };
    let sweep = xingfu_server::notifications::service::reminders::sweep;
    sweep(&server.state, closes - 2 * 86_400_000 - 1)
        .await
        .unwrap();
    assert_eq!(reminders("gulou").await, 0);
    sweep(&server.state, closes - 2 * 86_400_000).await.unwrap();
    sweep(&server.state, closes - 86_400_000).await.unwrap();
    assert_eq!(reminders("gulou").await, 1);

    // Closed (as a survey set earlier and now past its day): the link says so at once.
    let link = link_of(server, &round, GULOU, "gulou").await;
    let saved = server.state.store.survey_settings(&round).await.unwrap();
    let saved = saved.unwrap();
    let past = now_ms() - 60_000;
    let Ok(SettingsSaved::Saved(_)) = server
        .state
        .store
        .set_survey_settings(
            &NewSurveySettings {
                round_id: &round,
                questionnaire_id: "lucheng-2012",
                questionnaire_version: &saved.questionnaire_version,
                questionnaire_body: &saved.questionnaire_body,
                quota: 30,
                closes_at: Some(past),
                read_at: None,
            },
            By {
                actor: "test",
                at: now_ms(),
            },
        )
        .await
    else {
        panic!("closing the survey");
    };
    // Answers read the settings again once the process's copy is older than its lifetime.
    let lifetime = xingfu_server::surveys::service::SETTINGS_TTL;
    tokio::time::sleep(lifetime + std::time::Duration::from_millis(200)).await;
    let (status, page, _) = server.get(&format!("/s/{link}"), "").await;
    assert_eq!(status, StatusCode::GONE);
    let day = closing::closing_day(past);
    assert!(
        page.contains(&format!(
            "本次满意度调查已于 {day} 截止\u{ff0c}不再收取答卷"
        )),
        "{page}"
    );
    let (status, _, _) = resident_post(
        server,
        &link,
        &final_form("closed-survey-token-0001", ALL_SATISFIED, "13700000001"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        tally(server, &round, GULOU).await.is_empty(),
        "nothing counted"
    );
}
on_both!(a_survey_closes_at_the_end_of_its_closing_day);

/// The contact a community worker gives is kept with the link (audited), printed on the poster
/// and shown on the link once the community's result is computed, before any question; another
/// community's worker may not set it.
async fn the_link_carries_whom_residents_ask(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    let cookie = server.sign_in("gulou").await;
    let contact_path = format!("/rounds/{round}/surveys/{GULOU}/contact");
    let (_, page, _) = server
        .get(&format!("/rounds/{round}/surveys?area={GULOU}"), &cookie)
        .await;
    let form = format!(
        "csrf={}&contact={}",
        csrf_of(&page),
        urlencode("鼓楼社区居委会 0577-88881234")
    );
    let (status, body, _) = server.post(&contact_path, &cookie, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let stored = server
        .state
        .store
        .survey_link(&link)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.contact.as_deref(),
        Some("鼓楼社区居委会 0577-88881234")
    );
    let (_, poster, _) = server
        .get(&format!("/rounds/{round}/surveys/{GULOU}/poster"), &cookie)
        .await;
    assert!(poster.contains("鼓楼社区居委会 0577-88881234"), "{poster}");
    assert!(poster.contains("五马街道鼓楼社区"), "{poster}");

    let mochi = server.sign_in("mochi-resident").await;
    let (_, page, _) = server.get("/events", &mochi).await;
    let form = format!("csrf={}&contact=x", csrf_of(&page));
    let (status, _, _) = server.post(&contact_path, &mochi, &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    server.computed_entry(&round, GULOU, 3).await;
    let (status, page, _) = server.get(&format!("/s/{link}"), "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("调查已经结束"), "{page}");
    assert!(!page.contains("第 1 题"), "no question: {page}");
    assert!(
        page.contains("如有疑问\u{ff0c}请联系\u{ff1a}鼓楼社区居委会 0577-88881234"),
        "{page}"
    );
}
on_both!(the_link_carries_whom_residents_ask);
