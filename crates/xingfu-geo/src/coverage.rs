//! The 15-minute service circle: walking time from every origin to the nearest facility of
//! each function, and per community the share of residents within the time budget.
//!
//! Rules, chosen here and stated once:
//! - **Walking speed**: 4 km/h by default. GB 50180-2018 (城市居住区规划设计标准) defines the
//!   15-minute life circle (十五分钟生活圈) by a walking distance of 800–1000 m; 4 km/h makes
//!   15 minutes exactly 1000 m, the standard's upper figure. 3.2 km/h gives its lower figure
//!   (800 m) and is close to the walking speed of frail elderly residents; it is a parameter.
//! - **Distance** = the straight access leg from the origin to its nearest graph node + the
//!   network distance + the facility's own access leg; all in whole millimetres.
//! - **Boundary**: an origin is within the circle when its distance is *at most* the reach
//!   (speed × time), so a walk of exactly 15 minutes counts (≤, not <). Speed and time are
//!   integers (metres per hour, seconds), so the reach is an exact number of millimetres.
//! - **Weights**: each origin has a weight (residents when known, else 1 for a building or an
//!   address point); shares are covered weight / total weight as [`Dec2`] percentages rounded
//!   down, like every share in Xingfu, so 79.996% never shows as 80%.
//! - **All six**: an origin counts for `all_six` only when each of the six functions is within
//!   reach; a function without any facility therefore makes `all_six` zero.

use std::collections::BTreeMap;

use serde::Serialize;
use xingfu_core::Dec2;

use crate::dijkstra::{NearestField, Source, nearest_sources_each};
use crate::facility::{Facility, by_function};
use crate::function::{ALL_SIX_SHARE_METRIC, FUNCTION_COUNT, ServiceFunction};
use crate::geometry::LonLat;
use crate::graph::WalkingGraph;
use crate::snap::{Snapped, Snapper};

/// Walking speed, in whole metres per hour so the reach is an exact integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WalkingSpeed {
    pub metres_per_hour: u32,
}

/// Why a speed or a time budget is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CircleParameterError {
    #[error("walking speed {0} km/h is outside 0.5–20 km/h")]
    Speed(Dec2),
    #[error("time budget {0} minutes is outside 1–240 minutes")]
    Minutes(u32),
}

impl WalkingSpeed {
    /// 4 km/h: 1000 m in 15 minutes, GB 50180-2018's upper figure for the 15-minute circle.
    pub const DEFAULT: WalkingSpeed = WalkingSpeed {
        metres_per_hour: 4000,
    };

    /// A speed in km/h with up to two decimals (3.2, 4, 4.5); 0.5–20 km/h.
    pub fn from_km_per_hour(kmh: Dec2) -> Result<WalkingSpeed, CircleParameterError> {
        if kmh < Dec2(50) || kmh > Dec2::from_int(20) {
            return Err(CircleParameterError::Speed(kmh));
        }
        Ok(WalkingSpeed {
            metres_per_hour: (kmh.hundredths() * 10) as u32,
        })
    }

    /// Walking time in minutes (for display; decisions use [`reach_mm`]).
    pub fn minutes(self, distance_mm: u64) -> f64 {
        distance_mm as f64 * 60.0 / (self.metres_per_hour as f64 * 1000.0)
    }
}

impl Default for WalkingSpeed {
    fn default() -> Self {
        WalkingSpeed::DEFAULT
    }
}

/// A time budget in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeBudget {
    pub seconds: u32,
}

impl TimeBudget {
    /// The 15-minute circle.
    pub const FIFTEEN_MINUTES: TimeBudget = TimeBudget { seconds: 900 };

    pub fn from_minutes(minutes: u32) -> Result<TimeBudget, CircleParameterError> {
        if !(1..=240).contains(&minutes) {
            return Err(CircleParameterError::Minutes(minutes));
        }
        Ok(TimeBudget {
            seconds: minutes * 60,
        })
    }
}

