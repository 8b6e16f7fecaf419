//! The rating rules of Xingfu, with no I/O.
//!
//! Everything a seed document prescribes — star thresholds, veto items, re-review, rewards and
//! their cost sharing, targets — is decided here, and only here:
//!
//! - [`standard`]: the evaluation standard as data (categories → items → clauses, stars, rewards,
//!   targets), and [`validate`] checks one for consistency;
//! - [`scoring`]: one community's assessment → points, share, star, veto, gap to the next star;
//! - [`round`]: a whole year's round → re-review decisions, rewards and target progress;
//! - [`rewards`] and [`targets`]: the money and the programme goals;
//! - [`dates`]: dates and times from input, range-checked once at the edge;
//! - [`decimal`]: exact fixed-point numbers, so a boundary like 900 points or 80% never depends
//!   on floating point.
//!
//! Texts meant for people are produced by the outer crates; the core returns structured values.

pub mod dates;
pub mod decimal;
pub mod documents;
pub mod jobs;
pub mod keys;
pub mod notify;
pub mod ops;
pub mod overview;
pub mod panel;
pub mod rectification;
pub mod region;
pub mod rewards;
pub mod round;
pub mod scoring;
pub mod standard;
pub mod stars;
pub mod survey;
pub mod targets;
pub mod text;
pub mod todo;
pub mod validate;
pub mod workflow;

pub use decimal::{Dec2, Fen};
pub use standard::Standard;
