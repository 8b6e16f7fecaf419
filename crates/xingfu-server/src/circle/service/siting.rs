//! Siting: where new facilities of a function would bring the most homes within 15 minutes, for
//! a district or one of its streets.
//!
//! A district counts every home its coverage counts, and every street-network node is a
//! candidate. A street counts only the homes inside its communities' boundaries and puts sites
//! only on network nodes inside them; walks still cross street and district lines, so every
//! facility registered in the district counts as it stands.

use serde::Serialize;
use xingfu_core::region;
use xingfu_geo::coverage::{CircleAnalysis, Origin};
use xingfu_geo::facility::Facility;
use xingfu_geo::function::ServiceFunction;
use xingfu_geo::graph::NodeIndex;
use xingfu_geo::siting::{every_node, suggest_sites};
use xingfu_geo::snap::Snapped;
use xingfu_geo::{TimeBudget, WalkingGraph, WalkingSpeed};
use xingfu_store::regions::RegionRow;

use super::areas::{area as region_area, district_of, viewable_area};
use super::convert::geo_facility;
use super::coverage::{Scope, scope_of, threads};
use super::locate::{Locator, locator};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The most sites one siting request suggests.
pub const MAX_SITES: usize = 10;

/// One suggested site.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = SiteView)]
pub struct SiteSuggestion {
    pub rank: usize,
    pub lon: f64,
    pub lat: f64,
    /// Code of the community whose area the site lies in; none when it lies in no community's
    /// area.
    pub community: Option<String>,
    /// That community's name.
    pub community_name: Option<String>,
    /// Homes newly within 15 minutes.
    pub gain: u64,
    /// Homes within 15 minutes once this and the sites before it are built.
    pub covered_after: u64,
}

/// Why fewer sites than asked for are suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    /// There are no homes to count.
    NoHomes,
    /// None of the street's communities has a boundary, so its homes cannot be told apart.
    NoBoundaries,
    /// Every home is within 15 minutes (with the sites suggested).
    AllCovered,
    /// The area holds no street-network node to put a site on.
    NoCandidates,
    /// Every candidate node has been suggested.
    NoCandidatesLeft,
    /// The homes still out of reach are more than 15 minutes from every candidate left.
    OutOfReach,
}

// What siting suggests; the API answers with it as it is (no doc comment: it would become
// the schema's description).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = SitingView)]
pub struct SitingOutcome {
    /// `district` or `street`.
    pub level: String,
    #[schema(value_type = String)]
    pub function: ServiceFunction,
    /// How many sites were asked for.
    pub requested: usize,
    /// Street-network nodes a site could go on.
    pub candidates: usize,
    pub covered_before: u64,
    pub total: u64,
    pub speed_m_per_h: u32,
    pub sites: Vec<SiteSuggestion>,
    /// Why fewer sites than requested, when so.
    pub shortfall: Option<Shortfall>,
    /// The same in the caller's language.
    pub shortfall_text: Option<String>,
}

/// The district or street siting is asked for, with the district whose facilities, network
/// run and community boundaries it uses.
async fn siting_area(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    lang: Lang,
) -> Result<(RegionRow, RegionRow), AppError> {
    let area = viewable_area(state, user, code, lang).await?;
    let district = match area.level.as_str() {
        "district" => area.clone(),
        "street" => {
            let code = district_of(&area).ok_or(AppError::NotFound)?;
            region_area(state, &code).await?
        }
        _ => {
            return Err(AppError::BadRequest(lang.text(
                "选址建议按区或街道计算",
                "siting is computed per district or street",
            )));
        }
    };
    Ok((area, district))
}

/// The homes and candidate sites of a street: those inside its communities' areas.
struct StreetScope {
    origins: Vec<Origin>,
    candidates: Vec<Snapped>,
}

fn street_scope(
    street: &RegionRow,
    graph: &WalkingGraph,
    scope: Scope,
    locator: &Locator,
) -> StreetScope {
    let prefix = region::subtree_prefix(&street.code, &street.level);
    let inside = |code: &str| code.starts_with(prefix);
    let origins = scope
        .origins
        .into_iter()
        .filter(|o| {
            o.community
                .and_then(|c| scope.codes.get(c as usize))
                .is_some_and(|code| inside(code))
        })
        .collect();
    let candidates = (0..graph.node_count() as NodeIndex)
        .filter(|&node| {
            locator
                .community_of(graph.position(node))
                .is_some_and(|code| inside(&code))
        })
        .map(|node| Snapped { node, access_mm: 0 })
        .collect();
    StreetScope {
        origins,
        candidates,
    }
}

