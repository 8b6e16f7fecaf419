//! The JSON API under `/api/v1`: everything the pages do, for programs.
//!
//! - Authentication: `POST /api/v1/session` with a user name and password gives a token for
//!   `Authorization: Bearer <token>` (the same database sessions as the pages, with the same
//!   sign-in throttling). The pages' session cookie also works; a request made with the cookie
//!   that changes data must then send the session's CSRF token as `X-CSRF-Token`.
//! - Permissions are the pages' own: every change goes through [`crate::service`], which checks
//!   the actor and the stage with the core's workflow rules.
//! - Errors: `{"error": {"code", "message"}}` (see [`error`]); messages in Chinese, or English
//!   with `Accept-Language: en`.
//! - The OpenAPI 3 document of all of it is served at `GET /api/v1/openapi.json`.

pub mod circle;
pub mod entries;
pub mod error;
pub mod objections;
pub mod open311;
pub mod people;
pub mod reference;
pub mod rounds;
pub mod session;
pub mod standards_import;
pub mod surveys;
pub mod work;

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::state::AppState;
use error::{ApiError, lang_of};

/// Where the API is mounted.
pub const BASE: &str = "/api/v1";

/// The API's routes, mounted under [`BASE`]. Unknown paths under it answer with a JSON 404, and
/// a known path with the wrong method with a JSON 405.
pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/openapi.json", get(openapi_json))
        .route(
            "/session",
            post(session::create)
                .get(session::show)
                .delete(session::delete),
        )
        .route("/regions/{code}", get(reference::region))
        .route("/regions/{code}/children", get(reference::children))
        .route("/standards", get(reference::standards))
        .route("/standards/{id}/{version}", get(reference::standard))
        .route(
            "/standards/{id}/{version}/clauses.xlsx",
            get(standards_import::clause_table),
        )
        .route("/rounds", get(rounds::list).post(rounds::create))
        .route("/rounds/{id}", get(rounds::show))
        .route("/rounds/{id}/budget", get(rounds::budget))
        .route(
            "/rounds/{id}/entries",
            get(entries::list).post(entries::declare),
        )
        .route("/rounds/{id}/entries/{code}", get(entries::show))
        .route(
            "/rounds/{id}/entries/{code}/answers",
            get(entries::answers).put(entries::save_answers),
        )
        .route("/rounds/{id}/entries/{code}/check", post(entries::check))
        .route(
            "/rounds/{id}/entries/{code}/compute",
            post(entries::compute),
        )
        .route(
            "/rounds/{id}/entries/{code}/approve",
            post(entries::approve),
        )
        .route(
            "/rounds/{id}/entries/{code}/publish",
            post(entries::publish),
        )
        .route("/rounds/{id}/entries/{code}/name", post(entries::name))
        .route("/rounds/{id}/entries/{code}/audit", get(entries::audit))
        .route("/evidence/{id}", get(work::download_evidence))
        .route("/rounds/{id}/export.xlsx", get(work::export_round))
        .route("/rounds/{id}/score-sheet.xlsx", get(work::score_sheet))
        .route("/rounds/{id}/rectifications", get(work::rectifications))
        .route(
            "/rounds/{id}/rectifications/{task}/submit",
            post(work::submit),
        )
        .route(
            "/rounds/{id}/rectifications/{task}/verify",
            post(work::verify),
        )
        .route(
            "/rounds/{id}/rectifications/{task}/reopen",
            post(work::reopen),
        )
        .route(
            "/rounds/{id}/entries/{code}/objections",
            get(objections::list).post(objections::lodge),
        )
        .route(
            "/rounds/{id}/entries/{code}/objections/{objection}/decide",
            post(objections::decide),
        )
        .route("/attention", get(people::attention_counts))
        .route("/attention/{category}", get(people::attention_list))
        .route("/households", post(people::create_household))
        .route("/households/{id}", get(people::household))
        .route("/households/{id}/visits", post(people::record_visit))
        .route("/access-log", get(people::access_log))
        .route(
            "/communities/{code}/activities",
            get(people::activities).post(people::create_activity),
        )
        .route("/activities/{id}/sign-ins", post(people::sign_in))
        .route("/activities/{id}/sign-outs", post(people::sign_out))
        .route("/communities/{code}/mall", get(people::mall))
        .route("/mall/redemptions", post(people::redeem))
        .route("/volunteers/{id}/ledger", get(people::ledger))
        .route("/communities/{code}/people-metrics", get(people::metrics))
        .route(
            "/rounds/{id}/survey",
            get(surveys::settings).put(surveys::set_settings),
        )
        .route(
            "/rounds/{id}/survey/communities/{code}/link",
            post(surveys::link),
        )
        .route(
            "/rounds/{id}/survey/communities/{code}/answers",
            post(surveys::enter),
        )
        .route("/rounds/{id}/survey/results/{code}", get(surveys::results))
        .route("/rounds/{id}/survey/fraud/{code}", get(surveys::fraud))
        .route(
            "/rounds/{id}/survey/review/{code}",
            get(surveys::review).post(surveys::decide),
        )
        .route(
            "/circle/areas/{code}/facilities",
            get(circle::facilities).post(circle::add_facility),
        )
        .route(
            "/circle/areas/{code}/facilities/import",
            post(circle::import),
        )
        .route("/circle/areas/{code}/coverage", get(circle::coverage))
        .route("/circle/districts/{code}/coverage", post(circle::compute))
        .route("/circle/districts/{code}/siting", get(circle::siting))
        .route("/communities/{code}/circle-metrics", get(circle::metrics))
        .route(
            "/circle/centres/{id}/ratings",
            get(circle::ratings).post(circle::rate),
        )
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest(BASE, api)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            crate::MAX_BODY,
        ))
        .layer(axum::middleware::from_fn(too_large_as_api_error))
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

