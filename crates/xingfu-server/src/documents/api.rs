//! `GET /api/v1/rounds/{round}/documents` and each document as `application/pdf`.

use axum::Json;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use xingfu_core::documents::DocumentKind;

use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, Available};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::web::api_call::{Api, ApiResult};
use crate::web::public_base::public_base;

/// The documents the caller may download for a round (issued or issued on download).
#[utoipa::path(
    get,
    path = "/rounds/{id}/documents",
    operation_id = "round_documents",
    tag = "documents",
    params(("id" = String, Path, description = "The round's id")),
    responses(
        (status = 200, description = "Kind, community or issuing region, serial, download link", body = Vec<Available>),
        (status = 404, description = "No such round in the caller's area"),
    )
)]
pub async fn list(api: Api, Path(round_id): Path<String>) -> ApiResult<Vec<Available>> {
    let mut documents = service::available(&api.state, &api.user, &round_id, api.lang)
        .await
        .map_err(api.app())?;
    for d in &mut documents {
        d.download = format!("/api/v1{}", d.download);
    }
    Ok(Json(documents))
}

/// One document as PDF: the issued one when nothing it says changed, else a new issue.
#[utoipa::path(
    get,
    path = "/rounds/{id}/documents/{kind}/{target}",
    operation_id = "round_document",
    tag = "documents",
    params(
        ("id" = String, Path, description = "The round's id"),
        ("kind" = String, Path, description = "notice, decision, certificate, rectification, bulletin or score-report"),
        ("target" = String, Path, description = "The community's code (certificate, rectification, score-report) or the issuing region's code, with or without .pdf"),
    ),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 404, description = "No such round, kind or target in the caller's area"),
        (status = 409, description = "Not at the stage the document needs (no 命名 decision before naming)"),
    )
)]
pub async fn download(
    api: Api,
    headers: HeaderMap,
    Path((round_id, kind, target)): Path<(String, String, String)>,
) -> Result<Response, crate::web::api_error::ApiError> {
    let kind = DocumentKind::parse(&kind)
        .ok_or(AppError::NotFound)
        .map_err(api.app())?;
    let base = public_base(&api.state, &headers);
    let issued = service::issue(
        &api.state,
        &api.user,
        &round_id,
        (kind, &target),
        &base,
        api.lang,
    )
    .await
    .map_err(api.app())?;
    Ok(crate::web::download::inline(
        "application/pdf",
        &service::pdf_name(&issued.row),
        issued.pdf,
    ))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Schemas::openapi())
        .routes(routes!(list))
        .routes(routes!(download))
}

/// Schemas the responses name in prose rather than by reference.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(Available)))]
struct Schemas;
