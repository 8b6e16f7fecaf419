//! A posted form from a signed-in person together with their visit (state, cookies, language),
//! so a form handler that shows its page again needs nothing else.

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use super::forms::{CsrfForm, HasCsrf};
use super::visit::Visit;
use crate::app::state::AppState;

/// [`CsrfForm`] with the [`Visit`] of the person who posted it; rejected as `CsrfForm` is.
pub struct PostedForm<T> {
    pub visit: Visit,
    pub form: T,
}

impl<T> FromRequest<AppState> for PostedForm<T>
where
    T: DeserializeOwned + HasCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(request.headers());
        let CsrfForm { user, form } = CsrfForm::<T>::from_request(request, state).await?;
        Ok(PostedForm {
            visit: Visit::new(state, jar, user),
            form,
        })
    }
}
