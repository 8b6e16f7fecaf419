//! Home visits, volunteers and the love mall for programs: the same operations and permissions
//! as the pages ([`crate::people::service`]). Reading a special-attention list or a household's record
//! writes an access-log row, here as on the pages. Times are Unix milliseconds.

pub mod errors;
mod figures;
mod visits;
mod volunteers;

pub fn routes() -> axum::Router<crate::app::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/attention", get(visits::attention_counts))
        .route("/attention/{category}", get(visits::attention_list))
        .route("/households", post(visits::create_household))
        .route("/households/{id}", get(visits::household))
        .route("/households/{id}/visits", post(visits::record_visit))
        .route("/access-log", get(visits::access_log))
        .route(
            "/communities/{code}/activities",
            get(volunteers::activities).post(volunteers::create_activity),
        )
        .route("/activities/{id}/sign-ins", post(volunteers::sign_in))
        .route("/activities/{id}/sign-outs", post(volunteers::sign_out))
        .route("/communities/{code}/mall", get(volunteers::mall))
        .route("/mall/redemptions", post(volunteers::redeem))
        .route("/volunteers/{id}/ledger", get(volunteers::ledger))
        .route("/communities/{code}/people-metrics", get(figures::metrics))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    visits::attention_counts,
    visits::attention_list,
    visits::create_household,
    visits::household,
    visits::record_visit,
    visits::access_log,
    volunteers::activities,
    volunteers::create_activity,
    volunteers::sign_in,
    volunteers::sign_out,
    volunteers::mall,
    volunteers::redeem,
    volunteers::ledger,
    figures::metrics,
))]
pub struct Doc;
