//! Rewards and targets for a round: per street, per district and overall, the communities rated,
//! how many hold each star, progress against each of the standard's targets, and what each level
//! of government owes. Everything is a table (no charts to read).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::Path;
use xingfu_core::Fen;
use xingfu_core::overview::{DENOMINATOR_NOTE, percent_text};
use xingfu_core::region::district_of;
use xingfu_core::rewards::reward_for;
use xingfu_core::standard::{GovLevel, Standard};
use xingfu_core::stars::{Standing, StarDistribution};
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::EntryRow;

use super::headings::{round_heading, round_page};
use crate::app::error::AppError;
use crate::i18n::Lang;
use crate::rounds::service;
use crate::web::page::{Page, PageResult, render};
use crate::web::visit::Visit;

/// One unit's line: a street, a district, or the whole area.
pub struct UnitRow {
    pub name: String,
    pub rated: usize,
    /// Declared but refused at the eligibility check: not rated, not in any share.
    pub refused: usize,
    /// Communities at each star, from none up to the standard's highest.
    pub counts: Vec<usize>,
    /// One cell per target.
    pub targets: Vec<String>,
    /// One amount per level that shares the cost, then their total.
    pub budget: Vec<String>,
    pub budget_total: String,
}

#[derive(Template)]
#[template(path = "rewards.html")]
struct RewardsPage {
    page: Page,
    round_id: String,
    heading: String,
    star_headers: Vec<String>,
    refused_header: &'static str,
    denominator_note: &'static str,
    target_headers: Vec<String>,
    level_headers: Vec<String>,
    streets: Vec<UnitRow>,
    districts: Vec<UnitRow>,
    overall: UnitRow,
    /// What each level owes for the whole round, as stored (administrators whose area contains
    /// the round): (level, amount).
    round_budget: Option<Vec<(String, String)>>,
    /// Communities declared but not rated yet.
    pending: usize,
    has_rewards: bool,
}

/// A unit's communities as they are rated so far.
#[derive(Default)]
struct Unit {
    name: String,
    stars: StarDistribution,
    owed: BTreeMap<GovLevel, Fen>,
}

fn level_label(lang: Lang, level: GovLevel) -> String {
    lang.pick(level.zh(), level.key()).to_string()
}

fn unit_row(lang: Lang, standard: &Standard, levels: &[GovLevel], unit: &Unit) -> UnitRow {
    let max = standard.max_star() as usize;
    let counts = unit.stars.by_star[..=max.min(5)].to_vec();
    let targets = unit
        .stars
        .progress(&standard.targets)
        .iter()
        .map(|p| {
            let state = if p.met {
                lang.pick("已达到", "met").to_string()
            } else if lang.is_en() {
                format!("{} more needed", p.short_by)
            } else {
                format!("还差 {} 个", p.short_by)
            };
            format!(
                "{}/{}\u{ff08}{}\u{ff09}\u{2014} {state}",
                p.count,
                p.of,
                percent_text(p.percent)
            )
        })
        .collect();
    let budget = levels
        .iter()
        .map(|level| {
            unit.owed
                .get(level)
                .copied()
                .unwrap_or(Fen::ZERO)
                .to_string()
        })
        .collect();
    UnitRow {
        name: unit.name.clone(),
        rated: unit.stars.rated(),
        refused: unit.stars.refused,
        counts,
        targets,
        budget,
        budget_total: unit.owed.values().copied().sum::<Fen>().to_string(),
    }
}

