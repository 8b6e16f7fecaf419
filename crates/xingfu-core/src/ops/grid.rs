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

use super::coords::{self, CoordError, Datum, GeoPoint};
use crate::region;

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

/// Where a point lies with respect to a polygon or area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// Strictly inside: sorts first, so it wins over a boundary in routing.
    Inside,
    Boundary,
    Outside,
}

impl Location {
    pub fn contains(self) -> bool {
        self != Location::Outside
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    fn of(points: &[GeoPoint]) -> BBox {
        let mut b = BBox {
            min_lon: f64::INFINITY,
            min_lat: f64::INFINITY,
            max_lon: f64::NEG_INFINITY,
            max_lat: f64::NEG_INFINITY,
        };
        for p in points {
            b.min_lon = b.min_lon.min(p.lon);
            b.min_lat = b.min_lat.min(p.lat);
            b.max_lon = b.max_lon.max(p.lon);
            b.max_lat = b.max_lat.max(p.lat);
        }
        b
    }

    fn union(self, other: BBox) -> BBox {
        BBox {
            min_lon: self.min_lon.min(other.min_lon),
            min_lat: self.min_lat.min(other.min_lat),
            max_lon: self.max_lon.max(other.max_lon),
            max_lat: self.max_lat.max(other.max_lat),
        }
    }

    /// True when `p` is inside or within the boundary tolerance of the box.
    pub fn reaches(&self, p: GeoPoint) -> bool {
        let t = BOUNDARY_TOLERANCE_DEG;
        p.lon >= self.min_lon - t
            && p.lon <= self.max_lon + t
            && p.lat >= self.min_lat - t
            && p.lat <= self.max_lat + t
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    #[error("{path}: a ring needs at least 3 distinct corners, found {count}")]
    TooFewCorners { path: String, count: usize },
    #[error("{path}: a GeoJSON ring must end where it starts (RFC 7946 §3.1.6)")]
    RingNotClosed { path: String },
    #[error("{path}: a position needs a longitude and a latitude")]
    PositionTooShort { path: String },
    #[error("{path}: {error}")]
    BadCoordinate { path: String, error: CoordError },
    #[error("{path}: the ring encloses no area")]
    ZeroArea { path: String },
    #[error("an area needs at least one polygon")]
    NoPolygons,
    #[error("a grid needs an id")]
    EmptyId,
    #[error("grid {grid}: {code:?} is not a 12-digit community code")]
    BadCommunityCode { grid: String, code: String },
    #[error("grid {grid}: member {person} is listed twice")]
    DuplicateMember { grid: String, person: String },
    #[error("grid {grid}: building {building} is listed twice")]
    DuplicateBuilding { grid: String, building: String },
    #[error("grid {grid}: building {building} lies outside the grid")]
    BuildingOutsideGrid { grid: String, building: String },
    #[error("{path}: a polygon may have at most {max} corners in all, found {count}")]
    TooManyCorners {
        path: String,
        count: usize,
        max: usize,
    },
    #[error("{path}: the ring crosses or touches itself")]
    SelfIntersecting { path: String },
    #[error("{path}: the hole does not lie inside the polygon's outer ring")]
    HoleOutside { path: String },
    #[error("{path}: the ring crosses ring {other}")]
    RingsCross { path: String, other: String },
    #[error("{path}: the hole lies inside hole {other}")]
    HoleInHole { path: String, other: String },
    #[error("{field} has {chars} characters; at most {max} are allowed")]
    TooLong {
        field: String,
        chars: usize,
        max: usize,
    },
}

impl GridError {
    pub fn zh(&self) -> String {
        match self {
            GridError::TooFewCorners { path, count } => {
                format!("{path}：多边形至少需要 3 个不同的顶点，实际 {count} 个")
            }
            GridError::RingNotClosed { path } => format!("{path}:GeoJSON 环的首尾坐标必须相同"),
            GridError::PositionTooShort { path } => format!("{path}：坐标须包含经度和纬度"),
            GridError::BadCoordinate { path, error } => format!("{path}\u{ff1a}{}", error.zh()),
            GridError::ZeroArea { path } => format!("{path}：多边形面积为零"),
            GridError::NoPolygons => "网格范围至少需要一个多边形".into(),
            GridError::EmptyId => "网格编号不能为空".into(),
            GridError::BadCommunityCode { grid, code } => {
                format!("网格 {grid}\u{ff1a}{code} 不是 12 位社区代码")
            }
            GridError::DuplicateMember { grid, person } => {
                format!("网格 {grid}：网格员 {person} 重复")
            }
            GridError::DuplicateBuilding { grid, building } => {
                format!("网格 {grid}：楼栋 {building} 重复")
            }
            GridError::BuildingOutsideGrid { grid, building } => {
                format!("网格 {grid}：楼栋 {building} 不在网格范围内")
            }
            GridError::TooManyCorners { path, count, max } => {
                format!("{path}\u{ff1a}一个多边形最多 {max} 个顶点\u{ff0c}实际 {count} 个")
            }
            GridError::SelfIntersecting { path } => {
                format!("{path}\u{ff1a}边界自相交或自相接")
            }
            GridError::HoleOutside { path } => {
                format!("{path}\u{ff1a}内环\u{ff08}洞\u{ff09}不在外环之内")
            }
            GridError::RingsCross { path, other } => {
                format!("{path}\u{ff1a}与环 {other} 相交")
            }
            GridError::HoleInHole { path, other } => {
                format!("{path}\u{ff1a}内环落在内环 {other} 之中")
            }
            GridError::TooLong { field, chars, max } => {
                format!("{field} 有 {chars} 个字\u{ff0c}最多 {max} 个")
            }
        }
    }
}

/// A polygon with optional holes, WGS-84. Rings are kept open (no repeated closing corner).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    exterior: Vec<GeoPoint>,
    holes: Vec<Vec<GeoPoint>>,
    bbox: BBox,
}

fn open_ring(mut ring: Vec<GeoPoint>, path: &str) -> Result<Vec<GeoPoint>, GridError> {
    // A corner repeated in a row adds an edge of no length, which the crossing check would
    // take for the ring touching itself.
    ring.dedup();
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    for (i, p) in ring.iter().enumerate() {
        GeoPoint::new(p.lon, p.lat).map_err(|error| GridError::BadCoordinate {
            path: format!("{path}[{i}]"),
            error,
        })?;
    }
    let mut distinct = ring.clone();
    distinct.sort_by(|a, b| a.lon.total_cmp(&b.lon).then(a.lat.total_cmp(&b.lat)));
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(GridError::TooFewCorners {
            path: path.to_string(),
            count: distinct.len(),
        });
    }
    if twice_signed_area(&ring) == 0.0 {
        return Err(GridError::ZeroArea {
            path: path.to_string(),
        });
    }
    Ok(ring)
}

