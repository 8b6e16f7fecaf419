//! What a new user meets on a 390 px phone, in headless Chromium against the real server: the
//! resident's questionnaire (a closed survey, large text in the middle of it, the review step),
//! the survey poster, the love mall and the 随手拍 report form.

mod common;

use std::time::Duration;

use common::Server;
use common::browser::{Browser, serve};
use fantoccini::Locator;
use xingfu_core::ops::coords::Datum;
use xingfu_core::ops::events::{Event, EventId};
use xingfu_server::i18n::Lang;
use xingfu_store::rounds::By;
use xingfu_store::volunteers::NewVolunteer;

const GULOU: &str = "330302006044";

/// Sets the round's survey as its district administrator: quota 2, closing on `closes_on`
/// (`YYYY-MM-DD`, or empty for none).
async fn open_survey(server: &Server, round: &str, closes_on: &str) {
    xingfu_server::surveys::settings::save_settings(
        &server.state,
        &server.user("district").await,
        round,
        xingfu_server::surveys::settings::SurveyChoice {
            quota: 2,
            closes_on,
        },
        None,
        Lang::Zh,
    )
    .await
    .unwrap();
}

/// A 2014 round with its survey open and 鼓楼社区's resident link, made by its community worker;
/// returns the round and the link's token.
async fn survey_with_link(server: &Server) -> (String, String) {
    let round = server.lucheng_round(2014).await;
    open_survey(server, &round, "").await;
    let link = xingfu_server::surveys::links::resident_link(
        &server.state,
        &server.user("gulou").await,
        &round,
        GULOU,
        Lang::Zh,
    )
    .await
    .unwrap();
    (round, link.token)
}

/// The server over HTTP and a browser whose window is a 390 px phone.
struct OnPhone {
    server: Server,
    base: String,
    browser: Browser,
}

impl OnPhone {
    async fn start() -> OnPhone {
        let server = common::sqlite().await;
        let base = serve(&server).await;
        let browser = Browser::start().await;
        browser.client.set_window_size(390, 900).await.unwrap();
        OnPhone {
            server,
            base,
            browser,
        }
    }

    /// Opens `path` on the server.
    async fn go(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.browser.client.goto(&url).await.unwrap();
    }

    async fn finish(self) {
        self.browser.stop().await;
        self.server.finish().await;
    }
}

/// Text without white space, as a printed page comes back from `pdftotext`.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The computed font size of the first element matching `css`, in CSS pixels.
async fn font_px(browser: &Browser, css: &str) -> f64 {
    let value = browser
        .client
        .execute(
            "return parseFloat(getComputedStyle(document.querySelector(arguments[0])).fontSize);",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    value
        .as_f64()
        .unwrap_or_else(|| panic!("no font size for {css}"))
}

/// The current value of the form field `css`.
async fn value_of(browser: &Browser, css: &str) -> Option<String> {
    let element = browser.client.find(Locator::Css(css)).await.unwrap();
    element.prop("value").await.unwrap()
}

/// How many elements match `css`.
async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .client
        .find_all(Locator::Css(css))
        .await
        .unwrap()
        .len()
}

/// Whether the radio button `css` is checked.
async fn checked(browser: &Browser, css: &str) -> bool {
    let element = browser.client.find(Locator::Css(css)).await.unwrap();
    element.prop("checked").await.unwrap().as_deref() == Some("true")
}

