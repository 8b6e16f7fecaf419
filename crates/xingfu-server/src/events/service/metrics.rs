//! The figures events feed into ratings.

use xingfu_core::decimal::Dec2;
use xingfu_core::ops::metrics::{Period, compute};

use crate::app::error::AppError;
use crate::app::state::AppState;

/// The events figures of a community for [from, to) (`events.*` of `ops::metrics`): reported,
/// closed, closure rate, on-time rate, median and mean hours to close.
pub async fn event_metrics(
    state: &AppState,
    community_code: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(&'static str, Dec2)>, AppError> {
    let period = Period::new(from_ms, to_ms)?;
    let facts = state
        .store
        .event_facts(community_code, from_ms, to_ms)
        .await?;
    Ok(compute(period, &facts, &[], &[])
        .into_iter()
        .filter(|(key, _)| key.starts_with("events."))
        .collect())
}