/// The farthest distance walked within the budget, in millimetres (exact: a distance is within
/// reach iff `distance_mm <= reach_mm`).
pub fn reach_mm(speed: WalkingSpeed, budget: TimeBudget) -> u64 {
    budget.seconds as u64 * speed.metres_per_hour as u64 * 1000 / 3600
}

/// A place people start from: a residential building or an address point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Origin {
    /// `osm:w123` for OpenStreetMap elements, or the id from an origin file.
    pub id: String,
    pub location: LonLat,
    /// Index into the list of community names, None when it lies in no community.
    pub community: Option<u32>,
    /// Residents when known, else 1.
    pub weight: u32,
}

/// Walking distances from every origin to every function, with the snapping behind them.
#[derive(Clone, Debug)]
pub struct CircleAnalysis {
    pub speed: WalkingSpeed,
    pub budget: TimeBudget,
    pub reach_mm: u64,
    pub facility_snaps: Vec<Snapped>,
    pub origin_snaps: Vec<Snapped>,
    /// Which functions have at least one facility.
    pub has_facilities: [bool; FUNCTION_COUNT],
    /// Per function (index), distance from every graph node to the nearest facility including
    /// the facility's access leg; None for a function without facilities.
    pub fields: Vec<Option<NearestField>>,
    /// Facility indexes of each function, as the sources of `fields` are numbered.
    pub facilities_of: [Vec<usize>; FUNCTION_COUNT],
}

impl CircleAnalysis {
    /// Snaps facilities and origins, then runs one multi-source search per function (all
    /// facilities of the function at once), on up to `threads` threads.
    pub fn run(
        graph: &WalkingGraph,
        facilities: &[Facility],
        origins: &[Origin],
        speed: WalkingSpeed,
        budget: TimeBudget,
        threads: usize,
    ) -> CircleAnalysis {
        let snapper = Snapper::new(graph);
        let snap = |p: LonLat| {
            snapper.snap(p).unwrap_or(Snapped {
                node: 0,
                access_mm: u64::MAX,
            })
        };
        let facility_snaps: Vec<Snapped> = facilities.iter().map(|f| snap(f.location)).collect();
        let origin_snaps: Vec<Snapped> = origins.iter().map(|o| snap(o.location)).collect();
        let facilities_of = by_function(facilities);
        let groups: Vec<Vec<Source>> = facilities_of
            .iter()
            .map(|members| {
                members
                    .iter()
                    .map(|&i| facility_snaps[i])
                    .filter(|s| s.access_mm != u64::MAX)
                    .map(|s| Source {
                        node: s.node,
                        offset_mm: s.access_mm,
                    })
                    .collect()
            })
            .collect();
        let has_facilities: [bool; FUNCTION_COUNT] = std::array::from_fn(|i| !groups[i].is_empty());
        let active: Vec<usize> = (0..FUNCTION_COUNT).filter(|&i| has_facilities[i]).collect();
        let active_groups: Vec<Vec<Source>> = active.iter().map(|&i| groups[i].clone()).collect();
        let computed = nearest_sources_each(graph, &active_groups, None, threads);
        let mut fields: Vec<Option<NearestField>> = vec![None; FUNCTION_COUNT];
        for (i, field) in active.into_iter().zip(computed) {
            fields[i] = Some(field);
        }
        CircleAnalysis {
            speed,
            budget,
            reach_mm: reach_mm(speed, budget),
            facility_snaps,
            origin_snaps,
            has_facilities,
            fields,
            facilities_of,
        }
    }

    /// Distance from an origin to the nearest facility of a function (both access legs
    /// included); None when none is reachable.
    pub fn origin_distance(&self, origin: usize, function: ServiceFunction) -> Option<u64> {
        let snap = self.origin_snaps.get(origin)?;
        if snap.access_mm == u64::MAX {
            return None;
        }
        let field = self.fields[function.index()].as_ref()?;
        field
            .distance(snap.node)
            .map(|d| d.saturating_add(snap.access_mm))
    }

