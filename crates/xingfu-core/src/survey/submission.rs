//! One household's answers, and their check against one questionnaire version.
//!
//! A [`CheckedSubmission`] can only be made by [`check_submission`], so a tally never counts an
//! answer its questionnaire does not have. Every problem is reported with its question, so a page
//! can list them all at the top and link each to its field.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::channel::Channel;
use super::counter::CounterKey;
use super::questionnaire::{Counts, QuestionKind, Questionnaire};

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// The id of an option of the question's scale.
    Choice(String),
    /// Free text.
    Text(String),
}

/// Answers by question id, as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub questionnaire: String,
    pub version: String,
    pub channel: Channel,
    pub answers: BTreeMap<String, Response>,
}

/// Why a submission does not fit its questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum SubmissionError {
    #[error("the answers are for questionnaire {got}, not {expected}")]
    WrongQuestionnaire { expected: String, got: String },
    #[error("question {question:?} is not in this questionnaire")]
    UnknownQuestion { question: String },
    #[error("question {question:?} needs an answer")]
    Missing { question: String },
    #[error("{option:?} is not an option of question {question:?}")]
    UnknownOption { question: String, option: String },
    #[error("question {question:?} is answered by choosing one option, not by text")]
    TextForRated { question: String },
    #[error("question {question:?} is answered in words, not by choosing an option")]
    ChoiceForText { question: String },
    #[error("the answer to question {question:?} has {chars} characters; at most {max_chars}")]
    TextTooLong {
        question: String,
        chars: usize,
        max_chars: u32,
    },
    #[error("no rated question is answered")]
    NoRatedAnswer,
}

impl SubmissionError {
    /// The question the error is about, to link the page's error summary to its field.
    pub fn question(&self) -> Option<&str> {
        match self {
            SubmissionError::UnknownQuestion { question }
            | SubmissionError::Missing { question }
            | SubmissionError::UnknownOption { question, .. }
            | SubmissionError::TextForRated { question }
            | SubmissionError::ChoiceForText { question }
            | SubmissionError::TextTooLong { question, .. } => Some(question),
            SubmissionError::WrongQuestionnaire { .. } | SubmissionError::NoRatedAnswer => None,
        }
    }

    /// The message in Simplified Chinese, in the plain words a resident reads.
    pub fn zh(&self) -> String {
        match self {
            SubmissionError::WrongQuestionnaire { expected, got } => {
                format!("答卷属于问卷 {got}，不是 {expected}")
            }
            SubmissionError::UnknownQuestion { question } => {
                format!("问卷中没有第 {question} 题")
            }
            SubmissionError::Missing { question } => format!("请回答第 {question} 题"),
            SubmissionError::UnknownOption { question, option } => {
                format!("第 {question} 题没有选项 {option}")
            }
            SubmissionError::TextForRated { question } => {
                format!("第 {question} 题请从选项中选择一项")
            }
            SubmissionError::ChoiceForText { question } => {
                format!("第 {question} 题请用文字填写")
            }
            SubmissionError::TextTooLong {
                question,
                chars,
                max_chars,
            } => format!("第 {question} 题写了 {chars} 个字，最多 {max_chars} 个字"),
            SubmissionError::NoRatedAnswer => "请至少回答一道评价题".into(),
        }
    }
}

/// A submission that fits its questionnaire, with what it adds to a tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedSubmission {
    submission: Submission,
    increments: Vec<CounterKey>,
    pattern: String,
}

impl CheckedSubmission {
    /// The answers as kept: free text trimmed, blank free text dropped.
    pub fn submission(&self) -> &Submission {
        &self.submission
    }

    pub fn into_submission(self) -> Submission {
        self.submission
    }

    /// The counters this submission adds one to, each once. Storage adds these to the
    /// community's stored counters (an upsert per key), which keeps the running aggregate.
    pub fn increments(&self) -> &[CounterKey] {
        &self.increments
    }

