//! The approver's decisions beside a single approval: sending a result back for scoring (退回)
//! with its 审批意见, and approving several results at once — the same rules as the pages.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::NoEntry;
use super::entries::{Entry, entry_view, round_standard};
use crate::rounds::decisions;
use crate::web::api_call::{Api, ApiResult};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::web::api_paths::{RoundCommunityPath, RoundPath};

/// 退回: the approval note, and the entry's version as last read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBackRequest {
    /// 审批意见: why, for the community (required, at most 2000 characters).
    #[schema(example = "ZZ2.3 居务公开栏照片缺失，请补充后重新评分")]
    pub note: String,
    /// The entry's `version` as last read: if it changed since, nothing is done (409). Without
    /// it the result is sent back as it stands.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Sends a computed (or approved, not yet published) result back for scoring, by the level
/// that approves it. The note is kept on the entry for the community and in the audit trail.
#[utoipa::path(
    post,
    path = "/rounds/{id}/entries/{code}/send-back",
    operation_id = "send_back",
    tag = "workflow",
    params(RoundCommunityPath),
    request_body = SendBackRequest,
    responses(
        (status = 200, description = "Sent back: stage is now scoring", body = Entry),
        (status = 400, description = "The note is empty or too long", body = ErrorBody),
        (status = 403, description = "Not the approving level, or not at this stage", body = ErrorBody),
        NoEntry,
        (status = 409, description = "Changed since `version`", body = ErrorBody),
    )
)]
pub async fn send_back(
    api: Api,
    ApiPath(entry): ApiPath<RoundCommunityPath>,
    ApiJson(request): ApiJson<SendBackRequest>,
) -> ApiResult<Entry> {
    let at = (entry.id.as_str(), entry.code.as_str());
    let (state, user, lang) = (&api.state, &api.user, api.lang);
    let sent = decisions::send_back(state, user, at, request.version, &request.note, lang)
        .await
        .map_err(api.app())?;
    let standard = round_standard(state, &entry.id, lang).await?;
    Ok(Json(entry_view(sent, &standard, lang)))
}

/// One result picked for approval, with its version as last read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pick {
    #[schema(example = "330302006044")]
    pub code: String,
    /// The entry's `version` as last read; without it, approved as it stands.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The most results one request approves.
const MAX_PICKS: usize = 1000;

/// Several results to approve at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveManyRequest {
    pub entries: Vec<Pick>,
}

/// A picked result that was not approved.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotApproved {
    pub code: String,
    pub name: String,
    /// Why, in the request's language.
    pub reason: String,
    /// `stale` (changed since its version) or `refused` (not this caller's to approve, or no
    /// longer at this stage).
    pub kind: String,
}

/// What a batch approval did: each pick is approved or refused on its own.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovedMany {
    /// The codes approved.
    pub approved: Vec<String>,
    pub refused: Vec<NotApproved>,
}

/// Approves several results at once (批量审批): each by the same rules as one approval; one
/// refused leaves the others approved and is reported with its reason.
#[utoipa::path(
    post,
    path = "/rounds/{id}/approvals",
    operation_id = "approve_many",
    tag = "workflow",
    params(RoundPath),
    request_body = ApproveManyRequest,
    responses(
        (status = 200, description = "Each pick approved or refused", body = ApprovedMany),
        (status = 400, description = "No entry picked, or more than 1000", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
pub async fn approve_many(
    api: Api,
    ApiPath(RoundPath { id: round_id }): ApiPath<RoundPath>,
    ApiJson(request): ApiJson<ApproveManyRequest>,
) -> ApiResult<ApprovedMany> {
    round_standard(&api.state, &round_id, api.lang).await?;
    if request.entries.len() > MAX_PICKS {
        return Err(ApiError::bad_request(api.lang.pick(
            "entries\u{ff1a}一次最多审批 1000 个社区",
            "entries: at most 1000 at once",
        )));
    }
    let picks: Vec<(String, Option<i64>)> = request
        .entries
        .into_iter()
        .map(|p| (p.code, p.version))
        .collect();
    let batch = decisions::approve_many(&api.state, &api.user, &round_id, &picks, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(ApprovedMany {
        approved: batch.approved,
        refused: batch
            .refused
            .into_iter()
            .map(|r| NotApproved {
                code: r.code,
                name: r.name,
                reason: r.reason,
                kind: r.kind.to_string(),
            })
            .collect(),
    }))
}
