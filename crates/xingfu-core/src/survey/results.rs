//! From a tally to results: satisfaction rates, their Wilson intervals, the standard's thresholds,
//! the round's quota, and the answers handed to [`crate::scoring`] for the survey clauses.
//!
//! Rules (see also the module [`crate::survey`]):
//! - **rate** = satisfied answers / counted answers, per answer. For a dimension: over its rated
//!   questions; **overall**: over every rated question of every dimension (pooled, so each
//!   counted answer weighs the same). Options that count as `not_counted` (不了解) are in neither.
//! - **threshold** ("满意率达到95%以上"): met when `satisfied × 100 >= threshold × counted`, in
//!   integers. 38 of 40 meets 95%; 37 of 40 does not. No counted answer never meets a threshold.
//! - **shown rate** and the rate handed to scoring: truncated to hundredths of a percent. Because a
//!   threshold is itself in hundredths, `truncated >= threshold` exactly when the true rate is;
//!   a proportional clause (Lucheng: 60 points × rate) is scored from the shown rate, so anyone can
//!   recompute the points from the published rate.
//! - **quota**: a sample size the round sets per community. It is checked on the number of
//!   respondents and, per dimension, on respondents with a counted answer there. A dimension below
//!   quota does not feed its clauses (they stay "not assessed" and the shortfall is listed).
//! - **Wilson score interval** at 95% (z = 1.96), in f64 percent: for display only, never for a
//!   decision.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::channel::Channel;
use super::counter::CounterKey;
use super::questionnaire::{Counts, QuestionKind, Questionnaire};
use super::tally::{Tally, TallyMismatch};
use crate::decimal::Dec2;
use crate::scoring::{Answer, AnswerError, Assessment, score};
use crate::standard::{Judge, Standard, SurveyScoring};

/// z for a two-sided 95% interval.
pub const Z_95: f64 = 1.96;

/// Satisfied answers out of counted answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub satisfied: u64,
    pub counted: u64,
}

/// A confidence interval, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Rate {
    /// `None` when more are satisfied than counted.
    pub fn new(satisfied: u64, counted: u64) -> Option<Rate> {
        (satisfied <= counted).then_some(Rate { satisfied, counted })
    }

    /// The rate in percent, truncated to hundredths (94.996% → 94.99); `None` with no answers.
    pub fn percent(self) -> Option<Dec2> {
        if self.counted == 0 {
            return None;
        }
        let hundredths = self.satisfied as u128 * 10_000 / self.counted as u128;
        Some(Dec2(hundredths as i64))
    }

    /// True when satisfied / counted >= threshold / 100, compared exactly. Never with no answers.
    pub fn meets(self, threshold: Dec2) -> bool {
        self.counted > 0
            && self.satisfied as i128 * 10_000 >= threshold.0 as i128 * self.counted as i128
    }

    /// The fewest satisfied answers out of `counted` that meet `threshold` (95% of 40 → 38).
    pub fn satisfied_needed(counted: u64, threshold: Dec2) -> u64 {
        let threshold = threshold.0.clamp(0, Dec2::HUNDRED.0) as u128;
        (threshold * counted as u128).div_ceil(10_000) as u64
    }

    /// The Wilson score interval with the given z, in percent; `None` with no answers.
    pub fn wilson_with(self, z: f64) -> Option<Interval> {
        if self.counted == 0 {
            return None;
        }
        let n = self.counted as f64;
        let p = self.satisfied as f64 / n;
        let z2 = z * z;
        let denominator = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denominator;
        let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Some(Interval {
            low: ((centre - half).max(0.0)) * 100.0,
            high: ((centre + half).min(1.0)) * 100.0,
        })
    }

    /// The 95% Wilson score interval, in percent.
    pub fn wilson(self) -> Option<Interval> {
        self.wilson_with(Z_95)
    }

    fn plus(self, other: Rate) -> Rate {
        Rate {
            satisfied: self.satisfied.saturating_add(other.satisfied),
            counted: self.counted.saturating_add(other.counted),
        }
    }
}

/// The sample size a round requires per community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    pub min_respondents: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotaCheck {
    pub have: u64,
    pub need: u64,
    /// `have >= need`.
    pub met: bool,
    /// How many more are needed (0 when met).
    pub short: u64,
}

