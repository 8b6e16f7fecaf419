//! The programme at a glance for an area and a year: per child unit (city → districts →
//! streets → communities) the communities declared and rated, the star distribution, progress
//! against the standard's targets, 随手拍 volume, closure, on-time rate and overdue, and
//! rectification completion; the rankings, the commendation list and the reminder list.
//! One function feeds the page and the API.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xingfu_core::decimal::{Dec2, Fen};
use xingfu_core::overview::{
    Behind, EventTally, Ranked, ReReview, Share, behind, by_average_star, by_on_time_rate,
    by_share, commended, reward_levels,
};
use xingfu_core::rectification::RectificationStatus;
use xingfu_core::region::{self, subtree_prefix};
use xingfu_core::round::Decision;
use xingfu_core::standard::{GovLevel, Target};
use xingfu_core::stars::{Standing, StarDistribution};
use xingfu_core::targets::TargetProgress;
use xingfu_core::workflow::Stage;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::reads::Freshness;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::metrics::year_period;
use crate::rounds::report::reward_owed_for;
use xingfu_store::Store;

use super::figures::{
    self, AttentionFigures, CircleFigures, DimensionName, Extra, Owed, SurveyFigures,
    VolunteerFigures, unit_digits,
};
use super::map::{self, Place};

/// `?region=CODE&year=YYYY`, both optional: the caller's own area and the latest year with a
/// round by default.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// A city, district or street inside the caller's area.
    #[param(example = "330302000000")]
    pub region: Option<String>,
    /// A year with a round.
    #[param(example = "2013")]
    pub year: Option<String>,
}

impl OverviewQuery {
    /// The year asked for, when it is a number.
    pub fn year(&self) -> Option<i64> {
        self.year.as_deref().and_then(|y| y.trim().parse().ok())
    }
}

/// One unit's figures for the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitFigures {
    /// Division code.
    #[schema(example = "330302006000")]
    pub code: String,
    pub name: String,
    /// `district`, `street` or `community`.
    pub level: String,
    /// Where a click goes: the unit's own overview, or a community's round page.
    pub link: Option<String>,
    /// Communities declared, rated, refused and pending, and the rated ones per star.
    #[schema(value_type = Object)]
    pub stars: StarDistribution,
    /// Communities declared in the year's rounds (rated + refused + pending).
    pub declared: usize,
    /// The denominator of every share: communities with a result.
    pub rated: usize,
    /// Mean star of the rated communities, half up to hundredths.
    #[schema(value_type = Option<f64>)]
    pub average_star: Option<Dec2>,
    /// Progress against each target of the standard, on the rated communities.
    #[schema(value_type = Vec<Object>)]
    pub targets: Vec<TargetProgress>,
    /// 随手拍 events reported in the year (counts).
    #[schema(value_type = Object)]
    pub events: EventTally,
    /// Closed / reported, per cent, half up.
    #[schema(value_type = Option<f64>)]
    pub closure_rate: Option<Dec2>,
    /// Closed on time / closed, per cent, half up.
    #[schema(value_type = Option<f64>)]
    pub on_time_rate: Option<Dec2>,
    /// Rectification tasks of the year's rounds, and of them verified.
    pub rectifications: usize,
    pub rectifications_verified: usize,
    /// Verified / tasks, per cent, half up.
    #[schema(value_type = Option<f64>)]
    pub rectification_rate: Option<Dec2>,
    /// Re-review (复评) outcomes of the rated communities that held a star last year: kept,
    /// raised, lowered, lost; and those named for the first time (`new`).
    #[schema(value_type = Object)]
    pub re_review: ReReview,
    /// Kept or raised / re-reviewed, per cent, half up.
    #[schema(value_type = Option<f64>)]
    pub re_review_held_rate: Option<Dec2>,
    /// Rewards owed for the year's results, one per level of `Overview::reward_levels`.
    pub owed: Vec<Owed>,
    /// Their sum, in fen.
    pub owed_total_fen: i64,
    /// Survey returns and satisfaction of the year's rounds.
    pub survey: SurveyFigures,
    /// Attention-list households visited in the year.
    pub attention: AttentionFigures,
    /// Volunteer activities and hours in the year.
    pub volunteering: VolunteerFigures,
    /// The latest computed 15-minute coverage, weighted by homes.
    pub circle: CircleFigures,
}

