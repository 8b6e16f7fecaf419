//! What the people API's handlers share: the caller as the operations know them, a service's
//! field errors in one message, a community outside the caller's area, and the error answers
//! several operations list.

use utoipa::IntoResponses;

use crate::i18n::Lang;
use crate::people::service::{self as people, OpsIdentity, Refused};
use crate::web::api_call::Api;
use crate::web::api_error::{ApiError, ErrorBody};

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

/// The answer to a caller who does not work for the community.
#[derive(IntoResponses)]
#[response(status = 403, description = "Not a worker of the community")]
pub struct NotCommunityWorker(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 400, description = "A field is wrong")]
pub struct FieldWrong(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Not in the caller's care")]
pub struct NotInCare(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such household")]
pub struct NoHousehold(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such activity")]
pub struct NoActivity(pub ErrorBody);
