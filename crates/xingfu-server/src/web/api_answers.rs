//! Error answers that several operations share, described once for the OpenAPI document and
//! listed beside an operation's own answers:
//! `responses((status = 200, description = "…", body = T), OutsideArea, NoRegion)`. Answers
//! shared within one feature live in that feature's API.
//! The types are never built: the handlers answer with [`ApiError`](super::api_error::ApiError).

use utoipa::IntoResponses;

use super::api_error::ErrorBody;

#[derive(IntoResponses)]
#[response(status = 403, description = "Outside the caller's area")]
pub struct OutsideArea(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such region")]
pub struct NoRegion(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such round")]
pub struct NoRound(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Not an administrator of the round's area")]
pub struct NotRoundAdmin(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 400, description = "Not a community of the round's area")]
pub struct NotInRoundArea(pub ErrorBody);
