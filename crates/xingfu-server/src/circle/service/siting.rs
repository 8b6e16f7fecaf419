//! Siting: where new facilities of a function would bring the most homes within 15 minutes.

use serde::Serialize;
use xingfu_geo::coverage::CircleAnalysis;
use xingfu_geo::facility::Facility;
use xingfu_geo::function::ServiceFunction;
use xingfu_geo::siting::{every_node, suggest_sites};
use xingfu_geo::{TimeBudget, WalkingSpeed};

use super::areas::{internal, viewable_district};
use super::convert::geo_facility;
use super::coverage::{Scope, scope_of, threads};
use super::locate::locator;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
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
    pub community: Option<String>,
    /// Homes newly within 15 minutes.
    pub gain: u64,
    /// Homes within 15 minutes once this and the sites before it are built.
    pub covered_after: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SitingOutcome {
    pub function: ServiceFunction,
    pub covered_before: u64,
    pub total: u64,
    pub speed_m_per_h: u32,
    pub sites: Vec<SiteSuggestion>,
}

/// Suggests up to `count` new sites for `function` in a district (every street-network node
/// is a candidate), greedy: each adds the most homes not yet within 15 minutes.
pub async fn siting(
    state: &AppState,
    user: &CurrentUser,
    district_code: &str,
    function: ServiceFunction,
    count: usize,
    lang: Lang,
) -> Result<SitingOutcome, AppError> {
    let per = ("选址建议按区计算", "siting is computed per district");
    let district = viewable_district(state, user, district_code, lang, per).await?;
    let count = count.clamp(1, MAX_SITES);
    let extract = state.network.extract(lang).await?;
    let speed = match state.store.circle_run(&district.code).await? {
        Some(run) => WalkingSpeed {
            metres_per_hour: u32::try_from(run.speed_m_per_h)
                .unwrap_or(WalkingSpeed::DEFAULT.metres_per_hour),
        },
        None => WalkingSpeed::DEFAULT,
    };
    let rows = state.store.facilities_of_district(&district.code).await?;
    let facilities: Vec<Facility> = rows.iter().map(geo_facility).collect();
    let locator = locator(state, &district, Some(extract.clone())).await?;
    let Scope { origins, .. } = scope_of(&extract, &locator);
    let task_extract = extract.clone();
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
        let candidates = every_node(graph);
        let picks = suggest_sites(graph, &analysis, &origins, function, &candidates, count);
        (covered, origins.len() as u64, picks)
    })
    .await
    .map_err(|e| internal(format!("siting: {e}")))?;
    let mut covered = covered_before;
    let sites = picks
        .iter()
        .enumerate()
        .map(|(i, pick)| {
            covered += pick.gain;
            let position = extract.graph.position(pick.candidate as u32);
            SiteSuggestion {
                rank: i + 1,
                lon: position.lon,
                lat: position.lat,
                community: locator.community_of(position),
                gain: pick.gain,
                covered_after: covered,
            }
        })
        .collect();
    Ok(SitingOutcome {
        function,
        covered_before,
        total,
        speed_m_per_h: speed.metres_per_hour,
        sites,
    })
}
