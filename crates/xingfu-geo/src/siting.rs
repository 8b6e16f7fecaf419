//! Where to put new facilities: greedy maximal coverage on candidate sites.
//!
//! Each candidate site covers the origins within reach of it that no existing facility of the
//! function covers. Picking `count` sites to cover the most weight is NP-hard; the greedy
//! choice (always the site adding the most) is within 1 − 1/e of the optimum and is what a
//! planner can follow and check by hand. Gains only shrink as sites are picked, so stale gains
//! are upper bounds and the lazy evaluation below picks exactly what the plain greedy would.
//! Ties go to the candidate listed first; a site that would add nothing is never suggested.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use crate::coverage::{CircleAnalysis, Origin};
use crate::dijkstra::BoundedSearch;
use crate::function::ServiceFunction;
use crate::graph::{NodeIndex, WalkingGraph};
use crate::snap::Snapped;

/// One suggested site, in the order picked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SitePick {
    /// Index into the candidate list.
    pub candidate: usize,
    /// Weight (residents or buildings) newly covered by this site.
    pub gain: u64,
    /// Origins newly covered by this site (indexes into the origin list), ascending.
    pub newly_covered: Vec<u32>,
}

/// Greedy maximal coverage. `covers[c]` lists the origins candidate `c` would reach; origins
/// already covered count for nothing.
pub fn greedy_max_coverage(
    covers: &[Vec<u32>],
    weights: &[u64],
    already_covered: &[bool],
    count: usize,
) -> Vec<SitePick> {
    let mut covered: Vec<bool> = already_covered.to_vec();
    covered.resize(weights.len(), false);
    // An origin listed twice for one site counts once; origins without a weight are ignored.
    let covers: Vec<Vec<u32>> = covers
        .iter()
        .map(|list| {
            let mut list: Vec<u32> = list
                .iter()
                .copied()
                .filter(|&o| (o as usize) < weights.len())
                .collect();
            list.sort_unstable();
            list.dedup();
            list
        })
        .collect();
    let gain_of = |candidate: usize, covered: &[bool]| -> u64 {
        covers[candidate]
            .iter()
            .filter(|&&o| !covered[o as usize])
            .map(|&o| weights[o as usize])
            .sum()
    };
    // Max-heap on (gain, lowest index first).
    let mut heap: BinaryHeap<(u64, Reverse<usize>)> = (0..covers.len())
        .map(|c| (gain_of(c, &covered), Reverse(c)))
        .filter(|&(gain, _)| gain > 0)
        .collect();
    let mut picks = Vec::new();
    while picks.len() < count {
        let Some((stale, Reverse(candidate))) = heap.pop() else {
            break;
        };
        let gain = gain_of(candidate, &covered);
        if gain == 0 {
            continue;
        }
        if gain < stale
            && heap
                .peek()
                .is_some_and(|&top| (gain, Reverse(candidate)) < top)
        {
            heap.push((gain, Reverse(candidate)));
            continue;
        }
        let newly: Vec<u32> = covers[candidate]
            .iter()
            .copied()
            .filter(|&o| !covered[o as usize])
            .collect();
        for &o in &newly {
            covered[o as usize] = true;
        }
        picks.push(SitePick {
            candidate,
            gain,
            newly_covered: newly,
        });
    }
    picks
}

