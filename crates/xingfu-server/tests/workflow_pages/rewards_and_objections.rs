//! The rewards page's budget split, and a resident's objection decided by the city.

use super::*;

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

async fn the_public_notice_list_shows_published_and_named_results_to_anyone(server: &Server) {
    let (status, page, _) = server.get("/notices", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("目前没有已公示的评定结果"), "{page}");

    let round = server.approved_gulou(4).await;
    // Approved but not published: still not on the list.
    let (_, page, _) = server.get("/notices", "").await;
    assert!(!page.contains("鼓楼社区"), "{page}");
    let city = server.sign_in("city").await;
    press(server, &city, &round, "publish").await;

    let (status, page, _) = server.get("/notices", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("鼓楼社区"), "{page}");
    assert!(page.contains(">850</td>"), "the score: {page}");
    assert!(page.contains("公示中，异议受理至"), "{page}");
    assert!(page.contains("1 项在公示中"), "{page}");
    assert!(
        page.contains("异议由作出评定的一级政府受理"),
        "how to object: {page}"
    );
    assert!(
        !page.contains("action=\"/rounds"),
        "no form of the signed-in pages"
    );

    // Narrowed to 鼓楼's street it stays; another street of the district has none.
    let gulou_street = "330302006000";
    let streets = server.state.store.children("330302000000").await.unwrap();
    let other = streets
        .iter()
        .find(|s| s.code != gulou_street)
        .expect("Lucheng has more than one street");
    let (_, page, _) = server
        .get(&format!("/notices?round={round}&area={gulou_street}"), "")
        .await;
    assert!(page.contains("鼓楼社区"), "{page}");
    assert!(
        page.contains(&format!("value=\"{gulou_street}\" selected")),
        "{page}"
    );
    let (_, page, _) = server
        .get(&format!("/notices?round={round}&area={}", other.code), "")
        .await;
    assert!(!page.contains("<td>鼓楼社区</td>"), "{page}");
    assert!(
        page.contains("所选地区在这一评选年度没有已公示的结果"),
        "{page}"
    );
    // An unknown area, round or page shows the whole of the newest round, first page.
    let (status, page, _) = server
        .get("/notices?round=nope&area=110000000000&page=99", "")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("鼓楼社区"), "{page}");

    server.move_entry(&round, GULOU, "named").await;
    let (_, page, _) = server.get("/notices", "").await;
    assert!(page.contains("已命名（"), "{page}");
    assert!(!page.contains("公示中，异议受理至"), "{page}");

    let (_, page, _) = server.get("/notices", "lang=en").await;
    assert!(page.contains("Named ("), "{page}");
}
on_both!(the_public_notice_list_shows_published_and_named_results_to_anyone);

/// `n` more communities of 五马街道 (五马第N社区, codes 330302006200 on), each declared into
/// `round` and published; returns their codes.
async fn published_communities(server: &Server, round: &str, n: usize) -> Vec<String> {
    use xingfu_store::regions::RegionRow;
    let store = &server.state.store;
    let rows: Vec<RegionRow> = (0..n)
        .map(|i| RegionRow {
            code: format!("330302006{:03}", 200 + i),
            name: format!("五马第{:03}社区", i),
            level: "community".into(),
            parent: Some("330302006000".into()),
            urban_rural: None,
        })
        .collect();
    store.upsert_regions(&rows).await.unwrap();
    for row in &rows {
        server.computed_entry(round, &row.code, 2).await;
        server.move_entry(round, &row.code, "published").await;
    }
    rows.into_iter().map(|r| r.code).collect()
}

async fn a_province_sized_publication_list_comes_a_page_at_a_time(server: &Server) {
    let round = open_round(server).await;
    let codes = published_communities(server, &round, 130).await;
    let district = server.sign_in("district").await;
    let list = format!("/rounds/{round}/publication");

    // 130 published: 100 on the first page, 30 on the second; a page past the end is the last.
    let (status, page, _) = server.get(&list, &district).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("五马第000社区") && page.contains("五马第099社区"),
        "{page}"
    );
    assert!(!page.contains("五马第100社区"), "{page}");
    assert!(
        page.contains("1 / 2") && page.contains("href=\"?page=2\""),
        "{page}"
    );
    let (_, page, _) = server.get(&format!("{list}?page=2"), &district).await;
    assert!(
        page.contains("五马第100社区") && page.contains("五马第129社区"),
        "{page}"
    );
    assert!(!page.contains("五马第099社区"), "{page}");
    let (_, last, _) = server.get(&format!("{list}?page=99"), &district).await;
    assert!(
        last.contains("2 / 2") && last.contains("五马第129社区"),
        "{last}"
    );
    assert_eq!(codes.len(), 130);

    // The public list, 50 to a page.
    let (_, page, _) = server.get("/notices", "").await;
    assert!(page.contains("130 项结果"), "{page}");
    assert!(
        page.contains("五马第049社区") && !page.contains("五马第050社区"),
        "{page}"
    );
    assert!(
        page.contains(&format!("/notices?round={round}&#38;page=2")),
        "{page}"
    );
    let (_, page, _) = server
        .get(&format!("/notices?round={round}&page=3"), "")
        .await;
    assert!(
        page.contains("五马第129社区") && page.contains("3 / 3"),
        "{page}"
    );
}
on_both!(a_province_sized_publication_list_comes_a_page_at_a_time);
