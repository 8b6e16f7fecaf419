//! The workbench (工作台) and `GET /api/v1/todo`, on SQLite and on PostgreSQL: each role sees the
//! work its own rules let it do, in its own area only; an item goes once the work is done;
//! overdue items come first; the page and the API list the same items.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{PASSWORD, Server, between};
use serde_json::{Value, json};
use tower::ServiceExt;
use xingfu_core::scoring::Answer;
use xingfu_core::standard::Judge;
use xingfu_core::workflow::Stage;
use xingfu_server::app::clock::now_ms;
use xingfu_server::i18n::Lang;
use xingfu_store::rounds::{By, EntryChange};

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const QINGNIANFANG: &str = "330302026003";
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn api(server: &Server, method: Method, path: &str, token: &str, body: Value) -> Value {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if !body.is_null() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    let response = server
        .app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {value}");
    value
}

/// The caller's to-do list through the API.
async fn todo(server: &Server, username: &str) -> Value {
    let token = server.api_token(username).await;
    api(server, Method::GET, "/api/v1/todo", &token, Value::Null).await
}

/// The subjects of one kind in a to-do list, in the list's order.
/// 鼓楼's rectification tasks as the list names them: the clause's number and the start of its
/// text (lucheng-2012).
const GULOU_ZZ1_1: &str = "鼓楼社区 ZZ1.1 健全社区党组织领导的居民自治机制…";
const GULOU_ZZ1_2: &str = "鼓楼社区 ZZ1.2 建立社区党组织、社区居委会、社区…";

fn subjects(list: &Value, kind: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .map(|i| i["subject"].as_str().unwrap().to_string())
        .collect()
}

fn kinds(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect()
}

fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

/// The workbench page's list as (action, subject, link), in its order.
fn page_items(html: &str) -> Vec<(String, String, String)> {
    let html = unescape(html);
    let Some(list) = html.split("<ol class=\"todo\"").nth(1) else {
        return Vec::new();
    };
    let list = list.split("</ol>").next().unwrap();
    list.split("<li")
        .skip(1)
        .map(|item| {
            let action = between(item, "<strong>", "</strong>").to_string();
            let subject = between(item, "</strong> · ", "</p>").to_string();
            let link = between(item, "class=\"button\" href=\"", "\"").to_string();
            (action, subject, link)
        })
        .collect()
}

