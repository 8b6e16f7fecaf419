//! A year's rating round: every community scored, re-reviewed against last year's star,
//! rewarded, and rolled up per street and district against the targets.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::decimal::{Dec2, Fen};
use crate::region;
use crate::rewards::{LevelAmount, Reward, merge, reward_for};
use crate::scoring::{AnswerError, Assessment, Scorecard, VetoHit, score};
use crate::standard::{GovLevel, Standard};
use crate::stars::{Standing, StarDistribution};
use crate::targets::TargetProgress;

/// A region a community belongs to: its code and, when known, its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Unit {
    pub code: String,
    pub name: Option<String>,
}

/// One community's entry in a round.
#[derive(Debug, Clone)]
pub struct Entry {
    pub code: String,
    pub name: String,
    /// Derived from a 12-digit division code when not given.
    pub street: Option<Unit>,
    pub district: Option<Unit>,
    /// Last year's star; 0 or `None` when it had none.
    pub previous_star: Option<u8>,
    pub assessment: Assessment,
}

/// The re-review decision (复评): what happens to the community's title this year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// No star last year, a star now.
    New,
    Keep,
    Upgrade,
    Downgrade,
    /// Had a star, has none now (below the lowest threshold, or a veto).
    Revoke,
    /// No star last year or this year.
    NotRated,
}

impl Decision {
    pub fn of(previous: u8, current: u8) -> Decision {
        match (previous, current) {
            (0, 0) => Decision::NotRated,
            (0, _) => Decision::New,
            (_, 0) => Decision::Revoke,
            (p, c) if c > p => Decision::Upgrade,
            (p, c) if c < p => Decision::Downgrade,
            _ => Decision::Keep,
        }
    }

    /// The decision kept with a result, else the rule on last year's and this year's star
    /// (no star yet counts as none).
    pub fn kept_or_of(kept: Option<&str>, previous: i64, star: Option<i64>) -> Decision {
        kept.and_then(Decision::parse).unwrap_or_else(|| {
            Decision::of(
                previous.clamp(0, 5) as u8,
                star.unwrap_or(0).clamp(0, 5) as u8,
            )
        })
    }

    /// The decision as stored and sent: `new`, `keep`, `upgrade`, `downgrade`, `revoke` or
    /// `not_rated` (the same words as its serialised form).
    pub fn key(self) -> &'static str {
        match self {
            Decision::New => "new",
            Decision::Keep => "keep",
            Decision::Upgrade => "upgrade",
            Decision::Downgrade => "downgrade",
            Decision::Revoke => "revoke",
            Decision::NotRated => "not_rated",
        }
    }

    pub fn parse(text: &str) -> Option<Decision> {
        [
            Decision::New,
            Decision::Keep,
            Decision::Upgrade,
            Decision::Downgrade,
            Decision::Revoke,
            Decision::NotRated,
        ]
        .into_iter()
        .find(|d| d.key() == text)
    }
}

/// Who decides a community's rating this year.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    /// The star whose rule applies: the higher of last year's and this year's.
    pub star: u8,
    pub level: GovLevel,
    pub body: Option<String>,
    pub recommended_by: Option<GovLevel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome<'s> {
    pub code: String,
    pub name: String,
    pub street: Option<Unit>,
    pub district: Option<Unit>,
    pub total: Dec2,
    pub share: Dec2,
    pub star_by_score: u8,
    pub star: u8,
    pub vetoed_by: Vec<VetoHit<'s>>,
    pub previous_star: u8,
    pub decision: Decision,
    pub approval: Option<Approval>,
    pub reward: Reward,
    /// Points short of the next star (none at the top star).
    pub next_star: Option<(u8, Dec2)>,
}

/// An entry that could not be rated, and why; it is left out of every roll-up.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub code: String,
    pub name: String,
    pub errors: Vec<AnswerError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Street,
    District,
    All,
}

