//! Pages over HTTP requests to the real router, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{Server, between, urlencode};
use xingfu_core::scoring::Answer;
use xingfu_core::standard::Judge;
use xingfu_core::workflow::Stage;
use xingfu_server::i18n::Lang;
use xingfu_server::rounds::{decisions, service};
use xingfu_store::rounds::NewRound;

async fn open_round(server: &Server) -> String {
    server
        .state
        .store
        .create_round(
            &NewRound {
                year: 2013,
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

async fn pages_need_a_session_and_login_is_throttled(server: &Server) {
    let (status, body, _) = server.get("/rounds", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(body.starts_with("/login?next=/rounds"));

    let (status, body, _) = server.get("/login", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("lang=\"zh-CN\""));
    assert!(body.contains("登录"));

    // A form without the login CSRF cookie is refused, asking to submit again.
    let (status, body, _) = server
        .post("/login", "", "username=city&password=x&csrf=forged")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("页面已过期"));

    for _ in 0..5 {
        let (status, body, _) = wrong_password(server).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("用户名或密码不正确"),
            "the entered user name is kept, the error said"
        );
        assert!(body.contains("value=\"wuma\""));
    }
    let (_, body, _) = wrong_password(server).await;
    assert!(
        body.contains("15 分钟后再试"),
        "throttled after five failures"
    );

    let session = server.sign_in("district").await;
    let (status, body, _) = server.get("/rounds", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("还没有评选年度"));
}
on_both!(pages_need_a_session_and_login_is_throttled);

async fn a_street_administrator_sees_only_its_own_communities(server: &Server) {
    let round = open_round(server).await;
    let district = server.user("district").await;
    for code in ["330302006044", "330302026003"] {
        service::declare(&server.state, &district, &round, code, Lang::Zh)
            .await
            .unwrap();
    }
    let wuma = server.sign_in("wuma").await;
    let (status, body, _) = server.get(&format!("/rounds/{round}"), &wuma).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("鼓楼社区"));
    assert!(
        !body.contains("庆年坊社区"),
        "松台街道's community is hidden from 五马街道"
    );
    let (status, body, _) = server
        .get(&format!("/rounds/{round}/communities/330302026003"), &wuma)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("权限"));
    let (status, _, _) = server
        .get(&format!("/rounds/{round}/communities/330302006044"), &wuma)
        .await;
    assert_eq!(status, StatusCode::OK);
    // English pages on request.
    let (_, body, _) = server
        .get(&format!("/rounds/{round}"), &format!("{wuma}; lang=en"))
        .await;
    assert!(body.contains("lang=\"en\""));
    assert!(body.contains("Communities"));
}
on_both!(a_street_administrator_sees_only_its_own_communities);

async fn logout_needs_the_session_csrf_token(server: &Server) {
    let session = server.sign_in("wuma").await;
    let (status, body, _) = server.post("/logout", &session, "csrf=wrong").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("页面已过期"));
    let (_, page, _) = server.get("/rounds", &session).await;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let (status, _, _) = server
        .post("/logout", &session, &format!("csrf={}", urlencode(&csrf)))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = server.get("/rounds", &session).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the session is gone from the database"
    );
}
on_both!(logout_needs_the_session_csrf_token);

fn full_sheet(standard: &xingfu_core::Standard, graded_cut: i64) -> Vec<(String, Answer)> {
    standard
        .clauses()
        .filter(|c| !c.veto)
        .map(|c| {
            let answer = match &c.judge {
                Judge::Met => Answer::met(true),
                Judge::Graded => Answer::number(xingfu_core::Dec2(
                    c.points.hundredths() - graded_cut.min(c.points.hundredths()),
                )),
                Judge::Survey { .. } => Answer::number(xingfu_core::Dec2::from_int(95)),
                Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                    Answer::number(match rule {
                        xingfu_core::standard::NumericRule::AtLeast { value } => *value,
                        xingfu_core::standard::NumericRule::AtMost { value } => *value,
                        xingfu_core::standard::NumericRule::Linear { full_at, .. } => *full_at,
                    })
                }
            };
            (c.id.clone(), answer)
        })
        .collect()
}

