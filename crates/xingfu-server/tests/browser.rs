//! The pages people use, driven in headless Chromium through ChromeDriver against the real
//! server over HTTP. Screenshots land in `target/browser-screens/` for a human to look at.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver must be installed (Debian: apt-get install chromium chromium-driver)",
            );
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "goog:chromeOptions": {
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=420,1000", format!("--user-data-dir={}", profile.path().display())
                ]
            }
        });
        let caps: serde_json::Map<String, serde_json::Value> = caps.as_object().unwrap().clone();
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    return Browser {
                        driver,
                        client,
                        _profile: profile,
                    };
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("cannot start Chromium through chromedriver: {last_error:?}");
    }

    pub async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    pub async fn screenshot(&self, name: &str) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/browser-screens");
        let _ = std::fs::create_dir_all(dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(format!("{dir}/{name}.png"), png);
        }
    }

    /// Runs axe-core's WCAG 2 A and AA rules on the current page; panics listing every violation.
    /// axe-core comes from the repository's `package.json` (`npm ci`, which `.ci/run` does).
    pub async fn axe(&self, page: &str) {
        let violations = self.axe_violations().await;
        assert!(
            violations.is_empty(),
            "accessibility problems on {page}:\n{}",
            violations.join("\n")
        );
    }

    /// axe-core's WCAG 2 A and AA violations on the current page, one line each.
    pub async fn axe_violations(&self) -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../node_modules/axe-core/axe.min.js"
        );
        let source = std::fs::read_to_string(path).unwrap_or_else(|_| {
            panic!("{path} is missing: run `npm ci` in the repository root (it installs axe-core)")
        });
        self.client
            .execute(&format!("{source}\nreturn true;"), vec![])
            .await
            .unwrap();
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
              .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
              .catch(e => done([`axe failed: ${e}`]));
        "#;
        let found = self.client.execute_async(script, vec![]).await.unwrap();
        serde_json::from_value(found).unwrap()
    }

    /// The text of the first element matching `css`, waiting (up to 30 s) for one to appear, as
    /// it does after a form is sent.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits (up to 5 s) until the page's path starts with `prefix`; returns the path.
    pub async fn wait_path(&self, prefix: &str) -> String {
        let mut path = String::new();
        for _ in 0..50 {
            path = self.client.current_url().await.unwrap().path().to_string();
            if path.starts_with(prefix) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        path
    }

    pub async fn sign_in(&self, base: &str, username: &str) {
        self.client.goto(&format!("{base}/login")).await.unwrap();
        self.fill("#username", username).await;
        self.fill("#password", common::PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        let path = self.wait_path("/workbench").await;
        assert!(
            path.starts_with("/workbench"),
            "{username} signed in, at {path}"
        );
    }

    /// The page fits a phone 390 px wide: nothing on it makes it scroll sideways.
    pub async fn fits_phone(&self, page: &str) {
        self.client.set_window_size(390, 1000).await.unwrap();
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        self.client.set_window_size(420, 1000).await.unwrap();
        let (scroll, inner) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        assert!(
            scroll <= inner,
            "{page} scrolls sideways on a phone: {scroll} px of content in {inner} px"
        );
    }

    /// Follows the workbench's "去处理" button of the item about `subject`.
    pub async fn go_to_work(&self, subject: &str) {
        let script = format!(
            "const item = [...document.querySelectorAll('ol.todo li')]
               .find(li => li.textContent.includes({subject:?}));
             item.querySelector('a.button').click(); return true;"
        );
        self.client.execute(&script, vec![]).await.unwrap();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Serves the app over real HTTP on a free port; returns its base URL.
pub async fn serve(server: &common::Server) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = server.app.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

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
    browser.screenshot("login").await;
    browser.axe("login").await;
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
    browser.screenshot("workbench-empty").await;
    browser.axe("workbench-empty").await;
    browser.fits_phone("workbench-empty").await;
    browser
        .client
        .find(Locator::LinkText("评选年度"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(browser.text("h1").await, "评选年度");
    browser.screenshot("rounds-zh").await;
    browser.axe("rounds-zh").await;

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
    browser.screenshot("rounds-en-large").await;
    browser.axe("rounds-en-large").await;

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
    browser.screenshot("round-declared").await;
    browser.axe("round-declared").await;

    // Eligibility check by the district.
    browser.client.delete_all_cookies().await.unwrap();
    // The district's workbench lists the declaration to check and goes straight to it.
    browser.sign_in(&base, "district").await;
    let work = browser.text("ol.todo").await;
    assert!(
        work.contains("资格审查") && work.contains("鼓楼社区"),
        "{work}"
    );
    browser.screenshot("workbench-district").await;
    browser.axe("workbench-district").await;
    browser.fits_phone("workbench-district").await;
    browser.go_to_work("鼓楼社区").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;
    press(&browser, "check").await;
    browser
        .wait_path(&format!("/rounds/{round}/communities/{gulou}"))
        .await;
    assert!(browser.text("main").await.contains("评分中"));

    // The assessor's sheet: every clause answered through the form.
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in(&base, "assessor").await;
    assert!(browser.text("ol.todo").await.contains("评分"));
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
    browser.screenshot("sheet-filled").await;
    browser.axe("sheet-filled").await;
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
    browser.screenshot("computed").await;
    browser.axe("computed").await;
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
    browser.screenshot("named").await;
    browser.axe("named").await;

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
    browser.screenshot("overview").await;
    browser.axe("overview").await;
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
    browser.axe("/workbench with the bell").await;
    browser.fits_phone("/workbench with the bell").await;
    browser.click("a.bell").await;
    browser.wait_path("/notifications").await;
    assert!(browser.text("main").await.contains("鼓楼社区 ZZ1.1"));
    browser.axe("/notifications").await;
    browser.fits_phone("/notifications").await;
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
    browser.axe("/notifications/settings").await;
    browser.fits_phone("/notifications/settings").await;
    browser.fill("#email", "gulou at example").await;
    browser
        .click("form[action='/notifications/settings'] button[type=submit]")
        .await;
    let summary = browser.text(".error-summary").await;
    assert!(
        summary.contains("电子邮箱 gulou at example 的格式不对"),
        "{summary}"
    );
    browser.axe("/notifications/settings with an error").await;
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