/// Roll-up of one street, one district, or the whole round.
#[derive(Debug, Clone, Serialize)]
pub struct UnitReport {
    pub kind: UnitKind,
    pub unit: Unit,
    pub communities: usize,
    /// Communities per star, index 0 = no star.
    pub by_star: [usize; 6],
    pub decisions: BTreeMap<Decision, usize>,
    pub targets: Vec<TargetProgress>,
    pub reward_total: Fen,
    /// What each government level owes for this unit's communities.
    pub reward_by_level: Vec<LevelAmount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundReport<'s> {
    pub standard: String,
    pub version: String,
    pub year: Option<i32>,
    pub outcomes: Vec<Outcome<'s>>,
    pub rejected: Vec<Rejected>,
    pub streets: Vec<UnitReport>,
    pub districts: Vec<UnitReport>,
    pub overall: UnitReport,
}

/// Rates a whole round. Entries whose answers do not fit the standard are rejected with their
/// reasons; the others are rated as usual.
pub fn rate_round<'s>(
    standard: &'s Standard,
    year: Option<i32>,
    entries: &[Entry],
) -> RoundReport<'s> {
    // Duplicates are decided first, in input order; scoring then runs on all cores.
    let mut seen = HashSet::with_capacity(entries.len());
    let first: Vec<bool> = entries
        .iter()
        .map(|e| seen.insert(e.code.as_str()))
        .collect();
    let rated = rate_in_parallel(standard, entries);
    let mut outcomes = Vec::with_capacity(entries.len());
    let mut rejected = Vec::new();
    for ((entry, is_first), result) in entries.iter().zip(first).zip(rated) {
        if !is_first {
            rejected.push(Rejected {
                code: entry.code.clone(),
                name: entry.name.clone(),
                errors: vec![AnswerError {
                    clause: String::new(),
                    zh: format!("社区编码 {} 在本轮中重复出现", entry.code),
                    en: format!("community code {} appears twice in this round", entry.code),
                }],
            });
            continue;
        }
        match result {
            Ok(outcome) => outcomes.push(outcome),
            Err(errors) => rejected.push(Rejected {
                code: entry.code.clone(),
                name: entry.name.clone(),
                errors,
            }),
        }
    }

    let all = Unit {
        code: String::new(),
        name: None,
    };
    report_of(standard, year, outcomes, rejected, all)
}

/// The round's report from outcomes already rated (by [`rate_round`], or kept with each entry):
/// rolled up per street, per district and for the whole round as `all`.
pub fn report_of<'s>(
    standard: &'s Standard,
    year: Option<i32>,
    outcomes: Vec<Outcome<'s>>,
    rejected: Vec<Rejected>,
    all: Unit,
) -> RoundReport<'s> {
    let streets = roll_up(standard, &outcomes, UnitKind::Street, |o| o.street.clone());
    let districts = roll_up(standard, &outcomes, UnitKind::District, |o| {
        o.district.clone()
    });
    let overall = unit_report(standard, UnitKind::All, all, outcomes.iter().collect());
    RoundReport {
        standard: standard.id.clone(),
        version: standard.version.clone(),
        year,
        outcomes,
        rejected,
        streets,
        districts,
        overall,
    }
}

type Rated<'s> = Result<Outcome<'s>, Vec<AnswerError>>;

/// Rates every entry, splitting the work over the machine's cores; results keep input order.
fn rate_in_parallel<'s>(standard: &'s Standard, entries: &[Entry]) -> Vec<Rated<'s>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if workers < 2 || entries.len() < 256 {
        return entries.iter().map(|e| rate_entry(standard, e)).collect();
    }
    let chunk = entries.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|e| rate_entry(standard, e))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("rating a community does not panic"))
            .collect()
    })
}

