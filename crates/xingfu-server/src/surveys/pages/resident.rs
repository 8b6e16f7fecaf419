//! The resident's questionnaire, reached by a community's link or QR poster: no account, no
//! JavaScript, one question per screen.
//!
//! The form carries every answer given so far in hidden fields, so each screen is a plain POST
//! and going back loses nothing; the language and text-size switches are buttons of the same
//! form, so switching keeps the place and the answers too. Its client token is made when the first screen is shown;
//! sending the last screen twice (a double tap, a retry) is recorded once.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::survey::Channel;
use xingfu_core::survey::household::Refusal;
use xingfu_core::survey::submission::SubmissionError;
use xingfu_store::surveys::RecordOutcome;

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::answers::{Closed, Respondent, SubmitError, closed, closed_text, submit};
use crate::surveys::links::link_contact;
use crate::surveys::model::{LinkInfo, RoundSurvey};
use crate::surveys::pages::form::{
    QuestionView, check, client_token_of, field, household_message, household_of, local,
    question_view, random_client_token, raw_answers, responses, submission_message, title,
    with_status,
};
use crate::surveys::pages::words::{Words, words};
use crate::surveys::service::cached_round_survey;
use crate::web::page::{Page, PageResult, render};
use crate::web::peer::PeerAddress;
use crate::web::preferences::Switch;

pub struct Message {
    pub heading: String,
    pub text: String,
    pub alert: bool,
    pub again: Option<String>,
}

#[derive(Template)]
#[template(path = "survey_resident.html")]
struct ResidentPage {
    page: Page,
    w: &'static Words,
    token: String,
    community: String,
    title: String,
    message: Option<Message>,
    errors: Vec<(String, String)>,
    intro: Option<String>,
    progress: String,
    client_token: String,
    step: usize,
    hidden: Vec<(String, String)>,
    question: Option<QuestionView>,
    household_error: Option<String>,
    phone: String,
    code: String,
    review: Vec<(String, String)>,
}

/// What a resident screen shows.
struct Screen<'a> {
    survey: &'a RoundSurvey,
    link: &'a LinkInfo,
    token: &'a str,
    client_token: String,
    answers: BTreeMap<String, String>,
    phone: String,
    code: String,
}

fn resident_message(
    jar: &CookieJar,
    lang: Lang,
    token: &str,
    community: &str,
    title: &str,
    message: Message,
) -> PageResult {
    render(ResidentPage {
        page: Page::new(jar, None, &format!("/s/{token}"), message.heading.clone()),
        w: words(lang),
        token: token.to_string(),
        community: community.to_string(),
        title: title.to_string(),
        message: Some(message),
        errors: Vec::new(),
        intro: None,
        progress: String::new(),
        client_token: String::new(),
        step: 0,
        hidden: Vec::new(),
        question: None,
        household_error: None,
        phone: String::new(),
        code: String::new(),
        review: Vec::new(),
    })
}

