//! Importing an OpenStreetMap extract (.osm.pbf): the walking graph, service facilities by tag,
//! homes as origins, and community areas.
//!
//! The file is decoded once, its blocks in parallel (see [`read`]): every node's position, the
//! walkable streets, buildings, areas and relation members, and the relations that are
//! multipolygon homes and facilities or community boundaries. Tag rules are in [`crate::tags`].
//!
//! Choices:
//! - The graph is the **largest connected component** of the walkable ways: fragments cut off
//!   by the extract's edge would otherwise make whole neighbourhoods look unreachable.
//! - Edge lengths are haversine lengths of each way segment, in whole millimetres.
//! - A way or relation's position is its area-weighted centroid (closed way) or the mean of
//!   its vertices (open way; for a multipolygon relation, of its outer ways' vertices).
//! - An area (community boundary, residential landuse) must be complete in the extract: every
//!   member way present with all its nodes and its rings closed. Incomplete ones are skipped
//!   and counted, never guessed.
//! - Each origin belongs to the smallest community area containing it (by bounding box), or
//!   to none.

mod read;
#[cfg(test)]
mod reference;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use osmpbf::BlobReader;
use rayon::prelude::*;
use serde::Serialize;

use read::{Harvest, NodeTable};

use crate::community::{AreaIndex, CommunityAreas};
use crate::coverage::Origin;
use crate::facility::Facility;
use crate::geometry::{Area, LonLat, haversine_mm, ring_centroid, vertex_mean};
use crate::graph::{Edge, GraphError, WalkingGraph};
use crate::tags::{
    Dwelling, TagSource, Tags, display_name, dwelling, facility_functions, is_named,
};

/// Which elements become origins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum OriginKind {
    /// Residential buildings (see [`crate::tags`]).
    Buildings,
    /// Every element with `addr:housenumber` that is not itself a facility.
    Addresses,
}

/// Which areas are the communities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CommunitySource {
    /// Administrative level 10 when the extract holds at least one complete such area, else
    /// the named residential areas. Extracts often cut administrative boundaries, and Chinese
    /// 社区 boundaries are rarely mapped; the compounds usually are.
    Auto,
    /// `boundary=administrative` with this `admin_level` and a name. In China level 10 is the
    /// community / village (社区、村), level 8 the street (街道); in Helsinki 10 is the
    /// neighbourhood (kaupunginosa).
    AdminLevel(u8),
    /// Named `landuse=residential` areas: the housing compounds (小区).
    ResidentialAreas,
    /// No communities: only the overall figures.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsmOptions {
    pub origins: OriginKind,
    pub communities: CommunitySource,
}

impl Default for OsmOptions {
    fn default() -> Self {
        OsmOptions {
            origins: OriginKind::Buildings,
            communities: CommunitySource::Auto,
        }
    }
}

/// Counts from an import, for the user to judge the extract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    pub walkable_ways: usize,
    /// Nodes of all walkable ways, before keeping the largest component.
    pub walkable_nodes: usize,
    pub graph_nodes: usize,
    pub graph_edges: usize,
    pub graph_length_m: u64,
    pub facilities: usize,
    pub origins: usize,
    pub communities: usize,
    /// Areas skipped because the extract cuts them (missing ways or nodes, open rings).
    pub incomplete_areas: usize,
    /// Way references to nodes that the extract does not contain.
    pub missing_nodes: usize,
}

/// Everything the circle needs from one extract.
#[derive(Clone, Debug)]
pub struct OsmExtract {
    pub graph: WalkingGraph,
    pub facilities: Vec<Facility>,
    pub origins: Vec<Origin>,
    /// Community names; [`Origin::community`] indexes this list.
    pub communities: Vec<String>,
    /// The areas behind `communities`, to place other points (candidate sites) in them.
    pub community_areas: CommunityAreas,
    /// Where the communities came from ([`CommunitySource::Auto`] resolved).
    pub community_source: CommunitySource,
    pub stats: ImportStats,
}

#[derive(Debug, thiserror::Error)]
pub enum OsmError {
    #[error("cannot read the OpenStreetMap file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: osmpbf::Error,
    },
    #[error("the walking graph of {path} cannot be built: {source}")]
    Graph {
        path: String,
        #[source]
        source: GraphError,
    },
    #[error("{path} has no walkable ways (highway=footway, residential, …)")]
    NoWalkableWays { path: String },
}

