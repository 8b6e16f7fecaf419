//! The 15-minute service circle (15分钟服务圈) in the server: the facility registry, coverage of
//! a district computed from the street network and stored, the metric values standards
//! reference, siting suggestions, and star ratings of "党建+" neighbourhood centres (邻里中心).
//! The rules of the circle itself (distances, the ≤ boundary, greedy siting) are in
//! `xingfu_geo`; see also docs/circle.md.
//!
//! Choices made here (the seeds do not say):
//! - **One street network per server** (`xingfu serve --osm FILE`), read on first use and kept
//!   in memory. Coverage is computed on request for a district and stored (shares per
//!   community and function, and every home's result), so pages and metric clauses read
//!   stored figures and never need the network.
//! - **Facilities** counted for a district are those registered in it (typed in, imported
//!   from the registry's CSV/GeoJSON, or from OpenStreetMap points of interest by tag). OSM
//!   points count only once imported. Facilities registered in a neighbouring district are not
//!   counted, so homes near a district border may show gaps a walk across the border closes.
//! - **Homes** (origins) are the network extract's residential buildings, each counting 1.
//! - **Communities**: a home (or a facility) belongs to a community by, in this order, a
//!   boundary uploaded for the circle, the union of the community's grids (网格), or an
//!   OpenStreetMap compound (`landuse=residential`) carrying the community's name once the
//!   suffixes 社区居民委员会 / 社区居委会 / 居民委员会 / 居委会 / 村民委员会 / 村委会 / 社区 are
//!   dropped (such a compound stands for the community only when nothing better is known).
//!   When no community of the district has any boundary, every home of the extract counts
//!   for the district (scope `extract`) and no community figures are stored.
//! - **Time** is fixed at 15 minutes (the metric's name says so); the speed is 4 km/h unless
//!   3.2 km/h (GB 50180-2018's 800 m) is chosen when recomputing.
//! - **Metrics** of a community: `circle.<function>.share` for all nine functions,
//!   `circle.all_six.share`, and `circle.share_within_15min`, the key the fengze-centre
//!   standard's clause CX4.1 uses. The clause reads "residents who can walk to the centre or
//!   one of its service points within 15 minutes"; a centre of the 1+6+X model offers the six
//!   functions through itself and its service points, so this is the share of homes reaching
//!   all six functions (the same value as `circle.all_six.share`). A community without stored
//!   coverage, or without a home in the network, has no values: the clause stays "not
//!   assessed" rather than scoring 0.
//! - **Imports**: an OSM point outside the importing area's known communities is kept only
//!   when importing into a district (it cannot be told to lie in a street); registry rows
//!   without a known community are kept by the area they were imported into. A row located in
//!   a community outside the importer's area is refused, and nothing is saved.
//! - **Centre ratings** (fengze-centre): survey satisfaction is the pooled rate of a round's
//!   satisfaction survey for the centre's community (every rated question of every dimension,
//!   as the survey results page shows it; a round below its quota is not offered), or a rate
//!   staff enter; activities held and people served are the platform's figures for the
//!   community in the rating year (`activities.count`, `people_served.count` of volunteer
//!   activities, China time), or figures staff enter from the centre's own ledger; the
//!   circle clause reads the stored metric. Each answer records where it came from.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use xingfu_core::Dec2;
use xingfu_core::ops::coords::{Datum, GeoPoint, to_wgs84};
use xingfu_core::region;
use xingfu_core::scoring::{Answer, Assessment, score};
use xingfu_core::standard::{Judge, Standard};
use xingfu_core::workflow::Role;
use xingfu_geo::community::CommunityAreas;
use xingfu_geo::coverage::{CircleAnalysis, CommunityCoverage, CoverageReport, Origin};
use xingfu_geo::facility::{Facility, normalise_functions};
use xingfu_geo::function::{ALL_SIX_SHARE_METRIC, ServiceFunction};
use xingfu_geo::geometry::{Area, LonLat};
use xingfu_geo::osm::{CommunitySource, OriginKind, OsmExtract, OsmOptions, import_bytes};
use xingfu_geo::registry::{
    Place, RegistryProblem, parse_communities_geojson, parse_facilities_csv,
    parse_facilities_geojson,
};
use xingfu_geo::siting::{every_node, suggest_sites};
use xingfu_geo::{TimeBudget, WalkingSpeed};
use xingfu_store::facilities::{
    CentreRow, CircleRun, CoverageRow, FacilityInput, FacilityRow, FacilityUpdate, Flagged,
    ImportCount, NewRating, OriginRow, RatingRow, from_e6, to_e6,
};
use xingfu_store::regions::RegionRow;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::app::versions;

/// The metric key of the fengze-centre standard's circle clause (CX4.1).
pub const WITHIN_15_MIN_METRIC: &str = "circle.share_within_15min";
/// The function column that stands for all six functions at once.
pub const ALL_SIX: &str = "all_six";
/// The standard centres are rated with.
pub const CENTRE_STANDARD: &str = "fengze-centre";
/// The circle's time budget.
pub const MINUTES: u32 = 15;
/// The most sites one siting request suggests.
pub const MAX_SITES: usize = 10;

fn pick(en: bool, zh: impl Into<String>, english: impl Into<String>) -> String {
    if en { english.into() } else { zh.into() }
}

fn internal(what: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what}"))
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

// ---------------------------------------------------------------------------------------------
// The street network

#[derive(Clone)]
enum NetworkSource {
    File(PathBuf),
    Embedded {
        label: &'static str,
        bytes: &'static [u8],
    },
}

/// The server's street network: where it comes from, and the extract once read.
#[derive(Clone, Default)]
pub struct CircleNetwork {
    source: Option<NetworkSource>,
    loaded: Arc<tokio::sync::OnceCell<Arc<OsmExtract>>>,
}

/// What the server reads from the extract: residential buildings as homes, named residential
/// compounds as the areas community names are matched against.
fn osm_options() -> OsmOptions {
    OsmOptions {
        origins: OriginKind::Buildings,
        communities: CommunitySource::ResidentialAreas,
    }
}

impl CircleNetwork {
    /// An .osm.pbf file read on first use.
    pub fn file(path: PathBuf) -> CircleNetwork {
        CircleNetwork {
            source: Some(NetworkSource::File(path)),
            loaded: Arc::default(),
        }
    }

    /// An extract built into the binary (the demo's).
    pub fn embedded(label: &'static str, bytes: &'static [u8]) -> CircleNetwork {
        CircleNetwork {
            source: Some(NetworkSource::Embedded { label, bytes }),
            loaded: Arc::default(),
        }
    }

    pub fn is_configured(&self) -> bool {
        self.source.is_some()
    }

    /// The network's name as shown to people: the file name, never its folder.
    pub fn label(&self) -> Option<String> {
        match self.source.as_ref()? {
            NetworkSource::File(path) => Some(
                path.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
            ),
            NetworkSource::Embedded { label, .. } => Some(label.to_string()),
        }
    }

    /// The extract, read once (a failed read is tried again next time).
    pub async fn extract(&self, en: bool) -> Result<Arc<OsmExtract>, AppError> {
        let Some(source) = self.source.clone() else {
            return Err(AppError::Conflict(pick(
                en,
                "服务器没有配置路网文件:请以 xingfu serve --osm 文件.osm.pbf 启动",
                "the server has no street network: start it with xingfu serve --osm FILE.osm.pbf",
            )));
        };
        let label = self.label().unwrap_or_default();
        let extract = self
            .loaded
            .get_or_try_init(|| async move {
                let read = tokio::task::spawn_blocking(move || match source {
                    NetworkSource::File(path) => {
                        xingfu_geo::osm::import_file(&path, &osm_options())
                    }
                    NetworkSource::Embedded { label, bytes } => {
                        import_bytes(label, bytes, &osm_options())
                    }
                })
                .await
                .map_err(|e| internal(format!("reading the street network: {e}")))?;
                read.map(Arc::new).map_err(|e| {
                    tracing::error!("street network {label}: {e}");
                    internal(format!("street network {label}: {e}"))
                })
            })
            .await?;
        Ok(extract.clone())
    }
}