async fn a_whole_round_declare_score_approve_publish_name(server: &Server) {
    let state = &server.state;
    let round = open_round(server).await;
    let standard = state.standard("lucheng-2012", "2012.1").await.unwrap();
    let gulou = "330302006044";
    let worker = server.user("gulou").await;
    let district = server.user("district").await;
    let city = server.user("city").await;
    let assessor = server.user("assessor").await;
    let assessor2 = server.user("assessor2").await;

    service::declare(state, &worker, &round, gulou, Lang::Zh)
        .await
        .unwrap();
    assert!(
        service::declare(state, &worker, &round, "330302006045", Lang::Zh)
            .await
            .is_err(),
        "not the worker's community"
    );
    // Assessors cannot score before the eligibility check.
    assert!(
        service::save_sheet(
            state,
            &assessor,
            &round,
            gulou,
            full_sheet(&standard, 0),
            Lang::Zh
        )
        .await
        .is_err()
    );
    let checked = service::check(state, &district, &round, gulou, Lang::Zh)
        .await
        .unwrap();
    assert_eq!(checked.stage, "scoring");

    // An assessor of 鼓楼社区 itself may not score it.
    let own = server.user("gulou-assessor").await;
    let refused = service::save_sheet(
        state,
        &own,
        &round,
        gulou,
        full_sheet(&standard, 0),
        Lang::Zh,
    )
    .await;
    assert!(
        matches!(refused, Err(xingfu_server::app::error::AppError::Forbidden(ref m)) if m.contains("自己所在的社区"))
    );
    // A bad answer is refused whole, naming the clause; nothing is written.
    let mut bad = full_sheet(&standard, 0);
    bad.push((
        "ZG1.1".into(),
        Answer::number(xingfu_core::Dec2::from_int(120)),
    ));
    assert!(
        service::save_sheet(state, &assessor, &round, gulou, bad, Lang::Zh)
            .await
            .is_err()
    );
    assert!(state.store.answers(&round, gulou).await.unwrap().is_empty());

    service::save_sheet(
        state,
        &assessor,
        &round,
        gulou,
        full_sheet(&standard, 0),
        Lang::Zh,
    )
    .await
    .unwrap();
    service::save_sheet(
        state,
        &assessor2,
        &round,
        gulou,
        full_sheet(&standard, 100),
        Lang::Zh,
    )
    .await
    .unwrap();
    let computed = service::compute(state, &district, &round, gulou, Lang::Zh)
        .await
        .unwrap();
    assert_eq!(computed.stage, "computed");
    let star = computed.star.unwrap();
    assert!(
        star >= 4,
        "a near-perfect panel is rated 4★ or 5★, got {star}"
    );
    assert_eq!(computed.decision.as_deref(), Some("new"));
    assert_eq!(
        computed.reward_fen,
        Some(if star == 5 { 50_000_000 } else { 30_000_000 })
    );

    // 4–5★ are the city's decision: the district is refused.
    assert!(
        decisions::approve(state, &district, &round, gulou, Lang::Zh)
            .await
            .is_err()
    );
    decisions::approve(state, &city, &round, gulou, Lang::Zh)
        .await
        .unwrap();
    // The level that approved publishes.
    assert!(
        service::publish(state, &district, &round, gulou, Lang::Zh)
            .await
            .is_err()
    );
    service::publish(state, &city, &round, gulou, Lang::Zh)
        .await
        .unwrap();
    // The city names 4–5★ titles; the district may not.
    assert!(
        service::name(state, &district, &round, gulou, Lang::Zh)
            .await
            .is_err()
    );
    let named = service::name(state, &city, &round, gulou, Lang::Zh)
        .await
        .unwrap();
    assert_eq!(named.stage, "named");
    assert_eq!(state.store.verify_audit().await.unwrap(), None);

    // The page shows the result, the history and the trail.
    let session = server.sign_in("district").await;
    let (status, body, _) = server
        .get(&format!("/rounds/{round}/communities/{gulou}"), &session)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("已命名"));
    assert!(body.contains("评审员意见分歧"));
    assert!(
        body.contains("审批通过</li>"),
        "the change log reads as sentences"
    );
    assert!(!body.contains("&quot;stage&quot;"), "not JSON");
    let budget = state.store.reward_budget(&round).await.unwrap();
    let levels: Vec<&str> = budget.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(levels, ["city", "district"]);
}
on_both!(a_whole_round_declare_score_approve_publish_name);

