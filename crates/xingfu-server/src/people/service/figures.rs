//! The figures visits and volunteering feed into ratings (`ops::metrics`).

use xingfu_core::decimal::Dec2;
use xingfu_core::ops::metrics::{self, ActivityFact, Period};

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The metric keys this module feeds (`ops::metrics`).
pub const METRIC_KEYS: [&str; 4] = [
    metrics::VISITS_COUNT,
    metrics::ACTIVITIES_COUNT,
    metrics::VOLUNTEERS_HOURS,
    metrics::PEOPLE_SERVED_COUNT,
];

/// The figures visits and volunteering feed into ratings, for one community and the period
/// [from_ms, to_ms): `visits.count`, `activities.count`, `volunteers.hours` and
/// `people_served.count` (see `ops::metrics` for their definitions).
pub async fn people_metrics(
    state: &AppState,
    community_code: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(&'static str, Dec2)>, AppError> {
    let period = Period::new(from_ms, to_ms)?;
    let visit_times = state
        .store
        .visit_times(community_code, from_ms, to_ms)
        .await?;
    let activities: Vec<ActivityFact> = state
        .store
        .activity_figures(community_code, from_ms, to_ms)
        .await?
        .into_iter()
        .map(|a| ActivityFact {
            starts_at: a.starts_at,
            cancelled: a.cancelled,
            people_served: u32::try_from(a.people_served).unwrap_or(u32::MAX),
            volunteer_minutes: a.volunteer_minutes,
        })
        .collect();
    Ok(metrics::compute(period, &[], &visit_times, &activities)
        .into_iter()
        .filter(|(key, _)| METRIC_KEYS.contains(key))
        .collect())
}

/// A metric's name for people.
pub fn metric_label(key: &str, lang: Lang) -> &'static str {
    const LABELS: [(&str, &str, &str); 4] = [
        (metrics::VISITS_COUNT, "入户走访次数", "Home visits made"),
        (
            metrics::ACTIVITIES_COUNT,
            "开展志愿服务活动次数",
            "Volunteer activities held",
        ),
        (
            metrics::VOLUNTEERS_HOURS,
            "志愿服务时长（小时）",
            "Volunteer hours",
        ),
        (
            metrics::PEOPLE_SERVED_COUNT,
            "服务群众人次",
            "People served",
        ),
    ];
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or("", |&(_, zh, en)| lang.pick(zh, en))
}
