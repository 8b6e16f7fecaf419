//! The form plumbing every people page shares: the fields to correct, shown in the error
//! summary and beside each field; the 422 of a form shown again; and what a post ends in.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use crate::i18n::Lang;
use crate::people::service::{FieldError, Refused};
use crate::web::forms::Problem;
use crate::web::page::PageResult;

/// The service's field errors as the error summary's lines: (field id, message).
pub fn problems(fields: Vec<FieldError>) -> Vec<Problem> {
    fields.into_iter().map(|f| (f.field, f.message)).collect()
}

/// A drawn page that shows a form's problems answers 422, so a form sent again is not taken
/// for a success.
pub fn with_problems(response: PageResult, errors: &[Problem]) -> PageResult {
    response.map(|mut r| {
        if !errors.is_empty() {
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        r
    })
}

/// A post that is done: on to the page that shows it.
pub fn go(to: String) -> PageResult {
    Ok(Redirect::to(&to).into_response())
}

/// What a form post ends in: the redirect `to` names when it was saved; the page again
/// (`again`) with the fields to correct; or the refusal, drawn as the error page.
pub async fn saved_or_again<T>(
    outcome: Result<T, Refused>,
    to: impl FnOnce(T) -> String,
    again: impl AsyncFnOnce(Vec<Problem>) -> PageResult,
) -> PageResult {
    match outcome {
        Ok(done) => go(to(done)),
        Err(Refused::Fields(fields)) => again(problems(fields)).await,
        Err(Refused::App(e)) => Err(e),
    }
}

/// Gives page templates `self.error(field)`: the message beside that field, if any.
macro_rules! field_errors {
    ($($page:ty),* $(,)?) => {
        $(impl $page {
            fn error(&self, field: &str) -> String {
                $crate::web::forms::error_for(&self.errors, field)
            }
        })*
    };
}
pub(crate) use field_errors;

/// A date or time typed that did not read: its field's problem, "what: hint" in `lang`.
pub fn unless_read(
    lang: Lang,
    errors: &mut Vec<Problem>,
    field: &str,
    read: Option<i64>,
    what: &str,
    hint: &str,
) {
    if read.is_none() {
        errors.push((field.to_string(), format!("{what}{}{hint}", lang.colon())));
    }
}

/// A form that carries nothing but the session's token (a button).
#[derive(serde::Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

crate::csrf_forms!(TokenForm);

/// The `done=` a saved form's redirect names, for the notice at the top of the page.
#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub done: String,
}

/// A page about one community (an administrator's choice), with the `done=` notice.
#[derive(serde::Deserialize, Default)]
pub struct CommunityQuery {
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub done: String,
}
