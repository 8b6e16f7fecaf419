//! Where each declared community stands and a unit's communities by star: the one count behind
//! every star table (see [`crate::overview`] for how the shares are read).

use serde::Serialize;

use crate::decimal::{Dec2, percent_half_up};
use crate::standard::Target;
use crate::targets::{TargetProgress, progress};

/// Where a declared community stands in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A result: the star it holds (0 = none).
    Rated(u8),
    /// Refused at the eligibility check.
    Refused,
    /// Still in the workflow, no result yet.
    Pending,
}

impl Standing {
    /// A stored entry's standing: refused at the eligibility check, rated once a total and a
    /// star are kept (a star of 0 is a result without a star), otherwise pending.
    pub fn of(refused: bool, total_kept: bool, star: Option<i64>) -> Standing {
        match (refused, total_kept, star) {
            (true, _, _) => Standing::Refused,
            (false, true, Some(star)) => Standing::Rated(star.clamp(0, 5) as u8),
            _ => Standing::Pending,
        }
    }
}

/// A unit's communities by star: the one computation behind every star table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StarDistribution {
    /// Rated communities per star, index 0 = no star.
    pub by_star: [usize; 6],
    /// Declared, refused at the eligibility check (not rated).
    pub refused: usize,
    /// Declared, no result yet (not rated).
    pub pending: usize,
}

impl StarDistribution {
    pub fn add(&mut self, standing: Standing) {
        self.add_many(standing, 1);
    }

    /// Adds `n` communities that stand alike (a grouped read).
    pub fn add_many(&mut self, standing: Standing, n: usize) {
        match standing {
            Standing::Rated(star) => self.by_star[usize::from(star.min(5))] += n,
            Standing::Refused => self.refused += n,
            Standing::Pending => self.pending += n,
        }
    }

    pub fn of(standings: impl IntoIterator<Item = Standing>) -> StarDistribution {
        let mut d = StarDistribution::default();
        for s in standings {
            d.add(s);
        }
        d
    }

    /// Adds another unit's communities (a district from its streets).
    pub fn merge(&mut self, other: &StarDistribution) {
        for (a, b) in self.by_star.iter_mut().zip(other.by_star) {
            *a += b;
        }
        self.refused += other.refused;
        self.pending += other.pending;
    }

    /// The denominator of every share: communities with a result.
    pub fn rated(&self) -> usize {
        self.by_star.iter().sum()
    }

    /// Every community declared: rated, refused and pending.
    pub fn declared(&self) -> usize {
        self.rated() + self.refused + self.pending
    }

    /// The rated communities' stars, lowest first (for `targets::progress`).
    pub fn stars(&self) -> Vec<u8> {
        let mut stars = Vec::with_capacity(self.rated());
        for (star, &n) in self.by_star.iter().enumerate() {
            stars.extend(std::iter::repeat_n(star as u8, n));
        }
        stars
    }

    /// Rated communities at `min_star` or above.
    pub fn at_least(&self, min_star: u8) -> usize {
        self.by_star[usize::from(min_star.min(5))..].iter().sum()
    }

    /// The share of rated communities at `min_star` or above, rounded half up.
    pub fn share_at_least(&self, min_star: u8) -> Dec2 {
        percent_half_up(self.at_least(min_star) as u64, self.rated() as u64)
    }

    /// The mean star of the rated communities, rounded half up to hundredths; none unrated.
    pub fn average_star(&self) -> Option<Dec2> {
        let rated = self.rated() as u128;
        if rated == 0 {
            return None;
        }
        let sum: u128 = self
            .by_star
            .iter()
            .enumerate()
            .map(|(star, &n)| star as u128 * n as u128)
            .sum();
        let rounded = (2 * sum * 100 + rated) / (2 * rated);
        Some(Dec2(i64::try_from(rounded).unwrap_or(i64::MAX)))
    }

    /// Progress against the standard's targets, on the rated communities.
    pub fn progress(&self, targets: &[Target]) -> Vec<TargetProgress> {
        progress(targets, &self.stars())
    }
}
