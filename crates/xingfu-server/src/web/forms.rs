//! Field errors on forms: which field, and what is wrong with it, shown beside the field and in
//! the error summary at the top of the page.

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::app::auth::CurrentUser;
use crate::app::state::AppState;

/// A field's name and the message shown for it.
pub type Problem = (String, String);

/// The message for a field, if it has one.
pub fn error_for(errors: &[Problem], field: &str) -> String {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.clone())
        .unwrap_or_default()
}

/// A form that carries the session's CSRF token in its `csrf` field.
pub trait HasCsrf {
    fn csrf(&self) -> &str;
}

/// Implements [`HasCsrf`] for form types with a `csrf: String` field.
#[macro_export]
macro_rules! csrf_forms {
    ($($form:ty),* $(,)?) => {
        $(impl $crate::web::forms::HasCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })*
    };
}

/// A posted form from a signed-in person whose CSRF token matched: the handler gets both and
/// checks nothing more. A stranger is sent to sign in; a mismatched token gets the "page has
/// expired" page; a malformed body gets the form extractor's own answer.
pub struct CsrfForm<T> {
    pub user: CurrentUser,
    pub form: T,
}

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned + HasCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user =
            <CurrentUser as FromRequestParts<AppState>>::from_request_parts(&mut parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        user.check_csrf(form.csrf())
            .map_err(IntoResponse::into_response)?;
        Ok(CsrfForm { user, form })
    }
}
