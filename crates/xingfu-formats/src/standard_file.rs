//! Reading a standard from TOML. Every problem is reported with its file, line and id:
//! syntax, unknown keys (all of them, not only the first), judge-specific keys, and the core's
//! consistency checks (duplicate ids, totals, thresholds, rewards, targets, counts).

use std::collections::HashMap;

use serde::Deserialize;
use xingfu_core::Standard;
use xingfu_core::decimal::{Dec2, Fen};
use xingfu_core::standard::{
    Category, Clause, CostShare, DEFAULT_EFFORT, ExpectedCounts, GovLevel, Item, Judge, Method,
    NumericRule, Phase, PromotionReward, RatingBasis, RewardSchedule, StarLevel, StarReward,
    Subject, SurveyDimension, SurveyScoring, Target,
};
use xingfu_core::validate::{Location, validate};

use crate::locate::{Locator, Segment, display, key, segments_of};
use crate::problem::FileProblem;

#[derive(Deserialize)]
struct RawFile {
    standard: RawHeader,
    #[serde(default)]
    stars: Vec<RawStar>,
    rewards: Option<RawRewards>,
    #[serde(default)]
    targets: Vec<RawTarget>,
    #[serde(default)]
    phases: Vec<RawPhase>,
    survey: Option<RawSurvey>,
    #[serde(default)]
    categories: Vec<RawCategory>,
}

#[derive(Deserialize)]
struct RawHeader {
    id: String,
    version: String,
    name: String,
    name_en: Option<String>,
    programme: String,
    issuer: Option<String>,
    source: String,
    total_points: Dec2,
    rating: String,
    subject: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    expect: Option<RawExpect>,
}

#[derive(Deserialize)]
struct RawExpect {
    categories: Option<usize>,
    items: Option<usize>,
    clauses: Option<usize>,
}

#[derive(Deserialize)]
struct RawStar {
    level: u8,
    min: Dec2,
    approval: String,
    approval_body: Option<String>,
    recommended_by: Option<String>,
    named_by: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct RawRewards {
    note: Option<String>,
    #[serde(default)]
    star: Vec<RawStarReward>,
    #[serde(default)]
    promotion: Vec<RawPromotion>,
}

#[derive(Deserialize)]
struct RawStarReward {
    level: u8,
    amount: Dec2,
    shares: Vec<RawShare>,
}

#[derive(Deserialize)]
struct RawPromotion {
    from: u8,
    to: u8,
    amount: Dec2,
    shares: Vec<RawShare>,
}

#[derive(Deserialize)]
struct RawShare {
    level: String,
    percent: u8,
}

#[derive(Deserialize)]
struct RawTarget {
    min_stars: u8,
    percent: Dec2,
    by_year: Option<i32>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct RawPhase {
    name: String,
    from: i32,
    to: i32,
}

#[derive(Deserialize)]
struct RawSurvey {
    #[serde(default)]
    dimensions: Vec<RawDimension>,
}

#[derive(Deserialize)]
struct RawDimension {
    id: String,
    name: String,
    name_en: Option<String>,
}

#[derive(Deserialize)]
struct RawCategory {
    id: String,
    name: String,
    name_en: Option<String>,
    lead_department: Option<String>,
    #[serde(default)]
    responsible_departments: Vec<String>,
    points: Option<Dec2>,
    #[serde(default)]
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
struct RawItem {
    id: String,
    name: String,
    name_en: Option<String>,
    points: Option<Dec2>,
    #[serde(default)]
    clauses: Vec<RawClause>,
}

#[derive(Deserialize)]
struct RawClause {
    id: String,
    text: String,
    text_en: Option<String>,
    points: Dec2,
    judge: String,
    #[serde(default)]
    methods: Vec<String>,
    evidence: Option<String>,
    lead_department: Option<String>,
    #[serde(default)]
    responsible_departments: Vec<String>,
    effort: Option<u8>,
    #[serde(default)]
    veto: bool,
    source_quote: Option<String>,
    measure: Option<String>,
    unit: Option<String>,
    at_least: Option<Dec2>,
    at_most: Option<Dec2>,
    full_at: Option<Dec2>,
    zero_at: Option<Dec2>,
    dimension: Option<String>,
    threshold: Option<Dec2>,
    scoring: Option<String>,
    metric: Option<String>,
}

/// Collects problems while a raw file is turned into a [`Standard`].
struct Reader<'a> {
    file: &'a str,
    locator: Locator,
    problems: Vec<FileProblem>,
    paths: HashMap<Location, Vec<Segment>>,
}

impl Reader<'_> {
    fn at(&mut self, path: &[Segment], id: Option<&str>, zh: String, en: String) {
        let line = self.locator.line_of(path);
        self.problems.push(FileProblem::new(
            self.file,
            line,
            id.map(str::to_string),
            zh,
            en,
        ));
    }

