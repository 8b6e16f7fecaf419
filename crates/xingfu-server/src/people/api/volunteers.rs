//! Volunteer activities, signing in and out, the love mall and a volunteer's points ledger for
//! programs.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xingfu_core::dates::Moment;
use xingfu_store::volunteers::{ActivityRow, ItemRow, LedgerRow};

use super::errors::{FieldWrong, NoActivity, NotCommunityWorker, covers, refused};
use crate::people::service::{self as people, ActivityInput};
use crate::web::api_answers::OutsideArea;
use crate::web::api_call::{Api, ApiCreated, ApiResult, created, listed};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::web::api_paths::CommunityPath;

#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    pub id: String,
    pub community_code: String,
    pub title: String,
    /// A key of the points rules: general, care, emergency, environment, culture, safety.
    pub activity_type: String,
    pub station_id: Option<String>,
    pub team_id: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub people_served: i64,
    pub cancelled: bool,
}

impl From<ActivityRow> for Activity {
    fn from(a: ActivityRow) -> Self {
        Activity {
            id: a.id,
            community_code: a.community_code,
            title: a.title,
            activity_type: a.activity_type,
            station_id: a.station_id,
            team_id: a.team_id,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            people_served: a.people_served,
            cancelled: a.cancelled,
        }
    }
}

/// A community's volunteer activities, latest first (anyone whose area covers it).
#[utoipa::path(
    get,
    path = "/communities/{code}/activities",
    operation_id = "activities",
    tag = "volunteers",
    params(CommunityPath),
    responses(
        (status = 200, description = "Activities", body = Vec<Activity>),
        OutsideArea,
    )
)]
pub async fn activities(
    api: Api,
    ApiPath(CommunityPath { code }): ApiPath<CommunityPath>,
) -> ApiResult<Vec<Activity>> {
    covers(&api, &code)?;
    let rows = api.read(api.state.store.activities_in(&code)).await?;
    listed(rows)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivityRequest {
    #[schema(example = "关爱空巢老人")]
    pub title: String,
    #[schema(example = "care")]
    pub activity_type: String,
    pub station_id: Option<String>,
    pub team_id: Option<String>,
    /// Unix milliseconds (2000–2100).
    #[schema(value_type = i64)]
    pub starts_at: Moment,
    /// Unix milliseconds (2000–2100), after `starts_at`.
    #[schema(value_type = i64)]
    pub ends_at: Moment,
}

/// Publishes an activity (the community's own workers).
#[utoipa::path(
    post,
    path = "/communities/{code}/activities",
    operation_id = "create_activity",
    tag = "volunteers",
    params(CommunityPath),
    request_body = NewActivityRequest,
    responses(
        (status = 201, description = "Published", body = Activity),
        FieldWrong,
        NotCommunityWorker,
    )
)]
pub async fn create_activity(
    api: Api,
    ApiPath(CommunityPath { code }): ApiPath<CommunityPath>,
    ApiJson(body): ApiJson<NewActivityRequest>,
) -> ApiCreated<Activity> {
    let input = ActivityInput {
        title: body.title,
        activity_type: body.activity_type,
        station: body.station_id.unwrap_or_default(),
        team: body.team_id.unwrap_or_default(),
        starts_at: body.starts_at.unix_ms(),
        ends_at: body.ends_at.unix_ms(),
    };
    let row = people::create_activity(&api.state, &api.user, &code, &input, api.lang)
        .await
        .map_err(refused(api.lang))?;
    created(row.into())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    pub volunteer_id: String,
    /// When (Unix milliseconds, not in the future, from 2000).
    #[schema(value_type = i64)]
    pub at: Moment,
}