/// A unit on the reminder list, with each reason in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reminder {
    pub code: String,
    pub name: String,
    /// The reasons, in the request's language.
    pub reasons: Vec<String>,
}

/// The overview of one area for one year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Overview {
    #[schema(example = "330302000000")]
    pub region_code: String,
    pub region_name: String,
    /// `city`, `district` or `street`.
    pub level: String,
    /// The area one level up, when the caller may see it.
    pub parent: Option<String>,
    #[schema(example = 2013)]
    pub year: i64,
    /// Years with a round in the area, newest first.
    pub years: Vec<i64>,
    /// The rounds of the year the figures come from.
    pub rounds: Vec<String>,
    /// The standard's targets (of the first round of the year).
    #[schema(value_type = Vec<Object>)]
    pub targets: Vec<Target>,
    /// One line per child unit.
    pub units: Vec<UnitFigures>,
    /// The whole area.
    pub total: UnitFigures,
    /// Unit codes by average star, highest first.
    pub by_average_star: Vec<String>,
    /// Unit codes by 随手拍 on-time rate, highest first (none closed last).
    pub by_on_time_rate: Vec<String>,
    /// 通报表扬: the best units by the rule in `xingfu_core::overview`.
    pub commended: Vec<String>,
    /// 约谈提醒: units behind a target or the on-time target, with the reasons.
    pub reminded: Vec<Reminder>,
    /// The satisfaction dimensions of the year's questionnaires.
    pub dimensions: Vec<DimensionName>,
    /// The levels of government that share the cost of rewards, highest first.
    pub reward_levels: Vec<String>,
    /// Unit codes by overall satisfaction, highest first (no counted answer last).
    pub by_satisfaction: Vec<String>,
    /// Unit codes by attention-list visit coverage, highest first (nobody on a list last).
    pub by_visit_coverage: Vec<String>,
    /// Unit codes by 15-minute coverage, highest first (none computed last).
    pub by_circle_coverage: Vec<String>,
    /// Where each unit lies on the page's map (not part of the API's figures).
    #[serde(skip)]
    pub places: BTreeMap<String, Place>,
}

/// The child level of an area's level.
fn child_level(level: &str) -> Option<&'static str> {
    match level {
        "province" => Some("city"),
        "city" => Some("district"),
        "district" => Some("street"),
        "street" => Some("community"),
        _ => None,
    }
}

/// Accumulates one unit.
#[derive(Default)]
struct Acc {
    stars: StarDistribution,
    events: EventTally,
    tasks: usize,
    verified: usize,
    extra: Extra,
}

fn rate(part: usize, whole: usize) -> Option<Dec2> {
    (whole > 0).then(|| xingfu_core::decimal::percent_half_up(part as u64, whole as u64))
}

fn figures(
    code: String,
    name: String,
    level: &str,
    link: Option<String>,
    acc: &Acc,
    (targets, levels, dimensions): (&[Target], &[GovLevel], &[DimensionName]),
) -> UnitFigures {
    let x = &acc.extra;
    UnitFigures {
        re_review: x.re_review,
        re_review_held_rate: x.re_review.held_rate(),
        owed: x.owed(levels),
        owed_total_fen: x.owed.values().map(|f| f.0).sum(),
        survey: x.survey.figures(dimensions),
        attention: x.attention(),
        volunteering: x.volunteering(),
        circle: x.circle(),
        link,
        declared: acc.stars.declared(),
        rated: acc.stars.rated(),
        average_star: acc.stars.average_star(),
        targets: acc.stars.progress(targets),
        closure_rate: acc.events.closure_rate(),
        on_time_rate: acc.events.on_time_rate(),
        events: acc.events,
        rectifications: acc.tasks,
        rectifications_verified: acc.verified,
        rectification_rate: rate(acc.verified, acc.tasks),
        stars: acc.stars.clone(),
        code,
        name,
        level: level.to_string(),
    }
}

