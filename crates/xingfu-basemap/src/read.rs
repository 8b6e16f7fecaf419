//! Reading an OpenStreetMap extract into basemap features.
//!
//! Three passes over the file keep only what is drawn in memory: multipolygon relations (their
//! outer ways become water, green or campus areas), then ways, then the coordinates of just the
//! nodes those ways use (and named places).
//!
//! Choices:
//! - Names: `name:zh`, else `name`; `name:en` is kept beside it for the English style.
//! - A multipolygon relation draws its outer rings only (holes are left filled): the basemap
//!   is a backdrop for Xingfu's own data, not a survey map.
//! - Ways whose nodes are not all in the extract are drawn with the nodes that are.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use osmpbf::{Element, ElementReader, RelMemberType};

use crate::mercator::to_world;

/// The layers of a tile, each with its own detail by zoom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// Residential, commercial and industrial land; campuses and hospitals.
    Landuse,
    /// Parks, grass, woods.
    Green,
    /// Lakes, ponds, wide rivers.
    Water,
    /// Rivers, streams and canals drawn as lines.
    Waterway,
    Building,
    /// Streets, paths and railways, with their names.
    Road,
    /// Named places (neighbourhoods, villages) as points.
    Place,
}

impl Layer {
    pub const ALL: [Layer; 7] = [
        Layer::Landuse,
        Layer::Green,
        Layer::Water,
        Layer::Waterway,
        Layer::Building,
        Layer::Road,
        Layer::Place,
    ];

    /// The layer's name in the tiles and the style.
    pub fn key(self) -> &'static str {
        match self {
            Layer::Landuse => "landuse",
            Layer::Green => "green",
            Layer::Water => "water",
            Layer::Waterway => "waterway",
            Layer::Building => "building",
            Layer::Road => "road",
            Layer::Place => "place",
        }
    }
}

/// A feature's shape in world units (see [`crate::mercator`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Geometry {
    Point((f64, f64)),
    Line(Vec<(f64, f64)>),
    /// Closed rings (first point repeated last), outer rings only.
    Area(Vec<Vec<(f64, f64)>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    pub layer: Layer,
    /// The kind within the layer (`major`, `minor`, `path`, `rail` for roads …).
    pub class: &'static str,
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub geometry: Geometry,
    /// Bounding box in world units: (min x, min y, max x, max y).
    pub bbox: (f64, f64, f64, f64),
    /// The lowest zoom the feature is drawn at.
    pub min_zoom: u8,
}

/// The zoom whose tiles index the features.
pub const INDEX_ZOOM: u8 = 14;

