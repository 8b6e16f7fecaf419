//! A whole round and its decisions, clicked through in the browser.

use super::*;

/// Submits the form whose action ends with `/{action}` on the current page and waits until the
/// browser has left that page (its body is gone).
async fn press(browser: &Browser, action: &str) {
    let body = browser.client.find(Locator::Css("body")).await.unwrap();
    browser
        .click(&format!("form[action$='/{action}'] button[type=submit]"))
        .await;
    for _ in 0..50 {
        if body.text().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("submitting {action} did not leave the page");
}

/// A whole round in the browser: a community worker declares, the district checks eligibility,
/// an assessor fills the scoring sheet, the district computes, the city approves the 4–5★
/// result, the city publishes and names; next year the community declares again and its named star is
/// last year's star (re-review).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_round_in_the_browser() {
    use xingfu_core::standard::{Judge, NumericRule};
    let server = common::sqlite().await;
    let base = serve(&server).await;
    let open = |year: i64| xingfu_store::rounds::NewRound {
        year,
        region_code: "330302000000",
        standard_id: "lucheng-2012",
        standard_version: "2012.1",
        objection_days: 0,
    };
    let round = server
        .state
        .store
        .create_round(&open(2013), "city", 1)
        .await
        .unwrap()
        .id;
    let gulou = "330302006044";
    let community_url = format!("{base}/rounds/{round}/communities/{gulou}");
    let browser = Browser::start().await;

    // Declare (申报) as the community worker.
    browser.sign_in(&base, "gulou").await;
    browser
        .client
        .goto(&format!("{base}/rounds/{round}"))
        .await
        .unwrap();
    let select = browser
        .client
        .find(fantoccini::Locator::Css("#community"))
        .await
        .unwrap();
    select.select_by_value(gulou).await.unwrap();
    browser
        .click(&format!(
            "form[action='/rounds/{round}/declare'] button[type=submit]"
        ))
        .await;
    let path = browser
        .wait_path(&format!("/rounds/{round}/communities/"))
        .await;
    let main = browser.text("main").await;
    assert!(main.contains("已申报"), "at {path}: {main}");
    browser.look("round-declared").await;

    // Eligibility check by the district.
    browser.client.delete_all_cookies().await.unwrap();
    // The district's workbench lists the declaration to check and goes straight to it.
    browser.sign_in(&base, "district").await;
    let work = browser.text("ol.todo").await;
    assert!(
        work.contains("资格审查") && work.contains("鼓楼社区"),
        "{work}"
    );
    browser.look("workbench-district").await;
    browser.go_to_work("鼓楼社区").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;
    press(&browser, "check").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;
    assert!(browser.text("main").await.contains("评分中"));
    browser.look("community-scoring").await;

    // The assessor's sheet: every clause answered through the form.
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in(&base, "assessor").await;
    assert!(browser.text("ol.todo").await.contains("评分"));
    browser.look("workbench-assessor").await;
    browser.go_to_work("鼓楼社区").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}/sheet"))
        .await;
    let standard = server
        .state
        .standard("lucheng-2012", "2012.1")
        .await
        .unwrap();
    let mut script = String::new();
    for clause in standard.clauses().filter(|c| !c.veto) {
        let id = &clause.id;
        match &clause.judge {
            Judge::Met => script.push_str(&format!(
                "document.querySelector(\"input[name='v_{id}'][value='met']\").checked = true;\n"
            )),
            judge => {
                let value = match judge {
                    Judge::Graded => clause.points.to_string(),
                    Judge::Survey { .. } => "96".into(),
                    Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => match rule {
                        NumericRule::AtLeast { value } | NumericRule::AtMost { value } => {
                            value.to_string()
                        }
                        NumericRule::Linear { full_at, .. } => full_at.to_string(),
                    },
                    Judge::Met => unreachable!("handled above"),
                };
                script.push_str(&format!(
                    "document.getElementById('v-{id}').value = '{value}';\n"
                ));
            }
        }
    }
    browser.client.execute(&script, vec![]).await.unwrap();
    browser.look("sheet-filled").await;
    browser.click("form#sheet button[type=submit]").await;
    for _ in 0..50 {
        let path = browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .to_string();
        if !path.ends_with("/sheet") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let saved = server.state.store.answers(&round, gulou).await.unwrap();
    assert_eq!(
        saved.len(),
        standard.clauses().filter(|c| !c.veto).count(),
        "every answer saved"
    );

    // Compute by the district; 4–5★ go to the city for approval.
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in(&base, "district").await;
    browser.client.goto(&community_url).await.unwrap();
    press(&browser, "compute").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;
    let entry = server
        .state
        .store
        .entry(&round, gulou)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.stage, "computed");
    let star = entry.star.unwrap();
    assert!(star >= 4, "full marks but survey 96%: {star}★");
    browser.look("computed").await;
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in(&base, "city").await;
    browser
        .client
        .goto(&format!("{base}/rounds/{round}/approvals"))
        .await
        .unwrap();
    assert!(
        browser.text("main").await.contains("鼓楼社区"),
        "in the city's approval queue"
    );
    browser.look("approvals").await;
    browser.client.goto(&community_url).await.unwrap();
    press(&browser, "approve").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;

    // The city, which approved, publishes and names (no objection period in this test round).
    browser.client.goto(&community_url).await.unwrap();
    press(&browser, "publish").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;
    browser.client.goto(&community_url).await.unwrap();
    press(&browser, "name").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;
    assert!(browser.text("main").await.contains("已命名"));
    browser.look("named").await;

    // 一张图 for the city on a 390 px phone: the page does not scroll sideways (its wide tables
    // scroll inside their own boxes), and it passes axe.
    browser.client.set_window_size(390, 900).await.unwrap();
    browser
        .client
        .goto(&format!("{base}/overview?region=330302000000"))
        .await
        .unwrap();
    assert!(browser.text("h1").await.contains("一张图"));
    assert!(browser.text("#star-table").await.contains("五马街道"));
    let widths = browser
        .client
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (page, view) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(
        page <= view,
        "the overview is {page} px wide in a {view} px window"
    );
    browser.look("overview").await;
    // The map: 五马街道 is a dot at its facility, a link down to the street's own overview.
    assert!(browser.text("#map-empty").await.contains("无法画图"));
    server
        .state
        .store
        .add_facility(
            &xingfu_store::facilities::FacilityInput {
                district_code: "330302000000".to_string(),
                region_code: gulou.to_string(),
                community_code: Some(gulou.to_string()),
                name: "鼓楼社区居家养老服务中心".to_string(),
                functions: vec!["elderly_care".to_string()],
                lon_e6: 120_655_000,
                lat_e6: 28_012_000,
                hours: None,
                capacity: None,
                source: "manual".to_string(),
                source_ref: None,
            },
            "city",
            1,
        )
        .await
        .unwrap();
    browser.client.refresh().await.unwrap();
    browser
        .click("#map a[href^='/overview?region=330302006000']")
        .await;
    browser
        .client
        .wait()
        .for_element(Locator::XPath("//h1[contains(., '五马街道')]"))
        .await
        .unwrap();
    // One level down the community is drawn too, linking to its page in the round.
    browser
        .client
        .find(Locator::Css(&format!(
            "#map a[href='/rounds/{round}/communities/{gulou}']"
        )))
        .await
        .unwrap();
    browser.look("overview of a street").await;
    browser.client.set_window_size(420, 1000).await.unwrap();

    // Next year: the re-review starts from the named star.
    let next = server
        .state
        .store
        .create_round(&open(2014), "city", 2)
        .await
        .unwrap()
        .id;
    browser
        .client
        .goto(&format!("{base}/rounds/{next}"))
        .await
        .unwrap();
    let select = browser
        .client
        .find(fantoccini::Locator::Css("#community"))
        .await
        .unwrap();
    select.select_by_value(gulou).await.unwrap();
    browser
        .click(&format!(
            "form[action='/rounds/{next}/declare'] button[type=submit]"
        ))
        .await;
    browser
        .wait_path(&format!("/rounds/{next}/communities/"))
        .await;
    let again = server
        .state
        .store
        .entry(&next, gulou)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.previous_star, star, "last year's named star");
    assert!(browser.text("main").await.contains(&format!("{star}星")));
    browser.look("declared-again").await;
    browser.stop().await;
    server.finish().await;
}

