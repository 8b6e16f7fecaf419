//! The reader as it was before blocks were decoded in parallel, kept as the test oracle: three
//! sequential passes (relations, then ways, then only the nodes those ways use). The parallel
//! reader must give exactly the same import on the shipped extracts, with every option.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use osmpbf::{Element, ElementReader, RelMemberType};

use super::read::{Harvest, NodeTable};
use super::*;
use crate::tags::{Dwelling, is_walkable};

fn sequential_harvest(path: &Path, options: &OsmOptions) -> Harvest {
    let open = || ElementReader::from_path(path).unwrap();
    let mut relations: Vec<RelationInfo> = Vec::new();
    open()
        .for_each(|element| {
            if let Element::Relation(relation) = element {
                let tags = Tags::from_pairs(relation.tags());
                let roles = roles(&tags, options);
                if !matches!(tags.get("type"), Some("multipolygon" | "boundary")) || !roles.any() {
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
                    roles,
                    members,
                });
            }
        })
        .unwrap();
    let member_ways: HashSet<i64> = relations
        .iter()
        .flat_map(|r| r.members.iter().map(|&(id, _)| id))
        .collect();

    let mut ways: HashMap<i64, WayInfo> = HashMap::new();
    let mut walkable: Vec<i64> = Vec::new();
    open()
        .for_each(|element| {
            if let Element::Way(way) = element {
                let tags = Tags::from_pairs(way.tags());
                let walk = is_walkable(&tags);
                let roles = roles(&tags, options);
                if walk || member_ways.contains(&way.id()) || roles.any() {
                    if walk {
                        walkable.push(way.id());
                    }
                    let refs = way.refs().collect();
                    ways.insert(way.id(), WayInfo { refs, tags, roles });
                }
            }
        })
        .unwrap();
    let needed: HashSet<i64> = ways.values().flat_map(|w| w.refs.iter().copied()).collect();

    let (mut ids, mut positions) = (Vec::new(), Vec::new());
    let mut tagged_points: Vec<TaggedPoint> = Vec::new();
    let mut visit = |id: i64, lon: f64, lat: f64, tags: Tags| {
        let position = LonLat { lon, lat };
        if needed.contains(&id) {
            ids.push(id);
            positions.push(position);
        }
        if !tags.is_empty() {
            let roles = roles(&tags, options);
            if roles.facility || roles.address || roles.home != Dwelling::No {
                tagged_points.push(TaggedPoint {
                    id,
                    position,
                    tags,
                    roles,
                });
            }
        }
    };
    open()
        .for_each(|element| match element {
            Element::Node(node) => visit(
                node.id(),
                node.lon(),
                node.lat(),
                Tags::from_pairs(node.tags()),
            ),
            Element::DenseNode(node) => visit(
                node.id(),
                node.lon(),
                node.lat(),
                Tags::from_pairs(node.tags()),
            ),
            _ => {}
        })
        .unwrap();
    Harvest {
        relations,
        ways,
        walkable,
        nodes: NodeTable::new(ids, positions),
        tagged_points,
        member_ways,
    }
}

fn shipped(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn the_parallel_reader_imports_exactly_what_three_sequential_passes_import() {
    let options = [
        OsmOptions::default(),
        OsmOptions {
            origins: OriginKind::Addresses,
            communities: CommunitySource::None,
        },
        OsmOptions {
            origins: OriginKind::Buildings,
            communities: CommunitySource::AdminLevel(10),
        },
        OsmOptions {
            origins: OriginKind::Buildings,
            communities: CommunitySource::ResidentialAreas,
        },
    ];
    let mut files = 0;
    for entry in std::fs::read_dir(shipped("")).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".osm.pbf") {
            continue;
        }
        files += 1;
        for options in &options {
            let label = format!("{} {options:?}", path.display());
            let parallel = import_file(&path, options).unwrap();
            let sequential =
                assemble("oracle", sequential_harvest(&path, options), options).unwrap();
            assert_eq!(parallel.stats, sequential.stats, "{label}");
            assert!(parallel.stats.graph_nodes > 500, "{label}");
            assert_eq!(parallel.facilities, sequential.facilities, "{label}");
            assert_eq!(parallel.origins, sequential.origins, "{label}");
            assert_eq!(parallel.communities, sequential.communities, "{label}");
            assert_eq!(
                parallel.community_source, sequential.community_source,
                "{label}"
            );
            let edges = |e: &OsmExtract| e.graph.edges().collect::<Vec<_>>();
            assert_eq!(edges(&parallel), edges(&sequential), "{label}");
            assert_eq!(
                parallel.graph.positions(),
                sequential.graph.positions(),
                "{label}"
            );
            let ids = |e: &OsmExtract| {
                (0..e.graph.node_count() as u32)
                    .map(|n| e.graph.osm_id(n))
                    .collect::<Vec<_>>()
            };
            assert_eq!(ids(&parallel), ids(&sequential), "{label}");
        }
    }
    assert!(files >= 2, "the shipped extracts are in tests/data");
}