fn twice_signed_area(ring: &[GeoPoint]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a.lon * b.lat - b.lon * a.lat
        })
        .sum()
}

/// Which side of the line `a`→`b` the point `c` lies on: positive left, negative right, zero on it.
fn orientation(a: GeoPoint, b: GeoPoint, c: GeoPoint) -> f64 {
    (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon)
}

/// `p`, known to be on the line through `a` and `b`, lies within the segment.
fn within_segment(a: GeoPoint, b: GeoPoint, p: GeoPoint) -> bool {
    p.lon >= a.lon.min(b.lon)
        && p.lon <= a.lon.max(b.lon)
        && p.lat >= a.lat.min(b.lat)
        && p.lat <= a.lat.max(b.lat)
}

/// The segments `a`–`b` and `c`–`d` share a point (crossing or touching).
fn segments_meet(a: GeoPoint, b: GeoPoint, c: GeoPoint, d: GeoPoint) -> bool {
    let (o1, o2) = (orientation(c, d, a), orientation(c, d, b));
    let (o3, o4) = (orientation(a, b, c), orientation(a, b, d));
    let opposite = |x: f64, y: f64| (x > 0.0 && y < 0.0) || (x < 0.0 && y > 0.0);
    (opposite(o1, o2) && opposite(o3, o4))
        || (o1 == 0.0 && within_segment(c, d, a))
        || (o2 == 0.0 && within_segment(c, d, b))
        || (o3 == 0.0 && within_segment(a, b, c))
        || (o4 == 0.0 && within_segment(a, b, d))
}

