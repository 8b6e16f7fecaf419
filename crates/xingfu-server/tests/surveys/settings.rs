//! A round's survey settings: who may change them and stale settings forms.

use super::*;

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
