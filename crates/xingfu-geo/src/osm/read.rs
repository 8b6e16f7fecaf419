//! Reading the extract: every block decoded once, blocks decoded in parallel.
//!
//! A .osm.pbf file is a sequence of independently compressed blocks (8,000 elements or so
//! each). Decoding them is most of the work of an import, so the blocks are handed to every
//! core (rayon) and each keeps only what the import may use: every node's position, the tagged
//! nodes that are facilities or homes, the ways that are walkable or have a role, every other
//! way's node list (a relation read later may use it as a ring), and the relations that are areas
//! we use. The blocks' results are then put back in file order, so the import gives exactly what
//! reading the file element by element gives.
//!
//! Cost: a position is kept for every node of the file (24 bytes each), not only for the nodes
//! the kept ways use; reading those would need a second decoding of every node block once the
//! ways are known, which costs more time than the memory is worth for a city's extract.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};
use rayon::prelude::*;

use super::{OsmOptions, RelationInfo, Roles, TaggedPoint, WayInfo, roles};
use crate::geometry::LonLat;
use crate::tags::{TagSource, Tags, is_walkable};

/// Every node's position, by OpenStreetMap id.
#[derive(Debug, Default)]
pub(super) struct NodeTable {
    /// Ascending.
    ids: Vec<i64>,
    positions: Vec<LonLat>,
}

impl NodeTable {
    /// Takes ids and positions in any order (files are normally sorted by id already).
    pub(super) fn new(mut ids: Vec<i64>, mut positions: Vec<LonLat>) -> NodeTable {
        if !ids.is_sorted() {
            let mut pairs: Vec<(i64, LonLat)> = ids.into_iter().zip(positions).collect();
            // Stable: of two nodes with one id, the one read first is found.
            pairs.par_sort_by_key(|&(id, _)| id);
            (ids, positions) = pairs.into_iter().unzip();
        }
        NodeTable { ids, positions }
    }

    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Where the node is in the table, to index side tables by it.
    pub(super) fn slot(&self, id: i64) -> Option<usize> {
        let slot = self.ids.partition_point(|&other| other < id);
        (self.ids.get(slot) == Some(&id)).then_some(slot)
    }

    pub(super) fn position_at(&self, slot: usize) -> LonLat {
        self.positions[slot]
    }

    pub(super) fn get(&self, id: i64) -> Option<LonLat> {
        self.slot(id).map(|slot| self.positions[slot])
    }
}

/// What the import takes from the file, before any geometry.
pub(super) struct Harvest {
    /// Relations that are areas we use, in file order.
    pub relations: Vec<RelationInfo>,
    /// Ways that are walkable, have a role, or are a kept relation's member.
    pub ways: HashMap<i64, WayInfo>,
    /// Ids of the walkable ways, in file order.
    pub walkable: Vec<i64>,
    pub nodes: NodeTable,
    /// Tagged nodes that are facilities, addresses or homes, in file order.
    pub tagged_points: Vec<TaggedPoint>,
    /// Ids of the ways used as relation members.
    pub member_ways: HashSet<i64>,
}

/// One block's share of the harvest.
#[derive(Default)]
struct BlockHarvest {
    relations: Vec<RelationInfo>,
    ways: Vec<(i64, WayInfo)>,
    walkable: Vec<i64>,
    /// Every other way's node list: a relation may need it as a ring.
    other_ways: Vec<(i64, Vec<i64>)>,
    node_ids: Vec<i64>,
    node_positions: Vec<LonLat>,
    tagged_points: Vec<TaggedPoint>,
}

