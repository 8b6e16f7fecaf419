//! A community's stored circle figures as the metric values standards' clauses read.

use xingfu_core::Dec2;
use xingfu_geo::function::{ALL_SIX_SHARE_METRIC, ServiceFunction};

use super::convert::ALL_SIX;
use crate::app::error::AppError;
use crate::app::state::AppState;

/// The metric key of the fengze-centre standard's circle clause (CX4.1).
pub const WITHIN_15_MIN_METRIC: &str = "circle.share_within_15min";

/// A community's circle figures as metric values for standards' `metric` clauses:
/// `circle.share_within_15min` (all six within 15 minutes), `circle.all_six.share` (the same)
/// and `circle.<function>.share` for every function, percentages. Empty when nothing is stored
/// for the community. Callers check who may see them.
pub async fn circle_metrics(
    state: &AppState,
    community_code: &str,
) -> Result<Vec<(String, Dec2)>, AppError> {
    let mut values = Vec::new();
    for row in state.store.circle_coverage_of_area(community_code).await? {
        let share = Dec2(row.share);
        if row.function == ALL_SIX {
            values.push((WITHIN_15_MIN_METRIC.to_string(), share));
            values.push((ALL_SIX_SHARE_METRIC.to_string(), share));
        } else if let Some(function) = ServiceFunction::parse(&row.function) {
            values.push((function.share_metric_key(), share));
        }
    }
    values.sort();
    Ok(values)
}
