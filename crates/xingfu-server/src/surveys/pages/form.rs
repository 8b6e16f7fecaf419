//! What the survey forms share: reading posted answers, showing a question, a typed location,
//! and the texts of the questionnaire in the page's language.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use xingfu_core::survey::fraud::GeoPoint;
use xingfu_core::survey::household::{HouseholdId, HouseholdIdError, is_valid_client_token};
use xingfu_core::survey::questionnaire::QuestionKind;
use xingfu_core::survey::submission::SubmissionError;
use xingfu_core::survey::{
    Channel, Question, Questionnaire, Response as Answer, Submission, check_submission,
};

use crate::app::auth::CurrentUser;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::pages::words::words;
use crate::web::page::Page;
use crate::web::visit::Visit;

/// Picks a questionnaire text in the page's language.
pub fn local<'a>(lang: Lang, zh: &'a str, en: Option<&'a str>) -> &'a str {
    lang.pick(zh, en.unwrap_or(zh))
}

/// The questionnaire's title in the page's language.
pub fn title(lang: Lang, q: &Questionnaire) -> &str {
    local(lang, &q.title, q.title_en.as_deref())
}

/// A signed-in person's request about a round.
#[derive(Clone, Copy)]
pub struct Asking<'a> {
    pub visit: &'a Visit,
    pub round_id: &'a str,
}

impl<'a> Asking<'a> {
    pub fn new(visit: &'a Visit, round_id: &'a str) -> Asking<'a> {
        Asking { visit, round_id }
    }

    /// State, person, language and round, to take apart in one line.
    pub fn parts(self) -> (&'a AppState, &'a CurrentUser, Lang, &'a str) {
        (
            &self.visit.state,
            &self.visit.user,
            self.visit.lang,
            self.round_id,
        )
    }

    /// The layout of the round's survey page at `/rounds/{round}/surveys` + `tail`.
    pub fn page(self, tail: &str, title: String) -> Page {
        let path = format!("/rounds/{}/surveys{tail}", self.round_id);
        self.visit.page_titled(&path, title)
    }
}

/// A form page's status: 422 when it is shown again with problems.
pub fn form_status(errors: &[crate::web::forms::Problem]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A page answered with another status than 200.
pub fn with_status(mut page: Response, status: StatusCode) -> Response {
    *page.status_mut() = status;
    page
}

/// A new form's client token.
pub fn random_client_token() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// A posted field's last value, or "".
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The answers in a form (`a_Q1=…`), blank ones left out, as typed.
pub fn raw_answers(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    let mut answers = BTreeMap::new();
    for (key, value) in pairs {
        if let Some(question) = key.strip_prefix("a_")
            && !value.trim().is_empty()
        {
            answers.insert(question.to_string(), value.clone());
        }
    }
    answers
}

/// The typed answers as the core reads them: an option for a rated question, text otherwise.
pub fn responses(q: &Questionnaire, raw: &BTreeMap<String, String>) -> BTreeMap<String, Answer> {
    raw.iter()
        .map(|(id, value)| {
            let response = match q.question(id).map(|question| &question.kind) {
                Some(QuestionKind::Text { .. }) => Answer::Text(value.clone()),
                _ => Answer::Choice(value.trim().to_string()),
            };
            (id.clone(), response)
        })
        .collect()
}

/// A problem with the answers, in the page's language.
pub fn submission_message(lang: Lang, error: &SubmissionError) -> String {
    if lang.is_en() {
        let text = error.to_string();
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => text,
        }
    } else {
        error.zh()
    }
}

/// The problems of answers against the questionnaire, each with its question.
pub fn check(
    q: &Questionnaire,
    channel: Channel,
    answers: BTreeMap<String, Answer>,
) -> Result<(), Vec<SubmissionError>> {
    let submission = Submission {
        questionnaire: q.id.clone(),
        version: q.version.clone(),
        channel,
        answers,
    };
    check_submission(q, submission).map(|_| ())
}