/// Clicks the link or button whose text is `text` (wherever the page draws it).
async fn tap(browser: &Browser, text: &str) {
    browser
        .client
        .find(Locator::XPath(&format!(
            "//*[self::a or self::button][normalize-space(.)='{text}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("nothing to tap reads {text}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the page's progress line reads `progress` (a screen of the questionnaire).
async fn wait_progress(browser: &Browser, progress: &str) {
    let mut shown = String::new();
    for _ in 0..50 {
        shown = browser.text(".progress").await;
        if shown.contains(progress) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the screen reads {shown:?}, not {progress:?}");
}

/// Waits until the body's class says whether large text is on.
async fn wait_big(browser: &Browser, big: bool) {
    let mut class = None;
    for _ in 0..50 {
        // The switch reloads the page: between the two documents there may be no body yet,
        // and a body found on the old page may be gone when read.
        match browser.client.find(Locator::Css("body")).await {
            Ok(body) => match body.attr("class").await {
                Ok(now) => class = now,
                Err(e) if common::browser::replaced(&e) => {}
                Err(e) => panic!("reading the body's class: {e}"),
            },
            Err(e) if e.is_no_such_element() || common::browser::replaced(&e) => {}
            Err(e) => panic!("finding the body: {e}"),
        }
        if class.as_deref().is_some_and(|c| c.contains("big")) == big {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("large text {big} expected, the body's class is {class:?}");
}

/// A survey whose community's result is computed says so on the link before any question, with
/// what happens next and whom to ask.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_survey_says_so_before_the_first_question() {
    let on = OnPhone::start().await;
    let (round, token) = survey_with_link(&on.server).await;
    on.server.computed_entry(&round, GULOU, 3).await;
    let browser = &on.browser;
    on.go(&format!("/s/{token}")).await;
    assert_eq!(browser.text("h1").await, "调查已经结束");
    let main = browser.text("main").await;
    assert!(main.contains("本社区本年度的评分已经完成"), "{main}");
    assert!(main.contains("您不需要再填写"), "what to do: {main}");
    assert!(
        main.contains("评分结果经审定后会在社区公示"),
        "what next: {main}"
    );
    assert!(
        main.contains("如有疑问，请联系：gulou（鼓楼社区）"),
        "whom to ask: {main}"
    );
    let questions = count(browser, "input[type=radio], textarea, fieldset").await;
    assert_eq!(questions, 0, "no question is shown");
    browser.look("survey-closed-rated").await;
    on.finish().await;
}

/// Large text in the middle of the questionnaire keeps the resident's place and answers, and
/// enlarges the question, the choices and the buttons; the review step fits the phone in both
/// sizes, and the answers are sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_text_keeps_the_place_and_the_answers() {
    let on = OnPhone::start().await;
    let (round, token) = survey_with_link(&on.server).await;
    let browser = &on.browser;
    on.go(&format!("/s/{token}")).await;
    wait_progress(browser, "第 1 题，共 6 题").await;
    browser.click("fieldset.choices label:nth-of-type(1)").await;
    browser.click(".survey-nav button[value=next]").await;
    wait_progress(browser, "第 2 题，共 6 题").await;
    // The second choice on question 2, not yet sent on.
    browser.click("fieldset.choices label:nth-of-type(2)").await;
    let question = font_px(browser, "h1.question").await;
    let choice = font_px(browser, "label.big-choice").await;
    let button = font_px(browser, ".survey-nav button").await;

    tap(browser, "大字版").await;
    wait_big(browser, true).await;
    wait_progress(browser, "第 2 题，共 6 题").await;
    assert!(
        checked(browser, "fieldset.choices label:nth-of-type(2) input").await,
        "the answer on this screen is kept"
    );
    for (css, before) in [
        ("h1.question", question),
        ("label.big-choice", choice),
        (".survey-nav button", button),
    ] {
        let after = font_px(browser, css).await;
        assert!(
            after > before * 1.2,
            "{css}: {before} px in normal text, {after} px in large text"
        );
    }
    browser.look("survey-large-text").await;
    // Back: question 1 still answered, still in large text.
    browser.click(".survey-nav button[value=back]").await;
    wait_progress(browser, "第 1 题，共 6 题").await;
    assert!(checked(browser, "fieldset.choices label:nth-of-type(1) input").await);
    wait_big(browser, true).await;

    // On to the last step, answering the first choice where none is given (a question to
    // write an answer to may stay empty).
    for n in 1..=6 {
        wait_progress(browser, &format!("第 {n} 题，共 6 题")).await;
        let choices = count(browser, "fieldset.choices input").await;
        let answered = count(browser, "fieldset.choices input:checked").await;
        if choices > 0 && answered == 0 {
            browser.click("fieldset.choices label:nth-of-type(1)").await;
        }
        browser.click(".survey-nav button[value=next]").await;
    }
    wait_progress(browser, "最后一步").await;
    let review = browser.text("dl.review").await;
    assert!(review.contains("非常满意"), "{review}");
    browser.look("survey-review-large").await;
    // The phone number typed, then normal text again: the number is still there.
    browser.fill("#phone", "13800138000").await;
    tap(browser, "标准字号").await;
    wait_big(browser, false).await;
    wait_progress(browser, "最后一步").await;
    let phone_kept = value_of(browser, "#phone").await;
    assert_eq!(phone_kept.as_deref(), Some("13800138000"));
    browser.look("survey-review").await;

    browser.click(".survey-nav button[value=submit]").await;
    let path = browser.wait_path(&format!("/s/{token}/done")).await;
    assert_eq!(path, format!("/s/{token}/done"));
    assert!(browser.text("main").await.contains("谢谢您"));
    let store = &on.server.state.store;
    let counted = store.survey_answers_of(&round, GULOU).await.unwrap();
    assert_eq!(counted.len(), 1, "one household's answers, sent once");
    on.finish().await;
}

/// The printed poster says who runs the survey, until when, and whom to ask; the community
/// worker sets the contact it prints, and a contact too long is refused beside its field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poster_says_who_runs_the_survey_until_when_and_whom_to_ask() {
    let on = OnPhone::start().await;
    let (round, _) = survey_with_link(&on.server).await;
    let browser = &on.browser;
    browser.sign_in(&on.base, "gulou").await;
    let results = format!("/rounds/{round}/surveys?area={GULOU}");
    let poster = format!("/rounds/{round}/surveys/{GULOU}/poster");
    on.go(&poster).await;
    let text = squeezed(&browser.printed("survey-poster").await);
    for line in [
        "主办：五马街道鼓楼社区",
        "截止日期：本年度调查结束时截止（社区评分结果计算后不再收取）",
        "如有疑问，请联系：gulou（鼓楼社区）",
    ] {
        assert!(text.contains(line), "the poster says {line}\n{text}");
    }

    // A contact longer than 60 characters: refused beside the field, kept as typed.
    on.go(&results).await;
    let long = "鼓".repeat(61);
    browser.fill("#contact", &long).await;
    browser
        .click("form[action$='/contact'] button[type=submit]")
        .await;
    let summary = browser.text(".error-summary").await;
    assert!(
        summary.contains("咨询电话或联系人：最多 60 个字"),
        "{summary}"
    );
    assert_eq!(value_of(browser, "#contact").await, Some(long));
    browser
        .fill("#contact", "鼓楼社区居委会 0577-88881234")
        .await;
    browser
        .click("form[action$='/contact'] button[type=submit]")
        .await;
    let shown = browser.text("#contact-shown").await;
    assert!(shown.contains("鼓楼社区居委会 0577-88881234"), "{shown}");

    // A closing day: the poster gives it as a Chinese date.
    open_survey(&on.server, &round, "2099-12-31").await;
    on.go(&poster).await;
    let text = squeezed(&browser.printed("survey-poster-contact").await);
    for line in [
        "截止日期：2099年12月31日（当天24:00截止）",
        "如有疑问，请联系：鼓楼社区居委会0577-88881234",
    ] {
        assert!(text.contains(line), "the poster says {line}\n{text}");
    }
    on.finish().await;
}

/// 鼓楼's mall for gulou-resident, a volunteer with 22 points: rice costs more than that, soap
/// is out of stock, a towel can be exchanged; returns the three items' ids.
async fn mall_with_items(server: &Server) -> [String; 3] {
    let store = &server.state.store;
    let by = || By {
        actor: "gulou",
        at: 1,
    };
    let account = store
        .user_by_username("gulou-resident")
        .await
        .unwrap()
        .unwrap()
        .id;
    let volunteer = NewVolunteer {
        community_code: GULOU,
        name: "张三",
        team_id: None,
        user_id: Some(&account),
        phone: None,
    };
    let volunteer = store.create_volunteer(&volunteer, 1).await.unwrap();
    store
        .adjust_points("adjust:seed", &volunteer.id, 22, "补录往年积分", by())
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (name, cost, stock) in [("大米 5kg", 100, 3), ("肥皂", 10, 0), ("毛巾", 20, 2)] {
        let item = store.create_item(GULOU, name, cost, stock, by()).await;
        ids.push(item.unwrap().id);
    }
    ids.try_into().unwrap()
}

/// On a phone the mall stays one column wide; an item the volunteer cannot have says whether
/// points or stock is short, by how much, and its button is disabled; one they can have is
/// exchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mall_says_what_is_short_and_fits_a_phone() {
    let on = OnPhone::start().await;
    let [rice, soap, towel] = mall_with_items(&on.server).await;
    let browser = &on.browser;
    browser.sign_in(&on.base, "gulou-resident").await;
    on.go("/mall").await;
    let rice_card = browser
        .text(&format!("section[aria-labelledby='item-{rice}']"))
        .await;
    assert!(
        rice_card.contains("积分不够：还差 78 分"),
        "points short: {rice_card}"
    );
    let soap_card = browser
        .text(&format!("section[aria-labelledby='item-{soap}']"))
        .await;
    assert!(
        soap_card.contains("库存不够：只剩 0 件"),
        "stock short: {soap_card}"
    );
    for item in [&rice, &soap] {
        let button =
            format!("section[aria-labelledby='item-{item}'] form[action='/mall/redeem'] button");
        let button = browser.client.find(Locator::Css(&button)).await.unwrap();
        assert!(
            !button.is_enabled().await.unwrap(),
            "a button that cannot act is disabled"
        );
        let reason = button.attr("aria-describedby").await.unwrap();
        assert_eq!(
            reason,
            Some(format!("short-{item}")),
            "its reason beside it"
        );
    }
    browser.look("mall-short").await;
    // The towel: its button is on the screen and exchanges one.
    let button =
        format!("section[aria-labelledby='item-{towel}'] form[action='/mall/redeem'] button");
    let inside = browser
        .client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();
             return r.left >= 0 && r.right <= window.innerWidth;",
            vec![serde_json::json!(button)],
        )
        .await
        .unwrap();
    assert_eq!(
        inside,
        serde_json::json!(true),
        "the button is within the screen"
    );
    browser.click(&button).await;
    let notice = browser.text(".notice").await;
    assert!(notice.contains("兑换成功：毛巾 × 1"), "{notice}");
    browser.look("mall-exchanged").await;
    on.finish().await;
}

/// Two grids in 鼓楼社区 (WGS-84 squares side by side): g1 with 3幢 (no position) and 5幢 (a
/// position), g2 with no buildings.
async fn gulou_grids(server: &Server) {
    let square = |lon: f64, lat: f64| {
        serde_json::json!([[
            [lon, lat],
            [lon + 0.002, lat],
            [lon + 0.002, lat + 0.002],
            [lon, lat + 0.002],
            [lon, lat]
        ]])
    };
    let geojson = serde_json::json!({
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature", "id": "g1",
                "geometry": { "type": "Polygon", "coordinates": square(120.650, 28.020) },
                "properties": { "name": "鼓楼第一网格", "buildings": [
                    { "id": "3", "name": "3幢" },
                    { "id": "5", "name": "5幢", "lon": 120.6505, "lat": 28.0205 }
                ] }
            },
            {
                "type": "Feature", "id": "g2",
                "geometry": { "type": "Polygon", "coordinates": square(120.652, 28.020) },
                "properties": { "name": "鼓楼第二网格" }
            }
        ]
    })
    .to_string();
    let store = &server.state.store;
    let grids =
        xingfu_server::events::service::read_grid_geojson(store, GULOU, &geojson, Datum::Wgs84)
            .await
            .unwrap()
            .unwrap_or_else(|problems| panic!("{problems:?}"));
    store.save_grids(GULOU, &grids, "gulou", 1).await.unwrap();
}

