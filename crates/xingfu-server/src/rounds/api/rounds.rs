//! Rounds (评选年度): the ones in the caller's area, opening one, one round, its budget.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::{NewRound, RoundRow};

use crate::app::auth::CurrentUser;
use crate::rounds::service;
use crate::web::api_answers::{NoRound, NotRoundAdmin};
use crate::web::api_call::{Api, ApiCreated, ApiResult};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::web::api_paths::RoundPath;

/// How many of the round's entries in the caller's area are at one stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageCount {
    /// `declared`, `refused`, `scoring`, `computed`, `approved`, `published` or `named`.
    pub stage: String,
    /// The stage in the request's language.
    pub label: String,
    pub entries: i64,
    /// How many of them have a star.
    pub starred: i64,
}

/// A round, with counts of its entries inside the caller's area.
#[derive(Debug, Serialize, ToSchema)]
pub struct Round {
    pub id: String,
    #[schema(example = 2013)]
    pub year: i64,
    /// The region the round covers.
    #[schema(example = "330302000000")]
    pub region_code: String,
    pub region_name: String,
    #[schema(example = "lucheng-2012")]
    pub standard_id: String,
    #[schema(example = "2012.1")]
    pub standard_version: String,
    /// The standard's name in the request's language.
    pub standard_name: String,
    /// Days of publication (公示) before a rating may be named.
    pub objection_days: i64,
    /// Unix milliseconds.
    pub opened_at: i64,
    pub opened_by: String,
    /// Entries inside the caller's area.
    pub entries: i64,
    /// Of them, with a star.
    pub starred: i64,
    /// Of them, named.
    pub named: i64,
    /// Entries inside the caller's area per stage (stages with none left out).
    pub stages: Vec<StageCount>,
}

/// Opens a round.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoundRequest {
    #[schema(example = 2013)]
    pub year: i64,
    /// A street, district or city inside the caller's area.
    #[schema(example = "330302000000")]
    pub region_code: String,
    #[schema(example = "lucheng-2012")]
    pub standard_id: String,
    #[schema(example = "2012.1")]
    pub standard_version: String,
    /// 0–365 days of publication before naming.
    #[schema(example = 7)]
    pub objection_days: i64,
}

/// What a round owes, per government level.
#[derive(Debug, Serialize, ToSchema)]
pub struct Budget {
    pub round_id: String,
    /// Every level's share summed, in fen (1 yuan = 100 fen).
    pub total_fen: i64,
    pub levels: Vec<BudgetLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetLine {
    /// `city`, `district` or `street`.
    pub level: String,
    /// In fen.
    pub amount_fen: i64,
}

/// The subtree prefix of the caller's area.
pub fn area_prefix(user: &CurrentUser) -> &str {
    xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level)
}

async fn round_view(api: &Api, round: RoundRow) -> Result<Round, ApiError> {
    let (state, lang) = (&api.state, api.lang);
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await
        .map_err(api.app())?;
    let region_name = api
        .read(state.store.region(&round.region_code))
        .await?
        .map(|r| r.name)
        .unwrap_or_else(|| round.region_code.clone());
    let counts = api
        .read(state.store.stage_counts(&round.id, area_prefix(&api.user)))
        .await?;
    let stages: Vec<StageCount> = counts
        .stages()
        .map(|stage| StageCount {
            stage: stage.key().to_string(),
            label: lang.pick(stage.zh(), stage.en()).to_string(),
            entries: counts.at(stage),
            starred: counts.starred_at(stage),
        })
        .collect();
    let named = counts.at(Stage::Named);
    Ok(Round {
        entries: stages.iter().map(|s| s.entries).sum(),
        starred: stages.iter().map(|s| s.starred).sum(),
        named,
        stages,
        standard_name: lang
            .pick(
                &standard.name,
                standard.name_en.as_deref().unwrap_or(&standard.name),
            )
            .to_string(),
        region_name,
        id: round.id,
        year: round.year,
        region_code: round.region_code,
        standard_id: round.standard_id,
        standard_version: round.standard_version,
        objection_days: round.objection_days,
        opened_at: round.opened_at,
        opened_by: round.opened_by,
    })
}

/// The rounds whose region overlaps the caller's area, newest first.
#[utoipa::path(
    get,
    path = "/rounds",
    operation_id = "rounds",
    tag = "rounds",
    responses(
        (status = 200, description = "Rounds in the caller's area", body = Vec<Round>),
    )
)]
pub async fn list(api: Api) -> ApiResult<Vec<Round>> {
    let rounds = api
        .read(api.state.store.rounds_overlapping(area_prefix(&api.user)))
        .await?;
    let mut out = Vec::with_capacity(rounds.len());
    for round in rounds {
        out.push(round_view(&api, round).await?);
    }
    Ok(Json(out))
}

/// Opens a round: a city or district administrator, for a street, district or city inside their
/// area, on a stored standard version.
#[utoipa::path(
    post,
    path = "/rounds",
    operation_id = "open_round",
    tag = "rounds",
    request_body = NewRoundRequest,
    responses(
        (status = 201, description = "The round opened", body = Round),
        (status = 400, description = "A field is not valid (named in the message)", body = ErrorBody),
        (status = 403, description = "Not a city or district administrator of that region", body = ErrorBody),
        (status = 409, description = "That region already has this round", body = ErrorBody),
    )
)]
pub async fn create(api: Api, ApiJson(request): ApiJson<NewRoundRequest>) -> ApiCreated<Round> {
    let new = NewRound {
        year: request.year,
        region_code: request.region_code.trim(),
        standard_id: request.standard_id.trim(),
        standard_version: request.standard_version.trim(),
        objection_days: request.objection_days,
    };
    let round = service::open_round(&api.state, &api.user, &new, api.lang)
        .await
        .map_err(api.app())?;
    Ok((StatusCode::CREATED, Json(round_view(&api, round).await?)))
}

/// One round, with counts of its entries inside the caller's area (as the round page shows it);
/// a round the list leaves out is not found.
#[utoipa::path(
    get,
    path = "/rounds/{id}",
    operation_id = "round",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The round", body = Round),
        (status = 404, description = "No such round, or not in the caller's area", body = ErrorBody),
    )
)]
pub async fn show(api: Api, ApiPath(RoundPath { id }): ApiPath<RoundPath>) -> ApiResult<Round> {
    let round = service::visible_round(&api.state, &api.user, &id)
        .await
        .map_err(api.app())?;
    Ok(Json(round_view(&api, round).await?))
}

/// What each government level owes in rewards for the round's computed entries. For the city and
/// district administrators whose area contains the round's region.
#[utoipa::path(
    get,
    path = "/rounds/{id}/budget",
    operation_id = "budget",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "Rewards owed per level", body = Budget),
        NotRoundAdmin,
        NoRound,
    )
)]
pub async fn budget(api: Api, ApiPath(RoundPath { id }): ApiPath<RoundPath>) -> ApiResult<Budget> {
    let lines = service::budget(&api.state, &api.user, &id, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(Budget {
        round_id: id,
        total_fen: lines.iter().map(|(_, amount)| amount).sum(),
        levels: lines
            .into_iter()
            .map(|(level, amount_fen)| BudgetLine { level, amount_fen })
            .collect(),
    }))
}
