//! Importing an OpenStreetMap extract (.osm.pbf): the walking graph, service facilities by tag,
//! homes as origins, and community areas.
//!
//! The file is read in three passes so that only what is needed is kept in memory: relations
//! (multipolygon homes and facilities, community boundaries), then ways (walkable streets,
//! buildings, areas, relation members), then the coordinates of just the nodes those use.
//! Tag rules are in [`crate::tags`].
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

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use osmpbf::{Element, ElementReader, RelMemberType};
use serde::Serialize;

use crate::community::{AreaIndex, CommunityAreas};
use crate::coverage::Origin;
use crate::facility::Facility;
use crate::geometry::{Area, LonLat, haversine_mm, ring_centroid, vertex_mean};
use crate::graph::{Edge, GraphError, WalkingGraph};
use crate::tags::{Dwelling, Tags, display_name, dwelling, facility_functions, is_walkable};

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
    import_with(
        &label,
        || ElementReader::from_path(path).map_err(|source| read_error(&label, source)),
        options,
    )
}

/// Reads .osm.pbf bytes already in memory; `label` names them in errors.
pub fn import_bytes(
    label: &str,
    bytes: &[u8],
    options: &OsmOptions,
) -> Result<OsmExtract, OsmError> {
    import_with(label, || Ok(ElementReader::new(bytes)), options)
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
    /// (way id, is an inner ring)
    members: Vec<(i64, bool)>,
}

struct WayInfo {
    refs: Vec<i64>,
    tags: Tags,
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

fn roles(tags: &Tags, options: &OsmOptions) -> Roles {
    let residential_area = tags.get("landuse") == Some("residential");
    let named = !display_name(tags).is_empty();
    let admin_level = match options.communities {
        CommunitySource::AdminLevel(level) => Some(level),
        CommunitySource::Auto => Some(10),
        CommunitySource::ResidentialAreas | CommunitySource::None => None,
    };
    let admin_community = admin_level.is_some_and(|level| {
        tags.get("boundary") == Some("administrative")
            && tags.get("admin_level") == Some(level.to_string().as_str())
            && named
    });
    Roles {
        facility: !facility_functions(tags).is_empty(),
        home: match options.origins {
            OriginKind::Buildings => dwelling(tags),
            OriginKind::Addresses => Dwelling::No,
        },
        residential_area,
        admin_community,
        address: options.origins == OriginKind::Addresses && tags.get("addr:housenumber").is_some(),
    }
}

impl Roles {
    fn any(&self) -> bool {
        self.facility
            || self.home != Dwelling::No
            || self.residential_area
            || self.admin_community
            || self.address
    }
}

fn collect_tags<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
    Tags::from_pairs(pairs)
}