    /// The nearest facility (index into the facility list) of a function for an origin.
    pub fn origin_nearest_facility(
        &self,
        origin: usize,
        function: ServiceFunction,
    ) -> Option<usize> {
        let snap = self.origin_snaps.get(origin)?;
        let field = self.fields[function.index()].as_ref()?;
        let source = field.nearest_source(snap.node)?;
        self.facilities_of[function.index()].get(source).copied()
    }

    /// Whether the origin reaches the function within the budget (distance ≤ reach).
    pub fn covers(&self, origin: usize, function: ServiceFunction) -> bool {
        self.origin_distance(origin, function)
            .is_some_and(|d| d <= self.reach_mm)
    }

    /// Whether the origin reaches all six functions within the budget.
    pub fn covers_all_six(&self, origin: usize) -> bool {
        ServiceFunction::SIX.iter().all(|&f| self.covers(origin, f))
    }
}

/// Share of one function within one community.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FunctionShare {
    pub function: ServiceFunction,
    pub covered_weight: u64,
    pub share: Dec2,
}

/// Coverage of one community (or of the origins in no community, or of all origins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommunityCoverage {
    /// None for origins outside every community; "全部" rows use [`CoverageReport::overall`].
    pub community: Option<String>,
    pub origins: u64,
    pub weight: u64,
    /// One entry per function, in [`ServiceFunction::ALL`] order.
    pub functions: Vec<FunctionShare>,
    pub all_six_weight: u64,
    pub all_six_share: Dec2,
}

impl CommunityCoverage {
    fn tally(
        community: Option<String>,
        members: &[usize],
        analysis: &CircleAnalysis,
        origins: &[Origin],
    ) -> Self {
        let mut covered = [0u64; FUNCTION_COUNT];
        let (mut weight, mut all_six) = (0u64, 0u64);
        for &o in members {
            let w = origins[o].weight as u64;
            weight += w;
            for function in ServiceFunction::ALL {
                if analysis.covers(o, function) {
                    covered[function.index()] += w;
                }
            }
            if analysis.covers_all_six(o) {
                all_six += w;
            }
        }
        let share = |part: u64| percent(part, weight);
        CommunityCoverage {
            community,
            origins: members.len() as u64,
            weight,
            functions: ServiceFunction::ALL
                .into_iter()
                .map(|function| FunctionShare {
                    function,
                    covered_weight: covered[function.index()],
                    share: share(covered[function.index()]),
                })
                .collect(),
            all_six_weight: all_six,
            all_six_share: share(all_six),
        }
    }

    pub fn share(&self, function: ServiceFunction) -> Dec2 {
        self.functions[function.index()].share
    }

    /// The figures as metric values a standard can reference: `circle.<function>.share` for
    /// every function and `circle.all_six.share`, percentages.
    pub fn metrics(&self) -> BTreeMap<String, Dec2> {
        let mut metrics: BTreeMap<String, Dec2> = self
            .functions
            .iter()
            .map(|f| (f.function.share_metric_key(), f.share))
            .collect();
        metrics.insert(ALL_SIX_SHARE_METRIC.to_string(), self.all_six_share);
        metrics
    }
}

/// `part / whole` as a percentage rounded down to hundredths; 0 for an empty whole.
fn percent(part: u64, whole: u64) -> Dec2 {
    Dec2::percent_of(Dec2::from_int(part as i64), Dec2::from_int(whole as i64))
}

/// Coverage of all origins and of each community.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoverageReport {
    pub minutes: u32,
    pub speed_metres_per_hour: u32,
    pub reach_metres: f64,
    pub overall: CommunityCoverage,
    /// Named communities in the order given, then the origins in no community (if any).
    pub communities: Vec<CommunityCoverage>,
    /// Functions for which no facility is known at all.
    pub functions_without_facilities: Vec<ServiceFunction>,
}

