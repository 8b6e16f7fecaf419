//! Objections (异议) to a published result: listing, lodging while the period runs, and deciding
//! by the level that decides the rating — the same rules as the community page.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xingfu_store::objections::ObjectionRow;

use super::{EntryReadRefusals, NoEntry, visible_entry};
use crate::rounds::service;
use crate::web::api_call::{Api, ApiCreated, ApiResult, created, listed};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::web::api_paths::RoundCommunityPath;

/// An objection and, once decided, its decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Objection {
    pub id: String,
    pub community_code: String,
    /// Who lodged it (username).
    pub lodged_by: String,
    /// Unix milliseconds.
    pub lodged_at: i64,
    pub text: String,
    /// `open`, `upheld` (the result went back for scoring) or `dismissed`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

impl From<ObjectionRow> for Objection {
    fn from(o: ObjectionRow) -> Self {
        Objection {
            id: o.id,
            community_code: o.community_code,
            lodged_by: o.lodged_by,
            lodged_at: o.lodged_at,
            text: o.text,
            status: o.status.key().to_string(),
            decided_by: o.decided_by,
            decided_at: o.decided_at,
            decision_note: o.decision_note,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LodgeRequest {
    /// What is wrong with the result and how the objector knows; 1–2000 characters.
    #[schema(example = "道德讲堂全年没有开展过活动")]
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    /// `uphold` (the result goes back for scoring) or `dismiss`.
    #[schema(example = "dismiss")]
    pub outcome: String,
    /// The reason, shown with the objection; 1–2000 characters.
    pub note: String,
}

/// The entry's objections, oldest first.
#[utoipa::path(
    get,
    path = "/rounds/{id}/entries/{code}/objections",
    operation_id = "objections",
    tag = "workflow",
    params(RoundCommunityPath),
    responses(
        (status = 200, description = "Objections, oldest first", body = Vec<Objection>),
        EntryReadRefusals,
    )
)]
pub async fn list(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
) -> ApiResult<Vec<Objection>> {
    visible_entry(&api, &round_id, &code).await?;
    let rows = api
        .read(api.state.store.objections(&round_id, &code))
        .await?;
    listed(rows)
}

/// Lodges an objection to a published result, while its objection period runs. Anyone whose
/// area covers the community, its residents included.
#[utoipa::path(
    post,
    path = "/rounds/{id}/entries/{code}/objections",
    operation_id = "lodge_objection",
    tag = "workflow",
    params(RoundCommunityPath),
    request_body = LodgeRequest,
    responses(
        (status = 201, description = "Lodged", body = Objection),
        (status = 400, description = "The text is empty or too long", body = ErrorBody),
        (status = 403, description = "Outside the caller's area, not published, or the period has ended", body = ErrorBody),
        NoEntry,
    )
)]
pub async fn lodge(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
    ApiJson(body): ApiJson<LodgeRequest>,
) -> ApiCreated<Objection> {
    let row = service::lodge_objection(
        &api.state, &api.user, &round_id, &code, &body.text, api.lang,
    )
    .await
    .map_err(api.app())?;
    created(row.into())
}

/// Decides an open objection: by the level that decides the rating (in Lucheng the district for
/// 1–3★, the city for 4–5★). Upholding sends a published result back for scoring.
#[utoipa::path(
    post,
    path = "/rounds/{id}/entries/{code}/objections/{objection}/decide",
    operation_id = "decide_objection",
    tag = "workflow",
    params(
        ("id" = String, Path, description = "Round id"),
        ("code" = String, Path, description = "Community code"),
        ("objection" = String, Path, description = "Objection id"),
    ),
    request_body = DecideRequest,
    responses(
        (status = 200, description = "Decided", body = Objection),
        (status = 400, description = "Unknown outcome, or the note is empty or too long", body = ErrorBody),
        (status = 403, description = "Not the deciding level", body = ErrorBody),
        (status = 404, description = "No such round, entry or objection", body = ErrorBody),
        (status = 409, description = "Already decided, or the entry changed meanwhile", body = ErrorBody),
    )
)]
pub async fn decide(
    api: Api,
    ApiPath((round_id, code, id)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<DecideRequest>,
) -> ApiResult<Objection> {
    let uphold = match body.outcome.as_str() {
        "uphold" => true,
        "dismiss" => false,
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                api.lang.pick(
                    &format!("outcome:应为 uphold 或 dismiss，收到 {other:?}"),
                    &format!("outcome: expected uphold or dismiss, got {other:?}"),
                ),
            ));
        }
    };
    let which = service::ObjectionRef {
        round_id: &round_id,
        community: &code,
        id: &id,
    };
    let row = service::decide_objection(&api.state, &api.user, which, uphold, &body.note, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(row.into()))
}
