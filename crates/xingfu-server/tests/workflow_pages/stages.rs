//! A community's way through the stages: who may assess, the approval queue and the buttons
//! from declared to named.

use super::*;

async fn stage(server: &Server, round: &str) -> (String, i64) {
    let entry = server
        .state
        .store
        .entry(round, GULOU)
        .await
        .unwrap()
        .unwrap();
    (entry.stage.key().to_string(), entry.version)
}

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
