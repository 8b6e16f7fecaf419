//! The running aggregate of a survey: named counters, each a plain count.
//!
//! Storage keeps one tally per community (one row per counter) and adds a submission's
//! [`CheckedSubmission::increments`] as it arrives; a street's or district's tally is the
//! [`Tally::merge`] of its communities'. Results read only the counters, so a district with a
//! million answers is reported without reading a single answer again. Merging is counter-wise
//! addition: associative and commutative, with the empty tally as identity.

use std::collections::BTreeMap;

use serde::Serialize;

use super::channel::Channel;
use super::counter::CounterKey;
use super::questionnaire::Questionnaire;
use super::submission::CheckedSubmission;

/// A tally belongs to one questionnaire version; adding across versions is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("a tally of {tally} cannot take counts of {got}")]
pub struct TallyMismatch {
    pub tally: String,
    pub got: String,
}

impl TallyMismatch {
    pub fn zh(&self) -> String {
        format!("问卷 {} 的统计不能计入问卷 {} 的答卷", self.tally, self.got)
    }
}

/// Counters of one questionnaire version. Counters at zero are not stored, so two tallies of
/// the same answers are equal however they were built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    questionnaire: String,
    version: String,
    counters: BTreeMap<CounterKey, u64>,
}

impl Tally {
    pub fn new(questionnaire: &str, version: &str) -> Tally {
        Tally {
            questionnaire: questionnaire.to_string(),
            version: version.to_string(),
            counters: BTreeMap::new(),
        }
    }

    pub fn for_questionnaire(q: &Questionnaire) -> Tally {
        Tally::new(&q.id, &q.version)
    }

    /// Rebuilds a tally from stored counters; repeated keys are added.
    pub fn from_counters(
        questionnaire: &str,
        version: &str,
        counters: impl IntoIterator<Item = (CounterKey, u64)>,
    ) -> Tally {
        let mut tally = Tally::new(questionnaire, version);
        for (key, count) in counters {
            tally.add_count(key, count);
        }
        tally
    }