/// Reads an .osm.pbf file.
pub fn import_file(path: &Path, options: &OsmOptions) -> Result<OsmExtract, OsmError> {
    let label = path.display().to_string();
    let reader = BlobReader::from_path(path).map_err(|source| read_error(&label, source))?;
    import_with(&label, reader, options)
}

/// Reads .osm.pbf bytes already in memory; `label` names them in errors.
pub fn import_bytes(
    label: &str,
    bytes: &[u8],
    options: &OsmOptions,
) -> Result<OsmExtract, OsmError> {
    import_with(label, BlobReader::new(bytes), options)
}

fn read_error(path: &str, source: osmpbf::Error) -> OsmError {
    OsmError::Read {
        path: path.to_string(),
        source,
    }
}

struct RelationInfo {
    id: i64,
    tags: Tags,
    roles: Roles,
    /// (way id, is an inner ring)
    members: Vec<(i64, bool)>,
}

struct WayInfo {
    refs: Vec<i64>,
    tags: Tags,
    roles: Roles,
}

/// A tagged node that is a facility, an address or a home.
struct TaggedPoint {
    id: i64,
    position: LonLat,
    tags: Tags,
    roles: Roles,
}

/// What an element is for, decided from its tags alone.
#[derive(Default)]
struct Roles {
    facility: bool,
    home: Dwelling,
    residential_area: bool,
    /// An administrative area of the community level.
    admin_community: bool,
    address: bool,
}

fn roles(tags: &(impl TagSource + ?Sized), options: &OsmOptions) -> Roles {
    let admin_level = match options.communities {
        CommunitySource::AdminLevel(level) => Some(level),
        CommunitySource::Auto => Some(10),
        CommunitySource::ResidentialAreas | CommunitySource::None => None,
    };
    let admin_community = admin_level.is_some_and(|level| {
        tags.get("boundary") == Some("administrative")
            && tags.get("admin_level") == Some(level.to_string().as_str())
            && is_named(tags)
    });
    Roles {
        facility: !facility_functions(tags).is_empty(),
        home: match options.origins {
            OriginKind::Buildings => dwelling(tags),
            OriginKind::Addresses => Dwelling::No,
        },
        residential_area: tags.get("landuse") == Some("residential"),
        admin_community,
        address: options.origins == OriginKind::Addresses && tags.get("addr:housenumber").is_some(),
    }
}

impl Roles {
    /// Whether the element may be a facility or an origin.
    fn places(&self) -> bool {
        self.facility || self.address || self.home != Dwelling::No
    }

    fn any(&self) -> bool {
        self.facility
            || self.home != Dwelling::No
            || self.residential_area
            || self.admin_community
            || self.address
    }
}

fn import_with<R: Read + Send>(
    label: &str,
    reader: BlobReader<R>,
    options: &OsmOptions,
) -> Result<OsmExtract, OsmError> {
    let harvest = read::harvest(reader, options).map_err(|e| read_error(label, e))?;
    assemble(label, harvest, options)
}

