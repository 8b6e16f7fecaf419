//! A page request from a signed-in person: the state, their cookies, their language and who
//! they are, taken once instead of as four extractors in every handler.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use super::page::Page;
use crate::app::auth::CurrentUser;
use crate::app::state::AppState;
use crate::i18n::Lang;

pub struct Visit {
    pub state: AppState,
    pub jar: CookieJar,
    pub lang: Lang,
    pub user: CurrentUser,
}

impl Visit {
    pub fn new(state: &AppState, jar: CookieJar, user: CurrentUser) -> Visit {
        Visit {
            state: state.clone(),
            lang: Lang::from_jar(&jar),
            jar,
            user,
        }
    }

    /// The layout of a page at `path` with this title.
    pub fn page_titled(&self, path: &str, title: String) -> Page {
        Page::new(&self.jar, Some(self.user.clone()), path, title)
    }

    pub fn into_parts(self) -> (AppState, CookieJar, CurrentUser, Lang) {
        (self.state, self.jar, self.user, self.lang)
    }
}

/// A stranger is sent to sign in, as with [`CurrentUser`].
impl FromRequestParts<AppState> for Visit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Visit::new(
            state,
            CookieJar::from_headers(&parts.headers),
            user,
        ))
    }
}
