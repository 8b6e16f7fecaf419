//! What an API handler starts from: the state and the signed-in caller with their language,
//! taken as one extractor, and the shapes its answer takes.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::api_error::{self, ApiError};
use super::api_user::ApiUser;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// An API request from a signed-in caller (see [`ApiUser`] for how they prove it).
pub struct Api {
    pub state: AppState,
    pub user: CurrentUser,
    /// The language of the answer's messages.
    pub lang: Lang,
}

impl Api {
    /// For `map_err`: a service's error as the API's, in the caller's language.
    pub fn app(&self) -> impl Fn(AppError) -> ApiError + use<> {
        api_error::app(self.lang)
    }

    /// Awaits a read of the store, its error answered in the caller's language:
    /// `api.read(api.state.store.round(&id)).await?`.
    pub async fn read<T>(
        &self,
        query: impl Future<Output = Result<T, xingfu_store::StoreError>>,
    ) -> Result<T, ApiError> {
        query.await.map_err(api_error::store(self.lang))
    }
}

impl FromRequestParts<AppState> for Api {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = ApiUser::from_request_parts(parts, state).await?;
        Ok(Api {
            state: state.clone(),
            user: caller.current,
            lang: caller.lang,
        })
    }
}

/// A handler's answer: its JSON body, or the API's error.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// A list answer: each row in its API shape.
pub fn listed<R, V: From<R>>(rows: Vec<R>) -> ApiResult<Vec<V>> {
    Ok(Json(rows.into_iter().map(V::from).collect()))
}

/// A handler's answer when it makes something: 201 with the new thing.
pub type ApiCreated<T> = Result<(StatusCode, Json<T>), ApiError>;

/// 201 Created with `value` as the body.
pub fn created<T>(value: T) -> ApiCreated<T> {
    Ok((StatusCode::CREATED, Json(value)))
}
