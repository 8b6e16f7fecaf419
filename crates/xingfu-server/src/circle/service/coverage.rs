//! Coverage: a district's homes within 15 minutes of each function, computed on the street
//! network and stored per community with every home's result.

use std::collections::BTreeMap;

use serde::Serialize;
use xingfu_geo::coverage::{CircleAnalysis, CommunityCoverage, CoverageReport, Origin};
use xingfu_geo::facility::Facility;
use xingfu_geo::function::ServiceFunction;
use xingfu_geo::geometry::LonLat;
use xingfu_geo::osm::OsmExtract;
use xingfu_geo::{TimeBudget, WalkingSpeed};
use xingfu_store::facilities::{CircleRun, CoverageRow, OriginRow, to_e6};

use super::areas::{allow, may_compute, viewable_district};
use super::convert::{ALL_SIX, geo_facility};
use super::locate::{BoundarySource, Locator, locator};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The circle's time budget.
pub const MINUTES: u32 = 15;

pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// What a run was computed from, stored with it.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct RunSummary {
    pub graph_nodes: usize,
    pub graph_edges: usize,
    pub origins: usize,
    pub facilities: usize,
    /// Function keys without any facility in the district.
    pub functions_without_facilities: Vec<String>,
    /// Community code → where its boundary came from.
    pub boundaries: BTreeMap<String, BoundarySource>,
}

impl RunSummary {
    pub fn parse(text: &str) -> RunSummary {
        serde_json::from_str(text).unwrap_or_default()
    }
}

/// The homes a district's figures count, with their community (index into the code list).
pub(super) struct Scope {
    pub origins: Vec<Origin>,
    pub codes: Vec<String>,
    pub scope: &'static str,
}

pub(super) fn scope_of(extract: &OsmExtract, locator: &Locator) -> Scope {
    let codes: Vec<String> = locator.sources.keys().cloned().collect();
    let restricted = locator.has_any();
    let mut origins = Vec::new();
    for origin in &extract.origins {
        let community = locator
            .community_of(origin.location)
            .and_then(|code| codes.binary_search(&code).ok())
            .map(|i| i as u32);
        if restricted && community.is_none() {
            continue;
        }
        origins.push(Origin {
            community,
            ..origin.clone()
        });
    }
    Scope {
        origins,
        codes,
        scope: if restricted { "communities" } else { "extract" },
    }
}

fn coverage_rows(area: &str, row: &CommunityCoverage) -> Vec<CoverageRow> {
    let mut rows: Vec<CoverageRow> = row
        .functions
        .iter()
        .map(|f| CoverageRow {
            area_code: area.to_string(),
            function: f.function.key().to_string(),
            covered: f.covered_weight as i64,
            total: row.weight as i64,
            share: f.share.hundredths(),
            computed_at: 0,
        })
        .collect();
    rows.push(CoverageRow {
        area_code: area.to_string(),
        function: ALL_SIX.to_string(),
        covered: row.all_six_weight as i64,
        total: row.weight as i64,
        share: row.all_six_share.hundredths(),
        computed_at: 0,
    });
    rows
}

/// Whether a point lies within the network's extent, widened by about 1 km: a district whose
/// facilities all lie elsewhere was given the wrong network.
fn near_network(extract: &OsmExtract, p: LonLat) -> bool {
    let margin = 0.01;
    let positions = extract.graph.positions();
    let (mut min, mut max) = match positions.first() {
        Some(first) => (*first, *first),
        None => return false,
    };
    for q in positions {
        min.lon = min.lon.min(q.lon);
        min.lat = min.lat.min(q.lat);
        max.lon = max.lon.max(q.lon);
        max.lat = max.lat.max(q.lat);
    }
    p.lon >= min.lon - margin
        && p.lon <= max.lon + margin
        && p.lat >= min.lat - margin
        && p.lat <= max.lat + margin
}

/// Computes a district's coverage from the network and its facilities, and stores it.
pub async fn recompute(
    state: &AppState,
    user: &CurrentUser,
    district_code: &str,
    speed: WalkingSpeed,
    lang: Lang,
) -> Result<CircleRun, AppError> {
    let per = ("覆盖率按区计算", "coverage is computed per district");
    let district = viewable_district(state, user, district_code, lang, per).await?;
    allow(
        may_compute(user, &district.code),
        lang,
        (
            "覆盖率由区级或市级管理员计算",
            "coverage is computed by district or city administrators",
        ),
    )?;
    compute_and_store(state, &district, speed, &user.user.username, lang).await
}

/// Who a coverage run is recorded as computed by when the job queue recomputed it after the
/// district's facilities changed.
pub const AUTOMATIC: &str = "system:after-facility-change";

