//! Coordinates: WGS-84 (GPS, stored everywhere), GCJ-02 (国测局坐标, used by AMap, Tencent and
//! WeChat mini-programs) and BD-09 (百度坐标, used by Baidu Maps).
//!
//! The forward transforms are the widely published ones (Krasovsky ellipsoid
//! a = 6 378 245 m, e² = 0.006 693 421 622 965 943 23; BD-09 offsets 0.0065 / 0.006). GCJ-02
//! only applies inside China, approximated by the customary rectangle
//! 72.004–137.8347°E, 0.8293–55.8271°N: outside it points come back unchanged. BD-09 is
//! applied everywhere, as Baidu and the reference implementations do. The inverses are solved
//! by fixed-point iteration on the forward transform, so a round trip is exact to well under a
//! millimetre instead of the 1–2 m of the usual one-step inverse.

use serde::{Deserialize, Serialize};

/// A longitude/latitude pair in degrees. Which datum it is in is the caller's knowledge;
/// everything stored is WGS-84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum CoordError {
    #[error("coordinates must be finite numbers")]
    NotFinite,
    #[error("latitude {0} is outside −90…90")]
    LatitudeOutOfRange(f64),
    #[error("longitude {0} is outside −180…180")]
    LongitudeOutOfRange(f64),
}

impl CoordError {
    pub fn zh(&self) -> String {
        match self {
            CoordError::NotFinite => "坐标必须是有效数字".into(),
            CoordError::LatitudeOutOfRange(v) => format!("纬度 {v} 超出 −90…90 的范围"),
            CoordError::LongitudeOutOfRange(v) => format!("经度 {v} 超出 −180…180 的范围"),
        }
    }
}

impl GeoPoint {
    /// A checked point: finite, latitude within ±90, longitude within ±180.
    pub fn new(lon: f64, lat: f64) -> Result<GeoPoint, CoordError> {
        if !lon.is_finite() || !lat.is_finite() {
            return Err(CoordError::NotFinite);
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(CoordError::LatitudeOutOfRange(lat));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(CoordError::LongitudeOutOfRange(lon));
        }
        Ok(GeoPoint { lon, lat })
    }
}

/// The coordinate system a client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Datum {
    Wgs84,
    Gcj02,
    Bd09,
}

impl Datum {
    pub const ALL: [Datum; 3] = [Datum::Wgs84, Datum::Gcj02, Datum::Bd09];

    pub fn key(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
            Datum::Bd09 => "bd09",
        }
    }

    /// Reads the usual spellings: `wgs84`, `WGS-84`, `gcj02`, `GCJ-02`, `bd09`, `BD-09`
    /// (and `bd09ll`, Baidu's name for the same system).
    pub fn parse(text: &str) -> Option<Datum> {
        let folded: String = text
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "wgs84" => Some(Datum::Wgs84),
            "gcj02" => Some(Datum::Gcj02),
            "bd09" | "bd09ll" => Some(Datum::Bd09),
            _ => None,
        }
    }
}

const KRASOVSKY_A: f64 = 6_378_245.0;
/// Published as 0.00669342162296594323; the nearest f64.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
const BD_X_PI: f64 = std::f64::consts::PI * 3000.0 / 180.0;

