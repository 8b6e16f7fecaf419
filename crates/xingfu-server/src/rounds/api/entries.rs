//! A round's entries (one per declared community): listing, declaring, the score card, the
//! caller's answer sheet, the workflow steps and the change log.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::scoring::Answer;
use xingfu_store::rounds::EntryRow;

use super::rounds::area_prefix;
use super::{EntryReadRefusals, NoEntry, visible_entry};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::decisions;
use crate::rounds::service::{self, Step};
use crate::web::api_answers::{NoRound, NotInRoundArea};
use crate::web::api_call::{Api, ApiCreated, ApiResult};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, app, store};
use crate::web::api_paths::{RoundCommunityPath, RoundPath};
use crate::web::page::{decision_label, stage_label};

/// A veto item that applies.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Veto {
    #[schema(example = "TJ1.2")]
    pub clause: String,
    /// The clause's text in the request's language.
    pub text: String,
    pub reason: Option<String>,
}

/// A community's entry in a round.
#[derive(Debug, Serialize, ToSchema)]
pub struct Entry {
    pub round_id: String,
    #[schema(example = "330302006044")]
    pub community_code: String,
    #[schema(example = "鼓楼社区")]
    pub community_name: String,
    pub street_code: Option<String>,
    pub street_name: Option<String>,
    /// `declared`, `refused`, `scoring`, `computed`, `approved`, `published` or `named`.
    #[schema(example = "scoring")]
    pub stage: String,
    /// The stage in the request's language.
    pub stage_label: String,
    /// Last year's star (0: none).
    pub previous_star: i64,
    /// Unix milliseconds.
    pub declared_at: i64,
    pub declared_by: String,
    /// The panel's mean total when computed.
    pub total: Option<f64>,
    /// Percent of the standard's points, when computed.
    pub share: Option<f64>,
    /// The star the points earn, before any veto.
    pub star_by_score: Option<i64>,
    /// The star awarded (0: none).
    pub star: Option<i64>,
    /// The re-review decision: `new`, `keep`, `upgrade`, `downgrade`, `revoke` or `not_rated`.
    pub decision: Option<String>,
    pub decision_label: Option<String>,
    /// Veto items that apply (empty when none).
    pub vetoed_by: Vec<Veto>,
    /// Why the declaration was refused, when it was.
    pub refusal: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub published_at: Option<i64>,
    /// The end of the objection period (Unix milliseconds).
    pub objection_until: Option<i64>,
    pub named_at: Option<i64>,
    /// The reward in fen (1 yuan = 100 fen).
    pub reward_fen: Option<i64>,
    /// How the reward was worked out.
    #[schema(value_type = Option<Object>)]
    pub reward_basis: Option<serde_json::Value>,
    /// Rises with every change: the record's optimistic-locking version.
    pub version: i64,
}

/// A page of a round's entries inside the caller's area, by community code.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryList {
    pub round_id: String,
    /// Entries inside the caller's area, on all pages.
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Entries to skip (default 0).
    pub offset: Option<i64>,
    /// Entries per page: 1–1000 (default 100).
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareRequest {
    /// The community's 12-digit code.
    #[schema(example = "330302006044")]
    pub community: String,
}

/// One clause's answer: `met` for met/not-met and veto clauses (`false` on a veto clause means
/// the veto applies), `number` for points (graded), a counted value (numeric, metric) or a rate
/// in percent (survey); at most two decimals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 96.5)]
    pub number: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The caller's answers, by clause id. Answers for clauses not named are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    #[schema(example = json!({"ZZ1.1": {"met": true}, "ZG1.1": {"number": 96.5, "note": "问卷 212 份"}}))]
    pub answers: BTreeMap<String, AnswerValue>,
    /// The sheet's `version` as last read (`GET …/answers`): if anyone has saved the sheet
    /// since, nothing is written and the answer is 409. Without it the answers named are
    /// written as sent, whoever saved the sheet meanwhile.
    #[serde(default)]
    #[schema(example = 3)]
    pub version: Option<i64>,
}

