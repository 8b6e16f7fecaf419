//! Xingfu without signal. Over HTTP on both databases: a form sent with an `Idempotency-Key` is
//! saved once however often it arrives, a form refused with errors frees its key. On a 390 px
//! phone in headless Chromium taken offline through DevTools: the 待办 list and the forms open
//! from the phone, forms sent without signal wait in the outbox (photos too) and are sent when
//! the signal returns, each saved exactly once.

#[macro_use]
mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::Server;
use common::browser::{Browser, serve};
use fantoccini::Locator;
use tower::ServiceExt;

const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const RESIDENT: &str = "gulou-resident";

/// Posts a urlencoded form with an `Idempotency-Key`; (status, Location, body).
async fn keyed_post(
    server: &Server,
    path: &str,
    cookie: &str,
    key: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", common::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let request = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("Idempotency-Key", key)
        .body(Body::from(body))
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, location, String::from_utf8_lossy(&bytes).into())
}

async fn reports_by(server: &Server, username: &str) -> usize {
    let store = &server.state.store;
    store.events_reported_by(username, 100).await.unwrap().len()
}

async fn a_keyed_form_is_saved_once(server: &Server) {
    let cookie = server.sign_in(RESIDENT).await;
    let form_path = format!("/communities/{GULOU}/report");
    let (_, page, _) = server.get(&form_path, &cookie).await;
    let csrf = common::csrf_of(&page);
    let report = |description: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("category", "sanitation".to_string()),
            ("description", description.to_string()),
            ("address", "仓桥街菜场后门".to_string()),
        ]
    };
    let send = async |key: &str, fields: &[(&str, String)], path: &str| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        keyed_post(server, path, &cookie, key, &fields).await
    };
    let first_key = "0f8fad5b-d9cb-469f-a165-70867728950e";

    let (status, first, body) = send(first_key, &report("垃圾桶满了"), &form_path).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let first = first.expect("sent to the new report");
    assert!(first.starts_with("/events/"), "{first}");
    assert_eq!(reports_by(server, RESIDENT).await, 1);

    // The answer was lost on the way to the phone; it sends again: the same report, not a new one.
    for _ in 0..2 {
        let (status, again, _) = send(first_key, &report("垃圾桶满了"), &form_path).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(again.as_deref(), Some(first.as_str()));
    }
    assert_eq!(reports_by(server, RESIDENT).await, 1);

    // A form refused with errors saves nothing and frees its key for the corrected form.
    let second_key = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let mut without_kind = report("路灯坏了");
    without_kind[1].1 = String::new();
    let (status, _, body) = send(second_key, &without_kind, &form_path).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请选择问题类别"), "{body}");
    assert_eq!(reports_by(server, RESIDENT).await, 1);
    let (status, second, _) = send(second_key, &report("路灯坏了"), &form_path).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_ne!(second.as_deref(), Some(first.as_str()));
    assert_eq!(reports_by(server, RESIDENT).await, 2);

    // A key is one form's: used for another form it saves nothing and says why.
    let (status, _, body) = send(
        first_key,
        &report("井盖松动"),
        &format!("/communities/{MOCHI}/report"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("已用于另一份内容"), "{body}");
    let (status, _, body) = send("short", &report("井盖松动"), &form_path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("16 到 100 个字母"), "{body}");
    assert_eq!(reports_by(server, RESIDENT).await, 2);
}
on_both!(a_keyed_form_is_saved_once);

/// What makes Xingfu installable on a phone: the manifest (opening at the 待办 list, with an
/// icon that is served), and the service worker at the root, always revalidated.
#[tokio::test]
async fn the_app_can_be_installed() {
    let server = common::sqlite().await;
    let get = async |path: &str| {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = server.app.clone().oneshot(request).await.unwrap();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (headers, String::from_utf8(bytes.to_vec()).unwrap())
    };
    let (headers, text) = get("/manifest.webmanifest").await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/manifest+json");
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(manifest["name"], "幸福社区");
    assert_eq!(manifest["start_url"], "/workbench");
    assert_eq!(manifest["display"], "standalone");
    let icon = manifest["icons"][0]["src"].as_str().unwrap().to_string();
    let (headers, svg) = get(&icon).await;
    assert_eq!(headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(svg.starts_with("<svg"));
    let (headers, worker) = get("/sw.js").await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert!(worker.contains("addEventListener('fetch'"));
    // Every page names the manifest; the offline scripts come only with the pages that use them.
    let cookie = server.sign_in(RESIDENT).await;
    let (_, bench, _) = server.get("/workbench", &cookie).await;
    assert!(bench.contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"));
    assert!(bench.contains("/static/offline.js"));
    let (_, mall, _) = server.get("/mall", &cookie).await;
    assert!(mall.contains("/manifest.webmanifest") && !mall.contains("<script"));

    // Access-logged pages are never kept on the phone: each look goes through the log.
    let worker = server.sign_in("gulou").await;
    let district = server.sign_in("district").await;
    for (path, who) in [
        ("/visits/lists/elderly_alone", &worker),
        ("/visits/access-log", &district),
    ] {
        let request = Request::get(path)
            .header(header::COOKIE, who)
            .body(Body::empty())
            .unwrap();
        let response = server.app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap()),
            Some("private, no-store"),
            "{path}"
        );
    }
    // The workbench is kept on the phone: it is how a grid worker sees the 待办 without signal.
    let (headers, _) = get("/workbench").await;
    let kept = headers
        .get(header::CACHE_CONTROL)
        .map_or("", |v| v.to_str().unwrap());
    assert!(!kept.contains("no-store"), "{kept}");
    server.finish().await;
}

