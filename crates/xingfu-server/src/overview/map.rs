//! Where the overview's units lie on its map: a street's or a district's units are drawn by the
//! stored boundaries of their communities (the 15-minute circle's boundaries); a unit without
//! one, and every unit of a city's map, is a dot at the middle of its facilities and grids.
//! Two grouped reads over the area; coordinates are WGS-84 as stored.

use std::collections::BTreeMap;

use serde_json::Value;
use xingfu_store::Store;
use xingfu_store::facilities::from_e6;

use crate::app::error::AppError;

/// Most boundary vertices drawn on one map; beyond it every unit is drawn as a dot (the tables
/// hold every figure either way).
const MAX_VERTICES: usize = 40_000;

/// One unit on the map.
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// Outer rings of its communities' boundaries, (longitude, latitude).
    pub rings: Vec<Vec<(f64, f64)>>,
    /// Where its dot goes when it has no ring to draw.
    pub point: Option<(f64, f64)>,
}

/// The outer rings of a stored GeoJSON Polygon or MultiPolygon geometry; none when it does not
/// read as one.
pub fn outer_rings(geometry: &str) -> Vec<Vec<(f64, f64)>> {
    let Ok(value) = serde_json::from_str::<Value>(geometry) else {
        return Vec::new();
    };
    let ring = |ring: &Value| -> Option<Vec<(f64, f64)>> {
        ring.as_array()?
            .iter()
            .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect()
    };
    let polygons: Vec<&Value> = match value.get("type").and_then(Value::as_str) {
        Some("Polygon") => value.get("coordinates").into_iter().collect(),
        Some("MultiPolygon") => value
            .get("coordinates")
            .and_then(Value::as_array)
            .map(|p| p.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    polygons
        .into_iter()
        .filter_map(|polygon| ring(polygon.as_array()?.first()?))
        .filter(|r| r.len() >= 3)
        .collect()
}

fn middle(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    (!points.is_empty()).then(|| {
        let (lon, lat) = points
            .iter()
            .fold((0.0, 0.0), |(a, b), (lon, lat)| (a + lon, b + lat));
        (lon / n, lat / n)
    })
}

/// The places of the units (of `digits` code digits) under `prefix`. Boundaries are read for a
/// district's or a street's map only (`with_boundaries`); a city's map has a dot per district.
pub async fn places(
    store: &Store,
    prefix: &str,
    digits: usize,
    with_boundaries: bool,
) -> Result<BTreeMap<String, Place>, AppError> {
    let unit = |code: &str| format!("{:0<12}", code.get(..digits).unwrap_or(code));
    let mut places: BTreeMap<String, Place> = BTreeMap::new();
    if with_boundaries {
        let mut vertices = 0usize;
        for (community, geometry) in store.circle_boundaries_within(prefix).await? {
            let rings = outer_rings(&geometry);
            vertices += rings.iter().map(Vec::len).sum::<usize>();
            places
                .entry(unit(&community))
                .or_default()
                .rings
                .extend(rings);
        }
        if vertices > MAX_VERTICES {
            for place in places.values_mut() {
                let all: Vec<(f64, f64)> = place.rings.iter().flatten().copied().collect();
                place.point = middle(&all);
                place.rings.clear();
            }
        }
    }
    for p in store.points_by_unit(prefix, digits).await? {
        if p.points <= 0 {
            continue;
        }
        let place = places.entry(p.unit).or_default();
        if place.rings.is_empty() && place.point.is_none() {
            place.point = Some((
                from_e6(p.lon_e6_sum / p.points),
                from_e6(p.lat_e6_sum / p.points),
            ));
        }
    }
    Ok(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_rings_of_polygons_and_multipolygons() {
        let polygon = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.3,0.2],[0.3,0.3],[0.2,0.2]]]}"#;
        assert_eq!(outer_rings(polygon).len(), 1);
        assert_eq!(outer_rings(polygon)[0][1], (1.0, 0.0));
        let multi = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}"#;
        assert_eq!(outer_rings(multi).len(), 2);
        assert!(outer_rings(r#"{"type":"Point","coordinates":[0,0]}"#).is_empty());
        assert!(outer_rings("not json").is_empty());
        assert_eq!(middle(&[(0.0, 0.0), (2.0, 4.0)]), Some((1.0, 2.0)));
    }
}