/// The caller's own sheet for an entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sheet {
    /// `self` (the community's declaration) or `assessor` (the caller's own scoring sheet).
    pub sheet: String,
    /// The sheet's version: 0 until first saved, one more with every save that changes an
    /// answer. Send it back with `PUT` to be refused rather than overwrite someone else's save.
    /// It is the sheet's own, so another assessor's saves do not move it.
    pub version: i64,
    pub answers: BTreeMap<String, AnswerValue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SheetSaved {
    /// `self` or `assessor`.
    pub sheet: String,
    /// Answers written.
    pub saved: usize,
    /// The sheet's version after this save.
    pub version: i64,
}

/// Points per category, averaged over the assessors' sheets.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResult {
    pub id: String,
    pub name: String,
    pub earned: f64,
    pub max: f64,
    /// Percent of the category's points earned.
    pub share: f64,
}

/// A clause worth fixing on the way to the next star.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fix {
    pub clause: String,
    pub text: String,
    /// Points it would add.
    pub gain: f64,
    /// 1 (easy) … 5 (hard).
    pub effort: u8,
    /// What it lacks, in its own terms (`kind`: not_met, not_assessed, graded, value, rate).
    #[schema(value_type = Object)]
    pub shortfall: serde_json::Value,
}

/// The gap to the next star.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextStarGap {
    pub level: u8,
    /// The threshold as the standard states it (points, or percent for share rating).
    pub threshold: f64,
    pub points_needed: f64,
    pub points_short: f64,
    /// False when even meeting every clause would not reach the star.
    pub reachable: bool,
    /// The star also needs every veto item cleared.
    pub blocked_by_veto: bool,
    /// How many of `candidates`, taken in order, close the gap.
    pub plan_len: usize,
    /// Every clause that could still gain points, cheapest first.
    pub candidates: Vec<Fix>,
}

/// A clause the assessors scored differently.
#[derive(Debug, Serialize, ToSchema)]
pub struct Disagreement {
    pub clause: String,
    /// Each assessor's points, in sheet order.
    pub points: Vec<f64>,
    pub spread: f64,
}

/// The assessors' panel result, computed from their sheets now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PanelResult {
    /// Sheets scored.
    pub assessors: usize,
    /// Mean of the assessors' totals.
    pub total: f64,
    pub share: f64,
    pub star_by_score: u8,
    /// 0 when a veto item applies.
    pub star: u8,
    pub vetoed_by: Vec<Veto>,
    pub categories: Vec<CategoryResult>,
    /// None at the highest star.
    pub next_star: Option<NextStarGap>,
    pub disagreements: Vec<Disagreement>,
}

/// The community in an earlier (or this) round.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryLine {
    pub round_id: String,
    pub year: i64,
    pub stage: String,
    pub stage_label: String,
    pub total: Option<f64>,
    pub star: Option<i64>,
    pub decision: Option<String>,
}

/// One entry with its score card, as the community page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDetail {
    pub entry: Entry,
    /// None until an assessor has scored.
    pub result: Option<PanelResult>,
    /// The community in every round, newest first.
    pub history: Vec<HistoryLine>,
}

/// One row of the hash-chained change log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    /// `declare`, `self_assess`, `score`, `check_eligibility`, `compute`, `approve`, `publish`, `name`.
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

fn num(hundredths: i64) -> f64 {
    Dec2(hundredths).to_f64()
}

fn clause_text(standard: &Standard, id: &str, lang: Lang, fallback: &str) -> String {
    standard
        .clause(id)
        .map(|c| lang.pick(&c.text, c.text_en.as_deref().unwrap_or(&c.text)))
        .unwrap_or(fallback)
        .to_string()
}

