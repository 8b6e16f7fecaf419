//! Evidence files, the Excel exports and rectification tasks (整改) over the API: the same
//! checks and permissions as the pages, which share their code with these handlers.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, IntoResponses, ToSchema};
use xingfu_store::evidence::EvidenceRow;
use xingfu_store::rounds::RectificationRow;

use crate::app::files::MAX_UPLOAD;
use xingfu_core::rectification::TaskStep;

use super::{EntryReadRefusals, NoEntry, TaskPath, visible_entry};
use crate::app::reads::Freshness;
use crate::i18n::Lang;
use crate::rounds::evidence::{Download, Offered, accept_evidence, evidence_file, upload_closed};
use crate::rounds::rectifications::{TaskRefusal, move_task};
use crate::rounds::report::{round_workbook, score_sheet_workbook};
use crate::rounds::service;
use crate::web::api_answers::{NoRound, OutsideArea};
use crate::web::api_call::{Api, ApiCreated, ApiResult, listed};
use crate::web::api_error::app;
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::web::api_paths::{RoundCommunityPath, RoundPath};
use crate::web::download::attachment;

/// One evidence file's record; the bytes are at `GET /api/v1/evidence/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Evidence {
    pub id: String,
    pub clause_id: String,
    /// The name it had on the uploader's device.
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    /// Unix milliseconds.
    pub uploaded_at: i64,
}

impl From<EvidenceRow> for Evidence {
    fn from(row: EvidenceRow) -> Self {
        Evidence {
            id: row.id,
            clause_id: row.clause_id,
            file_name: row.file_name,
            content_type: row.content_type,
            size: row.size,
            uploaded_by: row.uploaded_by,
            uploaded_at: row.uploaded_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The clause the file is evidence for.
    pub clause: String,
    /// The file's name, shown to people and offered on download.
    pub file_name: String,
}

/// The evidence uploaded for an entry, clause by clause.
#[utoipa::path(
    get,
    path = "/rounds/{id}/entries/{code}/evidence",
    operation_id = "evidence",
    tag = "entries",
    params(RoundCommunityPath),
    responses(
        (status = 200, description = "Evidence records", body = Vec<Evidence>),
        EntryReadRefusals,
    )
)]
pub async fn list_evidence(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
) -> ApiResult<Vec<Evidence>> {
    visible_entry(&api, &round_id, &code).await?;
    let rows = api
        .read(api.state.store.evidence_for(&round_id, &code))
        .await?;
    listed(rows)
}

/// Uploads a file as evidence for a clause, sent as the request body itself (JPEG, PNG, WebP or
/// PDF, at most 10 MiB; the type is read from the bytes and images are decoded in full). The
/// community's worker or an administrator of its area, while it is declared or being scored.
#[utoipa::path(
    post,
    path = "/rounds/{id}/entries/{code}/evidence",
    operation_id = "upload_evidence",
    tag = "entries",
    params(RoundCommunityPath, UploadQuery),
    request_body(content = Vec<u8>, description = "The file itself", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Kept", body = Evidence),
        (status = 403, description = "May not add evidence for this community", body = ErrorBody),
        NoEntry,
        (status = 409, description = "The entry is past the stages that take evidence", body = ErrorBody),
        (status = 413, description = "Over 10 MiB", body = ErrorBody),
        (status = 422, description = "Unknown clause, or not a file of an accepted type (named)", body = ErrorBody),
    )
)]
pub async fn upload_evidence(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiCreated<Evidence> {
    let (_, standard, entry) = service::load(&api.state, &round_id, &code)
        .await
        .map_err(api.app())?;
    if let Some(closed) = upload_closed(&api.user, &entry, api.lang) {
        return Err(ApiError::from_app(closed, api.lang));
    }
    let (bytes, too_big) = match axum::body::to_bytes(body, MAX_UPLOAD).await {
        Ok(bytes) => (bytes.to_vec(), false),
        Err(_) => (Vec::new(), true),
    };
    let offered = Offered {
        clause: query.clause.trim().to_string(),
        file_name: Some(query.file_name),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        bytes,
        too_big,
    };
    let which = (round_id.as_str(), code.as_str());
    match accept_evidence(&api.state, &api.user, which, &standard, offered, api.lang)
        .await
        .map_err(api.app())?
    {
        Ok(row) => Ok((StatusCode::CREATED, Json(row.into()))),
        Err(problems) => {
            let (status, code, field) = if problems.too_big {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "file")
            } else if problems.clause.is_some() {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", "clause")
            } else {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_file", "file")
            };
            let message = problems.clause.or(problems.file).unwrap_or_default();
            Err(ApiError::new(status, code, format!("{field}: {message}")))
        }
    }
}

