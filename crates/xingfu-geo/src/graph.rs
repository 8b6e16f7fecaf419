//! The walking graph in compact (CSR) form.
//!
//! Walking ignores one-way rules, so every street segment is an undirected edge, stored in both
//! directions. Edge lengths are whole millimetres (see [`crate::geometry`]). Parallel edges
//! between the same two nodes are merged into the shortest one and self-loops dropped: the graph
//! is then a simple graph, the same one networkx and pandana build from the exported edge list.

use crate::geometry::LonLat;

/// Index of a node in a [`WalkingGraph`].
pub type NodeIndex = u32;

/// Why an edge list cannot become a graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("edge {edge} refers to node {node}, but the graph has {nodes} nodes")]
    UnknownNode {
        edge: usize,
        node: NodeIndex,
        nodes: usize,
    },
    #[error("{0} nodes are more than a graph can index")]
    TooManyNodes(usize),
    #[error("{0} positions given for {1} nodes")]
    PositionCount(usize, usize),
}

/// An undirected edge: two node indexes and a length in millimetres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: NodeIndex,
    pub to: NodeIndex,
    pub length_mm: u32,
}

/// A walking network: nodes with positions and OpenStreetMap ids, edges in CSR form.
#[derive(Clone, Debug, Default)]
pub struct WalkingGraph {
    positions: Vec<LonLat>,
    osm_ids: Vec<i64>,
    /// `neighbours[offsets[n]..offsets[n + 1]]` are the edges leaving node `n`.
    offsets: Vec<u32>,
    neighbours: Vec<NodeIndex>,
    lengths_mm: Vec<u32>,
}

impl WalkingGraph {
    /// Builds the graph from undirected edges; `osm_ids` and `positions` are per node.
    pub fn new(
        osm_ids: Vec<i64>,
        positions: Vec<LonLat>,
        edges: &[Edge],
    ) -> Result<WalkingGraph, GraphError> {
        check(osm_ids.len(), positions.len(), edges)?;
        let nodes = osm_ids.len();
        let mut simple: Vec<Edge> = Vec::with_capacity(edges.len());
        for edge in edges {
            if edge.from != edge.to {
                simple.push(Edge {
                    from: edge.from.min(edge.to),
                    to: edge.from.max(edge.to),
                    length_mm: edge.length_mm,
                });
            }
        }
        // Sorted by (from, to, length): the first of each pair is the shortest.
        simple.sort_unstable();
        simple.dedup_by(|later, kept| later.from == kept.from && later.to == kept.to);

        let mut degree = vec![0u32; nodes + 1];
        for edge in &simple {
            degree[edge.from as usize] += 1;
            degree[edge.to as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(nodes + 1);
        let mut running = 0u32;
        for d in &degree[..nodes] {
            offsets.push(running);
            running += d;
        }
        offsets.push(running);
        let mut fill: Vec<u32> = offsets[..nodes].to_vec();
        let mut neighbours = vec![0; running as usize];
        let mut lengths_mm = vec![0; running as usize];
        for edge in &simple {
            for (a, b) in [(edge.from, edge.to), (edge.to, edge.from)] {
                let slot = fill[a as usize] as usize;
                neighbours[slot] = b;
                lengths_mm[slot] = edge.length_mm;
                fill[a as usize] += 1;
            }
        }
        Ok(WalkingGraph {
            positions,
            osm_ids,
            offsets,
            neighbours,
            lengths_mm,
        })
    }

    pub fn node_count(&self) -> usize {
        self.positions.len()
    }

    /// Number of undirected edges.
    pub fn edge_count(&self) -> usize {
        self.neighbours.len() / 2
    }

    pub fn position(&self, node: NodeIndex) -> LonLat {
        self.positions[node as usize]
    }

    pub fn positions(&self) -> &[LonLat] {
        &self.positions
    }

    pub fn osm_id(&self, node: NodeIndex) -> i64 {
        self.osm_ids[node as usize]
    }

    pub fn degree(&self, node: NodeIndex) -> usize {
        let n = node as usize;
        (self.offsets[n + 1] - self.offsets[n]) as usize
    }

    /// Neighbours of `node` with the edge lengths in millimetres.
    pub fn neighbours(&self, node: NodeIndex) -> impl Iterator<Item = (NodeIndex, u32)> + '_ {
        let range = self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize;
        self.neighbours[range.clone()]
            .iter()
            .copied()
            .zip(self.lengths_mm[range].iter().copied())
    }

    /// Each undirected edge once, with `from < to`, in node order.
    pub fn edges(&self) -> impl Iterator<Item = Edge> + '_ {
        (0..self.node_count() as NodeIndex).flat_map(move |from| {
            self.neighbours(from)
                .filter(move |&(to, _)| from < to)
                .map(move |(to, length_mm)| Edge {
                    from,
                    to,
                    length_mm,
                })
        })
    }

    /// Sum of all edge lengths in millimetres.
    pub fn total_length_mm(&self) -> u64 {
        self.lengths_mm.iter().map(|&l| l as u64).sum::<u64>() / 2
    }

