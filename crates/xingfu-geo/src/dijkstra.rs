//! Shortest walking distances: multi-source Dijkstra and bounded single-source searches.
//!
//! For the circle, all facilities of one function are sources at once: one search gives every
//! node its distance to the nearest facility of that function, instead of one search per node.
//! A source may start with an offset (the facility's access leg). Distances are millimetres in
//! u64, so no walk on Earth overflows and sums are exact.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::graph::{NodeIndex, WalkingGraph};

/// Distance of a node no source reaches (or reaches only beyond the cutoff).
pub const UNREACHED: u64 = u64::MAX;

/// A search start: a node and the distance already walked to reach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    pub node: NodeIndex,
    pub offset_mm: u64,
}

/// For every node: the distance to the nearest source and which source that is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearestField {
    /// Millimetres, [`UNREACHED`] when no source is within reach.
    pub distance_mm: Vec<u64>,
    /// Index into the sources slice, `u32::MAX` when unreached.
    pub source: Vec<u32>,
}

impl NearestField {
    pub fn distance(&self, node: NodeIndex) -> Option<u64> {
        let d = self.distance_mm[node as usize];
        (d != UNREACHED).then_some(d)
    }

    pub fn nearest_source(&self, node: NodeIndex) -> Option<usize> {
        let s = self.source[node as usize];
        (s != u32::MAX).then_some(s as usize)
    }
}

/// Distance from every node to its nearest source. With a cutoff, nodes farther than the
/// cutoff are left [`UNREACHED`]; a node exactly at the cutoff is reached.
pub fn nearest_sources(
    graph: &WalkingGraph,
    sources: &[Source],
    cutoff_mm: Option<u64>,
) -> NearestField {
    let n = graph.node_count();
    let limit = cutoff_mm.unwrap_or(UNREACHED - 1);
    let mut distance_mm = vec![UNREACHED; n];
    let mut source = vec![u32::MAX; n];
    let mut heap = BinaryHeap::new();
    for (index, start) in sources.iter().enumerate() {
        let node = start.node as usize;
        if node < n && start.offset_mm <= limit && start.offset_mm < distance_mm[node] {
            distance_mm[node] = start.offset_mm;
            source[node] = index as u32;
            heap.push(Reverse((start.offset_mm, start.node)));
        }
    }
    while let Some(Reverse((d, node))) = heap.pop() {
        if d > distance_mm[node as usize] {
            continue;
        }
        let from_source = source[node as usize];
        for (next, length) in graph.neighbours(node) {
            let candidate = d + length as u64;
            if candidate <= limit && candidate < distance_mm[next as usize] {
                distance_mm[next as usize] = candidate;
                source[next as usize] = from_source;
                heap.push(Reverse((candidate, next)));
            }
        }
    }
    NearestField {
        distance_mm,
        source,
    }
}

/// [`nearest_sources`] for several source groups (one per function), on up to `threads`
/// threads; results in the order of the groups.
pub fn nearest_sources_each(
    graph: &WalkingGraph,
    groups: &[Vec<Source>],
    cutoff_mm: Option<u64>,
    threads: usize,
) -> Vec<NearestField> {
    let threads = threads.clamp(1, groups.len().max(1));
    if threads == 1 {
        return groups
            .iter()
            .map(|sources| nearest_sources(graph, sources, cutoff_mm))
            .collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<NearestField>> = vec![None; groups.len()];
    let finished: Vec<Vec<(usize, NearestField)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(sources) = groups.get(i) else { break };
                        done.push((i, nearest_sources(graph, sources, cutoff_mm)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_default())
            .collect()
    });
    for (i, field) in finished.into_iter().flatten() {
        results[i] = Some(field);
    }
    results
        .into_iter()
        .zip(groups)
        .map(|(field, sources)| field.unwrap_or_else(|| nearest_sources(graph, sources, cutoff_mm)))
        .collect()
}