pub(super) fn entry_view(entry: EntryRow, standard: &Standard, lang: Lang) -> Entry {
    let vetoed_by = entry
        .vetoed_by
        .as_deref()
        .and_then(|text| serde_json::from_str::<Vec<Veto>>(text).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|v| Veto {
            text: clause_text(standard, &v.clause, lang, &v.text),
            ..v
        })
        .collect();
    Entry {
        stage_label: stage_label(lang, entry.stage),
        decision_label: entry
            .decision
            .as_deref()
            .map(|d| decision_label(lang, Some(d))),
        total: entry.total.map(num),
        share: entry.share.map(num),
        vetoed_by,
        reward_basis: entry
            .reward_basis
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok()),
        round_id: entry.round_id,
        community_code: entry.community_code,
        community_name: entry.community_name,
        street_code: entry.street_code,
        street_name: entry.street_name,
        stage: entry.stage.key().to_string(),
        previous_star: entry.previous_star,
        declared_at: entry.declared_at,
        declared_by: entry.declared_by,
        star_by_score: entry.star_by_score,
        star: entry.star,
        decision: entry.decision,
        refusal: entry.refusal.filter(|r| !r.is_empty()),
        approved_by: entry.approved_by,
        approved_at: entry.approved_at,
        published_at: entry.published_at,
        objection_until: entry.objection_until,
        named_at: entry.named_at,
        reward_fen: entry.reward_fen,
        version: entry.version,
    }
}

/// The round's standard, or 404 for an unknown round.
pub(super) async fn round_standard(
    state: &AppState,
    round_id: &str,
    lang: Lang,
) -> Result<std::sync::Arc<Standard>, ApiError> {
    let round = state
        .store
        .round(round_id)
        .await
        .map_err(store(lang))?
        .ok_or_else(|| ApiError::not_found(lang))?;
    state
        .standard(&round.standard_id, &round.standard_version)
        .await
        .map_err(app(lang))
}

/// The round's entries inside the caller's area (a street administrator sees its own streets'
/// communities only), by community code, a page at a time.
#[utoipa::path(
    get,
    path = "/rounds/{id}/entries",
    operation_id = "entries",
    tag = "entries",
    params(("id" = String, Path, description = "Round id"), ListQuery),
    responses(
        (status = 200, description = "A page of entries", body = EntryList),
        (status = 400, description = "A query parameter is not valid", body = ErrorBody),
        NoRound,
    )
)]
pub async fn list(
    api: Api,
    ApiPath(round_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<EntryList> {
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(100);
    if offset < 0 {
        return Err(ApiError::bad_request(
            api.lang
                .pick("offset:不能为负数", "offset: must not be negative"),
        ));
    }
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(api.lang.pick(
            "limit:须在 1–1000 之间",
            "limit: must be between 1 and 1000",
        )));
    }
    let standard = round_standard(&api.state, &round_id, api.lang).await?;
    let prefix = area_prefix(&api.user);
    let total = api
        .read(api.state.store.stage_counts(&round_id, prefix))
        .await?
        .total();
    let entries = api
        .read(
            api.state
                .store
                .entries_page(&round_id, prefix, offset, limit),
        )
        .await?
        .into_iter()
        .map(|e| entry_view(e, &standard, api.lang))
        .collect();
    Ok(Json(EntryList {
        round_id,
        total,
        offset,
        limit,
        entries,
    }))
}

/// Declares a community into the round (申报): its community worker, or an administrator whose
/// area contains it. Last year's star is carried from the previous round.
#[utoipa::path(
    post,
    path = "/rounds/{id}/entries",
    operation_id = "declare",
    tag = "entries",
    params(RoundPath),
    request_body = DeclareRequest,
    responses(
        (status = 201, description = "Declared", body = Entry),
        NotInRoundArea,
        (status = 403, description = "May not declare for this community", body = ErrorBody),
        NoRound,
        (status = 409, description = "Already declared", body = ErrorBody),
    )
)]
pub async fn declare(
    api: Api,
    ApiPath(RoundPath { id: round_id }): ApiPath<RoundPath>,
    ApiJson(request): ApiJson<DeclareRequest>,
) -> ApiCreated<Entry> {
    let community = request.community.trim();
    let entry = service::declare(&api.state, &api.user, &round_id, community, api.lang)
        .await
        .map_err(api.app())?;
    let standard = round_standard(&api.state, &round_id, api.lang).await?;
    Ok((
        StatusCode::CREATED,
        Json(entry_view(entry, &standard, api.lang)),
    ))
}