/// An extract's basemap: its features and an index of them by zoom-14 tile.
#[derive(Debug, Default)]
pub struct Basemap {
    pub features: Vec<Feature>,
    index: HashMap<(u32, u32), Vec<u32>>,
    /// The extract's extent in world units, when it has any feature.
    pub extent: Option<(f64, f64, f64, f64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum BasemapError {
    #[error("{label}: cannot read the OpenStreetMap file: {source}")]
    Read {
        label: String,
        #[source]
        source: osmpbf::Error,
    },
}

type Tags = HashMap<String, String>;

fn tags_of<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
    pairs
        .filter(|(k, _)| {
            matches!(
                *k,
                "highway"
                    | "railway"
                    | "building"
                    | "natural"
                    | "waterway"
                    | "landuse"
                    | "leisure"
                    | "amenity"
                    | "place"
                    | "name"
                    | "name:zh"
                    | "name:en"
                    | "type"
                    | "area"
                    | "tunnel"
            )
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What a way or relation is on the basemap: its layer, class and lowest zoom.
fn classify(tags: &Tags, closed: bool) -> Option<(Layer, &'static str, u8)> {
    let get = |k: &str| tags.get(k).map(String::as_str);
    if let Some(highway) = get("highway")
        && get("area") != Some("yes")
    {
        let highway = highway.trim_end_matches("_link");
        let (class, zoom) = match highway {
            "motorway" | "trunk" | "primary" | "secondary" => ("major", 10),
            "tertiary" | "residential" | "unclassified" | "living_street" | "road" => ("minor", 12),
            "service" | "track" => ("service", 14),
            "footway" | "path" | "pedestrian" | "cycleway" | "steps" | "bridleway" => ("path", 15),
            _ => return None,
        };
        return Some((Layer::Road, class, zoom));
    }
    if matches!(get("railway"), Some("rail" | "light_rail" | "tram"))
        && get("tunnel") != Some("yes")
    {
        return Some((Layer::Road, "rail", 12));
    }
    if let Some(waterway) = get("waterway") {
        if waterway == "riverbank" && closed {
            return Some((Layer::Water, "water", 10));
        }
        if matches!(waterway, "river" | "stream" | "canal" | "drain") && !closed {
            return Some((Layer::Waterway, "river", 12));
        }
    }
    if !closed {
        return None;
    }
    if get("natural") == Some("water") || matches!(get("landuse"), Some("reservoir" | "basin")) {
        return Some((Layer::Water, "water", 10));
    }
    if get("building").is_some_and(|b| b != "no") {
        return Some((Layer::Building, "building", 14));
    }
    if matches!(
        get("leisure"),
        Some("park" | "garden" | "pitch" | "playground" | "nature_reserve")
    ) || matches!(
        get("landuse"),
        Some("grass" | "forest" | "meadow" | "recreation_ground" | "village_green" | "cemetery")
    ) || matches!(get("natural"), Some("wood" | "scrub" | "grassland"))
    {
        return Some((Layer::Green, "park", 12));
    }
    match get("amenity") {
        Some("school" | "university" | "college" | "kindergarten") => {
            return Some((Layer::Landuse, "campus", 12));
        }
        Some("hospital" | "clinic") => return Some((Layer::Landuse, "hospital", 12)),
        _ => {}
    }
    match get("landuse") {
        Some("residential") => Some((Layer::Landuse, "residential", 12)),
        Some("commercial" | "retail") => Some((Layer::Landuse, "commercial", 12)),
        Some("industrial") => Some((Layer::Landuse, "industrial", 12)),
        _ => None,
    }
}

fn names(tags: &Tags) -> (Option<String>, Option<String>) {
    let name = tags
        .get("name:zh")
        .or_else(|| tags.get("name"))
        .filter(|n| !n.trim().is_empty())
        .cloned();
    let en = tags
        .get("name:en")
        .filter(|n| !n.trim().is_empty())
        .cloned();
    (name, en)
}

struct PendingWay {
    layer: Layer,
    class: &'static str,
    zoom: u8,
    name: (Option<String>, Option<String>),
    nodes: Vec<i64>,
}

struct PendingRelation {
    layer: Layer,
    class: &'static str,
    zoom: u8,
    name: (Option<String>, Option<String>),
    outer: Vec<i64>,
}

impl Basemap {
    /// Reads an extract from a file.
    pub fn from_file(path: &Path) -> Result<Basemap, BasemapError> {
        let label = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        read_with(&label, || {
            ElementReader::from_path(path).map_err(|source| BasemapError::Read {
                label: label.clone(),
                source,
            })
        })
    }

    /// Reads an extract held in memory.
    pub fn from_bytes(label: &str, bytes: &[u8]) -> Result<Basemap, BasemapError> {
        read_with(label, || Ok(ElementReader::new(bytes)))
    }

    /// The features whose boxes touch the world-unit box, each once.
    pub fn features_in(&self, bbox: (f64, f64, f64, f64)) -> Vec<&Feature> {
        let cells = f64::from(1u32 << INDEX_ZOOM);
        let cell = |v: f64| (v.clamp(0.0, 1.0 - f64::EPSILON) * cells) as u32;
        let (x0, y0, x1, y1) = (cell(bbox.0), cell(bbox.1), cell(bbox.2), cell(bbox.3));
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for x in x0..=x1 {
            for y in y0..=y1 {
                for &i in self.index.get(&(x, y)).map(Vec::as_slice).unwrap_or(&[]) {
                    let f = &self.features[i as usize];
                    if overlaps(f.bbox, bbox) && seen.insert(i) {
                        found.push(f);
                    }
                }
            }
        }
        found.sort_by_key(|f| (f.layer, std::ptr::from_ref(*f) as usize));
        found
    }

    fn push(&mut self, feature: Feature) {
        let cells = f64::from(1u32 << INDEX_ZOOM);
        let cell = |v: f64| (v.clamp(0.0, 1.0 - f64::EPSILON) * cells) as u32;
        let i = self.features.len() as u32;
        let b = feature.bbox;
        for x in cell(b.0)..=cell(b.2) {
            for y in cell(b.1)..=cell(b.3) {
                self.index.entry((x, y)).or_default().push(i);
            }
        }
        self.extent = Some(match self.extent {
            None => b,
            Some(e) => (e.0.min(b.0), e.1.min(b.1), e.2.max(b.2), e.3.max(b.3)),
        });
        self.features.push(feature);
    }
}

fn overlaps(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 <= b.2 && b.0 <= a.2 && a.1 <= b.3 && b.1 <= a.3
}

fn bbox_of(points: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    points.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
    )
}

fn read_with<R: std::io::Read + Send>(
    label: &str,
    open: impl Fn() -> Result<ElementReader<R>, BasemapError>,
) -> Result<Basemap, BasemapError> {
    let error = |source| BasemapError::Read {
        label: label.to_string(),
        source,
    };
    // Pass 1: multipolygon relations worth drawing, and the ways they are made of.
    let mut relations = Vec::new();
    let mut member_ways: HashMap<i64, Vec<usize>> = HashMap::new();
    open()?
        .for_each(|element| {
            if let Element::Relation(relation) = element {
                let tags = tags_of(relation.tags());
                if tags.get("type").map(String::as_str) != Some("multipolygon") {
                    return;
                }
                let Some((layer, class, zoom)) = classify(&tags, true) else {
                    return;
                };
                if layer == Layer::Building {
                    return;
                }
                let outer: Vec<i64> = relation
                    .members()
                    .filter(|m| {
                        m.member_type == RelMemberType::Way
                            && m.role().map(|r| r != "inner").unwrap_or(true)
                    })
                    .map(|m| m.member_id)
                    .collect();
                for way in &outer {
                    member_ways.entry(*way).or_default().push(relations.len());
                }
                relations.push(PendingRelation {
                    layer,
                    class,
                    zoom,
                    name: names(&tags),
                    outer,
                });
            }
        })
        .map_err(error)?;
    // Pass 2: the ways drawn on their own, and the members' node lists.
    let mut ways = Vec::new();
    let mut member_nodes: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut needed: HashSet<i64> = HashSet::new();
    open()?
        .for_each(|element| {
            if let Element::Way(way) = element {
                let nodes: Vec<i64> = way.refs().collect();
                if nodes.len() < 2 {
                    return;
                }
                if member_ways.contains_key(&way.id()) {
                    needed.extend(&nodes);
                    member_nodes.insert(way.id(), nodes.clone());
                }
                let tags = tags_of(way.tags());
                let closed = nodes.len() >= 4 && nodes.first() == nodes.last();
                if let Some((layer, class, zoom)) = classify(&tags, closed) {
                    needed.extend(&nodes);
                    ways.push(PendingWay {
                        layer,
                        class,
                        zoom,
                        name: names(&tags),
                        nodes,
                    });
                }
            }
        })
        .map_err(error)?;
    // Pass 3: the coordinates of the nodes used, and named places.
    let mut at: HashMap<i64, (f64, f64)> = HashMap::with_capacity(needed.len());
    let mut map = Basemap::default();
    let mut visit_node = |id: i64, lon: f64, lat: f64, tags: Tags| {
        if needed.contains(&id) {
            at.insert(id, to_world(lon, lat));
        }
        if let Some(place) = tags.get("place")
            && let (Some(name), name_en) = names(&tags)
        {
            let zoom = match place.as_str() {
                "city" | "town" | "district" => 10,
                "suburb" | "village" | "quarter" => 12,
                "neighbourhood" | "hamlet" | "locality" => 14,
                _ => return,
            };
            let p = to_world(lon, lat);
            map.push(Feature {
                layer: Layer::Place,
                class: "place",
                name: Some(name),
                name_en,
                geometry: Geometry::Point(p),
                bbox: (p.0, p.1, p.0, p.1),
                min_zoom: zoom,
            });
        }
    };
    open()?
        .for_each(|element| match element {
            Element::Node(n) => visit_node(n.id(), n.lon(), n.lat(), tags_of(n.tags())),
            Element::DenseNode(n) => visit_node(n.id(), n.lon(), n.lat(), tags_of(n.tags())),
            _ => {}
        })
        .map_err(error)?;
    let points_of = |nodes: &[i64]| -> Vec<(f64, f64)> {
        nodes.iter().filter_map(|n| at.get(n).copied()).collect()
    };
    for way in ways {
        let points = points_of(&way.nodes);
        if points.len() < 2 {
            continue;
        }
        let geometry = match way.layer {
            Layer::Road | Layer::Waterway => Geometry::Line(points.clone()),
            _ if points.len() >= 4 => Geometry::Area(vec![points.clone()]),
            _ => continue,
        };
        map.push(Feature {
            layer: way.layer,
            class: way.class,
            name: way.name.0,
            name_en: way.name.1,
            bbox: bbox_of(&points),
            geometry,
            min_zoom: way.zoom,
        });
    }
    for relation in relations {
        let rings: Vec<Vec<(f64, f64)>> = join_rings(
            relation
                .outer
                .iter()
                .filter_map(|w| member_nodes.get(w))
                .cloned()
                .collect(),
        )
        .iter()
        .map(|ring| points_of(ring))
        .filter(|ring| ring.len() >= 4)
        .collect();
        if rings.is_empty() {
            continue;
        }
        let all: Vec<(f64, f64)> = rings.iter().flatten().copied().collect();
        map.push(Feature {
            layer: relation.layer,
            class: relation.class,
            name: relation.name.0,
            name_en: relation.name.1,
            bbox: bbox_of(&all),
            geometry: Geometry::Area(rings),
            min_zoom: relation.zoom,
        });
    }
    Ok(map)
}

/// Joins a relation's outer ways end to end into closed rings; pieces that never close are
/// dropped (the extract cut them).
fn join_rings(mut pieces: Vec<Vec<i64>>) -> Vec<Vec<i64>> {
    let mut rings = Vec::new();
    while let Some(mut ring) = pieces.pop() {
        loop {
            if ring.len() >= 4 && ring.first() == ring.last() {
                rings.push(ring);
                break;
            }
            let end = *ring.last().unwrap_or(&0);
            let next = pieces
                .iter()
                .position(|p| p.first() == Some(&end) || p.last() == Some(&end));
            let Some(i) = next else { break };
            let mut piece = pieces.swap_remove(i);
            if piece.first() != Some(&end) {
                piece.reverse();
            }
            ring.extend(piece.into_iter().skip(1));
        }
    }
    rings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_join_from_pieces_in_any_direction() {
        let rings = join_rings(vec![
            vec![1, 2, 3],
            vec![5, 4, 3],
            vec![5, 6, 1],
            vec![7, 8],
        ]);
        assert_eq!(rings, vec![vec![5, 6, 1, 2, 3, 4, 5]]);
    }

    #[test]
    fn classes_by_tag() {
        let tags = |pairs: &[(&str, &str)]| -> Tags {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            classify(&tags(&[("highway", "primary_link")]), false),
            Some((Layer::Road, "major", 10))
        );
        assert_eq!(
            classify(&tags(&[("highway", "footway"), ("area", "yes")]), true),
            None
        );
        assert_eq!(
            classify(&tags(&[("building", "yes")]), true),
            Some((Layer::Building, "building", 14))
        );
        assert_eq!(classify(&tags(&[("building", "yes")]), false), None);
        assert_eq!(
            classify(&tags(&[("amenity", "university")]), true),
            Some((Layer::Landuse, "campus", 12))
        );
        assert_eq!(classify(&tags(&[("highway", "bus_stop")]), false), None);
    }
}