/// The outbox as the phone holds it: (label, state) of each waiting item.
async fn outbox(browser: &Browser) -> Vec<(String, String)> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        const req = indexedDB.open('xingfu-outbox', 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore('items', { keyPath: 'key' });
          req.result.createObjectStore('sent', { keyPath: 'key' });
        };
        req.onsuccess = () => {
          const all = req.result.transaction('items').objectStore('items').getAll();
          all.onsuccess = () => done(all.result.map(i => [i.label, i.state || '']));
        };
        req.onerror = () => done([]);
    "#;
    let found = browser.client.execute_async(script, vec![]).await.unwrap();
    serde_json::from_value(found).unwrap()
}

/// Waits (up to 20 s) until `script` returns true in the page.
async fn until(browser: &Browser, what: &str, script: &str) {
    for _ in 0..200 {
        let found = browser.client.execute(script, vec![]).await;
        if found.is_ok_and(|v| v == serde_json::Value::Bool(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited 20 s for {what}");
}

/// A small JPEG on disk for the file input.
fn photo_file(dir: &std::path::Path) -> std::path::PathBuf {
    let picture = image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, 90])
    });
    let path = dir.join("楼道.jpg");
    picture.save(&path).unwrap();
    path
}

/// Opens `path` on the server at `base`.
async fn go(browser: &Browser, base: &str, path: &str) {
    browser.client.goto(&format!("{base}{path}")).await.unwrap();
}

/// Fills the report form on the current page: the kind, the words, and where in words.
async fn fill_report(browser: &Browser, description: &str) {
    browser.click("label[for='category-sanitation']").await;
    browser.fill("#description", description).await;
    browser.fill("#address", "仓桥街菜场后门").await;
}

async fn submit_report(browser: &Browser) {
    browser
        .click("form[action$='/report'] button[type=submit]")
        .await;
}

