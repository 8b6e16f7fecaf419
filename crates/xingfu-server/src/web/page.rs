//! What every server-rendered page stands on: the layout's data, the error page, rendering and
//! the labels many pages share. Every flow is a plain form POST followed by a redirect, so
//! nothing needs JavaScript; errors come back as a page in the user's language.

use askama::Template;
use axum::extract::{OptionalFromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use xingfu_core::dates;

use crate::app::auth::{CurrentUser, urlencode};
use crate::app::clock::now_ms;
use crate::app::error::{AppError, Shown};
use crate::app::state::AppState;
use crate::i18n::{Lang, Texts};

/// What every page's layout needs.
pub struct Page {
    pub lang: Lang,
    pub t: &'static Texts,
    pub user: Option<CurrentUser>,
    pub title: String,
    pub big: bool,
    pub path_encoded: String,
    /// The day the page is drawn, for its printed copy: "打印日期：2026年12月3日" /
    /// "Printed on 3 December 2026" (China Standard Time).
    pub printed_on: String,
    /// The language and text-size switches are buttons inside the page's own form (drawn by
    /// `form_switches.html`), not links in the header: see `web::preferences`.
    pub switches_in_form: bool,
    /// The page loads the offline scripts (`crate::offline`): the 待办 list, the forms that
    /// may be sent without signal and the outbox. Other pages stay free of JavaScript; the
    /// service worker keeps them all the same once a phone has it.
    pub offline_ready: bool,
}

impl Page {
    pub fn new(
        jar: &CookieJar,
        user: Option<CurrentUser>,
        path: &str,
        title: impl Into<String>,
    ) -> Page {
        let lang = Lang::from_jar(jar);
        let now = now_ms();
        Page {
            lang,
            t: lang.t(),
            user,
            title: title.into(),
            big: jar.get("big").is_some_and(|c| c.value() == "1"),
            path_encoded: urlencode(path),
            printed_on: lang.text(
                format!("打印日期\u{ff1a}{}", dates::chinese_date(now)),
                format!("Printed on {}", dates::english_date(now)),
            ),
            switches_in_form: false,
            offline_ready: false,
        }
    }

    /// The pages a signed-in person's phone keeps for use without signal (the service worker
    /// fetches them; see `crate::offline`): the 待办 list, the outbox, and the 随手拍 form of
    /// their own community. Pages they open are kept as well.
    pub fn offline_pages(&self) -> String {
        let Some(user) = &self.user else {
            return String::new();
        };
        let mut pages = vec!["/workbench".to_string(), "/offline".to_string()];
        if user.region_level == "community" {
            pages.push(format!("/communities/{}/report", user.user.region_code));
        }
        pages.join(" ")
    }

    /// The page loads the offline scripts (see [`Page::offline_ready`]).
    pub fn with_offline(mut self) -> Page {
        self.offline_ready = true;
        self
    }

    /// The page's form carries the language and text-size switches (`form_switches.html`), so
    /// switching keeps what was typed in it.
    pub fn with_switches_in_form(mut self) -> Page {
        self.switches_in_form = true;
        self
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    message: String,
}

/// Renders an error as a page in the user's language.
pub fn error_page(jar: &CookieJar, user: Option<CurrentUser>, error: AppError) -> Response {
    shown_page(jar, user, error.status(), error.shown())
}

fn shown_page(
    jar: &CookieJar,
    user: Option<CurrentUser>,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let t = Lang::from_jar(jar).t();
    let (title, message) = match shown {
        Shown::NotFound => (t.not_found, t.not_found.to_string()),
        Shown::FormExpired => (t.form_expired, t.form_expired.to_string()),
        Shown::Forbidden(reason) => (t.forbidden, reason),
        Shown::Problem(reason) => (t.errors_title, reason),
        Shown::ServerError => (t.server_error, t.server_error.to_string()),
    };
    let page = ErrorPage {
        page: Page::new(jar, user, "/", title),
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response(),
    }
}

/// What a page handler returns: the page, or an error that [`error_pages`] draws as a page.
pub type PageResult = Result<Response, AppError>;

/// Draws every error a page handler returned (an [`AppError`] carries [`Shown`]) as the error
/// page in the person's language, with their navigation. The session is looked up again only
/// when there is an error to draw.
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    // Open311 answers programs in its own formats, never with a page.
    let for_people = !request.uri().path().starts_with("/open311/");
    let response = next.run(request).await;
    let shown = match response.extensions().get::<Shown>().cloned() {
        Some(shown) => shown,
        None if for_people && is_rejection(&response) => {
            let lang = Lang::from_jar(&CookieJar::from_headers(&headers));
            Shown::Problem(unreadable_request(lang).to_string())
        }
        None => return response,
    };
    let status = response.status();
    let mut parts = match Request::builder().body(()) {
        Ok(request) => request.into_parts().0,
        Err(_) => return response,
    };
    parts.headers = headers;
    let user =
        <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, &state)
            .await
            .unwrap_or(None);
    let jar = CookieJar::from_headers(&parts.headers);
    shown_page(&jar, user, status, shown)
}