/// A question as a form shows it.
pub struct QuestionView {
    pub id: String,
    pub text: String,
    /// `choice` or `text`.
    pub kind: &'static str,
    /// (element id, value, label).
    pub options: Vec<(String, String, String)>,
    pub value: String,
    pub hint: String,
    pub error: Option<String>,
}

pub fn question_view(
    lang: Lang,
    q: &Questionnaire,
    question: &Question,
    value: &str,
    error: Option<String>,
) -> QuestionView {
    let w = words(lang);
    let options = q
        .scale_of(question)
        .map(|scale| {
            scale
                .options
                .iter()
                .map(|o| {
                    (
                        format!("o-{}-{}", question.id, o.id),
                        o.id.clone(),
                        local(lang, &o.label, o.label_en.as_deref()).to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let (kind, hint) = match question.kind {
        QuestionKind::Text { max_chars } => (
            "text",
            if lang.is_en() {
                format!("At most {max_chars} characters. {}", w.text_hint)
            } else {
                format!("最多 {max_chars} 个字。{}", w.text_hint)
            },
        ),
        QuestionKind::Rated { .. } => ("choice", String::new()),
    };
    QuestionView {
        id: question.id.clone(),
        text: local(lang, &question.text, question.text_en.as_deref()).to_string(),
        kind,
        options,
        value: value.to_string(),
        hint,
        error,
    }
}

/// A latitude and longitude typed into two fields: both empty is "no location".
pub fn typed_location(lat: &str, lon: &str) -> Result<Option<GeoPoint>, ()> {
    match (lat.trim(), lon.trim()) {
        ("", "") => Ok(None),
        (lat, lon) => {
            let point = GeoPoint {
                lat: lat.parse().map_err(|_| ())?,
                lon: lon.parse().map_err(|_| ())?,
            };
            if point.is_valid() {
                Ok(Some(point))
            } else {
                Err(())
            }
        }
    }
}

/// A posted form as its (name, value) pairs, in order: the survey forms have one field per
/// question, so they are read by name.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl crate::web::forms::HasCsrf for Pairs {
    fn csrf(&self) -> &str {
        field(&self.0, "csrf")
    }
}

impl Pairs {
    /// The field's last value, or "".
    pub fn get(&self, name: &str) -> &str {
        field(&self.0, name)
    }

    /// The field's first value, or "".
    pub fn first(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// The form's client token as sent, or a new one when it is not one.
pub fn client_token_of(sent: &str) -> String {
    if is_valid_client_token(sent) {
        sent.to_string()
    } else {
        random_client_token()
    }
}

/// The household a form names: its phone number, or else its household code.
pub fn household_of(phone: &str, code: &str) -> Result<HouseholdId, HouseholdIdError> {
    if phone.trim().is_empty() {
        HouseholdId::code(code)
    } else {
        HouseholdId::phone(phone)
    }
}

/// Why a household cannot answer as given, in the page's language.
pub fn household_message(lang: Lang, error: &HouseholdIdError) -> String {
    if lang.is_en() {
        error.to_string()
    } else {
        error.zh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_needs_both_coordinates_in_range() {
        assert_eq!(typed_location(" ", ""), Ok(None));
        assert_eq!(
            typed_location("28.01", "120.65"),
            Ok(Some(GeoPoint {
                lat: 28.01,
                lon: 120.65
            }))
        );
        assert_eq!(typed_location("28.01", ""), Err(()));
        assert_eq!(typed_location("91", "120"), Err(()));
        assert_eq!(typed_location("north", "120"), Err(()));
    }

    #[test]
    fn blank_answers_are_left_out_and_the_last_value_wins() {
        let pairs = vec![
            ("a_Q1".to_string(), "satisfied".to_string()),
            ("a_Q2".to_string(), "  ".to_string()),
            ("a_Q1".to_string(), "very_satisfied".to_string()),
            ("phone".to_string(), "13800138000".to_string()),
        ];
        let answers = raw_answers(&pairs);
        assert_eq!(answers.len(), 1);
        assert_eq!(answers["Q1"], "very_satisfied");
        assert_eq!(field(&pairs, "phone"), "13800138000");
        assert_eq!(field(&pairs, "missing"), "");
    }
}
