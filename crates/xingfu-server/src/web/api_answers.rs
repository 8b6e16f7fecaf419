//! Error answers that several operations share, described once for the OpenAPI document and
//! listed beside an operation's own answers:
//! `responses((status = 200, description = "…", body = T), OutsideArea, NoRegion)`. Answers
//! shared within one feature are declared in that feature's API with [`error_answers!`].
//! The types are never built: the handlers answer with [`ApiError`](super::api_error::ApiError).

/// Declares error answers, one a line: the type `responses(…)` names, its status and its
/// description, each with an [`ErrorBody`](crate::web::api_error::ErrorBody) body.
///
/// ```ignore
/// crate::error_answers! {
///     NoCentre: 404, "No such centre";
/// }
/// ```
#[macro_export]
macro_rules! error_answers {
    ($($name:ident: $status:literal, $description:literal;)+) => {
        $(
            #[derive(utoipa::IntoResponses)]
            #[response(status = $status, description = $description)]
            pub struct $name(pub $crate::web::api_error::ErrorBody);
        )+
    };
}

crate::error_answers! {
    OutsideArea: 403, "Outside the caller's area";
    NoRegion: 404, "No such region";
    NoRound: 404, "No such round";
    NotRoundAdmin: 403, "Not an administrator of the round's area";
    NotInRoundArea: 400, "Not a community of the round's area";
}