    /// Connected component number of every node; components are numbered from 0 in order of
    /// their lowest node.
    pub fn components(&self) -> (Vec<u32>, usize) {
        const UNSEEN: u32 = u32::MAX;
        let mut component = vec![UNSEEN; self.node_count()];
        let mut count = 0u32;
        let mut stack = Vec::new();
        for start in 0..self.node_count() {
            if component[start] != UNSEEN {
                continue;
            }
            component[start] = count;
            stack.push(start as NodeIndex);
            while let Some(node) = stack.pop() {
                for (next, _) in self.neighbours(node) {
                    if component[next as usize] == UNSEEN {
                        component[next as usize] = count;
                        stack.push(next);
                    }
                }
            }
            count += 1;
        }
        (component, count as usize)
    }

    /// The graph of [`WalkingGraph::new`] cut to its largest connected component (ties: the
    /// one with the lowest node), built once: the components are found on the edge list
    /// (union–find) before the compact form is made. Origins and facilities snapped to a small
    /// fragment cut off by the extract's edge would otherwise look unreachable.
    pub fn largest_component_of(
        osm_ids: Vec<i64>,
        positions: Vec<LonLat>,
        edges: Vec<Edge>,
    ) -> Result<WalkingGraph, GraphError> {
        check(osm_ids.len(), positions.len(), &edges)?;
        let nodes = osm_ids.len();
        let mut parent: Vec<u32> = (0..nodes as u32).collect();
        fn root(parent: &mut [u32], mut node: u32) -> u32 {
            while parent[node as usize] != node {
                // Path halving keeps the trees flat.
                parent[node as usize] = parent[parent[node as usize] as usize];
                node = parent[node as usize];
            }
            node
        }
        for edge in &edges {
            let (a, b) = (root(&mut parent, edge.from), root(&mut parent, edge.to));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        let mut size = vec![0u32; nodes];
        let roots: Vec<u32> = (0..nodes as u32).map(|n| root(&mut parent, n)).collect();
        for &r in &roots {
            size[r as usize] += 1;
        }
        // Roots are each component's lowest node, so the first largest in node order is the
        // tie's winner.
        let Some(largest) = (0..nodes)
            .filter(|&n| roots[n] as usize == n)
            .reduce(|best, n| if size[n] > size[best] { n } else { best })
        else {
            return WalkingGraph::new(osm_ids, positions, &edges);
        };
        if size[largest] as usize == nodes {
            return WalkingGraph::new(osm_ids, positions, &edges);
        }
        let mut new_index = vec![u32::MAX; nodes];
        let (mut kept_ids, mut kept_positions) = (Vec::new(), Vec::new());
        for node in 0..nodes {
            if roots[node] as usize == largest {
                new_index[node] = kept_ids.len() as u32;
                kept_ids.push(osm_ids[node]);
                kept_positions.push(positions[node]);
            }
        }
        let kept: Vec<Edge> = edges
            .iter()
            .filter(|e| roots[e.from as usize] as usize == largest)
            .map(|e| Edge {
                from: new_index[e.from as usize],
                to: new_index[e.to as usize],
                length_mm: e.length_mm,
            })
            .collect();
        WalkingGraph::new(kept_ids, kept_positions, &kept)
    }
}

/// What [`WalkingGraph::new`] refuses: a position per node, indexes that fit, known nodes.
fn check(nodes: usize, positions: usize, edges: &[Edge]) -> Result<(), GraphError> {
    if positions != nodes {
        return Err(GraphError::PositionCount(positions, nodes));
    }
    // Each undirected edge is stored twice; offsets are u32.
    if nodes >= u32::MAX as usize || edges.len() >= (u32::MAX / 2) as usize {
        return Err(GraphError::TooManyNodes(nodes.max(edges.len())));
    }
    for (number, edge) in edges.iter().enumerate() {
        for node in [edge.from, edge.to] {
            if node as usize >= nodes {
                return Err(GraphError::UnknownNode {
                    edge: number,
                    node,
                    nodes,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A graph with nodes placed along the equator, edges as (from, to, millimetres).
    pub fn hand_graph(nodes: usize, edges: &[(u32, u32, u32)]) -> WalkingGraph {
        let positions = (0..nodes)
            .map(|i| LonLat {
                lon: i as f64 * 0.001,
                lat: 0.0,
            })
            .collect();
        let edges: Vec<Edge> = edges
            .iter()
            .map(|&(from, to, length_mm)| Edge {
                from,
                to,
                length_mm,
            })
            .collect();
        WalkingGraph::new((0..nodes as i64).collect(), positions, &edges).unwrap()
    }

    #[test]
    fn edges_are_undirected_and_parallel_edges_keep_the_shortest() {
        let g = hand_graph(3, &[(0, 1, 500), (1, 0, 300), (1, 2, 700), (2, 2, 5)]);
        assert_eq!(g.edge_count(), 2);
        let from_1: Vec<_> = g.neighbours(1).collect();
        assert_eq!(from_1, vec![(0, 300), (2, 700)]);
        assert_eq!(g.neighbours(2).collect::<Vec<_>>(), vec![(1, 700)]);
        assert_eq!(g.total_length_mm(), 1000);
        assert_eq!(g.degree(1), 2);
        let edges: Vec<_> = g.edges().collect();
        assert_eq!(
            edges,
            vec![
                Edge {
                    from: 0,
                    to: 1,
                    length_mm: 300
                },
                Edge {
                    from: 1,
                    to: 2,
                    length_mm: 700
                }
            ]
        );
    }

    #[test]
    fn unknown_nodes_are_refused() {
        let err = WalkingGraph::new(
            vec![1, 2],
            vec![LonLat { lon: 0.0, lat: 0.0 }; 2],
            &[Edge {
                from: 0,
                to: 2,
                length_mm: 1,
            }],
        )
        .unwrap_err();
        assert_eq!(
            err,
            GraphError::UnknownNode {
                edge: 0,
                node: 2,
                nodes: 2
            }
        );
        assert!(WalkingGraph::new(vec![1], vec![], &[]).is_err());
    }

    #[test]
    fn largest_component_keeps_ids_and_lengths() {
        // Component {0,1} and component {2,3,4}.
        let g = hand_graph(5, &[(0, 1, 10), (2, 3, 20), (3, 4, 30)]);
        let (component, count) = g.components();
        assert_eq!(count, 2);
        assert_eq!(component, vec![0, 0, 1, 1, 1]);
        let edges: Vec<Edge> = g.edges().collect();
        let big =
            WalkingGraph::largest_component_of((0..5).collect(), g.positions().to_vec(), edges)
                .unwrap();
        assert_eq!(big.node_count(), 3);
        assert_eq!(
            (0..3).map(|n| big.osm_id(n)).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert_eq!(big.total_length_mm(), 50);
        assert_eq!(big.position(0), g.position(2));
    }

    /// The largest component of the whole graph by [`WalkingGraph::components`] (ties: the
    /// lowest-numbered): its nodes' ids and its edges with the ids at both ends.
    fn expected_component(g: &WalkingGraph) -> (Vec<i64>, Vec<(i64, i64, u32)>) {
        let (component, count) = g.components();
        let mut sizes = vec![0; count];
        for &c in &component {
            sizes[c as usize] += 1;
        }
        let largest = (0..count).fold(0, |best, c| if sizes[c] > sizes[best] { c } else { best });
        let inside = |n: u32| component[n as usize] as usize == largest;
        let ids = (0..g.node_count() as u32)
            .filter(|&n| inside(n))
            .map(|n| g.osm_id(n))
            .collect();
        let edges = g
            .edges()
            .filter(|e| inside(e.from))
            .map(|e| (g.osm_id(e.from), g.osm_id(e.to), e.length_mm))
            .collect();
        (ids, edges)
    }

    fn id_form(g: &WalkingGraph) -> (Vec<i64>, Vec<(i64, i64, u32)>) {
        let ids = (0..g.node_count() as u32).map(|n| g.osm_id(n)).collect();
        let edges = g
            .edges()
            .map(|e| (g.osm_id(e.from), g.osm_id(e.to), e.length_mm))
            .collect();
        (ids, edges)
    }

    #[test]
    fn the_largest_component_built_at_once_is_the_whole_graphs_largest() {
        // (nodes, edges as (from, to, millimetres))
        type Case = (usize, &'static [(u32, u32, u32)]);
        let cases: &[Case] = &[
            // Two components, the second larger; a parallel edge and a self-loop in it.
            (
                6,
                &[
                    (0, 1, 10),
                    (2, 3, 20),
                    (3, 4, 30),
                    (4, 3, 5),
                    (4, 4, 1),
                    (5, 2, 7),
                ],
            ),
            // A tie: the component with the lowest node is kept.
            (4, &[(2, 3, 1), (0, 1, 2)]),
            // One component: everything is kept.
            (3, &[(2, 1, 4), (1, 0, 4)]),
            // No edges: every node is its own component, the first one is kept.
            (3, &[]),
            // Joined late: 0–1 and 2–3 become one through 1–3.
            (5, &[(0, 1, 1), (2, 3, 1), (1, 3, 1), (4, 4, 9)]),
        ];
        for (nodes, edges) in cases {
            let whole = hand_graph(*nodes, edges);
            let edge_list: Vec<Edge> = edges
                .iter()
                .map(|&(from, to, length_mm)| Edge {
                    from,
                    to,
                    length_mm,
                })
                .collect();
            let at_once = WalkingGraph::largest_component_of(
                (0..*nodes as i64).collect(),
                whole.positions().to_vec(),
                edge_list,
            )
            .unwrap();
            assert_eq!(id_form(&at_once), expected_component(&whole), "{edges:?}");
            for n in 0..at_once.node_count() as u32 {
                let original = at_once.osm_id(n) as u32;
                assert_eq!(at_once.position(n), whole.position(original));
            }
        }
        let unknown = WalkingGraph::largest_component_of(
            vec![1],
            vec![LonLat { lon: 0.0, lat: 0.0 }],
            vec![Edge {
                from: 0,
                to: 1,
                length_mm: 1,
            }],
        );
        assert!(matches!(
            unknown,
            Err(GraphError::UnknownNode { node: 1, .. })
        ));
    }
}
