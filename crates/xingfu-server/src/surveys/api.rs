//! Resident satisfaction surveys: a round's survey settings, a community's resident link, answers
//! entered by staff (phone, paper, home visit), results for a community or an area, and fraud
//! signals. Residents answer on the pages (`/s/{token}`), which need no account; everything here
//! needs one, with the same permissions as the pages.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xingfu_core::survey::fraud::{FraudParams, GeoPoint};
use xingfu_core::survey::household::HouseholdId;
use xingfu_core::survey::questionnaire::QuestionKind;
use xingfu_core::survey::results::dimension_rate;
use xingfu_core::survey::{Channel, Response};
use xingfu_store::surveys::{RecordOutcome, ReviewDecision, SurveySettingsRow};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::state::AppState;
use crate::surveys::answers::{Respondent, SubmitError, submit};
use crate::surveys::fraud::fraud_signals;
use crate::surveys::links::resident_link;
use crate::surveys::results::area_results;
use crate::surveys::review::review_list;
use crate::surveys::service::{entry_community, may_enter, running_survey};
use crate::surveys::settings::SurveyChoice;
use crate::web::api_answers::{NoRound, NotInRoundArea, NotRoundAdmin};
use crate::web::api_call::{Api, ApiCreated, ApiResult};
use crate::web::api_error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::web::api_paths::{RoundCommunityPath, RoundPath};
use crate::web::peer::PeerAddress;

// Answers several of this file's operations share, described once for the OpenAPI document.
crate::error_answers! {
    NotAreaAdmin: 403, "Not a district or city administrator of this area";
    NoRoundOrArea: 404, "No such round or area";
    NoSurvey: 409, "The round runs no survey";
}

/// The survey a round runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveySettings {
    pub round_id: String,
    #[schema(example = "lucheng-2012")]
    pub questionnaire_id: String,
    #[schema(example = "2012.1")]
    pub questionnaire_version: String,
    /// Households each community needs before its survey clauses are scored from the survey.
    #[schema(example = 30)]
    pub quota: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
    pub updated_by: String,
    /// Rises with every save: send it back as `version` to save only over what you read.
    pub version: i64,
    /// The closing day (`YYYY-MM-DD`), when one is set: answers are taken until its end.
    pub closes_on: Option<String>,
}

impl From<SurveySettingsRow> for SurveySettings {
    fn from(row: SurveySettingsRow) -> SurveySettings {
        SurveySettings {
            round_id: row.round_id,
            questionnaire_id: row.questionnaire_id,
            questionnaire_version: row.questionnaire_version,
            quota: row.quota,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
            version: row.version,
            closes_on: row.closes_at.map(xingfu_core::survey::closing::closing_day),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveySettingsRequest {
    /// Households each community needs: 0–100000. The questionnaire is the one shipped for the
    /// round's standard.
    #[schema(example = 30)]
    pub quota: i64,
    /// The closing day, `YYYY-MM-DD` (China Standard Time): answers are taken until the end of
    /// that day. Not today or later: 400. Left out or empty: no closing day.
    #[serde(default)]
    #[schema(example = "2013-12-31")]
    pub closes_on: Option<String>,
    /// The settings' `version` as last read (0 before the survey is opened): if anyone has
    /// saved them since, nothing is written and the answer is 409. Without it the
    /// save goes over whatever is stored.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A community's resident link.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyLink {
    pub round_id: String,
    pub community_code: String,
    pub token: String,
    /// The page residents open (relative to the server).
    #[schema(example = "/s/3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6")]
    pub path: String,
    /// The printable A4 poster with the QR code.
    pub poster: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// WGS-84 latitude, as phones report it.
    pub lat: f64,
    pub lon: f64,
}

/// One household's answers, entered by staff.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffAnswersRequest {
    /// Made once per form (16–128 letters, digits, `-`, `_`); sending the same form again is
    /// recorded once.
    #[schema(example = "0f8fad5b-d9cb-469f-a165-70867728950e")]
    pub client_token: String,
    /// `phone`, `paper` or `home_visit`.
    #[schema(example = "phone")]
    pub channel: String,
    /// By question id: an option id for a rated question, the words for a free-text one.
    #[schema(example = json!({"Q1": "satisfied", "Q2": "very_satisfied", "Q6": "路灯坏了"}))]
    pub answers: BTreeMap<String, String>,
    /// The household's phone number (any common way of writing it) …
    pub phone: Option<String>,
    /// … or its household number when it has no phone.
    pub household_code: Option<String>,
    /// Where a home visit took place (optional).
    pub location: Option<Location>,
}

/// What became of the answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAnswersSaved {
    /// `accepted` (counted), `held` (stored but held for review: a fraud signal tripped, not
    /// counted until a district officer accepts it) or `already_recorded` (this form was saved
    /// before; not counted again).
    pub outcome: String,
}

/// One answer held for review.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldAnswer {
    pub id: String,
    /// Unix milliseconds.
    pub at: i64,
    pub channel: String,
    pub entered_by: Option<String>,
    /// HMAC of the sender's network address: equal values are one address.
    pub source: Option<String>,
    /// `burst`, `identical_pattern`, `outside_community`.
    pub signals: Vec<String>,
    /// The answers, by question: `{"Q1": {"choice": "satisfied"}}`.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
}

