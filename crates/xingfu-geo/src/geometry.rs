//! Points on the Earth, great-circle lengths and the few polygon operations the circle needs.
//!
//! Coordinates are WGS84 longitude/latitude in degrees, as OpenStreetMap stores them. Lengths
//! are haversine distances on a sphere of the IUGG mean Earth radius, rounded to whole
//! millimetres: every walking distance in this crate is an integer number of millimetres, so
//! sums are exact and a result can be compared with another program's to the millimetre.

use serde::Serialize;

/// IUGG mean Earth radius in metres.
pub const EARTH_RADIUS_METRES: f64 = 6_371_008.8;

/// A WGS84 position in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

/// Why a pair of numbers is not a position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PositionError {
    #[error("longitude {0} is outside -180..180")]
    Longitude(f64),
    #[error("latitude {0} is outside -90..90")]
    Latitude(f64),
}

impl LonLat {
    /// A checked position: finite, longitude in −180..180, latitude in −90..90.
    pub fn new(lon: f64, lat: f64) -> Result<LonLat, PositionError> {
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(PositionError::Longitude(lon));
        }
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(PositionError::Latitude(lat));
        }
        Ok(LonLat { lon, lat })
    }

    /// The point on the unit sphere: chord length between two of these grows with the
    /// great-circle distance, so the nearest point by chord is the nearest by haversine.
    pub fn unit_vector(self) -> [f64; 3] {
        let (lon, lat) = (self.lon.to_radians(), self.lat.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }
}

/// Great-circle distance in metres.
pub fn haversine_metres(a: LonLat, b: LonLat) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_METRES * h.sqrt().min(1.0).asin()
}

/// Great-circle distance rounded to whole millimetres.
pub fn haversine_mm(a: LonLat, b: LonLat) -> u64 {
    (haversine_metres(a, b) * 1000.0).round() as u64
}

