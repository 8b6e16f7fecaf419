//! Sign in and out, language and text size.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use crate::app::auth::{SESSION_COOKIE, SignIn, random_token, session_cookie, sign_in};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::web::forms::CsrfForm;
use crate::web::page::{Page, PageResult, error_page, render};
use crate::web::preferences::{BIG, LANG, big_value, lang_value, preference};

const LOGIN_CSRF: &str = "xingfu_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    error: Option<&'static str>,
    login_csrf: String,
    next: String,
    username: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only same-site paths are followed after signing in or changing a preference; without one,
/// the person lands on their workbench (工作台).
fn safe_next(next: &str) -> String {
    crate::app::auth::same_site_path(next)
        .unwrap_or("/workbench")
        .to_string()
}

fn login_form(jar: CookieJar, next: &str, username: &str, error: Option<&'static str>) -> Response {
    let token = random_token();
    let jar = jar.add(
        Cookie::build((LOGIN_CSRF, token.clone()))
            .http_only(true)
            .same_site(SameSite::Strict)
            .path("/login")
            .build(),
    );
    let lang = Lang::from_jar(&jar);
    let page = LoginPage {
        page: Page::new(&jar, None, "/login", lang.t().login),
        error,
        login_csrf: token,
        next: safe_next(next),
        username: username.to_string(),
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    match render(page) {
        Ok(html) => (status, jar, html).into_response(),
        Err(e) => error_page(&jar, None, e),
    }
}

pub async fn login_page(jar: CookieJar, Query(q): Query<NextQuery>) -> Response {
    login_form(jar, &q.next, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = Lang::from_jar(&jar).t();
    let expected = jar.get(LOGIN_CSRF).map(|c| c.value().to_string());
    if expected.as_deref() != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return login_form(jar, &form.next, &form.username, Some(t.form_expired));
    }
    let username = form.username.trim();
    match sign_in(&state, username, &form.password).await {
        Ok(SignIn::Ok { token }) => {
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF).path("/login"))
                .add(session_cookie(token, state.secure_cookies));
            (jar, Redirect::to(&safe_next(&form.next))).into_response()
        }
        Ok(SignIn::Wrong) => login_form(jar, &form.next, username, Some(t.login_failed)),
        Ok(SignIn::Throttled) => login_form(jar, &form.next, username, Some(t.login_throttled)),
        Err(e) => error_page(&jar, None, e),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

crate::csrf_forms!(LogoutForm);

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    _: CsrfForm<LogoutForm>,
) -> PageResult {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        state.store.delete_session(&token).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize, Default)]
pub struct BackQuery {
    #[serde(default)]
    back: String,
}

/// Keeps a preference and goes back to the page it was changed on.
fn remember(jar: CookieJar, name: &'static str, value: &str, back: &str) -> Response {
    (
        jar.add(preference(name, value)),
        Redirect::to(&safe_next(back)),
    )
        .into_response()
}

/// Where to go back to after a switch.
type Back = Query<BackQuery>;

pub async fn set_lang(jar: CookieJar, Path(code): Path<String>, Query(q): Back) -> Response {
    remember(jar, LANG, lang_value(&code), &q.back)
}

pub async fn set_text_size(jar: CookieJar, Path(size): Path<String>, Query(q): Back) -> Response {
    remember(jar, BIG, big_value(&size), &q.back)
}
