//! What the people API's handlers share: the caller as the operations know them, a service's
//! field errors in one message, and a community outside the caller's area.

use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::people::service::{self as people, OpsIdentity, Refused};
use crate::web::api_error::ApiError;
use crate::web::api_user::ApiUser;

/// A refusal as the API's error: fields to correct become one `field: message; …` line.
pub fn refused(lang: Lang) -> impl Fn(Refused) -> ApiError {
    move |r| ApiError::from_app(r.into_app(), lang)
}

/// Refuses a community outside the caller's area.
pub fn covers(user: &ApiUser, code: &str) -> Result<(), ApiError> {
    if user.current.actor().covers(code) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            user.lang,
            &format!("社区 {code} 不在您的管辖范围内"),
            &format!("community {code} is outside your area"),
        ))
    }
}

/// The caller as the operations know them (role, community, grids), or why they have no part.
pub async fn identity(state: &AppState, user: &ApiUser) -> Result<OpsIdentity, ApiError> {
    people::identity(state, &user.current, user.lang)
        .await
        .map_err(|e| ApiError::from_app(e, user.lang))
}