    fn gov_level(&mut self, path: Vec<Segment>, id: Option<&str>, text: &str) -> GovLevel {
        GovLevel::parse(text).unwrap_or_else(|| {
            self.at(
                &path,
                id,
                format!("未知的政府层级 {text:?}（可用：community, street, district, city, province）"),
                format!("unknown government level {text:?} (use community, street, district, city or province)"),
            );
            GovLevel::District
        })
    }

    fn shares(&mut self, base: &[Segment], raw: &[RawShare]) -> Vec<CostShare> {
        raw.iter()
            .enumerate()
            .map(|(i, share)| {
                let mut path = base.to_vec();
                path.extend([key("shares"), Segment::Index(i), key("level")]);
                CostShare {
                    level: self.gov_level(path, None, &share.level),
                    percent: share.percent,
                }
            })
            .collect()
    }
}

/// Reads and checks a standard. `file` names the text in messages.
pub fn load_standard(file: &str, text: &str) -> Result<Standard, Vec<FileProblem>> {
    let locator = Locator::new(text);
    let mut unknown = Vec::new();
    let deserializer = toml::Deserializer::parse(text);
    let raw: RawFile = match deserializer
        .and_then(|d| serde_ignored::deserialize(d, |path| unknown.push(segments_of(&path))))
    {
        Ok(raw) => raw,
        Err(error) => {
            let line = error.span().map(|s| locator.line_of_offset(s.start));
            let message = error.message().trim().to_string();
            return Err(vec![FileProblem::new(
                file,
                line,
                None,
                format!("无法读取：{message}"),
                format!("cannot read: {message}"),
            )]);
        }
    };
    let mut reader = Reader {
        file,
        locator,
        problems: Vec::new(),
        paths: HashMap::new(),
    };
    let standard = convert(&mut reader, raw);
    for path in unknown {
        let name = display(&path);
        let id = clause_at(&standard, &path);
        reader.at(
            &path,
            id.as_deref(),
            format!("未知的字段 {name}（字段名写错了？见 docs/standard-format.md）"),
            format!("unknown field {name} (a typo? see docs/standard-format.md)"),
        );
    }
    for problem in validate(&standard) {
        let path = reader
            .paths
            .get(&problem.location)
            .cloned()
            .unwrap_or_else(|| vec![key("standard")]);
        let id = match &problem.location {
            Location::Category(id)
            | Location::Item(id)
            | Location::Clause(id)
            | Location::Dimension(id) => Some(id.clone()),
            Location::Star(level) | Location::StarReward(level) => Some(format!("{level}★")),
            Location::Promotion(from, to) => Some(format!("{from}→{to}")),
            Location::Target(i) => Some(format!("targets[{i}]")),
            Location::Standard => None,
        };
        reader.at(&path, id.as_deref(), problem.zh, problem.en);
    }
    if reader.problems.is_empty() {
        Ok(standard)
    } else {
        reader.problems.sort_by_key(|p| p.line.unwrap_or(0));
        Err(reader.problems)
    }
}

/// The id of the clause (or item, or category) a path points into.
fn clause_at(standard: &Standard, path: &[Segment]) -> Option<String> {
    let index = |at: usize| match path.get(at) {
        Some(Segment::Index(i)) => Some(*i),
        _ => None,
    };
    if path.first() != Some(&key("categories")) {
        return None;
    }
    let category = standard.categories.get(index(1)?)?;
    let Some(item) = index(3).and_then(|i| category.items.get(i)) else {
        return Some(category.id.clone());
    };
    match index(5).and_then(|k| item.clauses.get(k)) {
        Some(clause) => Some(clause.id.clone()),
        None => Some(item.id.clone()),
    }
}

fn convert(reader: &mut Reader, raw: RawFile) -> Standard {
    let header = raw.standard;
    reader.paths.insert(
        Location::Standard,
        vec![key("standard"), key("total_points")],
    );
    let rating = match header.rating.as_str() {
        "points" => RatingBasis::Points,
        "share" => RatingBasis::Share,
        other => {
            reader.at(
                &[key("standard"), key("rating")],
                None,
                format!(
                    "rating 必须是 \"points\"（按分数）或 \"share\"（按完成比例），不是 {other:?}"
                ),
                format!("rating must be \"points\" or \"share\", not {other:?}"),
            );
            RatingBasis::Points
        }
    };
    let subject = match header.subject.as_deref() {
        None | Some("community") => Subject::Community,
        Some("centre") => Subject::Centre,
        Some(other) => {
            reader.at(
                &[key("standard"), key("subject")],
                None,
                format!("subject 必须是 \"community\" 或 \"centre\"，不是 {other:?}"),
                format!("subject must be \"community\" or \"centre\", not {other:?}"),
            );
            Subject::Community
        }
    };

    let mut stars = Vec::new();
    for (i, star) in raw.stars.into_iter().enumerate() {
        let base = vec![key("stars"), Segment::Index(i)];
        reader.paths.insert(
            Location::Star(star.level),
            [base.clone(), vec![key("level")]].concat(),
        );
        let approval = reader.gov_level(
            [base.clone(), vec![key("approval")]].concat(),
            None,
            &star.approval,
        );
        let recommended_by = star.recommended_by.as_deref().map(|text| {
            reader.gov_level(
                [base.clone(), vec![key("recommended_by")]].concat(),
                None,
                text,
            )
        });
        stars.push(StarLevel {
            level: star.level,
            min: star.min,
            approval,
            approval_body: star.approval_body,
            recommended_by,
            named_by: star.named_by,
            note: star.note,
        });
    }

    let rewards = raw.rewards.map(|rewards| {
        let mut star_rewards = Vec::new();
        for (i, reward) in rewards.star.into_iter().enumerate() {
            let base = vec![key("rewards"), key("star"), Segment::Index(i)];
            reader
                .paths
                .insert(Location::StarReward(reward.level), base.clone());
            let shares = reader.shares(&base, &reward.shares);
            star_rewards.push(StarReward {
                level: reward.level,
                amount: Fen::from_yuan(reward.amount),
                shares,
            });
        }
        let mut promotions = Vec::new();
        for (i, promotion) in rewards.promotion.into_iter().enumerate() {
            let base = vec![key("rewards"), key("promotion"), Segment::Index(i)];
            reader.paths.insert(
                Location::Promotion(promotion.from, promotion.to),
                base.clone(),
            );
            let shares = reader.shares(&base, &promotion.shares);
            promotions.push(PromotionReward {
                from: promotion.from,
                to: promotion.to,
                amount: Fen::from_yuan(promotion.amount),
                shares,
            });
        }
        RewardSchedule {
            note: rewards.note,
            stars: star_rewards,
            promotions,
        }
    });

    let targets = raw
        .targets
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            reader
                .paths
                .insert(Location::Target(i), vec![key("targets"), Segment::Index(i)]);
            Target {
                min_stars: t.min_stars,
                percent: t.percent,
                by_year: t.by_year,
                note: t.note,
            }
        })
        .collect();

    let survey_dimensions = raw
        .survey
        .map(|s| s.dimensions)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            reader.paths.insert(
                Location::Dimension(d.id.clone()),
                vec![
                    key("survey"),
                    key("dimensions"),
                    Segment::Index(i),
                    key("id"),
                ],
            );
            SurveyDimension {
                id: d.id,
                name: d.name,
                name_en: d.name_en,
            }
        })
        .collect();

    let mut categories = Vec::new();
    for (ci, category) in raw.categories.into_iter().enumerate() {
        let category_path = vec![key("categories"), Segment::Index(ci)];
        reader
            .paths
            .entry(Location::Category(category.id.clone()))
            .or_insert_with(|| [category_path.clone(), vec![key("id")]].concat());
        let mut items = Vec::new();
        for (ii, item) in category.items.into_iter().enumerate() {
            let item_path = [
                category_path.clone(),
                vec![key("items"), Segment::Index(ii)],
            ]
            .concat();
            reader
                .paths
                .entry(Location::Item(item.id.clone()))
                .or_insert_with(|| [item_path.clone(), vec![key("id")]].concat());
            let mut clauses = Vec::new();
            for (ki, clause) in item.clauses.into_iter().enumerate() {
                let clause_path =
                    [item_path.clone(), vec![key("clauses"), Segment::Index(ki)]].concat();
                // The last occurrence wins, so a duplicate id is reported where it repeats.
                reader.paths.insert(
                    Location::Clause(clause.id.clone()),
                    [clause_path.clone(), vec![key("id")]].concat(),
                );
                clauses.push(convert_clause(reader, &clause_path, clause));
            }
            items.push(Item {
                id: item.id,
                name: item.name,
                name_en: item.name_en,
                points: item.points,
                clauses,
            });
        }
        categories.push(Category {
            id: category.id,
            name: category.name,
            name_en: category.name_en,
            lead_department: category.lead_department,
            responsible_departments: category.responsible_departments,
            points: category.points,
            items,
        });
    }

    Standard {
        id: header.id,
        version: header.version,
        name: header.name,
        name_en: header.name_en,
        programme: header.programme,
        issuer: header.issuer,
        source: header.source,
        subject,
        total_points: header.total_points,
        rating,
        notes: header.notes,
        expect: header.expect.map(|e| ExpectedCounts {
            categories: e.categories,
            items: e.items,
            clauses: e.clauses,
        }),
        stars,
        rewards,
        targets,
        phases: raw
            .phases
            .into_iter()
            .map(|p| Phase {
                name: p.name,
                from: p.from,
                to: p.to,
            })
            .collect(),
        survey_dimensions,
        categories,
        clause_index: Default::default(),
    }
}

