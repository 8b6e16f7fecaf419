//! Grids (网格): polygons inside a community, with their members (专职/兼职网格员) and buildings
//! (楼栋, each with an optional 楼栋长), and the routing of a reported point to its grid.
//!
//! Polygons are stored in WGS-84 degrees and tested in the lon/lat plane: grids are a few
//! hundred metres across, where the plane is an excellent approximation of the sphere.
//!
//! Routing rule ([`route`]):
//! - a point on a grid's boundary (within [`BOUNDARY_TOLERANCE_DEG`], about 0.1 mm) belongs to
//!   that grid, as does a point strictly inside; a point in a hole does not;
//! - when several grids contain the point, one that has it strictly inside wins over one that
//!   has it on its boundary, and among equals the grid with the smallest id (byte order) wins,
//!   so a point on a shared edge always goes to the same grid;
//! - a point in no grid is handled at community level ([`Route::Community`]).

use serde::{Deserialize, Serialize};

use super::coords::GeoPoint;
use crate::region;

mod area;
mod error;
mod rings;

pub use area::{Area, BBox, Geometry, Location, Polygon};
pub use error::GridError;

/// Mean Earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point this close to an edge, in degrees, is on the boundary.
pub const BOUNDARY_TOLERANCE_DEG: f64 = 1e-9;

/// Corners allowed in one polygon, its holes included: far more than a grid outline needs,
/// and a bound on the pairwise check that its edges do not cross.
pub const MAX_POLYGON_CORNERS: usize = 2_000;
/// Longest grid or building id, and longest name, in characters.
pub const MAX_ID_CHARS: usize = 64;
pub const MAX_NAME_CHARS: usize = 100;

/// Great-circle distance in metres.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let d_phi = phi2 - phi1;
    let d_lambda = (b.lon - a.lon).to_radians();
    let h = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

fn check_length(field: &str, text: &str, max: usize) -> Result<(), GridError> {
    let chars = text.chars().count();
    if chars > max {
        return Err(GridError::TooLong {
            field: field.to_string(),
            chars,
            max,
        });
    }
    Ok(())
}

/// 专职 or 兼职 grid member, as the Baoji seed staffs grids (专兼职网格员).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    FullTime,
    PartTime,
}

impl Duty {
    pub fn zh(self) -> &'static str {
        match self {
            Duty::FullTime => "专职网格员",
            Duty::PartTime => "兼职网格员",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridMember {
    pub person: String,
    pub duty: Duty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Building {
    pub id: String,
    pub name: String,
    pub location: Option<GeoPoint>,
    /// The 楼栋长's account, if one is appointed.
    pub head: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub id: String,
    pub name: String,
    /// 12-digit code of the community the grid belongs to.
    pub community: String,
    pub area: Area,
    pub members: Vec<GridMember>,
    pub buildings: Vec<Building>,
}

impl Grid {
    pub fn validate(&self) -> Result<(), GridError> {
        if self.id.trim().is_empty() {
            return Err(GridError::EmptyId);
        }
        check_length("id", &self.id, MAX_ID_CHARS)?;
        check_length("name", &self.name, MAX_NAME_CHARS)?;
        for (b, building) in self.buildings.iter().enumerate() {
            check_length(&format!("buildings[{b}].id"), &building.id, MAX_ID_CHARS)?;
            check_length(
                &format!("buildings[{b}].name"),
                &building.name,
                MAX_NAME_CHARS,
            )?;
        }
        if !region::is_division_code(&self.community) {
            return Err(GridError::BadCommunityCode {
                grid: self.id.clone(),
                code: self.community.clone(),
            });
        }
        for (i, member) in self.members.iter().enumerate() {
            if self.members[..i].iter().any(|m| m.person == member.person) {
                return Err(GridError::DuplicateMember {
                    grid: self.id.clone(),
                    person: member.person.clone(),
                });
            }
        }
        for (i, building) in self.buildings.iter().enumerate() {
            if self.buildings[..i].iter().any(|b| b.id == building.id) {
                return Err(GridError::DuplicateBuilding {
                    grid: self.id.clone(),
                    building: building.id.clone(),
                });
            }
            if let Some(location) = building.location
                && !self.area.locate(location).contains()
            {
                return Err(GridError::BuildingOutsideGrid {
                    grid: self.id.clone(),
                    building: building.id.clone(),
                });
            }
        }
        Ok(())
    }

    /// The 楼栋长 of each building that has one.
    pub fn building_heads(&self) -> impl Iterator<Item = (&Building, &str)> {
        self.buildings
            .iter()
            .filter_map(|b| b.head.as_deref().map(|h| (b, h)))
    }
}

/// Where a reported point is handled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route<'g> {
    Grid(&'g Grid),
    /// In no grid: the community handles it.
    Community,
}

/// Routes a WGS-84 point to the grid that contains it, by the rule in the module comment.
/// Linear in the number of grids, with a bounding-box check first; a community has tens of
/// grids, a district hundreds.
pub fn route<'g>(point: GeoPoint, grids: &'g [Grid]) -> Route<'g> {
    let mut best: Option<(Location, &Grid)> = None;
    for grid in grids {
        let location = grid.area.locate(point);
        if !location.contains() {
            continue;
        }
        let better = match best {
            None => true,
            Some((l, g)) => (location, grid.id.as_str()) < (l, g.id.as_str()),
        };
        if better {
            best = Some((location, grid));
        }
    }
    match best {
        Some((_, grid)) => Route::Grid(grid),
        None => Route::Community,
    }
}

/// Small shapes and grids the tests of every part build on.
#[cfg(test)]
mod fixtures {
    use super::*;

