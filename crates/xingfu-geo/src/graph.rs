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
        let nodes = osm_ids.len();
        if positions.len() != nodes {
            return Err(GraphError::PositionCount(positions.len(), nodes));
        }
        // Each undirected edge is stored twice; offsets are u32.
        if nodes >= u32::MAX as usize || edges.len() >= (u32::MAX / 2) as usize {
            return Err(GraphError::TooManyNodes(nodes.max(edges.len())));
        }
        let mut simple: Vec<Edge> = Vec::with_capacity(edges.len());
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

    /// The largest connected component as a graph of its own (ties: the one with the lowest
    /// node). Origins and facilities snapped to a small fragment cut off by the extract's edge
    /// would otherwise look unreachable.
    pub fn largest_component(&self) -> WalkingGraph {
        let (component, count) = self.components();
        if count <= 1 {
            return self.clone();
        }
        let mut sizes = vec![0usize; count];
        for &c in &component {
            sizes[c as usize] += 1;
        }
        let mut largest = 0;
        for (c, &size) in sizes.iter().enumerate() {
            if size > sizes[largest] {
                largest = c;
            }
        }
        let mut new_index = vec![u32::MAX; self.node_count()];
        let (mut osm_ids, mut positions) = (Vec::new(), Vec::new());
        for node in 0..self.node_count() {
            if component[node] as usize == largest {
                new_index[node] = osm_ids.len() as u32;
                osm_ids.push(self.osm_ids[node]);
                positions.push(self.positions[node]);
            }
        }
        let edges: Vec<Edge> = self
            .edges()
            .filter(|e| component[e.from as usize] as usize == largest)
            .map(|e| Edge {
                from: new_index[e.from as usize],
                to: new_index[e.to as usize],
                length_mm: e.length_mm,
            })
            .collect();
        WalkingGraph::new(osm_ids, positions, &edges)
            .expect("a component of a valid graph is a valid graph")
    }
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
        let big = g.largest_component();
        assert_eq!(big.node_count(), 3);
        assert_eq!(
            (0..3).map(|n| big.osm_id(n)).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert_eq!(big.total_length_mm(), 50);
        assert_eq!(big.position(0), g.position(2));
    }
}