/// The demo's street network: OpenStreetMap around 学院路, Beijing 海淀区 (© OpenStreetMap
/// contributors, ODbL; see crates/xingfu-geo/tests/data/SOURCE.md).
const DEMO_EXTRACT: &[u8] =
    include_bytes!("../../../xingfu-geo/tests/data/beijing-haidian-xueyuanlu.osm.pbf");
const DEMO_EXTRACT_LABEL: &str = "beijing-haidian-xueyuanlu.osm.pbf";
/// The demo's divisions for it: 学院路街道 and its communities (data/regions/).
pub const DEMO_REGIONS: &str = include_str!("../../../../data/regions/haidian-xueyuanlu.csv");
/// 海淀区, the demo's circle district.
pub const DEMO_DISTRICT: &str = "110108000000";
/// The demo account that administers it.
pub const DEMO_ACCOUNT: &str = "haidian";

/// The network `xingfu serve` runs with: the file given, else the demo's extract when the
/// demo may load, else none.
pub fn network_for(osm: Option<PathBuf>, demo: bool) -> CircleNetwork {
    match osm {
        Some(path) => CircleNetwork::file(path),
        None if demo => CircleNetwork::embedded(DEMO_EXTRACT_LABEL, DEMO_EXTRACT),
        None => CircleNetwork::default(),
    }
}

/// Loads the demo's Beijing divisions (海淀区学院路街道).
pub async fn load_demo_regions(store: &xingfu_store::Store) -> anyhow::Result<usize> {
    let regions = xingfu_formats::regions::read_regions_csv(
        "data/regions/haidian-xueyuanlu.csv",
        DEMO_REGIONS,
    )
    .map_err(|p| {
        anyhow::anyhow!(
            "demo regions: {}",
            p.iter()
                .map(|x| x.render(true))
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let rows: Vec<RegionRow> = regions
        .into_iter()
        .map(|r| RegionRow {
            code: r.code,
            name: r.name,
            level: r.level.key().to_string(),
            parent: r.parent,
            urban_rural: r.urban_rural,
        })
        .collect();
    Ok(store.upsert_regions(&rows).await?)
}

/// The demo's circle, when the server runs on the demo's own extract: its OpenStreetMap
/// facilities registered in 海淀区 and the district's coverage computed, as the `haidian`
/// account would.
pub async fn load_demo(state: &AppState) -> Result<(), AppError> {
    if !matches!(state.network.source, Some(NetworkSource::Embedded { .. })) {
        return Ok(());
    }
    let Some(user) = state.store.user_by_username(DEMO_ACCOUNT).await? else {
        return Ok(());
    };
    let region = area(state, &user.region_code).await?;
    let admin = CurrentUser {
        role: Role::parse(&user.role).ok_or(AppError::NotFound)?,
        region_level: region.level,
        region_name: region.name,
        csrf: String::new(),
        user,
    };
    import_facilities(
        state,
        &admin,
        DEMO_DISTRICT,
        ImportFrom::Network,
        None,
        Datum::Wgs84,
        false,
    )
    .await?
    .map_err(|problems| internal(format!("demo facilities: {}", problems.join("; "))))?;
    recompute(state, &admin, DEMO_DISTRICT, WalkingSpeed::DEFAULT, false).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Who may do what

/// Staff and assessors see the facilities and coverage of regions inside their area.
pub fn may_view(user: &CurrentUser, code: &str) -> bool {
    user.role != Role::Resident && user.actor().covers(code)
}

/// Community workers and the administrators above them keep facilities of their area.
pub fn may_edit(user: &CurrentUser, region_code: &str) -> bool {
    matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
    ) && user.actor().covers(region_code)
}

/// Coverage is a district's figure (walks cross street lines): district and city
/// administrators compute it.
pub fn may_compute(user: &CurrentUser, district: &str) -> bool {
    matches!(user.role, Role::DistrictAdmin | Role::CityAdmin) && user.actor().covers(district)
}

/// Centres are rated by the district's leading group (fengze-centre: approval "district").
pub fn may_rate(user: &CurrentUser, community: &str) -> bool {
    may_compute(user, community)
}

fn outside_area(en: bool, code: &str) -> AppError {
    AppError::Forbidden(pick(
        en,
        format!("{code} 不在您的管辖范围内"),
        format!("{code} is outside your area"),
    ))
}

/// A region the circle pages work on: a city, district, street or community.
pub async fn area(state: &AppState, code: &str) -> Result<RegionRow, AppError> {
    match state.store.region(code).await? {
        Some(r)
            if matches!(
                r.level.as_str(),
                "city" | "district" | "street" | "community"
            ) =>
        {
            Ok(r)
        }
        _ => Err(AppError::NotFound),
    }
}

/// A region the user may see, or why not.
pub async fn viewable_area(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    en: bool,
) -> Result<RegionRow, AppError> {
    let row = area(state, code).await?;
    if may_view(user, &row.code) {
        Ok(row)
    } else {
        Err(outside_area(en, code))
    }
}

/// The subtree prefix of a region row.
pub fn prefix_of(row: &RegionRow) -> &str {
    region::subtree_prefix(&row.code, &row.level)
}

/// The district a district, street or community lies in.
pub fn district_of(row: &RegionRow) -> Option<String> {
    (row.level != "city")
        .then(|| region::district_of(&row.code))
        .flatten()
}

// ---------------------------------------------------------------------------------------------
// Conversions

/// A stored facility as the circle computes with it (unknown function keys are left out).
pub fn geo_facility(row: &FacilityRow) -> Facility {
    let mut functions: Vec<ServiceFunction> = row
        .functions
        .iter()
        .filter_map(|k| ServiceFunction::parse(k))
        .collect();
    normalise_functions(&mut functions);
    Facility {
        id: row.id.clone(),
        name: row.name.clone(),
        functions,
        location: LonLat {
            lon: from_e6(row.lon_e6),
            lat: from_e6(row.lat_e6),
        },
        hours: row.hours.clone(),
        capacity: row.capacity.and_then(|c| u32::try_from(c).ok()),
    }
}

pub fn function_keys(functions: &[ServiceFunction]) -> Vec<String> {
    functions.iter().map(|f| f.key().to_string()).collect()
}

/// A function key's name in the chosen language (the key itself when unknown; `all_six` is
/// "六项齐全").
pub fn function_name(key: &str, en: bool) -> String {
    if key == ALL_SIX {
        return pick(en, "六项齐全", "all six");
    }
    ServiceFunction::parse(key)
        .map(|f| f.name(en).to_string())
        .unwrap_or_else(|| key.to_string())
}

fn to_wgs(p: LonLat, datum: Datum) -> LonLat {
    if datum == Datum::Wgs84 {
        return p;
    }
    let q = to_wgs84(
        GeoPoint {
            lon: p.lon,
            lat: p.lat,
        },
        datum,
    );
    LonLat {
        lon: q.lon,
        lat: q.lat,
    }
}

/// Every `[lon, lat]` pair under a GeoJSON geometry, converted to WGS-84.
fn convert_coordinates(value: &mut Value, datum: Datum) {
    if datum == Datum::Wgs84 {
        return;
    }
    match value {
        Value::Array(items) => {
            let pair = items.len() >= 2 && items.iter().take(2).all(Value::is_number);
            if pair {
                if let (Some(lon), Some(lat)) = (items[0].as_f64(), items[1].as_f64()) {
                    let p = to_wgs(LonLat { lon, lat }, datum);
                    items[0] = json!(p.lon);
                    items[1] = json!(p.lat);
                }
            } else {
                for item in items {
                    convert_coordinates(item, datum);
                }
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                convert_coordinates(item, datum);
            }
        }
        _ => {}
    }
}

/// A registry problem as a person reads it: "第 3 行:…" / "line 3: …".
pub fn problem_text(problem: &RegistryProblem, en: bool) -> String {
    let message = if en { &problem.en } else { &problem.zh };
    match problem.place {
        Place::File => message.clone(),
        Place::Line(n) if en => format!("line {n}: {message}"),
        Place::Line(n) => format!("第 {n} 行:{message}"),
        Place::Feature(n) if en => format!("feature {n}: {message}"),
        Place::Feature(n) => format!("第 {n} 个要素:{message}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Which community a point lies in

/// Where a community's boundary came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundarySource {
    Uploaded,
    Grids,
    OsmName,
}

impl BoundarySource {
    pub fn label(self, en: bool) -> String {
        match self {
            BoundarySource::Uploaded => pick(en, "上传的边界", "uploaded boundary"),
            BoundarySource::Grids => pick(en, "网格范围", "its grids"),
            BoundarySource::OsmName => pick(
                en,
                "OpenStreetMap 同名小区",
                "OpenStreetMap compound of that name",
            ),
        }
    }
}

/// A community's name without its committee suffix, for matching OSM compound names.
pub fn normalise_name(name: &str) -> String {
    let name = name.trim();
    for suffix in [
        "社区居民委员会",
        "社区居委会",
        "居民委员会",
        "居委会",
        "村民委员会",
        "村委会",
        "社区",
    ] {
        if let Some(stem) = name.strip_suffix(suffix)
            && stem.chars().count() >= 2
        {
            return stem.to_string();
        }
    }
    name.to_string()
}

/// Finds the community of a point inside one district.
pub struct Locator {
    areas: CommunityAreas,
    osm_names: HashMap<String, String>,
    extract: Option<Arc<OsmExtract>>,
    /// Every community with a boundary, and where it came from.
    pub sources: BTreeMap<String, BoundarySource>,
    /// The district's communities by code.
    pub communities: BTreeMap<String, RegionRow>,
}

impl Locator {
    pub fn community_of(&self, p: LonLat) -> Option<String> {
        if let Some(i) = self.areas.community_of(p) {
            return self.areas.names().get(i as usize).cloned();
        }
        let extract = self.extract.as_ref()?;
        let i = extract.community_areas.community_of(p)?;
        let name = extract.community_areas.names().get(i as usize)?;
        self.osm_names.get(&normalise_name(name)).cloned()
    }

    pub fn has_any(&self) -> bool {
        !self.sources.is_empty()
    }
}

/// A stored boundary geometry as an area; None when it no longer reads.
pub fn boundary_area(geometry: &str) -> Result<Area, Vec<RegistryProblem>> {
    let geometry: Value = serde_json::from_str(geometry).map_err(|e| {
        vec![RegistryProblem {
            file: String::new(),
            place: Place::File,
            zh: format!("不是有效的 JSON:{e}"),
            en: format!("not valid JSON: {e}"),
        }]
    })?;
    let collection = json!({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "boundary"}, "geometry": geometry}],
    });
    let mut areas = parse_communities_geojson("boundary", &collection.to_string())?;
    areas.pop().map(|(_, area)| area).ok_or_else(Vec::new)
}

/// The district's community boundaries: uploaded ones, then grids, then OSM compound names.
pub async fn locator(
    state: &AppState,
    district: &RegionRow,
    extract: Option<Arc<OsmExtract>>,
) -> Result<Locator, AppError> {
    let communities: BTreeMap<String, RegionRow> = state
        .store
        .regions_within(district, "community")
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let mut areas: Vec<(String, Area)> = Vec::new();
    let mut sources = BTreeMap::new();
    for (code, geometry) in state
        .store
        .circle_boundaries_within(prefix_of(district))
        .await?
    {
        match boundary_area(&geometry) {
            Ok(area) if communities.contains_key(&code) => {
                areas.push((code.clone(), area));
                sources.insert(code, BoundarySource::Uploaded);
            }
            Ok(_) => {}
            Err(_) => tracing::warn!("stored circle boundary of {code} does not read"),
        }
    }
    for code in communities.keys() {
        if sources.contains_key(code) {
            continue;
        }
        let grids = state.store.grids_of(code).await?;
        let rings: Vec<Vec<LonLat>> = grids
            .iter()
            .flat_map(|g| g.area.polygons().iter())
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.holes().iter().map(Vec::as_slice)))
            .map(|ring| {
                ring.iter()
                    .map(|q| LonLat {
                        lon: q.lon,
                        lat: q.lat,
                    })
                    .collect()
            })
            .collect();
        if let Some(area) = Area::from_rings(&rings) {
            areas.push((code.clone(), area));
            sources.insert(code.clone(), BoundarySource::Grids);
        }
    }
    let mut osm_names = HashMap::new();
    if let Some(extract) = &extract {
        let present: HashSet<String> = extract
            .community_areas
            .names()
            .iter()
            .map(|n| normalise_name(n))
            .collect();
        for (code, row) in &communities {
            let name = normalise_name(&row.name);
            if !sources.contains_key(code) && present.contains(&name) {
                osm_names.insert(name, code.clone());
                sources.insert(code.clone(), BoundarySource::OsmName);
            }
        }
    }
    Ok(Locator {
        areas: CommunityAreas::new(areas),
        osm_names,
        extract,
        sources,
        communities,
    })
}

