//! Rewards for a year's star, and how each is split between government levels.
//!
//! The rules, from the Lucheng seed and written in `standards/lucheng-2012.toml`:
//! - first naming pays the star's amount;
//! - a rise pays the promotion amounts along the way (1→3 = 1→2 + 2→3) when every step is
//!   listed; a rise the schedule lists no steps for (3→4: the city names 4★ for the first time)
//!   pays the new star's amount;
//! - keeping a star pays nothing (the honour is not awarded twice); a downgrade or revocation
//!   pays nothing and is reported.
//!
//! Money is integer fen; a split is exact, any odd fen going to the first listed level.

use serde::Serialize;

use crate::decimal::Fen;
use crate::standard::{CostShare, GovLevel, RewardSchedule};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RewardBasis {
    /// Named for the first time at `star`: the star's amount.
    FirstNaming {
        star: u8,
    },
    /// Rose along listed promotion steps: the sum of their amounts.
    Promotion {
        from: u8,
        to: u8,
        steps: Vec<(u8, u8)>,
    },
    /// Rose to a star that no listed steps lead to: the new star's amount.
    NewTier {
        from: u8,
        to: u8,
    },
    Kept {
        star: u8,
    },
    Downgraded {
        from: u8,
        to: u8,
    },
    Revoked {
        from: u8,
    },
    NotRated,
    /// The standard has no reward schedule, or none for this star.
    NoSchedule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelAmount {
    pub level: GovLevel,
    pub amount: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reward {
    pub amount: Fen,
    pub basis: RewardBasis,
    /// Who pays what; adds up to `amount` exactly.
    pub split: Vec<LevelAmount>,
}

impl Reward {
    fn nothing(basis: RewardBasis) -> Reward {
        Reward {
            amount: Fen::ZERO,
            basis,
            split: Vec::new(),
        }
    }
}

/// The reward for a community rated `current` stars this year and `previous` last year (0 = none).
pub fn reward_for(schedule: Option<&RewardSchedule>, previous: u8, current: u8) -> Reward {
    use std::cmp::Ordering;
    let Some(schedule) = schedule else {
        return Reward::nothing(RewardBasis::NoSchedule);
    };
    if current == 0 {
        return Reward::nothing(if previous > 0 {
            RewardBasis::Revoked { from: previous }
        } else {
            RewardBasis::NotRated
        });
    }
    match current.cmp(&previous) {
        Ordering::Equal => Reward::nothing(RewardBasis::Kept { star: current }),
        Ordering::Less => Reward::nothing(RewardBasis::Downgraded {
            from: previous,
            to: current,
        }),
        Ordering::Greater if previous > 0 => match promotion_path(schedule, previous, current) {
            Some(steps) => {
                let mut amount = Fen::ZERO;
                let mut split = Vec::new();
                for &(from, to) in &steps {
                    let step = schedule
                        .promotions
                        .iter()
                        .find(|p| p.from == from && p.to == to)
                        .expect("path uses listed steps");
                    amount += step.amount;
                    merge(&mut split, split_amount(step.amount, &step.shares));
                }
                Reward {
                    amount,
                    basis: RewardBasis::Promotion {
                        from: previous,
                        to: current,
                        steps,
                    },
                    split,
                }
            }
            None => star_amount(
                schedule,
                current,
                RewardBasis::NewTier {
                    from: previous,
                    to: current,
                },
            ),
        },
        Ordering::Greater => star_amount(
            schedule,
            current,
            RewardBasis::FirstNaming { star: current },
        ),
    }
}

fn star_amount(schedule: &RewardSchedule, star: u8, basis: RewardBasis) -> Reward {
    match schedule.stars.iter().find(|r| r.level == star) {
        Some(reward) => Reward {
            amount: reward.amount,
            basis,
            split: split_amount(reward.amount, &reward.shares),
        },
        None => Reward::nothing(RewardBasis::NoSchedule),
    }
}

/// The listed promotion steps leading from `from` to `to`, preferring fewer steps.
fn promotion_path(schedule: &RewardSchedule, from: u8, to: u8) -> Option<Vec<(u8, u8)>> {
    // Levels are at most 5: a breadth-first walk over the listed steps is enough.
    let mut frontier = vec![(from, Vec::new())];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for (level, path) in frontier {
            if level == to {
                return Some(path);
            }
            for step in schedule
                .promotions
                .iter()
                .filter(|p| p.from == level && p.to <= to)
            {
                let mut longer: Vec<(u8, u8)> = path.clone();
                longer.push((step.from, step.to));
                next.push((step.to, longer));
            }
        }
        frontier = next;
    }
    None
}

/// Splits `amount` by whole percentages, exact to the fen: each level gets its share rounded
/// down, and what rounding leaves goes to the first listed level.
pub fn split_amount(amount: Fen, shares: &[CostShare]) -> Vec<LevelAmount> {
    let mut parts: Vec<LevelAmount> = shares
        .iter()
        .map(|share| LevelAmount {
            level: share.level,
            amount: Fen(amount.0 * i64::from(share.percent) / 100),
        })
        .collect();
    let assigned: i64 = parts.iter().map(|p| p.amount.0).sum();
    if let Some(first) = parts.first_mut() {
        first.amount.0 += amount.0 - assigned;
    }
    parts
}

/// Adds `more` into `into`, level by level, keeping first-seen order.
pub fn merge(into: &mut Vec<LevelAmount>, more: Vec<LevelAmount>) {
    for part in more {
        match into.iter_mut().find(|p| p.level == part.level) {
            Some(existing) => existing.amount += part.amount,
            None => into.push(part),
        }
    }
}