impl BlockHarvest {
    /// Reads one element; `pairs` is scratch space for its tags, borrowed from the block, so
    /// that only the elements kept with a role have their tags copied.
    fn element<'a>(
        &mut self,
        options: &OsmOptions,
        element: Element<'a>,
        pairs: &mut Vec<(&'a str, &'a str)>,
    ) {
        pairs.clear();
        match element {
            Element::Node(node) => {
                pairs.extend(node.tags());
                let position = LonLat {
                    lon: node.lon(),
                    lat: node.lat(),
                };
                self.node(options, node.id(), position, pairs)
            }
            Element::DenseNode(node) => {
                pairs.extend(node.tags());
                let position = LonLat {
                    lon: node.lon(),
                    lat: node.lat(),
                };
                self.node(options, node.id(), position, pairs)
            }
            Element::Way(way) => {
                pairs.extend(way.tags());
                let walk = is_walkable(&pairs[..]);
                let roles = roles(&pairs[..], options);
                let refs = way.refs().collect();
                if walk || roles.any() {
                    if walk {
                        self.walkable.push(way.id());
                    }
                    // A street's tags decide nothing after this; a way with a role's do.
                    let tags = if roles.any() {
                        Tags::from_pairs(pairs.iter().copied())
                    } else {
                        Tags::default()
                    };
                    self.ways.push((way.id(), WayInfo { refs, tags, roles }));
                } else {
                    self.other_ways.push((way.id(), refs));
                }
            }
            Element::Relation(relation) => {
                pairs.extend(relation.tags());
                if !matches!(
                    TagSource::get(&pairs[..], "type"),
                    Some("multipolygon" | "boundary")
                ) {
                    return;
                }
                let roles = roles(&pairs[..], options);
                if !roles.any() {
                    return;
                }
                let members = relation
                    .members()
                    .filter(|m| m.member_type == RelMemberType::Way)
                    .map(|m| (m.member_id, m.role().map(|r| r == "inner").unwrap_or(false)))
                    .collect();
                self.relations.push(RelationInfo {
                    id: relation.id(),
                    tags: Tags::from_pairs(pairs.iter().copied()),
                    roles,
                    members,
                });
            }
        }
    }

    fn node(&mut self, options: &OsmOptions, id: i64, position: LonLat, pairs: &[(&str, &str)]) {
        self.node_ids.push(id);
        self.node_positions.push(position);
        if !pairs.is_empty() {
            let roles = roles(pairs, options);
            // A home mapped as one node (`building=residential` on a point) counts like a
            // building outline.
            if roles.places() {
                self.tagged_points.push(TaggedPoint {
                    id,
                    position,
                    tags: Tags::from_pairs(pairs.iter().copied()),
                    roles,
                });
            }
        }
    }
}

/// Decodes every block of `reader` once, in parallel, and merges the blocks in file order.
pub(super) fn harvest<R: Read + Send>(
    reader: BlobReader<R>,
    options: &OsmOptions,
) -> Result<Harvest, osmpbf::Error> {
    let mut blocks: Vec<(usize, BlockHarvest)> = reader
        .enumerate()
        .par_bridge()
        .map(|(number, blob)| {
            let mut block = BlockHarvest::default();
            if let BlobDecode::OsmData(data) = blob?.decode()? {
                let mut pairs = Vec::new();
                for element in data.elements() {
                    block.element(options, element, &mut pairs);
                }
            }
            Ok((number, block))
        })
        .collect::<Result<_, osmpbf::Error>>()?;
    blocks.sort_unstable_by_key(|&(number, _)| number);
    Ok(merge(blocks.into_iter().map(|(_, block)| block).collect()))
}

fn merge(blocks: Vec<BlockHarvest>) -> Harvest {
    let node_count = blocks.iter().map(|b| b.node_ids.len()).sum();
    let way_count = blocks.iter().map(|b| b.ways.len()).sum();
    let (mut node_ids, mut node_positions) = (
        Vec::with_capacity(node_count),
        Vec::with_capacity(node_count),
    );
    let mut ways = HashMap::with_capacity(way_count);
    let (mut relations, mut walkable, mut tagged_points, mut other_ways) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for block in blocks {
        node_ids.extend(block.node_ids);
        node_positions.extend(block.node_positions);
        relations.extend(block.relations);
        walkable.extend(block.walkable);
        tagged_points.extend(block.tagged_points);
        other_ways.push(block.other_ways);
        for (id, way) in block.ways {
            ways.insert(id, way);
        }
    }
    let member_ways: HashSet<i64> = relations
        .iter()
        .flat_map(|r: &RelationInfo| r.members.iter().map(|&(id, _)| id))
        .collect();
    // Members without a role of their own: their tags decide nothing, so none are kept.
    for (id, refs) in other_ways.into_iter().flatten() {
        if member_ways.contains(&id) {
            ways.entry(id).or_insert(WayInfo {
                refs,
                tags: Tags::default(),
                roles: Roles::default(),
            });
        }
    }
    Harvest {
        relations,
        ways,
        walkable,
        nodes: NodeTable::new(node_ids, node_positions),
        tagged_points,
        member_ways,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lon: f64) -> LonLat {
        LonLat { lon, lat: 0.0 }
    }

    #[test]
    fn nodes_are_found_by_id_whatever_the_order_they_came_in() {
        let table = NodeTable::new(vec![30, 10, 20], vec![at(3.0), at(1.0), at(2.0)]);
        assert_eq!(table.get(10), Some(at(1.0)));
        assert_eq!(table.get(30), Some(at(3.0)));
        assert_eq!(table.get(15), None);
        assert_eq!(table.get(31), None);
        assert_eq!(table.slot(20), Some(1));
        assert_eq!(table.len(), 3);
        let sorted = NodeTable::new(vec![1, 2], vec![at(1.0), at(2.0)]);
        assert_eq!(sorted.get(2), Some(at(2.0)));
        assert_eq!(NodeTable::default().get(1), None);
    }
}
