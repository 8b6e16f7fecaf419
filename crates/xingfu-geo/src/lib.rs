//! Service facilities and the 15-minute service circle (15分钟服务圈) on real street networks.
//!
//! Fengze's "党建+" neighbourhood centres follow the "1+6+X" model: six service functions
//! (幼有所育、老有所养、病有所医、食有所安、居有所乐、事有所办) within a 15-minute walk. This
//! crate measures that walk on an OpenStreetMap street network:
//!
//! - pure parts (no I/O): [`function`] (the functions and their keys), [`facility`],
//!   [`geometry`], [`graph`] (the walking graph in CSR form), [`snap`] (nearest node by
//!   R*-tree), [`dijkstra`] (one multi-source search per function), [`coverage`] (per origin
//!   and per community, metric values, gaps), [`siting`] (greedy maximal coverage), [`tags`]
//!   (OpenStreetMap tag rules);
//! - I/O: [`osm`] (reading .osm.pbf with osmpbf), [`registry`] (facility CSV and GeoJSON),
//!   [`export`] (the graph as CSV files for independent checks and benchmarks).
//!
//! Distances are whole millimetres throughout, so results are exact and comparable with other
//! programs to the millimetre.

pub mod community;
pub mod coverage;
pub mod dijkstra;
pub mod export;
pub mod facility;
pub mod function;
pub mod geometry;
pub mod graph;
pub mod osm;
pub mod registry;
pub mod siting;
pub mod snap;
pub mod tags;

pub use coverage::{CircleAnalysis, CoverageReport, Origin, TimeBudget, WalkingSpeed};
pub use facility::Facility;
pub use function::ServiceFunction;
pub use geometry::LonLat;
pub use graph::WalkingGraph;