    /// The full vector of rated answers, `Q1=satisfied;Q2=-;…` in question order (`-` for a
    /// question left unanswered), for the identical-pattern fraud signal. Holds no free text.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

/// Checks `submission` against `q`, reporting every problem.
pub fn check_submission(
    q: &Questionnaire,
    submission: Submission,
) -> Result<CheckedSubmission, Vec<SubmissionError>> {
    let mut errors = Vec::new();
    if submission.questionnaire != q.id || submission.version != q.version {
        return Err(vec![SubmissionError::WrongQuestionnaire {
            expected: format!("{}@{}", q.id, q.version),
            got: format!("{}@{}", submission.questionnaire, submission.version),
        }]);
    }
    for question in submission.answers.keys() {
        if q.question(question).is_none() {
            errors.push(SubmissionError::UnknownQuestion {
                question: question.clone(),
            });
        }
    }

    let mut answers = BTreeMap::new();
    let mut increments = vec![
        CounterKey::Respondents,
        CounterKey::Channel(submission.channel),
    ];
    let mut counted_dimensions = BTreeSet::new();
    let mut pattern = String::new();
    let mut rated_answers = 0;
    for question in &q.questions {
        let given = submission.answers.get(&question.id);
        match (&question.kind, given) {
            (QuestionKind::Rated { .. }, Some(Response::Choice(option))) => {
                let found = q.scale_of(question).and_then(|scale| scale.option(option));
                match found {
                    Some(found) => {
                        rated_answers += 1;
                        increments.push(CounterKey::Option {
                            question: question.id.clone(),
                            option: found.id.clone(),
                        });
                        if found.counts != Counts::NotCounted
                            && let Some(dimension) = &question.dimension
                        {
                            counted_dimensions.insert(dimension.clone());
                        }
                        push_pattern(&mut pattern, &question.id, &found.id);
                        answers.insert(question.id.clone(), Response::Choice(found.id.clone()));
                    }
                    None => errors.push(SubmissionError::UnknownOption {
                        question: question.id.clone(),
                        option: option.clone(),
                    }),
                }
            }
            (QuestionKind::Rated { .. }, Some(Response::Text(_))) => {
                errors.push(SubmissionError::TextForRated {
                    question: question.id.clone(),
                });
            }
            (QuestionKind::Text { max_chars }, Some(Response::Text(text))) => {
                let text = text.trim();
                let chars = text.chars().count();
                if chars > *max_chars as usize {
                    errors.push(SubmissionError::TextTooLong {
                        question: question.id.clone(),
                        chars,
                        max_chars: *max_chars,
                    });
                } else if chars > 0 {
                    increments.push(CounterKey::TextAnswers {
                        question: question.id.clone(),
                    });
                    answers.insert(question.id.clone(), Response::Text(text.to_string()));
                } else if question.required {
                    errors.push(SubmissionError::Missing {
                        question: question.id.clone(),
                    });
                }
            }
            (QuestionKind::Text { .. }, Some(Response::Choice(_))) => {
                errors.push(SubmissionError::ChoiceForText {
                    question: question.id.clone(),
                });
            }
            (kind, None) => {
                if question.required {
                    errors.push(SubmissionError::Missing {
                        question: question.id.clone(),
                    });
                }
                if matches!(kind, QuestionKind::Rated { .. }) {
                    push_pattern(&mut pattern, &question.id, "-");
                }
            }
        }
    }
    if errors.is_empty() && rated_answers == 0 {
        errors.push(SubmissionError::NoRatedAnswer);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    increments.extend(counted_dimensions.into_iter().map(CounterKey::Dimension));
    if increments
        .iter()
        .any(|key| matches!(key, CounterKey::Dimension(_)))
    {
        increments.push(CounterKey::CountedRespondents);
    }
    Ok(CheckedSubmission {
        submission: Submission {
            answers,
            ..submission
        },
        increments,
        pattern,
    })
}

fn push_pattern(pattern: &mut String, question: &str, option: &str) {
    if !pattern.is_empty() {
        pattern.push(';');
    }
    pattern.push_str(question);
    pattern.push('=');
    pattern.push_str(option);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::survey::questionnaire::tests::sample;

    pub(crate) fn submission(answers: &[(&str, &str)]) -> Submission {
        Submission {
            questionnaire: "sample".into(),
            version: "1".into(),
            channel: Channel::ResidentLink,
            answers: answers
                .iter()
                .map(|(q, a)| {
                    let response = if *q == "Q4" {
                        Response::Text(a.to_string())
                    } else {
                        Response::Choice(a.to_string())
                    };
                    (q.to_string(), response)
                })
                .collect(),
        }
    }

    #[test]
    fn a_complete_submission_passes_and_lists_its_counters() {
        let checked = check_submission(
            &sample(),
            submission(&[
                ("Q1", "satisfied"),
                ("Q2", "unknown"),
                ("Q3", "dissatisfied"),
                ("Q4", "  路灯坏了  "),
            ]),
        )
        .unwrap();
        assert_eq!(
            checked.submission().answers["Q4"],
            Response::Text("路灯坏了".into())
        );
        let keys: Vec<String> = checked.increments().iter().map(|k| k.to_string()).collect();
        assert_eq!(
            keys,
            [
                "respondents",
                "channel:resident_link",
                "option:Q1:satisfied",
                "option:Q2:unknown",
                "option:Q3:dissatisfied",
                "text:Q4",
                "dimension:a",
                "dimension:b",
                "counted_respondents",
            ]
        );
        assert_eq!(checked.pattern(), "Q1=satisfied;Q2=unknown;Q3=dissatisfied");
    }

    #[test]
    fn a_dimension_answered_only_with_dont_know_has_no_counted_respondent() {
        let checked = check_submission(
            &sample(),
            submission(&[("Q1", "unknown"), ("Q2", "unknown"), ("Q3", "unknown")]),
        )
        .unwrap();
        assert!(
            !checked
                .increments()
                .iter()
                .any(|k| matches!(k, CounterKey::Dimension(_) | CounterKey::CountedRespondents))
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_question() {
        let errors = check_submission(
            &sample(),
            submission(&[
                ("Q1", "happy"),
                ("Q3", "satisfied"),
                ("Q4", "一二三四五六七八九十一"),
                ("Q9", "satisfied"),
            ]),
        )
        .unwrap_err();
        assert_eq!(
            errors,
            vec![
                SubmissionError::UnknownQuestion {
                    question: "Q9".into()
                },
                SubmissionError::UnknownOption {
                    question: "Q1".into(),
                    option: "happy".into()
                },
                SubmissionError::Missing {
                    question: "Q2".into()
                },
                SubmissionError::TextTooLong {
                    question: "Q4".into(),
                    chars: 11,
                    max_chars: 10
                },
            ]
        );
        assert_eq!(errors[1].question(), Some("Q1"));
        assert_eq!(errors[2].zh(), "请回答第 Q2 题");
    }

    #[test]
    fn ten_characters_fit_a_ten_character_limit() {
        let checked = check_submission(
            &sample(),
            submission(&[
                ("Q1", "satisfied"),
                ("Q2", "satisfied"),
                ("Q3", "satisfied"),
                ("Q4", "一二三四五六七八九十"),
            ]),
        );
        assert!(checked.is_ok());
    }

    #[test]
    fn wrong_kinds_of_answer_are_named() {
        let mut s = submission(&[("Q1", "satisfied"), ("Q2", "satisfied")]);
        s.answers.insert("Q3".into(), Response::Text("满意".into()));
        s.answers
            .insert("Q4".into(), Response::Choice("satisfied".into()));
        assert_eq!(
            check_submission(&sample(), s).unwrap_err(),
            vec![
                SubmissionError::TextForRated {
                    question: "Q3".into()
                },
                SubmissionError::ChoiceForText {
                    question: "Q4".into()
                },
            ]
        );
    }

    #[test]
    fn answers_to_another_version_are_refused_whole() {
        let mut s = submission(&[("Q1", "satisfied")]);
        s.version = "2".into();
        assert_eq!(
            check_submission(&sample(), s).unwrap_err(),
            vec![SubmissionError::WrongQuestionnaire {
                expected: "sample@1".into(),
                got: "sample@2".into()
            }]
        );
    }

    #[test]
    fn a_submission_must_rate_something() {
        let mut q = sample();
        for question in &mut q.questions {
            question.required = false;
        }
        assert_eq!(
            check_submission(&q, submission(&[("Q4", "只有意见")])).unwrap_err(),
            vec![SubmissionError::NoRatedAnswer]
        );
        let checked = check_submission(&q, submission(&[("Q3", "satisfied")])).unwrap();
        assert_eq!(checked.pattern(), "Q1=-;Q2=-;Q3=satisfied");
    }

    #[test]
    fn channels_read_their_keys_and_chinese_names() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.key()), Some(channel));
            assert_eq!(Channel::parse(channel.zh()), Some(channel));
        }
        assert_eq!(Channel::parse("fax"), None);
        assert!(!Channel::ResidentLink.staff_entered());
        assert!(Channel::Paper.staff_entered());
    }
}