/// One entry with the panel's result (total, star, veto, gap to the next star with the clauses
/// to fix, where assessors disagree) and the community's history. Anyone whose area contains the
/// community may read it; anyone else gets 403, whether or not the community declared.
#[utoipa::path(
    get,
    path = "/rounds/{id}/entries/{code}",
    operation_id = "entry",
    tag = "entries",
    params(RoundCommunityPath),
    responses(
        (status = 200, description = "The entry and its score card", body = EntryDetail),
        (status = 403, description = "The community is outside the caller's area", body = ErrorBody),
        (status = 404, description = "No such round, or the community has not declared", body = ErrorBody),
    )
)]
pub async fn show(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
) -> ApiResult<EntryDetail> {
    let (_, standard, entry) =
        service::load_visible(&api.state, &api.user, &round_id, &code, api.lang)
            .await
            .map_err(api.app())?;
    let card = service::panel(&api.state, &standard, &round_id, &code)
        .await
        .map_err(api.app())?;
    let result = card.map(|card| {
        let sheets = card.sheets.len() as i64;
        let categories = standard
            .categories
            .iter()
            .enumerate()
            .map(|(index, category)| {
                let sum: Dec2 = card.sheets.iter().map(|s| s.categories[index].earned).sum();
                let mean = sum.scale(1, sheets.max(1));
                let max = card.sheets[0].categories[index].max;
                CategoryResult {
                    id: category.id.clone(),
                    name: api
                        .lang
                        .pick(
                            &category.name,
                            category.name_en.as_deref().unwrap_or(&category.name),
                        )
                        .to_string(),
                    earned: mean.to_f64(),
                    max: max.to_f64(),
                    share: Dec2::percent_of(mean, max).to_f64(),
                }
            })
            .collect();
        PanelResult {
            assessors: card.sheets.len(),
            total: card.total.to_f64(),
            share: card.share.to_f64(),
            star_by_score: card.star_by_score,
            star: card.star,
            vetoed_by: card
                .vetoed_by
                .iter()
                .map(|v| Veto {
                    clause: v.clause.to_string(),
                    text: clause_text(&standard, v.clause, api.lang, v.text),
                    reason: v.reason.clone(),
                })
                .collect(),
            categories,
            next_star: card.next_star.as_ref().map(|next| NextStarGap {
                level: next.level,
                threshold: next.threshold.to_f64(),
                points_needed: next.points_needed.to_f64(),
                points_short: next.points_short.to_f64(),
                reachable: next.reachable,
                blocked_by_veto: next.blocked_by_veto,
                plan_len: next.plan_len,
                candidates: next
                    .candidates
                    .iter()
                    .map(|fix| Fix {
                        clause: fix.clause.to_string(),
                        text: clause_text(&standard, fix.clause, api.lang, fix.text),
                        gain: fix.gain.to_f64(),
                        effort: fix.effort,
                        shortfall: serde_json::to_value(&fix.shortfall)
                            .unwrap_or(serde_json::Value::Null),
                    })
                    .collect(),
            }),
            disagreements: card
                .disagreements
                .iter()
                .map(|d| Disagreement {
                    clause: d.clause.to_string(),
                    points: d.points.iter().map(|p| p.to_f64()).collect(),
                    spread: d.spread.to_f64(),
                })
                .collect(),
        }
    });
    let history = api
        .read(api.state.store.history(&code))
        .await?
        .into_iter()
        .map(|(round, e)| HistoryLine {
            round_id: round.id,
            year: round.year,
            stage_label: stage_label(api.lang, e.stage),
            stage: e.stage.key().to_string(),
            total: e.total.map(num),
            star: e.star,
            decision: e.decision,
        })
        .collect();
    Ok(Json(EntryDetail {
        entry: entry_view(entry, &standard, api.lang),
        result,
        history,
    }))
}

