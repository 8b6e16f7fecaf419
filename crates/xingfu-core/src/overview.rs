//! The programme at a glance (一张图): the rules behind its figures, shared by the overview page,
//! its API, the round's rewards page and the round's Excel workbook.
//!
//! - **The star distribution of a unit** counts its *rated* communities: those with a result
//!   (computed, approved, published or named). A community refused at the eligibility check
//!   (不予受理) was declared but never rated: it is counted beside the distribution as refused,
//!   not as a community without a star, and it is not in the denominator of any share. The same
//!   holds for communities still in the workflow (pending).
//! - **Percentages shown** are rounded half up to two decimals with integer arithmetic
//!   ([`percent_half_up`]: 1/6 → 16.67%). Whether a target is met is decided on the exact
//!   integers (`targets::progress`), never on the rounded figure.
//! - **Commendation (通报表扬)**: the [`COMMEND_TOP`] units with the highest average star among
//!   those with at least [`COMMEND_MIN_RATED`] rated communities; ties go to the higher share at
//!   the top star, then to the unit's code.
//! - **Reminder (约谈提醒)**: a unit is behind when a target of the standard is not met by its
//!   rated communities, or when its 随手拍 on-time rate is below [`ON_TIME_TARGET`] with at
//!   least one event closed.

use serde::Serialize;

use crate::decimal::{Dec2, percent_half_up};
use crate::ops::events::EventState;
use crate::ops::metrics::EventFact;
use crate::round::Decision;
use crate::standard::{GovLevel, Standard, Target};
use crate::stars::StarDistribution;

/// How every star table counts, said on each page that shows one: (Chinese, English).
pub const DENOMINATOR_NOTE: (&str, &str) = (
    "\u{201c}已评\u{201d}指已有评定结果的社区\u{ff1b}资格审查不予受理的社区已申报但未评定\u{ff0c}单列\u{ff0c}不计入星级分布和任何比例的分母\u{3002}比例按四舍五入保留两位小数\u{ff1b}是否达到目标按精确整数判定\u{3002}",
    "Rated: communities with a result. Communities refused at the eligibility check were declared but not rated: they are listed apart and are in no share's denominator. Shares are rounded half up to two decimals; whether a target is met is decided on the exact counts.",
);

/// Units commended per list.
pub const COMMEND_TOP: usize = 3;
/// Rated communities a unit needs before it can be commended.
pub const COMMEND_MIN_RATED: usize = 3;
/// The 随手拍 on-time rate below which a unit is reminded (per cent, exact comparison).
pub const ON_TIME_TARGET: Dec2 = Dec2(90_00);

/// A percentage as people read it: always two decimals and the sign (`16.67%`).
pub fn percent_text(percent: Dec2) -> String {
    let h = percent.hundredths();
    let sign = if h < 0 { "-" } else { "" };
    let abs = h.unsigned_abs();
    format!("{sign}{}.{:02}%", abs / 100, abs % 100)
}

/// A unit's 随手拍 events of a period, as counts that add up across units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EventTally {
    /// Reported in the period (rejected reports and merged duplicates left out).
    pub reported: usize,
    /// Of them, closed before the period's end.
    pub closed: usize,
    /// Of the closed, never late.
    pub on_time: usize,
    /// Of them, still open and past a deadline.
    pub overdue: usize,
}

impl EventTally {
    /// The events reported in [from, to), with `ops::metrics`' cohort rule.
    pub fn of(facts: &[EventFact], from: i64, to: i64) -> EventTally {
        let mut t = EventTally::default();
        for e in facts {
            if e.reported_at < from
                || e.reported_at >= to
                || matches!(e.state, EventState::Rejected | EventState::Merged)
            {
                continue;
            }
            t.reported += 1;
            match (e.state, e.closed_at) {
                (EventState::Closed, Some(at)) if at < to => {
                    t.closed += 1;
                    t.on_time += usize::from(!e.late);
                }
                (EventState::Closed, _) => {}
                _ => t.overdue += usize::from(e.late),
            }
        }
        t
    }

