//! Assessment sheets on the pages: bad fields, veto items, stale declarations and answers
//! racing the computation.

use super::*;

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

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(field) => field.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
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