impl CoverageReport {
    pub fn new(analysis: &CircleAnalysis, origins: &[Origin], communities: &[String]) -> Self {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); communities.len()];
        let mut outside = Vec::new();
        for (i, origin) in origins.iter().enumerate() {
            match origin.community.map(|c| c as usize) {
                Some(c) if c < communities.len() => members[c].push(i),
                _ => outside.push(i),
            }
        }
        let everyone: Vec<usize> = (0..origins.len()).collect();
        let mut rows: Vec<CommunityCoverage> = communities
            .iter()
            .zip(&members)
            .map(|(name, m)| CommunityCoverage::tally(Some(name.clone()), m, analysis, origins))
            .collect();
        if !outside.is_empty() {
            rows.push(CommunityCoverage::tally(None, &outside, analysis, origins));
        }
        CoverageReport {
            minutes: analysis.budget.seconds / 60,
            speed_metres_per_hour: analysis.speed.metres_per_hour,
            reach_metres: analysis.reach_mm as f64 / 1000.0,
            overall: CommunityCoverage::tally(None, &everyone, analysis, origins),
            communities: rows,
            functions_without_facilities: ServiceFunction::ALL
                .into_iter()
                .filter(|f| !analysis.has_facilities[f.index()])
                .collect(),
        }
    }

    /// The largest gaps: (community, function) pairs ordered by uncovered weight, most first,
    /// then by lower share; only functions that have facilities somewhere (a function with none
    /// is listed in `functions_without_facilities` instead) and only pairs with a gap.
    pub fn gaps(&self, limit: usize) -> Vec<Gap> {
        let mut gaps: Vec<Gap> = self
            .communities
            .iter()
            .flat_map(|row| {
                row.functions
                    .iter()
                    .filter(|f| !self.functions_without_facilities.contains(&f.function))
                    .filter(|f| f.covered_weight < row.weight)
                    .map(|f| Gap {
                        community: row.community.clone(),
                        function: f.function,
                        uncovered_weight: row.weight - f.covered_weight,
                        share: f.share,
                    })
            })
            .collect();
        gaps.sort_by(|a, b| {
            b.uncovered_weight
                .cmp(&a.uncovered_weight)
                .then(a.share.cmp(&b.share))
                .then(a.community.cmp(&b.community))
                .then(a.function.cmp(&b.function))
        });
        gaps.truncate(limit);
        gaps
    }
}

