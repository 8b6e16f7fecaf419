//! Scoring one community: clause results → points, share, star, veto, and what the next star needs.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::decimal::Dec2;
use crate::standard::{Clause, Judge, NumericRule, RatingBasis, Standard, SurveyScoring};

/// One clause's result as entered by an assessor, before it is read against the standard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// Met / not met; for a veto clause, `false` means the veto applies.
    pub met: Option<bool>,
    /// Points (graded), a counted value (numeric, metric) or a rate in percent (survey).
    pub number: Option<Dec2>,
    pub note: Option<String>,
}

impl Answer {
    pub fn met(met: bool) -> Answer {
        Answer {
            met: Some(met),
            ..Answer::default()
        }
    }

    pub fn number(number: Dec2) -> Answer {
        Answer {
            number: Some(number),
            ..Answer::default()
        }
    }
}

/// All answers for one community.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// By clause id.
    pub answers: HashMap<String, Answer>,
    /// Operational figures by metric name, used by `metric` clauses without an answer of their own.
    pub metrics: BTreeMap<String, Dec2>,
}

/// An answer that does not fit its clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    pub clause: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClauseStatus {
    Met,
    Partial,
    NotMet,
    /// No answer was given: scored 0 and listed so the gap is visible.
    NotAssessed,
    /// A veto clause whose condition holds.
    VetoClear,
    /// A veto clause that applies: no star.
    Vetoed,
}