    /// One event's part in the tally of the year (China Standard Time) it was reported in: what
    /// a roll-up adds for it. The tally of a year is the sum of its events' parts.
    pub fn of_event(fact: &EventFact) -> (i64, EventTally) {
        let year = crate::dates::cst_year(fact.reported_at);
        let (from, to) = crate::dates::cst_year_period(year);
        (year, EventTally::of(std::slice::from_ref(fact), from, to))
    }

    /// The four counts, for a roll-up row.
    pub fn counts(&self) -> [i64; 4] {
        [self.reported, self.closed, self.on_time, self.overdue].map(|n| n as i64)
    }

    /// A tally from a roll-up row's counts (a negative count, which a consistent roll-up never
    /// holds, reads as 0).
    pub fn from_counts([reported, closed, on_time, overdue]: [i64; 4]) -> EventTally {
        let n = |v: i64| usize::try_from(v).unwrap_or(0);
        EventTally {
            reported: n(reported),
            closed: n(closed),
            on_time: n(on_time),
            overdue: n(overdue),
        }
    }

    pub fn merge(&mut self, other: &EventTally) {
        self.reported += other.reported;
        self.closed += other.closed;
        self.on_time += other.on_time;
        self.overdue += other.overdue;
    }

    /// Closed as a share of reported, half up; none when nothing was reported.
    pub fn closure_rate(&self) -> Option<Dec2> {
        (self.reported > 0).then(|| percent_half_up(self.closed as u64, self.reported as u64))
    }

    /// On time as a share of closed, half up; none when nothing was closed.
    pub fn on_time_rate(&self) -> Option<Dec2> {
        (self.closed > 0).then(|| percent_half_up(self.on_time as u64, self.closed as u64))
    }

    /// Below the on-time target, compared exactly: on_time / closed < target / 100.
    pub fn below_on_time_target(&self) -> bool {
        self.closed > 0
            && (self.on_time as i128) * 10_000
                < ON_TIME_TARGET.hundredths() as i128 * self.closed as i128
    }
}

/// What the rankings read of a unit.
#[derive(Debug, Clone)]
pub struct Ranked<'a> {
    pub code: &'a str,
    pub stars: &'a StarDistribution,
    pub events: &'a EventTally,
}

/// The units ordered by average star (highest first; unrated last), ties by the share at the
/// top star, then by code. Returns indexes into `units`.
pub fn by_average_star(units: &[Ranked<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        let (ua, ub) = (&units[a], &units[b]);
        ub.stars
            .average_star()
            .cmp(&ua.stars.average_star())
            .then_with(|| ub.stars.share_at_least(5).cmp(&ua.stars.share_at_least(5)))
            .then_with(|| ua.code.cmp(ub.code))
    });
    order
}

/// The units ordered by on-time rate (highest first; none closed last), ties by code.
pub fn by_on_time_rate(units: &[Ranked<'_>]) -> Vec<usize> {
    let shares: Vec<Share<'_>> = units
        .iter()
        .map(|u| Share {
            code: u.code,
            part: u.events.on_time as u64,
            whole: u.events.closed as u64,
        })
        .collect();
    by_share(&shares)
}

/// A unit's share of something (satisfied of counted answers, households visited of those on
/// lists …), for a ranking.
#[derive(Debug, Clone, Copy)]
pub struct Share<'a> {
    pub code: &'a str,
    pub part: u64,
    pub whole: u64,
}

/// The units ordered by `part / whole`, compared exactly (highest first; nothing to divide by
/// last), ties by code. Returns indexes into `units`.
pub fn by_share(units: &[Share<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        let (ua, ub) = (&units[a], &units[b]);
        let (pa, wa, pb, wb) = (
            u128::from(ua.part),
            u128::from(ua.whole),
            u128::from(ub.part),
            u128::from(ub.whole),
        );
        let cmp = match (wa, wb) {
            (0, 0) => std::cmp::Ordering::Equal,
            (0, _) => std::cmp::Ordering::Greater,
            (_, 0) => std::cmp::Ordering::Less,
            _ => (pb * wa).cmp(&(pa * wb)),
        };
        cmp.then_with(|| ua.code.cmp(ub.code))
    });
    order
}

