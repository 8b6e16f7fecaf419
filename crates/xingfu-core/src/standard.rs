//! An evaluation standard as data: categories → items → clauses, star levels, rewards, targets.
//!
//! The file format (TOML) lives in `xingfu-formats`; this module is the model that every rule
//! works on. See `docs/standard-format.md` for what each field means to an author.

use serde::Serialize;

use crate::decimal::{Dec2, Fen};

#[derive(Debug, Clone, Serialize)]
pub struct Standard {
    pub id: String,
    pub version: String,
    pub name: String,
    pub name_en: Option<String>,
    pub programme: String,
    pub issuer: Option<String>,
    pub source: String,
    pub subject: Subject,
    pub total_points: Dec2,
    pub rating: RatingBasis,
    /// Interpretation choices made where the source is ambiguous; shown to users.
    pub notes: Vec<String>,
    pub expect: Option<ExpectedCounts>,
    pub stars: Vec<StarLevel>,
    pub rewards: Option<RewardSchedule>,
    pub targets: Vec<Target>,
    pub phases: Vec<Phase>,
    pub survey_dimensions: Vec<SurveyDimension>,
    pub categories: Vec<Category>,
    /// Clause id → (category, item, clause) positions, built on the first lookup. A standard is
    /// not edited after it is loaded, so the cache cannot go stale.
    #[serde(skip)]
    pub clause_index: std::sync::OnceLock<std::collections::HashMap<String, (usize, usize, usize)>>,
}

/// What is rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Community,
    /// A neighbourhood centre (邻里中心).
    Centre,
}

/// What the star thresholds are measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingBasis {
    /// Thresholds are points out of `total_points` (Lucheng: 650 … 900 of 1000).
    Points,
    /// Thresholds are the percentage of `total_points` earned (Weihai: 60%, 70%, 80%).
    Share,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpectedCounts {
    pub categories: Option<usize>,
    pub items: Option<usize>,
    pub clauses: Option<usize>,
}

/// A level of government that approves stars or shares the cost of rewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GovLevel {
    Community,
    Street,
    District,
    City,
    Province,
}

impl GovLevel {
    pub const ALL: [GovLevel; 5] = [
        GovLevel::Community,
        GovLevel::Street,
        GovLevel::District,
        GovLevel::City,
        GovLevel::Province,
    ];