/// Signs a volunteer in to an activity (the community's own workers).
#[utoipa::path(
    post,
    path = "/activities/{id}/sign-ins",
    operation_id = "volunteer_sign_in",
    tag = "volunteers",
    params(("id" = String, Path, description = "Activity id")),
    request_body = SignRequest,
    responses(
        (status = 204, description = "Signed in"),
        (status = 400, description = "Already signed in, not a volunteer of the community, or a time in the future or after the end", body = ErrorBody),
        NotCommunityWorker,
        NoActivity,
        (status = 409, description = "The activity was cancelled", body = ErrorBody),
    )
)]
pub async fn sign_in(
    api: Api,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SignRequest>,
) -> Result<StatusCode, ApiError> {
    people::sign_in(
        &api.state,
        &api.user,
        &id,
        &body.volunteer_id,
        body.at.unix_ms(),
        api.lang,
    )
    .await
    .map_err(refused(api.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs a volunteer out: the time within the schedule is counted and points credited once.
#[utoipa::path(
    post,
    path = "/activities/{id}/sign-outs",
    operation_id = "volunteer_sign_out",
    tag = "volunteers",
    params(("id" = String, Path, description = "Activity id")),
    request_body = SignRequest,
    responses(
        (status = 200, description = "Signed out", body = people::SignOutOutcome),
        (status = 400, description = "Not signed in, or a time before the sign-in or in the future", body = ErrorBody),
        NotCommunityWorker,
        NoActivity,
        (status = 409, description = "Already signed out", body = ErrorBody),
    )
)]
pub async fn sign_out(
    api: Api,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SignRequest>,
) -> ApiResult<people::SignOutOutcome> {
    let outcome = people::sign_out(
        &api.state,
        &api.user,
        &id,
        &body.volunteer_id,
        body.at.unix_ms(),
        api.lang,
    )
    .await
    .map_err(refused(api.lang))?;
    Ok(Json(outcome))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MallItem {
    pub id: String,
    pub name: String,
    /// Points per unit.
    pub cost: i64,
    pub stock: i64,
    pub active: bool,
}

impl From<ItemRow> for MallItem {
    fn from(i: ItemRow) -> Self {
        MallItem {
            id: i.id,
            name: i.name,
            cost: i.cost,
            stock: i.stock,
            active: i.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Mall {
    pub community_code: String,
    /// The caller's own volunteer record and balance, when their account is linked to one.
    pub volunteer_id: Option<String>,
    pub balance: Option<i64>,
    /// Items on the shelf (and, for the community's workers, those taken off it).
    pub items: Vec<MallItem>,
}

/// A community's love mall (爱心商城).
#[utoipa::path(
    get,
    path = "/communities/{code}/mall",
    operation_id = "mall",
    tag = "volunteers",
    params(CommunityPath),
    responses(
        (status = 200, description = "The catalogue", body = Mall),
        OutsideArea,
    )
)]
pub async fn mall(
    api: Api,
    ApiPath(CommunityPath { code }): ApiPath<CommunityPath>,
) -> ApiResult<Mall> {
    covers(&api, &code)?;
    let own = people::own_volunteer(&api.state, &api.user)
        .await
        .map_err(api.app())?;
    let manages = people::may_manage(&api.user, &code);
    let items = api
        .read(api.state.store.items_in(&code))
        .await?
        .into_iter()
        .filter(|i| i.active || manages)
        .map(Into::into)
        .collect();
    Ok(Json(Mall {
        community_code: code,
        volunteer_id: own.as_ref().map(|v| v.id.clone()),
        balance: own.map(|v| v.balance),
        items,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    pub item_id: String,
    pub quantity: i64,
    /// The volunteer exchanging: required for a community worker at the station's counter,
    /// left out by a resident spending their own points.
    pub volunteer_id: Option<String>,
    /// One key per exchange, 8–64 letters, digits, `-` or `_`: sending the same request again
    /// (a retry) exchanges once.
    #[schema(example = "3f1c9a7e5b2d4c6a")]
    pub request_key: String,
}

/// Exchanges points for an item. Never oversells and never takes a balance below zero, under
/// any number of concurrent requests.
#[utoipa::path(
    post,
    path = "/mall/redemptions",
    operation_id = "redeem",
    tag = "volunteers",
    request_body = RedeemRequest,
    responses(
        (status = 201, description = "Exchanged", body = people::Redeemed),
        (status = 200, description = "The same request was exchanged before (a retry)", body = people::Redeemed),
        (status = 400, description = "Not enough points or stock, an item off the shelf, or a bad quantity or key", body = ErrorBody),
        (status = 403, description = "Not the caller's points, or another community's mall", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "The key was used for another request, or the price changed", body = ErrorBody),
    )
)]
pub async fn redeem(
    api: Api,
    ApiJson(body): ApiJson<RedeemRequest>,
) -> ApiCreated<people::Redeemed> {
    let done = people::redeem(
        &api.state,
        &api.user,
        body.volunteer_id.as_deref(),
        &body.item_id,
        &body.quantity.to_string(),
        &body.request_key,
        api.lang,
    )
    .await
    .map_err(refused(api.lang))?;
    let status = if done.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(done)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub key: String,
    /// The volunteer's own order: 1, 2, …
    pub seq: i64,
    pub at: i64,
    /// Signed: earned positive, spent negative.
    pub points: i64,
    /// `earn`, `redeem`, `refund` or `adjust`.
    pub kind: String,
    pub activity_id: Option<String>,
    pub item_id: Option<String>,
    pub quantity: Option<i64>,
    pub refund_of: Option<String>,
    pub reason: Option<String>,
}

impl From<LedgerRow> for LedgerEntry {
    fn from(r: LedgerRow) -> Self {
        LedgerEntry {
            key: r.key,
            seq: r.seq,
            at: r.at,
            points: r.points,
            kind: r.kind,
            activity_id: r.activity_id,
            item_id: r.item_id,
            quantity: r.quantity,
            refund_of: r.refund_of,
            reason: r.reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ledger {
    pub volunteer_id: String,
    pub name: String,
    pub balance: i64,
    pub entries: Vec<LedgerEntry>,
}

/// A volunteer's points ledger (the volunteer themself, or staff covering their community).
#[utoipa::path(
    get,
    path = "/volunteers/{id}/ledger",
    operation_id = "ledger",
    tag = "volunteers",
    params(("id" = String, Path, description = "Volunteer id")),
    responses(
        (status = 200, description = "The ledger in order", body = Ledger),
        (status = 403, description = "Someone else's points", body = ErrorBody),
        (status = 404, description = "No such volunteer", body = ErrorBody),
    )
)]
pub async fn ledger(api: Api, ApiPath(id): ApiPath<String>) -> ApiResult<Ledger> {
    let v = people::volunteer(&api.state, &api.user, &id, api.lang)
        .await
        .map_err(api.app())?;
    let entries = api.read(api.state.store.ledger_of(&v.id)).await?;
    Ok(Json(Ledger {
        volunteer_id: v.id,
        name: v.name,
        balance: v.balance,
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}