/// For each candidate site, the origins (among those marked `wanted`) within `reach_mm` of it:
/// origin access leg + network distance + the candidate's own access leg ≤ reach.
///
/// The searches start from the origins' nodes (one bounded search per distinct node), so the
/// work grows with the uncovered origins, not with the number of candidates.
pub fn candidate_covers(
    graph: &WalkingGraph,
    candidates: &[Snapped],
    origins: &[Snapped],
    wanted: &[bool],
    reach_mm: u64,
) -> Vec<Vec<u32>> {
    let mut candidates_at: HashMap<NodeIndex, Vec<usize>> = HashMap::new();
    for (c, snap) in candidates.iter().enumerate() {
        if snap.access_mm <= reach_mm {
            candidates_at.entry(snap.node).or_default().push(c);
        }
    }
    let mut origins_at: HashMap<NodeIndex, Vec<usize>> = HashMap::new();
    for (o, snap) in origins.iter().enumerate() {
        if wanted.get(o).copied().unwrap_or(false) && snap.access_mm <= reach_mm {
            origins_at.entry(snap.node).or_default().push(o);
        }
    }
    let mut nodes: Vec<NodeIndex> = origins_at.keys().copied().collect();
    nodes.sort_unstable();
    let mut covers: Vec<Vec<u32>> = vec![Vec::new(); candidates.len()];
    let mut search = BoundedSearch::new(graph);
    for node in nodes {
        let here = &origins_at[&node];
        let shortest_leg = here
            .iter()
            .map(|&o| origins[o].access_mm)
            .min()
            .unwrap_or(0);
        search.run(graph, node, reach_mm - shortest_leg, |reached, d| {
            if let Some(sites) = candidates_at.get(&reached) {
                for &c in sites {
                    for &o in here {
                        if origins[o].access_mm + d + candidates[c].access_mm <= reach_mm {
                            covers[c].push(o as u32);
                        }
                    }
                }
            }
        });
    }
    for list in &mut covers {
        list.sort_unstable();
    }
    covers
}

/// Suggests `count` new sites for a function among `candidates` (already snapped), covering
/// the origins the analysis leaves out of reach.
pub fn suggest_sites(
    graph: &WalkingGraph,
    analysis: &CircleAnalysis,
    origins: &[Origin],
    function: ServiceFunction,
    candidates: &[Snapped],
    count: usize,
) -> Vec<SitePick> {
    let covered: Vec<bool> = (0..origins.len())
        .map(|o| analysis.covers(o, function))
        .collect();
    let wanted: Vec<bool> = covered.iter().map(|c| !c).collect();
    let covers = candidate_covers(
        graph,
        candidates,
        &analysis.origin_snaps,
        &wanted,
        analysis.reach_mm,
    );
    let weights: Vec<u64> = origins.iter().map(|o| o.weight as u64).collect();
    greedy_max_coverage(&covers, &weights, &covered, count)
}

