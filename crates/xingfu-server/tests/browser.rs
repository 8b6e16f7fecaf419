//! The pages people use, driven in headless Chromium through ChromeDriver against the real
//! server over HTTP. Screenshots land in `target/browser-screens/` for a human to look at.

mod common;

use std::time::Duration;

use common::browser::{Browser, serve};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_switch_language_and_text_size() {
    let server = common::sqlite().await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{base}/rounds"))
        .await
        .unwrap();
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login"),
        "sent to sign in"
    );
    browser.look("login").await;
    // The checker itself finds a planted problem (an image without a text alternative).
    browser
        .client
        .execute(
            "document.querySelector('main').appendChild(document.createElement('img')); return true;",
            vec![],
        )
        .await
        .unwrap();
    let planted = browser.axe_violations().await;
    assert!(
        planted.iter().any(|v| v.starts_with("image-alt")),
        "{planted:?}"
    );
    browser.client.refresh().await.unwrap();

    // A wrong password: the error summary at the top, the user name kept.
    browser.fill("#username", "wuma").await;
    browser.fill("#password", "wrong").await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    assert!(
        browser
            .text(".error-summary")
            .await
            .contains("用户名或密码不正确")
    );
    assert_eq!(
        browser
            .client
            .find(Locator::Css("#username"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("wuma")
    );

    browser.sign_in(&base, "wuma").await;
    // Signed in, the workbench: nothing to do yet, and where to look.
    assert_eq!(browser.text("h1").await, "工作台");
    assert!(
        browser
            .text("main")
            .await
            .contains("目前没有需要您处理的事项")
    );
    browser.look("workbench-empty").await;
    browser
        .client
        .find(Locator::LinkText("评选年度"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(browser.text("h1").await, "评选年度");
    browser.look("rounds-zh").await;

    browser
        .client
        .find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..50 {
        if browser.text("h1").await == "Rating rounds" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(browser.text("h1").await, "Rating rounds");
    browser
        .client
        .find(Locator::LinkText("Large text"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut class = None;
    for _ in 0..50 {
        class = browser
            .client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .attr("class")
            .await
            .unwrap();
        if class.as_deref() == Some("big") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(class.as_deref(), Some("big"));
    browser.look("rounds-en-large").await;

    // Sign out with the form (CSRF token included by the page).
    browser.click("form[action='/logout'] button").await;
    let path = browser.wait_path("/login").await;
    assert!(path.starts_with("/login"), "signed out, at {path}");
    browser.stop().await;
    server.finish().await;
}

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

/// Redirect targets taken from the address or the sign-in form keep the browser on the site,
/// whatever a backslash, tab or percent-encoding in them says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_targets_stay_on_the_site() {
    let server = common::sqlite().await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    for back in [
        "/%5Cevil.example/x",
        "/%09/evil.example/x",
        "%2F%2Fevil.example",
    ] {
        browser
            .client
            .goto(&format!("{base}/lang/en?back={back}"))
            .await
            .unwrap();
        let at = browser.client.current_url().await.unwrap();
        assert_eq!(at.host_str(), Some("127.0.0.1"), "back={back} led to {at}");
    }
    for next in ["%2F%5Cevil.example", "%2F%09%2Fevil.example"] {
        browser
            .client
            .goto(&format!("{base}/login?next={next}"))
            .await
            .unwrap();
        browser.fill("#username", "wuma").await;
        browser.fill("#password", common::PASSWORD).await;
        browser
            .click("form[action='/login'] button[type=submit]")
            .await;
        let path = browser.wait_path("/workbench").await;
        let at = browser.client.current_url().await.unwrap();
        assert_eq!(at.host_str(), Some("127.0.0.1"), "next={next} led to {at}");
        assert!(path.starts_with("/workbench"), "next={next}: at {path}");
        browser.click("form[action='/logout'] button").await;
        browser.wait_path("/login").await;
    }
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

/// Notifications in the browser: the bell counts unread messages, the list marks one and then
/// all read, the settings form names a wrong address and saves a right one; every page passes
/// axe and fits a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bell_messages_and_settings() {
    use xingfu_core::notify::Kind;
    use xingfu_server::notifications::service::{Draft, notify};
    let server = common::sqlite().await;
    let gulou = server.user("gulou").await;
    let now = xingfu_server::app::state::now_ms();
    for (i, kind) in [Kind::NewTodo, Kind::RectificationDue]
        .into_iter()
        .enumerate()
    {
        let subject = format!("整改期限将到\u{ff1a}提交整改 · 鼓楼社区 ZZ1.{i}");
        notify(
            &server.state,
            &gulou.user,
            &Draft {
                kind,
                subject: &subject,
                body: "期限 2026年12月10日 12:00。请在期限前处理。",
                link: "/workbench",
                about: &format!("browser-{i}"),
            },
            now + i as i64,
        )
        .await
        .unwrap();
    }
    let base = serve(&server).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "gulou").await;
    // "2" shown, "条未读" (unread) read out by screen readers.
    let bell = browser.text("a.bell").await;
    assert!(
        bell.starts_with("消息 2") && bell.contains("条未读"),
        "{bell}"
    );
    browser.look("/workbench with the bell").await;
    browser.click("a.bell").await;
    browser.wait_path("/notifications").await;
    assert!(browser.text("main").await.contains("鼓楼社区 ZZ1.1"));
    browser.look("/notifications").await;
    browser.screenshot("notifications").await;
    browser
        .click("ol.messages li form button[type=submit]")
        .await;
    browser.wait_path("/notifications").await;
    assert!(browser.text("a.bell strong.count").await.contains('1'));
    browser
        .click("form[action='/notifications/read-all'] button")
        .await;
    browser.wait_path("/notifications").await;
    let bell = browser.text("a.bell").await;
    assert_eq!(bell.trim(), "消息", "{bell}");

    browser.click("a[href='/notifications/settings']").await;
    browser.wait_path("/notifications/settings").await;
    assert!(browser.text("main").await.contains("提前 3 天"));
    browser.look("/notifications/settings").await;
    browser.fill("#email", "gulou at example").await;
    browser
        .click("form[action='/notifications/settings'] button[type=submit]")
        .await;
    let summary = browser.text(".error-summary").await;
    assert!(
        summary.contains("电子邮箱 gulou at example 的格式不对"),
        "{summary}"
    );
    browser.look("/notifications/settings with an error").await;
    browser.fill("#email", "gulou@example.gov.cn").await;
    browser.fill("#phone", "13812345678").await;
    browser
        .click("form[action='/notifications/settings'] button[type=submit]")
        .await;
    assert!(
        browser
            .text(".notice[role=status]")
            .await
            .contains("设置已保存")
    );
    browser.screenshot("notification-settings").await;
    browser.stop().await;
    server.finish().await;
}

/// Text as printed, without the spaces and line breaks `pdftotext -layout` lays it out with.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The sections' labels in the order of their bar, without spaces (as a district sees them).
const SECTIONS: &str = "工作台评选年度一张图随手拍入户走访志愿服务爱心商城15分钟服务圈";

/// The current page printed (see [`Browser::printed`]) as a document: its title, the signed-in
/// district's name and the day printed (China Standard Time), and none of what only the screen
/// needs — the header's tools, the bar of sections, the link back. Returns the text without
/// spaces.
async fn printed_document(browser: &Browser, name: &str, title: &str) -> String {
    use xingfu_core::dates::chinese_date;
    use xingfu_server::app::state::now_ms;

    let before = now_ms();
    let text = squeezed(&browser.printed(name).await);
    let after = now_ms();
    assert!(text.contains(&squeezed(title)), "{name}: the title\n{text}");
    assert!(text.contains("鹿城区"), "{name}: the unit\n{text}");
    assert!(
        text.contains(&format!("打印日期：{}", chinese_date(before)))
            || text.contains(&format!("打印日期：{}", chinese_date(after))),
        "{name}: the day printed\n{text}"
    );
    for label in [
        "退出登录",
        "当前用户",
        "跳到正文",
        "English",
        "大字版",
        "返回",
    ] {
        assert!(!text.contains(label), "{name} printed {label}\n{text}");
    }
    assert!(
        !text.contains(SECTIONS),
        "{name} printed the sections\n{text}"
    );
    text
}

/// Lists print as documents (WebDriver's print on A4, read back with pdftotext): each carries
/// its title, the signed-in person's unit and the day printed, and none of the header, the
/// sections, the links back or the buttons. The publication list prints as the 公示 notice: each
/// community with its star and objection period, and how to object; what waits for publication
/// and each line's next step stay on the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_print_as_documents() {
    use xingfu_core::dates::{english_date, local_text};
    use xingfu_server::app::state::now_ms;
    use xingfu_server::i18n::Lang;
    use xingfu_server::rounds::service;

    let server = common::sqlite().await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    let (gulou, mochi, qingnian) = ("330302006044", "330302006045", "330302026003");
    let round = server.lucheng_round(2015).await;
    let district = server.user("district").await;
    let mut periods = Vec::new();
    for (code, star) in [(mochi, 2), (qingnian, 3)] {
        server.computed_entry(&round, code, star).await;
        service::approve(&server.state, &district, &round, code, Lang::Zh)
            .await
            .unwrap();
        let published = service::publish(&server.state, &district, &round, code, Lang::Zh)
            .await
            .unwrap();
        periods.push((
            local_text(published.published_at.unwrap()),
            local_text(published.objection_until.unwrap()),
        ));
    }
    // 鼓楼社区 waits for the district's approval.
    server.computed_entry(&round, gulou, 1).await;

    browser.sign_in(&base, "district").await;
    let publication = format!("/rounds/{round}/publication");
    browser
        .client
        .goto(&format!("{base}{publication}"))
        .await
        .unwrap();
    browser.look("print-publication").await;
    let text = printed_document(&browser, "print-publication", "公示名单 · 2015年度 鹿城区").await;
    for (community, star) in [("墨池社区", "2星"), ("庆年坊社区", "3星")] {
        assert!(text.contains(community), "{community}\n{text}");
        assert!(text.contains(star), "{community}'s star\n{text}");
    }
    for (from, to) in &periods {
        assert!(text.contains(&squeezed(from)), "published {from}\n{text}");
        assert!(
            text.contains(&squeezed(to)),
            "objections until {to}\n{text}"
        );
    }
    assert!(
        text.contains("对以上公示结果有异议的"),
        "how to object\n{text}"
    );
    assert!(
        !text.contains("鼓楼社区"),
        "waiting for publication\n{text}"
    );
    assert!(!text.contains("异议受理至"), "the next step\n{text}");
    for label in [
        "操作",
        "工作台",
        "评选年度",
        "一张图",
        "随手拍",
        "入户走访",
        "志愿服务",
    ] {
        assert!(!text.contains(label), "printed {label}\n{text}");
    }

    browser
        .client
        .goto(&format!("{base}/rounds/{round}/approvals"))
        .await
        .unwrap();
    browser.look("print-approvals").await;
    let text = printed_document(&browser, "print-approvals", "审批队列 · 2015年度 鹿城区").await;
    assert!(
        text.contains("鼓楼社区"),
        "the community to approve\n{text}"
    );
    assert!(
        !text.contains("审批通过所选社区"),
        "the batch button\n{text}"
    );
    for label in [
        "操作",
        "选择",
        "评选年度",
        "随手拍",
        "爱心商城",
        "15分钟服务圈",
    ] {
        assert!(!text.contains(label), "printed {label}\n{text}");
    }

    // The other lists people print (each is looked at on screen by its own tests), with what
    // each says on paper that the screen says by its links.
    let rounds = |what: &str| format!("/rounds/{round}/{what}");
    for (name, path, title, also) in [
        ("print-rounds", "/rounds".into(), "评选年度", "2015"),
        (
            "print-rewards",
            rounds("rewards"),
            "奖励与目标 · 2015年度 鹿城区",
            "各星级社区数",
        ),
        (
            "print-rectifications",
            rounds("rectifications"),
            "整改任务 · 2015年度 鹿城区",
            "没有整改任务",
        ),
        (
            "print-survey",
            rounds("surveys"),
            "满意度调查：鹿城区",
            "调查设置",
        ),
        (
            "print-overview",
            "/overview".into(),
            "一张图 — 鹿城区",
            "星级分布",
        ),
        (
            "print-events",
            "/events?show=overdue".into(),
            "随手拍事件",
            "状态：已超时",
        ),
        ("print-visits", "/visits".into(), "入户走访", "重点关注人群"),
        (
            "print-volunteers",
            "/volunteers".into(),
            "志愿服务",
            "志愿服务",
        ),
    ] {
        browser.client.goto(&format!("{base}{path}")).await.unwrap();
        let text = printed_document(&browser, name, title).await;
        assert!(text.contains(also), "{name}: {also}\n{text}");
    }

    // In English, the same notice.
    browser
        .client
        .goto(&format!("{base}/lang/en?back={publication}"))
        .await
        .unwrap();
    browser.wait_path(&publication).await;
    let before = now_ms();
    let text = squeezed(&browser.printed("print-publication-en").await);
    let after = now_ms();
    assert!(
        text.contains(&squeezed(&format!("Printed on {}", english_date(before))))
            || text.contains(&squeezed(&format!("Printed on {}", english_date(after)))),
        "the day printed\n{text}"
    );
    assert!(text.contains("Publicationlist·2015鹿城区"), "{text}");
    assert!(
        text.contains("墨池社区") && text.contains("庆年坊社区"),
        "{text}"
    );
    assert!(text.contains("Toobjecttoaresultabove"), "{text}");
    for screen_only in ["Signout", "Workbench", "Ratingrounds", "中文"] {
        assert!(!text.contains(screen_only), "printed {screen_only}\n{text}");
    }
    browser.stop().await;
    server.finish().await;
}

/// The round's documents page and the public verification page a document's QR code opens:
/// read on a phone, checked by axe, and a held PDF checked by choosing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_and_their_verification() {
    let server = common::sqlite().await;
    let round = server.lucheng_round(2013).await;
    let mochi = "330302006045";
    server.computed_entry(&round, mochi, 2).await;
    server.move_entry(&round, mochi, "named").await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "district").await;
    browser
        .client
        .goto(&format!("{base}/rounds/{round}"))
        .await
        .unwrap();
    browser
        .click(&format!("a[href='/rounds/{round}/documents']"))
        .await;
    browser
        .wait_path(&format!("/rounds/{round}/documents"))
        .await;
    let main = browser.text("main").await;
    for expected in [
        "公文与证书",
        "星级证书",
        "命名决定",
        "公示",
        "墨池社区",
        "下载时出具",
    ] {
        assert!(main.contains(expected), "{expected}: {main}");
    }
    browser.look("/rounds/{id}/documents").await;

    // The certificate, as the page's link issues it.
    let district = server.user("district").await;
    let issued = xingfu_server::documents::service::issue(
        &server.state,
        &district,
        &round,
        (xingfu_core::documents::DocumentKind::Certificate, mochi),
        &base,
        xingfu_server::i18n::Lang::Zh,
    )
    .await
    .unwrap();
    let serial = issued.row.serial.clone();

    // Someone holding the paper types the serial in lower case.
    browser
        .client
        .goto(&format!("{base}/verify"))
        .await
        .unwrap();
    browser.look("/verify").await;
    browser.fill("#serial", &serial.to_lowercase()).await;
    browser.click("form[action='/verify'] button").await;
    browser.wait_path(&format!("/verify/{serial}")).await;
    let main = browser.text("main").await;
    for expected in [
        "本平台出具过此文件",
        "星级证书",
        "鹿城区幸福社区创建工作领导小组办公室",
        "这是现行版本",
    ] {
        assert!(main.contains(expected), "{expected}: {main}");
    }
    browser.look("/verify/{serial}").await;

    // They choose the PDF they hold: the same file matches.
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(file.path(), &issued.pdf).unwrap();
    let input = browser.client.find(Locator::Css("#file")).await.unwrap();
    input
        .send_keys(file.path().to_str().unwrap())
        .await
        .unwrap();
    browser
        .click(&format!("form[action='/verify/{serial}'] button"))
        .await;
    let result = browser.text("#file-result").await;
    assert!(
        result.contains("一致：这份文件与出具时登记的完全相同"),
        "{result}"
    );
    browser.look("/verify/{serial} with a file checked").await;

    // A serial that was never issued.
    browser
        .client
        .goto(&format!("{base}/verify/ZS-2013-00000000"))
        .await
        .unwrap();
    assert!(browser.text("main").await.contains("查无此编号"));
    browser.look("/verify with an unknown serial").await;
    browser.stop().await;
    server.finish().await;
}

/// Serves an app other than the test server's own (one with a street network, say).
async fn serve_app(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

/// Runs a script against the page's map (`figure.map` → its MapLibre map) until it answers
/// something other than null, or fails after 20 s.
async fn map_answer(browser: &Browser, script: &str) -> serde_json::Value {
    let wrapped = format!(
        "const m = document.querySelector('figure.map') && document.querySelector('figure.map').xingfuMap; \
         if (!m || !m.loaded()) return null; {script}"
    );
    for _ in 0..100 {
        let answer = browser.client.execute(&wrapped, vec![]).await.unwrap();
        if !answer.is_null() {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the map did not answer: {script}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grids_are_drawn_on_the_basemap() {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    use xingfu_core::workflow::Role;

    let server = common::sqlite().await;
    xingfu_server::circle::service::demo::load_demo_regions(&server.state.store)
        .await
        .unwrap();
    // 西王庄社区, 学院路街道: on the demo's street network.
    let community = "110108010001";
    server
        .account("xiwang", Role::CommunityWorker, community)
        .await;
    let app = xingfu_server::router(
        server
            .state
            .clone()
            .with_network(xingfu_server::circle::network::network_for(None, true)),
    );
    let base = serve_app(app).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "xiwang").await;
    browser
        .client
        .goto(&format!("{base}/communities/{community}/grids"))
        .await
        .unwrap();
    // The basemap's streets are drawn from this server's own tiles, with their names.
    let roads = map_answer(
        &browser,
        "const r = m.querySourceFeatures('osm', {sourceLayer: 'road'}); return r.length ? r.length : null;",
    )
    .await;
    assert!(roads.as_u64().unwrap() > 0);
    let tiles = map_answer(
        &browser,
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/tiles/'));",
    )
    .await;
    let tiles: Vec<String> = serde_json::from_value(tiles).unwrap();
    assert!(
        tiles.iter().all(|t| t.starts_with(&base)),
        "every tile from this server: {tiles:?}"
    );
    assert!(
        browser.text("figure.map").await.contains("WGS-84"),
        "the page says which datum the map uses"
    );
    browser.look("the grids page with its map").await;
    browser.screenshot("grids-map").await;

    // Draw a triangle on the map, name it, and import it.
    browser.click("figure.map button.secondary").await;
    let canvas = browser
        .client
        .find(Locator::Css(".map-canvas canvas"))
        .await
        .unwrap();
    let mut mouse = MouseActions::new("mouse".into());
    for (x, y) in [(-80.0, -60.0), (80.0, -60.0), (0.0, 70.0)] {
        mouse = mouse
            .then(PointerAction::MoveToElement {
                element: canvas.clone(),
                duration: None,
                x,
                y,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Pause {
                duration: Duration::from_millis(400),
            });
    }
    browser.client.perform_actions(mouse).await.unwrap();
    assert!(
        browser.text(".map-draw-status").await.contains("3"),
        "three corners taken"
    );
    browser.fill("#draw-grid-id", "W1").await;
    browser.fill("#draw-grid-name", "西王庄第一网格").await;
    let finish = browser
        .client
        .find_all(Locator::Css(".map-draw button"))
        .await
        .unwrap();
    finish[0].click().await.unwrap();
    let pasted = browser
        .client
        .execute("return document.getElementById('geojson').value;", vec![])
        .await
        .unwrap();
    let pasted: serde_json::Value = serde_json::from_str(pasted.as_str().unwrap()).unwrap();
    assert_eq!(pasted["features"][0]["id"], "W1");
    let ring = pasted["features"][0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap();
    assert_eq!(ring.len(), 4, "three corners and the first again: {ring:?}");
    let lon = ring[0][0].as_f64().unwrap();
    assert!(
        (116.3..116.4).contains(&lon),
        "drawn where the basemap is: {lon}"
    );
    browser
        .click("form[action$='/grids'] button[type=submit]")
        .await;
    browser
        .wait_path(&format!("/communities/{community}/grids"))
        .await;
    let grids = server.state.store.grids_of(community).await.unwrap();
    assert_eq!(grids.len(), 1, "the drawn grid is stored");
    assert_eq!(grids[0].name, "西王庄第一网格");
    map_answer(
        &browser,
        "return m.querySourceFeatures('page').length || null;",
    )
    .await;
    browser.screenshot("grids-map-drawn").await;
    browser.stop().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circle_maps_draw_on_the_basemap() {
    use xingfu_core::workflow::Role;

    let server = common::sqlite().await;
    let state = server
        .state
        .clone()
        .with_network(xingfu_server::circle::network::network_for(None, true));
    xingfu_server::circle::service::demo::load_demo_regions(&state.store)
        .await
        .unwrap();
    let haidian = xingfu_server::circle::service::demo::DEMO_DISTRICT;
    server
        .account("haidian", Role::DistrictAdmin, haidian)
        .await;
    // The demo's circle: the extract's facilities registered and the coverage computed.
    xingfu_server::circle::service::demo::load_demo(&state)
        .await
        .unwrap();
    let base = serve_app(xingfu_server::router(state)).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "haidian").await;
    for (path, what) in [
        (format!("/circle/areas/{haidian}"), "facilities"),
        (format!("/circle/areas/{haidian}/coverage"), "coverage"),
        (
            format!("/circle/areas/{haidian}/siting?function=elderly_care&count=3"),
            "siting",
        ),
    ] {
        browser.client.goto(&format!("{base}{path}")).await.unwrap();
        let drawn = map_answer(
            &browser,
            "const n = m.queryRenderedFeatures({layers: ['page-point']}).length; \
             const r = m.querySourceFeatures('osm', {sourceLayer: 'road'}).length; \
             return n && r ? [n, r] : null;",
        )
        .await;
        assert!(
            drawn[0].as_u64().unwrap() > 0,
            "{what}: its points are drawn"
        );
        assert!(
            browser.text("figure.map").await.contains("WGS-84"),
            "{what}: the datum is named"
        );
        browser.look(&format!("the {what} map")).await;
        browser
            .client
            .execute(
                "document.querySelector('figure.map').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        browser.screenshot(&format!("circle-{what}-map")).await;
    }
    browser.stop().await;
    server.finish().await;
}

/// A street administrator of 学院路街道 (the demo's extract and coverage) asks for siting from
/// the street's facilities page on a phone: the sites for the street alone, each with its
/// community, and why there are fewer than asked for; a count that is not 1–10 is named at
/// its field with what was typed kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siting_for_a_street_on_a_phone() {
    use xingfu_core::workflow::Role;
    use xingfu_server::circle::network::network_for;
    use xingfu_server::circle::service::demo::{load_demo, load_demo_regions};

    let server = common::sqlite().await;
    let state = server.state.clone().with_network(network_for(None, true));
    load_demo_regions(&state.store).await.unwrap();
    server
        .account("haidian", Role::DistrictAdmin, "110108000000")
        .await;
    server
        .account("xueyuanlu", Role::StreetAdmin, "110108010000")
        .await;
    load_demo(&state).await.unwrap();
    let base = serve_app(xingfu_server::router(state)).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "xueyuanlu").await;
    let street = "/circle/areas/110108010000";
    browser
        .client
        .goto(&format!("{base}{street}"))
        .await
        .unwrap();
    browser.click(&format!("a[href='{street}/siting']")).await;
    assert_eq!(
        browser.wait_path(&format!("{street}/siting")).await,
        format!("{street}/siting")
    );
    assert!(browser.text("main").await.contains("按街道计算"));
    browser.look("circle siting, a street").await;

    let select = browser
        .client
        .find(Locator::Css("#function"))
        .await
        .unwrap();
    select.select_by_value("elderly_care").await.unwrap();
    browser.fill("#count", "3").await;
    browser
        .click(&format!("form[action='{street}/siting'] button"))
        .await;
    // The demo's boundaries are its compounds, which few network nodes lie in: fewer sites
    // than asked for, each named by its community, and the page says why.
    let table = browser.text("section table tbody").await;
    let rows = browser
        .client
        .find_all(Locator::Css("section table tbody tr"))
        .await
        .unwrap();
    assert!(!rows.is_empty() && rows.len() < 3, "{table}");
    for row in &rows {
        let text = row.text().await.unwrap();
        assert!(
            text.contains("社区居委会"),
            "each site names its community: {text}"
        );
    }
    let why = browser.text("#shortfall").await;
    assert!(
        why.starts_with(&format!("只建议了 {} 处（要求 3 处）：", rows.len())),
        "{why}"
    );
    browser
        .look("circle siting, a street, fewer sites and why")
        .await;

    browser.fill("#count", "三处").await;
    browser
        .click(&format!("form[action='{street}/siting'] button"))
        .await;
    let summary = browser.text(".error-summary").await;
    assert!(
        summary.contains("建议几处：请填 1 到 10 之间的整数"),
        "{summary}"
    );
    let kept = browser.client.find(Locator::Css("#count")).await.unwrap();
    assert_eq!(kept.prop("value").await.unwrap().as_deref(), Some("三处"));
    browser.look("circle siting, a street, a wrong count").await;
    browser.stop().await;
    server.finish().await;
}