/// Suggests up to `count` new sites for `function` in a district or street, greedy: each adds
/// the most homes not yet within 15 minutes. Says why when it suggests fewer.
pub async fn siting(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    function: ServiceFunction,
    count: usize,
    lang: Lang,
) -> Result<SitingOutcome, AppError> {
    let (area, district) = siting_area(state, user, code, lang).await?;
    let count = count.clamp(1, MAX_SITES);
    let extract = state.network.extract(lang).await?;
    let speed = match state.store.circle_run(&district.code).await? {
        Some(run) => WalkingSpeed {
            metres_per_hour: u32::try_from(run.speed_m_per_h)
                .unwrap_or(WalkingSpeed::DEFAULT.metres_per_hour),
        },
        None => WalkingSpeed::DEFAULT,
    };
    let mut outcome = SitingOutcome {
        level: area.level.clone(),
        function,
        requested: count,
        candidates: 0,
        covered_before: 0,
        total: 0,
        speed_m_per_h: speed.metres_per_hour,
        sites: Vec::new(),
        shortfall: None,
        shortfall_text: None,
    };
    let locator = locator(state, &district, Some(extract.clone())).await?;
    let scope = scope_of(&extract, &locator);
    let street = area.level == "street";
    let (origins, candidates) = if street {
        let prefix = region::subtree_prefix(&area.code, &area.level);
        if !locator.sources.keys().any(|c| c.starts_with(prefix)) {
            return Ok(outcome.short(Shortfall::NoBoundaries, &area, &district, lang));
        }
        let s = street_scope(&area, &extract.graph, scope, &locator);
        (s.origins, s.candidates)
    } else {
        (scope.origins, every_node(&extract.graph))
    };
    let rows = state.store.facilities_of_district(&district.code).await?;
    let facilities: Vec<Facility> = rows.iter().map(geo_facility).collect();
    let task_extract = extract.clone();
    let task_candidates = candidates.clone();
    let (covered_before, total, picks) = tokio::task::spawn_blocking(move || {
        let graph = &task_extract.graph;
        let analysis = CircleAnalysis::run(
            graph,
            &facilities,
            &origins,
            speed,
            TimeBudget::FIFTEEN_MINUTES,
            threads(),
        );
        let covered = (0..origins.len())
            .filter(|&o| analysis.covers(o, function))
            .count() as u64;
        let picks = suggest_sites(
            graph,
            &analysis,
            &origins,
            function,
            &task_candidates,
            count,
        );
        (covered, origins.len() as u64, picks)
    })
    .await
    .map_err(|e| internal(format!("siting: {e}")))?;
    outcome.candidates = candidates.len();
    outcome.covered_before = covered_before;
    outcome.total = total;
    let mut covered = covered_before;
    for (i, pick) in picks.iter().enumerate() {
        covered += pick.gain;
        let position = extract.graph.position(candidates[pick.candidate].node);
        let community = locator.community_of(position);
        outcome.sites.push(SiteSuggestion {
            rank: i + 1,
            lon: position.lon,
            lat: position.lat,
            community_name: community
                .as_ref()
                .and_then(|c| locator.communities.get(c))
                .map(|row| row.name.clone()),
            community,
            gain: pick.gain,
            covered_after: covered,
        });
    }
    if outcome.sites.len() < count {
        let why = if total == 0 {
            Shortfall::NoHomes
        } else if covered >= total {
            Shortfall::AllCovered
        } else if candidates.is_empty() {
            Shortfall::NoCandidates
        } else if picks.len() == candidates.len() {
            Shortfall::NoCandidatesLeft
        } else {
            Shortfall::OutOfReach
        };
        outcome = outcome.short(why, &area, &district, lang);
    }
    Ok(outcome)
}

impl SitingOutcome {
    /// The outcome with the reason for suggesting fewer sites than asked for.
    fn short(mut self, why: Shortfall, area: &RegionRow, district: &RegionRow, lang: Lang) -> Self {
        let (name, n, c) = (&area.name, self.sites.len(), self.candidates);
        let left = self.total
            - self
                .sites
                .last()
                .map_or(self.covered_before, |s| s.covered_after);
        let function = self.function.name(lang.is_en());
        let text = match why {
            Shortfall::NoHomes => lang.text(
                format!("{name}没有可计算的住宅，无法给出选址建议。"),
                format!("{name} has no homes to count, so no site can be suggested."),
            ),
            Shortfall::NoBoundaries => lang.text(
                format!(
                    "{name}的社区都还没有边界（上传的边界、网格或 OpenStreetMap 同名小区），无法只计本街道的住宅。请区级管理员在{}的覆盖率页上传社区边界，或查看{}的选址建议。",
                    district.name, district.name
                ),
                format!(
                    "None of {name}'s communities has a boundary yet (uploaded, its grids, or an OpenStreetMap compound of its name), so its homes cannot be told apart. A district administrator can upload community boundaries on {}'s coverage page; meanwhile see {}'s siting suggestions.",
                    district.name, district.name
                ),
            ),
            Shortfall::AllCovered if n == 0 => lang.text(
                format!("每处住宅都已在 15 分钟内可达{function}设施，无需新增。"),
                format!("Every home is already within 15 minutes of a {function} facility; no site is needed."),
            ),
            Shortfall::AllCovered => lang.text(
                format!("建成以上 {n} 处后，每处住宅都在 15 分钟内，无需更多。"),
                format!("With these {n} sites every home is within 15 minutes; no more are needed."),
            ),
            Shortfall::NoCandidates => lang.text(
                format!("{name}的社区范围内没有路网节点，没有可选的位置。"),
                format!("No street-network node lies inside {name}'s communities, so there is nowhere to put a site."),
            ),
            Shortfall::NoCandidatesLeft => lang.text(
                format!("{name}范围内的 {n} 个路网节点都已列出，没有剩余的候选位置。"),
                format!("All {n} street-network nodes in {name} are listed; no candidate site is left."),
            ),
            Shortfall::OutOfReach => lang.text(
                format!("还有 {left} 处住宅不在 15 分钟内：{name}范围内可选的 {c} 个路网节点中，剩下的都到不了它们。"),
                format!("{left} homes are still beyond 15 minutes: of the {c} street-network nodes in {name} a site could go on, none of those left reaches them."),
            ),
        };
        self.shortfall = Some(why);
        self.shortfall_text = Some(text);
        self
    }
}