/// A file made by the service, as an attachment.
fn handed(
    download: Result<Download, crate::app::error::AppError>,
    lang: Lang,
) -> Result<Response, ApiError> {
    let download = download.map_err(app(lang))?;
    Ok(attachment(
        &download.content_type,
        &download.file_name,
        download.bytes,
    ))
}

/// One evidence file, as uploaded, for anyone whose area covers its community.
#[utoipa::path(
    get,
    path = "/evidence/{id}",
    operation_id = "evidence_file",
    tag = "entries",
    params(("id" = String, Path, description = "Evidence id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        OutsideArea,
        (status = 404, description = "No such evidence", body = ErrorBody),
    )
)]
pub async fn download_evidence(
    api: Api,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    handed(
        evidence_file(&api.state, &api.user, &id, api.lang).await,
        api.lang,
    )
}

/// A workbook of the round in the caller's area, or why not.
#[derive(IntoResponses)]
pub enum WorkbookAnswers {
    #[response(
        status = 200,
        description = "The workbook",
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Workbook(Vec<u8>),
    #[response(status = 403, description = "The round is outside the caller's area")]
    Outside(ErrorBody),
    #[response(status = 404, description = "No such round")]
    NoRound(ErrorBody),
}

/// The round's results in the caller's area as an Excel workbook (communities, streets,
/// districts, the whole, and those not rated).
#[utoipa::path(
    get,
    path = "/rounds/{id}/export.xlsx",
    operation_id = "export_round",
    tag = "rounds",
    params(RoundPath),
    responses(WorkbookAnswers)
)]
pub async fn export_round(
    api: Api,
    freshness: Freshness,
    ApiPath(RoundPath { id: round_id }): ApiPath<RoundPath>,
) -> Result<Response, ApiError> {
    handed(
        round_workbook(&api.state, &api.user, &round_id, freshness, api.lang).await,
        api.lang,
    )
}

/// The round's score sheet in the caller's area: a row per community, a column per clause.
#[utoipa::path(
    get,
    path = "/rounds/{id}/score-sheet.xlsx",
    operation_id = "score_sheet",
    tag = "rounds",
    params(RoundPath),
    responses(WorkbookAnswers)
)]
pub async fn score_sheet(
    api: Api,
    ApiPath(RoundPath { id: round_id }): ApiPath<RoundPath>,
) -> Result<Response, ApiError> {
    handed(
        score_sheet_workbook(&api.state, &api.user, &round_id, api.lang).await,
        api.lang,
    )
}

/// A rectification task (整改): an unmet clause with an owner, a deadline and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rectification {
    pub id: String,
    pub community_code: String,
    pub clause_id: String,
    pub owner: String,
    /// Unix milliseconds.
    pub deadline: i64,
    /// `open`, `submitted`, `verified` or `reopened`.
    pub status: String,
    pub report: Option<String>,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
}

impl From<RectificationRow> for Rectification {
    fn from(row: RectificationRow) -> Self {
        Rectification {
            id: row.id,
            community_code: row.community_code,
            clause_id: row.clause_id,
            owner: row.owner,
            deadline: row.deadline,
            status: row.status.key().to_string(),
            report: row.report,
            verified_by: row.verified_by,
            verified_at: row.verified_at,
        }
    }
}