/// axum's own answer when a page's address or form cannot be read (`?page=abc`, a form field
/// of the wrong type): a 400, 415 or 422 in plain text, English only.
fn is_rejection(response: &Response) -> bool {
    let plain_text = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/plain"));
    plain_text
        && matches!(
            response.status(),
            StatusCode::BAD_REQUEST
                | StatusCode::UNSUPPORTED_MEDIA_TYPE
                | StatusCode::UNPROCESSABLE_ENTITY
        )
}

/// What a person is told when the address or the form they sent cannot be read.
fn unreadable_request(lang: Lang) -> &'static str {
    lang.pick(
        "网址或表单中有一项内容无法识别（例如页码不是数字），没有保存任何内容。请返回上一页，用页面上的链接或按钮重新操作。",
        "Something in the address or the form could not be read (a page number that is not a number, say); nothing was saved. Go back and use the page's links or buttons.",
    )
}

/// The version a form was read at: its hidden `version` field (see `crate::app::versions`). A form
/// without one (a page from before versions, or a hand-made request) is refused, never taken
/// as current.
pub fn form_version(lang: Lang, field: Option<&str>) -> Result<i64, AppError> {
    field
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v >= 0)
        .ok_or_else(|| {
            AppError::BadRequest(
                lang.pick(
                    "表单缺少版本号\u{ff0c}没有保存任何内容。请刷新页面后重新填写。",
                    "The form has no version; nothing was saved. Reload the page and fill it in again.",
                )
                .into(),
            )
        })
}

/// Renders a template, or the error page if rendering fails.
pub fn render(template: impl Template) -> Result<Response, AppError> {
    Ok(Html(template.render()?).into_response())
}

pub fn stars(level: i64) -> String {
    let level = level.clamp(0, 5) as usize;
    if level == 0 {
        return String::new();
    }
    format!("{}{}", "★".repeat(level), "☆".repeat(5 - level))
}

pub fn star_text(lang: Lang, star: Option<i64>) -> String {
    match star {
        None => lang.t().not_computed.to_string(),
        Some(0) => lang.t().no_star.to_string(),
        Some(n) if lang.is_en() => format!("{n} star"),
        Some(n) => format!("{n}星"),
    }
}

pub fn yuan(fen: Option<i64>) -> String {
    fen.map(|f| xingfu_core::Fen(f).to_string())
        .unwrap_or_default()
}

pub fn points(hundredths: Option<i64>) -> String {
    hundredths
        .map(|h| xingfu_core::Dec2(h).to_string())
        .unwrap_or_default()
}

pub fn stage_label(lang: Lang, stage: xingfu_core::workflow::Stage) -> String {
    lang.pick(stage.zh(), stage.en()).to_string()
}

pub fn decision_label(lang: Lang, decision: Option<&str>) -> String {
    let Some(decision) = decision else {
        return String::new();
    };
    let (zh, en) = match decision {
        "new" => ("新评", "new"),
        "keep" => ("保留", "keep"),
        "upgrade" => ("升星", "upgrade"),
        "downgrade" => ("降星", "downgrade"),
        "revoke" => ("撤销", "revoke"),
        "not_rated" => ("未评星", "not rated"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM` in China Standard Time (UTC+8).
/// A file's size for people: bytes, KB rounded up, or MB to one decimal.
pub fn size_text(size: i64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / (1024.0 * 1024.0))
    } else if size >= 1024 {
        format!("{} KB", (size + 1023) / 1024)
    } else {
        format!("{size} B")
    }
}

pub fn when(ms: i64) -> String {
    xingfu_core::dates::local_text(ms)
}