impl Quota {
    pub fn check(self, have: u64) -> QuotaCheck {
        QuotaCheck {
            have,
            need: self.min_respondents,
            met: have >= self.min_respondents,
            short: self.min_respondents.saturating_sub(have),
        }
    }
}

/// A rate with what a page shows next to it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateSummary {
    pub satisfied: u64,
    pub counted: u64,
    /// Answers that gave no opinion (不了解): outside the rate.
    pub not_counted: u64,
    /// Truncated to hundredths of a percent.
    pub percent: Option<Dec2>,
    pub wilson: Option<Interval>,
}

impl RateSummary {
    fn of(rate: Rate, not_counted: u64) -> RateSummary {
        RateSummary {
            satisfied: rate.satisfied,
            counted: rate.counted,
            not_counted,
            percent: rate.percent(),
            wilson: rate.wilson(),
        }
    }

    pub fn rate(&self) -> Rate {
        Rate {
            satisfied: self.satisfied,
            counted: self.counted,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelCount {
    pub channel: Channel,
    pub count: u64,
}

/// One survey clause of the standard, read against its dimension's rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseCheck<'a> {
    pub clause: &'a str,
    pub scoring: SurveyScoring,
    /// The clause's full points.
    pub max: Dec2,
    /// Threshold clauses: whether the rate reaches it (`None` with no counted answer).
    pub met: Option<bool>,
    /// Threshold clauses: satisfied answers needed out of the answers counted so far.
    pub satisfied_needed: Option<u64>,
    /// Points the clause earns from this rate, as scoring computes them; `None` when withheld.
    pub earned: Option<Dec2>,
    pub withheld: Option<WithheldReason>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionReport<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub name_en: Option<&'a str>,
    /// Respondents with a counted answer in this dimension: its sample size.
    pub respondents: u64,
    pub rate: RateSummary,
    pub quota: Option<QuotaCheck>,
    /// The standard's clauses scored on this dimension (none when no standard is given or the
    /// standard does not rate it).
    pub clauses: Vec<ClauseCheck<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionCount<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub label_en: Option<&'a str>,
    pub counts: Counts,
    pub count: u64,
}

/// Answer counts of one question, for charts and the Excel export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionReport<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub dimension: Option<&'a str>,
    /// Rated questions: every option of the scale, in scale order, with its count.
    pub options: Vec<OptionCount<'a>>,
    /// Rated questions: the question's own rate.
    pub rate: Option<RateSummary>,
    /// Free-text questions: how many answered.
    pub text_answers: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyReport<'a> {
    pub questionnaire: &'a str,
    pub version: &'a str,
    pub respondents: u64,
    pub quota: Option<QuotaCheck>,
    /// Every channel, in [`Channel::ALL`] order, zeros included.
    pub channels: Vec<ChannelCount>,
    /// Pooled over every rated answer of every dimension.
    pub overall: RateSummary,
    pub dimensions: Vec<DimensionReport<'a>>,
    pub questions: Vec<QuestionReport<'a>>,
    /// Points the standard's survey clauses earn from these results (`None` without a standard).
    pub survey_points: Option<Dec2>,
}

/// Why results cannot be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ReportError {
    #[error("the tally is of {tally}, not of questionnaire {questionnaire}")]
    WrongTally {
        tally: String,
        questionnaire: String,
    },
    #[error("the questionnaire is for standard {questionnaire:?}, not {standard:?}")]
    WrongStandard {
        questionnaire: Option<String>,
        standard: String,
    },
    #[error("scoring refused the survey answers: {}", .0.iter().map(|e| e.en.as_str()).collect::<Vec<_>>().join("; "))]
    Scoring(Vec<AnswerError>),
}