/// What a clause still lacks, in the clause's own terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shortfall<'s> {
    NotMet,
    NotAssessed,
    Graded {
        earned: Dec2,
        max: Dec2,
    },
    Value {
        measure: &'s str,
        unit: Option<&'s str>,
        have: Dec2,
        need: Dec2,
    },
    Rate {
        dimension: &'s str,
        have: Dec2,
        need: Dec2,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseScore<'s> {
    pub id: &'s str,
    pub earned: Dec2,
    pub max: Dec2,
    pub status: ClauseStatus,
    pub shortfall: Option<Shortfall<'s>>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemScore<'s> {
    pub id: &'s str,
    pub name: &'s str,
    pub earned: Dec2,
    pub max: Dec2,
    pub clauses: Vec<ClauseScore<'s>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryScore<'s> {
    pub id: &'s str,
    pub name: &'s str,
    pub earned: Dec2,
    pub max: Dec2,
    /// Percent of this category's points earned, rounded down.
    pub share: Dec2,
    pub items: Vec<ItemScore<'s>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VetoHit<'s> {
    pub clause: &'s str,
    pub text: &'s str,
    pub reason: Option<String>,
}

/// One clause worth fixing on the way to the next star.
#[derive(Debug, Clone, Serialize)]
pub struct Fix<'s> {
    pub clause: &'s str,
    pub text: &'s str,
    pub gain: Dec2,
    pub effort: u8,
    pub shortfall: Shortfall<'s>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NextStar<'s> {
    pub level: u8,
    /// The threshold as the standard states it (points, or percent for share rating).
    pub threshold: Dec2,
    /// Points needed to reach it.
    pub points_needed: Dec2,
    pub points_short: Dec2,
    /// Every clause that could still gain points, cheapest first (effort, then gain).
    pub candidates: Vec<Fix<'s>>,
    /// How many of `candidates`, taken in order, close the gap (all of them if it cannot be closed).
    pub plan_len: usize,
    /// False when even meeting every clause would not reach the star.
    pub reachable: bool,
    /// The star also needs every veto item cleared.
    pub blocked_by_veto: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scorecard<'s> {
    pub standard: &'s str,
    pub version: &'s str,
    pub total: Dec2,
    pub max: Dec2,
    /// Percent of `max` earned, rounded down to hundredths.
    pub share: Dec2,
    pub clauses_met: usize,
    pub clauses_total: usize,
    /// The star the points earn, before any veto.
    pub star_by_score: u8,
    /// The star awarded: 0 when a veto applies.
    pub star: u8,
    pub vetoed_by: Vec<VetoHit<'s>>,
    /// The note the standard attaches to the awarded star, if any.
    pub star_note: Option<&'s str>,
    pub categories: Vec<CategoryScore<'s>>,
    pub not_assessed: Vec<&'s str>,
    pub next_star: Option<NextStar<'s>>,
}

/// Scores one community. Every answer that does not fit its clause is reported; nothing is scored
/// then, so a typo never silently becomes zero points.
pub fn score<'s>(
    standard: &'s Standard,
    assessment: &Assessment,
) -> Result<Scorecard<'s>, Vec<AnswerError>> {
    let mut errors = Vec::new();
    for id in assessment.answers.keys() {
        if standard.clause(id).is_none() {
            errors.push(AnswerError {
                clause: id.clone(),
                zh: format!("标准 {} 中没有条款 {id}", standard.id),
                en: format!("standard {} has no clause {id}", standard.id),
            });
        }
    }

    let mut categories = Vec::with_capacity(standard.categories.len());
    let mut vetoed_by = Vec::new();
    let mut not_assessed = Vec::new();
    let mut clauses_met = 0;
    let mut clauses_total = 0;
    let mut candidates = Vec::new();

    for category in &standard.categories {
        let mut items = Vec::with_capacity(category.items.len());
        for item in &category.items {
            let mut clause_scores = Vec::with_capacity(item.clauses.len());
            for clause in &item.clauses {
                let answer = assessment.answers.get(&clause.id);
                let metric = match &clause.judge {
                    Judge::Metric { metric, .. } => assessment.metrics.get(metric).copied(),
                    _ => None,
                };
                let scored = match score_clause(standard, clause, answer, metric) {
                    Ok(scored) => scored,
                    Err(error) => {
                        errors.push(error);
                        continue;
                    }
                };
                if !clause.veto {
                    clauses_total += 1;
                }
                match scored.status {
                    ClauseStatus::Met => clauses_met += 1,
                    ClauseStatus::NotAssessed => not_assessed.push(clause.id.as_str()),
                    ClauseStatus::Vetoed => vetoed_by.push(VetoHit {
                        clause: &clause.id,
                        text: &clause.text,
                        reason: scored.note.clone(),
                    }),
                    _ => {}
                }
                if let Some(shortfall) = &scored.shortfall
                    && !clause.veto
                    && scored.earned < scored.max
                {
                    candidates.push(Fix {
                        clause: &clause.id,
                        text: &clause.text,
                        gain: scored.max - scored.earned,
                        effort: clause.effort,
                        shortfall: shortfall.clone(),
                    });
                }
                clause_scores.push(scored);
            }
            items.push(ItemScore {
                id: &item.id,
                name: &item.name,
                earned: clause_scores.iter().map(|c| c.earned).sum(),
                max: clause_scores.iter().map(|c| c.max).sum(),
                clauses: clause_scores,
            });
        }
        let earned: Dec2 = items.iter().map(|i| i.earned).sum();
        let max: Dec2 = items.iter().map(|i| i.max).sum();
        categories.push(CategoryScore {
            id: &category.id,
            name: &category.name,
            earned,
            max,
            share: Dec2::percent_of(earned, max),
            items,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let total: Dec2 = categories.iter().map(|c| c.earned).sum();
    let max = standard.total_points;
    let star_by_score = star_for(standard, total);
    let star = if vetoed_by.is_empty() {
        star_by_score
    } else {
        0
    };
    let star_note = standard.star(star).and_then(|s| s.note.as_deref());
    let next_star = next_star(
        standard,
        total,
        star_by_score,
        candidates,
        !vetoed_by.is_empty(),
    );
    Ok(Scorecard {
        standard: &standard.id,
        version: &standard.version,
        total,
        max,
        share: Dec2::percent_of(total, max),
        clauses_met,
        clauses_total,
        star_by_score,
        star,
        vetoed_by,
        star_note,
        categories,
        not_assessed,
        next_star,
    })
}

/// A declaration (申报) refused because a veto item applies, with the items and reasons.
#[derive(Debug, Clone, Serialize)]
pub struct Ineligible<'s> {
    pub vetoed_by: Vec<VetoHit<'s>>,
}

/// The eligibility check before a declaration is accepted: every veto item must be clear.
/// Only veto answers are read, so a declaration can be checked before any clause is scored.
pub fn check_eligibility<'s>(
    standard: &'s Standard,
    assessment: &Assessment,
) -> Result<(), Ineligible<'s>> {
    let vetoed_by: Vec<VetoHit<'s>> = standard
        .clauses()
        .filter(|clause| clause.veto)
        .filter_map(|clause| {
            let answer = assessment.answers.get(&clause.id)?;
            (answer.met == Some(false)).then(|| VetoHit {
                clause: &clause.id,
                text: &clause.text,
                reason: answer.note.clone(),
            })
        })
        .collect();
    if vetoed_by.is_empty() {
        Ok(())
    } else {
        Err(Ineligible { vetoed_by })
    }
}

/// The points a star's threshold stands for.
pub fn points_needed(standard: &Standard, threshold: Dec2) -> Dec2 {
    match standard.rating {
        RatingBasis::Points => threshold,
        RatingBasis::Share => Dec2::part_needed_for(standard.total_points, threshold),
    }
}

/// The highest star whose threshold `total` reaches (`>=`), or 0.
pub fn star_for(standard: &Standard, total: Dec2) -> u8 {
    standard
        .stars
        .iter()
        .filter(|star| match standard.rating {
            RatingBasis::Points => total >= star.min,
            RatingBasis::Share => Dec2::share_at_least(total, standard.total_points, star.min),
        })
        .map(|star| star.level)
        .max()
        .unwrap_or(0)
}

pub(crate) fn next_star<'s>(
    standard: &'s Standard,
    total: Dec2,
    current: u8,
    mut candidates: Vec<Fix<'s>>,
    blocked_by_veto: bool,
) -> Option<NextStar<'s>> {
    let next = standard
        .stars
        .iter()
        .filter(|s| s.level > current)
        .min_by_key(|s| s.level)?;
    let needed = points_needed(standard, next.min);
    let short = needed - total;
    // Cheapest first: least effort, then the largest gain; ties keep the standard's order.
    candidates.sort_by(|a, b| a.effort.cmp(&b.effort).then(b.gain.cmp(&a.gain)));
    let mut gained = Dec2::ZERO;
    let mut plan_len = candidates.len();
    for (index, fix) in candidates.iter().enumerate() {
        gained += fix.gain;
        if gained >= short {
            plan_len = index + 1;
            break;
        }
    }
    Some(NextStar {
        level: next.level,
        threshold: next.min,
        points_needed: needed,
        points_short: short,
        reachable: gained >= short,
        candidates,
        plan_len,
        blocked_by_veto,
    })
}