    pub fn questionnaire(&self) -> &str {
        &self.questionnaire
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// `id@version`, as messages show it.
    pub fn label(&self) -> String {
        format!("{}@{}", self.questionnaire, self.version)
    }

    /// Counts one checked submission.
    pub fn add(&mut self, submission: &CheckedSubmission) -> Result<(), TallyMismatch> {
        let answers = submission.submission();
        if answers.questionnaire != self.questionnaire || answers.version != self.version {
            return Err(TallyMismatch {
                tally: self.label(),
                got: format!("{}@{}", answers.questionnaire, answers.version),
            });
        }
        for key in submission.increments() {
            self.add_count(key.clone(), 1);
        }
        Ok(())
    }

    /// Adds `count` to one counter. Counts saturate at `u64::MAX` rather than wrap.
    pub fn add_count(&mut self, key: CounterKey, count: u64) {
        if count == 0 {
            return;
        }
        let slot = self.counters.entry(key).or_insert(0);
        *slot = slot.saturating_add(count);
    }

    /// Adds another tally of the same questionnaire version to this one.
    pub fn merge(&mut self, other: &Tally) -> Result<(), TallyMismatch> {
        if other.questionnaire != self.questionnaire || other.version != self.version {
            return Err(TallyMismatch {
                tally: self.label(),
                got: other.label(),
            });
        }
        for (key, count) in &other.counters {
            self.add_count(key.clone(), *count);
        }
        Ok(())
    }

    pub fn get(&self, key: &CounterKey) -> u64 {
        self.counters.get(key).copied().unwrap_or(0)
    }

    /// Every non-zero counter, in key order.
    pub fn counters(&self) -> impl Iterator<Item = (&CounterKey, u64)> {
        self.counters.iter().map(|(k, v)| (k, *v))
    }

    pub fn respondents(&self) -> u64 {
        self.get(&CounterKey::Respondents)
    }

    pub fn option_count(&self, question: &str, option: &str) -> u64 {
        self.get(&CounterKey::Option {
            question: question.to_string(),
            option: option.to_string(),
        })
    }

    pub fn channel_count(&self, channel: Channel) -> u64 {
        self.get(&CounterKey::Channel(channel))
    }

    pub fn dimension_respondents(&self, dimension: &str) -> u64 {
        self.get(&CounterKey::Dimension(dimension.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::counter::CounterKeyError;
    use crate::survey::questionnaire::tests::sample;
    use crate::survey::submission::check_submission;
    use crate::survey::submission::tests::submission;

    fn checked(answers: &[(&str, &str)]) -> CheckedSubmission {
        check_submission(&sample(), submission(answers)).unwrap()
    }

    #[test]
    fn counter_keys_round_trip_through_text() {
        let keys = [
            CounterKey::Respondents,
            CounterKey::CountedRespondents,
            CounterKey::Channel(Channel::HomeVisit),
            CounterKey::Option {
                question: "Q1.a".into(),
                option: "very_satisfied".into(),
            },
            CounterKey::TextAnswers {
                question: "Q9".into(),
            },
            CounterKey::Dimension("culture_sports".into()),
        ];
        for key in keys {
            assert_eq!(key.to_string().parse::<CounterKey>(), Ok(key));
        }
        for bad in [
            "",
            "respondent",
            "channel:fax",
            "option:Q1",
            "option:Q1:a:b",
            "dimension:治安",
            "text:",
        ] {
            assert_eq!(
                bad.parse::<CounterKey>(),
                Err(CounterKeyError(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn adding_counts_each_answer_once() {
        let mut tally = Tally::for_questionnaire(&sample());
        tally
            .add(&checked(&[
                ("Q1", "satisfied"),
                ("Q2", "unknown"),
                ("Q3", "dissatisfied"),
            ]))
            .unwrap();
        tally
            .add(&checked(&[
                ("Q1", "satisfied"),
                ("Q2", "satisfied"),
                ("Q3", "unknown"),
            ]))
            .unwrap();
        assert_eq!(tally.respondents(), 2);
        assert_eq!(tally.option_count("Q1", "satisfied"), 2);
        assert_eq!(tally.option_count("Q2", "unknown"), 1);
        assert_eq!(tally.dimension_respondents("a"), 2);
        assert_eq!(tally.dimension_respondents("b"), 1);
        assert_eq!(tally.channel_count(Channel::ResidentLink), 2);
        assert_eq!(tally.channel_count(Channel::Paper), 0);
    }

    #[test]
    fn tallies_of_other_versions_do_not_mix() {
        let mut tally = Tally::new("sample", "2");
        let error = tally
            .add(&checked(&[
                ("Q1", "satisfied"),
                ("Q2", "satisfied"),
                ("Q3", "satisfied"),
            ]))
            .unwrap_err();
        assert_eq!(
            error,
            TallyMismatch {
                tally: "sample@2".into(),
                got: "sample@1".into()
            }
        );
        assert!(tally.merge(&Tally::new("sample", "1")).is_err());
        assert!(tally.merge(&Tally::new("other", "2")).is_err());
        assert!(tally.merge(&Tally::new("sample", "2")).is_ok());
    }

    #[test]
    fn rebuilding_from_stored_counters_gives_the_same_tally() {
        let mut tally = Tally::for_questionnaire(&sample());
        tally
            .add(&checked(&[
                ("Q1", "satisfied"),
                ("Q2", "unknown"),
                ("Q3", "dissatisfied"),
                ("Q4", "好"),
            ]))
            .unwrap();
        let stored: Vec<(String, u64)> = tally
            .counters()
            .map(|(k, v)| (k.to_string(), v))
            .chain([("respondents".to_string(), 0)])
            .collect();
        let rebuilt = Tally::from_counters(
            "sample",
            "1",
            stored
                .iter()
                .map(|(k, v)| (k.parse::<CounterKey>().unwrap(), *v)),
        );
        assert_eq!(rebuilt, tally);
    }

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        let mut tally = Tally::new("sample", "1");
        tally.add_count(CounterKey::Respondents, u64::MAX - 1);
        tally.add_count(CounterKey::Respondents, 5);
        assert_eq!(tally.respondents(), u64::MAX);
    }
}
