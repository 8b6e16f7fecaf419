//! Web Mercator in world units: the whole world is the square [0, 1) × [0, 1), x to the east,
//! y to the south; a tile `z/x/y` is the square of side 2^-z at (x, y) · 2^-z.

/// The latitude where Web Mercator stops (the world square's edge).
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// A WGS-84 position in world units.
pub fn to_world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    (x, y)
}

/// World units back to (longitude, latitude).
pub fn to_lon_lat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * y);
    let lat = n.sinh().atan().to_degrees();
    (lon, lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_known_points() {
        let (x, y) = to_world(0.0, 0.0);
        assert!((x - 0.5).abs() < 1e-12 && (y - 0.5).abs() < 1e-12);
        let (x, y) = to_world(-180.0, MAX_LATITUDE);
        assert!(x.abs() < 1e-12 && y.abs() < 1e-9);
        // 学院路（Beijing）：in zoom-14 tile 13487/6203.
        let (x, y) = to_world(116.3526, 39.9918);
        assert_eq!(((x * 16384.0) as u32, (y * 16384.0) as u32), (13487, 6203));
        let (lon, lat) = to_lon_lat(x, y);
        assert!((lon - 116.3526).abs() < 1e-9 && (lat - 39.9918).abs() < 1e-9);
    }
}
