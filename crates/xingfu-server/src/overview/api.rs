//! The overview as JSON: the same figures as the page, from the same service function.

use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, Overview, OverviewQuery};
use crate::app::reads::Freshness;
use crate::app::state::AppState;
use crate::web::api_call::{Api, ApiResult};
use crate::web::api_error::{ApiQuery, ErrorBody};

/// The programme at a glance (一张图) for an area and a year: per child unit the communities
/// declared and rated, the star distribution, target progress, 随手拍 figures and
/// rectification completion; the rankings, the commendation list and the reminder list.
#[utoipa::path(
    get,
    path = "/overview",
    operation_id = "overview",
    tag = "overview",
    params(OverviewQuery),
    responses(
        (status = 200, description = "The overview", body = Overview),
        (status = 403, description = "Not an administrator, or the area is outside the caller's", body = ErrorBody),
        (status = 404, description = "No such area, or a community (which has no units below it)", body = ErrorBody),
    )
)]
pub async fn overview(
    api: Api,
    freshness: Freshness,
    ApiQuery(query): ApiQuery<OverviewQuery>,
) -> ApiResult<Overview> {
    service::overview(
        &api.state,
        &api.user,
        query.region.as_deref(),
        query.year(),
        freshness,
        api.lang,
    )
    .await
    .map(Json)
    .map_err(api.app())
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(overview))
}