/// The round's workflow pages that decide: the district opens a round from the page and
/// approves two results at once, seeing the one that waits for the city; the city sends a result
/// back with 审批意见 and the community reads it; an open objection is flagged on the round page
/// and the publication list. Each page passes axe and fits a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deciding_in_the_browser() {
    let server = common::sqlite().await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    let (gulou, mochi, qingnian) = ("330302006044", "330302006045", "330302026003");

    // The district opens a round from the list of rounds.
    browser.sign_in(&base, "district").await;
    browser
        .client
        .goto(&format!("{base}/rounds"))
        .await
        .unwrap();
    browser.look("rounds-open-form").await;
    browser.fill("#year", "2015").await;
    browser.fill("#objection_days", "0").await;
    browser
        .client
        .find(Locator::Css("#area"))
        .await
        .unwrap()
        .select_by_value("330302000000")
        .await
        .unwrap();
    browser.click("#open-round-form button[type=submit]").await;
    let path = browser.wait_path("/rounds/").await;
    let round = path.trim_start_matches("/rounds/").to_string();
    assert_eq!(round.len(), 32, "at the new round's page: {path}");
    assert!(browser.text("main").await.contains("评选年度已开设"));
    browser.look("round-opened").await;

    // Two results for the district, one 4★ for the city.
    server.computed_entry(&round, mochi, 2).await;
    server.computed_entry(&round, qingnian, 3).await;
    server.computed_entry(&round, gulou, 4).await;
    browser
        .client
        .goto(&format!("{base}/rounds/{round}/approvals"))
        .await
        .unwrap();
    let main = browser.text("main").await;
    assert!(main.contains("1 个结果待温州市审批"), "{main}");
    assert!(!main.contains("鼓楼社区"), "the city's to approve");
    browser.look("approvals-batch").await;
    browser.click(&format!("#pick-{mochi}")).await;
    browser.click(&format!("#pick-{qingnian}")).await;
    browser.click("#approve-picked").await;
    let mut main = String::new();
    for _ in 0..50 {
        main = browser.text("main").await;
        if main.contains("已审批通过 2 个社区") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(main.contains("已审批通过 2 个社区"), "{main}");
    for code in [mochi, qingnian] {
        let entry = server
            .state
            .store
            .entry(&round, code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.stage, "approved", "{code}");
    }

    // The city sends 鼓楼社区's result back with its note.
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in(&base, "city").await;
    let community = format!("{base}/rounds/{round}/communities/{gulou}");
    browser.client.goto(&community).await.unwrap();
    assert!(browser.text("#next-step").await.contains("等待温州市审批"));
    browser.look("community-send-back").await;
    let note = "居务公开栏照片缺失，请补充后重新评分";
    browser.fill("#return-note", note).await;
    press(&browser, "send-back").await;
    assert!(browser.text("main").await.contains("已退回重新评分"));
    let entry = server
        .state
        .store
        .entry(&round, gulou)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.stage, "scoring");

    // The community reads the note and what happens next.
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in(&base, "gulou").await;
    browser.client.goto(&community).await.unwrap();
    assert!(browser.text(".return-note").await.contains(note));
    assert!(browser.text(".change-log").await.contains(note));
    browser.look("community-sent-back").await;

    // 墨池社区 published; a resident objects; the district sees it flagged.
    let district = server.user("district").await;
    xingfu_server::rounds::service::publish(
        &server.state,
        &district,
        &round,
        mochi,
        xingfu_server::i18n::Lang::Zh,
    )
    .await
    .unwrap();
    let resident = server.user("mochi-resident").await;
    let later = server
        .state
        .store
        .entry(&round, mochi)
        .await
        .unwrap()
        .unwrap();
    // A 0-day period ends at once: give it a day so the objection is taken.
    let change = xingfu_store::rounds::EntryChange {
        objection_until: Some(later.objection_until.unwrap() + 86_400_000),
        ..Default::default()
    };
    let by = xingfu_store::rounds::By {
        actor: "district",
        at: 5,
    };
    server
        .state
        .store
        .update_entry(&round, mochi, later.version, &change, "publish", by)
        .await
        .unwrap()
        .unwrap();
    xingfu_server::rounds::service::lodge_objection(
        &server.state,
        &resident,
        &round,
        mochi,
        "得分与实际不符",
        xingfu_server::i18n::Lang::Zh,
    )
    .await
    .unwrap();
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in(&base, "district").await;
    for (page, path) in [
        ("publication-flags", format!("/rounds/{round}/publication")),
        ("round-flags", format!("/rounds/{round}")),
    ] {
        browser.client.goto(&format!("{base}{path}")).await.unwrap();
        assert!(
            browser.text("main").await.contains("1 异议待处理"),
            "{page}"
        );
        browser.look(page).await;
    }
    browser.stop().await;
    server.finish().await;
}
