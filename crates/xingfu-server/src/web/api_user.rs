//! Who is calling the API: a bearer token or the pages' session cookie (with `X-CSRF-Token` on
//! changes), as an extractor every feature's API takes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum_extra::extract::CookieJar;

use super::api_error::{ApiError, csrf_refused, lang_of};
use crate::app::auth::{CurrentUser, SESSION_COOKIE, session_user};
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The header a cookie-authenticated request that changes data must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Bearer,
    Cookie,
}

/// The signed-in caller of an API request, and the language of its messages.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub current: CurrentUser,
    pub lang: Lang,
    pub via: Via,
    pub expires_at: i64,
    pub(crate) token: String,
}

impl ApiUser {
    pub fn en(&self) -> bool {
        self.lang.is_en()
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().map_err(|_| ());
    Some(text.and_then(|text| {
        let (scheme, token) = text.trim().split_once(' ').ok_or(())?;
        let token = token.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
            Ok(token.to_string())
        } else {
            Err(())
        }
    }))
}

pub(crate) async fn lookup(
    state: &AppState,
    token: &str,
    lang: Lang,
) -> Result<Option<(CurrentUser, i64)>, ApiError> {
    session_user(state, token)
        .await
        .map_err(|e| ApiError::from_app(e.into(), lang))
}

pub(crate) fn session_expired(lang: Lang) -> ApiError {
    ApiError::unauthorized(
        lang,
        "登录已失效或令牌无效，请重新登录。",
        "The session has ended or the token is not valid: sign in again.",
    )
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let (token, via) = match bearer_token(&parts.headers) {
            Some(Ok(token)) => (token, Via::Bearer),
            Some(Err(())) => {
                return Err(ApiError::unauthorized(
                    lang,
                    "Authorization 请求头须为 “Bearer <令牌>”。",
                    "The Authorization header must be \"Bearer <token>\".",
                ));
            }
            None => {
                let jar = CookieJar::from_headers(&parts.headers);
                match jar.get(SESSION_COOKIE) {
                    Some(cookie) => (cookie.value().to_string(), Via::Cookie),
                    None => {
                        return Err(ApiError::unauthorized(
                            lang,
                            "请先登录：POST /api/v1/session 取得令牌，再以 Authorization: Bearer <令牌> 调用。",
                            "Sign in first: POST /api/v1/session for a token, then send \
                             Authorization: Bearer <token>.",
                        ));
                    }
                }
            }
        };
        let Some((current, expires_at)) = lookup(state, &token, lang).await? else {
            return Err(session_expired(lang));
        };
        // A browser sends the cookie by itself, so a change made with it must also prove that
        // the page making it knows the session's token. A bearer token is never sent by itself.
        if via == Via::Cookie && !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if current.check_csrf(sent).is_err() {
                return Err(csrf_refused(lang));
            }
        }
        Ok(ApiUser {
            current,
            lang,
            via,
            expires_at,
            token,
        })
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}
