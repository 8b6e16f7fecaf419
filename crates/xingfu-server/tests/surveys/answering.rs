//! A resident answering through the link: one question per screen, each household counted once,
//! concurrent submissions batched, and the survey closing at the end of its closing day.

use super::*;

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

/// A closing day: refused when it is not a date or already past (the form keeps what was
/// typed), shown on the page and in the API, the due time of the 待办 item with the reminder two
/// days before; past it, the resident link and staff entry take no answer and say why.
async fn a_survey_closes_at_the_end_of_its_closing_day(server: &Server) {
    use xingfu_core::notify::Kind;
    use xingfu_core::survey::closing;
    use xingfu_server::app::clock::now_ms;
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
