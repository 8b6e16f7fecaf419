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

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
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
        let path = self.wait_path("/rounds").await;
        assert!(
            path.starts_with("/rounds"),
            "{username} signed in, at {path}"
        );
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
    assert_eq!(browser.text("h1").await, "评选年度");
    browser.screenshot("rounds-zh").await;

    browser
        .client
        .find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(browser.text("h1").await, "Rating rounds");
    browser
        .client
        .find(Locator::LinkText("Large text"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let class = browser
        .client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(class.as_deref(), Some("big"));
    browser.screenshot("rounds-en-large").await;

    // Sign out with the form (CSRF token included by the page).
    browser.click("form[action='/logout'] button").await;
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login")
    );
    browser.stop().await;
    server.finish().await;
}
