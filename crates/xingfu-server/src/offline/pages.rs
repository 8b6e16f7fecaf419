//! The manifest, the service worker, the page script, the icon and the outbox page.

use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::app::auth::CurrentUser;
use crate::i18n::Lang;
use crate::web::built_in::{JAVASCRIPT, Keep, built_in};
use crate::web::page::{Page, PageResult, render};

/// `/manifest.webmanifest`: lets a phone install Xingfu; it opens at the 待办 list.
pub async fn manifest(jar: CookieJar) -> Response {
    let lang = Lang::from_jar(&jar);
    let body = json!({
        "name": lang.pick("幸福社区", "Xingfu Happy Community"),
        "short_name": lang.pick("幸福社区", "Xingfu"),
        "description": lang.pick(
            "幸福社区创建与社区治理：待办、随手拍、入户走访、满意度调查。没有网络时也能填写，有网络后自动发送。",
            "Happy Community programmes and community work: to-do list, photo reports, home visits, surveys. Works without signal and sends when it returns.",
        ),
        "lang": lang.code(),
        "start_url": "/workbench",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f9c",
        "icons": [
            { "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any" },
        ],
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `/sw.js`: served from the root so it may look after every page; always revalidated, so a
/// new version reaches phones on their next visit.
pub async fn service_worker() -> Response {
    built_in(
        JAVASCRIPT,
        Keep::Revalidate,
        include_bytes!("../../static/sw.js"),
    )
}

/// `/static/offline.js`: see the file's head.
pub async fn page_script() -> Response {
    built_in(
        JAVASCRIPT,
        Keep::Hour,
        include_bytes!("../../static/offline.js"),
    )
}

/// `/static/outbox.js`: the outbox on the phone, for the page and the service worker.
pub async fn outbox_script() -> Response {
    built_in(
        JAVASCRIPT,
        Keep::Hour,
        include_bytes!("../../static/outbox.js"),
    )
}

pub async fn icon() -> Response {
    built_in(
        "image/svg+xml",
        Keep::Day,
        include_bytes!("../../static/icon.svg"),
    )
}

#[derive(Template)]
#[template(path = "offline.html")]
struct OutboxPage {
    page: Page,
}

/// `/offline`: what waits on this phone to be sent. The list lives on the phone (the page's
/// script draws it); the page itself is the same for everyone, so the service worker can show
/// it without signal.
pub async fn outbox(jar: CookieJar, user: Option<CurrentUser>) -> PageResult {
    let lang = Lang::from_jar(&jar);
    render(OutboxPage {
        page: Page::new(
            &jar,
            user,
            "/offline",
            lang.pick("等待发送", "Waiting to be sent"),
        )
        .with_offline(),
    })
}