fn sheet_label(sheet: &str) -> String {
    if sheet == service::SELF_SHEET {
        service::SELF_SHEET.to_string()
    } else {
        "assessor".to_string()
    }
}

/// The caller's own sheet: an assessor's scoring sheet, or (for the community worker and
/// administrators) the community's declaration.
#[utoipa::path(
    get,
    path = "/rounds/{id}/entries/{code}/answers",
    operation_id = "answers",
    tag = "entries",
    params(RoundCommunityPath),
    responses(
        (status = 200, description = "The caller's answers", body = Sheet),
        (status = 403, description = "The caller has no sheet for this community", body = ErrorBody),
        NoEntry,
    )
)]
pub async fn answers(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
) -> ApiResult<Sheet> {
    api.user.may_view(&code, api.lang).map_err(api.app())?;
    let own = service::own_sheet(&api.state, &api.user, &round_id, &code, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(Sheet {
        sheet: sheet_label(&own.sheet),
        version: own.version,
        answers: own
            .answers
            .into_iter()
            .map(|(clause, a)| {
                (
                    clause,
                    AnswerValue {
                        met: a.met,
                        number: a.number.map(Dec2::to_f64),
                        note: a.note,
                    },
                )
            })
            .collect(),
    }))
}

/// Saves answers on the caller's sheet: an assessor's own scoring sheet while the entry is being
/// scored (never for their own community), or the declaration (community worker, administrators)
/// while it is declared. Every answer is checked against the standard first; if any is wrong,
/// nothing is written and the message names the clause. With `version`, a sheet saved by anyone
/// since that version was read is refused (409) and nothing is written.
#[utoipa::path(
    put,
    path = "/rounds/{id}/entries/{code}/answers",
    operation_id = "save_answers",
    tag = "entries",
    params(RoundCommunityPath),
    request_body = AnswersRequest,
    responses(
        (status = 200, description = "Saved", body = SheetSaved),
        (status = 400, description = "An answer does not fit its clause (named)", body = ErrorBody),
        (status = 403, description = "May not answer for this community", body = ErrorBody),
        NoEntry,
        (status = 409, description = "The stage does not take these answers now, or the sheet was saved since `version`", body = ErrorBody),
    )
)]
pub async fn save_answers(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
    ApiJson(request): ApiJson<AnswersRequest>,
) -> ApiResult<SheetSaved> {
    api.user.may_view(&code, api.lang).map_err(api.app())?;
    let mut answers = Vec::with_capacity(request.answers.len());
    for (clause, value) in request.answers {
        let number = match value.number {
            None => None,
            Some(n) => Some(Dec2::from_f64(n).map_err(|e| {
                ApiError::bad_request(if api.lang.is_en() {
                    format!("answers.{clause}.number: {n} cannot be used: {e}")
                } else {
                    format!("answers.{clause}.number:{n} 不可用（最多两位小数）")
                })
            })?),
        };
        answers.push((
            clause,
            Answer {
                met: value.met,
                number,
                note: value.note.filter(|n| !n.trim().is_empty()),
            },
        ));
    }
    let sheet = if api.user.role == xingfu_core::workflow::Role::Assessor {
        "assessor"
    } else {
        service::SELF_SHEET
    };
    let saved = service::save_sheet_from(
        &api.state,
        &api.user,
        &round_id,
        &code,
        answers,
        request.version,
        api.lang,
    )
    .await
    .map_err(api.app())?;
    Ok(Json(SheetSaved {
        sheet: sheet.to_string(),
        saved: saved.changed,
        version: saved.version.version,
    }))
}

async fn step(api: &Api, round_id: &str, code: &str, step: Step) -> ApiResult<Entry> {
    let (state, user, lang) = (&api.state, &api.user, api.lang);
    user.may_view(code, lang).map_err(api.app())?;
    let entry = decisions::take_step(state, user, (round_id, code), step, lang)
        .await
        .map_err(api.app())?;
    let standard = round_standard(state, round_id, lang).await?;
    Ok(Json(entry_view(entry, &standard, lang)))
}

