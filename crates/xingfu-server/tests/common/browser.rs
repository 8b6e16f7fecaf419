//! Headless Chromium through ChromeDriver, driving the real server over HTTP: what every
//! browser test stands on. Screenshots land in `target/browser-screens/` for a human to look at.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::{PrintConfiguration, PrintSize};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
    /// DevTools sessions holding service workers offline ([`Browser::set_offline`]).
    offline_workers: std::sync::Mutex<Vec<serde_json::Value>>,
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
                        offline_workers: Default::default(),
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
            let _ = std::fs::write(format!("{dir}/{}.png", name.replace('/', "_")), png);
        }
    }

    /// The current page as the browser prints it on A4 (WebDriver's print), read back from the
    /// PDF by `pdftotext -layout`; the PDF is kept beside the screenshots as `name.pdf`.
    pub async fn printed(&self, name: &str) -> String {
        let config = PrintConfiguration::builder()
            .size(PrintSize::A4)
            .build()
            .unwrap();
        let pdf = self.client.print(config).await.unwrap();
        assert!(
            pdf.starts_with(b"%PDF"),
            "{name}: the browser printed a PDF"
        );
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/browser-screens");
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(format!("{dir}/{name}.pdf"), &pdf);
        let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(file.path(), &pdf).unwrap();
        let out = Command::new("pdftotext")
            .arg("-layout")
            .arg(file.path())
            .arg("-")
            .output()
            .expect("pdftotext must be installed (Debian: apt-get install poppler-utils)");
        assert!(out.status.success(), "pdftotext read {name}.pdf");
        String::from_utf8(out.stdout).unwrap()
    }

    /// What every page the tests visit is checked for: a screenshot for a human to look at,
    /// axe-core's WCAG rules, no sideways scrolling on a 390 px phone, and (on a Chinese page)
    /// full-width punctuation in its visible text.
    pub async fn look(&self, page: &str) {
        self.screenshot(page).await;
        self.axe(page).await;
        self.fits_phone(page).await;
        self.chinese_punctuation(page).await;
    }

    /// On a Chinese page, its visible text (`document.body.innerText`) uses full-width
    /// punctuation: no ASCII , : ; ? ! ( ) touches Chinese text.
    pub async fn chinese_punctuation(&self, page: &str) {
        let found = self
            .client
            .execute(
                "return [document.documentElement.lang, document.body.innerText];",
                vec![],
            )
            .await
            .unwrap();
        let (lang, text) = (
            found[0].as_str().unwrap_or(""),
            found[1].as_str().unwrap_or(""),
        );
        if !lang.starts_with("zh") {
            return;
        }
        let marks = super::ascii_marks_in_chinese(text);
        assert!(
            marks.is_empty(),
            "{page}: ASCII punctuation in Chinese text (write ，：；？！（）):\n{}",
            marks.join("\n")
        );
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
    /// it does after a form is sent. A page that is replaced between finding the element and
    /// reading it (a form answered while we look) is read again rather than failing.
    pub async fn text(&self, css: &str) -> String {
        for _ in 0..20 {
            let element = self
                .client
                .wait()
                .for_element(Locator::Css(css))
                .await
                .unwrap();
            match element.text().await {
                Ok(text) => return text,
                Err(e) if replaced(&e) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => panic!("reading {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced while it was read")
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
        self.fill("#password", super::PASSWORD).await;
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

    /// Takes the browser off the network or back on with DevTools: the page through network
    /// emulation (ChromeDriver's `network_conditions`: `navigator.onLine` follows, its requests
    /// fail), and every service worker by blocking all its requests (a worker is a target of
    /// its own, which the page's emulation does not reach).
    pub async fn set_offline(&self, offline: bool) {
        let conditions = json!({
            "network_conditions": {
                "offline": offline,
                "latency": 0,
                "download_throughput": -1,
                "upload_throughput": -1
            }
        });
        self.chromium("chromium/network_conditions", conditions)
            .await;
        if !offline {
            // A worker's blocking lasts as long as the session that set it.
            let sessions = std::mem::take(&mut *self.offline_workers.lock().unwrap());
            for session in sessions {
                self.cdp("Target.detachFromTarget", json!({ "sessionId": session }))
                    .await;
            }
            return;
        }
        let targets = self.cdp("Target.getTargets", json!({})).await;
        let workers = targets["targetInfos"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for worker in workers.iter().filter(|t| t["type"] == "service_worker") {
            let attached = self
                .cdp(
                    "Target.attachToTarget",
                    json!({ "targetId": worker["targetId"], "flatten": false }),
                )
                .await;
            for (id, method, params) in [
                (1, "Network.enable", json!({})),
                (2, "Network.setBlockedURLs", json!({ "urls": ["*"] })),
            ] {
                let message = json!({ "id": id, "method": method, "params": params });
                self.cdp(
                    "Target.sendMessageToTarget",
                    json!({ "sessionId": attached["sessionId"], "message": message.to_string() }),
                )
                .await;
            }
            let session = attached["sessionId"].clone();
            self.offline_workers.lock().unwrap().push(session);
        }
    }

    /// A Chrome DevTools Protocol command on the page's session; its result.
    async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.chromium("goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
    }

    /// A ChromeDriver command outside WebDriver (`path` under the session); its value.
    async fn chromium(&self, path: &'static str, body: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(ChromiumCommand { path, body })
            .await
            .unwrap_or_else(|e| panic!("ChromeDriver {path}: {e}"))
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

/// A ChromeDriver command outside WebDriver, posted to `session/{id}/{path}`.
#[derive(Debug)]
struct ChromiumCommand {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for ChromiumCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.body.to_string()))
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
pub async fn serve(server: &super::Server) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = server.app.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

/// Whether `error` says the element was on a page that has since been replaced: a stale
/// reference, or (as Chromium sometimes says it during a navigation) a node that no longer
/// belongs to the document.
pub fn replaced(error: &fantoccini::error::CmdError) -> bool {
    match error {
        fantoccini::error::CmdError::Standard(e) => {
            e.error == fantoccini::error::ErrorStatus::StaleElementReference
                || e.message.contains("does not belong to the document")
        }
        _ => false,
    }
}