/// The segments cross each other at a point inside both (touching at an end does not count).
fn segments_cross(a: GeoPoint, b: GeoPoint, c: GeoPoint, d: GeoPoint) -> bool {
    let (o1, o2) = (orientation(c, d, a), orientation(c, d, b));
    let (o3, o4) = (orientation(a, b, c), orientation(a, b, d));
    o1 * o2 < 0.0 && o3 * o4 < 0.0
}

/// Checks a polygon's rings (open, already checked one by one) as a whole, OGC's rules for a
/// valid polygon: at most [`MAX_POLYGON_CORNERS`] corners; no ring crosses or touches itself;
/// rings do not cross each other; every hole lies inside the outer ring and outside the other
/// holes. `name(0)` names the outer ring and `name(i + 1)` hole `i`.
fn check_rings(rings: &[&[GeoPoint]], name: impl Fn(usize) -> String) -> Result<(), GridError> {
    let count: usize = rings.iter().map(|r| r.len()).sum();
    if count > MAX_POLYGON_CORNERS {
        return Err(GridError::TooManyCorners {
            path: name(0),
            count,
            max: MAX_POLYGON_CORNERS,
        });
    }
    let edge = |ring: &[GeoPoint], i: usize| (ring[i], ring[(i + 1) % ring.len()]);
    for (r, ring) in rings.iter().enumerate() {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = edge(ring, i);
            for j in i + 1..n {
                let (c, d) = edge(ring, j);
                let meets = if j == i + 1 || (i == 0 && j == n - 1) {
                    // Neighbours share a corner; they may not fold back along each other.
                    let (shared, p, q) = if j == i + 1 { (b, a, d) } else { (a, b, c) };
                    orientation(shared, p, q) == 0.0
                        && (p.lon - shared.lon) * (q.lon - shared.lon)
                            + (p.lat - shared.lat) * (q.lat - shared.lat)
                            > 0.0
                } else {
                    segments_meet(a, b, c, d)
                };
                if meets {
                    return Err(GridError::SelfIntersecting { path: name(r) });
                }
            }
        }
        for (o, other) in rings[..r].iter().enumerate() {
            let crossed = (0..n).any(|i| {
                let (a, b) = edge(ring, i);
                (0..other.len()).any(|j| {
                    let (c, d) = edge(other, j);
                    segments_cross(a, b, c, d)
                })
            });
            if crossed {
                return Err(GridError::RingsCross {
                    path: name(r),
                    other: name(o),
                });
            }
        }
    }
    let outer = rings[0];
    for (h, hole) in rings.iter().enumerate().skip(1) {
        let places: Vec<Location> = hole.iter().map(|&p| ring_locate(outer, p)).collect();
        if places.contains(&Location::Outside) || !places.contains(&Location::Inside) {
            return Err(GridError::HoleOutside { path: name(h) });
        }
        for (o, other) in rings.iter().enumerate().skip(1) {
            if o != h
                && hole
                    .iter()
                    .any(|&p| ring_locate(other, p) == Location::Inside)
            {
                return Err(GridError::HoleInHole {
                    path: name(h),
                    other: name(o),
                });
            }
        }
    }
    Ok(())
}

/// Squared distance in the degree plane from `p` to the segment `a`–`b`.
fn segment_distance_sq(p: GeoPoint, a: GeoPoint, b: GeoPoint) -> f64 {
    let (dx, dy) = (b.lon - a.lon, b.lat - a.lat);
    let length_sq = dx * dx + dy * dy;
    let t = if length_sq == 0.0 {
        0.0
    } else {
        (((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / length_sq).clamp(0.0, 1.0)
    };
    let (ex, ey) = (a.lon + t * dx - p.lon, a.lat + t * dy - p.lat);
    ex * ex + ey * ey
}

/// Boundary within tolerance, else the even-odd (crossing number) rule.
fn ring_locate(ring: &[GeoPoint], p: GeoPoint) -> Location {
    let n = ring.len();
    let tolerance_sq = BOUNDARY_TOLERANCE_DEG * BOUNDARY_TOLERANCE_DEG;
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[j], ring[i]);
        if segment_distance_sq(p, a, b) <= tolerance_sq {
            return Location::Boundary;
        }
        if (b.lat > p.lat) != (a.lat > p.lat) {
            let crossing_lon = b.lon + (a.lon - b.lon) * (p.lat - b.lat) / (a.lat - b.lat);
            if p.lon < crossing_lon {
                inside = !inside;
            }
        }
        j = i;
    }
    if inside {
        Location::Inside
    } else {
        Location::Outside
    }
}

