//! Consistency checks on a [`Standard`]: every problem is reported, each with where it is.

use std::collections::HashMap;

use serde::Serialize;

use crate::decimal::Dec2;
use crate::standard::{
    CostShare, GovLevel, Judge, NumericRule, RatingBasis, Standard, SurveyScoring,
};

/// Where in a standard a problem is; the file layer turns this into a line number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Location {
    Standard,
    Category(String),
    Item(String),
    Clause(String),
    Star(u8),
    StarReward(u8),
    Promotion(u8, u8),
    Target(usize),
    Dimension(String),
}

/// A problem found in a standard, described in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub location: Location,
    pub zh: String,
    pub en: String,
}

fn problem(location: Location, zh: String, en: String) -> Problem {
    Problem { location, zh, en }
}

/// Checks a standard and returns every problem found (empty when it is sound).
pub fn validate(standard: &Standard) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_ids(standard, &mut problems);
    check_points(standard, &mut problems);
    check_clauses(standard, &mut problems);
    check_stars(standard, &mut problems);
    check_rewards(standard, &mut problems);
    check_targets(standard, &mut problems);
    check_expected_counts(standard, &mut problems);
    problems
}

fn check_ids(standard: &Standard, problems: &mut Vec<Problem>) {
    let mut all: Vec<(&str, &'static str, Location)> = Vec::new();
    for category in &standard.categories {
        all.push((
            &category.id,
            "类别",
            Location::Category(category.id.clone()),
        ));
        for item in &category.items {
            all.push((&item.id, "项目", Location::Item(item.id.clone())));
            for clause in &item.clauses {
                all.push((&clause.id, "条款", Location::Clause(clause.id.clone())));
            }
        }
    }
    let mut seen: HashMap<&str, &'static str> = HashMap::new();
    for (id, what, location) in all {
        if id.trim().is_empty() {
            problems.push(problem(
                location,
                format!("{what}编号为空"),
                format!("a {} has an empty id", english(what)),
            ));
        } else if let Some(first) = seen.get(id) {
            problems.push(problem(
                location,
                format!("编号 {id} 重复（已用于{first}）"),
                format!("duplicate id {id} (already used by a {})", english(first)),
            ));
        } else {
            seen.insert(id, what);
        }
    }
    let mut dims: HashMap<&str, ()> = HashMap::new();
    for dim in &standard.survey_dimensions {
        if dims.insert(&dim.id, ()).is_some() {
            problems.push(problem(
                Location::Dimension(dim.id.clone()),
                format!("调查维度 {} 重复", dim.id),
                format!("duplicate survey dimension {}", dim.id),
            ));
        }
    }
}

fn english(what: &str) -> &'static str {
    match what {
        "类别" => "category",
        "项目" => "item",
        _ => "clause",
    }
}

fn check_points(standard: &Standard, problems: &mut Vec<Problem>) {
    let mut grand_total = Dec2::ZERO;
    for category in &standard.categories {
        let mut category_sum = Dec2::ZERO;
        for item in &category.items {
            let item_sum: Dec2 = item.clauses.iter().map(|c| c.points).sum();
            if let Some(declared) = item.points
                && declared != item_sum
            {
                problems.push(problem(
                    Location::Item(item.id.clone()),
                    format!(
                        "项目 {} 声明 {declared} 分，但其条款合计 {item_sum} 分",
                        item.id
                    ),
                    format!(
                        "item {} declares {declared} points but its clauses add up to {item_sum}",
                        item.id
                    ),
                ));
            }
            if item.clauses.is_empty() {
                problems.push(problem(
                    Location::Item(item.id.clone()),
                    format!("项目 {} 没有条款", item.id),
                    format!("item {} has no clauses", item.id),
                ));
            }
            category_sum += item_sum;
        }
        if let Some(declared) = category.points
            && declared != category_sum
        {
            problems.push(problem(
                Location::Category(category.id.clone()),
                format!(
                    "类别 {} 声明 {declared} 分，但其条款合计 {category_sum} 分",
                    category.id
                ),
                format!(
                    "category {} declares {declared} points but its clauses add up to {category_sum}",
                    category.id
                ),
            ));
        }
        if category.items.is_empty() {
            problems.push(problem(
                Location::Category(category.id.clone()),
                format!("类别 {} 没有项目", category.id),
                format!("category {} has no items", category.id),
            ));
        }
        grand_total += category_sum;
    }
    if grand_total != standard.total_points {
        let parts: Vec<String> = standard
            .categories
            .iter()
            .map(|c| {
                let sum: Dec2 = c
                    .items
                    .iter()
                    .flat_map(|i| &i.clauses)
                    .map(|cl| cl.points)
                    .sum();
                format!("{} {sum}", c.id)
            })
            .collect();
        problems.push(problem(
            Location::Standard,
            format!(
                "总分声明为 {}，但各类别合计 {} = {grand_total}",
                standard.total_points,
                parts.join(" + ")
            ),
            format!(
                "total_points is {} but the categories add up to {} = {grand_total}",
                standard.total_points,
                parts.join(" + ")
            ),
        ));
    }
    if standard.total_points <= Dec2::ZERO {
        problems.push(problem(
            Location::Standard,
            "总分必须大于 0".into(),
            "total_points must be greater than 0".into(),
        ));
    }
}