/// `part / whole` per cent, half up; none when there is nothing to divide by.
pub fn share_of(part: u64, whole: u64) -> Option<Dec2> {
    (whole > 0).then(|| percent_half_up(part, whole))
}

/// Minutes as hours, rounded half up to hundredths (331 minutes → 5.52), as the operations
/// metrics count volunteer hours.
pub fn minutes_as_hours(minutes: i64) -> Dec2 {
    let minutes = i128::from(minutes.max(0));
    Dec2(i64::try_from((minutes * 100 + 30) / 60).unwrap_or(i64::MAX))
}

/// The levels of government that share the cost of the standards' rewards (for a star or a
/// promotion), highest first.
pub fn reward_levels<'a>(standards: impl IntoIterator<Item = &'a Standard>) -> Vec<GovLevel> {
    let mut levels: Vec<GovLevel> = standards
        .into_iter()
        .filter_map(|s| s.rewards.as_ref())
        .flat_map(|r| {
            r.stars
                .iter()
                .flat_map(|s| s.shares.iter())
                .chain(r.promotions.iter().flat_map(|p| p.shares.iter()))
        })
        .map(|share| share.level)
        .collect();
    levels.sort_by(|a, b| b.cmp(a));
    levels.dedup();
    levels
}

/// Year-over-year re-review (复评) outcomes of a unit's communities rated this year, by the
/// round's rule ([`Decision`]): of those that held a star last year, kept, raised, lowered or
/// lost (revoked); beside them, those named for the first time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReReview {
    pub kept: usize,
    pub raised: usize,
    pub lowered: usize,
    pub lost: usize,
    /// No star last year, a star now (not re-reviewed).
    pub new: usize,
}

impl ReReview {
    /// Counts one rated community's decision; one not rated either year counts nowhere.
    pub fn add(&mut self, decision: Decision) {
        match decision {
            Decision::Keep => self.kept += 1,
            Decision::Upgrade => self.raised += 1,
            Decision::Downgrade => self.lowered += 1,
            Decision::Revoke => self.lost += 1,
            Decision::New => self.new += 1,
            Decision::NotRated => {}
        }
    }

    pub fn merge(&mut self, other: &ReReview) {
        self.kept += other.kept;
        self.raised += other.raised;
        self.lowered += other.lowered;
        self.lost += other.lost;
        self.new += other.new;
    }

    /// The denominator of the re-review shares: rated this year, with a star last year.
    pub fn reviewed(&self) -> usize {
        self.kept + self.raised + self.lowered + self.lost
    }

    /// Kept or raised, as a share of the re-reviewed, half up.
    pub fn held_rate(&self) -> Option<Dec2> {
        share_of((self.kept + self.raised) as u64, self.reviewed() as u64)
    }
}

/// The units commended: the first [`COMMEND_TOP`] by average star with at least
/// [`COMMEND_MIN_RATED`] rated communities.
pub fn commended(units: &[Ranked<'_>]) -> Vec<usize> {
    by_average_star(units)
        .into_iter()
        .filter(|&i| units[i].stars.rated() >= COMMEND_MIN_RATED)
        .take(COMMEND_TOP)
        .collect()
}

/// Why a unit is reminded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Behind {
    /// A target not met: communities at `min_stars`+ are `count` of `of` rated, `short_by` short.
    Target {
        min_stars: u8,
        target_percent: Dec2,
        by_year: Option<i32>,
        count: usize,
        of: usize,
        short_by: usize,
    },
    /// The on-time rate below [`ON_TIME_TARGET`].
    OnTime { on_time: usize, closed: usize },
}