/// The network's extract if one is configured and reads; registry work goes on without it.
async fn optional_extract(state: &AppState) -> Option<Arc<OsmExtract>> {
    if !state.network.is_configured() {
        return None;
    }
    state.network.extract(false).await.ok()
}

// ---------------------------------------------------------------------------------------------
// Facilities typed in

/// A field that did not pass, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: &str, message: String) -> FieldError {
        FieldError {
            field: field.to_string(),
            message,
        }
    }
}

/// The add / edit form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacilityForm {
    pub name: String,
    pub functions: Vec<String>,
    pub lon: String,
    pub lat: String,
    /// `wgs84` (default), `gcj02` or `bd09`.
    pub datum: String,
    pub hours: String,
    pub capacity: String,
    /// A community code, or empty to place it by its position.
    pub community: String,
}

impl FacilityForm {
    /// From form fields (`functions` may repeat).
    pub fn from_fields(fields: &[(String, String)]) -> FacilityForm {
        let one = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        FacilityForm {
            name: one("name"),
            functions: fields
                .iter()
                .filter(|(k, _)| k == "functions")
                .map(|(_, v)| v.clone())
                .collect(),
            lon: one("lon"),
            lat: one("lat"),
            datum: one("datum"),
            hours: one("hours"),
            capacity: one("capacity"),
            community: one("community"),
        }
    }

    pub fn of_row(row: &FacilityRow) -> FacilityForm {
        FacilityForm {
            name: row.name.clone(),
            functions: row.functions.clone(),
            lon: format!("{}", from_e6(row.lon_e6)),
            lat: format!("{}", from_e6(row.lat_e6)),
            datum: "wgs84".into(),
            hours: row.hours.clone().unwrap_or_default(),
            capacity: row.capacity.map(|c| c.to_string()).unwrap_or_default(),
            community: row.community_code.clone().unwrap_or_default(),
        }
    }
}

const MAX_NAME_CHARS: usize = 100;
const MAX_HOURS_CHARS: usize = 200;

