//! Fraud signals shown to district staff.

use super::*;

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