/// A community's 待核实 list.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldAnswers {
    pub round_id: String,
    pub community_code: String,
    /// Answers held now (the list holds at most 2,000 of them, oldest first).
    pub held: i64,
    /// Answers rejected so far.
    pub rejected: i64,
    pub answers: Vec<HeldAnswer>,
}

/// A decision on held answers.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewRequest {
    /// Answer ids (one or many).
    pub ids: Vec<String>,
    /// `accept` (counted from now on, once) or `reject` (never counted).
    #[schema(example = "accept")]
    pub decision: String,
}

/// What a decision did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResult {
    /// Decided by this request.
    pub decided: Vec<String>,
    /// Already decided by someone else (or not held answers of this community): left as they are.
    pub stale: Vec<String>,
}

/// Satisfied answers out of counted ones, for a dimension.
#[derive(Debug, Serialize, ToSchema)]
pub struct DimensionRate {
    pub dimension: String,
    pub name: String,
    /// Households with a counted answer in the dimension.
    pub sample: u64,
    pub satisfied: u64,
    pub counted: u64,
    /// Percent, truncated to hundredths; none without counted answers.
    pub percent: Option<f64>,
}

/// One community in an area's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityResult {
    pub code: String,
    pub name: String,
    pub respondents: u64,
    pub quota_met: bool,
    pub dimensions: Vec<DimensionRate>,
}

/// Results of a community or an area.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResults {
    pub round_id: String,
    pub area_code: String,
    pub area_name: String,
    /// `community`, `street`, `district` …
    pub area_level: String,
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    pub quota: i64,
    /// Counted answers: the only ones the results and the rating use.
    pub respondents: u64,
    /// Answers held for review (not counted until accepted).
    pub held: i64,
    /// Answers rejected on review (never counted).
    pub rejected: i64,
    pub dimensions: Vec<DimensionRate>,
    /// The full report: channels, overall rate, every dimension with its Wilson interval, sample,
    /// quota check and the standard's clauses (met, points, withheld), every question's counts.
    /// Points (`survey_points`, a clause's `earned` and `withheld`) are given for a community
    /// only: they belong to its entry.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    /// For a street or district: every community of it (empty for a community).
    pub communities: Vec<CommunityResult>,
}

/// Fraud signals of one community.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityFraud {
    pub code: String,
    pub name: String,
    pub answers: usize,
    /// `bursts`, `identical_patterns` (clusters with their submission ids and times) and
    /// `outside` (null when no community area is set).
    #[schema(value_type = Object)]
    pub signals: serde_json::Value,
}

/// Fraud signals of an area (never automatic exclusions).
#[derive(Debug, Serialize, ToSchema)]
pub struct FraudSignals {
    pub round_id: String,
    pub area_code: String,
    /// True when the area holds more answers than one request reads: ask for a smaller area.
    pub too_many: bool,
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    pub communities: Vec<CommunityFraud>,
}