impl ReportError {
    pub fn zh(&self) -> String {
        match self {
            ReportError::WrongTally {
                tally,
                questionnaire,
            } => format!("统计属于问卷 {tally}，不是问卷 {questionnaire}"),
            ReportError::WrongStandard {
                questionnaire,
                standard,
            } => match questionnaire {
                Some(q) => format!("问卷对应的标准是 {q}，不是 {standard}"),
                None => format!("问卷没有写对应的标准（应为 {standard}）"),
            },
            ReportError::Scoring(errors) => format!(
                "评分不接受调查结果：{}",
                errors
                    .iter()
                    .map(|e| e.zh.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            ),
        }
    }
}

impl From<TallyMismatch> for ReportError {
    fn from(mismatch: TallyMismatch) -> ReportError {
        ReportError::WrongTally {
            tally: mismatch.got,
            questionnaire: mismatch.tally,
        }
    }
}

/// Why a survey clause gets no answer from the survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum WithheldReason {
    /// The questionnaire does not ask the clause's dimension.
    NotAsked,
    /// Nobody gave a counted answer in the dimension.
    NoCountedAnswers,
    /// Fewer respondents with a counted answer in the dimension than the quota.
    BelowQuota { have: u64, need: u64 },
}

impl WithheldReason {
    pub fn zh(self) -> String {
        match self {
            WithheldReason::NotAsked => "问卷没有该维度的题目".into(),
            WithheldReason::NoCountedAnswers => "该维度没有有效回答".into(),
            WithheldReason::BelowQuota { have, need } => {
                format!("有效样本 {have} 户，少于要求的 {need} 户")
            }
        }
    }

