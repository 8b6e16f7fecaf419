//! The overview's figures beyond stars, 随手拍 and rectification: survey returns and
//! satisfaction per dimension, year-over-year re-review outcomes, rewards owed per level,
//! attention-list visit coverage, volunteer hours and 15-minute coverage. Each is read with one
//! query grouped per unit over the area (see `xingfu_store::overview`), never per community.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use xingfu_core::decimal::{Dec2, Fen};
use xingfu_core::overview::{ReReview, minutes_as_hours, share_of};
use xingfu_core::standard::GovLevel;
use xingfu_core::survey::results::dimension_rate;
use xingfu_store::Store;
use xingfu_store::overview::{UnitAttention, UnitCircle, UnitVolunteering};

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::results::tally_of;
use crate::surveys::service::cached_round_survey;

/// The digits of a unit's code prefix, by the units' level.
pub fn unit_digits(level: &str) -> usize {
    match level {
        "city" => 4,
        "district" => 6,
        "street" => 9,
        _ => 12,
    }
}

/// A satisfaction dimension of the year's questionnaires, named in the request's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DimensionName {
    pub id: String,
    pub name: String,
}

/// Satisfied of counted answers of one dimension (answers that do not count, 不了解, are in
/// neither).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DimensionFigures {
    pub id: String,
    pub satisfied: u64,
    pub counted: u64,
    /// Satisfied / counted, per cent, half up.
    #[schema(value_type = Option<f64>)]
    pub rate: Option<Dec2>,
}

/// The survey of the year's rounds: respondents counted, and satisfaction per dimension and
/// overall (every counted answer of every dimension, pooled).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SurveyFigures {
    pub respondents: u64,
    pub satisfied: u64,
    pub counted: u64,
    #[schema(value_type = Option<f64>)]
    pub rate: Option<Dec2>,
    /// One per dimension of `Overview::dimensions`, in that order.
    pub dimensions: Vec<DimensionFigures>,
}

/// Households on an attention list in the year, and of them those visited in it.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AttentionFigures {
    pub households: i64,
    pub visited: i64,
    /// Visited / on lists, per cent, half up.
    #[schema(value_type = Option<f64>)]
    pub rate: Option<Dec2>,
}

/// Volunteer activities held in the year (not cancelled) and the hours counted at them.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct VolunteerFigures {
    pub activities: i64,
    pub minutes: i64,
    /// Minutes as hours, half up to hundredths.
    #[schema(value_type = f64)]
    pub hours: Dec2,
}

/// The latest computed 15-minute coverage (all six functions) of the unit's communities,
/// weighted by homes: homes within reach of all six / homes counted.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CircleFigures {
    /// Communities with a computed coverage.
    pub communities: i64,
    pub covered: i64,
    pub homes: i64,
    #[schema(value_type = Option<f64>)]
    pub rate: Option<Dec2>,
}

/// What one level of government owes, in fen.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Owed {
    /// `city`, `district`, `street` …
    pub level: String,
    pub fen: i64,
}

/// A unit's survey counts while they are summed.
#[derive(Debug, Clone, Default)]
pub struct SurveyAcc {
    pub respondents: u64,
    /// Dimension id → (satisfied, counted).
    pub dimensions: BTreeMap<String, (u64, u64)>,
}

impl SurveyAcc {
    pub fn merge(&mut self, other: &SurveyAcc) {
        self.respondents += other.respondents;
        for (id, (s, c)) in &other.dimensions {
            let e = self.dimensions.entry(id.clone()).or_default();
            e.0 += s;
            e.1 += c;
        }
    }

    pub fn figures(&self, dimensions: &[DimensionName]) -> SurveyFigures {
        let dims: Vec<DimensionFigures> = dimensions
            .iter()
            .map(|d| {
                let (satisfied, counted) = self.dimensions.get(&d.id).copied().unwrap_or_default();
                DimensionFigures {
                    id: d.id.clone(),
                    satisfied,
                    counted,
                    rate: share_of(satisfied, counted),
                }
            })
            .collect();
        let satisfied = dims.iter().map(|d| d.satisfied).sum();
        let counted = dims.iter().map(|d| d.counted).sum();
        SurveyFigures {
            respondents: self.respondents,
            satisfied,
            counted,
            rate: share_of(satisfied, counted),
            dimensions: dims,
        }
    }
}

/// A unit's figures of this module while they are summed.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub re_review: ReReview,
    pub owed: BTreeMap<GovLevel, Fen>,
    pub survey: SurveyAcc,
    pub attention: UnitAttention,
    pub volunteering: UnitVolunteering,
    pub circle: UnitCircle,
}

