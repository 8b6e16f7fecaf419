//! Rings: closing and checking them, the checks on a polygon's rings as a whole, the even-odd test.

use super::{BOUNDARY_TOLERANCE_DEG, GridError, Location, MAX_POLYGON_CORNERS};
use crate::ops::coords::GeoPoint;

pub(super) fn open_ring(mut ring: Vec<GeoPoint>, path: &str) -> Result<Vec<GeoPoint>, GridError> {
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
pub(super) fn check_rings(
    rings: &[&[GeoPoint]],
    name: impl Fn(usize) -> String,
) -> Result<(), GridError> {
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
pub(super) fn ring_locate(ring: &[GeoPoint], p: GeoPoint) -> Location {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Area, Geometry, Polygon};
    use super::*;
    use crate::ops::coords::Datum;

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
}