/// Residents (or buildings) of a community out of reach of a function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub community: Option<String>,
    pub function: ServiceFunction,
    pub uncovered_weight: u64,
    pub share: Dec2,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::graph::tests::hand_graph;

    #[test]
    fn default_reach_is_1000_metres_in_15_minutes() {
        assert_eq!(
            reach_mm(WalkingSpeed::DEFAULT, TimeBudget::FIFTEEN_MINUTES),
            1_000_000
        );
        let slow = WalkingSpeed::from_km_per_hour(Dec2::parse("3.2").unwrap()).unwrap();
        assert_eq!(slow.metres_per_hour, 3200);
        assert_eq!(reach_mm(slow, TimeBudget::FIFTEEN_MINUTES), 800_000);
        let ten = TimeBudget::from_minutes(10).unwrap();
        assert_eq!(
            reach_mm(WalkingSpeed::DEFAULT, ten),
            666_666,
            "rounded down"
        );
        assert!((WalkingSpeed::DEFAULT.minutes(1_000_000) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn parameters_are_bounded() {
        assert!(WalkingSpeed::from_km_per_hour(Dec2(50)).is_ok());
        assert!(WalkingSpeed::from_km_per_hour(Dec2(49)).is_err());
        assert!(WalkingSpeed::from_km_per_hour(Dec2::from_int(20)).is_ok());
        assert!(WalkingSpeed::from_km_per_hour(Dec2(2001)).is_err());
        assert!(TimeBudget::from_minutes(0).is_err());
        assert_eq!(
            TimeBudget::from_minutes(15),
            Ok(TimeBudget::FIFTEEN_MINUTES)
        );
        assert!(TimeBudget::from_minutes(241).is_err());
    }

    /// A line of nodes 0..=4 along the equator, 0.001° (about 111 m) apart; edge lengths are
    /// set by hand so the answers are round numbers.
    pub fn line_graph() -> WalkingGraph {
        hand_graph(
            5,
            &[(0, 1, 400_000), (1, 2, 300_000), (2, 3, 300_000), (3, 4, 1)],
        )
    }

    pub fn facility(id: &str, functions: &[ServiceFunction], node: u32) -> Facility {
        Facility {
            id: id.into(),
            name: id.into(),
            functions: functions.to_vec(),
            location: LonLat {
                lon: node as f64 * 0.001,
                lat: 0.0,
            },
            hours: None,
            capacity: None,
        }
    }

    pub fn origin(id: &str, node: u32, community: Option<u32>, weight: u32) -> Origin {
        Origin {
            id: id.into(),
            location: LonLat {
                lon: node as f64 * 0.001,
                lat: 0.0,
            },
            community,
            weight,
        }
    }

    #[test]
    fn fifteen_minutes_exactly_is_inside_and_one_millimetre_more_is_outside() {
        let graph = line_graph();
        // A clinic at node 0; origins at node 3 (exactly 1,000,000 mm) and node 4 (1 mm more).
        let facilities = [facility("clinic", &[ServiceFunction::Medical], 0)];
        let origins = [origin("at", 3, None, 1), origin("beyond", 4, None, 1)];
        let analysis = CircleAnalysis::run(
            &graph,
            &facilities,
            &origins,
            WalkingSpeed::DEFAULT,
            TimeBudget::FIFTEEN_MINUTES,
            1,
        );
        assert_eq!(
            analysis.origin_distance(0, ServiceFunction::Medical),
            Some(1_000_000)
        );
        assert!(analysis.covers(0, ServiceFunction::Medical));
        assert_eq!(
            analysis.origin_distance(1, ServiceFunction::Medical),
            Some(1_000_001)
        );
        assert!(!analysis.covers(1, ServiceFunction::Medical));
        assert_eq!(
            analysis.origin_nearest_facility(0, ServiceFunction::Medical),
            Some(0)
        );
        assert_eq!(analysis.origin_distance(0, ServiceFunction::Food), None);
    }

    #[test]
    fn access_legs_are_added_on_both_ends() {
        let graph = line_graph();
        let mut clinic = facility("clinic", &[ServiceFunction::Medical], 0);
        // 0.0001° of longitude at the equator south of node 0: snapped to node 0.
        clinic.location.lat = -0.0001;
        let mut home = origin("home", 2, None, 1);
        home.location.lat = 0.0001;
        let analysis = CircleAnalysis::run(
            &graph,
            &[clinic.clone()],
            &[home.clone()],
            WalkingSpeed::DEFAULT,
            TimeBudget::FIFTEEN_MINUTES,
            1,
        );
        let leg = crate::geometry::haversine_mm(clinic.location, LonLat { lon: 0.0, lat: 0.0 });
        assert!(leg > 11_000 && leg < 11_200, "{leg}");
        assert_eq!(
            analysis.origin_distance(0, ServiceFunction::Medical),
            Some(700_000 + 2 * leg)
        );
    }

    #[test]
    fn shares_per_community_all_six_and_metrics() {
        let graph = line_graph();
        // Node 0 has a centre with all six; node 4 only a shop.
        let facilities = [
            facility("centre", &ServiceFunction::SIX, 0),
            facility("shop", &[ServiceFunction::Food], 4),
        ];
        // Community 0: homes at node 0 (weight 3) and node 4 (weight 1).
        // Community 1: a home at node 2 (weight 2). One home outside all communities.
        let origins = [
            origin("a", 0, Some(0), 3),
            origin("b", 4, Some(0), 1),
            origin("c", 2, Some(1), 2),
            origin("d", 1, None, 5),
        ];
        let communities = vec!["东湖社区".to_string(), "圣湖社区".to_string()];
        let analysis = CircleAnalysis::run(
            &graph,
            &facilities,
            &origins,
            WalkingSpeed::DEFAULT,
            TimeBudget::FIFTEEN_MINUTES,
            2,
        );
        let report = CoverageReport::new(&analysis, &origins, &communities);
        let east = &report.communities[0];
        assert_eq!((east.origins, east.weight), (2, 4));
        // Node 4 is 1,000,001 mm from the centre: only the shop is near it.
        assert_eq!(east.share(ServiceFunction::Medical), Dec2::from_int(75));
        assert_eq!(east.share(ServiceFunction::Food), Dec2::from_int(100));
        assert_eq!(east.all_six_share, Dec2::from_int(75));
        assert_eq!(east.share(ServiceFunction::PartyMassCentre), Dec2::ZERO);
        let saint = &report.communities[1];
        assert_eq!(saint.all_six_share, Dec2::from_int(100));
        let outside = &report.communities[2];
        assert_eq!(outside.community, None);
        assert_eq!(outside.weight, 5);
        // Overall: weights 3 + 2 + 5 covered for medical out of 11 → 90.909…% rounded down.
        assert_eq!(report.overall.share(ServiceFunction::Medical), Dec2(9090));
        assert_eq!(report.overall.all_six_share, Dec2(9090));
        let metrics = east.metrics();
        assert_eq!(metrics["circle.medical.share"], Dec2::from_int(75));
        assert_eq!(metrics["circle.all_six.share"], Dec2::from_int(75));
        assert_eq!(metrics.len(), FUNCTION_COUNT + 1);
        assert_eq!(
            report.functions_without_facilities,
            vec![
                ServiceFunction::PartyMassCentre,
                ServiceFunction::PartyMassStation,
                ServiceFunction::VolunteerStation
            ]
        );
        // Gaps: only east has any, one building for each of five functions, none for food.
        let gaps = report.gaps(10);
        assert_eq!(gaps.len(), 5);
        assert!(
            gaps.iter()
                .all(|g| g.community.as_deref() == Some("东湖社区"))
        );
        assert!(gaps.iter().all(|g| g.uncovered_weight == 1));
        assert!(!gaps.iter().any(|g| g.function == ServiceFunction::Food));
        assert_eq!(gaps[0].function, ServiceFunction::Childcare);
        assert_eq!(report.gaps(2).len(), 2);
    }

    #[test]
    fn a_function_without_facilities_makes_all_six_zero() {
        let graph = line_graph();
        let five: Vec<ServiceFunction> = ServiceFunction::SIX[..5].to_vec();
        let facilities = [facility("centre", &five, 0)];
        let origins = [origin("a", 0, Some(0), 1)];
        let analysis = CircleAnalysis::run(
            &graph,
            &facilities,
            &origins,
            WalkingSpeed::DEFAULT,
            TimeBudget::FIFTEEN_MINUTES,
            1,
        );
        let report = CoverageReport::new(&analysis, &origins, &["x".to_string()]);
        assert_eq!(
            report.overall.share(ServiceFunction::Leisure),
            Dec2::from_int(100)
        );
        assert_eq!(report.overall.share(ServiceFunction::Affairs), Dec2::ZERO);
        assert_eq!(report.overall.all_six_share, Dec2::ZERO);
        assert!(
            report.gaps(10).is_empty(),
            "affairs has no facility: not a gap row"
        );
    }

    #[test]
    fn an_empty_community_has_zero_shares() {
        let analysis = CircleAnalysis::run(
            &line_graph(),
            &[],
            &[],
            WalkingSpeed::DEFAULT,
            TimeBudget::FIFTEEN_MINUTES,
            1,
        );
        let report = CoverageReport::new(&analysis, &[], &["空".to_string()]);
        assert_eq!(report.communities[0].weight, 0);
        assert_eq!(report.communities[0].all_six_share, Dec2::ZERO);
        assert_eq!(report.communities.len(), 1, "no row for nobody outside");
    }
}
