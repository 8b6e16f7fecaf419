//! The figures the platform computes for a community — 随手拍 events closed and on time, home
//! visits, volunteer activities, hours and people served, the 15-minute circle — gathered for a
//! standard's `metric` clauses (`judge = "metric"`, `metric = "events.closure_rate"` …).
//!
//! The period is the round's year in China Standard Time: 1 January 00:00 (UTC+8) up to, not
//! including, the next 1 January. A clause whose figure the platform does not have yet (no events
//! reported, say) is left unanswered and listed as not assessed, never scored as 0.

use std::collections::BTreeMap;

use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::standard::Judge;

use crate::app::error::AppError;
use crate::app::state::AppState;

/// [from, to) in Unix milliseconds for the rating year `year`, China Standard Time.
pub fn year_period(year: i64) -> (i64, i64) {
    xingfu_core::dates::cst_year_period(year)
}

/// Does the standard have a clause the platform fills in?
pub fn uses_metrics(standard: &Standard) -> bool {
    standard
        .clauses()
        .any(|c| matches!(c.judge, Judge::Metric { .. }))
}

/// Every figure the platform has for `community` in the rating year `year`, by metric name.
pub async fn for_year(
    state: &AppState,
    community: &str,
    year: i64,
) -> Result<BTreeMap<String, Dec2>, AppError> {
    let (from, to) = year_period(year);
    let mut figures = BTreeMap::new();
    for (key, value) in crate::events::service::event_metrics(state, community, from, to).await? {
        figures.insert(key.to_string(), value);
    }
    for (key, value) in crate::people::service::people_metrics(state, community, from, to).await? {
        figures.insert(key.to_string(), value);
    }
    // The circle is the latest computed coverage, not a sum over the year.
    figures.extend(crate::circle::service::metrics::circle_metrics(state, community).await?);
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_year_runs_from_new_year_to_new_year_in_china_standard_time() {
        // 2013-01-01T00:00+08:00 = 2012-12-31T16:00Z = 1356969600000 ms.
        assert_eq!(year_period(2013), (1_356_969_600_000, 1_388_505_600_000));
        // 2024 is a leap year: 366 days.
        let (from, to) = year_period(2024);
        assert_eq!(to - from, 366 * 86_400_000);
        assert_eq!(from, 1_704_038_400_000); // 2024-01-01T00:00+08:00
        let (from, to) = year_period(1970);
        assert_eq!((from, to - from), (-8 * 3_600_000, 365 * 86_400_000));
    }
}
