//! Polygons and areas: where a point lies, their bounding boxes, and GeoJSON in and out.

use serde::{Deserialize, Serialize};

use super::rings::{check_rings, open_ring, ring_locate};
use super::{BOUNDARY_TOLERANCE_DEG, GridError, MAX_POLYGON_CORNERS};
use crate::ops::coords::{self, Datum, GeoPoint};
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

/// A polygon with optional holes, WGS-84. Rings are kept open (no repeated closing corner).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    exterior: Vec<GeoPoint>,
    holes: Vec<Vec<GeoPoint>>,
    bbox: BBox,
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::ops::coords::CoordError;

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
}
