//! Snapping points (buildings, facilities, candidate sites) to the nearest graph node.
//!
//! Nodes are indexed in an R*-tree (rstar) by their position on the unit sphere, so the nearest
//! node by straight-line chord is exactly the nearest by great-circle distance, anywhere on
//! Earth and without a map projection. The straight walk from the point to its node (the
//! access leg) is kept, rounded to millimetres, and added to network distances.

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::geometry::{LonLat, haversine_mm};
use crate::graph::{NodeIndex, WalkingGraph};

/// A point attached to the graph: its nearest node and the straight walk to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Snapped {
    pub node: NodeIndex,
    pub access_mm: u64,
}

/// Nearest-node index of a graph.
pub struct Snapper {
    tree: RTree<GeomWithData<[f64; 3], NodeIndex>>,
    positions: Vec<LonLat>,
}

impl Snapper {
    pub fn new(graph: &WalkingGraph) -> Snapper {
        let entries = graph
            .positions()
            .iter()
            .enumerate()
            .map(|(node, p)| GeomWithData::new(p.unit_vector(), node as NodeIndex))
            .collect();
        Snapper {
            tree: RTree::bulk_load(entries),
            positions: graph.positions().to_vec(),
        }
    }

    /// The nearest node; None only for a graph without nodes.
    pub fn snap(&self, point: LonLat) -> Option<Snapped> {
        let nearest = self.tree.nearest_neighbor(point.unit_vector())?;
        let node = nearest.data;
        Some(Snapped {
            node,
            access_mm: haversine_mm(point, self.positions[node as usize]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Edge;

    #[test]
    fn snaps_to_the_nearest_node_with_its_access_leg() {
        let positions = vec![
            LonLat {
                lon: 116.35,
                lat: 40.0,
            },
            LonLat {
                lon: 116.36,
                lat: 40.0,
            },
            LonLat {
                lon: 116.35,
                lat: 40.01,
            },
        ];
        let graph = WalkingGraph::new(
            vec![10, 11, 12],
            positions.clone(),
            &[Edge {
                from: 0,
                to: 1,
                length_mm: 1,
            }],
        )
        .unwrap();
        let snapper = Snapper::new(&graph);
        let near_second = LonLat {
            lon: 116.3585,
            lat: 40.0005,
        };
        let snapped = snapper.snap(near_second).unwrap();
        assert_eq!(snapped.node, 1);
        assert_eq!(snapped.access_mm, haversine_mm(near_second, positions[1]));
        let on_third = snapper.snap(positions[2]).unwrap();
        assert_eq!(
            on_third,
            Snapped {
                node: 2,
                access_mm: 0
            }
        );
        assert!(
            Snapper::new(&WalkingGraph::default())
                .snap(positions[0])
                .is_none()
        );
    }

    #[test]
    fn nearest_by_chord_is_nearest_by_great_circle_at_high_latitude() {
        // At 60° N a degree of longitude is half a degree of latitude on the ground: a node
        // 0.0015° east is nearer than one 0.001° north, although farther in raw degrees.
        let positions = vec![
            LonLat {
                lon: 24.9415,
                lat: 60.17,
            },
            LonLat {
                lon: 24.94,
                lat: 60.171,
            },
        ];
        let graph = WalkingGraph::new(vec![1, 2], positions, &[]).unwrap();
        let snapped = Snapper::new(&graph)
            .snap(LonLat {
                lon: 24.94,
                lat: 60.17,
            })
            .unwrap();
        assert_eq!(snapped.node, 0);
    }
}
