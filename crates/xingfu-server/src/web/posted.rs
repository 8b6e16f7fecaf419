//! A posted form from a signed-in person, CSRF token checked, with the visit it came in: what a
//! form handler needs to save it or draw its page again.

use axum::extract::{FromRequest, Request};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use super::forms::{CsrfForm, HasCsrf};
use super::visit::Visit;
use crate::app::state::AppState;

/// [`CsrfForm`] with the [`Visit`]: refused as `CsrfForm` refuses.
pub struct Posted<T> {
    pub v: Visit,
    pub form: T,
}

impl<T> FromRequest<AppState> for Posted<T>
where
    T: DeserializeOwned + HasCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(request.headers());
        let CsrfForm { user, form } = CsrfForm::<T>::from_request(request, state).await?;
        Ok(Posted {
            v: Visit::new(state, jar, user),
            form,
        })
    }
}