/// The core's report as JSON; for a street or district without points, which belong to a
/// community's entry.
fn report_json(
    report: &xingfu_core::survey::SurveyReport<'_>,
    community: bool,
) -> serde_json::Value {
    let mut value = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if !community {
        value["survey_points"] = serde_json::Value::Null;
        if let Some(dimensions) = value["dimensions"].as_array_mut() {
            for dimension in dimensions {
                if let Some(clauses) = dimension["clauses"].as_array_mut() {
                    for clause in clauses {
                        clause["earned"] = serde_json::Value::Null;
                        clause["withheld"] = serde_json::Value::Null;
                    }
                }
            }
        }
    }
    value
}

/// `/rounds/{id}/survey/…/{code}` for an area: a community, street or district.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RoundAreaPath {
    /// Round id
    pub id: String,
    /// Community, street or district code
    pub code: String,
}

/// The survey the round runs, or 404 when it runs none.
#[utoipa::path(
    get,
    path = "/rounds/{id}/survey",
    operation_id = "survey_settings",
    tag = "surveys",
    params(RoundPath),
    responses(
        (status = 200, description = "The survey settings", body = SurveySettings),
        (status = 404, description = "No such round, or it runs no survey", body = ErrorBody),
    )
)]
pub async fn settings(
    api: Api,
    ApiPath(RoundPath { id: round_id }): ApiPath<RoundPath>,
) -> ApiResult<SurveySettings> {
    let settings = api
        .read(api.state.store.survey_settings(&round_id))
        .await?
        .ok_or_else(|| ApiError::not_found(api.lang))?;
    Ok(Json(settings.into()))
}

/// Opens the round's survey or changes its quota: a city or district administrator whose area
/// contains the round's. The questionnaire is the one shipped for the round's standard; it
/// cannot change once the round has answers.
#[utoipa::path(
    put,
    path = "/rounds/{id}/survey",
    operation_id = "set_survey_settings",
    tag = "surveys",
    params(RoundPath),
    request_body = SurveySettingsRequest,
    responses(
        (status = 200, description = "Saved", body = SurveySettings),
        (status = 400, description = "Quota out of range, a closing day that is not a date or is past, or no questionnaire for the standard", body = ErrorBody),
        NotRoundAdmin,
        NoRound,
        (status = 409, description = "Answers to another questionnaire version exist, or the settings changed since `version`", body = ErrorBody),
    )
)]
pub async fn set_settings(
    api: Api,
    ApiPath(RoundPath { id: round_id }): ApiPath<RoundPath>,
    ApiJson(request): ApiJson<SurveySettingsRequest>,
) -> ApiResult<SurveySettings> {
    let saved = crate::surveys::settings::save_settings(
        &api.state,
        &api.user,
        &round_id,
        SurveyChoice {
            quota: request.quota,
            closes_on: request.closes_on.as_deref().unwrap_or_default(),
        },
        request.version,
        api.lang,
    )
    .await
    .map_err(api.app())?;
    Ok(Json(saved.into()))
}

/// The community's resident link (made on the first call): for its community workers and the
/// administrators whose area contains it.
#[utoipa::path(
    post,
    path = "/rounds/{id}/survey/communities/{code}/link",
    operation_id = "survey_link",
    tag = "surveys",
    params(RoundCommunityPath),
    responses(
        (status = 200, description = "The link", body = SurveyLink),
        NotInRoundArea,
        (status = 403, description = "May not make links for this community", body = ErrorBody),
        NoRound,
        NoSurvey,
    )
)]
pub async fn link(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
) -> ApiResult<SurveyLink> {
    let link = resident_link(&api.state, &api.user, &round_id, &code, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(SurveyLink {
        path: format!("/s/{}", link.token),
        poster: format!(
            "/rounds/{}/surveys/{}/poster",
            link.round_id, link.community_code
        ),
        round_id: link.round_id,
        community_code: link.community_code,
        token: link.token,
    }))
}