impl Behind {
    /// The reason in words: (Chinese, English).
    pub fn words(&self) -> (String, String) {
        match self {
            Behind::Target {
                min_stars,
                target_percent,
                by_year,
                count,
                of,
                short_by,
            } => {
                let share = percent_text(percent_half_up(*count as u64, *of as u64));
                let by_zh = by_year.map(|y| format!("{y}年")).unwrap_or_default();
                let by_en = by_year.map(|y| format!(" by {y}")).unwrap_or_default();
                (
                    format!(
                        "{min_stars}星及以上{count}/{of}个\u{ff08}{share}\u{ff09}\u{ff0c}{by_zh}目标不低于{target_percent}%\u{ff0c}还差{short_by}个"
                    ),
                    format!(
                        "{min_stars} stars or more: {count} of {of} ({share}), target {target_percent}%{by_en}; {short_by} more needed"
                    ),
                )
            }
            Behind::OnTime { on_time, closed } => {
                let share = percent_text(percent_half_up(*on_time as u64, *closed as u64));
                let target = percent_text(ON_TIME_TARGET);
                (
                    format!(
                        "随手拍按时办结率{share}\u{ff08}{on_time}/{closed}\u{ff09}\u{ff0c}低于{target}"
                    ),
                    format!("随手拍 on-time rate {share} ({on_time} of {closed}), below {target}"),
                )
            }
        }
    }
}