/// True inside the rectangle where GCJ-02 applies.
pub fn in_china(p: GeoPoint) -> bool {
    (72.004..=137.8347).contains(&p.lon) && (0.8293..=55.8271).contains(&p.lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn offset_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

pub fn wgs84_to_gcj02(p: GeoPoint) -> GeoPoint {
    use std::f64::consts::PI;
    if !in_china(p) {
        return p;
    }
    let d_lat = offset_lat(p.lon - 105.0, p.lat - 35.0);
    let d_lon = offset_lon(p.lon - 105.0, p.lat - 35.0);
    let rad_lat = p.lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat =
        (d_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    GeoPoint {
        lon: p.lon + d_lon,
        lat: p.lat + d_lat,
    }
}

/// Stop iterating once a correction is below this many degrees (about 0.01 mm).
const INVERSE_TOLERANCE_DEG: f64 = 1e-10;
const INVERSE_MAX_STEPS: usize = 20;

/// Solves `forward(x) = target` starting from `start`, by x ← x − (forward(x) − target).
/// The transforms here are the identity plus a slowly varying offset, so this converges in a
/// handful of steps.
fn invert(target: GeoPoint, start: GeoPoint, forward: impl Fn(GeoPoint) -> GeoPoint) -> GeoPoint {
    let mut x = start;
    for _ in 0..INVERSE_MAX_STEPS {
        let y = forward(x);
        let (d_lon, d_lat) = (y.lon - target.lon, y.lat - target.lat);
        x = GeoPoint {
            lon: x.lon - d_lon,
            lat: x.lat - d_lat,
        };
        if d_lon.abs() < INVERSE_TOLERANCE_DEG && d_lat.abs() < INVERSE_TOLERANCE_DEG {
            break;
        }
    }
    x
}

/// The WGS-84 point whose GCJ-02 image is `p`. Outside China `p` comes back unchanged.
pub fn gcj02_to_wgs84(p: GeoPoint) -> GeoPoint {
    if !in_china(p) {
        return p;
    }
    invert(p, p, wgs84_to_gcj02)
}

pub fn gcj02_to_bd09(p: GeoPoint) -> GeoPoint {
    let (x, y) = (p.lon, p.lat);
    let z = (x * x + y * y).sqrt() + 0.000_02 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) + 0.000_003 * (x * BD_X_PI).cos();
    GeoPoint {
        lon: z * theta.cos() + 0.0065,
        lat: z * theta.sin() + 0.006,
    }
}

/// The published closed-form inverse, refined by iteration on [`gcj02_to_bd09`].
pub fn bd09_to_gcj02(p: GeoPoint) -> GeoPoint {
    let (x, y) = (p.lon - 0.0065, p.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.000_02 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * BD_X_PI).cos();
    let start = GeoPoint {
        lon: z * theta.cos(),
        lat: z * theta.sin(),
    };
    invert(p, start, gcj02_to_bd09)
}

pub fn wgs84_to_bd09(p: GeoPoint) -> GeoPoint {
    gcj02_to_bd09(wgs84_to_gcj02(p))
}

pub fn bd09_to_wgs84(p: GeoPoint) -> GeoPoint {
    gcj02_to_wgs84(bd09_to_gcj02(p))
}

/// `p`, given in `datum`, in WGS-84.
pub fn to_wgs84(p: GeoPoint, datum: Datum) -> GeoPoint {
    match datum {
        Datum::Wgs84 => p,
        Datum::Gcj02 => gcj02_to_wgs84(p),
        Datum::Bd09 => bd09_to_wgs84(p),
    }
}

/// The WGS-84 point `p` in `datum`, for maps that draw in GCJ-02 or BD-09.
pub fn from_wgs84(p: GeoPoint, datum: Datum) -> GeoPoint {
    match datum {
        Datum::Wgs84 => p,
        Datum::Gcj02 => wgs84_to_gcj02(p),
        Datum::Bd09 => wgs84_to_bd09(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::grid::haversine_m;

    fn p(lon: f64, lat: f64) -> GeoPoint {
        GeoPoint { lon, lat }
    }

    fn close(a: GeoPoint, b: GeoPoint, tolerance_deg: f64) -> bool {
        (a.lon - b.lon).abs() <= tolerance_deg && (a.lat - b.lat).abs() <= tolerance_deg
    }

    #[test]
    fn forward_transforms_match_published_vectors() {
        // wandergis/coordtransform's README example at Tiananmen (116.404, 39.915).
        let tiananmen = p(116.404, 39.915);
        let bd = gcj02_to_bd09(tiananmen);
        assert!(
            close(bd, p(116.41036949371029, 39.92133699351021), 1e-12),
            "{bd:?}"
        );
        let gcj = bd09_to_gcj02_one_step(tiananmen);
        assert!(
            close(gcj, p(116.39762729119315, 39.90865673957631), 1e-12),
            "{gcj:?}"
        );
        let gcj = wgs84_to_gcj02(tiananmen);
        assert!(
            close(gcj, p(116.41024449916938, 39.91640428150164), 1e-12),
            "{gcj:?}"
        );
        // The README's one-step GCJ-02 → WGS-84 answer (116.39775550083061, 39.91359571849836)
        // maps back 6 cm from where it started; the iterated inverse maps back exactly.
        let wgs = gcj02_to_wgs84(tiananmen);
        let one_step = p(116.39775550083061, 39.91359571849836);
        assert!(haversine_m(wgs, one_step) < 2.0, "{wgs:?}");
        assert!(haversine_m(wgs84_to_gcj02(wgs), tiananmen) < 1e-3);
        assert!(haversine_m(wgs84_to_gcj02(one_step), tiananmen) > 0.01);
        // googollee/eviltransform's vectors (Shanghai, Shenzhen, Beijing), compared as that
        // project does, to five decimals.
        for (wgs, want) in [
            (
                p(121.5272106, 31.1774276),
                p(121.531541859215, 31.17530398364597),
            ),
            (
                p(113.912316, 22.543847),
                p(113.9171764808363, 22.540796131694766),
            ),
            (
                p(116.377817, 39.911954),
                p(116.38404722455657, 39.91334545536069),
            ),
        ] {
            let got = wgs84_to_gcj02(wgs);
            assert!(close(got, want, 5e-6), "{wgs:?} → {got:?}, want {want:?}");
        }
    }

    /// The closed-form inverse alone, as the reference implementation publishes it.
    fn bd09_to_gcj02_one_step(p: GeoPoint) -> GeoPoint {
        let (x, y) = (p.lon - 0.0065, p.lat - 0.006);
        let z = (x * x + y * y).sqrt() - 0.000_02 * (y * BD_X_PI).sin();
        let theta = y.atan2(x) - 0.000_003 * (x * BD_X_PI).cos();
        GeoPoint {
            lon: z * theta.cos(),
            lat: z * theta.sin(),
        }
    }

    #[test]
    fn inverses_recover_the_eviltransform_points_to_a_centimetre() {
        for (wgs, gcj) in [
            (
                p(121.5272106, 31.1774276),
                p(121.531541859215, 31.17530398364597),
            ),
            (
                p(113.912316, 22.543847),
                p(113.9171764808363, 22.540796131694766),
            ),
            (
                p(116.377817, 39.911954),
                p(116.38404722455657, 39.91334545536069),
            ),
        ] {
            let back = gcj02_to_wgs84(gcj);
            assert!(haversine_m(back, wgs) < 0.01, "{back:?} vs {wgs:?}");
        }
    }

    #[test]
    fn the_offset_is_hundreds_of_metres_inside_china_and_nothing_outside() {
        // 宝鸡市渭滨区, roughly.
        let baoji = p(107.149, 34.372);
        let shift = haversine_m(baoji, wgs84_to_gcj02(baoji));
        assert!((100.0..1000.0).contains(&shift), "{shift}");
        // Helsinki and the rectangle's corners.
        let helsinki = p(24.9384, 60.1699);
        assert_eq!(wgs84_to_gcj02(helsinki), helsinki);
        assert_eq!(gcj02_to_wgs84(helsinki), helsinki);
        assert!(in_china(p(72.004, 0.8293)));
        assert!(in_china(p(137.8347, 55.8271)));
        assert!(!in_china(p(72.0039, 30.0)));
        assert!(!in_china(p(137.8348, 30.0)));
        assert!(!in_china(p(100.0, 0.8292)));
        assert!(!in_china(p(100.0, 55.8272)));
        // BD-09 is applied everywhere: it still shifts Helsinki, and round-trips.
        let bd = wgs84_to_bd09(helsinki);
        assert_ne!(bd, helsinki);
        assert!(haversine_m(bd09_to_wgs84(bd), helsinki) < 0.001);
    }

    #[test]
    fn to_and_from_wgs84_agree_for_every_datum() {
        let wuma = p(120.6553, 28.0125); // 温州五马街道, roughly
        for datum in Datum::ALL {
            let there = from_wgs84(wuma, datum);
            let back = to_wgs84(there, datum);
            assert!(haversine_m(back, wuma) < 0.001, "{datum:?}");
            assert_eq!(Datum::parse(datum.key()), Some(datum));
        }
        assert_eq!(to_wgs84(wuma, Datum::Wgs84), wuma);
    }

    #[test]
    fn datum_names_in_their_usual_spellings() {
        assert_eq!(Datum::parse("WGS-84"), Some(Datum::Wgs84));
        assert_eq!(Datum::parse(" GCJ-02 "), Some(Datum::Gcj02));
        assert_eq!(Datum::parse("bd09ll"), Some(Datum::Bd09));
        assert_eq!(Datum::parse("BD_09"), Some(Datum::Bd09));
        assert_eq!(Datum::parse("cgcs2000"), None);
    }

    #[test]
    fn points_are_checked_at_their_limits() {
        assert!(GeoPoint::new(180.0, 90.0).is_ok());
        assert!(GeoPoint::new(-180.0, -90.0).is_ok());
        assert_eq!(
            GeoPoint::new(0.0, 90.000_001),
            Err(CoordError::LatitudeOutOfRange(90.000_001))
        );
        assert_eq!(
            GeoPoint::new(-180.000_001, 0.0),
            Err(CoordError::LongitudeOutOfRange(-180.000_001))
        );
        assert_eq!(GeoPoint::new(f64::NAN, 0.0), Err(CoordError::NotFinite));
        assert_eq!(
            GeoPoint::new(0.0, f64::INFINITY),
            Err(CoordError::NotFinite)
        );
        assert!(CoordError::NotFinite.zh().contains("坐标"));
    }
}