fn convert_clause(reader: &mut Reader, path: &[Segment], raw: RawClause) -> Clause {
    let id = raw.id.clone();
    let field = |name: &str| [path.to_vec(), vec![key(name)]].concat();
    let mut methods = Vec::new();
    for (i, text) in raw.methods.iter().enumerate() {
        match Method::parse(text) {
            Some(method) => methods.push(method),
            None => reader.at(
                &[field("methods"), vec![Segment::Index(i)]].concat(),
                Some(&id),
                format!("未知的测评方法 {text:?}（可用：汇报、材料审核、实地考察、问卷调查、电话调查、整体观察）"),
                format!("unknown assessment method {text:?} (use 汇报, 材料审核, 实地考察, 问卷调查, 电话调查 or 整体观察)"),
            ),
        }
    }

    // Keys that belong to one judge only: report any given to another.
    let given: Vec<(&str, bool)> = vec![
        ("measure", raw.measure.is_some()),
        ("at_least", raw.at_least.is_some()),
        ("at_most", raw.at_most.is_some()),
        ("full_at", raw.full_at.is_some()),
        ("zero_at", raw.zero_at.is_some()),
        ("dimension", raw.dimension.is_some()),
        ("threshold", raw.threshold.is_some()),
        ("scoring", raw.scoring.is_some()),
        ("metric", raw.metric.is_some()),
        ("unit", raw.unit.is_some()),
    ];
    let allowed: &[&str] = match raw.judge.as_str() {
        "numeric" => &[
            "measure", "unit", "at_least", "at_most", "full_at", "zero_at",
        ],
        "metric" => &[
            "metric", "unit", "at_least", "at_most", "full_at", "zero_at",
        ],
        "survey" => &["dimension", "threshold", "scoring"],
        _ => &[],
    };
    for (name, present) in &given {
        if *present && !allowed.contains(name) {
            reader.at(
                &field(name),
                Some(&id),
                format!("字段 {name} 不适用于判定方式 {}", raw.judge),
                format!("{name} does not apply to judge = {:?}", raw.judge),
            );
        }
    }

    let judge = match raw.judge.as_str() {
        "met" => Judge::Met,
        "graded" => Judge::Graded,
        "numeric" | "metric" => {
            let rule = numeric_rule(reader, path, &id, &raw);
            if raw.judge == "numeric" {
                let measure = raw.measure.clone().unwrap_or_else(|| {
                    reader.at(
                        &field("judge"),
                        Some(&id),
                        "numeric 条款须写 measure（统计的是什么）".into(),
                        "a numeric clause needs measure (what is counted)".into(),
                    );
                    String::new()
                });
                Judge::Numeric {
                    measure,
                    unit: raw.unit.clone(),
                    rule,
                }
            } else {
                let metric = raw.metric.clone().unwrap_or_else(|| {
                    reader.at(
                        &field("judge"),
                        Some(&id),
                        "metric 条款须写 metric（平台计算的指标名）".into(),
                        "a metric clause needs metric (the name of the platform's figure)".into(),
                    );
                    String::new()
                });
                Judge::Metric {
                    metric,
                    unit: raw.unit.clone(),
                    rule,
                }
            }
        }
        "survey" => {
            let dimension = raw.dimension.clone().unwrap_or_else(|| {
                reader.at(
                    &field("judge"),
                    Some(&id),
                    "survey 条款须写 dimension（调查维度）".into(),
                    "a survey clause needs dimension".into(),
                );
                String::new()
            });
            let scoring = match (raw.scoring.as_deref(), raw.threshold) {
                (None | Some("threshold"), Some(threshold)) => {
                    SurveyScoring::Threshold { threshold }
                }
                (Some("proportional"), None) => SurveyScoring::Proportional,
                (Some("proportional"), Some(_)) => {
                    reader.at(
                        &field("threshold"),
                        Some(&id),
                        "按比例计分（proportional）的调查条款不设 threshold".into(),
                        "a proportional survey clause takes no threshold".into(),
                    );
                    SurveyScoring::Proportional
                }
                (None | Some("threshold"), None) => {
                    reader.at(
                        &field("judge"),
                        Some(&id),
                        "按门槛判定的调查条款须写 threshold（满意率门槛，百分数）".into(),
                        "a threshold survey clause needs threshold (percent)".into(),
                    );
                    SurveyScoring::Proportional
                }
                (Some(other), _) => {
                    reader.at(
                        &field("scoring"),
                        Some(&id),
                        format!("scoring 必须是 \"threshold\" 或 \"proportional\"，不是 {other:?}"),
                        format!("scoring must be \"threshold\" or \"proportional\", not {other:?}"),
                    );
                    SurveyScoring::Proportional
                }
            };
            Judge::Survey { dimension, scoring }
        }
        other => {
            reader.at(
                &field("judge"),
                Some(&id),
                format!("未知的判定方式 {other:?}（可用：met, graded, numeric, survey, metric）"),
                format!("unknown judge {other:?} (use met, graded, numeric, survey or metric)"),
            );
            Judge::Met
        }
    };

    Clause {
        id: raw.id,
        text: raw.text,
        text_en: raw.text_en,
        points: raw.points,
        judge,
        methods,
        evidence: raw.evidence,
        lead_department: raw.lead_department,
        responsible_departments: raw.responsible_departments,
        effort: raw.effort.unwrap_or(DEFAULT_EFFORT),
        veto: raw.veto,
        source_quote: raw.source_quote,
    }
}

fn numeric_rule(reader: &mut Reader, path: &[Segment], id: &str, raw: &RawClause) -> NumericRule {
    let rule = match (raw.at_least, raw.at_most, raw.full_at) {
        (Some(value), None, None) if raw.zero_at.is_none() => Some(NumericRule::AtLeast { value }),
        (None, Some(value), None) if raw.zero_at.is_none() => Some(NumericRule::AtMost { value }),
        (None, None, Some(full_at)) => Some(NumericRule::Linear {
            zero_at: raw.zero_at.unwrap_or(Dec2::ZERO),
            full_at,
        }),
        _ => None,
    };
    rule.unwrap_or_else(|| {
        reader.at(
            &[path.to_vec(), vec![key("judge")]].concat(),
            Some(id),
            "须且只能写一种规则：at_least、at_most，或 full_at（可加 zero_at）".into(),
            "give exactly one rule: at_least, at_most, or full_at (with optional zero_at)".into(),
        );
        NumericRule::AtLeast { value: Dec2::ZERO }
    })
}
