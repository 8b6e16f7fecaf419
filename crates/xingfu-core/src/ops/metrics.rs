//! Operations as metric values for a period [from, to), to feed ratings (the Fengze seed rates
//! centres by resident satisfaction, number of activities and people served; standards can
//! name these keys as measures).
//!
//! Definitions (our reading; the seeds name the figures, not their arithmetic):
//! - the event cohort is every event reported in the period, except rejected reports (not
//!   events) and merged duplicates (counted once, in their primary);
//! - `events.closure_rate`: cohort events closed before `to`, as a percentage of the cohort,
//!   rounded down to hundredths like every share in Xingfu;
//! - `events.median_hours` / `events.mean_hours`: report-to-close time of those closed
//!   events, in hours (median of an even count is the mean of the middle two; half up);
//! - `events.on_time_rate`: closed cohort events never late (resolved by every deadline and
//!   never escalated as overdue), as a percentage of closed cohort events;
//! - `visits.count`: visits made in the period;
//! - `activities.count`: activities starting in the period, not cancelled;
//! - `volunteers.hours`: counted volunteer time of those activities, in hours (half up);
//! - `people_served.count`: people served by those activities.
//!
//! Counts are always present. A rate or time with nothing to divide by (no cohort, nothing
//! closed) is left out rather than shown as 0, so "no events" is not read as "0% closed".

use super::events::{Event, EventState, HOUR_MS};
use crate::decimal::Dec2;

pub const EVENTS_REPORTED: &str = "events.reported";
pub const EVENTS_CLOSED: &str = "events.closed";
pub const EVENTS_CLOSURE_RATE: &str = "events.closure_rate";
pub const EVENTS_ON_TIME_RATE: &str = "events.on_time_rate";
pub const EVENTS_MEDIAN_HOURS: &str = "events.median_hours";
pub const EVENTS_MEAN_HOURS: &str = "events.mean_hours";
pub const VISITS_COUNT: &str = "visits.count";
pub const ACTIVITIES_COUNT: &str = "activities.count";
pub const VOLUNTEERS_HOURS: &str = "volunteers.hours";
pub const PEOPLE_SERVED_COUNT: &str = "people_served.count";

/// What the metrics read from an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventFact {
    pub reported_at: i64,
    pub state: EventState,
    pub closed_at: Option<i64>,
    pub late: bool,
}

impl From<&Event> for EventFact {
    fn from(e: &Event) -> EventFact {
        EventFact {
            reported_at: e.reported_at,
            state: e.state,
            closed_at: e.closed_at,
            late: e.late,
        }
    }
}

/// What the metrics read from an activity: its start, whether it was cancelled, people
/// served, and the sum of its volunteers' counted minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityFact {
    pub starts_at: i64,
    pub cancelled: bool,
    pub people_served: u32,
    pub volunteer_minutes: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a period must end after it starts ({from} .. {to})")]
pub struct PeriodError {
    pub from: i64,
    pub to: i64,
}

/// A half-open period [from, to) in unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: i64,
    to: i64,
}

impl Period {
    pub fn new(from: i64, to: i64) -> Result<Period, PeriodError> {
        if from < to {
            Ok(Period { from, to })
        } else {
            Err(PeriodError { from, to })
        }
    }

    pub fn from(&self) -> i64 {
        self.from
    }

    pub fn to(&self) -> i64 {
        self.to
    }

    pub fn contains(&self, t: i64) -> bool {
        self.from <= t && t < self.to
    }
}

/// Milliseconds as hours, rounded half up to hundredths.
fn hours(ms: i128) -> Dec2 {
    let hour = i128::from(HOUR_MS);
    let rounded = (ms * 100 + hour / 2).div_euclid(hour);
    Dec2(i64::try_from(rounded).unwrap_or(i64::MAX))
}

fn count(n: usize) -> Dec2 {
    Dec2::from_int(i64::try_from(n).unwrap_or(i64::MAX / 100))
}