/// The overview of `region` (default: the caller's area) for `year` (default: the latest year
/// with a round). City, district and street administrators only, inside their own area.
pub async fn overview(
    state: &AppState,
    user: &CurrentUser,
    region_code: Option<&str>,
    year: Option<i64>,
    freshness: Freshness,
    lang: Lang,
) -> Result<Overview, AppError> {
    state
        .read_on(freshness, |store| async move {
            overview_from(state, &store, user, region_code, year, lang).await
        })
        .await
}

/// The overview, read from `store` (the primary, or a replica that keeps up).
async fn overview_from(
    state: &AppState,
    store: &Store,
    user: &CurrentUser,
    region_code: Option<&str>,
    year: Option<i64>,
    lang: Lang,
) -> Result<Overview, AppError> {
    if user.role.level().is_none() {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有市、区、街道管理员可以查看一张图",
                "only city, district and street administrators see the overview",
            )
            .into(),
        ));
    }
    let code = region_code
        .filter(|c| !c.is_empty())
        .unwrap_or(&user.user.region_code);
    if !region::within(code, &user.user.region_code, &user.region_level) {
        return Err(AppError::Forbidden(
            lang.pick("该地区不在您的管辖范围内", "this area is outside yours")
                .into(),
        ));
    }
    let area = store.region(code).await?.ok_or(AppError::NotFound)?;
    let Some(child) = child_level(&area.level) else {
        return Err(AppError::NotFound);
    };
    let prefix = subtree_prefix(&area.code, &area.level);
    let rounds = store.rounds_overlapping(prefix).await?;
    let years: Vec<i64> = rounds
        .iter()
        .map(|r| r.year)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .rev()
        .collect();
    let year = year.or(years.first().copied()).unwrap_or(0);
    let year_rounds: Vec<_> = rounds.into_iter().filter(|r| r.year == year).collect();
    let mut standards = Vec::new();
    for round in &year_rounds {
        standards.push(
            state
                .standard(&round.standard_id, &round.standard_version)
                .await?,
        );
    }
    let targets: Vec<Target> = standards
        .first()
        .map(|s| s.targets.clone())
        .unwrap_or_default();
    let levels = reward_levels(standards.iter().map(|s| &**s));
    let children = store.children(&area.code).await?;
    let digits = unit_digits(child);
    let mut accs: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    // Where a community links: its page in the round it was declared in.
    let mut community_round: BTreeMap<String, String> = BTreeMap::new();
    // The caller's area holds the whole region (checked above), so every entry and task read
    // here is one the caller may see; they are read grouped per unit, never one per community.
    for (round, standard) in year_rounds.iter().zip(&standards) {
        for group in store
            .entries_by_unit(&round.id, prefix, digits, Stage::Refused)
            .await?
        {
            let n = usize::try_from(group.entries).unwrap_or(0);
            let s = Standing::of(group.refused == 1, group.total_kept == 1, group.star);
            let mut extra = Extra::default();
            if let Standing::Rated(_) = s {
                let decision = Decision::kept_or_of(
                    group.decision.as_deref(),
                    group.previous_star,
                    group.star,
                );
                for _ in 0..n {
                    extra.re_review.add(decision);
                }
                for part in reward_owed_for(standard, s, group.previous_star) {
                    *extra.owed.entry(part.level).or_insert(Fen::ZERO) +=
                        Fen(part.amount.0 * group.entries);
                }
            }
            let acc = accs.entry(group.unit.clone()).or_default();
            acc.stars.add_many(s, n);
            acc.extra.merge(&extra);
            total.stars.add_many(s, n);
            total.extra.merge(&extra);
            if child == "community" {
                community_round.insert(group.unit, round.id.clone());
            }
        }
        for group in store
            .rectifications_by_unit(
                &round.id,
                prefix,
                digits,
                RectificationStatus::Verified.key(),
            )
            .await?
        {
            let (tasks, verified) = (
                usize::try_from(group.tasks).unwrap_or(0),
                usize::try_from(group.verified).unwrap_or(0),
            );
            for acc in [accs.entry(group.unit).or_default(), &mut total] {
                acc.tasks += tasks;
                acc.verified += verified;
            }
        }
    }
    // The year's 随手拍 figures per unit, from the roll-up the events' writes keep.
    for (unit, tally) in store.event_tallies_by_area(prefix, child, year).await? {
        accs.entry(unit).or_default().events.merge(&tally);
        total.events.merge(&tally);
    }
    let (from, to) = year_period(year);
    let round_ids: Vec<String> = year_rounds.iter().map(|r| r.id.clone()).collect();
    let (dimensions, extras) =
        figures::by_unit(state, store, &round_ids, prefix, digits, (from, to), lang).await?;
    for (unit, extra) in &extras {
        accs.entry(unit.clone()).or_default().extra.merge(extra);
        total.extra.merge(extra);
    }
    let places = map::places(
        store,
        prefix,
        digits,
        matches!(child, "street" | "community"),
    )
    .await?;
    // Every child region, and any unit with figures the region table lacks.
    let mut listed: Vec<(String, String)> =
        children.into_iter().map(|r| (r.code, r.name)).collect();
    for code in accs.keys() {
        if !listed.iter().any(|(c, _)| c == code) {
            let name = store
                .region(code)
                .await?
                .map_or_else(|| code.clone(), |r| r.name);
            listed.push((code.clone(), name));
        }
    }
    listed.sort();
    let empty = Acc::default();
    let units: Vec<UnitFigures> = listed
        .into_iter()
        .map(|(code, name)| {
            let link = if child == "community" {
                community_round
                    .get(&code)
                    .map(|round| format!("/rounds/{round}/communities/{code}"))
            } else {
                Some(format!("/overview?region={code}&year={year}"))
            };
            let acc = accs.get(&code).unwrap_or(&empty);
            figures(
                code,
                name,
                child,
                link,
                acc,
                (&targets, &levels, &dimensions),
            )
        })
        .collect();
    let ranked: Vec<Ranked> = units
        .iter()
        .map(|u| Ranked {
            code: &u.code,
            stars: &u.stars,
            events: &u.events,
        })
        .collect();
    let codes = |order: Vec<usize>| -> Vec<String> {
        order.into_iter().map(|i| units[i].code.clone()).collect()
    };
    let by_star = codes(by_average_star(&ranked));
    let by_on_time = codes(by_on_time_rate(&ranked));
    let best = codes(commended(&ranked));
    let by_shares = |share: &dyn Fn(&UnitFigures) -> (u64, u64)| -> Vec<String> {
        let shares: Vec<Share> = units
            .iter()
            .map(|u| {
                let (part, whole) = share(u);
                Share {
                    code: &u.code,
                    part,
                    whole,
                }
            })
            .collect();
        codes(by_share(&shares))
    };
    let by_satisfaction = by_shares(&|u| (u.survey.satisfied, u.survey.counted));
    let by_visit_coverage = by_shares(&|u| {
        (
            u.attention.visited.max(0) as u64,
            u.attention.households.max(0) as u64,
        )
    });
    let by_circle_coverage =
        by_shares(&|u| (u.circle.covered.max(0) as u64, u.circle.homes.max(0) as u64));
    let reminded = units
        .iter()
        .filter_map(|u| {
            let reasons: Vec<String> = behind(&targets, &u.stars, &u.events)
                .iter()
                .map(|b: &Behind| {
                    let (zh, en) = b.words();
                    if lang.is_en() { en } else { zh }
                })
                .collect();
            (!reasons.is_empty()).then(|| Reminder {
                code: u.code.clone(),
                name: u.name.clone(),
                reasons,
            })
        })
        .collect();
    let parent = area
        .parent
        .clone()
        .filter(|p| region::within(p, &user.user.region_code, &user.region_level));
    Ok(Overview {
        total: figures(
            area.code.clone(),
            area.name.clone(),
            &area.level,
            None,
            &total,
            (&targets, &levels, &dimensions),
        ),
        region_code: area.code,
        region_name: area.name,
        level: area.level,
        parent,
        year,
        years,
        rounds: year_rounds.into_iter().map(|r| r.id).collect(),
        targets,
        units,
        by_average_star: by_star,
        by_on_time_rate: by_on_time,
        commended: best,
        reminded,
        dimensions,
        reward_levels: levels.iter().map(|l| l.key().to_string()).collect(),
        by_satisfaction,
        by_visit_coverage,
        by_circle_coverage,
        places,
    })
}