/// Saves one household's answers taken by phone, on paper or on a home visit. Refused with 409
/// when the household has answered in this round (or the form's token belongs to another
/// household), or when the community's result is already computed.
#[utoipa::path(
    post,
    path = "/rounds/{id}/survey/communities/{code}/answers",
    operation_id = "survey_answers",
    tag = "surveys",
    params(RoundCommunityPath),
    request_body = StaffAnswersRequest,
    responses(
        (status = 201, description = "Saved and counted", body = StaffAnswersSaved),
        (status = 202, description = "Saved and held for review: not counted until a district officer accepts it", body = StaffAnswersSaved),
        (status = 200, description = "This form was saved before: not counted again", body = StaffAnswersSaved),
        (status = 400, description = "The answers, household or channel are not valid (every problem listed)", body = ErrorBody),
        (status = 403, description = "May not enter answers for this community", body = ErrorBody),
        NoRound,
        (status = 409, description = "The household has answered, or the survey is closed", body = ErrorBody),
    )
)]
pub async fn enter(
    api: Api,
    peer: PeerAddress,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
    ApiJson(request): ApiJson<StaffAnswersRequest>,
) -> ApiCreated<StaffAnswersSaved> {
    let en = api.lang.is_en();
    may_enter(&api.user, &code, api.lang).map_err(api.app())?;
    entry_community(&api.state, &round_id, &code, api.lang)
        .await
        .map_err(api.app())?;
    let survey = running_survey(&api.state, &round_id, api.lang)
        .await
        .map_err(api.app())?;
    let mut problems: Vec<String> = Vec::new();
    let channel = Channel::parse(&request.channel).filter(|c| c.staff_entered());
    if channel.is_none() {
        problems.push(
            api.lang
                .pick(
                    "channel:须为 phone、paper 或 home_visit",
                    "channel: must be phone, paper or home_visit",
                )
                .into(),
        );
    }
    let household = match (request.phone.as_deref(), request.household_code.as_deref()) {
        (Some(phone), _) if !phone.trim().is_empty() => HouseholdId::phone(phone),
        (_, Some(code)) => HouseholdId::code(code),
        _ => HouseholdId::code(""),
    };
    let household = household
        .map_err(|e| problems.push(if en { e.to_string() } else { e.zh() }))
        .ok();
    let q = survey.questionnaire.clone();
    let answers = request
        .answers
        .into_iter()
        .map(|(id, value)| {
            let response = match q.question(&id).map(|question| &question.kind) {
                Some(QuestionKind::Text { .. }) => Response::Text(value),
                _ => Response::Choice(value),
            };
            (id, response)
        })
        .collect();
    let (Some(channel), Some(household)) = (channel, household) else {
        return Err(ApiError::bad_request(
            problems.join(api.lang.pick(";", "; ")),
        ));
    };
    let outcome = submit(
        &api.state,
        &survey,
        &code,
        answers,
        Respondent {
            client_token: &request.client_token,
            household,
            channel,
            entered_by: Some(&api.user.user.username),
            address: peer.0,
            location: request.location.map(|l| GeoPoint {
                lat: l.lat,
                lon: l.lon,
            }),
        },
    )
    .await;
    let conflict = |message: String| ApiError::new(StatusCode::CONFLICT, "conflict", message);
    match outcome {
        Ok(RecordOutcome::Accepted) => Ok((
            StatusCode::CREATED,
            Json(StaffAnswersSaved {
                outcome: "accepted".into(),
            }),
        )),
        Ok(RecordOutcome::AlreadyRecorded) => Ok((
            StatusCode::OK,
            Json(StaffAnswersSaved {
                outcome: "already_recorded".into(),
            }),
        )),
        Ok(RecordOutcome::Held) => Ok((
            StatusCode::ACCEPTED,
            Json(StaffAnswersSaved {
                outcome: "held".into(),
            }),
        )),
        Err(SubmitError::Household(error)) => Err(ApiError::bad_request(if en {
            error.to_string()
        } else {
            error.zh()
        })),
        Ok(RecordOutcome::Refused { reason }) => {
            Err(conflict(api.lang.pick(reason.zh(), reason.en()).into()))
        }
        Ok(RecordOutcome::Closed { .. }) => Err(conflict(
            api.lang
                .pick(
                    "本社区本年度的评分已经完成，问卷不再收取",
                    "this community's result is computed: its survey takes no more answers",
                )
                .into(),
        )),
        Err(SubmitError::Answers(errors)) => Err(ApiError::bad_request(
            errors
                .iter()
                .map(|e| if en { e.to_string() } else { e.zh() })
                .collect::<Vec<_>>()
                .join(api.lang.pick(";", "; ")),
        )),
        Err(SubmitError::ClientToken) => Err(ApiError::bad_request(api.lang.pick(
            "client_token:须为 16–128 个字母、数字、- 或 _",
            "client_token: must be 16–128 letters, digits, - or _",
        ))),
        Err(SubmitError::Location) => Err(ApiError::bad_request(api.lang.pick(
            "location:纬度须在 -90–90、经度须在 -180–180 之间",
            "location: latitude must be within -90–90 and longitude within -180–180",
        ))),
        Err(SubmitError::Closed(at)) => {
            Err(conflict(crate::surveys::answers::closed_text(api.lang, at)))
        }
        Err(SubmitError::App(e)) => Err(ApiError::from_app(e, api.lang)),
    }
}