/// The page and the API give the same list for `username`; returns the page.
async fn page_agrees(server: &Server, username: &str) -> String {
    let list = todo(server, username).await;
    let cookie = server.sign_in(username).await;
    let (status, page, _) = server.get("/workbench", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let from_api: Vec<(String, String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["action"].as_str().unwrap().to_string(),
                i["subject"].as_str().unwrap().to_string(),
                i["link"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(page_items(&page), from_api, "{username}'s page and API");
    page
}

/// An entry of `code` in `round` moved straight to `stage` with `star` (and last year's star).
async fn entry_at(
    server: &Server,
    round: &str,
    code: &str,
    stage: &str,
    star: i64,
    change: EntryChange,
) {
    let store = &server.state.store;
    let entry = store.declare(round, code, 0, "test", 2).await.unwrap();
    let change = EntryChange {
        stage: Some(Stage::parse(stage).expect("a stage key")),
        star: Some(star),
        star_by_score: Some(star),
        total: Some(80_000),
        ..change
    };
    let by = By {
        actor: "test",
        at: 3,
    };
    store
        .update_entry(round, code, entry.version, &change, stage, by)
        .await
        .unwrap()
        .unwrap();
}

/// Presses a step's button on 鼓楼's page in `round` as `username` (the form's token read from
/// the page).
async fn press(server: &Server, username: &str, round: &str, step: &str) {
    let cookie = server.sign_in(username).await;
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (status, page, _) = server.get(&community, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"");
    let (status, body, _) = server
        .post(
            &format!("{community}/{step}"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{step}: {body}");
}

/// Declarations wait for the administrators over them (a street sees its own communities only);
/// checked, the declaration goes and the sheet waits for each assessor until saved; the survey
/// quota waits for the community and the street and district over it.
async fn declarations_sheets_and_survey_quotas(server: &Server) {
    let store = &server.state.store;
    let round = server.lucheng_round(2013).await;
    for code in [GULOU, MOCHI, QINGNIANFANG] {
        store.declare(&round, code, 0, "test", 2).await.unwrap();
    }
    let wuma = todo(server, "wuma").await;
    assert_eq!(
        subjects(&wuma, "check_declaration"),
        ["墨池社区", "鼓楼社区"],
        "五马街道 checks its own two: {wuma}"
    );
    let item = &wuma["items"][0];
    assert_eq!(item["action"], "资格审查");
    assert_eq!(item["context"], "2013年度 鹿城区");
    assert_eq!(item["due_ms"], Value::Null);
    assert_eq!(item["overdue"], false);
    assert_eq!(
        wuma["counts"],
        json!([{"kind": "check_declaration", "count": 2}])
    );
    assert_eq!(
        subjects(&todo(server, "district").await, "check_declaration"),
        ["墨池社区", "庆年坊社区", "鼓楼社区"]
    );
    for nobody in ["longwan", "assessor", "gulou-resident"] {
        assert_eq!(todo(server, nobody).await["items"], json!([]), "{nobody}");
    }
    page_agrees(server, "wuma").await;

    // Checked through the page: the item is gone, and the sheet waits for the assessors (not
    // the one who lives in 鼓楼).
    press(server, "wuma", &round, "check").await;
    assert_eq!(
        subjects(&todo(server, "wuma").await, "check_declaration"),
        ["墨池社区"]
    );
    let assessor = todo(server, "assessor").await;
    assert_eq!(subjects(&assessor, "score_sheet"), ["鼓楼社区"]);
    assert_eq!(
        assessor["items"][0]["link"],
        format!("/rounds/{round}/communities/{GULOU}/sheet")
    );
    assert_eq!(todo(server, "gulou-assessor").await["items"], json!([]));
    page_agrees(server, "assessor").await;

    // Saved, the sheet is off this assessor's list and still on the other's.
    let standard = server
        .state
        .standard("lucheng-2012", "2012.1")
        .await
        .unwrap();
    let clause = standard
        .clauses()
        .find(|c| !c.veto && c.judge == Judge::Met)
        .unwrap();
    xingfu_server::rounds::service::save_sheet(
        &server.state,
        &server.user("assessor").await,
        &round,
        GULOU,
        vec![(clause.id.clone(), Answer::met(true))],
        Lang::Zh,
    )
    .await
    .unwrap();
    assert_eq!(todo(server, "assessor").await["items"], json!([]));
    assert_eq!(
        subjects(&todo(server, "assessor2").await, "score_sheet"),
        ["鼓楼社区"]
    );

    // A survey with a quota of 2: short for every community still taking answers.
    xingfu_server::surveys::settings::save_settings(
        &server.state,
        &server.user("district").await,
        &round,
        xingfu_server::surveys::settings::SurveyChoice {
            quota: 2,
            closes_on: "",
        },
        None,
        Lang::Zh,
    )
    .await
    .unwrap();
    let gulou = todo(server, "gulou").await;
    assert_eq!(
        subjects(&gulou, "survey_quota"),
        ["鼓楼社区\u{ff08}0/2\u{ff09}"]
    );
    assert_eq!(
        gulou["items"][0]["link"],
        format!("/rounds/{round}/surveys?area={GULOU}")
    );
    assert_eq!(
        subjects(&todo(server, "wuma").await, "survey_quota"),
        ["墨池社区\u{ff08}0/2\u{ff09}", "鼓楼社区\u{ff08}0/2\u{ff09}"]
    );
    assert!(subjects(&todo(server, "city").await, "survey_quota").is_empty());
    page_agrees(server, "gulou").await;
}
on_both!(declarations_sheets_and_survey_quotas);

/// The district approves and publishes 1–3★, the city 4–5★, the street neither; a published
/// result is named once its period is over (overdue from its end), unless an objection waits,
/// which is then the item; overdue items come first, longest overdue at the top.
async fn each_level_decides_its_own_stars(server: &Server) {
    let round = server.lucheng_round(2013).await;
    let none = EntryChange::default;
    entry_at(server, &round, MOCHI, "computed", 2, none()).await;
    entry_at(server, &round, QINGNIANFANG, "computed", 5, none()).await;
    entry_at(server, &round, GULOU, "approved", 2, none()).await;
    let district = todo(server, "district").await;
    assert_eq!(subjects(&district, "approve_result"), ["墨池社区"]);
    assert_eq!(subjects(&district, "publish_result"), ["鼓楼社区"]);
    assert_eq!(
        district["items"][0]["link"],
        format!("/rounds/{round}/approvals")
    );
    let city = todo(server, "city").await;
    assert_eq!(subjects(&city, "approve_result"), ["庆年坊社区"]);
    assert!(subjects(&city, "publish_result").is_empty());
    assert_eq!(todo(server, "wuma").await["items"], json!([]));

    // Published a week ago: 鼓楼's period ended three hours ago; 墨池's an hour ago but an
    // objection waits; 庆年坊's runs on.
    let now = now_ms();
    let published = |until: i64| EntryChange {
        published_at: Some(until - 7 * DAY),
        objection_until: Some(until),
        ..EntryChange::default()
    };
    let next = server.lucheng_round(2014).await;
    entry_at(
        server,
        &next,
        GULOU,
        "published",
        2,
        published(now - 3 * HOUR),
    )
    .await;
    entry_at(server, &next, MOCHI, "published", 3, published(now - HOUR)).await;
    entry_at(
        server,
        &next,
        QINGNIANFANG,
        "published",
        1,
        published(now + DAY),
    )
    .await;
    server
        .state
        .store
        .lodge_objection(
            &next,
            MOCHI,
            "得分与实际不符",
            By {
                actor: "test",
                at: now - 2 * HOUR,
            },
        )
        .await
        .unwrap();
    let district = todo(server, "district").await;
    assert_eq!(
        kinds(&district)[..2],
        ["name_result", "decide_objection"],
        "overdue first, the longest at the top: {district}"
    );
    assert_eq!(subjects(&district, "name_result"), ["鼓楼社区"]);
    assert_eq!(subjects(&district, "decide_objection"), ["墨池社区"]);
    assert_eq!(district["items"][0]["due_ms"], now - 3 * HOUR);
    assert_eq!(district["items"][0]["overdue"], true);
    assert_eq!(district["items"][0]["context"], "2014年度 鹿城区");
    assert_eq!(district["overdue"], 2);
    let page = page_agrees(server, "district").await;
    let list = page.split("<ol class=\"todo\"").nth(1).unwrap();
    let first = list.split("<li").nth(1).unwrap();
    assert!(first.starts_with(" class=\"late\""), "{first}");
    assert!(
        first.contains("已逾期") && first.contains("已逾期 3 小时"),
        "{first}"
    );
    assert!(
        todo(server, "city").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["context"] == "2013年度 鹿城区")
    );

    // Named through the page: the item is gone.
    press(server, "district", &next, "name").await;
    let district = todo(server, "district").await;
    assert!(subjects(&district, "name_result").is_empty(), "{district}");
    assert_eq!(district["overdue"], 1);
}
on_both!(each_level_decides_its_own_stars);

/// The community reports on its own tasks (overdue first, with the time left or past), the
/// street and district verify what was reported; nobody sees another community's tasks.
async fn rectification_tasks_by_deadline(server: &Server) {
    let store = &server.state.store;
    let round = server.lucheng_round(2013).await;
    entry_at(server, &round, GULOU, "computed", 2, EntryChange::default()).await;
    entry_at(server, &round, MOCHI, "computed", 2, EntryChange::default()).await;
    let now = now_ms();
    let at = round.as_str();
    let open = |code: &'static str, clause: &'static str, owner: &'static str, deadline: i64| async move {
        store
            .open_rectifications(at, code, &[clause.to_string()], owner, deadline, 4)
            .await
            .unwrap();
    };
    open(GULOU, "ZZ1.2", "鼓楼社区", now + 3 * DAY).await;
    open(GULOU, "ZZ1.1", "鼓楼社区", now - 2 * DAY - HOUR).await;
    open(MOCHI, "ZZ1.1", "墨池社区", now + DAY).await;

    let gulou = todo(server, "gulou").await;
    assert_eq!(
        subjects(&gulou, "submit_rectification"),
        [GULOU_ZZ1_1, GULOU_ZZ1_2],
        "overdue first, and only 鼓楼's: {gulou}"
    );
    assert_eq!(gulou["overdue"], 1);
    assert_eq!(gulou["items"][0]["overdue"], true);
    assert_eq!(gulou["items"][1]["overdue"], false);
    let link = gulou["items"][0]["link"].as_str().unwrap().to_string();
    assert!(link.starts_with(&format!("/rounds/{round}/rectifications#task-")));
    let page = page_agrees(server, "gulou").await;
    assert!(page.contains("已逾期 2 天"), "{page}");
    assert!(page.contains("还剩 2 天"), "{page}");
    assert!(page.contains("去处理"));
    for nobody in ["wuma", "district", "city", "longwan"] {
        assert!(
            subjects(&todo(server, nobody).await, "verify_rectification").is_empty(),
            "{nobody}"
        );
    }

    // Reported: off the community's list, onto the street's and the district's (not the city's).
    let task = link.rsplit("#task-").next().unwrap();
    let token = server.api_token("gulou").await;
    api(
        server,
        Method::POST,
        &format!("/api/v1/rounds/{round}/rectifications/{task}/submit"),
        &token,
        json!({"report": "已整改，照片见佐证材料"}),
    )
    .await;
    assert_eq!(
        subjects(&todo(server, "gulou").await, "submit_rectification"),
        [GULOU_ZZ1_2]
    );
    for verifier in ["wuma", "district"] {
        let list = todo(server, verifier).await;
        assert_eq!(
            subjects(&list, "verify_rectification"),
            [GULOU_ZZ1_1],
            "{verifier}"
        );
        assert_eq!(list["items"][0]["due_ms"], now - 2 * DAY - HOUR);
    }
    assert!(subjects(&todo(server, "city").await, "verify_rectification").is_empty());
    page_agrees(server, "wuma").await;

    // With nothing to do, the page says so and where to look.
    let cookie = server.sign_in("longwan").await;
    let (_, page, _) = server.get("/workbench", &cookie).await;
    assert!(page.contains("目前没有需要您处理的事项"), "{page}");
    assert!(page.contains("href=\"/rounds\""));
}
on_both!(rectification_tasks_by_deadline);

/// Signing in lands on the workbench, and so does the site's front page; the kind filter keeps
/// one kind in the list and every count in the navigation; English on request.
async fn everyone_lands_on_the_workbench(server: &Server) {
    let round = server.lucheng_round(2013).await;
    entry_at(server, &round, MOCHI, "computed", 2, EntryChange::default()).await;
    server
        .state
        .store
        .declare(&round, GULOU, 0, "test", 2)
        .await
        .unwrap();
    let (_, page, set_cookie) = server.get("/login", "").await;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let pre = set_cookie.unwrap().split(';').next().unwrap().to_string();
    let form = format!(
        "username=district&password={}&csrf={csrf}",
        common::urlencode(PASSWORD)
    );
    let (status, body, cookie) = server.post("/login", &pre, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(body.lines().next().unwrap(), "/workbench");
    let cookie = cookie.unwrap().split(';').next().unwrap().to_string();
    let (status, body, _) = server.get("/", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(body.lines().next().unwrap(), "/workbench");

    let (_, page, _) = server.get("/workbench", &cookie).await;
    assert!(page.contains("<h1>工作台</h1>"), "{page}");
    assert!(page.contains("district"), "greets by display name");
    assert!(page.contains("区级管理员 · 鹿城区"));
    assert!(page.contains("href=\"/workbench?kind=check_declaration\""));
    assert!(page.contains("href=\"/workbench?kind=approve_result\""));
    let all = page_items(&page);
    assert_eq!(all.len(), 2, "{all:?}");
    let (_, page, _) = server.get("/workbench?kind=approve_result", &cookie).await;
    let only = page_items(&page);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].0, "审批结果");
    assert_eq!(only[0].1, "墨池社区");
    assert!(
        page.contains("href=\"/workbench?kind=check_declaration\""),
        "counts stay whole"
    );
    // The layout's navigation starts with the workbench.
    let sections = between(&page, "<nav class=\"sections\"", "</nav>");
    let (workbench, rounds) = (sections.find("/workbench"), sections.find("/rounds"));
    assert!(workbench.is_some() && workbench < rounds, "{sections}");

    let token = server.api_token("district").await;
    let request = Request::get("/api/v1/todo")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let list: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(list["items"][0]["action"], "Check the declaration");
    assert_eq!(list["items"][1]["action"], "Approve the result");
}
on_both!(everyone_lands_on_the_workbench);

/// The demo loaded into an empty SQLite database, as a zero-configuration start does.
async fn demo() -> (tempfile::TempDir, xingfu_server::AppState) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = xingfu_store::Store::connect(&url).await.unwrap();
    let state = xingfu_server::AppState::new(store, false);
    xingfu_server::demo::load(&state).await.unwrap().unwrap();
    (dir, state)
}

/// The demo gives
/// each role work of its own: the district its approvals, the city one 4–5★ result to approve,
/// the district and 五马街道 a declaration to check, survey quotas; the street and the district a
/// rectification report to verify; 鼓楼's worker the tasks still to report on and the demo's
/// 随手拍 to accept, dispatch and handle; the district the report escalated to it; 评审员甲 the
/// sheet he has not scored; the resident the report handled for them to confirm; 海淀 nothing.
#[tokio::test]
async fn every_role_of_the_demo_has_its_work() {
    use xingfu_server::demo::kit::acting_as;
    use xingfu_server::workbench::service::workbench;
    let (_dir, state) = demo().await;
    let now = now_ms();
    let mut lists = std::collections::BTreeMap::new();
    for username in [
        "admin",
        "lucheng",
        "wuma",
        "gulou",
        "assessor1",
        "assessor2",
        "resident",
        "haidian",
    ] {
        let user = acting_as(&state, username).await.unwrap();
        let bench = workbench(&state, &user, now).await.unwrap();
        let items: Vec<(&'static str, String)> = bench
            .items
            .iter()
            .map(|i| (i.kind.key(), i.subject.clone()))
            .collect();
        lists.insert(username, items);
    }
    let of = |username: &str, kind: &str| -> Vec<String> {
        lists[username]
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, s)| s.clone())
            .collect()
    };
    let (city, district) = (
        of("admin", "approve_result"),
        of("lucheng", "approve_result"),
    );
    assert!(!district.is_empty(), "{lists:?}");
    assert_eq!(
        city.len(),
        1,
        "one 4–5★ result waits for the city: {lists:?}"
    );
    assert!(city.iter().all(|c| !district.contains(c)), "{lists:?}");
    assert_eq!(
        of("lucheng", "check_declaration"),
        ["乘凉社区", "双莲桥社区", "马鞍池社区"]
    );
    assert!(!of("lucheng", "survey_quota").is_empty(), "{lists:?}");
    for verifier in ["wuma", "lucheng"] {
        let verify = of(verifier, "verify_rectification");
        assert_eq!(verify.len(), 1, "{verifier}: {lists:?}");
        assert!(verify[0].starts_with("鼓楼社区 "), "{verify:?}");
    }
    // 五马街道: the report to verify, its declaration to check and its own community short of
    // answers, nothing of 大南街道.
    assert_eq!(
        of("wuma", "survey_quota"),
        ["安澜社区\u{ff08}24/30\u{ff09}"]
    );
    assert_eq!(of("wuma", "check_declaration"), ["乘凉社区"]);
    assert_eq!(lists["wuma"].len(), 3, "{lists:?}");
    let reports = of("gulou", "submit_rectification");
    assert!(!reports.is_empty(), "{lists:?}");
    assert!(reports.iter().all(|s| s.starts_with("鼓楼社区 ")));
    // 鼓楼's 随手拍: two to accept, one to dispatch, two to handle.
    let events = ["accept_event", "dispatch_event", "handle_event"].map(|k| of("gulou", k).len());
    assert_eq!(events, [2, 1, 2], "{lists:?}");
    // And the demo resident's love-mall exchange to hand out.
    assert_eq!(of("gulou", "hand_out_redemption"), ["陈居民：理发券 × 1"]);
    assert_eq!(lists["gulou"].len(), reports.len() + 5 + 1, "{lists:?}");
    assert_eq!(of("lucheng", "dispatch_event").len(), 1, "{lists:?}");
    assert_eq!(of("assessor1", "score_sheet"), ["虞师里社区"]);
    assert_eq!(of("resident", "confirm_event").len(), 1, "{lists:?}");
    assert_eq!(lists["resident"].len(), 1, "{lists:?}");
    for nobody in ["assessor2", "haidian"] {
        assert!(lists[nobody].is_empty(), "{nobody}: {lists:?}");
    }
}

/// The demo's 随手拍 in 鼓楼社区 stand at every step of the loop, one of them past its time
/// limit; 鼓楼's worker finds them in the 待办 (page and API), each linking to its event, and
/// one nearly due in a reminder.
#[tokio::test]
async fn the_demo_has_events_at_every_step() {
    use std::collections::BTreeMap;
    use xingfu_server::demo::kit::acting_as;
    use xingfu_server::workbench::service::workbench;
    use xingfu_store::events::StateFilter;
    let (_dir, state) = demo().await;
    let now = now_ms();
    let events = state
        .store
        .events_within("330302006044", StateFilter::All, 100)
        .await
        .unwrap();
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &events {
        *states.entry(e.state.key()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        ("reported", 2),
        ("accepted", 2),
        ("dispatched", 1),
        ("in_progress", 1),
        ("resolved", 1),
        ("closed", 4),
        ("rejected", 1),
    ]
    .into();
    assert_eq!(states, expected);
    // Numbered in the order they came in.
    let mut by_time: Vec<_> = events.iter().map(|e| (e.reported_at, e.id)).collect();
    by_time.sort();
    assert!(by_time.windows(2).all(|w| w[0].1 < w[1].1), "{by_time:?}");
    let overdue = state
        .store
        .events_within("330302006044", StateFilter::Overdue { now }, 100)
        .await
        .unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].level.key(), "district");
    assert_eq!(events.iter().filter(|e| e.late).count(), 1);
    assert!(events.iter().all(|e| e.reported_at < now));

    let gulou = acting_as(&state, "gulou").await.unwrap();
    let bench = workbench(&state, &gulou, now).await.unwrap();
    let items: Vec<_> = bench
        .items
        .iter()
        .filter(|i| i.kind.key().ends_with("_event"))
        .collect();
    assert_eq!(items.len(), 5, "{:?}", bench.items);
    assert!(items.iter().all(|i| i.link.starts_with("/events/")));
    // Most of the demo's reports lie in its two grids of 鼓楼社区, and an item says which.
    assert!(
        items.iter().all(|i| i.context.starts_with("鼓楼社区")),
        "{items:?}"
    );
    assert!(
        items.iter().any(|i| i.context == "鼓楼社区·鼓楼第一网格"),
        "{items:?}"
    );
    // The demo's 网格员 signs in as a resident and serves 鼓楼第一网格.
    let wangge = acting_as(&state, "wangge").await.unwrap();
    let member = xingfu_server::events::service::ops_person(&state.store, &wangge)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.role, xingfu_core::ops::OpsRole::GridMember);
    let gulou_row = state
        .store
        .user_by_username("gulou")
        .await
        .unwrap()
        .unwrap();
    let messages = state
        .store
        .notifications_for(&gulou_row.id, 100)
        .await
        .unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.kind == "sla_due" && m.subject.contains("楼道")),
        "{messages:?}"
    );
}