impl Extra {
    pub fn merge(&mut self, other: &Extra) {
        self.re_review.merge(&other.re_review);
        for (level, fen) in &other.owed {
            *self.owed.entry(*level).or_insert(Fen::ZERO) += *fen;
        }
        self.survey.merge(&other.survey);
        self.attention.households += other.attention.households;
        self.attention.visited += other.attention.visited;
        self.volunteering.activities += other.volunteering.activities;
        self.volunteering.minutes += other.volunteering.minutes;
        self.circle.communities += other.circle.communities;
        self.circle.covered += other.circle.covered;
        self.circle.homes += other.circle.homes;
    }

    pub fn owed(&self, levels: &[GovLevel]) -> Vec<Owed> {
        levels
            .iter()
            .map(|level| Owed {
                level: level.key().to_string(),
                fen: self.owed.get(level).map_or(0, |f| f.0),
            })
            .collect()
    }

    pub fn attention(&self) -> AttentionFigures {
        let a = &self.attention;
        AttentionFigures {
            households: a.households,
            visited: a.visited,
            rate: share_of(a.visited.max(0) as u64, a.households.max(0) as u64),
        }
    }

    pub fn volunteering(&self) -> VolunteerFigures {
        let v = &self.volunteering;
        VolunteerFigures {
            activities: v.activities,
            minutes: v.minutes,
            hours: minutes_as_hours(v.minutes),
        }
    }

    pub fn circle(&self) -> CircleFigures {
        let c = &self.circle;
        CircleFigures {
            communities: c.communities,
            covered: c.covered,
            homes: c.homes,
            rate: share_of(c.covered.max(0) as u64, c.homes.max(0) as u64),
        }
    }
}

/// The figures of this module per unit under `prefix` for the year [from, to) that are read
/// from the store (the re-review and rewards come from the round entries the overview reads
/// anyway): four grouped queries in all, whatever the number of communities.
pub async fn by_unit(
    state: &AppState,
    store: &Store,
    rounds: &[String],
    prefix: &str,
    digits: usize,
    (from, to): (i64, i64),
    lang: Lang,
) -> Result<(Vec<DimensionName>, BTreeMap<String, Extra>), AppError> {
    let mut out: BTreeMap<String, Extra> = BTreeMap::new();
    let (dimensions, surveys) = surveys_by_unit(state, store, rounds, prefix, digits, lang).await?;
    for (unit, survey) in surveys {
        out.entry(unit).or_default().survey = survey;
    }
    for a in store
        .attention_visits_by_unit(prefix, digits, (from, to))
        .await?
    {
        let unit = a.unit.clone();
        out.entry(unit).or_default().attention = a;
    }
    for v in store
        .volunteering_by_unit(prefix, digits, (from, to))
        .await?
    {
        let unit = v.unit.clone();
        out.entry(unit).or_default().volunteering = v;
    }
    for c in store.circle_coverage_by_unit(prefix, digits).await? {
        let unit = c.unit.clone();
        out.entry(unit).or_default().circle = c;
    }
    Ok((dimensions, out))
}

/// The year's survey counters summed per unit (one query for all the year's rounds), read
/// through each round's questionnaire; the dimensions in the first questionnaire's order.
async fn surveys_by_unit(
    state: &AppState,
    store: &Store,
    rounds: &[String],
    prefix: &str,
    digits: usize,
    lang: Lang,
) -> Result<(Vec<DimensionName>, BTreeMap<String, SurveyAcc>), AppError> {
    let mut questionnaires = BTreeMap::new();
    let mut dimensions: Vec<DimensionName> = Vec::new();
    for round in rounds {
        if let Some(survey) = cached_round_survey(state, round).await? {
            for d in &survey.questionnaire.dimensions {
                if !dimensions.iter().any(|known| known.id == d.id) {
                    dimensions.push(DimensionName {
                        id: d.id.clone(),
                        name: match (&d.name_en, lang.is_en()) {
                            (Some(en), true) => en.clone(),
                            _ => d.name.clone(),
                        },
                    });
                }
            }
            questionnaires.insert(round.clone(), survey.questionnaire.clone());
        }
    }
    let with_survey: Vec<String> = questionnaires.keys().cloned().collect();
    let mut counters: BTreeMap<(String, String), Vec<(String, i64)>> = BTreeMap::new();
    for (round, unit, counter, n) in store
        .survey_counters_by_unit(&with_survey, prefix, digits)
        .await?
    {
        counters
            .entry((round, unit))
            .or_default()
            .push((counter, n));
    }
    let mut out: BTreeMap<String, SurveyAcc> = BTreeMap::new();
    for ((round, unit), counters) in counters {
        let Some(q) = questionnaires.get(&round) else {
            continue;
        };
        let tally = tally_of(q, counters);
        let acc = out.entry(unit).or_default();
        acc.respondents += tally.respondents();
        for d in &q.dimensions {
            let (rate, _) = dimension_rate(q, &tally, &d.id);
            let e = acc.dimensions.entry(d.id.clone()).or_default();
            e.0 += rate.satisfied;
            e.1 += rate.counted;
        }
    }
    Ok((dimensions, out))
}
