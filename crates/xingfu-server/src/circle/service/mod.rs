//! The 15-minute service circle (15分钟服务圈) in the server: the facility registry, coverage of
//! a district computed from the street network and stored, the metric values standards
//! reference, siting suggestions, and star ratings of "党建+" neighbourhood centres (邻里中心).
//! The rules of the circle itself (distances, the ≤ boundary, greedy siting) are in
//! `xingfu_geo`; see also docs/circle.md.
//!
//! Choices made here (the seeds do not say):
//! - **One street network per server** (`xingfu serve --osm FILE`), read on first use and kept
//!   in memory. Coverage is computed on request for a district and stored (shares per
//!   community and function, and every home's result), so pages and metric clauses read
//!   stored figures and never need the network.
//! - **Facilities** counted for a district are those registered in it (typed in, imported
//!   from the registry's CSV/GeoJSON, or from OpenStreetMap points of interest by tag). OSM
//!   points count only once imported. Facilities registered in a neighbouring district are not
//!   counted, so homes near a district border may show gaps a walk across the border closes.
//! - **Homes** (origins) are the network extract's residential buildings, each counting 1.
//! - **Communities**: a home (or a facility) belongs to a community by, in this order, a
//!   boundary uploaded for the circle, the union of the community's grids (网格), or an
//!   OpenStreetMap compound (`landuse=residential`) carrying the community's name once the
//!   suffixes 社区居民委员会 / 社区居委会 / 居民委员会 / 居委会 / 村民委员会 / 村委会 / 社区 are
//!   dropped (such a compound stands for the community only when nothing better is known).
//!   When no community of the district has any boundary, every home of the extract counts
//!   for the district (scope `extract`) and no community figures are stored.
//! - **Time** is fixed at 15 minutes (the metric's name says so); the speed is 4 km/h unless
//!   3.2 km/h (GB 50180-2018's 800 m) is chosen when recomputing.
//! - **Metrics** of a community: `circle.<function>.share` for all nine functions,
//!   `circle.all_six.share`, and `circle.share_within_15min`, the key the fengze-centre
//!   standard's clause CX4.1 uses. The clause reads "residents who can walk to the centre or
//!   one of its service points within 15 minutes"; a centre of the 1+6+X model offers the six
//!   functions through itself and its service points, so this is the share of homes reaching
//!   all six functions (the same value as `circle.all_six.share`). A community without stored
//!   coverage, or without a home in the network, has no values: the clause stays "not
//!   assessed" rather than scoring 0.
//! - **Imports**: an OSM point outside the importing area's known communities is kept only
//!   when importing into a district (it cannot be told to lie in a street); registry rows
//!   without a known community are kept by the area they were imported into. A row located in
//!   a community outside the importer's area is refused, and nothing is saved.
//! - **Centre ratings** (fengze-centre): survey satisfaction is the pooled rate of a round's
//!   satisfaction survey for the centre's community (every rated question of every dimension,
//!   as the survey results page shows it; a round below its quota is not offered), or a rate
//!   staff enter; activities held and people served are the platform's figures for the
//!   community in the rating year (`activities.count`, `people_served.count` of volunteer
//!   activities, China time), or figures staff enter from the centre's own ledger; the
//!   circle clause reads the stored metric. Each answer records where it came from.

pub mod areas;
pub mod centres;
pub mod convert;
pub mod coverage;
pub mod demo;
pub mod facilities;
pub mod form;
pub mod imports;
pub mod locate;
pub mod metrics;
pub mod rating;
pub mod siting;
