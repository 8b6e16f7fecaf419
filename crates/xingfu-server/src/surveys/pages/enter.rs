//! Staff entry of one household's answers taken by phone, on paper or on a home visit.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xingfu_core::survey::Channel;
use xingfu_store::surveys::RecordOutcome;

use crate::app::error::AppError;
use crate::surveys::answers::{Respondent, SubmitError, closed_text, submit};
use crate::surveys::model::RoundSurvey;
use crate::surveys::pages::form::{
    Asking, Pairs, QuestionView, check, client_token_of, household_message, household_of,
    question_view, random_client_token, raw_answers, responses, submission_message, title,
    typed_location, with_status,
};
use crate::surveys::pages::words::{Words, words};
use crate::surveys::service::{entry_community, may_enter, region_name, round_survey};
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::peer::PeerAddress;
use crate::web::posted::Posted;
use crate::web::visit::Visit;

#[derive(Template)]
#[template(path = "survey_enter.html")]
struct EnterPage {
    page: Page,
    w: &'static Words,
    round_id: String,
    code: String,
    community: String,
    title: String,
    errors: Vec<(String, String)>,
    notice: Option<String>,
    csrf: String,
    client_token: String,
    channels: Vec<(String, String)>,
    channel: String,
    channel_error: Option<String>,
    questions: Vec<QuestionView>,
    household_error: Option<String>,
    phone: String,
    household_code: String,
    location_error: Option<String>,
    lat: String,
    lon: String,
}

#[derive(Deserialize, Default)]
pub struct EnterQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The form as typed, to show again.
struct EnterForm {
    client_token: String,
    channel: String,
    answers: BTreeMap<String, String>,
    phone: String,
    code: String,
    lat: String,
    lon: String,
}

/// Whose entry form, for which community of which round.
struct Entry<'a> {
    ask: Asking<'a>,
    code: &'a str,
}

impl Entry<'_> {
    /// The staff may enter answers here, and the round runs a survey.
    async fn survey(&self) -> Result<RoundSurvey, AppError> {
        let ask = self.ask;
        let (state, user, lang, round_id) = ask.parts();
        may_enter(user, self.code, lang)?;
        round_survey(state, round_id)
            .await?
            .ok_or_else(|| AppError::Conflict(words(lang).no_survey.into()))
    }

    async fn page(
        &self,
        form: EnterForm,
        errors: Vec<Problem>,
        notice: Option<String>,
    ) -> PageResult {
        let code = self.code;
        let (state, user, lang, round_id) = self.ask.parts();
        let w = words(lang);
        let survey = self.survey().await?;
        let q = &survey.questionnaire;
        let community = region_name(state, code).await?;
        let error_for = |anchor: &str| {
            errors
                .iter()
                .find(|(a, _)| a == anchor)
                .map(|(_, m)| m.clone())
        };
        let questions = q
            .questions
            .iter()
            .map(|question| {
                let value = form.answers.get(&question.id).cloned().unwrap_or_default();
                question_view(
                    lang,
                    q,
                    question,
                    &value,
                    error_for(&format!("f-{}", question.id)),
                )
            })
            .collect();
        let channels = Channel::ALL
            .into_iter()
            .filter(|c| c.staff_entered())
            .map(|c| (c.key().to_string(), lang.pick(c.zh(), c.en()).to_string()))
            .collect();
        render(EnterPage {
            page: self
                .ask
                .page(&format!("/{code}/enter"), w.enter_heading.into())
                .with_offline(),
            w,
            round_id: round_id.to_string(),
            code: code.to_string(),
            community,
            title: title(lang, q).to_string(),
            channel_error: error_for("f-channel"),
            household_error: error_for("phone"),
            location_error: error_for("lat"),
            errors,
            notice,
            csrf: user.csrf.clone(),
            client_token: form.client_token,
            channels,
            channel: form.channel,
            questions,
            phone: form.phone,
            household_code: form.code,
            lat: form.lat,
            lon: form.lon,
        })
    }

    fn saved(&self, how: &str) -> PageResult {
        let (round_id, code) = (self.ask.round_id, self.code);
        Ok(Redirect::to(&format!(
            "/rounds/{round_id}/surveys/{code}/enter?saved={how}"
        ))
        .into_response())
    }
}

