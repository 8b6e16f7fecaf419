//! The names of a tally's counters and their text form in storage.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::channel::Channel;

/// One counter of a tally. Its text form (`option:Q1:satisfied`) is how storage names it;
/// questionnaire ids cannot contain `:`, so the form is unambiguous.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "counter", rename_all = "snake_case")]
pub enum CounterKey {
    /// Submissions counted.
    Respondents,
    /// Submissions with at least one counted answer (not "don't know") in any dimension.
    CountedRespondents,
    /// Submissions by channel.
    Channel(Channel),
    /// Answers choosing `option` for `question`.
    Option { question: String, option: String },
    /// Non-blank free-text answers to `question`.
    TextAnswers { question: String },
    /// Submissions with at least one counted answer in this dimension: its sample size.
    Dimension(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a survey counter: {0:?}")]
pub struct CounterKeyError(pub String);

impl fmt::Display for CounterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CounterKey::Respondents => f.write_str("respondents"),
            CounterKey::CountedRespondents => f.write_str("counted_respondents"),
            CounterKey::Channel(channel) => write!(f, "channel:{}", channel.key()),
            CounterKey::Option { question, option } => write!(f, "option:{question}:{option}"),
            CounterKey::TextAnswers { question } => write!(f, "text:{question}"),
            CounterKey::Dimension(dimension) => write!(f, "dimension:{dimension}"),
        }
    }
}

impl FromStr for CounterKey {
    type Err = CounterKeyError;

    fn from_str(text: &str) -> Result<CounterKey, CounterKeyError> {
        let bad = || CounterKeyError(text.to_string());
        let id = |part: &str| {
            super::questionnaire::is_valid_id(part)
                .then(|| part.to_string())
                .ok_or_else(bad)
        };
        Ok(match text.split(':').collect::<Vec<_>>().as_slice() {
            ["respondents"] => CounterKey::Respondents,
            ["counted_respondents"] => CounterKey::CountedRespondents,
            ["channel", channel] => CounterKey::Channel(
                Channel::ALL
                    .into_iter()
                    .find(|c| c.key() == *channel)
                    .ok_or_else(bad)?,
            ),
            ["option", question, option] => CounterKey::Option {
                question: id(question)?,
                option: id(option)?,
            },
            ["text", question] => CounterKey::TextAnswers {
                question: id(question)?,
            },
            ["dimension", dimension] => CounterKey::Dimension(id(dimension)?),
            _ => return Err(bad()),
        })
    }
}