fn check_clauses(standard: &Standard, problems: &mut Vec<Problem>) {
    for clause in standard.clauses() {
        let at = || Location::Clause(clause.id.clone());
        if clause.points.is_negative() {
            problems.push(problem(
                at(),
                format!("条款 {} 的分值不能为负", clause.id),
                format!("clause {} has negative points", clause.id),
            ));
        }
        if clause.veto {
            if clause.judge != Judge::Met {
                problems.push(problem(
                    at(),
                    format!(
                        "一票否决条款 {} 的判定方式必须是 met（达标/未达标）",
                        clause.id
                    ),
                    format!("veto clause {} must be judged as met / not met", clause.id),
                ));
            }
            if clause.points != Dec2::ZERO {
                problems.push(problem(
                    at(),
                    format!("一票否决条款 {} 不计分，分值应为 0", clause.id),
                    format!(
                        "veto clause {} carries no points; set points = 0",
                        clause.id
                    ),
                ));
            }
        } else if clause.points == Dec2::ZERO {
            problems.push(problem(
                at(),
                format!("条款 {} 分值为 0（只有一票否决条款可以为 0）", clause.id),
                format!("clause {} has 0 points (only veto clauses may)", clause.id),
            ));
        }
        if clause.methods.is_empty() {
            problems.push(problem(
                at(),
                format!("条款 {} 没有写测评方法", clause.id),
                format!("clause {} names no assessment method", clause.id),
            ));
        }
        if !(1..=5).contains(&clause.effort) {
            problems.push(problem(
                at(),
                format!("条款 {} 的 effort 必须在 1 到 5 之间", clause.id),
                format!("clause {}: effort must be between 1 and 5", clause.id),
            ));
        }
        match &clause.judge {
            Judge::Numeric { rule, .. } | Judge::Metric { rule, .. } => {
                if let NumericRule::Linear { zero_at, full_at } = rule
                    && zero_at == full_at
                {
                    problems.push(problem(
                        at(),
                        format!("条款 {} 的 zero_at 与 full_at 相同", clause.id),
                        format!("clause {}: zero_at equals full_at", clause.id),
                    ));
                }
            }
            Judge::Survey { dimension, scoring } => {
                if standard.dimension(dimension).is_none() {
                    problems.push(problem(
                        at(),
                        format!("条款 {} 引用了未定义的调查维度 {dimension}", clause.id),
                        format!(
                            "clause {} refers to survey dimension {dimension}, which is not defined",
                            clause.id
                        ),
                    ));
                }
                if let SurveyScoring::Threshold { threshold } = scoring
                    && (threshold.is_negative() || *threshold > Dec2::HUNDRED)
                {
                    problems.push(problem(
                        at(),
                        format!(
                            "条款 {} 的满意率门槛 {threshold}% 不在 0–100 之间",
                            clause.id
                        ),
                        format!(
                            "clause {}: threshold {threshold}% is not within 0–100",
                            clause.id
                        ),
                    ));
                }
            }
            Judge::Met | Judge::Graded => {}
        }
    }
}

fn check_stars(standard: &Standard, problems: &mut Vec<Problem>) {
    if standard.stars.is_empty() {
        problems.push(problem(
            Location::Standard,
            "没有定义星级".into(),
            "no star levels are defined".into(),
        ));
    }
    let ceiling = match standard.rating {
        RatingBasis::Points => standard.total_points,
        RatingBasis::Share => Dec2::HUNDRED,
    };
    let unit = match standard.rating {
        RatingBasis::Points => "分",
        RatingBasis::Share => "%",
    };
    for (index, star) in standard.stars.iter().enumerate() {
        let at = || Location::Star(star.level);
        if !(1..=5).contains(&star.level) {
            problems.push(problem(
                at(),
                format!("星级 {} 不在 1–5 之间", star.level),
                format!("star level {} is not within 1–5", star.level),
            ));
        }
        if star.min.is_negative() || star.min > ceiling {
            problems.push(problem(
                at(),
                format!(
                    "{}星门槛 {}{unit} 超出 0–{ceiling}{unit}",
                    star.level, star.min
                ),
                format!(
                    "{}-star threshold {} is outside 0–{ceiling}",
                    star.level, star.min
                ),
            ));
        }
        if index > 0 {
            let previous = &standard.stars[index - 1];
            if star.level <= previous.level {
                problems.push(problem(
                    at(),
                    format!(
                        "星级未按从低到高排列：{}星排在{}星之后",
                        star.level, previous.level
                    ),
                    format!(
                        "star levels are not in increasing order: {} after {}",
                        star.level, previous.level
                    ),
                ));
            }
            if star.min <= previous.min {
                problems.push(problem(
                    at(),
                    format!(
                        "{}星门槛 {}{unit} 不高于{}星门槛 {}{unit}（门槛重叠或顺序错误）",
                        star.level, star.min, previous.level, previous.min
                    ),
                    format!(
                        "{}-star threshold {} is not above the {}-star threshold {} (overlapping or unordered)",
                        star.level, star.min, previous.level, previous.min
                    ),
                ));
            }
        }
    }
}