async fn wrong_password(server: &Server) -> (StatusCode, String, Option<String>) {
    let (_, page, cookie) = server.get("/login", "").await;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let pre = cookie.unwrap().split(';').next().unwrap().to_string();
    server
        .post(
            "/login",
            &pre,
            &format!("username=wuma&password=wrong&csrf={csrf}"),
        )
        .await
}

/// Two app servers on one database, as behind a load balancer: a session opened on one works on
/// the other, and a sign-out on one ends it on both.
async fn two_instances_share_sessions(server: &Server) {
    let second_store = xingfu_store::Store::connect(&server.url).await.unwrap();
    let second = xingfu_server::router(xingfu_server::AppState::new(second_store.clone(), false));
    let session = server.sign_in("wuma").await;
    let request = |cookie: &str| {
        axum::http::Request::get("/rounds")
            .header(axum::http::header::COOKIE, cookie)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    use tower::ServiceExt;
    let response = second.clone().oneshot(request(&session)).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the session opened on instance 1 works on instance 2"
    );
    let (_, page, _) = server.get("/rounds", &session).await;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();
    let (status, _, _) = server
        .post("/logout", &session, &format!("csrf={}", urlencode(&csrf)))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let response = second.oneshot(request(&session)).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "signed out everywhere"
    );
    second_store.close().await;
}
on_both!(two_instances_share_sessions);

/// Last year's star is the title held: the most recent named result, nothing else.
async fn last_years_star_is_the_named_title(server: &Server) {
    let state = &server.state;
    let district = server.user("district").await;
    let open = |year: i64| xingfu_store::rounds::NewRound {
        year,
        region_code: "330302000000",
        standard_id: "lucheng-2012",
        standard_version: "2012.1",
        objection_days: 0,
    };
    let r2012 = state
        .store
        .create_round(&open(2012), "city", 1)
        .await
        .unwrap();
    for (code, stage, star) in [
        ("330302006044", "named", 3),
        ("330302006045", "computed", 4),
    ] {
        let entry = service::declare(state, &district, &r2012.id, code, Lang::Zh)
            .await
            .unwrap();
        let change = xingfu_store::rounds::EntryChange {
            stage: Some(Stage::parse(stage).expect("a stage key")),
            star: Some(star),
            ..Default::default()
        };
        let by = xingfu_store::rounds::By { actor: "t", at: 2 };
        state
            .store
            .update_entry(&r2012.id, code, entry.version, &change, "t", by)
            .await
            .unwrap()
            .unwrap();
    }
    let r2013 = state
        .store
        .create_round(&open(2013), "city", 3)
        .await
        .unwrap();
    let named = service::declare(state, &district, &r2013.id, "330302006044", Lang::Zh)
        .await
        .unwrap();
    assert_eq!(named.previous_star, 3, "named 3★ in 2012");
    let unnamed = service::declare(state, &district, &r2013.id, "330302006045", Lang::Zh)
        .await
        .unwrap();
    assert_eq!(
        unnamed.previous_star, 0,
        "computed but never named: no title"
    );
    // A year without a round: the 2012 title still stands in 2015 (2013 was never named).
    let r2015 = state
        .store
        .create_round(&open(2015), "city", 4)
        .await
        .unwrap();
    let after_gap = service::declare(state, &district, &r2015.id, "330302006044", Lang::Zh)
        .await
        .unwrap();
    assert_eq!(after_gap.previous_star, 3);
}
on_both!(last_years_star_is_the_named_title);
