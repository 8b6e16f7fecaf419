//! Several assessors score one community: the panel's result is the mean of their totals
//! (评审组平均分), and every clause they disagree on is shown.

use serde::Serialize;

use crate::decimal::Dec2;
use crate::scoring::{
    AnswerError, Assessment, NextStar, Scorecard, VetoHit, check_eligibility, next_star, score,
    star_for,
};
use crate::standard::Standard;

#[derive(Debug, Clone, Serialize)]
pub struct Disagreement<'s> {
    pub clause: &'s str,
    /// Each assessor's points for the clause, in sheet order.
    pub points: Vec<Dec2>,
    pub spread: Dec2,
}

#[derive(Debug, Clone, Serialize)]
pub struct PanelCard<'s> {
    /// Each assessor's own scorecard, in sheet order.
    pub sheets: Vec<Scorecard<'s>>,
    /// Mean of the assessors' totals, rounded half up to hundredths.
    pub total: Dec2,
    pub share: Dec2,
    pub star_by_score: u8,
    /// 0 when a veto item applies.
    pub star: u8,
    pub vetoed_by: Vec<VetoHit<'s>>,
    pub disagreements: Vec<Disagreement<'s>>,
    /// The gap to the next star from the mean total, with the clauses the panel scored lowest.
    pub next_star: Option<NextStar<'s>>,
}

/// Scores every assessor's sheet and combines them. `declaration` carries the veto answers
/// reported at declaration; a veto reported on any sheet also applies.
pub fn panel_score<'s>(
    standard: &'s Standard,
    declaration: &Assessment,
    sheets: &[Assessment],
) -> Result<PanelCard<'s>, Vec<AnswerError>> {
    if sheets.is_empty() {
        return Err(vec![AnswerError {
            clause: String::new(),
            zh: "还没有评审员评分".into(),
            en: "no assessor has scored yet".into(),
        }]);
    }
    let mut cards = Vec::with_capacity(sheets.len());
    let mut errors = Vec::new();
    for sheet in sheets {
        match score(standard, sheet) {
            Ok(card) => cards.push(card),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let sum: Dec2 = cards.iter().map(|c| c.total).sum();
    let total = sum.scale(1, cards.len() as i64);
    let star_by_score = star_for(standard, total);
    let mut vetoed_by = check_eligibility(standard, declaration)
        .err()
        .map(|i| i.vetoed_by)
        .unwrap_or_default();
    for card in &cards {
        for hit in &card.vetoed_by {
            if !vetoed_by.iter().any(|v| v.clause == hit.clause) {
                vetoed_by.push(hit.clone());
            }
        }
    }
    let star = if vetoed_by.is_empty() {
        star_by_score
    } else {
        0
    };

    let clause_points = |card: &Scorecard<'s>| -> Vec<(&'s str, Dec2)> {
        card.categories
            .iter()
            .flat_map(|c| &c.items)
            .flat_map(|i| &i.clauses)
            .map(|c| (c.id, c.earned))
            .collect()
    };
    let per_sheet: Vec<Vec<(&str, Dec2)>> = cards.iter().map(clause_points).collect();
    let mut disagreements = Vec::new();
    for (index, (clause, _)) in per_sheet[0].iter().enumerate() {
        let points: Vec<Dec2> = per_sheet.iter().map(|s| s[index].1).collect();
        let (low, high) = (points.iter().min().copied(), points.iter().max().copied());
        if let (Some(low), Some(high)) = (low, high)
            && low != high
        {
            disagreements.push(Disagreement {
                clause,
                points,
                spread: high - low,
            });
        }
    }
    disagreements.sort_by_key(|d| std::cmp::Reverse(d.spread));

    // The gap from the mean total; the clauses to fix are those of the lowest sheet.
    let candidates = cards
        .iter()
        .min_by_key(|c| c.total)
        .and_then(|c| c.next_star.as_ref())
        .map(|n| n.candidates.clone())
        .unwrap_or_default();
    let next_star = next_star(
        standard,
        total,
        star_by_score,
        candidates,
        !vetoed_by.is_empty(),
    );
    Ok(PanelCard {
        total,
        share: Dec2::percent_of(total, standard.total_points),
        star_by_score,
        star,
        vetoed_by,
        disagreements,
        next_star,
        sheets: cards,
    })
}