/// A resident with patchy signal: the form and the 待办 list open without signal, two reports
/// (one with a photo) wait on the phone and say so, and reach the server once each when the
/// signal returns; sending again changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_made_without_signal_are_sent_once_when_it_returns() {
    let server = common::sqlite().await;
    let base = serve(&server).await;
    let browser = Browser::start().await;
    browser.client.set_window_size(390, 900).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let photo = photo_file(files.path());

    browser.sign_in(&base, RESIDENT).await;
    // The service worker takes over, and keeps the person's pages (the 待办 list, the outbox,
    // their community's report form).
    until(
        &browser,
        "the service worker",
        "return !!navigator.serviceWorker.controller;",
    )
    .await;
    let form = format!("/communities/{GULOU}/report");
    let kept = r#"
        const done = arguments[arguments.length - 1];
        caches.open('xingfu-pages')
          .then(c => Promise.all(arguments[0].map(u => c.match(u))))
          .then(found => done(found.every(Boolean)));
    "#;
    let pages = serde_json::json!(["/workbench", "/offline", form]);
    for _ in 0..200 {
        let found = browser
            .client
            .execute_async(kept, vec![pages.clone()])
            .await
            .unwrap();
        if found == serde_json::Value::Bool(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    browser.set_offline(true).await;
    // Without signal the report form opens from the phone.
    browser.client.goto(&format!("{base}{form}")).await.unwrap();
    fill_report(&browser, "楼道里堆满了纸箱").await;
    let input = browser.client.find(Locator::Css("#photo")).await.unwrap();
    input.send_keys(&photo.display().to_string()).await.unwrap();
    submit_report(&browser).await;
    let saved = browser.text("#outbox .saved").await;
    assert!(saved.contains("已保存在这部手机上"), "{saved}");
    let item = browser.text(".outbox-item").await;
    assert!(item.contains("随手拍 · 鼓楼社区"), "{item}");
    assert!(item.contains("1 张照片"), "{item}");
    browser.look("outbox-offline").await;

    // A second report; then the 待办 list, from the phone, says two are waiting.
    browser.client.goto(&format!("{base}{form}")).await.unwrap();
    fill_report(&browser, "路灯坏了").await;
    submit_report(&browser).await;
    browser.text("#outbox .saved").await;
    go(&browser, &base, "/workbench").await;
    let banner = browser.text("#outbox-banner").await;
    assert!(banner.contains("有 2 条内容等待发送"), "{banner}");
    assert!(banner.contains("现在没有网络"), "{banner}");
    browser.look("workbench-offline").await;
    assert_eq!(outbox(&browser).await.len(), 2);
    assert_eq!(
        reports_by(&server, RESIDENT).await,
        0,
        "nothing reached the server"
    );

    // The signal returns: the open page sends the outbox, each report once.
    browser.set_offline(false).await;
    until(
        &browser,
        "the outbox to empty",
        "return !document.querySelector('#outbox-banner') || \
         !document.querySelector('#outbox-banner').textContent.includes('等待发送');",
    )
    .await;
    assert!(outbox(&browser).await.is_empty());
    let sent = server
        .state
        .store
        .events_reported_by(RESIDENT, 100)
        .await
        .unwrap();
    let mut words: Vec<&str> = sent.iter().map(|e| e.description.as_str()).collect();
    words.sort();
    assert_eq!(words, ["楼道里堆满了纸箱", "路灯坏了"]);
    let with_photo = sent
        .iter()
        .find(|e| e.description == "楼道里堆满了纸箱")
        .unwrap();
    let photos = server
        .state
        .store
        .event_photos(with_photo.id)
        .await
        .unwrap();
    assert_eq!(photos.len(), 1, "the photo came with the report");

    // The outbox page lists what was sent, with links to the reports.
    go(&browser, &base, "/offline").await;
    let page = browser.text("#outbox").await;
    assert!(page.contains("没有等待发送的内容"), "{page}");
    assert!(page.contains("最近发出的"), "{page}");
    browser.look("outbox-sent").await;

    // Sending again (two tabs, a lost answer) saves nothing more.
    browser
        .client
        .execute(
            "window.dispatchEvent(new Event('online')); return true;",
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(reports_by(&server, RESIDENT).await, 2);
    browser.stop().await;
    server.finish().await;
}

/// A community worker on a home visit without signal: the visit form, opened once with signal,
/// opens from the phone; the record (a plain, not multipart, form) waits in the outbox and is
/// saved once when the signal returns, with the outbox page open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_home_visit_recorded_without_signal_is_saved_once() {
    let server = common::sqlite().await;
    let store = &server.state.store;
    let household = store
        .create_household(
            &xingfu_store::visits::NewHousehold {
                community_code: GULOU,
                grid_id: None,
                building: None,
                address: "鼓楼巷3幢401",
                contact_name: None,
                phone: None,
            },
            xingfu_store::rounds::By {
                actor: "setup",
                at: 1,
            },
        )
        .await
        .unwrap();
    let base = serve(&server).await;
    let browser = Browser::start().await;
    browser.client.set_window_size(390, 900).await.unwrap();
    browser.sign_in(&base, "gulou").await;
    until(
        &browser,
        "the service worker",
        "return !!navigator.serviceWorker.controller;",
    )
    .await;
    let form = format!("/visits/households/{}/visits/new", household.id);
    go(&browser, &base, &form).await;

    browser.set_offline(true).await;
    go(&browser, &base, &form).await;
    browser.click("label[for='purpose']").await;
    browser.fill("#notes", "老人身体尚好，取暖器已检查。").await;
    browser
        .click("form[data-offline] button[type=submit]")
        .await;
    assert!(
        browser
            .text("#outbox .saved")
            .await
            .contains("已保存在这部手机上")
    );
    let item = browser.text(".outbox-item").await;
    assert!(item.contains("记录走访：鼓楼巷3幢401"), "{item}");
    assert!(store.visits_of(&household.id).await.unwrap().is_empty());

    browser.set_offline(false).await;
    until(
        &browser,
        "the visit to be sent",
        "return document.querySelectorAll('.outbox-item').length === 0 \
         && document.body.innerText.includes('最近发出的');",
    )
    .await;
    let visits = store.visits_of(&household.id).await.unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].notes, "老人身体尚好，取暖器已检查。");
    // Its link in the outbox opens the household, where the visit now is.
    browser.click(".outbox-sent a").await;
    browser.wait_path("/visits/households/").await;
    let page = browser.text("main").await;
    assert!(page.contains("老人身体尚好"), "{page}");
    browser.stop().await;
    server.finish().await;
}