fn answer_error(clause: &Clause, zh: String, en: String) -> AnswerError {
    AnswerError {
        clause: clause.id.clone(),
        zh: format!("条款 {}\u{ff1a}{zh}", clause.id),
        en: format!("clause {}: {en}", clause.id),
    }
}

fn score_clause<'s>(
    standard: &'s Standard,
    clause: &'s Clause,
    answer: Option<&Answer>,
    metric: Option<Dec2>,
) -> Result<ClauseScore<'s>, AnswerError> {
    let max = clause.points;
    let note = answer.and_then(|a| a.note.clone());
    let outcome =
        |earned: Dec2, status: ClauseStatus, shortfall: Option<Shortfall<'s>>| ClauseScore {
            id: &clause.id,
            earned,
            max,
            status,
            shortfall,
            note: note.clone(),
        };
    let number = answer.and_then(|a| a.number).or(metric);
    let met = answer.and_then(|a| a.met);

    if clause.veto {
        if number.is_some() {
            return Err(answer_error(
                clause,
                "一票否决项只能填写是否触发（vetoed = true/false）".into(),
                "a veto item takes only whether it applies (vetoed = true/false)".into(),
            ));
        }
        // No answer means no veto event was reported.
        return Ok(match met {
            Some(false) => outcome(Dec2::ZERO, ClauseStatus::Vetoed, None),
            _ => outcome(Dec2::ZERO, ClauseStatus::VetoClear, None),
        });
    }

    if answer.is_none() && metric.is_none() {
        return Ok(outcome(
            Dec2::ZERO,
            ClauseStatus::NotAssessed,
            Some(Shortfall::NotAssessed),
        ));
    }

    match &clause.judge {
        Judge::Met => match (met, number) {
            (Some(true), None) => Ok(outcome(max, ClauseStatus::Met, None)),
            (Some(false), None) => Ok(outcome(
                Dec2::ZERO,
                ClauseStatus::NotMet,
                Some(Shortfall::NotMet),
            )),
            _ => Err(answer_error(
                clause,
                "此条款按达标/未达标判定，请填写 true 或 false".into(),
                "this clause is judged met / not met: answer true or false".into(),
            )),
        },
        Judge::Graded => {
            let earned = match (met, number) {
                (Some(true), None) => max,
                (Some(false), None) => Dec2::ZERO,
                (None, Some(points)) => points,
                _ => {
                    return Err(answer_error(
                        clause,
                        format!("此条款按 0–{max} 分评分，请填写得分"),
                        format!("this clause is graded 0–{max}: give the points"),
                    ));
                }
            };
            if earned.is_negative() || earned > max {
                return Err(answer_error(
                    clause,
                    format!("得分 {earned} 超出 0–{max} 分"),
                    format!("{earned} points is outside 0–{max}"),
                ));
            }
            Ok(graded_outcome(earned, max, &outcome))
        }
        Judge::Numeric {
            measure,
            unit,
            rule,
        }
        | Judge::Metric {
            metric: measure,
            unit,
            rule,
        } => {
            let Some(value) = number.filter(|_| met.is_none()) else {
                return Err(answer_error(
                    clause,
                    format!("请填写{measure}的数值"),
                    format!("give the value of {measure}"),
                ));
            };
            let (earned, need) = numeric_points(*rule, value, max);
            let shortfall = Shortfall::Value {
                measure,
                unit: unit.as_deref(),
                have: value,
                need,
            };
            Ok(status_with_shortfall(earned, max, shortfall, &outcome))
        }
        Judge::Survey { dimension, scoring } => {
            let Some(rate) = number.filter(|_| met.is_none()) else {
                return Err(answer_error(
                    clause,
                    "请填写满意率（百分数，0–100）".into(),
                    "give the satisfaction rate (percent, 0–100)".into(),
                ));
            };
            if rate.is_negative() || rate > Dec2::HUNDRED {
                return Err(answer_error(
                    clause,
                    format!("满意率 {rate}% 不在 0–100 之间"),
                    format!("rate {rate}% is not within 0–100"),
                ));
            }
            let dimension = standard
                .dimension(dimension)
                .map_or(dimension.as_str(), |d| d.name.as_str());
            let (earned, need) = match scoring {
                SurveyScoring::Threshold { threshold } => (
                    if rate >= *threshold { max } else { Dec2::ZERO },
                    *threshold,
                ),
                SurveyScoring::Proportional => (max.scale(rate.0, Dec2::HUNDRED.0), Dec2::HUNDRED),
            };
            let shortfall = Shortfall::Rate {
                dimension,
                have: rate,
                need,
            };
            Ok(status_with_shortfall(earned, max, shortfall, &outcome))
        }
    }
}