/// The fields of a facility, checked: name, functions, WGS-84 position, hours, capacity.
pub struct CheckedFacility {
    pub name: String,
    pub functions: Vec<ServiceFunction>,
    pub location: LonLat,
    pub hours: Option<String>,
    pub capacity: Option<u32>,
}

/// Checks a typed facility; every problem is reported with its field.
pub fn check_facility(form: &FacilityForm, en: bool) -> Result<CheckedFacility, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            pick(en, "请填写设施名称", "enter the facility's name"),
        ));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            pick(
                en,
                format!("名称不能超过 {MAX_NAME_CHARS} 个字"),
                format!("the name is longer than {MAX_NAME_CHARS} characters"),
            ),
        ));
    }
    let mut functions = Vec::new();
    for text in &form.functions {
        match ServiceFunction::parse(text) {
            Some(f) => functions.push(f),
            None => errors.push(FieldError::new(
                "functions",
                pick(
                    en,
                    format!("未知的服务功能 {text:?}"),
                    format!("unknown service function {text:?}"),
                ),
            )),
        }
    }
    if form.functions.is_empty() {
        errors.push(FieldError::new(
            "functions",
            pick(
                en,
                "请至少选择一项服务功能",
                "choose at least one service function",
            ),
        ));
    }
    normalise_functions(&mut functions);
    let datum = match form.datum.trim() {
        "" => Some(Datum::Wgs84),
        text => Datum::parse(text),
    };
    if datum.is_none() {
        errors.push(FieldError::new(
            "datum",
            pick(en, "请选择坐标系", "choose the coordinate system"),
        ));
    }
    let number =
        |text: &str, field: &str, zh: &str, en_name: &str, errors: &mut Vec<FieldError>| {
            let text = text.trim();
            if text.is_empty() {
                errors.push(FieldError::new(
                    field,
                    pick(en, format!("请填写{zh}"), format!("enter the {en_name}")),
                ));
                return None;
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    errors.push(FieldError::new(
                        field,
                        pick(
                            en,
                            format!("{zh} {text:?} 不是数字"),
                            format!("{en_name} {text:?} is not a number"),
                        ),
                    ));
                    None
                }
            }
        };
    let lon = number(&form.lon, "lon", "经度", "longitude", &mut errors);
    let lat = number(&form.lat, "lat", "纬度", "latitude", &mut errors);
    let mut location = None;
    if let (Some(lon), Some(lat)) = (lon, lat) {
        if !(-180.0..=180.0).contains(&lon) {
            errors.push(FieldError::new(
                "lon",
                pick(
                    en,
                    format!("经度 {lon} 不在 -180 到 180 之间"),
                    format!("longitude {lon} is not within -180 to 180"),
                ),
            ));
        } else if !(-90.0..=90.0).contains(&lat) {
            errors.push(FieldError::new(
                "lat",
                pick(
                    en,
                    format!("纬度 {lat} 不在 -90 到 90 之间"),
                    format!("latitude {lat} is not within -90 to 90"),
                ),
            ));
        } else if let Some(datum) = datum {
            location = Some(to_wgs(LonLat { lon, lat }, datum));
        }
    }
    let hours = form.hours.trim().to_string();
    if hours.chars().count() > MAX_HOURS_CHARS {
        errors.push(FieldError::new(
            "hours",
            pick(
                en,
                format!("开放时间不能超过 {MAX_HOURS_CHARS} 个字"),
                format!("opening hours are longer than {MAX_HOURS_CHARS} characters"),
            ),
        ));
    }
    let capacity = match form.capacity.trim() {
        "" => Some(None),
        text => match text.parse::<u32>() {
            Ok(c) => Some(Some(c)),
            Err(_) => {
                errors.push(FieldError::new(
                    "capacity",
                    pick(
                        en,
                        format!("容量 {text:?} 不是非负整数"),
                        format!("capacity {text:?} is not a whole number"),
                    ),
                ));
                None
            }
        },
    };
    match (errors.is_empty(), location, capacity) {
        (true, Some(location), Some(capacity)) => Ok(CheckedFacility {
            name,
            functions,
            location,
            hours: (!hours.is_empty()).then_some(hours),
            capacity,
        }),
        _ => Err(errors),
    }
}

/// The community and keeping region of a facility at `location` registered in `area`: the
/// community chosen, else the one it lies in, else the area itself.
async fn place_in_area(
    state: &AppState,
    user: &CurrentUser,
    area: &RegionRow,
    chosen: &str,
    location: LonLat,
    en: bool,
) -> Result<Result<(Option<String>, String), FieldError>, AppError> {
    let chosen = chosen.trim();
    if !chosen.is_empty() {
        let ok = match state.store.region(chosen).await? {
            Some(r) => {
                r.level == "community"
                    && region::within(chosen, &area.code, &area.level)
                    && may_edit(user, chosen)
            }
            None => false,
        };
        return Ok(if ok {
            Ok((Some(chosen.to_string()), chosen.to_string()))
        } else {
            Err(FieldError::new(
                "community",
                pick(
                    en,
                    format!("社区 {chosen} 不在 {} 内或不在您的管辖范围内", area.name),
                    format!(
                        "community {chosen} is not in {} or not in your area",
                        area.name
                    ),
                ),
            ))
        });
    }
    if area.level == "community" {
        return Ok(Ok((Some(area.code.clone()), area.code.clone())));
    }
    let Some(district_code) = district_of(area) else {
        return Ok(Ok((None, area.code.clone())));
    };
    let district = self::area(state, &district_code).await?;
    let locator = locator(state, &district, optional_extract(state).await).await?;
    Ok(match locator.community_of(location) {
        Some(code) if region::within(&code, &area.code, &area.level) && may_edit(user, &code) => {
            Ok((Some(code.clone()), code))
        }
        Some(code) => Err(FieldError::new(
            "lon",
            pick(
                en,
                format!(
                    "这个位置在{}({code})内,不在 {} 或您的管辖范围内",
                    locator
                        .communities
                        .get(&code)
                        .map(|r| r.name.as_str())
                        .unwrap_or(""),
                    area.name
                ),
                format!(
                    "this position lies in community {code}, outside {} or your area",
                    area.name
                ),
            ),
        )),
        None => Ok((None, area.code.clone())),
    })
}