/// Renders screen `step` (0-based: the questions, then the household screen).
fn resident_screen(
    jar: &CookieJar,
    lang: Lang,
    screen: &Screen<'_>,
    step: usize,
    error: Option<(String, String)>,
) -> PageResult {
    let w = words(lang);
    let q = &screen.survey.questionnaire;
    let total = q.questions.len() + 1;
    let step = step.min(total - 1);
    let title = title(lang, q).to_string();
    let current = q.questions.get(step);
    let hidden: Vec<(String, String)> = screen
        .answers
        .iter()
        .filter(|(id, _)| current.is_none_or(|question| question.id != **id))
        .map(|(id, value)| (format!("a_{id}"), value.clone()))
        .collect();
    let (question, household_error) = match current {
        Some(question) => {
            let value = screen
                .answers
                .get(&question.id)
                .cloned()
                .unwrap_or_default();
            let error = error.as_ref().map(|(_, message)| message.clone());
            (Some(question_view(lang, q, question, &value, error)), None)
        }
        None => (None, error.as_ref().map(|(_, message)| message.clone())),
    };
    let progress = match current {
        Some(_) => w
            .question_of
            .replace("{n}", &(step + 1).to_string())
            .replace("{total}", &q.questions.len().to_string()),
        None => w.last_step.to_string(),
    };
    let review = if current.is_none() {
        q.questions
            .iter()
            .map(|question| {
                let given = screen.answers.get(&question.id);
                let shown = match (given, q.scale_of(question)) {
                    (Some(value), Some(scale)) => scale
                        .option(value)
                        .map(|o| local(lang, &o.label, o.label_en.as_deref()).to_string())
                        .unwrap_or_else(|| value.clone()),
                    (Some(value), None) => value.clone(),
                    (None, _) => w.not_answered.to_string(),
                };
                (
                    local(lang, &question.text, question.text_en.as_deref()).to_string(),
                    shown,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let heading = match &question {
        Some(view) => view.text.clone(),
        None => w.household_heading.to_string(),
    };
    let mut response = render(ResidentPage {
        page: Page::new(jar, None, &format!("/s/{}", screen.token), heading)
            .with_switches_in_form(),
        w,
        token: screen.token.to_string(),
        community: screen.link.community_name.clone(),
        title,
        message: None,
        errors: error.into_iter().collect(),
        intro: (step == 0)
            .then(|| {
                q.intro
                    .as_deref()
                    .map(|i| local(lang, i, q.intro_en.as_deref()))
            })
            .flatten()
            .map(str::to_string),
        progress,
        client_token: screen.client_token.clone(),
        step,
        hidden,
        question,
        household_error,
        phone: screen.phone.clone(),
        code: screen.code.clone(),
        review,
    })?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    Ok(response)
}

/// The link and the round's survey, or the message page that says why there is none.
async fn resident_context(
    state: &AppState,
    jar: &CookieJar,
    lang: Lang,
    token: &str,
) -> Result<Result<(LinkInfo, Arc<RoundSurvey>), Response>, AppError> {
    let w = words(lang);
    let missing = |community: &str, text: &str| -> PageResult {
        let message = Message {
            heading: w.no_link_heading.into(),
            text: text.into(),
            alert: true,
            again: None,
        };
        let page = resident_message(jar, lang, token, community, "", message)?;
        Ok(with_status(page, StatusCode::NOT_FOUND))
    };
    let Some(link) = crate::surveys::links::link(state, token).await? else {
        return Ok(Err(missing("", w.no_link_text)?));
    };
    let Some(survey) = cached_round_survey(state, &link.round_id).await? else {
        return Ok(Err(missing(&link.community_name, w.not_started)?));
    };
    // A survey that takes no more answers says so before anyone types one: past its closing
    // day, or once the community's result is computed.
    if let Some(why) = closed(state, &survey, &link.community_code).await? {
        let message = closed_message(state, lang, token, why).await?;
        let status = match why {
            Closed::Day(_) => StatusCode::GONE,
            Closed::Rated => StatusCode::CONFLICT,
        };
        let page = resident_message(jar, lang, token, &link.community_name, "", message)?;
        return Ok(Err(with_status(page, status)));
    }
    Ok(Ok((link, survey)))
}

/// The message of a survey that takes no more answers: why, that the resident need do nothing
/// more, what happens next, and whom to ask.
async fn closed_message(
    state: &AppState,
    lang: Lang,
    token: &str,
    why: Closed,
) -> Result<Message, AppError> {
    let w = words(lang);
    let contact = match state.store.survey_link(token).await? {
        Some(link) => link_contact(state, &link, lang).await?,
        None => String::new(),
    };
    let (why, next) = match why {
        Closed::Day(closes) => (closed_text(lang, closes), w.closed_day_next.to_string()),
        Closed::Rated => (w.closed.to_string(), w.closed_rated_next.to_string()),
    };
    let ask = if contact.is_empty() {
        String::new()
    } else {
        w.closed_ask.replace("{contact}", &contact)
    };
    let text = if lang.is_en() {
        format!("{}. {next}{ask}", capitalised(&why))
    } else {
        format!("{why}\u{3002}{next}{ask}")
    };
    Ok(Message {
        heading: w.closed_heading.into(),
        text,
        alert: false,
        again: None,
    })
}

/// `text` with its first letter in upper case (an English sentence).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// GET /s/{token}: the first question, with the questionnaire's introduction.
pub async fn resident_start(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let (link, survey) = match resident_context(&state, &jar, lang, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let screen = Screen {
        survey: &survey,
        link: &link,
        token: &token,
        client_token: random_client_token(),
        answers: BTreeMap::new(),
        phone: String::new(),
        code: String::new(),
    };
    resident_screen(&jar, lang, &screen, 0, None)
}

/// POST /s/{token}: the next or previous screen, or the answers sent.
pub async fn resident_post(
    State(state): State<AppState>,
    jar: CookieJar,
    peer: PeerAddress,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    resident_post_inner(&state, &jar, lang, peer, &token, &pairs).await
}

async fn resident_post_inner(
    state: &AppState,
    jar: &CookieJar,
    lang: Lang,
    peer: PeerAddress,
    token: &str,
    pairs: &[(String, String)],
) -> PageResult {
    let w = words(lang);
    let (link, survey) = match resident_context(state, jar, lang, token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let q = survey.questionnaire.clone();
    let screen = Screen {
        survey: &survey,
        link: &link,
        token,
        client_token: client_token_of(field(pairs, "ct")),
        answers: raw_answers(pairs),
        phone: field(pairs, "phone").to_string(),
        code: field(pairs, "code").to_string(),
    };
    let step: usize = field(pairs, "step").parse().unwrap_or(0);
    let household_step = q.questions.len();
    // The errors of the whole form, by question.
    let problems = || check(&q, Channel::ResidentLink, responses(&q, &screen.answers));
    let error_at = |question: &str, error: &SubmissionError| {
        let message = match error {
            SubmissionError::Missing { .. } => w.answer_this.to_string(),
            other => submission_message(lang, other),
        };
        (format!("f-{question}"), message)
    };
    // Screen `index` again when its question has a problem.
    let shown_at = |index: usize, errors: &[SubmissionError]| {
        let question = q.questions.get(index)?;
        let error = errors
            .iter()
            .find(|e| e.question() == Some(question.id.as_str()))?;
        let error = Some(error_at(&question.id, error));
        Some(resident_screen(jar, lang, &screen, index, error))
    };
    // The language or text size switched from inside the form: the same screen again, with
    // everything given so far (the answer on this screen too), in the new language or size.
    if let Some(switch) = Switch::parse(field(pairs, "switch")) {
        let jar = switch.keep(jar.clone());
        let page = resident_screen(&jar, Lang::from_jar(&jar), &screen, step, None)?;
        return Ok((jar, page).into_response());
    }
    match field(pairs, "nav") {
        "back" => resident_screen(jar, lang, &screen, step.saturating_sub(1), None),
        "submit" => {
            if let Err(errors) = problems() {
                // Back to the first question with a problem.
                if let Some(page) = (0..q.questions.len()).find_map(|i| shown_at(i, &errors)) {
                    return page;
                }
                let message = errors
                    .first()
                    .map(|e| submission_message(lang, e))
                    .unwrap_or_default();
                return resident_screen(jar, lang, &screen, 0, Some(("f-Q".into(), message)));
            }
            let household = match household_of(&screen.phone, &screen.code) {
                Ok(household) => household,
                Err(error) => {
                    let message = household_message(lang, &error);
                    return resident_screen(
                        jar,
                        lang,
                        &screen,
                        household_step,
                        Some(("phone".into(), message)),
                    );
                }
            };
            let outcome = submit(
                state,
                &survey,
                &link.community_code,
                responses(&q, &screen.answers),
                Respondent {
                    client_token: &screen.client_token,
                    household,
                    channel: Channel::ResidentLink,
                    entered_by: None,
                    address: peer.0,
                    location: None,
                },
            )
            .await;
            let title = title(lang, &q);
            let refused = |message: Message| -> PageResult {
                let page =
                    resident_message(jar, lang, token, &link.community_name, title, message)?;
                Ok(with_status(page, StatusCode::CONFLICT))
            };
            match outcome {
                Ok(RecordOutcome::Accepted | RecordOutcome::AlreadyRecorded) => {
                    Ok(Redirect::to(&format!("/s/{token}/done")).into_response())
                }
                // Received, to be checked: said plainly, without suspicion.
                Ok(RecordOutcome::Held) => {
                    Ok(Redirect::to(&format!("/s/{token}/done?checked=1")).into_response())
                }
                Err(SubmitError::Household(error)) => resident_screen(
                    jar,
                    lang,
                    &screen,
                    household_step,
                    Some(("phone".into(), household_message(lang, &error))),
                ),
                Ok(RecordOutcome::Refused { reason }) => refused(Message {
                    heading: w.refused_heading.into(),
                    text: lang.pick(reason.zh(), reason.en()).into(),
                    alert: true,
                    again: matches!(reason, Refusal::TokenOfAnotherHousehold)
                        .then(|| format!("/s/{token}")),
                }),
                Ok(RecordOutcome::Closed { .. }) => refused(Message {
                    alert: true,
                    ..closed_message(state, lang, token, Closed::Rated).await?
                }),
                Err(SubmitError::Closed(closes)) => refused(Message {
                    alert: true,
                    ..closed_message(state, lang, token, Closed::Day(closes)).await?
                }),
                Err(SubmitError::App(e)) => Err(e),
                Err(SubmitError::Answers(errors)) => {
                    let message = errors
                        .first()
                        .map(|e| submission_message(lang, e))
                        .unwrap_or_default();
                    resident_screen(jar, lang, &screen, 0, Some(("f-Q".into(), message)))
                }
                Err(SubmitError::ClientToken | SubmitError::Location) => {
                    Err(AppError::Forbidden("csrf".into()))
                }
            }
        }
        // "next", or Enter pressed in a field.
        _ => {
            if step < household_step
                && let Err(errors) = problems()
                && let Some(page) = shown_at(step, &errors)
            {
                return page;
            }
            resident_screen(jar, lang, &screen, (step + 1).min(household_step), None)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    checked: Option<String>,
}

/// GET /s/{token}/done: the thanks after an answer is recorded (or received to be checked).
pub async fn resident_done(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let w = words(lang);
    let (link, survey) = match resident_context(&state, &jar, lang, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let q = &survey.questionnaire;
    resident_message(
        &jar,
        lang,
        &token,
        &link.community_name,
        title(lang, q),
        Message {
            heading: w.thanks_heading.into(),
            text: if query.checked.is_some() {
                w.thanks_checked.into()
            } else {
                w.thanks.into()
            },
            alert: false,
            again: None,
        },
    )
}