/// Centroid of a closed ring (first point may or may not repeat at the end), weighted by area
/// in a local flat projection; a ring without area gives the mean of its vertices.
pub fn ring_centroid(ring: &[LonLat]) -> Option<LonLat> {
    let first = *ring.first()?;
    let scale = first.lat.to_radians().cos();
    // Flat coordinates relative to the first vertex keep the products small and precise.
    let flat: Vec<(f64, f64)> = ring
        .iter()
        .map(|p| ((p.lon - first.lon) * scale, p.lat - first.lat))
        .collect();
    let (mut area2, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..flat.len() {
        let (x0, y0) = flat[i];
        let (x1, y1) = flat[(i + 1) % flat.len()];
        let cross = x0 * y1 - x1 * y0;
        area2 += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if area2.abs() < 1e-18 {
        return vertex_mean(ring);
    }
    let (x, y) = (cx / (3.0 * area2), cy / (3.0 * area2));
    Some(LonLat {
        lon: first.lon + if scale > 0.0 { x / scale } else { 0.0 },
        lat: first.lat + y,
    })
}

/// Mean of the vertices.
pub fn vertex_mean(points: &[LonLat]) -> Option<LonLat> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    Some(LonLat {
        lon: points.iter().map(|p| p.lon).sum::<f64>() / n,
        lat: points.iter().map(|p| p.lat).sum::<f64>() / n,
    })
}

/// An area given by the segments of its rings (outer and inner, any order and direction).
///
/// Containment is decided by the even–odd rule over all segments, so rings need not be
/// assembled from the ways that make them: a point inside an inner ring is outside the area.
#[derive(Clone, Debug)]
pub struct Area {
    segments: Vec<(LonLat, LonLat)>,
    min: LonLat,
    max: LonLat,
}

impl Area {
    /// None when there are no segments.
    pub fn from_segments(segments: Vec<(LonLat, LonLat)>) -> Option<Area> {
        let first = segments.first()?.0;
        let (mut min, mut max) = (first, first);
        for &(a, b) in &segments {
            for p in [a, b] {
                min.lon = min.lon.min(p.lon);
                min.lat = min.lat.min(p.lat);
                max.lon = max.lon.max(p.lon);
                max.lat = max.lat.max(p.lat);
            }
        }
        Some(Area { segments, min, max })
    }

    /// The segments of closed rings given as vertex lists.
    pub fn from_rings(rings: &[Vec<LonLat>]) -> Option<Area> {
        let mut segments = Vec::new();
        for ring in rings {
            for i in 0..ring.len() {
                let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                if a != b {
                    segments.push((a, b));
                }
            }
        }
        Area::from_segments(segments)
    }

    pub fn bounding_box(&self) -> (LonLat, LonLat) {
        (self.min, self.max)
    }

    /// Bounding-box area in square degrees: used to prefer the smaller of overlapping areas.
    pub fn box_size(&self) -> f64 {
        (self.max.lon - self.min.lon) * (self.max.lat - self.min.lat)
    }

    pub fn contains(&self, p: LonLat) -> bool {
        if p.lon < self.min.lon
            || p.lon > self.max.lon
            || p.lat < self.min.lat
            || p.lat > self.max.lat
        {
            return false;
        }
        let mut inside = false;
        for &(a, b) in &self.segments {
            if (a.lat > p.lat) != (b.lat > p.lat) {
                let lon_at = a.lon + (p.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
                if p.lon < lon_at {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    #[test]
    fn positions_are_checked() {
        assert!(LonLat::new(180.0, 90.0).is_ok());
        assert_eq!(
            LonLat::new(180.5, 0.0),
            Err(PositionError::Longitude(180.5))
        );
        assert_eq!(LonLat::new(0.0, -90.1), Err(PositionError::Latitude(-90.1)));
        assert!(LonLat::new(f64::NAN, 0.0).is_err());
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = haversine_metres(at(116.0, 40.0), at(116.0, 41.0));
        // 2πR/360 for R = 6,371,008.8 m.
        let expected = 2.0 * std::f64::consts::PI * EARTH_RADIUS_METRES / 360.0;
        assert!((d - expected).abs() < 1e-6, "{d} vs {expected}");
        assert_eq!(haversine_mm(at(116.0, 40.0), at(116.0, 40.0)), 0);
    }

    #[test]
    fn a_degree_of_longitude_shrinks_with_latitude() {
        let equator = haversine_metres(at(0.0, 0.0), at(1.0, 0.0));
        let helsinki = haversine_metres(at(24.0, 60.0), at(25.0, 60.0));
        // At 60° a degree of longitude is close to half the equator's.
        assert!((helsinki / equator - 0.5).abs() < 0.001);
    }

    #[test]
    fn centroid_of_a_square_is_its_middle() {
        let ring = [
            at(0.0, 0.0),
            at(0.002, 0.0),
            at(0.002, 0.002),
            at(0.0, 0.002),
        ];
        let c = ring_centroid(&ring).unwrap();
        assert!((c.lon - 0.001).abs() < 1e-12 && (c.lat - 0.001).abs() < 1e-12);
        // An L shape: the centroid is pulled towards the heavier arm, not the vertex mean.
        let l = [
            at(0.0, 0.0),
            at(0.003, 0.0),
            at(0.003, 0.001),
            at(0.001, 0.001),
            at(0.001, 0.003),
            at(0.0, 0.003),
        ];
        let c = ring_centroid(&l).unwrap();
        assert!((c.lon - 0.0011).abs() < 1e-9, "{c:?}");
        assert!((c.lat - 0.0011).abs() < 1e-9, "{c:?}");
        // A degenerate ring falls back to the vertex mean.
        let line = [at(1.0, 1.0), at(1.0, 1.0)];
        assert_eq!(ring_centroid(&line), Some(at(1.0, 1.0)));
        assert_eq!(ring_centroid(&[]), None);
    }

    #[test]
    fn even_odd_containment_honours_holes() {
        let outer = vec![at(0.0, 0.0), at(10.0, 0.0), at(10.0, 10.0), at(0.0, 10.0)];
        let hole = vec![at(4.0, 4.0), at(6.0, 4.0), at(6.0, 6.0), at(4.0, 6.0)];
        let area = Area::from_rings(&[outer, hole]).unwrap();
        assert!(area.contains(at(1.0, 1.0)));
        assert!(!area.contains(at(5.0, 5.0)));
        assert!(!area.contains(at(11.0, 5.0)));
        assert!(!area.contains(at(5.0, -0.1)));
        assert!(Area::from_rings(&[]).is_none());
    }
}
