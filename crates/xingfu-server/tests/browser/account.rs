//! A person's session in the browser: signing in, language and text size, safe redirects, the
//! bell and settings.

use super::*;

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
    let now = xingfu_server::app::clock::now_ms();
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