/// GET /rounds/{round}/surveys/{code}/enter: a blank staff form.
pub async fn enter_show(
    visit: Visit,
    Path((round_id, code)): Path<(String, String)>,
    Query(query): Query<EnterQuery>,
) -> PageResult {
    let w = words(visit.lang);
    let notice = match query.saved.as_deref() {
        Some("again") => Some(w.saved_again.to_string()),
        Some("held") => Some(w.saved_held.to_string()),
        Some(_) => Some(w.saved.to_string()),
        None => None,
    };
    let form = EnterForm {
        client_token: random_client_token(),
        channel: Channel::Phone.key().to_string(),
        answers: BTreeMap::new(),
        phone: String::new(),
        code: String::new(),
        lat: String::new(),
        lon: String::new(),
    };
    let entry = Entry {
        ask: Asking::new(&visit, &round_id),
        code: &code,
    };
    entry.page(form, Vec::new(), notice).await
}

/// POST /rounds/{round}/surveys/{code}/enter: one household's answers entered by staff.
pub async fn enter_save(
    peer: PeerAddress,
    Path((round_id, code)): Path<(String, String)>,
    Posted {
        v: visit,
        form: pairs,
    }: Posted<Pairs>,
) -> PageResult {
    let entry = Entry {
        ask: Asking::new(&visit, &round_id),
        code: &code,
    };
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let w = words(lang);
    let survey = entry.survey().await?;
    entry_community(state, &round_id, &code, lang).await?;
    let form = EnterForm {
        client_token: client_token_of(pairs.get("ct")),
        channel: pairs.get("channel").to_string(),
        answers: raw_answers(&pairs.0),
        phone: pairs.get("phone").to_string(),
        code: pairs.get("code").to_string(),
        lat: pairs.get("lat").to_string(),
        lon: pairs.get("lon").to_string(),
    };
    let q = survey.questionnaire.clone();
    let mut errors: Vec<Problem> = Vec::new();
    let channel = Channel::parse(&form.channel).filter(|c| c.staff_entered());
    if channel.is_none() {
        errors.push(("f-channel".into(), w.choose_channel.into()));
    }
    let answers = responses(&q, &form.answers);
    if let Err(problems) = check(&q, channel.unwrap_or(Channel::Phone), answers.clone()) {
        for problem in &problems {
            let anchor = problem
                .question()
                .map(|id| format!("f-{id}"))
                .unwrap_or_else(|| "f-channel".into());
            errors.push((anchor, submission_message(lang, problem)));
        }
    }
    let household = household_of(&form.phone, &form.code)
        .map_err(|e| errors.push(("phone".into(), household_message(lang, &e))))
        .ok();
    let location = typed_location(&form.lat, &form.lon)
        .map_err(|_| errors.push(("lat".into(), w.bad_location.into())))
        .ok()
        .flatten();
    let (Some(channel), Some(household), true) = (channel, household, errors.is_empty()) else {
        let page = entry.page(form, errors, None).await?;
        return Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let outcome = submit(
        state,
        &survey,
        &code,
        answers,
        Respondent {
            client_token: &form.client_token,
            household,
            channel,
            entered_by: Some(&user.user.username),
            address: peer.0,
            location,
        },
    )
    .await;
    let refused = |message: String, anchor: &str| (anchor.to_string(), message);
    let problem = match outcome {
        Ok(RecordOutcome::Accepted) => return entry.saved("1"),
        Ok(RecordOutcome::AlreadyRecorded) => return entry.saved("again"),
        Ok(RecordOutcome::Held) => return entry.saved("held"),
        Err(SubmitError::Household(error)) => refused(household_message(lang, &error), "phone"),
        Ok(RecordOutcome::Refused { reason }) => {
            refused(lang.pick(reason.zh(), reason.en()).into(), "phone")
        }
        Ok(RecordOutcome::Closed { .. }) => refused(w.closed.into(), "f-channel"),
        Err(SubmitError::Closed(closes)) => refused(closed_text(lang, closes), "f-channel"),
        Err(SubmitError::App(e)) => return Err(e),
        Err(SubmitError::Answers(problems)) => refused(
            problems
                .first()
                .map(|p| submission_message(lang, p))
                .unwrap_or_default(),
            "f-channel",
        ),
        Err(SubmitError::ClientToken) => return Err(AppError::Forbidden("csrf".into())),
        Err(SubmitError::Location) => refused(w.bad_location.into(), "lat"),
    };
    let page = entry.page(form, vec![problem], None).await?;
    Ok(with_status(page, StatusCode::CONFLICT))
}
