//! Home visits, volunteers and the love mall for programs: the same operations and permissions
//! as the pages ([`crate::people::service`]). Reading a special-attention list or a household's record
//! writes an access-log row, here as on the pages. Times are Unix milliseconds.

pub mod errors;
mod figures;
mod visits;
mod volunteers;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(visits::attention_counts))
        .routes(routes!(visits::attention_list))
        .routes(routes!(visits::create_household))
        .routes(routes!(visits::household))
        .routes(routes!(visits::record_visit))
        .routes(routes!(visits::access_log))
        .routes(routes!(volunteers::activities, volunteers::create_activity))
        .routes(routes!(volunteers::sign_in))
        .routes(routes!(volunteers::sign_out))
        .routes(routes!(volunteers::mall))
        .routes(routes!(volunteers::redeem))
        .routes(routes!(volunteers::ledger))
        .routes(routes!(figures::metrics))
}
