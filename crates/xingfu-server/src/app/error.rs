//! Errors a request can end in, and how each is shown.
//!
//! Policy: a page request gets a page in the user's language saying what happened and that
//! nothing was saved; an API request gets JSON `{ "error": { "code", "message" } }`. Internal
//! details go to the log, never to the user.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A form read at an older version of what it edits (see `crate::app::versions`).
    #[error("stale: {}", .0.message)]
    Stale(Stale),
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

/// A failure that is the server's, not the request's (logged, never shown).
pub fn internal(what: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what}"))
}

/// A form field that is wrong, and why; a service returns these for a page to show beside
/// each field, and the API says them in one message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's name in the form (and the input's id in the page).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The errors as one message, for callers without fields (the API): `field: message; …`.
    pub fn in_one_line(errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A write refused because the form was read at an older version; nothing was written.
#[derive(Debug)]
pub struct Stale {
    /// Who changed it and when, in the user's language.
    pub message: String,
    /// The version it is at now: a form shown again carries this one.
    pub version: i64,
}

impl From<xingfu_store::StoreError> for AppError {
    fn from(error: xingfu_store::StoreError) -> Self {
        AppError::Internal(error.into())
    }
}

/// A figures period that does not run forwards is the asker's mistake.
impl From<xingfu_core::ops::metrics::PeriodError> for AppError {
    fn from(error: xingfu_core::ops::metrics::PeriodError) -> Self {
        AppError::BadRequest(error.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        AppError::Internal(error.into())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What a person may be told of an error: internal details stay in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    NotFound,
    /// The form's CSRF token did not match: the page was open too long, or is not ours.
    FormExpired,
    Forbidden(String),
    /// Bad input, a conflict or a stale form: the message says what to do.
    Problem(String),
    ServerError,
}

impl AppError {
    /// What the person is told; an internal error is logged here, once.
    pub fn shown(&self) -> Shown {
        match self {
            AppError::NotFound => Shown::NotFound,
            AppError::Forbidden(reason) if reason == "csrf" => Shown::FormExpired,
            AppError::Forbidden(reason) => Shown::Forbidden(reason.clone()),
            AppError::BadRequest(reason) | AppError::Conflict(reason) => {
                Shown::Problem(reason.clone())
            }
            AppError::Stale(stale) => Shown::Problem(stale.message.clone()),
            AppError::Internal(e) => {
                tracing::error!("{e:#}");
                Shown::ServerError
            }
        }
    }
}

/// A plain response that carries [`Shown`]: on the pages' routes the web kit draws it as a page
/// in the person's language; elsewhere the plain text stands.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let shown = self.shown();
        let message = match &self {
            AppError::Internal(_) => "internal error; nothing was saved".to_string(),
            other => other.to_string(),
        };
        let mut response = (self.status(), message).into_response();
        response.extensions_mut().insert(shown);
        response
    }
}

impl AppError {
    /// The error as a line for administrators (a job's failure, what an export could not
    /// pack): what a person would be told, or the internal error itself.
    pub fn as_text(&self) -> String {
        match self {
            AppError::Internal(e) => format!("{e:#}"),
            AppError::NotFound => "not found".to_string(),
            AppError::Stale(stale) => stale.message.clone(),
            AppError::Forbidden(text) | AppError::BadRequest(text) | AppError::Conflict(text) => {
                text.clone()
            }
        }
    }
}
