//! The round's workbooks for the user's area: the results (the command line's report workbook,
//! from the results kept with each entry) and the score sheet (a column per clause).

use std::collections::HashMap;
use std::sync::Arc;

use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::panel::PanelCard;
use xingfu_core::region;
use xingfu_core::rewards::reward_for;
use xingfu_core::round::{Approval, Decision, Outcome, Rejected, RoundReport, Unit, report_of};
use xingfu_core::scoring::{AnswerError, ClauseStatus, Scorecard, VetoHit, points_needed};
use xingfu_core::stars::Standing;
use xingfu_core::workflow::Stage;
use xingfu_store::Store;
use xingfu_store::rounds::{EntryRow, RoundRow};

use super::evidence::Download;
use super::service;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::reads::Freshness;
use crate::app::state::AppState;
use crate::i18n::Lang;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn workbook(name: String, bytes: Vec<u8>) -> Download {
    Download {
        content_type: XLSX.to_string(),
        file_name: name,
        bytes,
    }
}

/// The round, its standard and the entries of it inside the user's area; refused when the areas
/// do not meet.
async fn round_in_area(
    state: &AppState,
    store: &Store,
    user: &CurrentUser,
    round_id: &str,
    lang: Lang,
) -> Result<(RoundRow, Arc<Standard>, Vec<EntryRow>), AppError> {
    let round = store.round(round_id).await?.ok_or(AppError::NotFound)?;
    let round_level = region::level_of_code(&round.region_code).to_string();
    let overlaps = region::within(
        &round.region_code,
        &user.user.region_code,
        &user.region_level,
    ) || region::within(&user.user.region_code, &round.region_code, &round_level);
    if !overlaps {
        return Err(AppError::Forbidden(
            lang.pick(
                "该评选年度不在您的管辖范围内",
                "this round is outside your area",
            )
            .into(),
        ));
    }
    let entries = store
        .entries_in_area(
            round_id,
            region::subtree_prefix(&user.user.region_code, &user.region_level),
        )
        .await?
        .into_iter()
        .filter(|e| user.actor().covers(&e.community_code))
        .collect();
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    Ok((round, standard, entries))
}

/// The round's results workbook for the user's area (communities, streets, districts, the
/// whole, and those not rated).
///
/// A large read kept from the primary: it comes from the replica while that keeps up.
pub async fn round_workbook(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    freshness: Freshness,
    lang: Lang,
) -> Result<Download, AppError> {
    state
        .read_on(freshness, |store| async move {
            round_workbook_from(state, &store, user, round_id, lang).await
        })
        .await
}

async fn round_workbook_from(
    state: &AppState,
    store: &Store,
    user: &CurrentUser,
    round_id: &str,
    lang: Lang,
) -> Result<Download, AppError> {
    let (round, standard, entries) = round_in_area(state, store, user, round_id, lang).await?;
    let mut district_names: HashMap<String, Option<String>> = HashMap::new();
    for entry in &entries {
        if let Some(district) = region::district_of(&entry.community_code)
            && !district_names.contains_key(&district)
        {
            let name = store.region(&district).await?.map(|r| r.name);
            district_names.insert(district, name);
        }
    }
    let report = round_report(&standard, &round, &entries, &district_names);
    let bytes = xingfu_formats::workbook::round_workbook(&report, &standard, lang.is_en())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the round workbook: {e}")))?;
    Ok(workbook(
        format!("round-{}-{}.xlsx", round.year, round.region_code),
        bytes,
    ))
}

/// Where an entry stands for every star table (the rewards page, this workbook, the overview):
/// rated once its result is kept, refused at the eligibility check, otherwise pending.
pub fn standing(entry: &EntryRow) -> Standing {
    Standing::of(
        entry.stage == Stage::Refused,
        entry.total.is_some(),
        entry.star,
    )
}

/// Why an entry has no result, in Chinese and English.
fn not_rated(entry: &EntryRow) -> (String, String) {
    if let (Stage::Refused, Some(reason)) = (entry.stage, &entry.refusal) {
        return (format!("不予受理：{reason}"), format!("refused: {reason}"));
    }
    (
        format!("尚未计算结果（当前阶段：{}）", entry.stage.zh()),
        format!("no result yet (stage: {})", entry.stage.en()),
    )
}

