//! `GET /api/v1/exports` (the caller's exports) and `POST /api/v1/exports` (ask for one).

use axum::Json;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, ExportLine, ExportWhat};
use crate::app::state::AppState;
use crate::web::api_call::{Api, ApiCreated, ApiResult, created};
use crate::web::api_error::{ApiError, ApiJson, ErrorBody};
use crate::web::public_base::public_base;

/// The caller's exports made in the background, newest first (at most 20).
#[utoipa::path(
    get,
    path = "/exports",
    operation_id = "exports",
    tag = "jobs",
    responses((status = 200, description = "The caller's exports", body = Vec<ExportLine>))
)]
pub async fn list(api: Api) -> ApiResult<Vec<ExportLine>> {
    let lines = service::mine(&api.state, &api.user, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(lines))
}

/// What to export.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExportRequest {
    /// The round's id.
    pub round: String,
    /// `workbook` (the round's results workbook for the caller's area) or `documents` (every
    /// document the caller may download for the round, in one ZIP).
    #[schema(example = "documents")]
    pub what: String,
}

/// Whether the export was queued now or was already waiting.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAsked {
    pub queued: bool,
}

/// Asks for an export; a job makes it and `GET /api/v1/exports` shows where to download it.
#[utoipa::path(
    post,
    path = "/exports",
    operation_id = "ask_export",
    tag = "jobs",
    request_body = ExportRequest,
    responses(
        (status = 201, description = "Queued, or the same export was waiting", body = ExportAsked),
        (status = 400, description = "An unknown kind of export", body = ErrorBody),
        (status = 404, description = "No such round in the caller's area", body = ErrorBody),
        (status = 409, description = "Three of the caller's exports are waiting already", body = ErrorBody),
    )
)]
pub async fn ask(
    api: Api,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ExportRequest>,
) -> ApiCreated<ExportAsked> {
    let what = ExportWhat::parse(&body.what).ok_or_else(|| {
        ApiError::bad_request(api.lang.pick(
            "what：须为 workbook 或 documents",
            "what: must be workbook or documents",
        ))
    })?;
    let base = public_base(&api.state, &headers);
    let queued = service::ask(&api.state, &api.user, &body.round, what, &base, api.lang)
        .await
        .map_err(api.app())?;
    created(ExportAsked { queued })
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(list, ask))
}