    pub(super) fn p(lon: f64, lat: f64) -> GeoPoint {
        GeoPoint { lon, lat }
    }

    pub(super) fn square(lon: f64, lat: f64, side: f64) -> Vec<GeoPoint> {
        vec![
            p(lon, lat),
            p(lon + side, lat),
            p(lon + side, lat + side),
            p(lon, lat + side),
        ]
    }

    pub(super) fn grid(id: &str, area: Area) -> Grid {
        Grid {
            id: id.into(),
            name: id.into(),
            community: "610302001003".into(),
            area,
            members: vec![],
            buildings: vec![],
        }
    }

    pub(super) fn closed(ring: &[GeoPoint]) -> Vec<Vec<f64>> {
        ring.iter()
            .chain(ring.first())
            .map(|q| vec![q.lon, q.lat])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn ids_and_names_are_bounded() {
        let area = Area::new(vec![
            Polygon::new(square(120.0, 28.0, 0.01), vec![]).unwrap(),
        ])
        .unwrap();
        let mut long_name = grid("g1", area.clone());
        long_name.name = "长".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            long_name.validate(),
            Err(GridError::TooLong {
                field: "name".into(),
                chars: MAX_NAME_CHARS + 1,
                max: MAX_NAME_CHARS
            })
        );
        let long_id = grid(&"g".repeat(MAX_ID_CHARS + 1), area.clone());
        assert!(matches!(long_id.validate(), Err(GridError::TooLong { .. })));
        let mut building = grid("g1", area);
        building.buildings.push(Building {
            id: "3".into(),
            name: "幢".repeat(MAX_NAME_CHARS + 1),
            location: None,
            head: None,
        });
        assert!(
            matches!(building.validate(), Err(GridError::TooLong { field, .. }) if field == "buildings[0].name")
        );
        assert!(
            grid(
                "g1",
                Area::new(vec![
                    Polygon::new(square(120.0, 28.0, 0.01), vec![]).unwrap()
                ])
                .unwrap()
            )
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn haversine_matches_the_sphere() {
        // One degree of latitude is R·π/180.
        let one_degree = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let d = haversine_m(p(107.0, 34.0), p(107.0, 35.0));
        assert!((d - one_degree).abs() < 1e-6, "{d}");
        // One degree of longitude at 60° is half that, to first order.
        let d = haversine_m(p(24.0, 60.0), p(25.0, 60.0));
        assert!((d - one_degree / 2.0).abs() < 10.0, "{d}");
        assert_eq!(haversine_m(p(1.0, 2.0), p(1.0, 2.0)), 0.0);
        // Antipodes: half the circumference, no NaN.
        let d = haversine_m(p(0.0, 0.0), p(180.0, 0.0));
        assert!((d - EARTH_RADIUS_M * std::f64::consts::PI).abs() < 1e-6);
    }

    #[test]
    fn routes_to_the_containing_grid_and_breaks_ties_by_id() {
        let west = grid(
            "g-west",
            Area::new(vec![
                Polygon::new(square(107.0, 34.0, 0.01), vec![]).unwrap(),
            ])
            .unwrap(),
        );
        let east = grid(
            "g-east",
            Area::new(vec![
                Polygon::new(square(107.01, 34.0, 0.01), vec![]).unwrap(),
            ])
            .unwrap(),
        );
        let grids = vec![west.clone(), east.clone()];
        let id = |r: Route| match r {
            Route::Grid(g) => Some(g.id.clone()),
            Route::Community => None,
        };
        assert_eq!(
            id(route(p(107.005, 34.005), &grids)).as_deref(),
            Some("g-west")
        );
        assert_eq!(
            id(route(p(107.015, 34.005), &grids)).as_deref(),
            Some("g-east")
        );
        // On the shared edge: both contain it; "g-east" < "g-west".
        assert_eq!(
            id(route(p(107.01, 34.005), &grids)).as_deref(),
            Some("g-east")
        );
        // Same answer whatever the order of the list.
        let reversed = vec![east, west];
        assert_eq!(
            id(route(p(107.01, 34.005), &reversed)).as_deref(),
            Some("g-east")
        );
        // Outside every grid: community level.
        assert_eq!(route(p(107.03, 34.005), &grids), Route::Community);
        assert_eq!(route(p(107.005, 34.005), &[]), Route::Community);
    }

    #[test]
    fn strict_interior_beats_a_boundary_in_overlapping_grids() {
        // "a" has the point on its edge, "b" (overlapping, a data error) strictly inside.
        let a = grid(
            "a",
            Area::new(vec![
                Polygon::new(square(107.0, 34.0, 0.01), vec![]).unwrap(),
            ])
            .unwrap(),
        );
        let b = grid(
            "b",
            Area::new(vec![
                Polygon::new(square(106.995, 34.0, 0.01), vec![]).unwrap(),
            ])
            .unwrap(),
        );
        match route(p(107.0, 34.005), &[a, b]) {
            Route::Grid(g) => assert_eq!(g.id, "b"),
            Route::Community => panic!("routed to no grid"),
        }
    }

    #[test]
    fn grids_are_checked_for_codes_members_and_buildings() {
        let area = Area::new(vec![
            Polygon::new(square(107.0, 34.0, 0.01), vec![]).unwrap(),
        ])
        .unwrap();
        let mut g = grid("g1", area);
        g.members = vec![
            GridMember {
                person: "u1".into(),
                duty: Duty::FullTime,
            },
            GridMember {
                person: "u2".into(),
                duty: Duty::PartTime,
            },
        ];
        g.buildings = vec![Building {
            id: "b1".into(),
            name: "1号楼".into(),
            location: Some(p(107.005, 34.005)),
            head: Some("u9".into()),
        }];
        assert_eq!(g.validate(), Ok(()));
        assert_eq!(
            g.building_heads()
                .map(|(b, h)| (b.id.as_str(), h))
                .collect::<Vec<_>>(),
            vec![("b1", "u9")]
        );

        let mut twice = g.clone();
        twice.members.push(GridMember {
            person: "u1".into(),
            duty: Duty::PartTime,
        });
        assert_eq!(
            twice.validate(),
            Err(GridError::DuplicateMember {
                grid: "g1".into(),
                person: "u1".into()
            })
        );

        let mut far = g.clone();
        far.buildings[0].location = Some(p(107.02, 34.005));
        assert_eq!(
            far.validate(),
            Err(GridError::BuildingOutsideGrid {
                grid: "g1".into(),
                building: "b1".into()
            })
        );

        let mut code = g.clone();
        code.community = "6103020010".into();
        assert!(matches!(
            code.validate(),
            Err(GridError::BadCommunityCode { .. })
        ));
        assert!(code.validate().unwrap_err().zh().contains("社区代码"));

        let mut empty = g;
        empty.id = " ".into();
        assert_eq!(empty.validate(), Err(GridError::EmptyId));
    }
}