/// The demo's home visits, volunteers and mall, in 温州 (鼓楼社区) and on the demo's street
/// network (静淑苑社区): households on the grids (some on the special-attention lists) with
/// visits and an open follow-up (in the grid member's 待办), a station and team, volunteers with
/// hours and points from a finished activity, one coming, mall items, and the resident's
/// exchange waiting to be handed out.
#[tokio::test]
async fn the_demo_has_visits_volunteers_and_a_mall_in_both_places() {
    use xingfu_server::demo::kit::acting_as;
    use xingfu_server::workbench::service::workbench;
    let (_dir, state) = demo().await;
    let store = &state.store;
    let now = now_ms();
    for (code, households, volunteers) in [("330302006044", 3, 3), ("110108010024", 2, 2)] {
        let homes = store.households_within(code).await.unwrap();
        assert_eq!(homes.len(), households, "{code}");
        assert!(
            homes.iter().all(|h| h.grid_id.is_some()),
            "{code}: on grids"
        );
        assert!(!store.attention_within(code).await.unwrap().is_empty());
        let mut visited = 0;
        for home in &homes {
            visited += store.visits_of(&home.id).await.unwrap().len();
        }
        assert_eq!(visited, 2, "{code}");
        assert_eq!(store.open_follow_ups_within(code).await.unwrap().len(), 1);
        assert_eq!(store.stations_in(code).await.unwrap().len(), 1);
        assert_eq!(store.teams_in(code).await.unwrap().len(), 1);
        let people = store.volunteers_in(code).await.unwrap();
        assert_eq!(people.len(), volunteers, "{code}");
        let activities = store.activities_in(code).await.unwrap();
        assert_eq!(activities.len(), 2);
        let done = activities.iter().find(|a| a.ends_at < now).unwrap();
        assert!(done.people_served > 0);
        assert_eq!(store.sign_ins_of(&done.id).await.unwrap().len(), volunteers);
        assert!(activities.iter().any(|a| a.starts_at > now), "one coming");
        assert!(store.items_in(code).await.unwrap().len() >= 2);
    }
    // The resident is 鼓楼's first volunteer: points earned, one 理发券 exchanged for 20.
    let resident = store.user_by_username("resident").await.unwrap().unwrap();
    let own = store
        .volunteer_of_user(&resident.id)
        .await
        .unwrap()
        .unwrap();
    let earned: i64 = store
        .ledger_of(&own.id)
        .await
        .unwrap()
        .iter()
        .filter(|l| l.kind == "earn")
        .map(|l| l.points)
        .sum();
    assert!(earned > 20, "{earned}");
    assert_eq!(store.balance(&own.id).await.unwrap(), Some(earned - 20));
    let waiting = store.handouts_waiting("330302006044", 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    // The follow-up is in the 待办 of 鼓楼第一网格's 网格员 王芳, who made the visit.
    let wangge = acting_as(&state, "wangge").await.unwrap();
    let bench = workbench(&state, &wangge, now).await.unwrap();
    let subjects: Vec<&str> = bench.items.iter().map(|i| i.subject.as_str()).collect();
    assert!(
        subjects.iter().any(|s| s.contains("请物业更换老化插座")),
        "{subjects:?}"
    );
}
