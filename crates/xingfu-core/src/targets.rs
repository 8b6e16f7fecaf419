//! Progress against a programme's targets: the share of communities at or above N stars.

use serde::Serialize;

use crate::decimal::Dec2;
use crate::standard::Target;

#[derive(Debug, Clone, Serialize)]
pub struct TargetProgress {
    pub min_stars: u8,
    pub target_percent: Dec2,
    pub by_year: Option<i32>,
    /// Communities at `min_stars` or above.
    pub count: usize,
    /// All communities rated in the unit.
    pub of: usize,
    /// `count / of` as shown, rounded half up to hundredths of a percent; `met` is decided on
    /// the exact counts.
    pub percent: Dec2,
    pub met: bool,
    /// How many more communities must reach `min_stars` to meet the target.
    pub short_by: usize,
}

/// Progress of one unit (street, district, or the whole round) given its communities' stars.
pub fn progress(targets: &[Target], stars: &[u8]) -> Vec<TargetProgress> {
    let of = stars.len();
    targets
        .iter()
        .map(|target| {
            let count = stars.iter().filter(|&&s| s >= target.min_stars).count();
            let whole = Dec2::from_int(of as i64);
            let part = Dec2::from_int(count as i64);
            let needed = Dec2::part_needed_for(whole, target.percent);
            // Whole communities: round the needed part up to the next community.
            let needed_count = (needed.0 + 99).div_euclid(100) as usize;
            TargetProgress {
                min_stars: target.min_stars,
                target_percent: target.percent,
                by_year: target.by_year,
                count,
                of,
                percent: crate::decimal::percent_half_up(count as u64, of as u64),
                // An empty unit has met nothing.
                met: of > 0 && Dec2::share_at_least(part, whole, target.percent),
                short_by: needed_count.saturating_sub(count),
            }
        })
        .collect()
}
