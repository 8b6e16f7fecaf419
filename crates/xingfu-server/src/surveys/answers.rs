//! Taking one household's answers: checked against the questionnaire and the community's
//! household register, hashed, marked to be held when a located answer lies outside the
//! community's area (待核实: stored, but out of the tallies and the rating until a district
//! officer accepts it), and handed to the writer.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use xingfu_core::survey::fraud::{
    AnswerMeta, FraudParams, GeoPoint, HoldSignal, outside_community,
};
use xingfu_core::survey::household::{
    HouseholdId, HouseholdIdError, is_valid_client_token, outside_register,
};
use xingfu_core::survey::submission::SubmissionError;
use xingfu_core::survey::{Channel, Submission, check_submission};
use xingfu_store::surveys::{NewSurveyAnswer, RecordOutcome};

use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::surveys::fraud::parse_area;
use crate::surveys::households::{household_hash, secret, source_hash};
use crate::surveys::model::RoundSurvey;

/// Who sends an answer, and from where.
#[derive(Debug, Clone)]
pub struct Respondent<'a> {
    pub client_token: &'a str,
    pub household: HouseholdId,
    pub channel: Channel,
    /// The staff member's user name for staff-entered channels.
    pub entered_by: Option<&'a str>,
    pub address: Option<IpAddr>,
    pub location: Option<GeoPoint>,
}

/// Why an answer was not taken before it reached the database.
#[derive(Debug)]
pub enum SubmitError {
    /// The answers do not fit the questionnaire (every problem, with its question).
    Answers(Vec<SubmissionError>),
    /// The form's client token is not 16–128 letters, digits, `-` or `_`.
    ClientToken,
    /// The location is not a latitude/longitude.
    Location,
    /// The household cannot answer as given (a code outside the community's register).
    Household(HouseholdIdError),
    /// The survey closed at this time (Unix milliseconds): its closing day is over.
    Closed(i64),
    App(AppError),
}

impl From<AppError> for SubmitError {
    fn from(error: AppError) -> SubmitError {
        SubmitError::App(error)
    }
}

/// Why a closed survey takes no answer, with its closing day.
pub fn closed_text(lang: crate::i18n::Lang, closes_at: i64) -> String {
    let day = xingfu_core::survey::closing::closing_day(closes_at);
    if lang.is_en() {
        format!("this survey closed at the end of {day}: it takes no more answers")
    } else {
        format!("本次满意度调查已于 {day} 截止\u{ff0c}不再收取答卷")
    }
}

/// Why a community's survey takes no more answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Its closing day is over: the survey closed at this time (Unix milliseconds).
    Day(i64),
    /// The community's result is computed (or further on): the survey stays as it was rated.
    Rated,
}

/// Whether the community's survey still takes answers, asked before a resident starts: the
/// same rules the writer applies when the answers arrive (closing day, then the entry's stage).
pub async fn closed(
    state: &AppState,
    survey: &RoundSurvey,
    community: &str,
) -> Result<Option<Closed>, AppError> {
    if let Some(closes) = survey.settings.closes_at
        && !xingfu_core::survey::closing::takes_answers(Some(closes), now_ms())
    {
        return Ok(Some(Closed::Day(closes)));
    }
    let entry = state
        .store
        .entry(&survey.settings.round_id, community)
        .await?;
    let rated = entry
        .map(|e| e.stage)
        .is_some_and(|stage| !xingfu_store::surveys::stage_takes_answers(stage));
    Ok(rated.then_some(Closed::Rated))
}

/// Checks one household's answers and hands them to the writer; returns once the batch holding
/// them is committed (or refused), never before.
pub async fn submit(
    state: &AppState,
    survey: &RoundSurvey,
    community: &str,
    answers: BTreeMap<String, xingfu_core::survey::Response>,
    respondent: Respondent<'_>,
) -> Result<RecordOutcome, SubmitError> {
    if let Some(closes) = survey.settings.closes_at
        && !xingfu_core::survey::closing::takes_answers(Some(closes), now_ms())
    {
        return Err(SubmitError::Closed(closes));
    }
    if !is_valid_client_token(respondent.client_token) {
        return Err(SubmitError::ClientToken);
    }
    if respondent.location.is_some_and(|p| !p.is_valid()) {
        return Err(SubmitError::Location);
    }
    let q = &survey.questionnaire;
    let checked = check_submission(
        q,
        Submission {
            questionnaire: q.id.clone(),
            version: q.version.clone(),
            channel: respondent.channel,
            answers,
        },
    )
    .map_err(SubmitError::Answers)?;
    if let HouseholdId::Code(code) = &respondent.household {
        let register = state
            .store
            .household_register(community)
            .await
            .map_err(AppError::from)?;
        if outside_register(&respondent.household, register.iter().map(String::as_str)) {
            return Err(SubmitError::Household(HouseholdIdError::NotInRegister(
                code.clone(),
            )));
        }
    }
    let hold = match respondent.location {
        Some(point) => located_outside(state, community, point).await?,
        None => Default::default(),
    };
    let secret = secret(state).await?;
    let round_id = &survey.settings.round_id;
    let household = household_hash(secret, round_id, community, &respondent.household)?;
    let source = respondent
        .address
        .map(|address| source_hash(secret, round_id, address))
        .transpose()?;
    let answer = NewSurveyAnswer {
        id: xingfu_store::new_id(),
        round_id: round_id.clone(),
        community_code: community.to_string(),
        questionnaire_id: q.id.clone(),
        questionnaire_version: q.version.clone(),
        household,
        client_token: respondent.client_token.to_string(),
        channel: respondent.channel.key().to_string(),
        entered_by: respondent.entered_by.map(str::to_string),
        source,
        location_e6: respondent.location.map(|p| {
            (
                (p.lat * 1_000_000.0).round() as i64,
                (p.lon * 1_000_000.0).round() as i64,
            )
        }),
        pattern: checked.pattern().to_string(),
        answers: serde_json::to_string(&checked.submission().answers)
            .map_err(|e| internal(format!("answers as JSON: {e}")))?,
        increments: checked.increments().iter().map(|k| k.to_string()).collect(),
        at: now_ms(),
        hold,
    };
    Ok(state.surveys.record(&state.store, answer).await?)
}

/// Whether a located answer is beyond the community's area (with the fraud page's margin): then
/// it is held from arrival. No area set, or one that does not check: nothing to hold for.
async fn located_outside(
    state: &AppState,
    community: &str,
    point: GeoPoint,
) -> Result<BTreeSet<HoldSignal>, AppError> {
    let area = state
        .store
        .survey_area(community)
        .await?
        .as_deref()
        .and_then(parse_area);
    let meta = AnswerMeta {
        id: String::new(),
        at_millis: 0,
        channel: Channel::HomeVisit,
        source: None,
        location: Some(point),
        pattern: String::new(),
    };
    let outside = area
        .and_then(|area| outside_community(&[meta], &area, &FraudParams::default()).ok())
        .is_some_and(|report| !report.outside.is_empty());
    Ok(if outside {
        [HoldSignal::OutsideCommunity].into()
    } else {
        Default::default()
    })
}