/// The metric values for `period`, in a stable order.
pub fn compute(
    period: Period,
    events: &[EventFact],
    visit_times: &[i64],
    activities: &[ActivityFact],
) -> Vec<(&'static str, Dec2)> {
    let cohort = events.iter().filter(|e| {
        period.contains(e.reported_at)
            && !matches!(e.state, EventState::Rejected | EventState::Merged)
    });
    let mut reported = 0usize;
    let mut on_time = 0usize;
    let mut durations: Vec<i64> = Vec::new();
    for e in cohort {
        reported += 1;
        if e.state == EventState::Closed
            && let Some(closed_at) = e.closed_at
            && closed_at < period.to
        {
            durations.push(closed_at.saturating_sub(e.reported_at).max(0));
            on_time += usize::from(!e.late);
        }
    }
    let closed = durations.len();
    let mut out = vec![
        (EVENTS_REPORTED, count(reported)),
        (EVENTS_CLOSED, count(closed)),
    ];
    if reported > 0 {
        out.push((
            EVENTS_CLOSURE_RATE,
            Dec2::percent_of(count(closed), count(reported)),
        ));
    }
    if closed > 0 {
        out.push((
            EVENTS_ON_TIME_RATE,
            Dec2::percent_of(count(on_time), count(closed)),
        ));
        durations.sort_unstable();
        let mid = closed / 2;
        let median_ms2 = if closed % 2 == 1 {
            2 * i128::from(durations[mid])
        } else {
            i128::from(durations[mid - 1]) + i128::from(durations[mid])
        };
        // hours(x / 2) with one rounding: hours of the doubled value, halved exactly.
        let median = {
            let hour = i128::from(HOUR_MS);
            let rounded = (median_ms2 * 100 + hour).div_euclid(2 * hour);
            Dec2(i64::try_from(rounded).unwrap_or(i64::MAX))
        };
        out.push((EVENTS_MEDIAN_HOURS, median));
        let total: i128 = durations.iter().map(|d| i128::from(*d)).sum();
        let n = closed as i128;
        let hour = i128::from(HOUR_MS);
        let mean = (total * 100 * 2 + hour * n).div_euclid(2 * hour * n);
        out.push((
            EVENTS_MEAN_HOURS,
            Dec2(i64::try_from(mean).unwrap_or(i64::MAX)),
        ));
    }
    out.push((
        VISITS_COUNT,
        count(visit_times.iter().filter(|t| period.contains(**t)).count()),
    ));
    let held = activities
        .iter()
        .filter(|a| !a.cancelled && period.contains(a.starts_at));
    let (mut held_count, mut minutes, mut people) = (0usize, 0i128, 0i64);
    for a in held {
        held_count += 1;
        minutes += i128::from(a.volunteer_minutes.max(0));
        people = people.saturating_add(i64::from(a.people_served));
    }
    out.push((ACTIVITIES_COUNT, count(held_count)));
    out.push((VOLUNTEERS_HOURS, hours(minutes * 60_000)));
    out.push((PEOPLE_SERVED_COUNT, Dec2::from_int(people)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * HOUR_MS;
    const T0: i64 = 1_704_038_400_000; // 2024-01-01T00:00:00+08:00

    fn fact(
        reported_day: i64,
        state: EventState,
        closed_after_hours: Option<i64>,
        late: bool,
    ) -> EventFact {
        let reported_at = T0 + reported_day * DAY;
        EventFact {
            reported_at,
            state,
            closed_at: closed_after_hours.map(|h| reported_at + h * HOUR_MS),
            late,
        }
    }

    fn value(values: &[(&str, Dec2)], key: &str) -> Option<Dec2> {
        values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    #[test]
    fn closure_rate_times_and_on_time_rate() {
        let period = Period::new(T0, T0 + 30 * DAY).unwrap();
        let events = vec![
            fact(0, EventState::Closed, Some(10), false),
            fact(1, EventState::Closed, Some(20), true),
            fact(2, EventState::Closed, Some(40), false),
            fact(3, EventState::InProgress, None, false),
            fact(4, EventState::Rejected, Some(1), false), // not in the cohort
            fact(5, EventState::Merged, Some(1), false),   // not in the cohort
            fact(-1, EventState::Closed, Some(5), false),  // reported before the period
            fact(29, EventState::Closed, Some(48), false), // closed after the period ends
        ];
        let m = compute(period, &events, &[], &[]);
        assert_eq!(value(&m, EVENTS_REPORTED), Some(Dec2::from_int(5)));
        assert_eq!(value(&m, EVENTS_CLOSED), Some(Dec2::from_int(3)));
        assert_eq!(value(&m, EVENTS_CLOSURE_RATE), Some(Dec2(6_000)));
        // 2 of 3 closed on time: 66.666…% rounds down to 66.66.
        assert_eq!(value(&m, EVENTS_ON_TIME_RATE), Some(Dec2(6_666)));
        assert_eq!(value(&m, EVENTS_MEDIAN_HOURS), Some(Dec2::from_int(20)));
        // (10 + 20 + 40) / 3 = 23.333… → 23.33
        assert_eq!(value(&m, EVENTS_MEAN_HOURS), Some(Dec2(2_333)));
    }

    #[test]
    fn the_period_is_half_open() {
        let period = Period::new(T0, T0 + DAY).unwrap();
        let at_start = EventFact {
            reported_at: T0,
            state: EventState::Closed,
            closed_at: Some(T0 + DAY - 1),
            late: false,
        };
        let at_end = EventFact {
            reported_at: T0 + DAY,
            ..at_start
        };
        let closed_at_end = EventFact {
            closed_at: Some(T0 + DAY),
            ..at_start
        };
        let m = compute(
            period,
            &[at_start, at_end],
            &[T0, T0 + DAY - 1, T0 + DAY],
            &[],
        );
        assert_eq!(value(&m, EVENTS_REPORTED), Some(Dec2::from_int(1)));
        assert_eq!(value(&m, EVENTS_CLOSURE_RATE), Some(Dec2::HUNDRED));
        assert_eq!(value(&m, VISITS_COUNT), Some(Dec2::from_int(2)));
        let m = compute(period, &[closed_at_end], &[], &[]);
        assert_eq!(value(&m, EVENTS_CLOSURE_RATE), Some(Dec2::ZERO));
        assert_eq!(value(&m, EVENTS_ON_TIME_RATE), None);
        assert_eq!(Period::new(T0, T0), Err(PeriodError { from: T0, to: T0 }));
    }

    #[test]
    fn median_of_an_even_count_and_rounding_half_up() {
        let period = Period::new(T0, T0 + DAY).unwrap();
        let closed = |ms: i64| EventFact {
            reported_at: T0,
            state: EventState::Closed,
            closed_at: Some(T0 + ms),
            late: false,
        };
        // 1 h and 2 h: median 1.5 h. 18 s = 0.005 h rounds half up to 0.01.
        let m = compute(period, &[closed(HOUR_MS), closed(2 * HOUR_MS)], &[], &[]);
        assert_eq!(value(&m, EVENTS_MEDIAN_HOURS), Some(Dec2(150)));
        let m = compute(period, &[closed(18_000)], &[], &[]);
        assert_eq!(value(&m, EVENTS_MEDIAN_HOURS), Some(Dec2(1)));
        assert_eq!(value(&m, EVENTS_MEAN_HOURS), Some(Dec2(1)));
        let m = compute(period, &[closed(17_999)], &[], &[]);
        assert_eq!(value(&m, EVENTS_MEDIAN_HOURS), Some(Dec2(0)));
        // 0 h and 0.01 h (36 s): median 18 s → 0.01 (one rounding, half up).
        let m = compute(period, &[closed(0), closed(36_000)], &[], &[]);
        assert_eq!(value(&m, EVENTS_MEDIAN_HOURS), Some(Dec2(1)));
    }

    #[test]
    fn activities_hours_and_people() {
        let period = Period::new(T0, T0 + 7 * DAY).unwrap();
        let activities = [
            ActivityFact {
                starts_at: T0,
                cancelled: false,
                people_served: 12,
                volunteer_minutes: 90,
            },
            ActivityFact {
                starts_at: T0 + DAY,
                cancelled: false,
                people_served: 30,
                volunteer_minutes: 241,
            },
            ActivityFact {
                starts_at: T0 + 2 * DAY,
                cancelled: true,
                people_served: 99,
                volunteer_minutes: 600,
            },
            ActivityFact {
                starts_at: T0 + 7 * DAY,
                cancelled: false,
                people_served: 5,
                volunteer_minutes: 60,
            },
        ];
        let m = compute(period, &[], &[], &activities);
        assert_eq!(value(&m, ACTIVITIES_COUNT), Some(Dec2::from_int(2)));
        // 331 minutes = 5.5166… h → 5.52
        assert_eq!(value(&m, VOLUNTEERS_HOURS), Some(Dec2(552)));
        assert_eq!(value(&m, PEOPLE_SERVED_COUNT), Some(Dec2::from_int(42)));
        // Nothing reported: counts present, rates absent.
        assert_eq!(value(&m, EVENTS_REPORTED), Some(Dec2::ZERO));
        assert_eq!(value(&m, EVENTS_CLOSURE_RATE), None);
        let keys: Vec<&str> = m.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            vec![
                EVENTS_REPORTED,
                EVENTS_CLOSED,
                VISITS_COUNT,
                ACTIVITIES_COUNT,
                VOLUNTEERS_HOURS,
                PEOPLE_SERVED_COUNT
            ]
        );
    }
}