/// The graph, areas, facilities and origins from what was read.
fn assemble(label: &str, harvest: Harvest, options: &OsmOptions) -> Result<OsmExtract, OsmError> {
    let Harvest {
        relations,
        ways,
        walkable,
        nodes,
        mut tagged_points,
        member_ways,
    } = harvest;

    let mut stats = ImportStats {
        walkable_ways: walkable.len(),
        ..ImportStats::default()
    };
    let graph = build_graph(label, &walkable, &ways, &nodes, &mut stats)?;
    let shapes = Shapes {
        ways: &ways,
        nodes: &nodes,
    };

    // Areas: residential landuse (for building=yes and as compounds) and administrative ones.
    let mut residential: Vec<(String, Area)> = Vec::new();
    let mut admin: Vec<(String, Area)> = Vec::new();
    let mut incomplete = 0usize;
    // Geometry is computed only for the elements whose roles need it.
    let mut consider_area = |tags: &Tags, r: &Roles, area: &dyn Fn() -> Option<Area>| {
        if !(r.residential_area || r.admin_community) {
            return;
        }
        let Some(area) = area() else {
            incomplete += 1;
            return;
        };
        if r.admin_community {
            admin.push((display_name(tags), area.clone()));
        }
        if r.residential_area {
            residential.push((display_name(tags), area));
        }
    };
    let mut way_ids: Vec<i64> = ways.keys().copied().collect();
    way_ids.sort_unstable();
    for id in &way_ids {
        let way = &ways[id];
        if way.refs.len() >= 4 && way.refs.first() == way.refs.last() {
            consider_area(&way.tags, &way.roles, &|| shapes.way_area(*id));
        }
    }
    for relation in &relations {
        consider_area(&relation.tags, &relation.roles, &|| {
            shapes.relation_area(relation)
        });
    }
    stats.incomplete_areas = incomplete;
    let community_source = match options.communities {
        CommunitySource::Auto if admin.is_empty() => CommunitySource::ResidentialAreas,
        CommunitySource::Auto => CommunitySource::AdminLevel(10),
        other => other,
    };
    let community_areas = match community_source {
        CommunitySource::AdminLevel(_) => CommunityAreas::new(admin),
        CommunitySource::ResidentialAreas => CommunityAreas::new(
            residential
                .iter()
                .filter(|(name, _)| !name.is_empty())
                .cloned()
                .collect(),
        ),
        _ => CommunityAreas::new(Vec::new()),
    };
    let communities = community_areas.names().to_vec();
    let residential_index = AreaIndex::new(residential.into_iter().map(|(_, a)| (a, 0)).collect());

    // Facilities and origins from ways and relations, then from nodes.
    let mut facilities: Vec<Facility> = Vec::new();
    let mut origins: Vec<Origin> = Vec::new();
    // Where a would-be facility or home is (its shape measured only then), and whether it is a
    // home.
    let place = |r: &Roles, position: &dyn Fn() -> Option<LonLat>| -> Option<(LonLat, bool)> {
        if !r.places() {
            return None;
        }
        let position = position()?;
        let home = match r.home {
            Dwelling::Home => true,
            Dwelling::HomeIfResidentialArea => {
                residential_index.smallest_containing(position).is_some()
            }
            // An address that is a facility's (a shop, a clinic) is not a home.
            Dwelling::No => r.address && !r.facility,
        };
        Some((position, home))
    };
    let mut take = |id: String, tags: &Tags, r: &Roles, (position, home): (LonLat, bool)| {
        if r.facility {
            facilities.push(Facility {
                id: id.clone(),
                name: display_name(tags),
                functions: facility_functions(tags),
                location: position,
                hours: tags.get("opening_hours").map(str::to_string),
                capacity: tags.get("capacity").and_then(|c| c.trim().parse().ok()),
            });
        }
        if home {
            origins.push(Origin {
                id,
                location: position,
                community: community_areas.community_of(position),
                weight: 1,
            });
        }
    };
    // The ways' shapes are most of this stage: placed on every core, taken in id order.
    let way_places: Vec<Option<(LonLat, bool)>> = way_ids
        .par_iter()
        .map(|id| {
            let way = &ways[id];
            if member_ways.contains(id) && way.tags.is_empty() {
                return None;
            }
            place(&way.roles, &|| shapes.way_position(*id))
        })
        .collect();
    for (id, found) in way_ids.iter().zip(way_places) {
        if let Some(found) = found {
            let way = &ways[id];
            take(format!("osm:w{id}"), &way.tags, &way.roles, found);
        }
    }
    for relation in &relations {
        if let Some(found) = place(&relation.roles, &|| shapes.relation_position(relation)) {
            take(
                format!("osm:r{}", relation.id),
                &relation.tags,
                &relation.roles,
                found,
            );
        }
    }
    tagged_points.sort_by_key(|point| point.id);
    for point in &tagged_points {
        if let Some(found) = place(&point.roles, &|| Some(point.position)) {
            take(
                format!("osm:n{}", point.id),
                &point.tags,
                &point.roles,
                found,
            );
        }
    }
    stats.facilities = facilities.len();
    stats.origins = origins.len();
    stats.communities = communities.len();
    Ok(OsmExtract {
        graph,
        facilities,
        origins,
        communities,
        community_areas,
        community_source,
        stats,
    })
}

