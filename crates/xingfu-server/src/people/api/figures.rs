//! The figures visits and volunteering feed into ratings, for programs.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xingfu_core::dates::Moment;

use crate::people::service as people;
use crate::web::api_call::{Api, ApiResult};
use crate::web::api_error::{ApiError, ApiPath, ApiQuery, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Start of the period, Unix milliseconds (included; 2000–2100).
    #[param(value_type = i64)]
    pub from: Moment,
    /// End of the period, Unix milliseconds (excluded; 2000–2100).
    #[param(value_type = i64)]
    pub to: Moment,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricValue {
    /// `visits.count`, `activities.count`, `volunteers.hours` or `people_served.count`.
    #[schema(example = "volunteers.hours")]
    pub key: String,
    pub name: String,
    /// Two decimals at most.
    #[schema(value_type = f64, example = 5.52)]
    pub value: xingfu_core::Dec2,
}

/// Visits made, activities held, volunteer hours and people served in a community for the
/// period [from, to): the values standards' metric clauses can use (staff covering it).
#[utoipa::path(
    get,
    path = "/communities/{code}/people-metrics",
    operation_id = "people_metrics",
    tag = "volunteers",
    params(("code" = String, Path, description = "Community code"), PeriodQuery),
    responses(
        (status = 200, description = "The values", body = Vec<MetricValue>),
        (status = 400, description = "The period ends before it starts", body = ErrorBody),
        (status = 403, description = "Not staff covering the community", body = ErrorBody),
    )
)]
pub async fn metrics(
    api: Api,
    ApiPath(code): ApiPath<String>,
    ApiQuery(period): ApiQuery<PeriodQuery>,
) -> ApiResult<Vec<MetricValue>> {
    if period.to <= period.from {
        return Err(ApiError::bad_request(
            api.lang.pick("to:须晚于 from", "to: must be after from"),
        ));
    }
    if !people::may_oversee(&api.user, &code) {
        return Err(ApiError::forbidden(
            api.lang,
            "只有管辖该社区的工作人员可以查看运行指标",
            "only staff covering the community see its figures",
        ));
    }
    let (from, to) = (period.from.unix_ms(), period.to.unix_ms());
    let values = people::people_metrics(&api.state, &code, from, to)
        .await
        .map_err(api.app())?;
    Ok(Json(
        values
            .into_iter()
            .map(|(key, value)| MetricValue {
                key: key.to_string(),
                name: people::metric_label(key, api.lang).to_string(),
                value,
            })
            .collect(),
    ))
}