/// Results of a community, street or district (`code`) inside the caller's area: respondents,
/// rates with Wilson intervals, samples against the quota, the standard's survey clauses (met,
/// points, withheld), and for an area every community's figures. Read from the running tallies.
#[utoipa::path(
    get,
    path = "/rounds/{id}/survey/results/{code}",
    operation_id = "survey_results",
    tag = "surveys",
    params(RoundAreaPath),
    responses(
        (status = 200, description = "The results", body = SurveyResults),
        (status = 400, description = "The area is outside the round's", body = ErrorBody),
        (status = 403, description = "The area is outside the caller's", body = ErrorBody),
        NoRoundOrArea,
        NoSurvey,
    )
)]
pub async fn results(
    api: Api,
    ApiPath(RoundAreaPath { id: round_id, code }): ApiPath<RoundAreaPath>,
) -> ApiResult<SurveyResults> {
    let results = area_results(&api.state, &api.user, &round_id, Some(&code), api.lang)
        .await
        .map_err(api.app())?;
    let q = &results.survey.questionnaire;
    let report =
        xingfu_core::survey::report(q, &results.tally, Some(&results.standard), results.quota)
            .map_err(|e| {
                api.app()(crate::app::error::AppError::Internal(anyhow::anyhow!(
                    "{e}"
                )))
            })?;
    let rates = |tally: &xingfu_core::survey::Tally| -> Vec<DimensionRate> {
        q.dimensions
            .iter()
            .map(|d| {
                let (rate, _) = dimension_rate(q, tally, &d.id);
                DimensionRate {
                    dimension: d.id.clone(),
                    name: api
                        .lang
                        .pick(&d.name, d.name_en.as_deref().unwrap_or(&d.name))
                        .to_string(),
                    sample: tally.dimension_respondents(&d.id),
                    satisfied: rate.satisfied,
                    counted: rate.counted,
                    percent: rate.percent().map(|p| p.to_f64()),
                }
            })
            .collect()
    };
    let quota = results.survey.quota();
    let communities = results
        .listed_communities()
        .iter()
        .map(|c| CommunityResult {
            code: c.code.clone(),
            name: c.name.clone(),
            respondents: c.tally.respondents(),
            quota_met: quota.check(c.tally.respondents()).met,
            dimensions: rates(&c.tally),
        })
        .collect();
    Ok(Json(SurveyResults {
        round_id,
        area_code: results.area.code.clone(),
        area_name: results.area.name.clone(),
        area_level: results.area.level.clone(),
        questionnaire_id: q.id.clone(),
        questionnaire_version: q.version.clone(),
        quota: results.survey.settings.quota,
        respondents: results.tally.respondents(),
        held: results.review.held,
        rejected: results.review.rejected,
        dimensions: rates(&results.tally),
        report: report_json(&report, results.area.level == "community"),
        communities,
    }))
}