    pub fn en(self) -> String {
        match self {
            WithheldReason::NotAsked => "the questionnaire does not ask this dimension".into(),
            WithheldReason::NoCountedAnswers => "no counted answer in this dimension".into(),
            WithheldReason::BelowQuota { have, need } => {
                format!("{have} respondents with a counted answer, fewer than the quota of {need}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withheld {
    pub clause: String,
    pub dimension: String,
    pub reason: WithheldReason,
}

/// What the survey gives the rating core: an answer (the rate in percent) for each survey clause
/// it can answer, and the clauses it cannot, with why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurveyFeed {
    /// By clause id, in the form [`crate::scoring::score`] reads: `Answer::number(rate)`.
    pub answers: BTreeMap<String, Answer>,
    pub withheld: Vec<Withheld>,
}

impl SurveyFeed {
    /// Puts the survey's answers into an assessment, replacing any answer already given for those
    /// clauses (the survey is their source). Returns the clauses whose answer was replaced.
    pub fn apply_to(&self, assessment: &mut Assessment) -> Vec<String> {
        let mut replaced = Vec::new();
        for (clause, answer) in &self.answers {
            if assessment
                .answers
                .insert(clause.clone(), answer.clone())
                .is_some()
            {
                replaced.push(clause.clone());
            }
        }
        replaced
    }

    /// An assessment holding only the survey's answers.
    pub fn to_assessment(&self) -> Assessment {
        let mut assessment = Assessment::default();
        self.apply_to(&mut assessment);
        assessment
    }
}

/// Satisfied / counted / not-counted answers of one dimension, summed over its rated questions.
pub fn dimension_rate(q: &Questionnaire, tally: &Tally, dimension: &str) -> (Rate, u64) {
    let mut rate = Rate::default();
    let mut not_counted = 0u64;
    for question in q.rated_questions_in(dimension) {
        let (question_rate, question_not_counted) = question_rate(q, tally, &question.id);
        rate = rate.plus(question_rate);
        not_counted = not_counted.saturating_add(question_not_counted);
    }
    (rate, not_counted)
}

fn question_rate(q: &Questionnaire, tally: &Tally, question: &str) -> (Rate, u64) {
    let mut rate = Rate::default();
    let mut not_counted = 0u64;
    let Some(scale) = q
        .question(question)
        .and_then(|question| q.scale_of(question))
    else {
        return (rate, not_counted);
    };
    for option in &scale.options {
        let count = tally.option_count(question, &option.id);
        match option.counts {
            Counts::Satisfied => {
                rate = rate.plus(Rate {
                    satisfied: count,
                    counted: count,
                })
            }
            Counts::Unsatisfied => {
                rate = rate.plus(Rate {
                    satisfied: 0,
                    counted: count,
                })
            }
            Counts::NotCounted => not_counted = not_counted.saturating_add(count),
        }
    }
    (rate, not_counted)
}

fn check_tally(q: &Questionnaire, tally: &Tally) -> Result<(), ReportError> {
    if tally.questionnaire() != q.id || tally.version() != q.version {
        return Err(ReportError::WrongTally {
            tally: tally.label(),
            questionnaire: format!("{}@{}", q.id, q.version),
        });
    }
    Ok(())
}

fn check_standard(q: &Questionnaire, standard: &Standard) -> Result<(), ReportError> {
    if q.standard.as_deref() != Some(standard.id.as_str()) {
        return Err(ReportError::WrongStandard {
            questionnaire: q.standard.clone(),
            standard: standard.id.clone(),
        });
    }
    Ok(())
}

/// The survey's answers for every survey clause of `standard`, from one community's tally.
/// With a quota, a dimension below it feeds nothing (see the module notes).
pub fn feed(
    q: &Questionnaire,
    tally: &Tally,
    standard: &Standard,
    quota: Option<Quota>,
) -> Result<SurveyFeed, ReportError> {
    check_tally(q, tally)?;
    check_standard(q, standard)?;
    let mut result = SurveyFeed::default();
    for clause in standard.clauses() {
        let Judge::Survey { dimension, .. } = &clause.judge else {
            continue;
        };
        let withhold = |reason| Withheld {
            clause: clause.id.clone(),
            dimension: dimension.clone(),
            reason,
        };
        if q.rated_questions_in(dimension).next().is_none() {
            result.withheld.push(withhold(WithheldReason::NotAsked));
            continue;
        }
        let (rate, _) = dimension_rate(q, tally, dimension);
        let respondents = tally.dimension_respondents(dimension);
        let Some(percent) = rate.percent() else {
            result
                .withheld
                .push(withhold(WithheldReason::NoCountedAnswers));
            continue;
        };
        if let Some(quota) = quota
            && respondents < quota.min_respondents
        {
            result.withheld.push(withhold(WithheldReason::BelowQuota {
                have: respondents,
                need: quota.min_respondents,
            }));
            continue;
        }
        let mut answer = Answer::number(percent);
        answer.note = Some(format!(
            "问卷 {}@{}：满意 {} / 有效回答 {}（满意率 {percent}%），有效样本 {respondents} 户",
            q.id, q.version, rate.satisfied, rate.counted
        ));
        result.answers.insert(clause.id.clone(), answer);
    }
    Ok(result)
}

/// Points the standard's survey clauses earn from `feed`, computed by [`crate::scoring::score`]
/// itself (Lucheng: the subjective score out of 300; Weihai: one point per dimension met).
pub fn survey_points(standard: &Standard, feed: &SurveyFeed) -> Result<Dec2, Vec<AnswerError>> {
    Ok(clause_points(standard, feed)?.values().copied().sum())
}

/// Earned points of each survey clause answered by `feed`, by clause id.
fn clause_points(
    standard: &Standard,
    feed: &SurveyFeed,
) -> Result<BTreeMap<String, Dec2>, Vec<AnswerError>> {
    let survey_clauses: HashSet<&str> = standard
        .clauses()
        .filter(|c| matches!(c.judge, Judge::Survey { .. }))
        .map(|c| c.id.as_str())
        .collect();
    let card = score(standard, &feed.to_assessment())?;
    Ok(card
        .categories
        .iter()
        .flat_map(|c| c.items.iter())
        .flat_map(|i| i.clauses.iter())
        .filter(|c| survey_clauses.contains(c.id) && feed.answers.contains_key(c.id))
        .map(|c| (c.id.to_string(), c.earned))
        .collect())
}

/// Everything a results page, chart or export shows for one tally (a community, or a street's or
/// district's merged tally). Clause checks and points need the standard; quota checks the quota.
pub fn report<'a>(
    q: &'a Questionnaire,
    tally: &Tally,
    standard: Option<&'a Standard>,
    quota: Option<Quota>,
) -> Result<SurveyReport<'a>, ReportError> {
    check_tally(q, tally)?;
    let fed = match standard {
        Some(standard) => {
            let fed = feed(q, tally, standard, quota)?;
            let points = clause_points(standard, &fed).map_err(ReportError::Scoring)?;
            Some((standard, fed, points))
        }
        None => None,
    };

    let mut overall = Rate::default();
    let mut overall_not_counted = 0u64;
    let mut dimensions = Vec::with_capacity(q.dimensions.len());
    for dimension in &q.dimensions {
        let (rate, not_counted) = dimension_rate(q, tally, &dimension.id);
        overall = overall.plus(rate);
        overall_not_counted = overall_not_counted.saturating_add(not_counted);
        let respondents = tally.dimension_respondents(&dimension.id);
        let mut clauses = Vec::new();
        if let Some((standard, fed, points)) = &fed {
            for clause in standard.clauses() {
                let Judge::Survey {
                    dimension: rated,
                    scoring,
                } = &clause.judge
                else {
                    continue;
                };
                if *rated != dimension.id {
                    continue;
                }
                let threshold = match scoring {
                    SurveyScoring::Threshold { threshold } => Some(*threshold),
                    SurveyScoring::Proportional => None,
                };
                clauses.push(ClauseCheck {
                    clause: &clause.id,
                    scoring: *scoring,
                    max: clause.points,
                    met: threshold
                        .filter(|_| rate.counted > 0)
                        .map(|threshold| rate.meets(threshold)),
                    satisfied_needed: threshold
                        .map(|threshold| Rate::satisfied_needed(rate.counted, threshold)),
                    earned: points.get(&clause.id).copied(),
                    withheld: fed
                        .withheld
                        .iter()
                        .find(|w| w.clause == clause.id)
                        .map(|w| w.reason),
                });
            }
        }
        dimensions.push(DimensionReport {
            id: &dimension.id,
            name: &dimension.name,
            name_en: dimension.name_en.as_deref(),
            respondents,
            rate: RateSummary::of(rate, not_counted),
            quota: quota.map(|quota| quota.check(respondents)),
            clauses,
        });
    }

    let questions = q
        .questions
        .iter()
        .map(|question| match &question.kind {
            QuestionKind::Rated { .. } => {
                let options = q
                    .scale_of(question)
                    .map(|scale| {
                        scale
                            .options
                            .iter()
                            .map(|option| OptionCount {
                                id: &option.id,
                                label: &option.label,
                                label_en: option.label_en.as_deref(),
                                counts: option.counts,
                                count: tally.option_count(&question.id, &option.id),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let (rate, not_counted) = question_rate(q, tally, &question.id);
                QuestionReport {
                    id: &question.id,
                    text: &question.text,
                    dimension: question.dimension.as_deref(),
                    options,
                    rate: Some(RateSummary::of(rate, not_counted)),
                    text_answers: None,
                }
            }
            QuestionKind::Text { .. } => QuestionReport {
                id: &question.id,
                text: &question.text,
                dimension: question.dimension.as_deref(),
                options: Vec::new(),
                rate: None,
                text_answers: Some(tally.get(&CounterKey::TextAnswers {
                    question: question.id.clone(),
                })),
            },
        })
        .collect();

    Ok(SurveyReport {
        questionnaire: &q.id,
        version: &q.version,
        respondents: tally.respondents(),
        quota: quota.map(|quota| quota.check(tally.respondents())),
        channels: Channel::ALL
            .into_iter()
            .map(|channel| ChannelCount {
                channel,
                count: tally.channel_count(channel),
            })
            .collect(),
        overall: RateSummary::of(overall, overall_not_counted),
        dimensions,
        questions,
        survey_points: fed.map(|(_, _, points)| points.values().copied().sum()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::questionnaire::tests::sample;
    use crate::survey::submission::check_submission;
    use crate::survey::submission::tests::submission;

    fn d(text: &str) -> Dec2 {
        Dec2::parse(text).unwrap()
    }

    fn tally_of(rows: &[&[(&str, &str)]]) -> Tally {
        let q = sample();
        let mut tally = Tally::for_questionnaire(&q);
        for row in rows {
            tally
                .add(&check_submission(&q, submission(row)).unwrap())
                .unwrap();
        }
        tally
    }

    #[test]
    fn the_seeds_95_percent_at_and_around_38_of_40() {
        let threshold = d("95");
        assert!(Rate::new(38, 40).unwrap().meets(threshold));
        assert!(!Rate::new(37, 40).unwrap().meets(threshold));
        assert!(Rate::new(39, 40).unwrap().meets(threshold));
        assert_eq!(Rate::satisfied_needed(40, threshold), 38);
        // 95% of 41 is 38.95: 39 needed.
        assert_eq!(Rate::satisfied_needed(41, threshold), 39);
        assert!(!Rate::new(38, 41).unwrap().meets(threshold));
        assert!(Rate::new(39, 41).unwrap().meets(threshold));
    }

    #[test]
    fn a_rate_is_truncated_never_rounded_up() {
        // 1899/1999 = 94.9974…%: shown 94.99, and not met.
        let rate = Rate::new(1899, 1999).unwrap();
        assert_eq!(rate.percent(), Some(d("94.99")));
        assert!(!rate.meets(d("95")));
        assert_eq!(Rate::new(2, 3).unwrap().percent(), Some(d("66.66")));
        assert_eq!(Rate::new(0, 0).unwrap().percent(), None);
        assert_eq!(Rate::new(3, 2), None);
    }

    #[test]
    fn no_answers_never_meet_a_threshold() {
        assert!(!Rate::default().meets(Dec2::ZERO));
        assert!(Rate::new(0, 5).unwrap().meets(Dec2::ZERO));
        assert_eq!(Rate::satisfied_needed(0, d("95")), 0);
    }

    #[test]
    fn wilson_matches_the_textbook_value_for_38_of_40() {
        // Wilson 95% for 38/40: 83.50% – 98.62% (p̂ = 0.95, n = 40, z = 1.96).
        let interval = Rate::new(38, 40).unwrap().wilson().unwrap();
        assert!((interval.low - 83.496).abs() < 0.01, "{interval:?}");
        assert!((interval.high - 98.619).abs() < 0.01, "{interval:?}");
        let all = Rate::new(10, 10).unwrap().wilson().unwrap();
        assert!((all.high - 100.0).abs() < 1e-9, "{all:?}");
        assert!(all.low > 70.0 && all.low < 75.0, "{all:?}");
        assert_eq!(Rate::default().wilson(), None);
    }

    #[test]
    fn quota_counts_what_is_still_missing() {
        let quota = Quota {
            min_respondents: 30,
        };
        assert_eq!(
            quota.check(29),
            QuotaCheck {
                have: 29,
                need: 30,
                met: false,
                short: 1
            }
        );
        assert!(quota.check(30).met);
        assert_eq!(quota.check(31).short, 0);
    }

    #[test]
    fn dimension_rates_pool_answers_and_leave_out_dont_know() {
        let q = sample();
        let tally = tally_of(&[
            &[
                ("Q1", "very_satisfied"),
                ("Q2", "unknown"),
                ("Q3", "dissatisfied"),
            ],
            &[
                ("Q1", "fairly_satisfied"),
                ("Q2", "very_dissatisfied"),
                ("Q3", "unknown"),
            ],
        ]);
        let (a, a_unknown) = dimension_rate(&q, &tally, "a");
        assert_eq!(
            a,
            Rate {
                satisfied: 2,
                counted: 3
            }
        );
        assert_eq!(a_unknown, 1);
        let (b, b_unknown) = dimension_rate(&q, &tally, "b");
        assert_eq!(
            b,
            Rate {
                satisfied: 0,
                counted: 1
            }
        );
        assert_eq!(b_unknown, 1);
        let report = report(&q, &tally, None, None).unwrap();
        assert_eq!(
            report.overall.rate(),
            Rate {
                satisfied: 2,
                counted: 4
            }
        );
        assert_eq!(report.overall.not_counted, 2);
        assert_eq!(report.dimensions[1].respondents, 1);
        assert_eq!(report.questions[0].options[0].count, 1);
        assert_eq!(report.questions[3].text_answers, Some(0));
        assert_eq!(report.survey_points, None);
    }

    #[test]
    fn a_report_refuses_a_tally_of_another_version() {
        let q = sample();
        let tally = Tally::new("sample", "0");
        assert_eq!(
            report(&q, &tally, None, None).unwrap_err(),
            ReportError::WrongTally {
                tally: "sample@0".into(),
                questionnaire: "sample@1".into()
            }
        );
    }
}