fn build_graph(
    label: &str,
    walkable: &[i64],
    ways: &HashMap<i64, WayInfo>,
    nodes: &NodeTable,
    stats: &mut ImportStats,
) -> Result<WalkingGraph, OsmError> {
    if walkable.is_empty() {
        return Err(OsmError::NoWalkableWays {
            path: label.to_string(),
        });
    }
    let mut sorted: Vec<i64> = walkable.to_vec();
    sorted.sort_unstable();
    // Finding each node in the table and measuring each segment is most of the work: done on
    // every core first. Per way: each node's slot in the table (None when the extract lacks
    // it) and the length from the node before, when both are there.
    let way_slots: Vec<Vec<(Option<usize>, u32)>> = sorted
        .par_iter()
        .map(|way_id| {
            let refs = ways.get(way_id).map_or(&[][..], |way| &way.refs);
            let mut before: Option<LonLat> = None;
            refs.iter()
                .map(|&node| {
                    let slot = nodes.slot(node);
                    let here = slot.map(|slot| nodes.position_at(slot));
                    let length = match (before, here) {
                        (Some(a), Some(b)) => haversine_mm(a, b).min(u32::MAX as u64) as u32,
                        _ => 0,
                    };
                    before = here;
                    (slot, length)
                })
                .collect()
        })
        .collect();
    // A graph index for each node of the table, given in order of first use.
    const UNUSED: u32 = u32::MAX;
    let mut index = vec![UNUSED; nodes.len()];
    let (mut osm_ids, mut positions, mut edges) = (Vec::new(), Vec::new(), Vec::new());
    for (way_id, slots) in sorted.iter().zip(way_slots) {
        let refs = ways.get(way_id).map_or(&[][..], |way| &way.refs);
        let mut previous: Option<u32> = None;
        for (&node, (slot, length_mm)) in refs.iter().zip(slots) {
            let Some(slot) = slot else {
                stats.missing_nodes += 1;
                previous = None;
                continue;
            };
            if index[slot] == UNUSED {
                index[slot] = osm_ids.len() as u32;
                osm_ids.push(node);
                positions.push(nodes.position_at(slot));
            }
            let here = index[slot];
            if let Some(before) = previous {
                edges.push(Edge {
                    from: before,
                    to: here,
                    length_mm,
                });
            }
            previous = Some(here);
        }
    }
    stats.walkable_nodes = osm_ids.len();
    let graph =
        WalkingGraph::largest_component_of(osm_ids, positions, edges).map_err(|source| {
            OsmError::Graph {
                path: label.to_string(),
                source,
            }
        })?;
    stats.graph_nodes = graph.node_count();
    stats.graph_edges = graph.edge_count();
    stats.graph_length_m = graph.total_length_mm() / 1000;
    Ok(graph)
}

struct Shapes<'a> {
    ways: &'a HashMap<i64, WayInfo>,
    nodes: &'a NodeTable,
}

impl Shapes<'_> {
    /// All node positions of a way, or None if the way or any node is missing.
    fn points(&self, way: i64) -> Option<Vec<LonLat>> {
        let way = self.ways.get(&way)?;
        way.refs.iter().map(|&id| self.nodes.get(id)).collect()
    }

    fn way_area(&self, way: i64) -> Option<Area> {
        let mut points = self.points(way)?;
        points.pop();
        Area::from_rings(&[points])
    }

    fn way_position(&self, way: i64) -> Option<LonLat> {
        let refs = &self.ways.get(&way)?.refs;
        let mut points = self.points(way)?;
        if refs.len() >= 4 && refs.first() == refs.last() {
            points.pop();
            ring_centroid(&points)
        } else {
            vertex_mean(&points)
        }
    }

    /// The relation's rings as segments, if complete: every member way present with all its
    /// nodes, and every ring end met by another (each end node used an even number of times).
    fn relation_area(&self, relation: &RelationInfo) -> Option<Area> {
        let mut ends: HashMap<i64, usize> = HashMap::new();
        let mut segments = Vec::new();
        for &(way, _) in &relation.members {
            let refs = &self.ways.get(&way)?.refs;
            let points = self.points(way)?;
            if let (Some(first), Some(last)) = (refs.first(), refs.last())
                && first != last
            {
                *ends.entry(*first).or_default() += 1;
                *ends.entry(*last).or_default() += 1;
            }
            segments.extend(
                points
                    .windows(2)
                    .filter(|w| w[0] != w[1])
                    .map(|w| (w[0], w[1])),
            );
        }
        if ends.values().any(|count| count % 2 == 1) {
            return None;
        }
        Area::from_segments(segments)
    }

    /// Mean of the outer ways' vertices (all members when none is marked inner/outer).
    fn relation_position(&self, relation: &RelationInfo) -> Option<LonLat> {
        let outer: Vec<LonLat> = relation
            .members
            .iter()
            .filter(|(_, inner)| !inner)
            .filter_map(|&(way, _)| self.points(way))
            .flatten()
            .collect();
        vertex_mean(&outer)
    }
}