/// Fills the report form's kind and description on the current page.
async fn describe(browser: &Browser, text: &str) {
    browser.click("label[for='category-sanitation']").await;
    browser.fill("#description", text).await;
}

/// Chooses the building or grid `value` in the report form's list.
async fn choose_place(browser: &Browser, value: &str) {
    let select = browser.client.find(Locator::Css("#building")).await;
    select.unwrap().select_by_value(value).await.unwrap();
}

/// Sends the report form; returns the new event.
async fn send_report(on: &OnPhone) -> Event {
    let browser = &on.browser;
    browser
        .click("form[action$='/report'] button[type=submit]")
        .await;
    let path = browser.wait_path("/events/").await;
    let id: u64 = path
        .trim_start_matches("/events/")
        .parse()
        .unwrap_or_else(|_| panic!("the report was not taken: at {path}"));
    let store = &on.server.state.store;
    store.event(EventId(id)).await.unwrap().unwrap()
}

/// A resident on a phone says where a problem is without coordinates: by a grid or building
/// from the community's list, in words, or by the phone's position (one button); coordinate
/// systems are never shown to them, and a report that says nowhere names the ways on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_reports_where_without_coordinates() {
    let on = OnPhone::start().await;
    gulou_grids(&on.server).await;
    let browser = &on.browser;
    browser.sign_in(&on.base, "gulou-resident").await;
    let form = format!("/communities/{GULOU}/report");
    on.go(&form).await;
    let text = browser.text("main").await;
    for word in ["WGS-84", "GCJ-02", "BD-09", "坐标来源", "经度", "纬度"] {
        assert!(!text.contains(word), "a resident sees {word}:\n{text}");
    }
    browser.look("report-form").await;

    // Nowhere said: the form again, naming the ways the page offers, the description kept.
    describe(browser, "楼道里堆满了纸箱").await;
    browser
        .click("form[action$='/report'] button[type=submit]")
        .await;
    let summary = browser.text(".error-summary").await;
    assert!(
        summary.contains("请选择所在楼栋，或使用手机定位填写坐标，或填写地址或位置说明"),
        "{summary}"
    );
    assert_eq!(
        value_of(browser, "#description").await.as_deref(),
        Some("楼道里堆满了纸箱")
    );
    browser.look("report-nowhere").await;

    // (b) A grid from the list: routed to it, with no position.
    choose_place(browser, "g2/").await;
    let by_grid = send_report(&on).await;
    assert_eq!(by_grid.grid.as_deref(), Some("g2"));
    assert_eq!(by_grid.position(), None);
    assert!(browser.text("main").await.contains("未给出手机位置"));
    browser.look("event-by-grid").await;

    // A building without a position: its grid, its name as the address.
    on.go(&form).await;
    describe(browser, "路灯坏了").await;
    choose_place(browser, "g1/3").await;
    let by_building = send_report(&on).await;
    assert_eq!(by_building.grid.as_deref(), Some("g1"));
    assert_eq!(by_building.address.as_deref(), Some("鼓楼第一网格 · 3幢"));

    // (c) Words only: the community handles it, the address says where.
    on.go(&form).await;
    describe(browser, "垃圾桶满了").await;
    browser.fill("#address", "仓桥街菜场后门").await;
    let in_words = send_report(&on).await;
    assert_eq!(in_words.grid, None);
    assert_eq!(in_words.position(), None);
    assert_eq!(in_words.address.as_deref(), Some("仓桥街菜场后门"));

    // (a) The phone's position: one button; the page's script puts it in hidden fields.
    on.go(&form).await;
    describe(browser, "井盖松动").await;
    browser
        .client
        .execute(
            "navigator.geolocation.getCurrentPosition = function (found) {
               found({ coords: { longitude: 120.6512, latitude: 28.0214 } });
             }; return true;",
            vec![],
        )
        .await
        .unwrap();
    tap(browser, "使用手机定位").await;
    assert!(browser.text("#located").await.contains("已取得手机位置"));
    assert_eq!(
        value_of(browser, "#lon").await.as_deref(),
        Some("120.6512000")
    );
    let hidden = browser.client.find(Locator::Css("#lat")).await.unwrap();
    assert_eq!(
        hidden.attr("type").await.unwrap().as_deref(),
        Some("hidden")
    );
    let by_phone = send_report(&on).await;
    let at = by_phone.position().expect("a position");
    assert!((at.lon - 120.6512).abs() < 1e-9 && (at.lat - 28.0214).abs() < 1e-9);
    assert_eq!(by_phone.grid.as_deref(), Some("g1"));
    on.finish().await;
}
