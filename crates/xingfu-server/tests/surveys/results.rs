//! Survey results: an area's sum of its communities, the feed into the score, and the demo's
//! answers.

use super::*;

const QINGNIANFANG: &str = "330302026003";

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

async fn the_survey_replaces_assessors_figures_in_the_score(server: &Server) {
    let state = &server.state;
    let round = new_round(server).await;
    let store = &state.store;
    let entry = store.declare(&round, GULOU, 0, "gulou", 2).await.unwrap();
    let scoring = EntryChange {
        stage: Some(Stage::Scoring),
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
