//! The round's workflow pages over HTTP, on SQLite and on PostgreSQL: the clause scoring sheet,
//! the action buttons, the approval queue, publication, rectification tasks, rewards and targets.

#[macro_use]
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

/// Runs `async fn $name(&Server)` on both databases.
/// Runs `async fn $name(&Server)` on both databases, on several threads, so that tasks it spawns
/// really run at the same time.
macro_rules! on_both_threaded {
    ($name:ident) => {
        pub mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let server = super::common::sqlite().await;
                super::$name(&server).await;
                server.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let server = super::common::postgres().await;
                super::$name(&server).await;
                server.finish().await;
            }
        }
    };
}

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

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(field) => field.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

fn encode(csrf: &str, fields: &[(String, String)]) -> String {
    let mut form = format!("csrf={}", urlencode(csrf));
    for (name, value) in fields {
        form.push_str(&format!("&{}={}", urlencode(name), urlencode(value)));
    }
    form
}

async fn stage(server: &Server, round: &str) -> (String, i64) {
    let entry = server
        .state
        .store
        .entry(round, GULOU)
        .await
        .unwrap()
        .unwrap();
    (entry.stage, entry.version)
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

async fn a_sheet_with_a_bad_field_saves_nothing_and_keeps_what_was_typed(server: &Server) {
    let round = at_scoring(server).await;
    let standard = standard(server).await;
    let session = server.sign_in("assessor").await;
    let path = format!("/rounds/{round}/communities/{GULOU}/sheet");
    let (status, page, _) = server.get(&path, &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("评分表"));
    assert!(page.contains("ZZ1.1"));
    assert!(
        page.contains("是否符合此项要求\u{ff1f}"),
        "veto items asked whether they are met, not whether the veto is triggered"
    );
    assert!(
        page.contains("社区组织架构图"),
        "each clause shows its evidence requirement"
    );
    let csrf = csrf_of(&page);

    let mut fields = sheet_fields(&standard, "95");
    set(&mut fields, "version", &version_of(&page, &path));
    set(&mut fields, "v_ZZ1.1", "12.5");
    set(&mut fields, "n_ZZ1.1", "会议记录齐全");
    set(&mut fields, "v_ZZ1.2", "十五");
    set(&mut fields, "v_ZG1.1", "120");
    let (status, body, _) = server.post(&path, &session, &encode(&csrf, &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = between(&body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("href=\"#v-ZZ1.2\""), "{summary}");
    assert!(
        summary.contains("条款 ZZ1.2"),
        "the summary names the clause"
    );
    assert!(summary.contains("十五"));
    assert!(
        summary.contains("href=\"#v-ZG1.1\"") && summary.contains("120"),
        "every wrong field is listed at once: {summary}"
    );
    assert!(!summary.contains("ZZ1.1"), "a good field is not an error");
    assert!(body.contains("id=\"v-ZZ1.2\""), "the summary's link target");
    assert!(
        body.contains("value=\"12.5\""),
        "typed values stay in the form"
    );
    assert!(body.contains("value=\"十五\""));
    assert!(body.contains("value=\"会议记录齐全\""));
    assert!(
        server
            .state
            .store
            .answers(&round, GULOU)
            .await
            .unwrap()
            .is_empty(),
        "nothing is saved while any field is wrong"
    );

    // Corrected, the whole sheet is saved.
    set(&mut fields, "v_ZZ1.2", "15");
    set(&mut fields, "v_ZG1.1", "95");
    let (status, body, _) = server.post(&path, &session, &encode(&csrf, &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let clauses = standard.clause_count();
    assert!(
        body.starts_with(&format!("{path}?saved={clauses}")),
        "{body}"
    );
    let (_, page, _) = server
        .get(&format!("{path}?saved={clauses}"), &session)
        .await;
    assert!(page.contains(&format!("已保存 {clauses} 项")));
    assert!(
        page.contains("value=\"12.5\""),
        "the saved answer fills the form"
    );
    assert!(page.contains("value=\"会议记录齐全\""));
    let answers = server.state.store.answers(&round, GULOU).await.unwrap();
    assert_eq!(answers.len(), clauses);
    let zz11 = answers.iter().find(|a| a.clause_id == "ZZ1.1").unwrap();
    let answer = service::answer_from_json(&zz11.answer);
    assert_eq!(answer.number, Some(xingfu_core::Dec2(1250)));
    assert_eq!(answer.note.as_deref(), Some("会议记录齐全"));

    // A saved answer cannot be emptied: the sheet says so and keeps the rest.
    set(&mut fields, "v_ZZ1.1", "");
    set(&mut fields, "n_ZZ1.1", "");
    let (status, body, _) = server.post(&path, &session, &encode(&csrf, &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#v-ZZ1.1\""));

    // English on request, errors too.
    set(&mut fields, "v_ZZ1.1", "16");
    let (status, body, _) = server
        .post(
            &path,
            &format!("{session}; lang=en"),
            &encode(&csrf, &fields),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("There is a problem"));
    assert!(body.contains("outside 0–15"), "{body}");
}
on_both!(a_sheet_with_a_bad_field_saves_nothing_and_keeps_what_was_typed);

async fn an_assessor_of_the_community_itself_is_refused(server: &Server) {
    let round = at_scoring(server).await;
    let standard = standard(server).await;
    let session = server.sign_in("gulou-assessor").await;
    let path = format!("/rounds/{round}/communities/{GULOU}/sheet");
    let (status, body, _) = server.get(&path, &session).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("自己所在的社区"));
    let (_, page, _) = server.get("/rounds", &session).await;
    let csrf = csrf_of(&page);
    let (status, _, _) = server
        .post(
            &path,
            &session,
            &encode(&csrf, &sheet_fields(&standard, "95")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        server
            .state
            .store
            .answers(&round, GULOU)
            .await
            .unwrap()
            .is_empty()
    );
}
on_both!(an_assessor_of_the_community_itself_is_refused);

async fn the_self_assessment_asks_the_veto_items(server: &Server) {
    let round = open_round(server).await;
    let worker = server.user("gulou").await;
    service::declare(&server.state, &worker, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let session = server.sign_in("gulou").await;
    let path = format!("/rounds/{round}/communities/{GULOU}/sheet");
    let (status, page, _) = server.get(&path, &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("自评表"));
    assert!(page.contains("是否符合此项要求\u{ff1f}"));
    assert!(page.contains("不符合\u{ff08}一票否决\u{ff09}"));
    assert!(!page.contains("是否触发一票否决"), "no double negative");
    let csrf = csrf_of(&page);
    // A veto reported with its reason; a reason without a yes / no is an error.
    let fields = vec![
        ("version".to_string(), version_of(&page, &path)),
        ("v_TJ1.1".to_string(), "no".to_string()),
        ("v_TJ1.2".to_string(), "yes".to_string()),
        ("n_TJ1.2".to_string(), "发生重大治安事件".to_string()),
        ("n_TJ1.3".to_string(), "待核实".to_string()),
    ];
    let (status, body, _) = server.post(&path, &session, &encode(&csrf, &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#v-TJ1.3\""));
    assert!(body.contains("value=\"发生重大治安事件\""));
    let (status, _, _) = server
        .post(&path, &session, &encode(&csrf, &fields[..4]))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The eligibility check reads the veto and refuses the declaration with the reason.
    let district = server.sign_in("district").await;
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (_, page, _) = server.get(&community, &district).await;
    assert!(page.contains(&format!("action=\"{community}/check\"")));
    let (status, _, _) = server
        .post(
            &format!("{community}/check"),
            &district,
            &format!("csrf={}", urlencode(&csrf_of(&page))),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let entry = server
        .state
        .store
        .entry(&round, GULOU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.stage, "refused");
    assert!(entry.refusal.unwrap().contains("发生重大治安事件"));
}
on_both!(the_self_assessment_asks_the_veto_items);

async fn the_approval_queue_shows_a_four_star_entry_to_the_city_only(server: &Server) {
    let round = at_scoring(server).await;
    scored(server, &round, 50).await;
    let district = server.user("district").await;
    let computed = service::compute(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    assert_eq!(computed.star, Some(4), "700 + 300 × 50% = 850 points");
    let path = format!("/rounds/{round}/approvals");
    let city = server.sign_in("city").await;
    let (status, body, _) = server.get(&path, &city).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("鼓楼社区"));
    assert!(body.contains(&format!(
        "action=\"/rounds/{round}/communities/{GULOU}/approve\""
    )));
    let session = server.sign_in("district").await;
    let (status, body, _) = server.get(&path, &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !body.contains("鼓楼社区"),
        "a 4★ rating is the city's to approve"
    );
    assert!(body.contains("没有待您审批"));
    // Approving from the queue comes back to the queue.
    let (_, page, _) = server.get(&path, &city).await;
    let (status, location, _) = server
        .post(
            &format!("/rounds/{round}/communities/{GULOU}/approve"),
            &city,
            &format!("csrf={}&back=approvals", urlencode(&csrf_of(&page))),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&path));
    assert_eq!(stage(server, &round).await.0, "approved");
}
on_both!(the_approval_queue_shows_a_four_star_entry_to_the_city_only);

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

async fn the_buttons_walk_a_community_from_declared_to_named(server: &Server) {
    let round = open_round(server).await;
    let district = server.sign_in("district").await;
    let city = server.sign_in("city").await;

    // Declare from the round page.
    let (status, page, _) = server.get(&format!("/rounds/{round}"), &district).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("<option value=\"{GULOU}\">鼓楼社区</option>")));
    for link in ["approvals", "publication", "rectifications", "rewards"] {
        assert!(page.contains(&format!("href=\"/rounds/{round}/{link}\"")));
    }
    let (status, location, _) = server
        .post(
            &format!("/rounds/{round}/declare"),
            &district,
            &format!("csrf={}&community={GULOU}", urlencode(&csrf_of(&page))),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("/rounds/{round}/communities/{GULOU}")));
    let (_, page, _) = server.get(&format!("/rounds/{round}"), &district).await;
    assert!(
        !page.contains(&format!("<option value=\"{GULOU}\">")),
        "declared communities leave the list"
    );
    // Declaring twice is refused with a page.
    let (status, body, _) = server
        .post(
            &format!("/rounds/{round}/declare"),
            &district,
            &format!("csrf={}&community={GULOU}", urlencode(&csrf_of(&page))),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("已在本年度申报"));

    // A POST without the session's token is refused and changes nothing.
    let before = stage(server, &round).await;
    let check = format!("/rounds/{round}/communities/{GULOU}/check");
    let (status, body, _) = server.post(&check, &district, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("页面已过期"));
    let (status, _, _) = server.post(&check, &district, "csrf=forged").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stage(server, &round).await, before);

    press(server, &district, &round, "check").await;
    assert_eq!(stage(server, &round).await.0, "scoring");
    // The assessor finds the scoring sheet on the community page.
    let assessor = server.sign_in("assessor").await;
    let (_, page, _) = server
        .get(&format!("/rounds/{round}/communities/{GULOU}"), &assessor)
        .await;
    assert!(page.contains(&format!(
        "href=\"/rounds/{round}/communities/{GULOU}/sheet\""
    )));
    scored(server, &round, 50).await;

    press(server, &district, &round, "compute").await;
    assert_eq!(stage(server, &round).await.0, "computed");
    // 4★ is the city's: the district has no approve button, and a forced POST is refused.
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (_, page, _) = server.get(&community, &district).await;
    assert!(!page.contains(&format!("action=\"{community}/approve\"")));
    let (status, body, _) = server
        .post(
            &format!("{community}/approve"),
            &district,
            &format!("csrf={}", urlencode(&csrf_of(&page))),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("市级审批"), "{body}");
    let before = stage(server, &round).await;
    let (status, _, _) = server
        .post(&format!("{community}/approve"), &city, "")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stage(server, &round).await, before, "nothing changed");

    press(server, &city, &round, "approve").await;
    assert_eq!(stage(server, &round).await.0, "approved");
    // The level that approved publishes: the district's button press is refused.
    let (status, _, _) = server
        .post(&format!("{community}/publish"), &district, "")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    press(server, &city, &round, "publish").await;
    assert_eq!(stage(server, &round).await.0, "published");

    // The publication list: a 0-day objection period is over at once; the city names 4–5★.
    let (status, body, _) = server
        .get(&format!("/rounds/{round}/publication"), &city)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("鼓楼社区"));
    assert!(body.contains("公示期满，待命名"));
    assert!(body.contains(&format!("action=\"{community}/name\"")));

    press(server, &city, &round, "name").await;
    assert_eq!(stage(server, &round).await.0, "named");
    let (_, body, _) = server
        .get(&format!("/rounds/{round}/publication"), &district)
        .await;
    assert!(body.contains("已命名"));
    assert!(!body.contains(&format!("action=\"{community}/name\"")));
    assert_eq!(server.state.store.verify_audit().await.unwrap(), None);
}
on_both!(the_buttons_walk_a_community_from_declared_to_named);

async fn rectification_tasks_are_opened_reported_and_verified(server: &Server) {
    let round = at_scoring(server).await;
    scored(server, &round, 50).await;
    let district_user = server.user("district").await;
    service::compute(&server.state, &district_user, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let district = server.sign_in("district").await;
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (_, page, _) = server.get(&community, &district).await;
    assert!(page.contains(&format!("action=\"{community}/rectify\"")));
    let csrf = csrf_of(&page);
    // A deadline that is not a date comes back with the reason and what was typed.
    let (status, body, _) = server
        .post(
            &format!("{community}/rectify"),
            &district,
            &format!("csrf={csrf}&deadline=2099-02-30"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#deadline\""));
    assert!(body.contains("整改期限"));
    assert!(body.contains("value=\"2099-02-30\""));
    assert!(
        server
            .state
            .store
            .rectifications(&round, None)
            .await
            .unwrap()
            .is_empty()
    );
    let (status, location, _) = server
        .post(
            &format!("{community}/rectify"),
            &district,
            &format!("csrf={csrf}&deadline=2099-12-31"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The five survey clauses at 50% are short of full points.
    assert!(
        location.starts_with(&format!("/rounds/{round}/rectifications?opened=5")),
        "{location}"
    );
    let tasks = server
        .state
        .store
        .rectifications(&round, None)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 5);
    assert_eq!(tasks[0].owner, "鼓楼社区");
    let task = tasks[0].id.clone();

    // The community worker reports; an empty report is sent back.
    let worker = server.sign_in("gulou").await;
    let path = format!("/rounds/{round}/rectifications");
    let (status, page, _) = server.get(&path, &worker).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("待整改"));
    assert!(page.contains("2099-12-31 23:59"));
    let worker_csrf = csrf_of(&page);
    let opened = version_of(&page, &format!("{path}/{task}/submit"));
    assert_eq!(opened, "1");
    let (status, body, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!("csrf={worker_csrf}&version={opened}&report=%20"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(&format!("href=\"#report-{task}\"")));
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!(
                "csrf={worker_csrf}&version={opened}&report={}",
                urlencode("已补充问卷调查并张贴公示")
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The worker cannot verify their own report.
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/verify"),
            &worker,
            &format!("csrf={worker_csrf}&version=2"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, page, _) = server.get(&path, &district).await;
    assert!(page.contains("已提交"));
    assert!(page.contains("已补充问卷调查并张贴公示"));
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/verify"),
            &district,
            &format!(
                "csrf={}&version={}",
                urlencode(&csrf_of(&page)),
                version_of(&page, &format!("{path}/{task}/verify"))
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get(&path, &district).await;
    assert!(page.contains("已验收"));
    let verified = server
        .state
        .store
        .rectifications(&round, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.id == task)
        .unwrap();
    assert_eq!(verified.status, "verified");
    assert_eq!(verified.verified_by.as_deref(), Some("district"));
}
on_both!(rectification_tasks_are_opened_reported_and_verified);

async fn the_rewards_page_shows_the_budget_split(server: &Server) {
    let round = at_scoring(server).await;
    scored(server, &round, 50).await;
    let district_user = server.user("district").await;
    service::compute(&server.state, &district_user, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    let session = server.sign_in("district").await;
    let (status, body, _) = server
        .get(&format!("/rounds/{round}/rewards"), &session)
        .await;
    assert_eq!(status, StatusCode::OK);
    // A new 4★ title pays 300,000, shared 50/50 by the city and the district.
    let budget = between(&body, "id=\"budget\"", "</section>");
    assert!(budget.contains("<th scope=\"col\" class=\"num\">市</th>"));
    assert!(budget.contains("<th scope=\"col\" class=\"num\">区</th>"));
    assert!(budget.contains("五马街道"));
    assert!(budget.contains("150,000.00"));
    assert!(budget.contains("300,000.00"));
    let round_budget = between(&body, "id=\"round-budget\"", "</table>");
    assert!(
        round_budget.contains("150,000.00"),
        "the stored budget: {round_budget}"
    );
    // Targets: one community rated, at 4★: the 4★ and 3★ targets are met, 5★ is not.
    assert!(body.contains("4星及以上不低于 50%"));
    assert!(body.contains("1/1\u{ff08}100.00%\u{ff09}\u{2014} 已达到"));
    assert!(body.contains("0/1\u{ff08}0.00%\u{ff09}\u{2014} 还差 1 个"));
    // A street administrator sees the counts and their street, not the round's stored budget.
    let wuma = server.sign_in("wuma").await;
    let (status, body, _) = server.get(&format!("/rounds/{round}/rewards"), &wuma).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("五马街道"));
    assert!(!body.contains("id=\"round-budget\""));
    // Assessors have no business here.
    let assessor = server.sign_in("assessor").await;
    let (status, _, _) = server
        .get(&format!("/rounds/{round}/rewards"), &assessor)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
on_both!(the_rewards_page_shows_the_budget_split);

async fn a_resident_objects_on_the_community_page_and_the_city_decides(server: &Server) {
    let store = &server.state.store;
    let round = server.approved_gulou(4).await;
    let city = server.sign_in("city").await;
    press(server, &city, &round, "publish").await;

    let resident = server.sign_in("gulou-resident").await;
    let community = format!("/rounds/{round}/communities/{GULOU}");
    let (status, page, _) = server.get(&community, &resident).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("异议受理截止"), "{page}");
    assert!(page.contains("目前没有异议"));
    let action = format!("{community}/objections");
    assert!(page.contains(&format!("action=\"{action}\"")), "lodge form");
    let csrf = csrf_of(&page);

    // Too long: sent back with the typed text and the reason, nothing saved.
    let typed = "长".repeat(2001);
    let form = format!("csrf={}&text={}", urlencode(&csrf), urlencode(&typed));
    let (status, page, _) = server.post(&action, &resident, &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("error-summary"));
    assert!(page.contains("href=\"#objection-text\""));
    assert!(page.contains("不能超过 2000 字"), "{page}");
    assert!(page.contains(&typed), "the typed text is kept");
    assert!(store.objections(&round, GULOU).await.unwrap().is_empty());

    let text = "评分表上的志愿者人数与实际不符";
    let form = format!("csrf={}&text={}", urlencode(&csrf), urlencode(text));
    let (status, location, _) = server.post(&action, &resident, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page, _) = server.get(&community, &resident).await;
    assert!(page.contains(text));
    assert!(page.contains("待处理"));
    assert!(!page.contains("/decide\""), "residents do not decide");

    // The city decides; without a choice the form comes back, then the decision is recorded.
    let (_, page, _) = server.get(&community, &city).await;
    let id = &store.objections(&round, GULOU).await.unwrap()[0].id;
    let decide = format!("{community}/objections/{id}/decide");
    assert!(page.contains(&format!("action=\"{decide}\"")), "{page}");
    let csrf = csrf_of(&page);
    let form = format!("csrf={}&note={}", urlencode(&csrf), urlencode("已核实"));
    let (status, page, _) = server.post(&decide, &city, &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择异议是否成立"));
    assert!(page.contains("已核实"), "the note is kept");
    let form = format!(
        "csrf={}&outcome=dismiss&note={}",
        urlencode(&csrf),
        urlencode("志愿者名册已核实,人数相符")
    );
    let (status, _, _) = server.post(&decide, &city, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get(&community, &resident).await;
    assert!(page.contains("异议不成立"));
    assert!(page.contains("志愿者名册已核实"));
}
on_both!(a_resident_objects_on_the_community_page_and_the_city_decides);

/// Issue 10, finding 2: two people open the same declaration; one records that a veto item
/// applies, with the reason; the other submits the stale form with one new note. The stale form
/// is refused whole (409): the veto and its reason stay stored, and the page comes back with
/// what the second person typed, who changed the sheet and when, and the answer changed since.
async fn a_stale_declaration_sheet_is_refused_and_keeps_the_veto(server: &Server) {
    let round = open_round(server).await;
    let district = server.user("district").await;
    service::declare(&server.state, &district, &round, GULOU, Lang::Zh)
        .await
        .unwrap();
    server
        .state
        .store
        .create_user(
            &NewUser {
                username: "zhangsan",
                display_name: "张三",
                password_hash: &hash_password(PASSWORD).unwrap(),
                role: Role::CommunityWorker.key(),
                region_code: GULOU,
            },
            0,
        )
        .await
        .unwrap();
    // The declaration as both find it: every veto item clear.
    let worker = server.user("gulou").await;
    let clear: Vec<(String, Answer)> = ["TJ1.1", "TJ1.2", "TJ1.3"]
        .iter()
        .map(|c| (c.to_string(), Answer::met(true)))
        .collect();
    service::save_sheet(&server.state, &worker, &round, GULOU, clear, Lang::Zh)
        .await
        .unwrap();
    let path = format!("/rounds/{round}/communities/{GULOU}/sheet");
    let first = server.sign_in("zhangsan").await;
    let second = server.sign_in("gulou").await;
    let (_, first_page, _) = server.get(&path, &first).await;
    let (_, second_page, _) = server.get(&path, &second).await;
    assert_eq!(version_of(&second_page, &path), "1");

    let field = |name: &str, value: &str| (name.to_string(), value.to_string());
    let veto = vec![
        field("version", &version_of(&first_page, &path)),
        field("v_TJ1.1", "no"),
        field("v_TJ1.2", "yes"),
        field("n_TJ1.2", "发生重大治安事件"),
        field("v_TJ1.3", "no"),
    ];
    let (status, body, _) = server
        .post(&path, &first, &encode(&csrf_of(&first_page), &veto))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    let stale = vec![
        field("version", &version_of(&second_page, &path)),
        field("v_TJ1.1", "no"),
        field("n_TJ1.1", "已逐户核实"),
        field("v_TJ1.2", "no"),
        field("v_TJ1.3", "no"),
    ];
    let (status, body, _) = server
        .post(&path, &second, &encode(&csrf_of(&second_page), &stale))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Nothing of the stale form was written: the veto and its reason stand.
    let answers = server.state.store.answers(&round, GULOU).await.unwrap();
    let stored = |clause: &str| {
        let row = answers
            .iter()
            .find(|a| a.sheet == service::SELF_SHEET && a.clause_id == clause)
            .unwrap();
        service::answer_from_json(&row.answer)
    };
    assert_eq!(stored("TJ1.2").met, Some(false), "the veto still applies");
    assert_eq!(stored("TJ1.2").note.as_deref(), Some("发生重大治安事件"));
    assert_eq!(stored("TJ1.1").note, None, "the stale note was not saved");

    // The page: who changed the sheet (by name) and when, what the user typed, what changed.
    let summary = between(&body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("此表已被 张三 于 "), "{summary}");
    assert!(summary.contains("请核对后再提交"), "{summary}");
    assert!(!summary.contains("zhangsan"), "names, not usernames");
    assert!(summary.contains("href=\"#v-TJ1.2\""), "{summary}");
    assert!(
        !summary.contains("href=\"#v-TJ1.1\""),
        "TJ1.1 was not changed by anyone else"
    );
    let mark = between(&body, "id=\"c-TJ1.2\">", "</p>");
    assert!(mark.contains("发生重大治安事件"), "{mark}");
    assert!(
        body.contains("value=\"已逐户核实\""),
        "typed values stay in the form"
    );
    assert!(
        body.contains("id=\"v-TJ1.2\" name=\"v_TJ1.2\" value=\"no\" checked"),
        "the user's own choice stays selected"
    );
    // The form now carries the current version: submitting again is a deliberate choice.
    assert_eq!(version_of(&body, &path), "2");
}
on_both!(a_stale_declaration_sheet_is_refused_and_keeps_the_veto);

/// Issue 10, finding 3: answers saved while compute runs. Over many rounds of the race, no
/// answer is audited after the compute row, and the stored total is always the panel's total
/// from the stored answers (compute is refused, and run again, if an answer landed meanwhile).
async fn answers_racing_compute_never_land_after_it(server: &Server) {
    let standard = standard(server).await;
    let store = &server.state.store;
    let district = server.user("district").await;
    let assessor = server.user("assessor").await;
    for year in 2001..2009 {
        let round = open_round_of(server, year).await;
        service::declare(&server.state, &district, &round, GULOU, Lang::Zh)
            .await
            .unwrap();
        service::check(&server.state, &district, &round, GULOU, Lang::Zh)
            .await
            .unwrap();
        scored(server, &round, 95).await;
        let mut racers = tokio::task::JoinSet::new();
        for points in 1..=6 {
            let (state, assessor, round) = (server.state.clone(), assessor.clone(), round.clone());
            racers.spawn(async move {
                let answer = Answer::number(xingfu_core::Dec2::from_int(points));
                let answers = vec![("ZZ1.1".to_string(), answer)];
                // Refused once compute has run: that is the point.
                let _ =
                    service::save_sheet(&state, &assessor, &round, GULOU, answers, Lang::Zh).await;
            });
        }
        let computed = service::compute(&server.state, &district, &round, GULOU, Lang::Zh).await;
        while let Some(racer) = racers.join_next().await {
            racer.unwrap();
        }
        if computed.is_err() {
            // Refused because an answer landed while it read them: once more, now it is quiet.
            service::compute(&server.state, &district, &round, GULOU, Lang::Zh)
                .await
                .unwrap();
        }
        let entry = store.entry(&round, GULOU).await.unwrap().unwrap();
        let card = service::panel(&server.state, &standard, &round, GULOU)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            entry.total,
            Some(card.total.hundredths()),
            "{year}: the stored total is the panel's from the stored answers"
        );
        let trail: Vec<_> = store
            .audit_for_community(GULOU)
            .await
            .unwrap()
            .into_iter()
            .filter(|row| row.round_id.as_deref() == Some(round.as_str()))
            .collect();
        let compute_at = trail
            .iter()
            .position(|row| row.action == "compute")
            .unwrap();
        let late: Vec<_> = trail[compute_at..]
            .iter()
            .filter(|row| row.action == "score")
            .map(|row| row.seq)
            .collect();
        assert!(
            late.is_empty(),
            "{year}: answers audited after compute: {late:?}"
        );
    }
}
on_both_threaded!(answers_racing_compute_never_land_after_it);

/// A rectification report sent back and submitted again after the verifier's page was read: the
/// stale "verify" is refused (409) with who submitted it, so no report is verified unseen.
async fn a_verifier_never_verifies_a_report_they_have_not_seen(server: &Server) {
    let round = at_scoring(server).await;
    let store = &server.state.store;
    store
        .open_rectifications(
            &round,
            GULOU,
            &["ZG1.1".to_string()],
            "鼓楼社区",
            4_102_444_800_000,
            1,
        )
        .await
        .unwrap();
    let task = store.rectifications(&round, None).await.unwrap()[0]
        .id
        .clone();
    let path = format!("/rounds/{round}/rectifications");
    let worker = server.sign_in("gulou").await;
    let admin = server.sign_in("district").await;
    let submit =
        |version: String, report: &str| format!("version={version}&report={}", urlencode(report));

    let (_, page, _) = server.get(&path, &worker).await;
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!(
                "csrf={}&{}",
                csrf_of(&page),
                submit(
                    version_of(&page, &format!("{path}/{task}/submit")),
                    "第一次报告"
                )
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The verifier reads the first report; meanwhile another verifier sends it back and the
    // community submits a second one.
    let (_, seen, _) = server.get(&path, &admin).await;
    assert!(seen.contains("第一次报告"));
    let (_, page, _) = server.get(&path, &admin).await;
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/reopen"),
            &admin,
            &format!(
                "csrf={}&version={}",
                csrf_of(&page),
                version_of(&page, &format!("{path}/{task}/reopen"))
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = server.get(&path, &worker).await;
    let (status, _, _) = server
        .post(
            &format!("{path}/{task}/submit"),
            &worker,
            &format!(
                "csrf={}&{}",
                csrf_of(&page),
                submit(
                    version_of(&page, &format!("{path}/{task}/submit")),
                    "第二次报告"
                )
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Submitted again, as the old page showed it — but not the report it showed.
    let verify = format!("{path}/{task}/verify");
    let (status, body, _) = server
        .post(
            &verify,
            &admin,
            &format!(
                "csrf={}&version={}",
                csrf_of(&seen),
                version_of(&seen, &verify)
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let summary = between(&body, "class=\"error-summary\"", "</div>");
    assert!(summary.contains("该整改任务已被 gulou 于 "), "{summary}");
    assert!(
        body.contains("第二次报告"),
        "the page shows the report as it is now"
    );
    let now = store.rectification(&task).await.unwrap().unwrap();
    assert_eq!(now.status, "submitted", "nothing was verified");
    // From the fresh page, it is verified.
    let (status, _, _) = server
        .post(
            &verify,
            &admin,
            &format!(
                "csrf={}&version={}",
                csrf_of(&body),
                version_of(&body, &verify)
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}
on_both!(a_verifier_never_verifies_a_report_they_have_not_seen);
