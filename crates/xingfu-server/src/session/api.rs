//! Who is calling: a bearer token or the pages' session cookie (with `X-CSRF-Token` on changes),
//! and the session endpoints that open and close one.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::auth::{SESSION_COOKIE, SignIn, sign_in};
use crate::app::state::AppState;
use crate::web::api_error::{ApiError, ApiJson, ErrorBody, lang_of};
use crate::web::api_user::{ApiUser, Via, lookup, session_expired};

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
    path = "/session",
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
    path = "/session",
    operation_id = "session",
    tag = "session",
    responses(
        (status = 200, description = "The caller", body = Me),
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
    path = "/session",
    operation_id = "sign_out",
    tag = "session",
    responses(
        (status = 204, description = "Signed out"),
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

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(create, show, delete))
}