/// Every graph node as a candidate site (access leg 0).
pub fn every_node(graph: &WalkingGraph) -> Vec<Snapped> {
    (0..graph.node_count() as NodeIndex)
        .map(|node| Snapped { node, access_mm: 0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::tests::{facility, line_graph, origin};
    use crate::coverage::{TimeBudget, WalkingSpeed};
    use proptest::prelude::*;

    #[test]
    fn greedy_picks_the_biggest_gain_then_what_is_left() {
        // Origins 0..6 with weights; candidate 0 covers {0,1,2}, 1 covers {2,3}, 2 covers {3,4,5}.
        let weights = [1, 1, 1, 5, 1, 1];
        let covers = vec![vec![0, 1, 2], vec![2, 3], vec![3, 4, 5]];
        let picks = greedy_max_coverage(&covers, &weights, &[false; 6], 3);
        assert_eq!(
            picks,
            vec![
                SitePick {
                    candidate: 2,
                    gain: 7,
                    newly_covered: vec![3, 4, 5]
                },
                SitePick {
                    candidate: 0,
                    gain: 3,
                    newly_covered: vec![0, 1, 2]
                },
            ],
            "candidate 1 adds nothing after the first two, so it is not suggested"
        );
    }

    #[test]
    fn already_covered_origins_add_nothing_and_ties_go_to_the_first() {
        let weights = [2, 2, 2];
        let covers = vec![vec![0, 1], vec![1, 2], vec![2]];
        let picks = greedy_max_coverage(&covers, &weights, &[true, false, false], 1);
        // Candidate 0 gains 2 (origin 1), candidate 1 gains 4.
        assert_eq!(picks[0].candidate, 1);
        assert_eq!(picks[0].gain, 4);
        let tie = greedy_max_coverage(&[vec![0], vec![1]], &[3, 3], &[false, false], 1);
        assert_eq!(tie[0].candidate, 0);
        assert!(greedy_max_coverage(&[], &[], &[], 3).is_empty());
        assert!(greedy_max_coverage(&covers, &weights, &[false; 3], 0).is_empty());
    }

    #[test]
    fn a_stale_gain_is_rechecked_before_picking() {
        // After picking 0 (gain 4), candidate 1's stale gain 3 drops to 1; candidate 2 (2) wins.
        let weights = [1, 1, 1, 1, 1, 1, 1];
        let covers = vec![vec![0, 1, 2, 3], vec![0, 1, 4], vec![5, 6]];
        let picks = greedy_max_coverage(&covers, &weights, &[false; 7], 2);
        let order: Vec<(usize, u64)> = picks.iter().map(|p| (p.candidate, p.gain)).collect();
        assert_eq!(order, vec![(0, 4), (2, 2)]);
    }

    fn plain_greedy(covers: &[Vec<u32>], weights: &[u64], count: usize) -> Vec<(usize, u64)> {
        let mut covered = vec![false; weights.len()];
        let mut picks = Vec::new();
        for _ in 0..count {
            let mut best: Option<(usize, u64)> = None;
            for (c, list) in covers.iter().enumerate() {
                let mut seen = list.clone();
                seen.sort_unstable();
                seen.dedup();
                let gain: u64 = seen
                    .iter()
                    .filter(|&&o| !covered[o as usize])
                    .map(|&o| weights[o as usize])
                    .sum();
                if gain > 0 && best.is_none_or(|(_, g)| gain > g) {
                    best = Some((c, gain));
                }
            }
            let Some((c, gain)) = best else { break };
            for &o in &covers[c] {
                covered[o as usize] = true;
            }
            picks.push((c, gain));
        }
        picks
    }

    proptest! {
        #[test]
        fn lazy_greedy_equals_plain_greedy(
            covers in prop::collection::vec(prop::collection::vec(0u32..15, 0..8), 0..12),
            weights in prop::collection::vec(1u64..10, 15),
            count in 0usize..6,
        ) {
            let lazy: Vec<(usize, u64)> = greedy_max_coverage(&covers, &weights, &[false; 15], count)
                .iter()
                .map(|p| (p.candidate, p.gain))
                .collect();
            prop_assert_eq!(lazy, plain_greedy(&covers, &weights, count));
        }
    }

    #[test]
    fn candidate_reach_includes_the_boundary() {
        let graph = line_graph();
        // Origins at nodes 0 and 4; a candidate at node 3 reaches node 0 at exactly 1,000,000.
        let origins = [
            Snapped {
                node: 0,
                access_mm: 0,
            },
            Snapped {
                node: 4,
                access_mm: 0,
            },
        ];
        let candidates = [
            Snapped {
                node: 3,
                access_mm: 0,
            },
            Snapped {
                node: 3,
                access_mm: 1,
            },
        ];
        let covers = candidate_covers(&graph, &candidates, &origins, &[true, true], 1_000_000);
        assert_eq!(covers[0], vec![0, 1]);
        assert_eq!(
            covers[1],
            vec![1],
            "one millimetre of access leg too many for origin 0"
        );
        let only_first = candidate_covers(&graph, &candidates, &origins, &[true, false], 1_000_000);
        assert_eq!(only_first[0], vec![0]);
    }

    #[test]
    fn suggestions_cover_what_existing_facilities_leave_out() {
        let graph = line_graph();
        let facilities = [facility("clinic", &[ServiceFunction::Medical], 0)];
        // Node 4 is 1 mm beyond reach of the clinic; nodes 0..=3 are within.
        let origins = [
            origin("a", 0, None, 1),
            origin("b", 3, None, 1),
            origin("c", 4, None, 7),
        ];
        let analysis = CircleAnalysis::run(
            &graph,
            &facilities,
            &origins,
            WalkingSpeed::DEFAULT,
            TimeBudget::FIFTEEN_MINUTES,
            1,
        );
        let picks = suggest_sites(
            &graph,
            &analysis,
            &origins,
            ServiceFunction::Medical,
            &every_node(&graph),
            3,
        );
        // Every node from 1 to 4 reaches node 4; node 1 is the first listed.
        assert_eq!(
            picks,
            vec![SitePick {
                candidate: 1,
                gain: 7,
                newly_covered: vec![2]
            }]
        );
        // For a function with no facility at all, everyone is uncovered.
        let food = suggest_sites(
            &graph,
            &analysis,
            &origins,
            ServiceFunction::Food,
            &every_node(&graph),
            1,
        );
        assert_eq!(food[0].gain, 9);
    }
}