/// The round report from the results kept for each entry: entries not computed yet (or
/// refused) are listed as not rated, with the reason.
pub fn round_report<'s>(
    standard: &'s Standard,
    round: &RoundRow,
    entries: &[EntryRow],
    district_names: &HashMap<String, Option<String>>,
) -> RoundReport<'s> {
    let mut outcomes = Vec::new();
    let mut rejected = Vec::new();
    for entry in entries {
        let (Standing::Rated(_), Some(total), Some(star)) =
            (standing(entry), entry.total, entry.star)
        else {
            let (zh, en) = not_rated(entry);
            rejected.push(Rejected {
                code: entry.community_code.clone(),
                name: entry.community_name.clone(),
                errors: vec![AnswerError {
                    clause: String::new(),
                    zh,
                    en,
                }],
            });
            continue;
        };
        outcomes.push(kept_outcome(
            standard,
            entry,
            Dec2(total),
            star,
            district_names,
        ));
    }
    let all = Unit {
        code: round.region_code.clone(),
        name: None,
    };
    report_of(
        standard,
        i32::try_from(round.year).ok(),
        outcomes,
        rejected,
        all,
    )
}

/// An entry's outcome from the result kept with it.
fn kept_outcome<'s>(
    standard: &'s Standard,
    entry: &EntryRow,
    total: Dec2,
    star: i64,
    district_names: &HashMap<String, Option<String>>,
) -> Outcome<'s> {
    let star = star.clamp(0, 5) as u8;
    let previous = entry.previous_star.clamp(0, 5) as u8;
    let star_by_score = entry.star_by_score.map_or(star, |s| s.clamp(0, 5) as u8);
    let decision = entry
        .decision
        .as_deref()
        .and_then(Decision::parse)
        .unwrap_or_else(|| Decision::of(previous, star));
    let deciding = previous.max(star);
    let approval = standard.star(deciding).map(|s| Approval {
        star: deciding,
        level: s.approval,
        body: s.approval_body.clone(),
        recommended_by: s.recommended_by,
    });
    let next_star = standard
        .stars
        .iter()
        .filter(|s| s.level > star_by_score)
        .min_by_key(|s| s.level)
        .map(|s| {
            let needed = points_needed(standard, s.min);
            let short = if needed > total {
                needed - total
            } else {
                Dec2::ZERO
            };
            (s.level, short)
        });
    let street = match (&entry.street_code, &entry.street_name) {
        (Some(code), name) => Some(Unit {
            code: code.clone(),
            name: name.clone(),
        }),
        (None, _) => region::street_of(&entry.community_code).map(|code| Unit { code, name: None }),
    };
    let district = region::district_of(&entry.community_code).map(|code| Unit {
        name: district_names.get(&code).cloned().flatten(),
        code,
    });
    Outcome {
        code: entry.community_code.clone(),
        name: entry.community_name.clone(),
        street,
        district,
        total,
        share: entry
            .share
            .map_or_else(|| Dec2::percent_of(total, standard.total_points), Dec2),
        star_by_score,
        star,
        vetoed_by: veto_hits(standard, entry.vetoed_by.as_deref()),
        previous_star: previous,
        decision,
        approval,
        reward: reward_for(standard.rewards.as_ref(), previous, star),
        next_star,
    }
}