/// Fraud signals per community of `code` (a community, street or district), for district and
/// city administrators: bursts from one source, identical answer patterns, answers outside the
/// community's area. Signals are reasons to look; nothing is removed.
#[utoipa::path(
    get,
    path = "/rounds/{id}/survey/fraud/{code}",
    operation_id = "survey_fraud",
    tag = "surveys",
    params(RoundAreaPath),
    responses(
        (status = 200, description = "The signals", body = FraudSignals),
        NotAreaAdmin,
        NoRoundOrArea,
    )
)]
pub async fn fraud(
    api: Api,
    ApiPath(RoundAreaPath { id: round_id, code }): ApiPath<RoundAreaPath>,
) -> ApiResult<FraudSignals> {
    let params = FraudParams::default();
    let view = fraud_signals(
        &api.state,
        &api.user,
        &round_id,
        Some(&code),
        &params,
        api.lang,
    )
    .await
    .map_err(api.app())?;
    Ok(Json(FraudSignals {
        round_id,
        area_code: view.area.code,
        too_many: view.too_many,
        params: serde_json::to_value(&params).unwrap_or(serde_json::Value::Null),
        communities: view
            .communities
            .into_iter()
            .map(|c| CommunityFraud {
                signals: serde_json::to_value(&c.signals).unwrap_or(serde_json::Value::Null),
                code: c.code,
                name: c.name,
                answers: c.answers,
            })
            .collect(),
    }))
}

/// A community's answers held for review (待核实), with the signals that held them, for district
/// and city administrators (those who see the fraud signals).
#[utoipa::path(
    get,
    path = "/rounds/{id}/survey/review/{code}",
    operation_id = "survey_review",
    tag = "surveys",
    params(RoundCommunityPath),
    responses(
        (status = 200, description = "The held answers", body = HeldAnswers),
        NotAreaAdmin,
        NoRound,
    )
)]
pub async fn review(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
) -> ApiResult<HeldAnswers> {
    let view = review_list(&api.state, &api.user, &round_id, &code, api.lang)
        .await
        .map_err(api.app())?;
    Ok(Json(HeldAnswers {
        round_id,
        community_code: code,
        held: view.counts.held,
        rejected: view.counts.rejected,
        answers: view
            .held
            .into_iter()
            .map(|row| HeldAnswer {
                signals: row.signals.iter().map(|s| s.key().to_string()).collect(),
                answers: serde_json::from_str(&row.answers).unwrap_or(serde_json::Value::Null),
                id: row.id,
                at: row.at,
                channel: row.channel,
                entered_by: row.entered_by,
                source: row.source,
            })
            .collect(),
    }))
}

/// Accepts or rejects held answers of a community, one or many at once. Accepted answers are
/// counted once; rejected ones never. An answer someone else decided first is listed as stale.
#[utoipa::path(
    post,
    path = "/rounds/{id}/survey/review/{code}",
    operation_id = "survey_review_decide",
    tag = "surveys",
    params(RoundCommunityPath),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "Decided (and stale ones listed)", body = ReviewResult),
        (status = 400, description = "No answers or no valid decision", body = ErrorBody),
        NotAreaAdmin,
        (status = 409, description = "The community's result is computed: answers can no longer be accepted", body = ErrorBody),
    )
)]
pub async fn decide(
    api: Api,
    ApiPath(RoundCommunityPath { id: round_id, code }): ApiPath<RoundCommunityPath>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> ApiResult<ReviewResult> {
    let Some(decision) = ReviewDecision::parse(&request.decision) else {
        return Err(ApiError::bad_request(api.lang.pick(
            "decision\u{ff1a}须为 accept 或 reject",
            "decision: must be accept or reject",
        )));
    };
    let outcome = crate::surveys::review::decide(
        &api.state,
        &api.user,
        &round_id,
        &code,
        &request.ids,
        decision,
        api.lang,
    )
    .await
    .map_err(api.app())?;
    Ok(Json(ReviewResult {
        decided: outcome.decided,
        stale: outcome.stale,
    }))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(settings, set_settings))
        .routes(routes!(link))
        .routes(routes!(enter))
        .routes(routes!(results))
        .routes(routes!(fraud))
        .routes(routes!(review, decide))
}