/// A reusable single-source search bounded by a budget: it touches only the nodes within the
/// budget, and resets only those, so thousands of small searches on a large graph stay cheap.
pub struct BoundedSearch {
    distance_mm: Vec<u64>,
    touched: Vec<NodeIndex>,
    heap: BinaryHeap<Reverse<(u64, NodeIndex)>>,
}

impl BoundedSearch {
    pub fn new(graph: &WalkingGraph) -> BoundedSearch {
        BoundedSearch {
            distance_mm: vec![UNREACHED; graph.node_count()],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Calls `visit(node, distance)` once for every node within `budget_mm` of `start`
    /// (inclusive), in order of distance.
    pub fn run(
        &mut self,
        graph: &WalkingGraph,
        start: NodeIndex,
        budget_mm: u64,
        mut visit: impl FnMut(NodeIndex, u64),
    ) {
        for node in self.touched.drain(..) {
            self.distance_mm[node as usize] = UNREACHED;
        }
        self.heap.clear();
        if start as usize >= self.distance_mm.len() {
            return;
        }
        self.distance_mm[start as usize] = 0;
        self.touched.push(start);
        self.heap.push(Reverse((0, start)));
        while let Some(Reverse((d, node))) = self.heap.pop() {
            if d > self.distance_mm[node as usize] {
                continue;
            }
            visit(node, d);
            for (next, length) in graph.neighbours(node) {
                let candidate = d + length as u64;
                let slot = &mut self.distance_mm[next as usize];
                if candidate <= budget_mm && candidate < *slot {
                    if *slot == UNREACHED {
                        self.touched.push(next);
                    }
                    *slot = candidate;
                    self.heap.push(Reverse((candidate, next)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::hand_graph;
    use proptest::prelude::*;

    fn at(node: NodeIndex) -> Source {
        Source { node, offset_mm: 0 }
    }

    /// 0 —100— 1 —200— 2 —300— 3     4 (isolated)
    ///          \________50_______/ via 5: 1 —20— 5 —30— 3
    fn sample() -> WalkingGraph {
        hand_graph(
            6,
            &[
                (0, 1, 100),
                (1, 2, 200),
                (2, 3, 300),
                (1, 5, 20),
                (5, 3, 30),
            ],
        )
    }

    #[test]
    fn single_source_distances_take_the_shortest_route() {
        let field = nearest_sources(&sample(), &[at(0)], None);
        assert_eq!(
            field.distance_mm,
            vec![0, 100, 300, 150, UNREACHED, 120],
            "3 is reached through 5, not through 2"
        );
        assert_eq!(field.distance(4), None);
        assert_eq!(field.nearest_source(3), Some(0));
        assert_eq!(field.nearest_source(4), None);
    }

    #[test]
    fn several_sources_give_the_nearest_of_them() {
        let field = nearest_sources(&sample(), &[at(0), at(2)], None);
        assert_eq!(field.distance_mm, vec![0, 100, 0, 150, UNREACHED, 120]);
        assert_eq!(field.source[2], 1);
        assert_eq!(field.source[1], 0, "100 from node 0 beats 200 from node 2");
    }

    #[test]
    fn offsets_count_as_walked_distance() {
        let sources = [
            Source {
                node: 0,
                offset_mm: 500,
            },
            Source {
                node: 2,
                offset_mm: 10,
            },
        ];
        let field = nearest_sources(&sample(), &sources, None);
        // Node 0: its own facility at 500, or 10 + 200 + 100 = 310 from the other.
        assert_eq!(field.distance_mm[0], 310);
        assert_eq!(field.source[0], 1);
    }

    #[test]
    fn cutoff_includes_the_boundary_and_excludes_beyond() {
        let exactly = nearest_sources(&sample(), &[at(0)], Some(150));
        assert_eq!(exactly.distance(3), Some(150));
        assert_eq!(exactly.distance(2), None, "300 > 150");
        let just_below = nearest_sources(&sample(), &[at(0)], Some(149));
        assert_eq!(just_below.distance(3), None);
        assert_eq!(just_below.distance(5), Some(120));
        let offset_beyond = nearest_sources(
            &sample(),
            &[Source {
                node: 0,
                offset_mm: 200,
            }],
            Some(150),
        );
        assert!(offset_beyond.distance_mm.iter().all(|&d| d == UNREACHED));
    }

    #[test]
    fn groups_on_threads_match_one_by_one() {
        let graph = sample();
        let groups = vec![vec![at(0)], vec![], vec![at(2), at(4)], vec![at(3)]];
        let one_by_one: Vec<_> = groups
            .iter()
            .map(|g| nearest_sources(&graph, g, Some(250)))
            .collect();
        for threads in [1, 2, 8] {
            assert_eq!(
                nearest_sources_each(&graph, &groups, Some(250), threads),
                one_by_one
            );
        }
        assert!(nearest_sources_each(&graph, &[], None, 2).is_empty());
    }

    #[test]
    fn no_sources_reach_nothing() {
        let field = nearest_sources(&sample(), &[], None);
        assert!(field.distance_mm.iter().all(|&d| d == UNREACHED));
        let bad = nearest_sources(&sample(), &[at(99)], None);
        assert!(bad.distance_mm.iter().all(|&d| d == UNREACHED));
    }

    #[test]
    fn bounded_search_visits_within_budget_and_resets() {
        let graph = sample();
        let mut search = BoundedSearch::new(&graph);
        let mut seen = Vec::new();
        search.run(&graph, 0, 120, |node, d| seen.push((node, d)));
        assert_eq!(seen, vec![(0, 0), (1, 100), (5, 120)]);
        seen.clear();
        search.run(&graph, 3, 50, |node, d| seen.push((node, d)));
        assert_eq!(seen, vec![(3, 0), (5, 30), (1, 50)]);
    }

    /// Floyd–Warshall on a small graph, as an independent answer.
    fn all_pairs(nodes: usize, edges: &[(u32, u32, u32)]) -> Vec<Vec<u64>> {
        let mut d = vec![vec![UNREACHED; nodes]; nodes];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0;
        }
        for &(a, b, w) in edges {
            let (a, b) = (a as usize, b as usize);
            if a != b {
                d[a][b] = d[a][b].min(w as u64);
                d[b][a] = d[b][a].min(w as u64);
            }
        }
        for k in 0..nodes {
            for i in 0..nodes {
                for j in 0..nodes {
                    if d[i][k] != UNREACHED && d[k][j] != UNREACHED {
                        d[i][j] = d[i][j].min(d[i][k] + d[k][j]);
                    }
                }
            }
        }
        d
    }

    proptest! {
        #[test]
        fn multi_source_equals_minimum_over_sources(
            edges in prop::collection::vec((0u32..12, 0u32..12, 0u32..1000), 0..40),
            sources in prop::collection::vec((0u32..12, 0u64..500), 1..4),
            cutoff in prop::option::of(0u64..2000),
        ) {
            let graph = hand_graph(12, &edges);
            let pairs = all_pairs(12, &edges);
            let starts: Vec<Source> = sources
                .iter()
                .map(|&(node, offset_mm)| Source { node, offset_mm })
                .collect();
            let field = nearest_sources(&graph, &starts, cutoff);
            for (node, &found) in field.distance_mm.iter().enumerate() {
                let best = starts
                    .iter()
                    .filter(|s| pairs[s.node as usize][node] != UNREACHED)
                    .map(|s| s.offset_mm + pairs[s.node as usize][node])
                    .min()
                    .filter(|&d| cutoff.is_none_or(|c| d <= c))
                    .unwrap_or(UNREACHED);
                prop_assert_eq!(found, best);
                if let Some(s) = field.nearest_source(node as NodeIndex) {
                    let s = starts[s];
                    prop_assert_eq!(s.offset_mm + pairs[s.node as usize][node], best);
                }
            }
        }
    }
}