/// Recomputes a district's coverage at the speed of its last run, for the job queue (see
/// `crate::jobs`); does nothing and returns `None` when it was never computed.
pub async fn recompute_automatically(
    state: &AppState,
    district_code: &str,
) -> Result<Option<CircleRun>, AppError> {
    let Some(last) = state.store.circle_run(district_code).await? else {
        return Ok(None);
    };
    let district = super::areas::area(state, district_code).await?;
    let speed = WalkingSpeed {
        metres_per_hour: u32::try_from(last.speed_m_per_h)
            .map_err(|_| internal(format!("stored speed {}", last.speed_m_per_h)))?,
    };
    compute_and_store(state, &district, speed, AUTOMATIC, Lang::Zh)
        .await
        .map(Some)
}

async fn compute_and_store(
    state: &AppState,
    district: &xingfu_store::regions::RegionRow,
    speed: WalkingSpeed,
    computed_by: &str,
    lang: Lang,
) -> Result<CircleRun, AppError> {
    let extract = state.network.extract(lang).await?;
    let rows = state.store.facilities_of_district(&district.code).await?;
    let facilities: Vec<Facility> = rows
        .iter()
        .map(geo_facility)
        .filter(|f| !f.functions.is_empty())
        .collect();
    if !facilities.is_empty()
        && !facilities
            .iter()
            .any(|f| near_network(&extract, f.location))
    {
        return Err(AppError::Conflict(lang.text(format!(
                "路网文件 {} 不覆盖{}登记的任何设施：请用本区的路网启动服务器",
                state.network.label().unwrap_or_default(),
                district.name
            ),
            format!(
                "the network file {} covers none of the facilities registered in {}: start the server with this district's network",
                state.network.label().unwrap_or_default(),
                district.name
            ),
        )));
    }
    let locator = locator(state, district, Some(extract.clone())).await?;
    let Scope {
        origins,
        codes,
        scope,
    } = scope_of(&extract, &locator);
    let district_for_rows = district.code.clone();
    let task_extract = extract.clone();
    let task_facilities = facilities.clone();
    let (coverage, origin_rows, missing) = tokio::task::spawn_blocking(move || {
        let analysis = CircleAnalysis::run(
            &task_extract.graph,
            &task_facilities,
            &origins,
            speed,
            TimeBudget::FIFTEEN_MINUTES,
            threads(),
        );
        let report = CoverageReport::new(&analysis, &origins, &codes);
        let mut coverage = coverage_rows(&district_for_rows, &report.overall);
        for row in &report.communities {
            if let Some(code) = &row.community
                && row.weight > 0
            {
                coverage.extend(coverage_rows(code, row));
            }
        }
        let origin_rows: Vec<OriginRow> = origins
            .iter()
            .enumerate()
            .map(|(i, origin)| {
                let mut mask = 0i64;
                let mut distances = Vec::with_capacity(ServiceFunction::ALL.len());
                for function in ServiceFunction::ALL {
                    if analysis.covers(i, function) {
                        mask |= 1 << function.index();
                    }
                    distances.push(
                        analysis
                            .origin_distance(i, function)
                            .map(|mm| (mm / 1000).to_string())
                            .unwrap_or_default(),
                    );
                }
                OriginRow {
                    seq: i as i64,
                    origin_ref: origin.id.clone(),
                    lon_e6: to_e6(origin.location.lon),
                    lat_e6: to_e6(origin.location.lat),
                    community_code: origin
                        .community
                        .and_then(|c| codes.get(c as usize).cloned()),
                    covered_mask: mask,
                    distances_m: distances.join(";"),
                }
            })
            .collect();
        let missing: Vec<String> = report
            .functions_without_facilities
            .iter()
            .map(|f| f.key().to_string())
            .collect();
        (coverage, origin_rows, missing)
    })
    .await
    .map_err(|e| internal(format!("computing coverage: {e}")))?;
    let summary = RunSummary {
        graph_nodes: extract.graph.node_count(),
        graph_edges: extract.graph.edge_count(),
        origins: origin_rows.len(),
        facilities: facilities.len(),
        functions_without_facilities: missing,
        boundaries: locator.sources.clone(),
    };
    let run = CircleRun {
        district_code: district.code.clone(),
        computed_at: now_ms(),
        computed_by: computed_by.to_string(),
        network: state.network.label().unwrap_or_default(),
        minutes: i64::from(MINUTES),
        speed_m_per_h: i64::from(speed.metres_per_hour),
        scope: scope.to_string(),
        summary_json: serde_json::to_string(&summary)
            .map_err(|e| internal(format!("run summary: {e}")))?,
    };
    state
        .store
        .save_circle_run(&run, &coverage, &origin_rows)
        .await?;
    Ok(run)
}