/// Adds a facility typed into the form for `area_code`; returns its id.
pub async fn create_facility(
    state: &AppState,
    user: &CurrentUser,
    area_code: &str,
    form: &FacilityForm,
    en: bool,
) -> Result<Result<String, Vec<FieldError>>, AppError> {
    let area = viewable_area(state, user, area_code, en).await?;
    let Some(district) = district_of(&area) else {
        return Err(AppError::BadRequest(pick(
            en,
            "请在区、街道或社区页面登记设施",
            "register facilities on a district, street or community page",
        )));
    };
    if !may_edit(user, &area.code) {
        return Err(AppError::Forbidden(pick(
            en,
            "只有社区工作者及其上级管理员可以登记设施",
            "only community workers and the administrators above them register facilities",
        )));
    }
    let checked = match check_facility(form, en) {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    let (community, region_code) =
        match place_in_area(state, user, &area, &form.community, checked.location, en).await? {
            Ok(placed) => placed,
            Err(error) => return Ok(Err(vec![error])),
        };
    let input = FacilityInput {
        district_code: district,
        region_code,
        community_code: community,
        name: checked.name,
        functions: function_keys(&checked.functions),
        lon_e6: to_e6(checked.location.lon),
        lat_e6: to_e6(checked.location.lat),
        hours: checked.hours,
        capacity: checked.capacity.map(i64::from),
        source: "manual".into(),
        source_ref: None,
    };
    let id = state
        .store
        .add_facility(&input, &user.user.username, now_ms())
        .await?;
    Ok(Ok(id))
}

/// A facility the user may see, or why not.
pub async fn viewable_facility(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    en: bool,
) -> Result<FacilityRow, AppError> {
    let row = state.store.facility(id).await?.ok_or(AppError::NotFound)?;
    if may_view(user, &row.region_code) {
        Ok(row)
    } else {
        Err(outside_area(en, &row.region_code))
    }
}

/// Changes a facility's fields (its district and source stay) if it is still at `read_at`, the
/// version the edit form was read at; otherwise [`AppError::Stale`] and nothing is written.
pub async fn update_facility(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    (form, read_at): (&FacilityForm, i64),
    en: bool,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let row = viewable_facility(state, user, id, en).await?;
    if !may_edit(user, &row.region_code) {
        return Err(AppError::Forbidden(pick(
            en,
            "您不能修改这个设施",
            "you may not change this facility",
        )));
    }
    let checked = match check_facility(form, en) {
        Ok(c) => c,
        Err(errors) => return Ok(Err(errors)),
    };
    // Placed within the user's own area (a city administrator's: the facility's district).
    let keeper = if matches!(user.region_level.as_str(), "city" | "province") {
        area(state, &row.district_code).await?
    } else {
        area(state, &user.user.region_code).await?
    };
    let (community, region_code) =
        match place_in_area(state, user, &keeper, &form.community, checked.location, en).await? {
            Ok(placed) => placed,
            Err(error) => return Ok(Err(vec![error])),
        };
    let input = FacilityInput {
        district_code: row.district_code.clone(),
        region_code,
        community_code: community,
        name: checked.name,
        functions: function_keys(&checked.functions),
        lon_e6: to_e6(checked.location.lon),
        lat_e6: to_e6(checked.location.lat),
        hours: checked.hours,
        capacity: checked.capacity.map(i64::from),
        source: row.source.clone(),
        source_ref: row.source_ref.clone(),
    };
    match state
        .store
        .update_facility(id, read_at, &input, &user.user.username, now_ms())
        .await?
    {
        FacilityUpdate::Updated => Ok(Ok(())),
        FacilityUpdate::NotFound => Err(AppError::NotFound),
        FacilityUpdate::Stale(now) => Err(stale_facility(state, en, &now).await),
    }
}

/// The refusal of a facility form read before the facility's last change.
pub async fn stale_facility(state: &AppState, en: bool, now: &FacilityRow) -> AppError {
    versions::stale(
        state,
        en,
        versions::FACILITY,
        now.version,
        Some(&now.updated_by),
        Some(now.updated_at),
    )
    .await
}

/// Deletes a facility that is not a centre.
pub async fn delete_facility(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    read_at: Option<i64>,
    en: bool,
) -> Result<FacilityRow, AppError> {
    let row = viewable_facility(state, user, id, en).await?;
    if !may_edit(user, &row.region_code) {
        return Err(AppError::Forbidden(pick(
            en,
            "您不能删除这个设施",
            "you may not delete this facility",
        )));
    }
    match state
        .store
        .delete_facility(id, read_at, &user.user.username, now_ms())
        .await?
    {
        xingfu_store::facilities::Deleted::Deleted => Ok(row),
        xingfu_store::facilities::Deleted::NotFound => Err(AppError::NotFound),
        xingfu_store::facilities::Deleted::Stale(now) => Err(stale_facility(state, en, &now).await),
        xingfu_store::facilities::Deleted::IsCentre => Err(AppError::Conflict(pick(
            en,
            "这是邻里中心:请先取消邻里中心标记",
            "this is a neighbourhood centre: remove the centre first",
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Imports

/// Where imported facilities come from.
pub enum ImportFrom {
    /// An uploaded file: CSV, GeoJSON or .osm.pbf, told apart by content.
    Upload(Vec<u8>),
    /// The points of interest of the server's street network.
    Network,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub added: usize,
    pub updated: usize,
    /// OpenStreetMap points outside the area's communities, left out.
    pub skipped: usize,
    /// `csv`, `geojson` or `osm`.
    pub format: &'static str,
}

/// An .osm.pbf file starts with a 4-byte header length, then a BlobHeader whose first field
/// (tag 0x0a, 9 bytes) is the block type "OSMHeader".
fn is_pbf(bytes: &[u8]) -> bool {
    bytes.len() >= 15 && bytes[4] == 0x0a && bytes[5] == 9 && &bytes[6..15] == b"OSMHeader"
}

/// Registry ids the parser makes up for rows without one (`line3`, `feature2`).
fn is_generated_id(id: &str) -> bool {
    let digits = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    id.strip_prefix("line").is_some_and(digits) || id.strip_prefix("feature").is_some_and(digits)
}

/// Imports facilities into `area_code`: parsed, placed in communities, checked against the
/// user's area, then saved in one transaction. Problems name their line or feature; with any
/// problem nothing is saved.
pub async fn import_facilities(
    state: &AppState,
    user: &CurrentUser,
    area_code: &str,
    from: ImportFrom,
    community: Option<&str>,
    datum: Datum,
    en: bool,
) -> Result<Result<ImportOutcome, Vec<String>>, AppError> {
    let area = viewable_area(state, user, area_code, en).await?;
    let Some(district_code) = district_of(&area) else {
        return Err(AppError::BadRequest(pick(
            en,
            "请在区、街道或社区页面导入设施",
            "import facilities on a district, street or community page",
        )));
    };
    if !may_edit(user, &area.code) {
        return Err(AppError::Forbidden(pick(
            en,
            "只有社区工作者及其上级管理员可以导入设施",
            "only community workers and the administrators above them import facilities",
        )));
    }
    // The extract an OpenStreetMap import comes from also names its compounds (for placing).
    let mut own_extract: Option<Arc<OsmExtract>> = None;
    let (format, parsed): (&'static str, Result<Vec<Facility>, Vec<String>>) = match from {
        ImportFrom::Network => {
            let extract = state.network.extract(en).await?;
            let facilities = extract.facilities.clone();
            own_extract = Some(extract);
            ("osm", Ok(facilities))
        }
        ImportFrom::Upload(bytes) if is_pbf(&bytes) => {
            let read = tokio::task::spawn_blocking(move || {
                import_bytes("upload.osm.pbf", &bytes, &osm_options()).map(Arc::new)
            })
            .await
            .map_err(|e| internal(format!("reading an uploaded extract: {e}")))?;
            if let Ok(extract) = &read {
                own_extract = Some(extract.clone());
            }
            (
                "osm",
                read.map(|e| e.facilities.clone()).map_err(|e| {
                    vec![pick(
                        en,
                        format!("无法读取 OpenStreetMap 文件:{e}"),
                        format!("cannot read the OpenStreetMap file: {e}"),
                    )]
                }),
            )
        }
        ImportFrom::Upload(bytes) => match String::from_utf8(bytes) {
            Err(_) => (
                "csv",
                Err(vec![pick(
                    en,
                    "文件不是 UTF-8 编码的文本(CSV 请另存为 UTF-8)",
                    "the file is not UTF-8 text (save the CSV as UTF-8)",
                )]),
            ),
            Ok(text) => {
                let body = text.trim_start_matches('\u{feff}').trim_start();
                let (format, read) = if body.starts_with('{') {
                    let converted = match serde_json::from_str::<Value>(body) {
                        Ok(mut value) => {
                            if let Some(features) = value.get_mut("features") {
                                for feature in features.as_array_mut().into_iter().flatten() {
                                    if let Some(g) = feature.get_mut("geometry") {
                                        convert_coordinates(g, datum);
                                    }
                                }
                            }
                            value.to_string()
                        }
                        Err(_) => body.to_string(),
                    };
                    ("geojson", parse_facilities_geojson("upload", &converted))
                } else {
                    let read = parse_facilities_csv("upload", &text).map(|mut list| {
                        for f in &mut list {
                            f.location = to_wgs(f.location, datum);
                        }
                        list
                    });
                    ("csv", read)
                };
                (
                    format,
                    read.map_err(|problems| problems.iter().map(|p| problem_text(p, en)).collect()),
                )
            }
        },
    };
    let facilities = match parsed {
        Ok(list) => list,
        Err(problems) => return Ok(Err(problems)),
    };
    let chosen = match community.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let ok = state.store.region(code).await?.is_some_and(|r| {
                r.level == "community" && region::within(code, &area.code, &area.level)
            }) && may_edit(user, code);
            if !ok {
                return Ok(Err(vec![pick(
                    en,
                    format!("社区 {code} 不在 {} 内或不在您的管辖范围内", area.name),
                    format!(
                        "community {code} is not in {} or not in your area",
                        area.name
                    ),
                )]));
            }
            Some(code.to_string())
        }
        None if area.level == "community" => Some(area.code.clone()),
        None => None,
    };
    let district = self::area(state, &district_code).await?;
    let extract = match own_extract {
        Some(extract) => Some(extract),
        None => optional_extract(state).await,
    };
    let locator = locator(state, &district, extract).await?;
    let existing = state.store.facility_refs(&district_code).await?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut skipped = 0usize;
    for facility in facilities {
        let label = format!("{}({})", facility.id, facility.name);
        let located = chosen
            .clone()
            .or_else(|| locator.community_of(facility.location));
        let inside = |code: &str| region::within(code, &area.code, &area.level);
        let (community, region_code) = match located {
            Some(code) if inside(&code) && may_edit(user, &code) => (Some(code.clone()), code),
            Some(code) => {
                if format == "osm" {
                    skipped += 1;
                    continue;
                }
                problems.push(pick(
                    en,
                    format!(
                        "{label}:位于社区 {code},不在 {} 或您的管辖范围内",
                        area.name
                    ),
                    format!(
                        "{label}: lies in community {code}, outside {} or your area",
                        area.name
                    ),
                ));
                continue;
            }
            None if format == "osm" && area.level != "district" => {
                skipped += 1;
                continue;
            }
            None => (None, area.code.clone()),
        };
        let source_ref = match format {
            "osm" => Some(facility.id.clone()),
            _ if is_generated_id(&facility.id) => None,
            _ => Some(facility.id.clone()),
        };
        if let Some(kept_by) = source_ref.as_ref().and_then(|r| existing.get(r))
            && !may_edit(user, kept_by)
        {
            if format == "osm" {
                skipped += 1;
            } else {
                problems.push(pick(
                    en,
                    format!("{label}:编号已由 {kept_by} 登记,您不能修改"),
                    format!("{label}: this id is registered by {kept_by}; you may not change it"),
                ));
            }
            continue;
        }
        rows.push(FacilityInput {
            district_code: district_code.clone(),
            region_code,
            community_code: community,
            name: facility.name.clone(),
            functions: function_keys(&facility.functions),
            lon_e6: to_e6(facility.location.lon),
            lat_e6: to_e6(facility.location.lat),
            hours: facility.hours.clone(),
            capacity: facility.capacity.map(i64::from),
            source: format.to_string(),
            source_ref,
        });
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    // OSM names are free text and may be empty; the registry's are checked by the parser.
    for row in &mut rows {
        if row.name.trim().is_empty() {
            row.name = row
                .functions
                .first()
                .map_or_else(|| "?".to_string(), |k| function_name(k, en));
        }
    }
    let ImportCount { added, updated } = state
        .store
        .import_facilities(&district_code, &rows, &user.user.username, now_ms())
        .await?;
    Ok(Ok(ImportOutcome {
        added,
        updated,
        skipped,
        format,
    }))
}

// ---------------------------------------------------------------------------------------------
// Boundaries

/// Saves community boundaries for the circle from a GeoJSON FeatureCollection: each feature a
/// Polygon or MultiPolygon whose `code` (or `编号`) is a community code, or whose `name`
/// (`名称`) is a community's name, in `district_code`. Returns how many were saved.
pub async fn save_boundaries(
    state: &AppState,
    user: &CurrentUser,
    district_code: &str,
    text: &str,
    datum: Datum,
    en: bool,
) -> Result<Result<usize, Vec<String>>, AppError> {
    let district = viewable_area(state, user, district_code, en).await?;
    if district.level != "district" || !may_compute(user, &district.code) {
        return Err(AppError::Forbidden(pick(
            en,
            "社区边界由区级或市级管理员上传",
            "community boundaries are uploaded by district or city administrators",
        )));
    }
    let whole = |zh: &str, english: &str| Ok(Err(vec![pick(en, zh, english)]));
    let value: Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(e) => {
            return Ok(Err(vec![pick(
                en,
                format!("第 {} 行:不是有效的 JSON:{e}", e.line()),
                format!("line {}: not valid JSON: {e}", e.line()),
            )]));
        }
    };
    let Some(features) = value.get("features").and_then(Value::as_array) else {
        return whole(
            "不是 GeoJSON FeatureCollection",
            "not a GeoJSON FeatureCollection",
        );
    };
    let communities = state.store.regions_within(&district, "community").await?;
    let mut problems = Vec::new();
    let mut saved = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let n = i + 1;
        let properties = feature.get("properties").unwrap_or(&Value::Null);
        let text_of = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| properties.get(*k).and_then(Value::as_str))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let found = match (text_of(&["code", "编号"]), text_of(&["name", "名称"])) {
            (Some(code), _) => communities.iter().find(|c| c.code == code),
            (None, Some(name)) => communities
                .iter()
                .find(|c| c.name == name || normalise_name(&c.name) == normalise_name(name)),
            (None, None) => None,
        };
        let Some(community) = found else {
            problems.push(pick(
                en,
                format!(
                    "第 {n} 个要素:没有找到 {} 内对应的社区(需要 code 或 name)",
                    district.name
                ),
                format!(
                    "feature {n}: no community of {} matches (code or name needed)",
                    district.name
                ),
            ));
            continue;
        };
        let mut geometry = feature.get("geometry").cloned().unwrap_or(Value::Null);
        convert_coordinates(&mut geometry, datum);
        let geometry_text = geometry.to_string();
        match boundary_area(&geometry_text) {
            Ok(_) => saved.push((community.code.clone(), geometry_text)),
            Err(found) => {
                for p in found {
                    let message = if en { p.en } else { p.zh };
                    problems.push(pick(
                        en,
                        format!("第 {n} 个要素:{message}"),
                        format!("feature {n}: {message}"),
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    if saved.is_empty() {
        return whole("文件中没有边界", "the file holds no boundary");
    }
    state
        .store
        .save_circle_boundaries(&saved, &user.user.username, now_ms())
        .await?;
    Ok(Ok(saved.len()))
}

// ---------------------------------------------------------------------------------------------
// Coverage

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

impl<'de> serde::Deserialize<'de> for BoundarySource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "uploaded" => Ok(BoundarySource::Uploaded),
            "grids" => Ok(BoundarySource::Grids),
            "osm_name" => Ok(BoundarySource::OsmName),
            other => Err(serde::de::Error::custom(format!(
                "unknown boundary source {other}"
            ))),
        }
    }
}

/// The homes a district's figures count, with their community (index into the code list).
struct Scope {
    origins: Vec<Origin>,
    codes: Vec<String>,
    scope: &'static str,
}

fn scope_of(extract: &OsmExtract, locator: &Locator) -> Scope {
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
    en: bool,
) -> Result<CircleRun, AppError> {
    let district = viewable_area(state, user, district_code, en).await?;
    if district.level != "district" {
        return Err(AppError::BadRequest(pick(
            en,
            "覆盖率按区计算",
            "coverage is computed per district",
        )));
    }
    if !may_compute(user, &district.code) {
        return Err(AppError::Forbidden(pick(
            en,
            "覆盖率由区级或市级管理员计算",
            "coverage is computed by district or city administrators",
        )));
    }
    let extract = state.network.extract(en).await?;
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
        return Err(AppError::Conflict(pick(
            en,
            format!(
                "路网文件 {} 不覆盖{}登记的任何设施:请用本区的路网启动服务器",
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
    let locator = locator(state, &district, Some(extract.clone())).await?;
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
        computed_by: user.user.username.clone(),
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

/// A community's circle figures as metric values for standards' `metric` clauses:
/// `circle.share_within_15min` (all six within 15 minutes), `circle.all_six.share` (the same)
/// and `circle.<function>.share` for every function, percentages. Empty when nothing is stored
/// for the community. Callers check who may see them.
pub async fn circle_metrics(
    state: &AppState,
    community_code: &str,
) -> Result<Vec<(String, Dec2)>, AppError> {
    let mut values = Vec::new();
    for row in state.store.circle_coverage_of_area(community_code).await? {
        let share = Dec2(row.share);
        if row.function == ALL_SIX {
            values.push((WITHIN_15_MIN_METRIC.to_string(), share));
            values.push((ALL_SIX_SHARE_METRIC.to_string(), share));
        } else if let Some(function) = ServiceFunction::parse(&row.function) {
            values.push((function.share_metric_key(), share));
        }
    }
    values.sort();
    Ok(values)
}

// ---------------------------------------------------------------------------------------------
// Siting

/// One suggested site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteSuggestion {
    pub rank: usize,
    pub lon: f64,
    pub lat: f64,
    /// The community the site lies in, when known.
    pub community: Option<String>,
    /// Homes newly within reach.
    pub gain: u64,
    /// Homes within reach once this and the sites before it are built.
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
    en: bool,
) -> Result<SitingOutcome, AppError> {
    let district = viewable_area(state, user, district_code, en).await?;
    if district.level != "district" {
        return Err(AppError::BadRequest(pick(
            en,
            "选址建议按区计算",
            "siting is computed per district",
        )));
    }
    let count = count.clamp(1, MAX_SITES);
    let extract = state.network.extract(en).await?;
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

// ---------------------------------------------------------------------------------------------
// Centres and their ratings

/// Flags a facility as a neighbourhood centre serving `community` (its own by default).
pub async fn flag_centre(
    state: &AppState,
    user: &CurrentUser,
    facility_id: &str,
    read_at: Option<i64>,
    community: &str,
    service_area: &str,
    en: bool,
) -> Result<Result<(), Vec<FieldError>>, AppError> {
    let row = viewable_facility(state, user, facility_id, en).await?;
    let community = match community.trim() {
        "" => row.community_code.clone().unwrap_or_default(),
        code => code.to_string(),
    };
    let mut errors = Vec::new();
    let known = match state.store.region(&community).await? {
        Some(r) => r.level == "community",
        None => false,
    };
    let same_district = row
        .district_code
        .get(..6)
        .is_some_and(|district| community.starts_with(district));
    if !known || !same_district {
        errors.push(FieldError::new(
            "centre_community",
            pick(
                en,
                "请选择邻里中心服务的社区(与设施同一个区)",
                "choose the community the centre serves (in the facility's district)",
            ),
        ));
    } else if !may_edit(user, &community) || !may_edit(user, &row.region_code) {
        return Err(outside_area(en, &community));
    }
    let service_area = service_area.trim();
    if service_area.chars().count() > MAX_HOURS_CHARS {
        errors.push(FieldError::new(
            "service_area",
            pick(
                en,
                format!("服务范围不能超过 {MAX_HOURS_CHARS} 个字"),
                format!("the service area is longer than {MAX_HOURS_CHARS} characters"),
            ),
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    match state
        .store
        .flag_centre(
            facility_id,
            read_at,
            &community,
            service_area,
            &user.user.username,
            now_ms(),
        )
        .await?
    {
        Flagged::Done => Ok(Ok(())),
        Flagged::NotFound => Err(AppError::NotFound),
        Flagged::Stale(now) => Err(stale_facility(state, en, &now).await),
    }
}

/// A centre the user may see, with its community.
pub async fn viewable_centre(
    state: &AppState,
    user: &CurrentUser,
    facility_id: &str,
    en: bool,
) -> Result<(CentreRow, RegionRow), AppError> {
    let centre = state
        .store
        .centre(facility_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_view(user, &centre.community_code) {
        return Err(outside_area(en, &centre.community_code));
    }
    let community = area(state, &centre.community_code).await?;
    Ok((centre, community))
}

/// A satisfaction rate the platform's surveys give for a community.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyRate {
    pub round_id: String,
    pub year: i64,
    pub rate: Dec2,
    pub respondents: u64,
}

/// What the platform knows for a centre's rating.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlatformFigures {
    /// Volunteer activities held in the community in the year.
    pub activities: Option<Dec2>,
    /// People served by them.
    pub people_served: Option<Dec2>,
    pub surveys: Vec<SurveyRate>,
    /// The community's circle metrics.
    pub circle: BTreeMap<String, Dec2>,
}

/// The platform's figure a numeric clause's measure stands for (fengze-centre's wording).
pub fn platform_measure(measure: &str) -> Option<&'static str> {
    match measure {
        "年度活动开展量" => Some("activities.count"),
        "年度服务群众量" => Some("people_served.count"),
        _ => None,
    }
}

/// The rating year as [start, end) in China time.
fn year_bounds(year: i64) -> Option<(i64, i64)> {
    let day = |year: i64| {
        xingfu_core::dates::parse_day(&format!("{year}-01-01"))
            .ok()
            .map(xingfu_core::dates::Moment::unix_ms)
    };
    Some((day(year)?, day(year + 1)?))
}

/// The year (China time) a moment falls in; 2000 or 2100 outside those years.
pub fn year_of(ms: i64) -> i64 {
    let mut year = 2000;
    while year < 2100 && year_bounds(year + 1).is_some_and(|(start, _)| start <= ms) {
        year += 1;
    }
    year
}

/// The satisfaction rates of the rounds with a survey covering the community (newest first);
/// a round below its quota, or without answers from the community, is left out.
async fn survey_rates(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    en: bool,
) -> Result<Vec<SurveyRate>, AppError> {
    let mut rates = Vec::new();
    for round in state.store.rounds_overlapping(community).await? {
        if crate::surveys::service::round_survey(state, &round.id)
            .await?
            .is_none()
        {
            continue;
        }
        let lang = if en {
            crate::i18n::Lang::En
        } else {
            crate::i18n::Lang::Zh
        };
        let Ok(results) =
            crate::surveys::results::area_results(state, user, &round.id, Some(community), lang)
                .await
        else {
            continue;
        };
        let Ok(report) = xingfu_core::survey::results::report(
            &results.survey.questionnaire,
            &results.tally,
            None,
            results.quota,
        ) else {
            continue;
        };
        if report.quota.is_some_and(|q| !q.met) {
            continue;
        }
        if let Some(rate) = report.overall.percent {
            rates.push(SurveyRate {
                round_id: round.id.clone(),
                year: round.year,
                rate,
                respondents: report.respondents,
            });
        }
    }
    Ok(rates)
}

/// What the platform offers for a centre's rating in `year`.
pub async fn platform_figures(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    year: i64,
    en: bool,
) -> Result<PlatformFigures, AppError> {
    let mut figures = PlatformFigures::default();
    if let Some((from, to)) = year_bounds(year) {
        for (key, value) in
            crate::people::service::people_metrics(state, community, from, to).await?
        {
            match key {
                "activities.count" => figures.activities = Some(value),
                "people_served.count" => figures.people_served = Some(value),
                _ => {}
            }
        }
    }
    figures.surveys = survey_rates(state, user, community, en).await?;
    figures.circle = circle_metrics(state, community)
        .await?
        .into_iter()
        .collect();
    Ok(figures)
}

/// The stored standard centres are rated with: its newest version, or the one asked for.
pub async fn centre_standard(
    state: &AppState,
    version: Option<&str>,
    en: bool,
) -> Result<Arc<Standard>, AppError> {
    let stored = state.store.stored_standards().await?;
    let version = match version.filter(|v| !v.is_empty()) {
        Some(v) => v.to_string(),
        None => stored
            .iter()
            .filter(|s| s.id == CENTRE_STANDARD)
            .max_by_key(|s| s.loaded_at)
            .map(|s| s.version.clone())
            .ok_or_else(|| {
                AppError::Conflict(pick(
                    en,
                    format!("没有载入标准 {CENTRE_STANDARD}"),
                    format!("the standard {CENTRE_STANDARD} is not loaded"),
                ))
            })?,
    };
    state.standard(CENTRE_STANDARD, &version).await
}

/// One clause's answer as recorded: the answer and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<Dec2>,
    /// `entered`, `platform`, `survey:<round>` or `circle`.
    pub source: String,
}

/// Reads the rating form: `year`, and per clause `c.<id>` (the answer) and `src.<id>` (where a
/// figure comes from: `platform`, `survey:<round>` or `entered`).
pub fn read_rating_form(
    standard: &Standard,
    fields: &[(String, String)],
    figures: &PlatformFigures,
    en: bool,
) -> Result<(Assessment, BTreeMap<String, RecordedAnswer>), Vec<FieldError>> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let mut assessment = Assessment {
        metrics: figures.circle.clone(),
        ..Assessment::default()
    };
    let mut recorded = BTreeMap::new();
    let number_of = |text: &str, name: &str, errors: &mut Vec<FieldError>| -> Option<Dec2> {
        match Dec2::parse(text) {
            Ok(v) if !v.is_negative() => Some(v),
            _ => {
                errors.push(FieldError::new(
                    name,
                    pick(
                        en,
                        format!("{text:?} 不是非负数(最多两位小数)"),
                        format!("{text:?} is not a non-negative number (two decimals at most)"),
                    ),
                ));
                None
            }
        }
    };
    for (key, _) in fields {
        if let Some(id) = key.strip_prefix("c.").or_else(|| key.strip_prefix("src."))
            && standard.clause(id).is_none()
        {
            errors.push(FieldError::new(
                key,
                pick(
                    en,
                    format!("标准 {} 中没有条款 {id}", standard.id),
                    format!("standard {} has no clause {id}", standard.id),
                ),
            ));
        }
    }
    for clause in standard.clauses() {
        let id = &clause.id;
        let name = format!("c.{id}");
        let value = field(&name);
        let source = field(&format!("src.{id}"));
        let answer = match &clause.judge {
            Judge::Metric { metric, .. } => {
                if let Some(v) = figures.circle.get(metric) {
                    recorded.insert(
                        id.clone(),
                        RecordedAnswer {
                            met: None,
                            number: Some(*v),
                            source: "circle".into(),
                        },
                    );
                }
                continue;
            }
            _ if clause.veto || matches!(clause.judge, Judge::Met) => match value.as_str() {
                "" => None,
                "yes" => Some((Answer::met(true), "entered".to_string())),
                "no" => Some((Answer::met(false), "entered".to_string())),
                other => {
                    errors.push(FieldError::new(
                        &name,
                        pick(
                            en,
                            format!("无效的选择 {other:?}"),
                            format!("invalid choice {other:?}"),
                        ),
                    ));
                    None
                }
            },
            Judge::Numeric { measure, .. } if source == "platform" => {
                let figure = match platform_measure(measure) {
                    Some("activities.count") => figures.activities,
                    Some("people_served.count") => figures.people_served,
                    _ => None,
                };
                match figure {
                    Some(v) => Some((Answer::number(v), "platform".to_string())),
                    None => {
                        errors.push(FieldError::new(
                            &name,
                            pick(
                                en,
                                "平台没有这项数据,请填报",
                                "the platform has no such figure: enter it",
                            ),
                        ));
                        None
                    }
                }
            }
            Judge::Survey { .. } if source.starts_with("survey:") => {
                let round = &source["survey:".len()..];
                match figures.surveys.iter().find(|s| s.round_id == round) {
                    Some(s) => Some((Answer::number(s.rate), source.clone())),
                    None => {
                        errors.push(FieldError::new(
                            &name,
                            pick(
                                en,
                                "所选调查没有可用的满意率",
                                "the chosen survey has no usable rate",
                            ),
                        ));
                        None
                    }
                }
            }
            _ if value.is_empty() => None,
            _ => number_of(&value, &name, &mut errors)
                .map(|v| (Answer::number(v), "entered".to_string())),
        };
        if let Some((answer, source)) = answer {
            recorded.insert(
                id.clone(),
                RecordedAnswer {
                    met: answer.met,
                    number: answer.number,
                    source,
                },
            );
            assessment.answers.insert(id.clone(), answer);
        }
    }
    if errors.is_empty() {
        Ok((assessment, recorded))
    } else {
        Err(errors)
    }
}

/// Rates a centre for a year with the fengze-centre standard and stores the rating.
pub async fn rate_centre(
    state: &AppState,
    user: &CurrentUser,
    facility_id: &str,
    fields: &[(String, String)],
    en: bool,
) -> Result<Result<RatingRow, Vec<FieldError>>, AppError> {
    let (centre, community) = viewable_centre(state, user, facility_id, en).await?;
    if !may_rate(user, &community.code) {
        return Err(AppError::Forbidden(pick(
            en,
            "邻里中心星级由区级评定(区级或市级管理员)",
            "centres are rated by the district (district or city administrators)",
        )));
    }
    let year_text = fields
        .iter()
        .find(|(k, _)| k == "year")
        .map(|(_, v)| v.trim())
        .unwrap_or("");
    let Some(year) = year_text
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
    else {
        return Ok(Err(vec![FieldError::new(
            "year",
            pick(
                en,
                "请填写评定年度(2000–2100)",
                "enter the rating year (2000–2100)",
            ),
        )]));
    };
    let version = fields
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.as_str());
    let standard = centre_standard(state, version, en).await?;
    let figures = platform_figures(state, user, &community.code, year, en).await?;
    let (assessment, recorded) = match read_rating_form(&standard, fields, &figures, en) {
        Ok(read) => read,
        Err(errors) => return Ok(Err(errors)),
    };
    let card = match score(&standard, &assessment) {
        Ok(card) => card,
        Err(problems) => {
            return Ok(Err(problems
                .into_iter()
                .map(|p| FieldError::new(&format!("c.{}", p.clause), if en { p.en } else { p.zh }))
                .collect()));
        }
    };
    let answers = json!({
        "year": year,
        "answers": recorded,
        "metrics": figures.circle,
    })
    .to_string();
    let result = serde_json::to_string(&card).map_err(|e| internal(format!("scorecard: {e}")))?;
    let row = state
        .store
        .save_centre_rating(
            &NewRating {
                facility_id: &centre.facility.id,
                community_code: &community.code,
                year,
                standard_id: &standard.id,
                standard_version: &standard.version,
                answers_json: &answers,
                result_json: &result,
                total: card.total.hundredths(),
                star: i64::from(card.star),
            },
            &user.user.username,
            now_ms(),
        )
        .await?;
    Ok(Ok(row))
}