/// API routes with their own body limit, merged outside the site-wide limit for forms: the
/// clause table import reads up to [`crate::standard_import::MAX_TABLE`] itself.
pub fn upload_routes() -> Router<AppState> {
    let api = Router::new()
        .route(
            "/standards/{id}/{version}/versions",
            post(standards_import::import_version),
        )
        .route(
            "/rounds/{id}/entries/{code}/evidence",
            // Listing and uploading share the path; both live here, with the upload's limit.
            get(work::list_evidence).post(work::upload_evidence).layer(
                axum::extract::DefaultBodyLimit::max(crate::files::MAX_UPLOAD + 1),
            ),
        )
        .method_not_allowed_fallback(method_not_allowed);
    Router::new().nest(BASE, api)
}

async fn no_such_endpoint(headers: HeaderMap) -> ApiError {
    let lang = lang_of(&headers);
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        lang.pick(
            "没有这个接口,接口列表见 /api/v1/openapi.json。",
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
            "该接口不支持这个请求方法,见 /api/v1/openapi.json。",
            "This endpoint does not take that method: see /api/v1/openapi.json.",
        ),
    )
}

/// The OpenAPI document, built once.
pub fn openapi_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_string())
    })
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
pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_text()).into_response()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
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
                crate::auth::SESSION_COOKIE,
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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Xingfu API",
        description = "Happy Community (幸福社区) ratings: regions, standards, rounds and the \
                       workflow of each community's entry (declare → check → score → compute → \
                       approve → publish → name), with the same permissions as the pages. \
                       Errors are `{\"error\": {\"code\", \"message\"}}`; messages are in \
                       Chinese, or English with `Accept-Language: en`.",
    ),
    paths(
        openapi_json,
        session::create,
        session::show,
        session::delete,
        reference::region,
        reference::children,
        reference::standards,
        reference::standard,
        standards_import::clause_table,
        standards_import::import_version,
        rounds::list,
        rounds::create,
        rounds::show,
        rounds::budget,
        entries::list,
        entries::declare,
        entries::show,
        entries::answers,
        entries::save_answers,
        entries::check,
        entries::compute,
        entries::approve,
        entries::publish,
        entries::name,
        entries::audit,
        work::list_evidence,
        work::upload_evidence,
        work::download_evidence,
        work::export_round,
        work::score_sheet,
        work::rectifications,
        work::submit,
        work::verify,
        work::reopen,
        objections::list,
        objections::lodge,
        objections::decide,
        people::attention_counts,
        people::attention_list,
        people::create_household,
        people::household,
        people::record_visit,
        people::access_log,
        people::activities,
        people::create_activity,
        people::sign_in,
        people::sign_out,
        people::mall,
        people::redeem,
        people::ledger,
        people::metrics,
        surveys::settings,
        surveys::set_settings,
        surveys::link,
        surveys::enter,
        surveys::results,
        surveys::fraud,
        surveys::review,
        surveys::decide,
        circle::facilities,
        circle::add_facility,
        circle::import,
        circle::coverage,
        circle::compute,
        circle::siting,
        circle::metrics,
        circle::ratings,
        circle::rate,
    ),
    components(schemas(
        error::ErrorBody,
        error::ErrorDetail,
        standards_import::ImportErrorBody,
        standards_import::ImportErrorDetail,
        standards_import::TableProblem,
        standards_import::ImportedVersion,
    )),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("session_cookie" = [])),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "reference", description = "Regions and standards"),
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