fn check_shares(location: Location, what: &str, shares: &[CostShare], problems: &mut Vec<Problem>) {
    let sum: u32 = shares.iter().map(|s| u32::from(s.percent)).sum();
    if sum != 100 {
        problems.push(problem(
            location.clone(),
            format!("{what}的分担比例合计 {sum}%，应为 100%"),
            format!("{what}: cost shares add up to {sum}%, not 100%"),
        ));
    }
    let mut levels: Vec<GovLevel> = shares.iter().map(|s| s.level).collect();
    levels.sort();
    if levels.windows(2).any(|w| w[0] == w[1]) {
        problems.push(problem(
            location,
            format!("{what}的分担层级重复"),
            format!("{what}: a government level is listed twice"),
        ));
    }
}

fn check_rewards(standard: &Standard, problems: &mut Vec<Problem>) {
    let Some(rewards) = &standard.rewards else {
        return;
    };
    for reward in &rewards.stars {
        let at = Location::StarReward(reward.level);
        if standard.star(reward.level).is_none() {
            problems.push(problem(
                at.clone(),
                format!("奖励引用了未定义的{}星", reward.level),
                format!("reward for undefined star level {}", reward.level),
            ));
        }
        if reward.amount.0 < 0 {
            problems.push(problem(
                at.clone(),
                "奖励金额不能为负".into(),
                "reward amount is negative".into(),
            ));
        }
        check_shares(
            at,
            &format!("{}星奖励", reward.level),
            &reward.shares,
            problems,
        );
    }
    let mut levels: Vec<u8> = rewards.stars.iter().map(|r| r.level).collect();
    levels.sort_unstable();
    for pair in levels.windows(2) {
        if pair[0] == pair[1] {
            problems.push(problem(
                Location::StarReward(pair[0]),
                format!("{}星奖励重复定义", pair[0]),
                format!("reward for star {} is defined twice", pair[0]),
            ));
        }
    }
    for promotion in &rewards.promotions {
        let at = Location::Promotion(promotion.from, promotion.to);
        if promotion.from >= promotion.to {
            problems.push(problem(
                at.clone(),
                format!("晋升奖励 {}→{} 不是晋升", promotion.from, promotion.to),
                format!(
                    "promotion {}→{} does not go up",
                    promotion.from, promotion.to
                ),
            ));
        }
        for level in [promotion.from, promotion.to] {
            if standard.star(level).is_none() {
                problems.push(problem(
                    at.clone(),
                    format!("晋升奖励引用了未定义的{level}星"),
                    format!("promotion refers to undefined star level {level}"),
                ));
            }
        }
        check_shares(
            at,
            &format!("{}→{}晋升奖励", promotion.from, promotion.to),
            &promotion.shares,
            problems,
        );
    }
}

fn check_targets(standard: &Standard, problems: &mut Vec<Problem>) {
    for (index, target) in standard.targets.iter().enumerate() {
        if standard.star(target.min_stars).is_none() {
            problems.push(problem(
                Location::Target(index),
                format!("目标引用了未定义的{}星", target.min_stars),
                format!("target refers to undefined star level {}", target.min_stars),
            ));
        }
        if target.percent.is_negative() || target.percent > Dec2::HUNDRED {
            problems.push(problem(
                Location::Target(index),
                format!("目标比例 {}% 不在 0–100 之间", target.percent),
                format!("target percent {} is not within 0–100", target.percent),
            ));
        }
    }
}

fn check_expected_counts(standard: &Standard, problems: &mut Vec<Problem>) {
    let Some(expect) = standard.expect else {
        return;
    };
    let actual = [
        (
            "类别",
            "categories",
            expect.categories,
            standard.categories.len(),
        ),
        ("项目", "items", expect.items, standard.item_count()),
        ("条款", "clauses", expect.clauses, standard.clause_count()),
    ];
    for (zh, en, expected, found) in actual {
        if let Some(expected) = expected
            && expected != found
        {
            problems.push(problem(
                Location::Standard,
                format!("应有 {expected} 个{zh}，实有 {found} 个"),
                format!("expected {expected} {en}, found {found}"),
            ));
        }
    }
}