/// Rates one entry: score, decision, approval, reward.
pub fn rate_entry<'s>(
    standard: &'s Standard,
    entry: &Entry,
) -> Result<Outcome<'s>, Vec<AnswerError>> {
    let previous = entry.previous_star.unwrap_or(0);
    if previous != 0 && standard.star(previous).is_none() {
        let levels: Vec<String> = standard.stars.iter().map(|s| s.level.to_string()).collect();
        return Err(vec![AnswerError {
            clause: String::new(),
            zh: format!(
                "上年星级 {previous} 不是本标准的星级（可填 0 或 {}）",
                levels.join("、")
            ),
            en: format!(
                "last year's star {previous} is not a level of this standard (use 0 or {})",
                levels.join(", ")
            ),
        }]);
    }
    let card: Scorecard<'s> = score(standard, &entry.assessment)?;
    let decision = Decision::of(previous, card.star);
    let deciding = previous.max(card.star);
    let approval = standard.star(deciding).map(|star| Approval {
        star: deciding,
        level: star.approval,
        body: star.approval_body.clone(),
        recommended_by: star.recommended_by,
    });
    let reward = reward_for(standard.rewards.as_ref(), previous, card.star);
    let street = entry
        .street
        .clone()
        .or_else(|| region::street_of(&entry.code).map(|code| Unit { code, name: None }));
    let district = entry
        .district
        .clone()
        .or_else(|| region::district_of(&entry.code).map(|code| Unit { code, name: None }));
    Ok(Outcome {
        code: entry.code.clone(),
        name: entry.name.clone(),
        street,
        district,
        total: card.total,
        share: card.share,
        star_by_score: card.star_by_score,
        star: card.star,
        vetoed_by: card.vetoed_by,
        previous_star: previous,
        decision,
        approval,
        reward,
        next_star: card.next_star.map(|n| (n.level, n.points_short)),
    })
}

fn roll_up(
    standard: &Standard,
    outcomes: &[Outcome<'_>],
    kind: UnitKind,
    unit_of: impl Fn(&Outcome) -> Option<Unit>,
) -> Vec<UnitReport> {
    let mut groups: BTreeMap<String, (Unit, Vec<&Outcome>)> = BTreeMap::new();
    for outcome in outcomes {
        let Some(unit) = unit_of(outcome) else {
            continue;
        };
        let group = groups
            .entry(unit.code.clone())
            .or_insert_with(|| (unit.clone(), Vec::new()));
        if group.0.name.is_none() {
            group.0.name = unit.name;
        }
        group.1.push(outcome);
    }
    groups
        .into_values()
        .map(|(unit, members)| unit_report(standard, kind, unit, members))
        .collect()
}

fn unit_report(
    standard: &Standard,
    kind: UnitKind,
    unit: Unit,
    members: Vec<&Outcome<'_>>,
) -> UnitReport {
    // Every outcome is a rated community: the rejected are not in any unit.
    let stars = StarDistribution::of(members.iter().map(|o| Standing::Rated(o.star)));
    let mut decisions = BTreeMap::new();
    let mut reward_by_level = Vec::new();
    let mut reward_total = Fen::ZERO;
    for outcome in &members {
        *decisions.entry(outcome.decision).or_insert(0) += 1;
        reward_total += outcome.reward.amount;
        merge(&mut reward_by_level, outcome.reward.split.clone());
    }
    reward_by_level.sort_by_key(|part| part.level);
    UnitReport {
        kind,
        unit,
        communities: stars.rated(),
        by_star: stars.by_star,
        decisions,
        targets: stars.progress(&standard.targets),
        reward_total,
        reward_by_level,
    }
}

#[cfg(test)]
mod tests {
    use super::Decision;

    #[test]
    fn a_decision_key_is_its_serialised_word() {
        for previous in 0..=5 {
            for current in 0..=5 {
                let decision = Decision::of(previous, current);
                let json = serde_json::to_value(decision).unwrap();
                assert_eq!(json.as_str(), Some(decision.key()));
                assert_eq!(Decision::parse(decision.key()), Some(decision));
            }
        }
    }

    #[test]
    fn a_kept_decision_wins_over_the_rule_on_the_stars() {
        assert_eq!(
            Decision::kept_or_of(Some("keep"), 3, Some(1)),
            Decision::Keep
        );
        assert_eq!(Decision::kept_or_of(None, 3, Some(1)), Decision::Downgrade);
        assert_eq!(Decision::kept_or_of(Some("??"), 0, Some(2)), Decision::New);
        assert_eq!(Decision::kept_or_of(None, 2, None), Decision::Revoke);
        assert_eq!(Decision::kept_or_of(None, 7, Some(7)), Decision::Keep);
    }
}
