//! Which community a point lies in: a district's community boundaries (uploaded, the union of
//! its grids, or an OpenStreetMap compound of the community's name), in that order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use xingfu_geo::community::CommunityAreas;
use xingfu_geo::geometry::{Area, LonLat};
use xingfu_geo::osm::OsmExtract;
use xingfu_geo::registry::{Place, RegistryProblem, parse_communities_geojson};
use xingfu_store::regions::RegionRow;

use super::areas::prefix_of;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// Where a community's boundary came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundarySource {
    Uploaded,
    Grids,
    OsmName,
}

impl BoundarySource {
    pub fn label(self, lang: Lang) -> String {
        match self {
            BoundarySource::Uploaded => lang.text("上传的边界", "uploaded boundary"),
            BoundarySource::Grids => lang.text("网格范围", "its grids"),
            BoundarySource::OsmName => lang.text(
                "OpenStreetMap 同名小区",
                "OpenStreetMap compound of that name",
            ),
        }
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
pub(super) async fn optional_extract(state: &AppState) -> Option<Arc<OsmExtract>> {
    if !state.network.is_configured() {
        return None;
    }
    state.network.extract(Lang::Zh).await.ok()
}
