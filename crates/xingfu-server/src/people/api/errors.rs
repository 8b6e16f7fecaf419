//! The people API's own refusals: a service's field errors in one message, and a community
//! outside the caller's area.

use crate::i18n::Lang;
use crate::people::service::Refused;
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
