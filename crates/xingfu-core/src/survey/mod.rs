//! Resident satisfaction surveys (群众满意度调查 / 居民幸福感调查), from questionnaire to clause score.
//!
//! The seeds ask for rates, not for a survey method: Weihai 2020 wants residents' satisfaction with
//! public service facilities, environment, public security, culture & sports activities and the
//! residents' committee's service each at 95% or more; Weihai 2022 the same at 90%; Lucheng gives
//! 300 of its 1000 points to a resident happiness survey. Everything between "a resident taps an
//! answer" and "the clause earns its points" is decided here:
//!
//! - [`questionnaire`]: the questionnaire as data (dimensions, questions, answer scales, which
//!   answers count as satisfied), versioned and checked, and checked against its standard;
//! - [`submission`]: one household's answers, checked against one questionnaire version;
//! - [`household`]: one answer per household — identifier normalisation before hashing, and the
//!   accept / retry / refuse decision;
//! - [`tally`]: the running aggregate kept per community and summed per street and district;
//! - [`results`]: rates (exact), Wilson intervals (display), thresholds, quotas, and the answers
//!   handed to [`crate::scoring`];
//! - [`fraud`]: signals for district staff — bursts, identical answer patterns, answers from outside
//!   the community.
//!
//! The rules chosen where the seeds are silent (written again where each is applied):
//! - a rate is **per answer**: satisfied answers / counted answers. A dimension with one question
//!   (every shipped questionnaire) therefore has the share of households satisfied, which is what
//!   the seeds' "居民……满意率" reads as; "overall" pools every rated answer of every dimension;
//! - answers such as 不了解 (don't know) are *not counted*: out of the denominator, as in the usual
//!   满意率 = 满意人数 / 有效回答人数;
//! - "95%以上" is `>=` 95%, decided in integers: 38 of 40 is met, 37 of 40 is not;
//! - a rate is truncated (never rounded up) to hundredths of a percent before it is shown or handed
//!   to scoring, so 94.996% is shown as 94.99% and is not met — the shown rate and the decision
//!   always agree;
//! - a dimension whose sample is below the round's quota does not feed its clauses: they stay
//!   "not assessed" with the shortfall listed, rather than being scored from a handful of answers.

pub mod channel;
pub mod closing;
pub mod counter;
pub mod fraud;
pub mod household;
pub mod questionnaire;
pub mod results;
pub mod status;
pub mod submission;
pub mod tally;

pub use channel::Channel;
pub use counter::CounterKey;
pub use questionnaire::{Counts, Question, QuestionKind, Questionnaire, Scale, ScaleOption};
pub use results::{Quota, Rate, SurveyFeed, SurveyReport, feed, report};
pub use submission::{CheckedSubmission, Response, Submission, check_submission};
pub use tally::Tally;
