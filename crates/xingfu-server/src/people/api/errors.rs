//! What the people API's handlers share: the caller as the operations know them, a service's
//! field errors in one message, a community outside the caller's area, and the error answers
//! several operations list.

use crate::i18n::Lang;
use crate::people::service::{self as people, OpsIdentity, Refused};
use crate::web::api_call::Api;
use crate::web::api_error::ApiError;

/// A refusal as the API's error: fields to correct become one `field: message; …` line.
pub fn refused(lang: Lang) -> impl Fn(Refused) -> ApiError {
    move |r| ApiError::from_app(r.into_app(), lang)
}

/// Refuses a community outside the caller's area.
pub fn covers(api: &Api, code: &str) -> Result<(), ApiError> {
    if api.user.actor().covers(code) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            api.lang,
            &format!("社区 {code} 不在您的管辖范围内"),
            &format!("community {code} is outside your area"),
        ))
    }
}

/// The caller as the operations know them (role, community, grids), or why they have no part.
pub async fn identity(api: &Api) -> Result<OpsIdentity, ApiError> {
    people::identity(&api.state, &api.user, api.lang)
        .await
        .map_err(api.app())
}

crate::error_answers! {
    NotCommunityWorker: 403, "Not a worker of the community";
    FieldWrong: 400, "A field is wrong";
    NotInCare: 403, "Not in the caller's care";
    NoHousehold: 404, "No such household";
    NoActivity: 404, "No such activity";
}