/// Why a unit is behind, if it is: every unmet target (on its rated communities; a unit with
/// none rated is not judged), then the on-time rate.
pub fn behind(targets: &[Target], stars: &StarDistribution, events: &EventTally) -> Vec<Behind> {
    let mut out: Vec<Behind> = if stars.rated() == 0 {
        Vec::new()
    } else {
        stars
            .progress(targets)
            .into_iter()
            .filter(|p| !p.met)
            .map(|p| Behind::Target {
                min_stars: p.min_stars,
                target_percent: p.target_percent,
                by_year: p.by_year,
                count: p.count,
                of: p.of,
                short_by: p.short_by,
            })
            .collect()
    };
    if events.below_on_time_target() {
        out.push(Behind::OnTime {
            on_time: events.on_time,
            closed: events.closed,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stars::Standing;

    #[test]
    fn percent_text_always_has_two_decimals() {
        assert_eq!(percent_text(Dec2(16_67)), "16.67%");
        assert_eq!(percent_text(Dec2(50_00)), "50.00%");
        assert_eq!(percent_text(Dec2(5)), "0.05%");
    }

    #[test]
    fn a_stored_entry_stands_by_refusal_then_its_kept_result() {
        assert_eq!(Standing::of(true, true, Some(5)), Standing::Refused);
        assert_eq!(Standing::of(false, true, Some(0)), Standing::Rated(0));
        assert_eq!(Standing::of(false, true, Some(9)), Standing::Rated(5));
        assert_eq!(Standing::of(false, false, Some(3)), Standing::Pending);
        assert_eq!(Standing::of(false, true, None), Standing::Pending);
        let mut grouped = StarDistribution::default();
        grouped.add_many(Standing::Rated(4), 3);
        let one_by_one = StarDistribution::of([Standing::Rated(4); 3]);
        assert_eq!(grouped, one_by_one);
    }

    #[test]
    fn refused_and_pending_communities_are_declared_but_not_rated() {
        let d = StarDistribution::of([
            Standing::Rated(5),
            Standing::Rated(5),
            Standing::Rated(3),
            Standing::Rated(0),
            Standing::Refused,
            Standing::Pending,
        ]);
        assert_eq!(d.by_star, [1, 0, 0, 1, 0, 2]);
        assert_eq!(
            (d.rated(), d.refused, d.pending, d.declared()),
            (4, 1, 1, 6)
        );
        assert_eq!(d.share_at_least(5), Dec2(50_00));
        assert_eq!(d.average_star(), Some(Dec2(3_25)));
        assert_eq!(d.stars(), vec![0, 3, 5, 5]);
        assert_eq!(StarDistribution::default().average_star(), None);
    }

    fn fact(reported_at: i64, state: EventState, closed_at: Option<i64>, late: bool) -> EventFact {
        EventFact {
            reported_at,
            state,
            closed_at,
            late,
        }
    }

    #[test]
    fn each_event_adds_its_part_to_the_year_it_was_reported_in() {
        let (from, to) = crate::dates::cst_year_period(2025);
        let facts = [
            fact(from, EventState::Closed, Some(from + 1), false), // first moment of 2025
            fact(from - 1, EventState::Closed, Some(from + 1), false), // last moment of 2024
            fact(to - 1, EventState::Closed, Some(to), false),     // closed after the year's end
            fact(from + 5, EventState::InProgress, None, true),
            fact(from + 6, EventState::Merged, None, false),
            fact(from + 7, EventState::Closed, Some(from + 9), true),
        ];
        let mut by_year: std::collections::BTreeMap<i64, EventTally> = Default::default();
        for f in &facts {
            let (year, part) = EventTally::of_event(f);
            by_year.entry(year).or_default().merge(&part);
        }
        assert_eq!(by_year[&2025], EventTally::of(&facts, from, to));
        assert_eq!(by_year[&2025].counts(), [4, 2, 1, 1]);
        assert_eq!(by_year[&2024].counts(), [1, 0, 0, 0]); // closed only in 2025
        assert_eq!(EventTally::from_counts([4, 2, 1, 1]), by_year[&2025]);
        assert_eq!(EventTally::from_counts([-1, 0, 0, 0]).reported, 0);
    }

    #[test]
    fn events_tally_the_cohort_and_add_up() {
        let facts = [
            fact(10, EventState::Closed, Some(20), false),
            fact(11, EventState::Closed, Some(21), true),
            fact(12, EventState::InProgress, None, true),
            fact(13, EventState::Dispatched, None, false),
            fact(14, EventState::Rejected, None, true),
            fact(15, EventState::Merged, None, false),
            fact(16, EventState::Closed, Some(200), false), // closed after the period
            fact(500, EventState::Closed, Some(501), false), // reported after it
        ];
        let t = EventTally::of(&facts, 0, 100);
        assert_eq!(
            t,
            EventTally {
                reported: 5,
                closed: 2,
                on_time: 1,
                overdue: 1
            }
        );
        assert_eq!(t.closure_rate(), Some(Dec2(40_00)));
        assert_eq!(t.on_time_rate(), Some(Dec2(50_00)));
        assert!(t.below_on_time_target());
        let mut sum = t;
        sum.merge(&t);
        assert_eq!(
            (sum.reported, sum.closed, sum.on_time, sum.overdue),
            (10, 4, 2, 2)
        );
        assert_eq!(EventTally::default().on_time_rate(), None);
        assert!(!EventTally::default().below_on_time_target());
    }

    #[test]
    fn the_on_time_target_is_compared_exactly() {
        let at = |on_time, closed| EventTally {
            reported: closed,
            closed,
            on_time,
            overdue: 0,
        };
        assert!(!at(9, 10).below_on_time_target()); // 90.00% is the target
        assert!(at(899, 1000).below_on_time_target()); // 89.9%
        // 89.996% shows as 90.00% but is below.
        assert_eq!(at(22_499, 25_000).on_time_rate(), Some(Dec2(90_00)));
        assert!(at(22_499, 25_000).below_on_time_target());
    }

    #[test]
    fn commendation_takes_the_top_three_with_enough_rated() {
        let d = |stars: &[u8]| StarDistribution::of(stars.iter().map(|&s| Standing::Rated(s)));
        let e = EventTally::default();
        let dists = [
            d(&[5, 5]),       // a: best average but only 2 rated
            d(&[4, 4, 4]),    // b: 4.00
            d(&[5, 4, 3]),    // c: 4.00, more at 5★ → before b
            d(&[3, 3, 3, 3]), // d: 3.00
            d(&[2, 2, 2]),    // e: 2.00
            d(&[]),           // f: unrated
        ];
        let codes = ["a", "b", "c", "d", "e", "f"];
        let units: Vec<Ranked> = codes
            .iter()
            .zip(&dists)
            .map(|(code, stars)| Ranked {
                code,
                stars,
                events: &e,
            })
            .collect();
        let order: Vec<&str> = by_average_star(&units).iter().map(|&i| codes[i]).collect();
        assert_eq!(order, ["a", "c", "b", "d", "e", "f"]);
        let best: Vec<&str> = commended(&units).iter().map(|&i| codes[i]).collect();
        assert_eq!(best, ["c", "b", "d"]);
    }

    #[test]
    fn on_time_ranking_compares_rates_exactly_and_puts_none_closed_last() {
        let s = StarDistribution::default();
        let tallies = [
            EventTally {
                reported: 3,
                closed: 3,
                on_time: 2,
                overdue: 0,
            }, // 66.67
            EventTally::default(),
            EventTally {
                reported: 2,
                closed: 2,
                on_time: 2,
                overdue: 0,
            }, // 100
            EventTally {
                reported: 6,
                closed: 6,
                on_time: 4,
                overdue: 0,
            }, // 66.67, same
        ];
        let codes = ["b", "a", "c", "a2"];
        let units: Vec<Ranked> = codes
            .iter()
            .zip(&tallies)
            .map(|(code, events)| Ranked {
                code,
                stars: &s,
                events,
            })
            .collect();
        let order: Vec<&str> = by_on_time_rate(&units).iter().map(|&i| codes[i]).collect();
        assert_eq!(order, ["c", "a2", "b", "a"]);
    }

    #[test]
    fn shares_rank_exactly_with_nothing_to_divide_by_last() {
        let s = |code, part, whole| Share { code, part, whole };
        let units = [
            s("a", 2, 3),
            s("b", 0, 0),
            s("c", 4, 6),
            s("d", 1, 1),
            s("e", 0, 5),
        ];
        let order: Vec<&str> = by_share(&units).iter().map(|&i| units[i].code).collect();
        assert_eq!(order, ["d", "a", "c", "e", "b"]);
        assert_eq!(share_of(1, 3), Some(Dec2(33_33)));
        assert_eq!(share_of(1, 0), None);
    }

    #[test]
    fn minutes_become_hours_half_up() {
        assert_eq!(minutes_as_hours(331), Dec2(5_52));
        assert_eq!(minutes_as_hours(90), Dec2(1_50));
        assert_eq!(minutes_as_hours(1), Dec2(2)); // 0.0166… h
        assert_eq!(minutes_as_hours(0), Dec2::ZERO);
        assert_eq!(minutes_as_hours(-5), Dec2::ZERO);
    }

    #[test]
    fn re_review_counts_the_decisions_of_those_with_a_star_last_year() {
        let mut r = ReReview::default();
        for (previous, current) in [(3, 3), (3, 4), (4, 2), (2, 0), (0, 3), (0, 0), (5, 5)] {
            r.add(Decision::of(previous, current));
        }
        assert_eq!(
            r,
            ReReview {
                kept: 2,
                raised: 1,
                lowered: 1,
                lost: 1,
                new: 1
            }
        );
        assert_eq!(r.reviewed(), 5);
        assert_eq!(r.held_rate(), Some(Dec2(60_00)));
        let mut sum = r;
        sum.merge(&r);
        assert_eq!((sum.reviewed(), sum.new), (10, 2));
        assert_eq!(ReReview::default().held_rate(), None);
    }

    #[test]
    fn a_unit_is_behind_for_each_unmet_target_and_a_slow_on_time_rate() {
        let targets = [
            Target {
                min_stars: 5,
                percent: Dec2(30_00),
                by_year: Some(2015),
                note: None,
            },
            Target {
                min_stars: 3,
                percent: Dec2(40_00), // 5 of 11 = 45.45%: met
                by_year: None,
                note: None,
            },
        ];
        let stars = StarDistribution::of(
            [5, 5, 3, 3, 3, 2, 1, 1, 0, 0, 0]
                .into_iter()
                .map(Standing::Rated)
                .chain([Standing::Refused]),
        );
        let slow = EventTally {
            reported: 4,
            closed: 4,
            on_time: 3,
            overdue: 0,
        };
        let reasons = behind(&targets, &stars, &slow);
        assert_eq!(reasons.len(), 2);
        let (zh, en) = reasons[0].words();
        assert_eq!(
            zh,
            "5星及以上2/11个\u{ff08}18.18%\u{ff09}\u{ff0c}2015年目标不低于30%\u{ff0c}还差2个"
        );
        assert!(en.contains("2 of 11 (18.18%)"));
        let (zh, _) = reasons[1].words();
        assert!(zh.contains("75.00%\u{ff08}3/4\u{ff09}"));
        // A unit with no community rated is not judged on targets.
        assert!(
            !behind(&targets[..1], &StarDistribution::default(), &slow)
                .iter()
                .any(|b| matches!(b, Behind::Target { .. }))
        );
    }
}
