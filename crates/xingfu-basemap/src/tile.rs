//! Cutting one Mapbox Vector Tile out of a [`Basemap`].

use mvt::{GeomEncoder, GeomType, Tile};

use crate::read::{Basemap, Feature, Geometry, Layer};

/// Tile coordinates: 4096 units a side, as most styles expect.
pub const EXTENT: u32 = 4096;
/// How far beyond its edge a tile keeps geometry, so lines and fills join across tiles.
const BUFFER: f64 = 64.0;
/// The zooms tiles are cut for; MapLibre draws deeper zooms from the last one.
pub const MIN_ZOOM: u8 = 10;
pub const MAX_ZOOM: u8 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileError {
    #[error("zoom {0} is outside {MIN_ZOOM}–{MAX_ZOOM}")]
    Zoom(u8),
    #[error("tile {x}/{y} is outside the grid of zoom {z}")]
    Outside { z: u8, x: u32, y: u32 },
    #[error("encoding the tile: {0}")]
    Encode(String),
}

impl TileId {
    /// A tile of the grid, or why there is none.
    pub fn new(z: u8, x: u32, y: u32) -> Result<TileId, TileError> {
        if !(MIN_ZOOM..=MAX_ZOOM).contains(&z) {
            return Err(TileError::Zoom(z));
        }
        let side = 1u32 << z;
        if x >= side || y >= side {
            return Err(TileError::Outside { z, x, y });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile with its buffer, in world units.
    fn world_box(self) -> (f64, f64, f64, f64) {
        let size = 1.0 / f64::from(1u32 << self.z);
        let pad = size * BUFFER / f64::from(EXTENT);
        let (x, y) = (f64::from(self.x) * size, f64::from(self.y) * size);
        (x - pad, y - pad, x + size + pad, y + size + pad)
    }

    /// A world position in tile units.
    fn local(self, (x, y): (f64, f64)) -> (f64, f64) {
        let scale = f64::from(1u32 << self.z) * f64::from(EXTENT);
        (
            x * scale - f64::from(self.x) * f64::from(EXTENT),
            y * scale - f64::from(self.y) * f64::from(EXTENT),
        )
    }
}

type Bounds = (f64, f64, f64, f64);

/// The tile: every layer with the features drawn at its zoom, clipped to the tile and its
/// buffer. A tile with nothing in it is still a valid (empty) tile.
pub fn cut_tile(map: &Basemap, id: TileId) -> Result<Vec<u8>, TileError> {
    let encode = |e: mvt::Error| TileError::Encode(e.to_string());
    let bounds: Bounds = (
        -BUFFER,
        -BUFFER,
        f64::from(EXTENT) + BUFFER,
        f64::from(EXTENT) + BUFFER,
    );
    let features = map.features_in(id.world_box());
    let mut tile = Tile::new(EXTENT);
    for layer_kind in Layer::ALL {
        let mut layer = tile.create_layer(layer_kind.key());
        for feature in features
            .iter()
            .filter(|f| f.layer == layer_kind && f.min_zoom <= id.z)
        {
            let Some(geometry) = encode_geometry(feature, id, bounds).map_err(encode)? else {
                continue;
            };
            let mut out = layer.into_feature(geometry);
            out.add_tag_string("class", feature.class);
            if let Some(name) = &feature.name {
                out.add_tag_string("name", name);
            }
            if let Some(name) = &feature.name_en {
                out.add_tag_string("name_en", name);
            }
            layer = out.into_layer();
        }
        if layer.num_features() > 0 {
            tile.add_layer(layer).map_err(encode)?;
        }
    }
    tile.to_bytes().map_err(encode)
}

fn encode_geometry(
    feature: &Feature,
    id: TileId,
    bounds: Bounds,
) -> Result<Option<mvt::GeomData>, mvt::Error> {
    match &feature.geometry {
        Geometry::Point(p) => {
            let (x, y) = id.local(*p);
            if !inside((x, y), bounds) {
                return Ok(None);
            }
            GeomEncoder::new(GeomType::Point)
                .point(x.round(), y.round())?
                .encode()
                .map(Some)
        }
        Geometry::Line(points) => {
            let local: Vec<(f64, f64)> = points.iter().map(|p| id.local(*p)).collect();
            let runs: Vec<Vec<(f64, f64)>> = clip_line(&local, bounds)
                .into_iter()
                .map(|run| snap(&run))
                .filter(|run| run.len() >= 2)
                .collect();
            if runs.is_empty() {
                return Ok(None);
            }
            let mut encoder = GeomEncoder::new(GeomType::Linestring);
            for run in runs {
                for (x, y) in run {
                    encoder = encoder.point(x, y)?;
                }
                encoder = encoder.complete()?;
            }
            encoder.encode().map(Some)
        }
        Geometry::Area(rings) => {
            let mut encoder = GeomEncoder::new(GeomType::Polygon);
            let mut any = false;
            for ring in rings {
                let local: Vec<(f64, f64)> = ring.iter().map(|p| id.local(*p)).collect();
                let mut clipped = snap(&clip_polygon(&local, bounds));
                if clipped.first() == clipped.last() {
                    clipped.pop();
                }
                if clipped.len() < 3 || signed_area(&clipped) == 0.0 {
                    continue;
                }
                // An exterior ring is clockwise on screen (y down): positive area here.
                if signed_area(&clipped) < 0.0 {
                    clipped.reverse();
                }
                for (x, y) in clipped {
                    encoder = encoder.point(x, y)?;
                }
                encoder = encoder.complete()?;
                any = true;
            }
            if any {
                encoder.encode().map(Some)
            } else {
                Ok(None)
            }
        }
    }
}

fn inside((x, y): (f64, f64), b: Bounds) -> bool {
    x >= b.0 && x <= b.2 && y >= b.1 && y <= b.3
}

/// Whole tile units, without repeated points.
fn snap(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(points.len());
    for &(x, y) in points {
        let p = (x.round(), y.round());
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out
}

/// Twice the signed area (shoelace), positive for a clockwise ring when y points down.
fn signed_area(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

/// A line clipped to the box (Liang–Barsky per segment): the runs that lie inside it.
pub fn clip_line(points: &[(f64, f64)], b: Bounds) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for pair in points.windows(2) {
        match clip_segment(pair[0], pair[1], b) {
            Some((p, q)) => {
                if current.last() != Some(&p) {
                    if current.len() >= 2 {
                        runs.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(p);
                }
                current.push(q);
            }
            None => {
                if current.len() >= 2 {
                    runs.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        runs.push(current);
    }
    runs
}

fn clip_segment(p: (f64, f64), q: (f64, f64), b: Bounds) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (denominator, numerator) in [
        (-dx, p.0 - b.0),
        (dx, b.2 - p.0),
        (-dy, p.1 - b.1),
        (dy, b.3 - p.1),
    ] {
        if denominator == 0.0 {
            if numerator < 0.0 {
                return None;
            }
        } else {
            let t = numerator / denominator;
            if denominator < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| (p.0 + t * dx, p.1 + t * dy);
    Some((at(t0), at(t1)))
}

/// A polygon ring clipped to the box (Sutherland–Hodgman, one edge at a time).
pub fn clip_polygon(ring: &[(f64, f64)], b: Bounds) -> Vec<(f64, f64)> {
    type Edge = (
        fn((f64, f64), Bounds) -> bool,
        fn((f64, f64), (f64, f64), Bounds) -> (f64, f64),
    );
    fn cross_x(p: (f64, f64), q: (f64, f64), x: f64) -> (f64, f64) {
        (x, p.1 + (q.1 - p.1) * (x - p.0) / (q.0 - p.0))
    }
    fn cross_y(p: (f64, f64), q: (f64, f64), y: f64) -> (f64, f64) {
        (p.0 + (q.0 - p.0) * (y - p.1) / (q.1 - p.1), y)
    }
    let edges: [Edge; 4] = [
        (|p, b| p.0 >= b.0, |p, q, b| cross_x(p, q, b.0)),
        (|p, b| p.0 <= b.2, |p, q, b| cross_x(p, q, b.2)),
        (|p, b| p.1 >= b.1, |p, q, b| cross_y(p, q, b.1)),
        (|p, b| p.1 <= b.3, |p, q, b| cross_y(p, q, b.3)),
    ];
    let mut out: Vec<(f64, f64)> = ring.to_vec();
    if out.first() == out.last() {
        out.pop();
    }
    for (keeps, cross) in edges {
        let input = std::mem::take(&mut out);
        let n = input.len();
        for i in 0..n {
            let (current, previous) = (input[i], input[(i + n - 1) % n]);
            match (keeps(current, b), keeps(previous, b)) {
                (true, true) => out.push(current),
                (true, false) => {
                    out.push(cross(previous, current, b));
                    out.push(current);
                }
                (false, true) => out.push(cross(previous, current, b)),
                (false, false) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: Bounds = (0.0, 0.0, 10.0, 10.0);

    #[test]
    fn a_line_through_the_box_keeps_the_part_inside() {
        let runs = clip_line(&[(-5.0, 5.0), (15.0, 5.0)], BOX);
        assert_eq!(runs, vec![vec![(0.0, 5.0), (10.0, 5.0)]]);
    }

    #[test]
    fn a_line_leaving_and_coming_back_is_two_runs() {
        let runs = clip_line(&[(2.0, 2.0), (2.0, 20.0), (8.0, 20.0), (8.0, 2.0)], BOX);
        assert_eq!(
            runs,
            vec![vec![(2.0, 2.0), (2.0, 10.0)], vec![(8.0, 10.0), (8.0, 2.0)]]
        );
    }

    #[test]
    fn a_line_outside_is_gone() {
        assert!(clip_line(&[(-5.0, -5.0), (-1.0, 20.0)], BOX).is_empty());
    }

    #[test]
    fn a_polygon_larger_than_the_box_becomes_the_box() {
        let ring = [
            (-5.0, -5.0),
            (15.0, -5.0),
            (15.0, 15.0),
            (-5.0, 15.0),
            (-5.0, -5.0),
        ];
        let mut clipped = clip_polygon(&ring, BOX);
        clipped.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(
            clipped,
            vec![(0.0, 0.0), (0.0, 10.0), (10.0, 0.0), (10.0, 10.0)]
        );
    }

    #[test]
    fn a_polygon_across_one_edge_is_cut_there() {
        let ring = [(5.0, 2.0), (15.0, 2.0), (15.0, 4.0), (5.0, 4.0)];
        let clipped = clip_polygon(&ring, BOX);
        assert_eq!(clipped.len(), 4);
        assert!(clipped.iter().all(|p| p.0 <= 10.0 && p.0 >= 5.0));
        assert!((signed_area(&clipped).abs() - 2.0 * 10.0).abs() < 1e-9);
    }

    #[test]
    fn tiles_outside_the_grid_or_zooms_are_refused() {
        assert_eq!(TileId::new(9, 0, 0), Err(TileError::Zoom(9)));
        assert_eq!(TileId::new(17, 0, 0), Err(TileError::Zoom(17)));
        assert_eq!(
            TileId::new(10, 1024, 0),
            Err(TileError::Outside {
                z: 10,
                x: 1024,
                y: 0
            })
        );
        assert!(TileId::new(10, 1023, 1023).is_ok());
    }
}
