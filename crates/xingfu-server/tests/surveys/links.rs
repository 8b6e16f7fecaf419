//! The community's resident link: the poster's QR code and the contact residents may ask.

use super::*;

async fn the_poster_carries_the_link_as_a_qr_code(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 30).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    let cookie = server.sign_in("gulou").await;
    let request = Request::get(format!("/rounds/{round}/surveys/{GULOU}/poster"))
        .header(header::COOKIE, &cookie)
        .header(header::HOST, "xingfu.example.org")
        .body(Body::empty())
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
        .await
        .unwrap();
    let page = String::from_utf8_lossy(&bytes);
    assert!(page.contains("size: A4"), "printable on A4");
    assert!(page.contains("鼓楼社区"));
    assert!(
        page.contains(&format!("http://xingfu.example.org/s/{link}")),
        "{page}"
    );
    assert!(
        page.contains("<svg") && page.contains("<path"),
        "the QR code"
    );
    assert!(page.contains("请用手机扫描二维码填写问卷"));
    // No poster before a link exists.
    let (status, _, _) = server
        .get(&format!("/rounds/{round}/surveys/{MOCHI}/poster"), &cookie)
        .await;
    assert_ne!(status, StatusCode::OK);
}
on_both!(the_poster_carries_the_link_as_a_qr_code);

/// The contact a community worker gives is kept with the link (audited), printed on the poster
/// and shown on the link once the community's result is computed, before any question; another
/// community's worker may not set it.
async fn the_link_carries_whom_residents_ask(server: &Server) {
    let round = new_round(server).await;
    open_survey(server, &round, 2).await;
    let link = link_of(server, &round, GULOU, "gulou").await;
    let cookie = server.sign_in("gulou").await;
    let contact_path = format!("/rounds/{round}/surveys/{GULOU}/contact");
    let (_, page, _) = server
        .get(&format!("/rounds/{round}/surveys?area={GULOU}"), &cookie)
        .await;
    let form = format!(
        "csrf={}&contact={}",
        csrf_of(&page),
        urlencode("鼓楼社区居委会 0577-88881234")
    );
    let (status, body, _) = server.post(&contact_path, &cookie, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let stored = server
        .state
        .store
        .survey_link(&link)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.contact.as_deref(),
        Some("鼓楼社区居委会 0577-88881234")
    );
    let (_, poster, _) = server
        .get(&format!("/rounds/{round}/surveys/{GULOU}/poster"), &cookie)
        .await;
    assert!(poster.contains("鼓楼社区居委会 0577-88881234"), "{poster}");
    assert!(poster.contains("五马街道鼓楼社区"), "{poster}");

    let mochi = server.sign_in("mochi-resident").await;
    let (_, page, _) = server.get("/events", &mochi).await;
    let form = format!("csrf={}&contact=x", csrf_of(&page));
    let (status, _, _) = server.post(&contact_path, &mochi, &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    server.computed_entry(&round, GULOU, 3).await;
    let (status, page, _) = server.get(&format!("/s/{link}"), "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("调查已经结束"), "{page}");
    assert!(!page.contains("第 1 题"), "no question: {page}");
    assert!(
        page.contains("如有疑问\u{ff0c}请联系\u{ff1a}鼓楼社区居委会 0577-88881234"),
        "{page}"
    );
}
on_both!(the_link_carries_whom_residents_ask);