fn import_with<R: Read + Send>(
    label: &str,
    open: impl Fn() -> Result<ElementReader<R>, OsmError>,
    options: &OsmOptions,
) -> Result<OsmExtract, OsmError> {
    // Pass 1: relations that are areas we use.
    let mut relations: Vec<RelationInfo> = Vec::new();
    open()?
        .for_each(|element| {
            if let Element::Relation(relation) = element {
                let tags = collect_tags(relation.tags());
                let kind = tags.get("type");
                if !matches!(kind, Some("multipolygon" | "boundary"))
                    || !roles(&tags, options).any()
                {
                    return;
                }
                let members = relation
                    .members()
                    .filter(|m| m.member_type == RelMemberType::Way)
                    .map(|m| (m.member_id, m.role().map(|r| r == "inner").unwrap_or(false)))
                    .collect();
                relations.push(RelationInfo {
                    id: relation.id(),
                    tags,
                    members,
                });
            }
        })
        .map_err(|e| read_error(label, e))?;
    let member_ways: HashSet<i64> = relations
        .iter()
        .flat_map(|r| r.members.iter().map(|&(id, _)| id))
        .collect();

    // Pass 2: ways.
    let mut ways: HashMap<i64, WayInfo> = HashMap::new();
    let mut walkable: Vec<i64> = Vec::new();
    open()?
        .for_each(|element| {
            if let Element::Way(way) = element {
                let tags = collect_tags(way.tags());
                let walk = is_walkable(&tags);
                if walk || member_ways.contains(&way.id()) || roles(&tags, options).any() {
                    if walk {
                        walkable.push(way.id());
                    }
                    ways.insert(
                        way.id(),
                        WayInfo {
                            refs: way.refs().collect(),
                            tags,
                        },
                    );
                }
            }
        })
        .map_err(|e| read_error(label, e))?;
    let needed: HashSet<i64> = ways.values().flat_map(|w| w.refs.iter().copied()).collect();

    // Pass 3: coordinates of the needed nodes, and tagged nodes that are facilities or origins.
    let mut coords: HashMap<i64, LonLat> = HashMap::with_capacity(needed.len());
    let mut tagged_points: Vec<(i64, LonLat, Tags)> = Vec::new();
    let mut visit_node = |id: i64, lon: f64, lat: f64, tags: Tags| {
        let position = LonLat { lon, lat };
        if needed.contains(&id) {
            coords.insert(id, position);
        }
        if !tags.is_empty() {
            let r = roles(&tags, options);
            // A home mapped as one node (`building=residential` on a point) counts like a
            // building outline.
            if r.facility || r.address || r.home != Dwelling::No {
                tagged_points.push((id, position, tags));
            }
        }
    };
    open()?
        .for_each(|element| match element {
            Element::Node(node) => {
                visit_node(node.id(), node.lon(), node.lat(), collect_tags(node.tags()))
            }
            Element::DenseNode(node) => {
                visit_node(node.id(), node.lon(), node.lat(), collect_tags(node.tags()))
            }
            _ => {}
        })
        .map_err(|e| read_error(label, e))?;

    let mut stats = ImportStats {
        walkable_ways: walkable.len(),
        ..ImportStats::default()
    };
    let graph = build_graph(label, &walkable, &ways, &coords, &mut stats)?;
    let shapes = Shapes {
        ways: &ways,
        coords: &coords,
    };

    // Areas: residential landuse (for building=yes and as compounds) and administrative ones.
    let mut residential: Vec<(String, Area)> = Vec::new();
    let mut admin: Vec<(String, Area)> = Vec::new();
    let mut incomplete = 0usize;
    let mut consider_area = |tags: &Tags, area: Option<Area>| {
        let r = roles(tags, options);
        if !(r.residential_area || r.admin_community) {
            return;
        }
        let Some(area) = area else {
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
    let mut way_ids: Vec<&i64> = ways.keys().collect();
    way_ids.sort_unstable();
    for id in &way_ids {
        let way = &ways[id];
        if way.refs.len() >= 4 && way.refs.first() == way.refs.last() {
            consider_area(&way.tags, shapes.way_area(**id));
        }
    }
    for relation in &relations {
        consider_area(&relation.tags, shapes.relation_area(relation));
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
    let mut take = |id: String, tags: &Tags, position: Option<LonLat>| {
        let Some(position) = position else { return };
        let r = roles(tags, options);
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
        let home = match r.home {
            Dwelling::Home => true,
            Dwelling::HomeIfResidentialArea => {
                residential_index.smallest_containing(position).is_some()
            }
            // An address that is a facility's (a shop, a clinic) is not a home.
            Dwelling::No => r.address && !r.facility,
        };
        if home {
            origins.push(Origin {
                id,
                location: position,
                community: community_areas.community_of(position),
                weight: 1,
            });
        }
    };
    for id in &way_ids {
        let way = &ways[id];
        if member_ways.contains(id) && way.tags.is_empty() {
            continue;
        }
        take(format!("osm:w{id}"), &way.tags, shapes.way_position(**id));
    }
    for relation in &relations {
        take(
            format!("osm:r{}", relation.id),
            &relation.tags,
            shapes.relation_position(relation),
        );
    }
    tagged_points.sort_by_key(|(id, _, _)| *id);
    for (id, position, tags) in &tagged_points {
        take(format!("osm:n{id}"), tags, Some(*position));
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
    coords: &HashMap<i64, LonLat>,
    stats: &mut ImportStats,
) -> Result<WalkingGraph, OsmError> {
    if walkable.is_empty() {
        return Err(OsmError::NoWalkableWays {
            path: label.to_string(),
        });
    }
    let mut index: HashMap<i64, u32> = HashMap::new();
    let (mut osm_ids, mut positions, mut edges) = (Vec::new(), Vec::new(), Vec::new());
    let mut sorted: Vec<i64> = walkable.to_vec();
    sorted.sort_unstable();
    let mut node_index = |id: i64, position: LonLat| -> u32 {
        *index.entry(id).or_insert_with(|| {
            osm_ids.push(id);
            positions.push(position);
            (osm_ids.len() - 1) as u32
        })
    };
    for way_id in sorted {
        let Some(way) = ways.get(&way_id) else {
            continue;
        };
        let mut previous: Option<(u32, LonLat)> = None;
        for &node in &way.refs {
            let Some(&position) = coords.get(&node) else {
                stats.missing_nodes += 1;
                previous = None;
                continue;
            };
            let here = node_index(node, position);
            if let Some((before, before_position)) = previous {
                let length = haversine_mm(before_position, position).min(u32::MAX as u64) as u32;
                edges.push(Edge {
                    from: before,
                    to: here,
                    length_mm: length,
                });
            }
            previous = Some((here, position));
        }
    }
    stats.walkable_nodes = osm_ids.len();
    let graph = WalkingGraph::new(osm_ids, positions, &edges)
        .map_err(|source| OsmError::Graph {
            path: label.to_string(),
            source,
        })?
        .largest_component();
    stats.graph_nodes = graph.node_count();
    stats.graph_edges = graph.edge_count();
    stats.graph_length_m = graph.total_length_mm() / 1000;
    Ok(graph)
}

struct Shapes<'a> {
    ways: &'a HashMap<i64, WayInfo>,
    coords: &'a HashMap<i64, LonLat>,
}

impl Shapes<'_> {
    /// All node positions of a way, or None if the way or any node is missing.
    fn points(&self, way: i64) -> Option<Vec<LonLat>> {
        let way = self.ways.get(&way)?;
        way.refs
            .iter()
            .map(|id| self.coords.get(id).copied())
            .collect()
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
