//! Who is calling: a bearer token or the pages' session cookie (with `X-CSRF-Token` on changes),
//! and the session endpoints that open and close one.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xingfu_core::workflow::Role;

use super::error::{ApiError, ApiJson, ErrorBody, csrf_refused, lang_of};
use crate::auth::{CurrentUser, SESSION_COOKIE, SignIn, sign_in};
use crate::i18n::Lang;
use crate::state::{AppState, now_ms};

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
    token: String,
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

async fn lookup(
    state: &AppState,
    token: &str,
    lang: Lang,
) -> Result<Option<(CurrentUser, i64)>, ApiError> {
    let internal = |e: xingfu_store::StoreError| ApiError::from_app(e.into(), lang);
    let Some((session, user)) = state
        .store
        .session(token, now_ms())
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&user.role) else {
        return Ok(None);
    };
    let Some(region) = state
        .store
        .region(&user.region_code)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    Ok(Some((
        CurrentUser {
            user,
            role,
            region_level: region.level,
            region_name: region.name,
            csrf: session.csrf_token,
        },
        session.expires_at,
    )))
}

fn session_expired(lang: Lang) -> ApiError {
    ApiError::unauthorized(
        lang,
        "登录已失效或令牌无效,请重新登录。",
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
                            "请先登录:POST /api/v1/session 取得令牌,再以 Authorization: Bearer <令牌> 调用。",
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    #[schema(example = "wuma")]
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`. Keep it secret: it is the session.
    pub token: String,
    /// The session's CSRF token (needed only with the cookie, as `X-CSRF-Token`).
    pub csrf: String,
    /// When the session ends, in Unix milliseconds.
    pub expires_at: i64,
}

/// The caller, as `GET /api/v1/session` shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    /// `city_admin`, `district_admin`, `street_admin`, `community_worker`, `assessor` or `resident`.
    pub role: String,
    /// The 12-digit code of the region the role covers.
    pub region_code: String,
    pub region_name: String,
    /// `city`, `district`, `street` or `community`.
    pub region_level: String,
    /// The session's CSRF token, for cookie-authenticated changes.
    pub csrf: String,
    pub expires_at: i64,
}

/// Signs in with a user name and password; the same throttling as the sign-in page applies
/// (five failures within 15 minutes lock the name for the rest of that time).
#[utoipa::path(
    post,
    path = "/api/v1/session",
    operation_id = "sign_in",
    tag = "session",
    security(()),
    request_body = SignInRequest,
    responses(
        (status = 201, description = "Signed in", body = SessionCreated),
        (status = 400, description = "The body is not a sign-in request", body = ErrorBody),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 429, description = "Too many failures: try again later", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Response, ApiError> {
    let lang = lang_of(&headers);
    let t = lang.t();
    match sign_in(&state, request.username.trim(), &request.password).await {
        Ok(SignIn::Ok { token }) => {
            let Some((current, expires_at)) = lookup(&state, &token, lang).await? else {
                return Err(session_expired(lang));
            };
            let created = SessionCreated {
                token,
                csrf: current.csrf,
                expires_at,
            };
            Ok((StatusCode::CREATED, Json(created)).into_response())
        }
        Ok(SignIn::Wrong) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            t.login_failed,
        )),
        Ok(SignIn::Throttled) => Err(ApiError::too_many_requests(lang)),
        Err(e) => Err(ApiError::from_app(e, lang)),
    }
}

/// Who is signed in, with the session's CSRF token.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    operation_id = "session",
    tag = "session",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn show(user: ApiUser) -> Json<Me> {
    let c = user.current;
    Json(Me {
        username: c.user.username,
        display_name: c.user.display_name,
        role: c.role.key().to_string(),
        region_code: c.user.region_code,
        region_name: c.region_name,
        region_level: c.region_level,
        csrf: c.csrf,
        expires_at: user.expires_at,
    })
}

/// Signs out: the session ends everywhere (pages included).
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    operation_id = "sign_out",
    tag = "session",
    security(("bearer" = []), ("session_cookie" = [], "csrf" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cookie without X-CSRF-Token", body = ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    jar: CookieJar,
    user: ApiUser,
) -> Result<Response, ApiError> {
    state
        .store
        .delete_session(&user.token)
        .await
        .map_err(|e| ApiError::from_app(e.into(), user.lang))?;
    if user.via == Via::Cookie {
        let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
        return Ok((StatusCode::NO_CONTENT, jar).into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