/// The veto hits kept as JSON with an entry, pointing back into the standard.
fn veto_hits<'s>(standard: &'s Standard, json: Option<&str>) -> Vec<VetoHit<'s>> {
    let Some(value) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) else {
        return Vec::new();
    };
    value
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|hit| {
                    let clause = standard.clause(hit.get("clause")?.as_str()?)?;
                    Some(VetoHit {
                        clause: &clause.id,
                        text: &clause.text,
                        reason: hit
                            .get("reason")
                            .and_then(|r| r.as_str())
                            .map(str::to_string),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The round's score sheet for the user's area: a row per community, a column per clause with
/// the points earned (the assessors' mean), the total and the star.
pub async fn score_sheet_workbook(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    lang: Lang,
) -> Result<Download, AppError> {
    let (round, standard, entries) =
        round_in_area(state, &state.store, user, round_id, lang).await?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in &entries {
        // Sheets that no longer fit the standard leave the row empty rather than the export.
        let card = match service::panel(state, &standard, round_id, &entry.community_code).await {
            Ok(card) => card.map(mean_card),
            Err(AppError::BadRequest(reason)) => {
                tracing::warn!(
                    "score sheet: {} cannot be scored: {reason}",
                    entry.community_code
                );
                None
            }
            Err(e) => return Err(e),
        };
        rows.push((
            entry.community_code.clone(),
            entry.community_name.clone(),
            card,
        ));
    }
    let bytes = xingfu_formats::standard_xlsx::score_sheet_xlsx(&standard, &rows, lang.is_en())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the score sheet: {e}")))?;
    Ok(workbook(
        format!("score-sheet-{}-{}.xlsx", round.year, round.region_code),
        bytes,
    ))
}

/// One scorecard for the panel: each clause's points are the assessors' mean; the total, share,
/// stars and veto are the panel's own.
fn mean_card(panel: PanelCard<'_>) -> Scorecard<'_> {
    let sheets = panel.sheets.len() as i64;
    let mut card = panel.sheets[0].clone();
    if sheets > 1 {
        for (ci, category) in card.categories.iter_mut().enumerate() {
            for (ii, item) in category.items.iter_mut().enumerate() {
                for (ki, clause) in item.clauses.iter_mut().enumerate() {
                    let all: Vec<_> = panel
                        .sheets
                        .iter()
                        .map(|s| &s.categories[ci].items[ii].clauses[ki])
                        .collect();
                    let sum: Dec2 = all.iter().map(|c| c.earned).sum();
                    clause.earned = sum.scale(1, sheets);
                    clause.status = if all.iter().all(|c| c.status == ClauseStatus::NotAssessed) {
                        ClauseStatus::NotAssessed
                    } else if all.iter().any(|c| c.status == ClauseStatus::Vetoed) {
                        ClauseStatus::Vetoed
                    } else if all.iter().any(|c| c.status == ClauseStatus::VetoClear) {
                        ClauseStatus::VetoClear
                    } else if clause.earned == clause.max {
                        ClauseStatus::Met
                    } else if clause.earned == Dec2::ZERO {
                        ClauseStatus::NotMet
                    } else {
                        ClauseStatus::Partial
                    };
                }
                item.earned = item.clauses.iter().map(|c| c.earned).sum();
            }
            category.earned = category.items.iter().map(|i| i.earned).sum();
            category.share = Dec2::percent_of(category.earned, category.max);
        }
    }
    card.total = panel.total;
    card.share = panel.share;
    card.star_by_score = panel.star_by_score;
    card.star = panel.star;
    card.vetoed_by = panel.vetoed_by;
    card.next_star = panel.next_star;
    card
}

/// A rated entry's re-review decision (复评: keep, upgrade, downgrade, revoke, new): the one
/// kept with its result, else the round's rule on last year's star and this year's.
pub fn decision_of(entry: &EntryRow) -> Decision {
    Decision::kept_or_of(entry.decision.as_deref(), entry.previous_star, entry.star)
}

/// What each level of government owes for an entry's result, by the standard's reward
/// schedule (the rule the compute step stores and the rewards page shows): nothing for an
/// entry refused at the eligibility check or without a result yet.
pub fn reward_owed(
    standard: &Standard,
    entry: &EntryRow,
) -> Vec<xingfu_core::rewards::LevelAmount> {
    reward_owed_for(standard, standing(entry), entry.previous_star)
}

/// [`reward_owed`] for a standing and last year's star (a grouped read of many entries).
pub fn reward_owed_for(
    standard: &Standard,
    standing: Standing,
    previous_star: i64,
) -> Vec<xingfu_core::rewards::LevelAmount> {
    let Standing::Rated(star) = standing else {
        return Vec::new();
    };
    reward_for(
        standard.rewards.as_ref(),
        previous_star.clamp(0, 5) as u8,
        star,
    )
    .split
}