/// A workflow step's endpoint: `POST …/entries/{code}/<name>` taking the entry one step on.
/// The steps differ only in their step and in what their answers say.
macro_rules! workflow_step {
    (
        $(#[$doc:meta])*
        $name:ident: $step:expr, $path:tt,
        ok = $ok:tt, forbidden = $forbidden:tt, conflict = $conflict:tt $(,)?
    ) => {
        $(#[$doc])*
        #[utoipa::path(
            post,
            path = $path,
            tag = "workflow",
            params(RoundCommunityPath),
            responses(
                (status = 200, description = $ok, body = Entry),
                (status = 403, description = $forbidden, body = ErrorBody),
                NoEntry,
                (status = 409, description = $conflict, body = ErrorBody),
            )
        )]
        pub async fn $name(
            api: Api,
            ApiPath(entry): ApiPath<RoundCommunityPath>,
        ) -> ApiResult<Entry> {
            step(&api, &entry.id, &entry.code, $step).await
        }
    };
}

const NOT_ADMIN_OR_STAGE: &str = "Not an administrator of this area, or not at this stage";
const CHANGED: &str = "Changed by someone else meanwhile";

workflow_step! {
    /// The eligibility check (veto items in the declaration): on to scoring, or refused with the
    /// reason. An administrator whose area contains the community.
    check: Step::Check, "/rounds/{id}/entries/{code}/check",
    ok = "Checked: stage is now scoring or refused",
    forbidden = NOT_ADMIN_OR_STAGE,
    conflict = CHANGED,
}

workflow_step! {
    /// Computes score, star, re-review decision and reward from the assessors' sheets. An
    /// administrator whose area contains the community.
    compute: Step::Compute, "/rounds/{id}/entries/{code}/compute",
    ok = "Computed: awaiting approval",
    forbidden = NOT_ADMIN_OR_STAGE,
    conflict = "No assessor has scored, or changed meanwhile",
}

workflow_step! {
    /// Approves the computed rating: only the level the standard names for the star (in Lucheng the
    /// district for 1–3★, the city for 4–5★; the higher of this and last year's star decides).
    approve: Step::Approve, "/rounds/{id}/entries/{code}/approve",
    ok = "Approved",
    forbidden = "Not the approving level, or not at this stage",
    conflict = CHANGED,
}

workflow_step! {
    /// Publishes the approved rating (公示): the objection period starts now.
    publish: Step::Publish, "/rounds/{id}/entries/{code}/publish",
    ok = "Published",
    forbidden = NOT_ADMIN_OR_STAGE,
    conflict = CHANGED,
}

workflow_step! {
    /// Names the community at its star (命名) once the objection period is over.
    name: Step::Name, "/rounds/{id}/entries/{code}/name",
    ok = "Named",
    forbidden = "Not an administrator of this area, not published, or the objection period is not over",
    conflict = CHANGED,
}

fn json_or_text(text: Option<String>) -> Option<serde_json::Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
}

/// The entry's change log in this round, oldest first, with each row's hash in the chain.
#[utoipa::path(
    get,
    path = "/rounds/{id}/entries/{code}/audit",
    operation_id = "audit",
    tag = "entries",
    params(RoundCommunityPath),
    responses(
        (status = 200, description = "Changes, oldest first", body = Vec<AuditEntry>),
        EntryReadRefusals,
    )
)]
pub async fn audit(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
) -> ApiResult<Vec<AuditEntry>> {
    visible_entry(&api, &round_id, &code).await?;
    let rows = api.read(api.state.store.audit_for_community(&code)).await?;
    Ok(Json(
        rows.into_iter()
            .filter(|row| row.round_id.as_deref() == Some(round_id.as_str()))
            .map(|row| AuditEntry {
                seq: row.seq,
                at: row.at,
                actor: row.actor,
                action: row.action,
                before: json_or_text(row.before),
                after: json_or_text(row.after),
                prev_hash: row.prev_hash,
                hash: row.hash,
            })
            .collect(),
    ))
}
