//! The JSON API under `/api/v1`: everything the pages do, for programs.
//!
//! - Authentication: `POST /api/v1/session` with a user name and password gives a token for
//!   `Authorization: Bearer <token>` (the same database sessions as the pages, with the same
//!   sign-in throttling). The pages' session cookie also works; a request made with the cookie
//!   that changes data must then send the session's CSRF token as `X-CSRF-Token`.
//! - Permissions are the pages' own: every change goes through each feature's service, which checks
//!   the actor and the stage with the core's workflow rules.
//! - Errors: `{"error": {"code", "message"}}` (see [`super::api_error`]); messages in Chinese, or English
//!   with `Accept-Language: en`.
//! - The OpenAPI 3 document of all of it is served at `GET /api/v1/openapi.json`.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi as _};
use utoipa_axum::router::OpenApiRouter;

use super::api_error::{ApiError, lang_of};
use crate::app::state::AppState;

/// Where the API is mounted.
pub const BASE: &str = "/api/v1";

/// The features' API as axum routes (those sharing the site-wide limit, and uploads) and the
/// whole OpenAPI document: the API's own part, every feature's paths under [`BASE`], and the
/// answers every signed-in operation shares.
pub fn parts(
    routes: OpenApiRouter<AppState>,
    uploads: OpenApiRouter<AppState>,
) -> (Router<AppState>, Router<AppState>, OpenApi) {
    let (routes, mut features) = routes.split_for_parts();
    let (uploads, upload_paths) = uploads.split_for_parts();
    features.merge(upload_paths);
    let doc = with_sign_in_answers(base_doc().nest(BASE, features));
    (routes, uploads, doc)
}

/// Mounts the features' API routes under [`BASE`]: the OpenAPI document beside them, and
/// unknown paths under it answering with a JSON 404, a known path with the wrong method with a
/// JSON 405. `routes` share the site-wide body limit (answered in the API's shape); `uploads`
/// carry their own.
pub fn mount(
    routes: OpenApiRouter<AppState>,
    uploads: OpenApiRouter<AppState>,
) -> Router<AppState> {
    let (routes, uploads, doc) = parts(routes, uploads);
    let text: Arc<str> = doc
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_string())
        .into();
    let api = routes
        .route("/openapi.json", get(move || openapi_json(text.clone())))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed);
    let limited = Router::new()
        .nest(BASE, api)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            crate::MAX_BODY,
        ))
        .layer(axum::middleware::from_fn(too_large_as_api_error));
    let uploads = Router::new().nest(
        BASE,
        uploads.method_not_allowed_fallback(method_not_allowed),
    );
    limited.merge(uploads)
}

/// The body limit's own 413 is plain text: give it the API's error shape and language.
async fn too_large_as_api_error(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let lang = lang_of(request.headers());
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        ApiError::payload_too_large(lang, crate::MAX_BODY).into_response()
    } else {
        response
    }
}

async fn no_such_endpoint(headers: HeaderMap) -> ApiError {
    let lang = lang_of(&headers);
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        lang.pick(
            "没有这个接口，接口列表见 /api/v1/openapi.json。",
            "No such endpoint: see /api/v1/openapi.json for the list.",
        ),
    )
}

async fn method_not_allowed(headers: HeaderMap) -> ApiError {
    let lang = lang_of(&headers);
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "bad_request",
        lang.pick(
            "该接口不支持这个请求方法，见 /api/v1/openapi.json。",
            "This endpoint does not take that method: see /api/v1/openapi.json.",
        ),
    )
}

/// This document: the OpenAPI 3 description of every endpoint, body and response.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "session",
    security(()),
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn openapi_json(text: Arc<str>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        text.to_string(),
    )
        .into_response()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token from POST /api/v1/session, as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::app::auth::SESSION_COOKIE,
                "The pages' session cookie. Requests that change data (POST, PUT, DELETE) \
                 must also send the session's CSRF token as the X-CSRF-Token header.",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token (`csrf` from POST or GET /api/v1/session); needed \
                 with the session cookie on POST, PUT and DELETE, never with a bearer token.",
            ))),
        );
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Xingfu API",
        description = "Happy Community (幸福社区) ratings: regions, standards, rounds and the \
                       workflow of each community's entry (declare → check → score → compute → \
                       approve → publish → name), with the same permissions as the pages. \
                       Errors are `{\"error\": {\"code\", \"message\"}}`; messages are in \
                       Chinese, or English with `Accept-Language: en`.",
    ),
    paths(openapi_json),
    components(schemas(
        super::api_error::ErrorBody,
        super::api_error::ErrorDetail,
    )),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("session_cookie" = [])),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "reference", description = "Regions and standards"),
        (name = "todo", description = "The caller's to-do list (待办) across every feature"),
        (name = "rounds", description = "Rounds (评选年度)"),
        (name = "entries", description = "Communities' entries in a round"),
        (name = "workflow", description = "Moving an entry through the round"),
        (name = "surveys", description = "Resident satisfaction surveys (满意度调查)"),
        (name = "visits", description = "Home visits (入户走访) and special-attention lists; every read of a list or a household's record is access-logged"),
        (name = "volunteers", description = "Volunteers, activities, points and the love mall (爱心商城)"),
        (name = "circle", description = "Service facilities, the 15-minute service circle (15分钟服务圈) and neighbourhood-centre ratings"),
    )
)]
pub struct ApiDoc;

/// Every operation that needs a signed-in caller answers 401 in the same way, and every one that
/// changes data takes a bearer token or the session cookie with its CSRF token: written once here
/// rather than on each path. Operations marked `security(())` are public and left alone; reads
/// without their own `security` fall under the document's (bearer or session cookie).
fn with_sign_in_answers(mut doc: OpenApi) -> OpenApi {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let not_signed_in = ResponseBuilder::new()
        .description("Not signed in")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    let signed_in_change = vec![
        SecurityRequirement::new::<_, _, &str>("bearer", []),
        SecurityRequirement::new::<_, _, &str>("session_cookie", []).add::<_, _, &str>("csrf", []),
    ];
    for item in doc.paths.paths.values_mut() {
        let changes = [
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in changes.into_iter().flatten() {
            operation
                .security
                .get_or_insert_with(|| signed_in_change.clone());
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let public = operation
                .security
                .as_ref()
                .is_some_and(|all| all.iter().all(|s| *s == SecurityRequirement::default()));
            if !public {
                operation
                    .responses
                    .responses
                    .entry("401".to_string())
                    .or_insert_with(|| not_signed_in.clone().into());
            }
        }
    }
    doc
}

/// The API's own part of the OpenAPI document (its description, security schemes and tags);
/// each feature adds its paths.
fn base_doc() -> OpenApi {
    ApiDoc::openapi()
}
