//! Staff entering answers on behalf of residents, marked by channel.

use super::*;

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