/// The round's rectification tasks in the caller's area.
#[utoipa::path(
    get,
    path = "/rounds/{id}/rectifications",
    operation_id = "rectifications",
    tag = "workflow",
    params(RoundPath),
    responses(
        (status = 200, description = "Tasks by community and clause", body = Vec<Rectification>),
        NoRound,
    )
)]
pub async fn rectifications(
    api: Api,
    ApiPath(RoundPath { id: round_id }): ApiPath<RoundPath>,
) -> ApiResult<Vec<Rectification>> {
    api.read(api.state.store.round(&round_id))
        .await?
        .ok_or_else(|| ApiError::not_found(api.lang))?;
    let rows = api
        .read(api.state.store.rectifications(&round_id, None))
        .await?;
    Ok(Json(
        rows.into_iter()
            .filter(|t| api.user.actor().covers(&t.community_code))
            .map(Rectification::from)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    /// What was done and where the evidence is (submitting only; 1–2000 characters).
    #[serde(default)]
    pub report: String,
}

async fn step(
    api: &Api,
    task: &TaskPath,
    step: TaskStep,
    report: &str,
) -> ApiResult<Rectification> {
    // The API's task steps name no version: the status guard keeps two callers from both
    // moving a task, as before.
    let moved = move_task(
        &api.state,
        &api.user,
        (&task.id, &task.task),
        step,
        report,
        None,
        api.lang,
    )
    .await;
    match moved {
        Ok(row) => Ok(Json(row.into())),
        Err(TaskRefusal::Report(message)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            message,
        )),
        Err(TaskRefusal::Refused(e)) => Err(ApiError::from_app(e, api.lang)),
    }
}

/// Submits the community's report on an open or reopened task (community worker).
#[utoipa::path(
    post,
    path = "/rounds/{id}/rectifications/{task}/submit",
    operation_id = "submit_rectification",
    tag = "workflow",
    params(TaskPath),
    request_body = TaskRequest,
    responses(
        (status = 200, description = "Submitted", body = Rectification),
        (status = 400, description = "The report is empty or too long", body = ErrorBody),
        (status = 403, description = "Not the community's worker", body = ErrorBody),
        (status = 404, description = "No such task", body = ErrorBody),
        (status = 409, description = "Not at this step, or moved by someone else meanwhile", body = ErrorBody),
    )
)]
pub async fn submit(
    api: Api,
    ApiPath(task): ApiPath<TaskPath>,
    ApiJson(body): ApiJson<TaskRequest>,
) -> ApiResult<Rectification> {
    step(&api, &task, TaskStep::Submit, &body.report).await
}

/// How verifying or reopening a submitted task is refused.
#[derive(IntoResponses)]
pub enum ReviewRefusals {
    #[response(
        status = 403,
        description = "Not a street or district administrator of this area"
    )]
    NotReviewer(ErrorBody),
    #[response(status = 404, description = "No such task")]
    NoTask(ErrorBody),
    #[response(
        status = 409,
        description = "Not submitted, or moved by someone else meanwhile"
    )]
    NotSubmitted(ErrorBody),
}

/// Verifies a submitted task (street or district administrator).
#[utoipa::path(
    post,
    path = "/rounds/{id}/rectifications/{task}/verify",
    operation_id = "verify_rectification",
    tag = "workflow",
    params(TaskPath),
    responses(
        (status = 200, description = "Verified", body = Rectification),
        ReviewRefusals,
    )
)]
pub async fn verify(api: Api, ApiPath(task): ApiPath<TaskPath>) -> ApiResult<Rectification> {
    step(&api, &task, TaskStep::Verify, "").await
}

/// Sends a submitted task back to the community (street or district administrator).
#[utoipa::path(
    post,
    path = "/rounds/{id}/rectifications/{task}/reopen",
    operation_id = "reopen_rectification",
    tag = "workflow",
    params(TaskPath),
    responses(
        (status = 200, description = "Sent back", body = Rectification),
        ReviewRefusals,
    )
)]
pub async fn reopen(api: Api, ApiPath(task): ApiPath<TaskPath>) -> ApiResult<Rectification> {
    step(&api, &task, TaskStep::Reopen, "").await
}