impl Polygon {
    /// A checked polygon. Rings may be given open or closed; each needs 3 distinct corners,
    /// valid coordinates and a non-zero area.
    pub fn new(exterior: Vec<GeoPoint>, holes: Vec<Vec<GeoPoint>>) -> Result<Polygon, GridError> {
        let exterior = open_ring(exterior, "exterior")?;
        let holes = holes
            .into_iter()
            .enumerate()
            .map(|(i, h)| open_ring(h, &format!("hole[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let rings: Vec<&[GeoPoint]> = std::iter::once(exterior.as_slice())
            .chain(holes.iter().map(Vec::as_slice))
            .collect();
        check_rings(&rings, |r| match r {
            0 => "exterior".to_string(),
            _ => format!("hole[{}]", r - 1),
        })?;
        let bbox = BBox::of(&exterior);
        Ok(Polygon {
            exterior,
            holes,
            bbox,
        })
    }

    pub fn exterior(&self) -> &[GeoPoint] {
        &self.exterior
    }

    pub fn holes(&self) -> &[Vec<GeoPoint>] {
        &self.holes
    }

    pub fn bbox(&self) -> BBox {
        self.bbox
    }

    pub fn locate(&self, p: GeoPoint) -> Location {
        if !self.bbox.reaches(p) {
            return Location::Outside;
        }
        match ring_locate(&self.exterior, p) {
            Location::Inside => {}
            other => return other,
        }
        for hole in &self.holes {
            match ring_locate(hole, p) {
                Location::Inside => return Location::Outside,
                Location::Boundary => return Location::Boundary,
                Location::Outside => {}
            }
        }
        Location::Inside
    }
}

/// GeoJSON geometry (RFC 7946) accepted for grid areas: `Polygon` or `MultiPolygon`.
/// Positions are `[lon, lat]` with an optional ignored altitude.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Geometry {
    Polygon {
        coordinates: Vec<Vec<Vec<f64>>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<Vec<f64>>>>,
    },
}

/// A grid's area: one or more polygons (a MultiPolygon), WGS-84.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    polygons: Vec<Polygon>,
    bbox: BBox,
}

impl Area {
    pub fn new(polygons: Vec<Polygon>) -> Result<Area, GridError> {
        let bbox = polygons
            .iter()
            .map(Polygon::bbox)
            .reduce(BBox::union)
            .ok_or(GridError::NoPolygons)?;
        Ok(Area { polygons, bbox })
    }

    /// Reads a GeoJSON geometry whose positions are in `datum` (GeoJSON proper is WGS-84;
    /// outlines exported from Chinese map services are often GCJ-02 or BD-09) and converts it.
    /// Rings must be closed, as RFC 7946 requires.
    pub fn from_geojson(geometry: &Geometry, datum: Datum) -> Result<Area, GridError> {
        let polygons: Vec<(String, &Vec<Vec<Vec<f64>>>)> = match geometry {
            Geometry::Polygon { coordinates } => vec![("coordinates".to_string(), coordinates)],
            Geometry::MultiPolygon { coordinates } => coordinates
                .iter()
                .enumerate()
                .map(|(i, rings)| (format!("coordinates[{i}]"), rings))
                .collect(),
        };
        let mut out = Vec::with_capacity(polygons.len());
        for (path, rings) in polygons {
            // Bounded before anything is converted.
            let corners: usize = rings.iter().map(Vec::len).sum();
            if corners > MAX_POLYGON_CORNERS + rings.len() {
                return Err(GridError::TooManyCorners {
                    path,
                    count: corners - rings.len(),
                    max: MAX_POLYGON_CORNERS,
                });
            }
            let mut converted = Vec::with_capacity(rings.len());
            for (r, ring) in rings.iter().enumerate() {
                let ring_path = format!("{path}[{r}]");
                if ring.len() < 4 {
                    return Err(GridError::TooFewCorners {
                        path: ring_path,
                        count: ring.len().saturating_sub(1),
                    });
                }
                let mut points = Vec::with_capacity(ring.len());
                for (k, position) in ring.iter().enumerate() {
                    let position_path = format!("{ring_path}[{k}]");
                    let [lon, lat] = match position.as_slice() {
                        [lon, lat, ..] => [*lon, *lat],
                        _ => {
                            return Err(GridError::PositionTooShort {
                                path: position_path,
                            });
                        }
                    };
                    let given =
                        GeoPoint::new(lon, lat).map_err(|error| GridError::BadCoordinate {
                            path: position_path,
                            error,
                        })?;
                    points.push(coords::to_wgs84(given, datum));
                }
                if ring.first() != ring.last() {
                    return Err(GridError::RingNotClosed { path: ring_path });
                }
                converted.push(open_ring(points, &ring_path).map_err(|e| retarget(e, &ring_path))?);
            }
            let views: Vec<&[GeoPoint]> = converted.iter().map(Vec::as_slice).collect();
            if !views.is_empty() {
                check_rings(&views, |r| format!("{path}[{r}]"))?;
            }
            let mut rings = converted.into_iter();
            let exterior = rings.next().ok_or(GridError::NoPolygons)?;
            let bbox = BBox::of(&exterior);
            out.push(Polygon {
                exterior,
                holes: rings.collect(),
                bbox,
            });
        }
        Area::new(out)
    }