/// GET /rounds/{round}/rewards
pub async fn show(visit: Visit, Path(round_id): Path<String>) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let round_id = round_id.as_str();
    let t = lang.t();
    if user.role.level().is_none() {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有市、区、街道管理员可以查看奖励与目标",
                "only city, district and street administrators see rewards and targets",
            )
            .into(),
        ));
    }
    let (round, heading) = round_heading(state, lang, round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    // The levels that share the cost of rewards, highest first.
    let levels: Vec<GovLevel> = xingfu_core::overview::reward_levels([&*standard]);

    let entries: Vec<EntryRow> = state
        .store
        .entries_in_area(
            round_id,
            xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level),
        )
        .await?
        .into_iter()
        .filter(|e| user.actor().covers(&e.community_code))
        .collect();
    let mut streets: BTreeMap<String, Unit> = BTreeMap::new();
    let mut districts: BTreeMap<String, Unit> = BTreeMap::new();
    let mut overall = Unit {
        name: lang
            .pick("合计（您的管辖范围）", "All (your area)")
            .to_string(),
        ..Unit::default()
    };
    let mut district_names: HashMap<String, String> = HashMap::new();
    let mut pending = 0;
    for entry in &entries {
        let standing = crate::rounds::report::standing(entry);
        if standing == Standing::Pending {
            pending += 1;
            continue;
        }
        let star = entry.star.unwrap_or(0).clamp(0, 5) as u8;
        // The split as computed: the same rule the compute step stored.
        let owed: Vec<(GovLevel, Fen)> = if entry.stage == Stage::Refused {
            Vec::new()
        } else {
            reward_for(
                standard.rewards.as_ref(),
                entry.previous_star.clamp(0, 5) as u8,
                star,
            )
            .split
            .iter()
            .map(|p| (p.level, p.amount))
            .collect()
        };
        let street_code = entry
            .street_code
            .clone()
            .unwrap_or_else(|| entry.community_code.clone());
        let district_code =
            district_of(&entry.community_code).unwrap_or_else(|| entry.community_code.clone());
        if !district_names.contains_key(&district_code) {
            let name = state
                .store
                .region(&district_code)
                .await?
                .map(|r| r.name)
                .unwrap_or_else(|| district_code.clone());
            district_names.insert(district_code.clone(), name);
        }
        let street = streets.entry(street_code).or_insert_with(|| Unit {
            name: entry.street_name.clone().unwrap_or_default(),
            ..Unit::default()
        });
        let district = districts
            .entry(district_code.clone())
            .or_insert_with(|| Unit {
                name: district_names[&district_code].clone(),
                ..Unit::default()
            });
        for unit in [street, district, &mut overall] {
            unit.stars.add(standing);
            for &(level, amount) in &owed {
                *unit.owed.entry(level).or_insert(Fen::ZERO) += amount;
            }
        }
    }
    let round_budget = match service::budget(state, user, round_id, lang).await {
        Ok(budget) => Some(
            budget
                .into_iter()
                .map(|(level, fen)| {
                    (
                        GovLevel::parse(&level)
                            .map(|l| level_label(lang, l))
                            .unwrap_or(level),
                        Fen(fen).to_string(),
                    )
                })
                .collect(),
        ),
        Err(AppError::Forbidden(_)) => None,
        Err(e) => return Err(e),
    };
    let max = standard.max_star();
    let star_headers = (0..=max)
        .map(|level| {
            if level == 0 {
                t.no_star.to_string()
            } else if lang.is_en() {
                format!("{level} star")
            } else {
                format!("{level}星")
            }
        })
        .collect();
    let target_headers = standard
        .targets
        .iter()
        .map(|target| {
            let by = target
                .by_year
                .map(|y| {
                    if lang.is_en() {
                        format!(" by {y}")
                    } else {
                        format!(",{y}年")
                    }
                })
                .unwrap_or_default();
            if lang.is_en() {
                format!(
                    "{} stars or more: at least {}%{by}",
                    target.min_stars, target.percent
                )
            } else {
                format!("{}星及以上不低于 {}%{by}", target.min_stars, target.percent)
            }
        })
        .collect();
    let rows = |units: BTreeMap<String, Unit>| -> Vec<UnitRow> {
        units
            .values()
            .map(|unit| unit_row(lang, &standard, &levels, unit))
            .collect()
    };
    let overall = unit_row(lang, &standard, &levels, &overall);
    render(RewardsPage {
        page: round_page(&visit, round_id, "rewards", t.wf_rewards, &heading),
        round_id: round_id.to_string(),
        heading,
        star_headers,
        refused_header: lang.pick("不予受理", "Refused"),
        denominator_note: lang.pick(DENOMINATOR_NOTE.0, DENOMINATOR_NOTE.1),
        target_headers,
        level_headers: levels.iter().map(|l| level_label(lang, *l)).collect(),
        streets: rows(streets),
        districts: rows(districts),
        overall,
        round_budget,
        pending,
        has_rewards: standard.rewards.is_some(),
    })
}