    pub fn parse(text: &str) -> Option<GovLevel> {
        Some(match text {
            "community" | "社区" => GovLevel::Community,
            "street" | "街道" => GovLevel::Street,
            "district" | "区" | "区县" => GovLevel::District,
            "city" | "市" => GovLevel::City,
            "province" | "省" => GovLevel::Province,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        match self {
            GovLevel::Community => "community",
            GovLevel::Street => "street",
            GovLevel::District => "district",
            GovLevel::City => "city",
            GovLevel::Province => "province",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            GovLevel::Community => "社区",
            GovLevel::Street => "街道",
            GovLevel::District => "区",
            GovLevel::City => "市",
            GovLevel::Province => "省",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StarLevel {
    pub level: u8,
    /// Points (rating by points) or percent (rating by share); reached with `>=`.
    pub min: Dec2,
    pub approval: GovLevel,
    pub approval_body: Option<String>,
    pub recommended_by: Option<GovLevel>,
    pub named_by: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RewardSchedule {
    pub note: Option<String>,
    pub stars: Vec<StarReward>,
    pub promotions: Vec<PromotionReward>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StarReward {
    pub level: u8,
    pub amount: Fen,
    pub shares: Vec<CostShare>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PromotionReward {
    pub from: u8,
    pub to: u8,
    pub amount: Fen,
    pub shares: Vec<CostShare>,
}

/// One government level's part of a reward, in whole percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CostShare {
    pub level: GovLevel,
    pub percent: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub min_stars: u8,
    pub percent: Dec2,
    pub by_year: Option<i32>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: String,
    pub from: i32,
    pub to: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SurveyDimension {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub lead_department: Option<String>,
    pub responsible_departments: Vec<String>,
    /// Declared points, checked against the sum of the clauses.
    pub points: Option<Dec2>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub points: Option<Dec2>,
    pub clauses: Vec<Clause>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Clause {
    pub id: String,
    pub text: String,
    pub text_en: Option<String>,
    pub points: Dec2,
    pub judge: Judge,
    pub methods: Vec<Method>,
    pub evidence: Option<String>,
    pub lead_department: Option<String>,
    pub responsible_departments: Vec<String>,
    /// 1 (easy) … 5 (hard): orders the list of what to fix first.
    pub effort: u8,
    /// A 一票否决 item: not met means no star whatever the score.
    pub veto: bool,
    pub source_quote: Option<String>,
}

pub const DEFAULT_EFFORT: u8 = 3;

/// How a clause is judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Judge {
    /// Met: full points; not met: none.
    Met,
    /// The assessor awards 0 … points.
    Graded,
    /// A counted value checked against a rule, e.g. social organisations >= 10.
    Numeric {
        measure: String,
        unit: Option<String>,
        rule: NumericRule,
    },
    /// A satisfaction rate of one survey dimension.
    Survey {
        dimension: String,
        scoring: SurveyScoring,
    },
    /// An operational figure the platform computes (closure rate, visits, volunteer hours …).
    Metric {
        metric: String,
        unit: Option<String>,
        rule: NumericRule,
    },
}

impl Judge {
    pub fn key(&self) -> &'static str {
        match self {
            Judge::Met => "met",
            Judge::Graded => "graded",
            Judge::Numeric { .. } => "numeric",
            Judge::Survey { .. } => "survey",
            Judge::Metric { .. } => "metric",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum NumericRule {
    AtLeast {
        value: Dec2,
    },
    AtMost {
        value: Dec2,
    },
    /// Points rise linearly from `zero_at` (none) to `full_at` (all); either direction.
    Linear {
        zero_at: Dec2,
        full_at: Dec2,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "scoring", rename_all = "snake_case")]
pub enum SurveyScoring {
    /// Met when the rate reaches the threshold (percent).
    Threshold { threshold: Dec2 },
    /// Points × rate / 100.
    Proportional,
}

/// Assessment methods named by the seeds (测评方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 汇报
    Report,
    /// 材料审核
    MaterialReview,
    /// 实地考察
    SiteInspection,
    /// 问卷调查
    Questionnaire,
    /// 电话调查
    PhoneSurvey,
    /// 整体观察
    OverallObservation,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Report,
        Method::MaterialReview,
        Method::SiteInspection,
        Method::Questionnaire,
        Method::PhoneSurvey,
        Method::OverallObservation,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Method::Report => "汇报",
            Method::MaterialReview => "材料审核",
            Method::SiteInspection => "实地考察",
            Method::Questionnaire => "问卷调查",
            Method::PhoneSurvey => "电话调查",
            Method::OverallObservation => "整体观察",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Method::Report => "report",
            Method::MaterialReview => "material review",
            Method::SiteInspection => "site inspection",
            Method::Questionnaire => "questionnaire",
            Method::PhoneSurvey => "phone survey",
            Method::OverallObservation => "overall observation",
        }
    }

    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.zh() == text || m.en() == text)
    }
}

impl Standard {
    pub fn clauses(&self) -> impl Iterator<Item = &Clause> {
        self.categories
            .iter()
            .flat_map(|c| c.items.iter())
            .flat_map(|i| i.clauses.iter())
    }

    pub fn clause(&self, id: &str) -> Option<&Clause> {
        let index = self.clause_index.get_or_init(|| {
            let mut index = std::collections::HashMap::new();
            for (ci, category) in self.categories.iter().enumerate() {
                for (ii, item) in category.items.iter().enumerate() {
                    for (ki, clause) in item.clauses.iter().enumerate() {
                        index.entry(clause.id.clone()).or_insert((ci, ii, ki));
                    }
                }
            }
            index
        });
        let &(ci, ii, ki) = index.get(id)?;
        Some(&self.categories[ci].items[ii].clauses[ki])
    }

    pub fn item_count(&self) -> usize {
        self.categories.iter().map(|c| c.items.len()).sum()
    }

    pub fn clause_count(&self) -> usize {
        self.clauses().count()
    }

    pub fn star(&self, level: u8) -> Option<&StarLevel> {
        self.stars.iter().find(|s| s.level == level)
    }

    pub fn max_star(&self) -> u8 {
        self.stars.iter().map(|s| s.level).max().unwrap_or(0)
    }

    pub fn min_star(&self) -> u8 {
        self.stars.iter().map(|s| s.level).min().unwrap_or(0)
    }

    pub fn dimension(&self, id: &str) -> Option<&SurveyDimension> {
        self.survey_dimensions.iter().find(|d| d.id == id)
    }
}