    /// The area as GeoJSON in `datum`, e.g. GCJ-02 for an AMap base map. Rings are closed.
    pub fn to_geojson(&self, datum: Datum) -> Geometry {
        let ring = |points: &[GeoPoint]| -> Vec<Vec<f64>> {
            points
                .iter()
                .chain(points.first())
                .map(|p| {
                    let q = coords::from_wgs84(*p, datum);
                    vec![q.lon, q.lat]
                })
                .collect()
        };
        Geometry::MultiPolygon {
            coordinates: self
                .polygons
                .iter()
                .map(|p| {
                    std::iter::once(ring(&p.exterior))
                        .chain(p.holes.iter().map(|h| ring(h)))
                        .collect()
                })
                .collect(),
        }
    }

    pub fn polygons(&self) -> &[Polygon] {
        &self.polygons
    }

    pub fn bbox(&self) -> BBox {
        self.bbox
    }

    /// Inside if any polygon has the point inside, else boundary if any has it on its edge.
    pub fn locate(&self, p: GeoPoint) -> Location {
        if !self.bbox.reaches(p) {
            return Location::Outside;
        }
        self.polygons
            .iter()
            .map(|polygon| polygon.locate(p))
            .min()
            .unwrap_or(Location::Outside)
    }
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

/// `open_ring` names rings by a relative path; GeoJSON errors carry the full one.
fn retarget(error: GridError, path: &str) -> GridError {
    match error {
        GridError::TooFewCorners { count, .. } => GridError::TooFewCorners {
            path: path.to_string(),
            count,
        },
        GridError::ZeroArea { .. } => GridError::ZeroArea {
            path: path.to_string(),
        },
        other => other,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lon: f64, lat: f64) -> GeoPoint {
        GeoPoint { lon, lat }
    }

    fn square(lon: f64, lat: f64, side: f64) -> Vec<GeoPoint> {
        vec![
            p(lon, lat),
            p(lon + side, lat),
            p(lon + side, lat + side),
            p(lon, lat + side),
        ]
    }

    fn grid(id: &str, area: Area) -> Grid {
        Grid {
            id: id.into(),
            name: id.into(),
            community: "610302001003".into(),
            area,
            members: vec![],
            buildings: vec![],
        }
    }

    fn closed(ring: &[GeoPoint]) -> Vec<Vec<f64>> {
        ring.iter()
            .chain(ring.first())
            .map(|q| vec![q.lon, q.lat])
            .collect()
    }

    #[test]
    fn polygons_must_be_valid_as_a_whole() {
        let shell = square(120.0, 28.0, 0.01);
        // A hole inside is fine; one outside the shell, one crossing it, or one inside
        // another hole is refused, naming the ring.
        assert!(Polygon::new(shell.clone(), vec![square(120.002, 28.002, 0.002)]).is_ok());
        assert_eq!(
            Polygon::new(shell.clone(), vec![square(121.0, 28.0, 0.002)]),
            Err(GridError::HoleOutside {
                path: "hole[0]".into()
            })
        );
        assert!(matches!(
            Polygon::new(shell.clone(), vec![square(120.008, 28.002, 0.004)]),
            Err(GridError::RingsCross { .. })
        ));
        assert!(matches!(
            Polygon::new(
                shell.clone(),
                vec![
                    square(120.002, 28.002, 0.004),
                    square(120.003, 28.003, 0.001)
                ]
            ),
            Err(GridError::HoleInHole { .. })
        ));
        // A bow tie crosses itself; a spike folds back along itself.
        let bow_tie = vec![p(0.0, 0.0), p(3.0, 2.0), p(3.0, 0.0), p(0.0, 1.0)];
        assert_eq!(
            Polygon::new(bow_tie.clone(), vec![]),
            Err(GridError::SelfIntersecting {
                path: "exterior".into()
            })
        );
        let spike = vec![p(0.0, 0.0), p(2.0, 0.0), p(1.0, 0.0), p(1.0, 1.0)];
        assert!(matches!(
            Polygon::new(spike, vec![]),
            Err(GridError::SelfIntersecting { .. })
        ));
        // A corner repeated in a row is not a crossing.
        let repeated = vec![p(0.0, 0.0), p(1.0, 0.0), p(1.0, 0.0), p(1.0, 1.0)];
        assert!(Polygon::new(repeated, vec![]).is_ok());
        // From GeoJSON, the path names the ring.
        let geometry = Geometry::Polygon {
            coordinates: vec![closed(&shell), closed(&square(121.0, 28.0, 0.002))],
        };
        assert_eq!(
            Area::from_geojson(&geometry, Datum::Wgs84),
            Err(GridError::HoleOutside {
                path: "coordinates[1]".into()
            })
        );
        let geometry = Geometry::Polygon {
            coordinates: vec![closed(&bow_tie)],
        };
        assert!(matches!(
            Area::from_geojson(&geometry, Datum::Wgs84),
            Err(GridError::SelfIntersecting { .. })
        ));
        // Corners are bounded before any is converted.
        let many: Vec<GeoPoint> = (0..MAX_POLYGON_CORNERS + 1)
            .map(|i| {
                let angle = i as f64 / (MAX_POLYGON_CORNERS + 1) as f64 * std::f64::consts::TAU;
                p(120.0 + 0.01 * angle.cos(), 28.0 + 0.01 * angle.sin())
            })
            .collect();
        let geometry = Geometry::Polygon {
            coordinates: vec![closed(&many)],
        };
        assert!(matches!(
            Area::from_geojson(&geometry, Datum::Wgs84),
            Err(GridError::TooManyCorners { .. })
        ));
    }

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
    fn even_odd_rule_with_holes_and_boundaries() {
        let outer = square(107.0, 34.0, 0.01);
        let hole = square(107.004, 34.004, 0.002);
        let polygon = Polygon::new(outer, vec![hole]).unwrap();
        assert_eq!(polygon.locate(p(107.001, 34.001)), Location::Inside);
        assert_eq!(polygon.locate(p(107.005, 34.005)), Location::Outside); // in the hole
        assert_eq!(polygon.locate(p(107.004, 34.005)), Location::Boundary); // hole's edge
        assert_eq!(polygon.locate(p(107.0, 34.005)), Location::Boundary); // outer edge
        assert_eq!(polygon.locate(p(107.0, 34.0)), Location::Boundary); // corner
        assert_eq!(polygon.locate(p(106.9999, 34.005)), Location::Outside);
        assert_eq!(polygon.locate(p(107.02, 34.005)), Location::Outside);
        // Around the tolerance: 0.5e-9° off the edge is on it, 2e-9° outside is outside.
        assert_eq!(
            polygon.locate(p(107.0 - 0.5e-9, 34.005)),
            Location::Boundary
        );
        assert_eq!(polygon.locate(p(107.0 - 2e-9, 34.005)), Location::Outside);
        assert_eq!(polygon.locate(p(107.0 + 2e-9, 34.005)), Location::Inside);
    }

    #[test]
    fn a_concave_polygon_and_a_ray_through_a_vertex() {
        // An L shape; the horizontal ray from (107.0005, 34.002) passes through the reflex
        // corner at (107.001, 34.002)... and must still count correctly.
        let l_shape = vec![
            p(107.0, 34.0),
            p(107.003, 34.0),
            p(107.003, 34.001),
            p(107.001, 34.001),
            p(107.001, 34.003),
            p(107.0, 34.003),
        ];
        let polygon = Polygon::new(l_shape, vec![]).unwrap();
        assert_eq!(polygon.locate(p(107.0005, 34.002)), Location::Inside);
        assert_eq!(polygon.locate(p(107.002, 34.002)), Location::Outside);
        assert_eq!(polygon.locate(p(107.002, 34.0005)), Location::Inside);
        assert_eq!(polygon.locate(p(107.0005, 34.001)), Location::Inside);
        assert_eq!(polygon.locate(p(107.002, 34.001)), Location::Boundary);
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
    fn reads_geojson_in_any_datum() {
        let geometry: Geometry = serde_json::from_str(
            r#"{"type":"Polygon","coordinates":[[[107.0,34.0],[107.01,34.0,512.0],[107.01,34.01],[107.0,34.01],[107.0,34.0]]]}"#,
        )
        .unwrap();
        let wgs = Area::from_geojson(&geometry, Datum::Wgs84).unwrap();
        assert_eq!(wgs.polygons()[0].exterior().len(), 4);
        assert_eq!(wgs.locate(p(107.005, 34.005)), Location::Inside);
        // The same numbers read as GCJ-02 describe a square shifted by the GCJ offset.
        let gcj = Area::from_geojson(&geometry, Datum::Gcj02).unwrap();
        let corner = gcj.polygons()[0].exterior()[0];
        assert_eq!(corner, coords::gcj02_to_wgs84(p(107.0, 34.0)));
        // And back out in GCJ-02 it is the original square, closed.
        let Geometry::MultiPolygon { coordinates } = gcj.to_geojson(Datum::Gcj02) else {
            panic!("not a MultiPolygon");
        };
        let ring = &coordinates[0][0];
        assert_eq!(ring.len(), 5);
        assert_eq!(ring.first(), ring.last());
        assert!((ring[1][0] - 107.01).abs() < 1e-9 && (ring[1][1] - 34.0).abs() < 1e-9);
    }

    #[test]
    fn geojson_errors_name_the_position() {
        let read = |json: &str| {
            let geometry: Geometry = serde_json::from_str(json).unwrap();
            Area::from_geojson(&geometry, Datum::Wgs84)
        };
        assert_eq!(
            read(
                r#"{"type":"Polygon","coordinates":[[[107.0,34.0],[107.01,34.0],[107.01,34.01],[107.0,34.01]]]}"#
            ),
            Err(GridError::RingNotClosed {
                path: "coordinates[0]".into()
            })
        );
        assert_eq!(
            read(
                r#"{"type":"MultiPolygon","coordinates":[[[[107.0,34.0],[107.01,34.0],[107.01,34.01],[107.0,34.0]]],[[[107.0,34.0],[107.01],[107.01,34.01],[107.0,34.0]]]]}"#
            ),
            Err(GridError::PositionTooShort {
                path: "coordinates[1][0][1]".into()
            })
        );
        assert_eq!(
            read(
                r#"{"type":"Polygon","coordinates":[[[107.0,34.0],[107.01,94.0],[107.01,34.01],[107.0,34.0]]]}"#
            ),
            Err(GridError::BadCoordinate {
                path: "coordinates[0][1]".into(),
                error: CoordError::LatitudeOutOfRange(94.0)
            })
        );
        assert_eq!(
            read(r#"{"type":"Polygon","coordinates":[[[107.0,34.0],[107.01,34.0],[107.0,34.0]]]}"#),
            Err(GridError::TooFewCorners {
                path: "coordinates[0]".into(),
                count: 2
            })
        );
        assert_eq!(
            read(
                r#"{"type":"Polygon","coordinates":[[[107.0,34.0],[107.01,34.0],[107.02,34.0],[107.0,34.0]]]}"#
            ),
            Err(GridError::ZeroArea {
                path: "coordinates[0]".into()
            })
        );
        assert_eq!(
            read(r#"{"type":"MultiPolygon","coordinates":[]}"#),
            Err(GridError::NoPolygons)
        );
        assert!(
            serde_json::from_str::<Geometry>(r#"{"type":"Point","coordinates":[1,2]}"#).is_err()
        );
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