fn graded_outcome<'s>(
    earned: Dec2,
    max: Dec2,
    outcome: &dyn Fn(Dec2, ClauseStatus, Option<Shortfall<'s>>) -> ClauseScore<'s>,
) -> ClauseScore<'s> {
    if earned == max {
        outcome(earned, ClauseStatus::Met, None)
    } else {
        let status = if earned == Dec2::ZERO {
            ClauseStatus::NotMet
        } else {
            ClauseStatus::Partial
        };
        outcome(earned, status, Some(Shortfall::Graded { earned, max }))
    }
}

fn status_with_shortfall<'s>(
    earned: Dec2,
    max: Dec2,
    shortfall: Shortfall<'s>,
    outcome: &dyn Fn(Dec2, ClauseStatus, Option<Shortfall<'s>>) -> ClauseScore<'s>,
) -> ClauseScore<'s> {
    if earned == max {
        outcome(earned, ClauseStatus::Met, None)
    } else if earned == Dec2::ZERO {
        outcome(earned, ClauseStatus::NotMet, Some(shortfall))
    } else {
        outcome(earned, ClauseStatus::Partial, Some(shortfall))
    }
}

/// Points for a counted value, and the value that would earn full points.
fn numeric_points(rule: NumericRule, value: Dec2, max: Dec2) -> (Dec2, Dec2) {
    match rule {
        NumericRule::AtLeast { value: need } => {
            (if value >= need { max } else { Dec2::ZERO }, need)
        }
        NumericRule::AtMost { value: need } => (if value <= need { max } else { Dec2::ZERO }, need),
        NumericRule::Linear { zero_at, full_at } => {
            let (progress, span) = if full_at > zero_at {
                (value - zero_at, full_at - zero_at)
            } else {
                (zero_at - value, zero_at - full_at)
            };
            let earned = if progress <= Dec2::ZERO {
                Dec2::ZERO
            } else if progress >= span {
                max
            } else {
                max.scale(progress.0, span.0)
            };
            (earned, full_at)
        }
    }
}
