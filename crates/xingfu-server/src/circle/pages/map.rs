//! The coverage and siting map: an inline SVG drawn on the server (no JavaScript) of homes
//! within reach and gaps, facilities and suggested sites; the tables beside it repeat it all.

use xingfu_geo::function::ServiceFunction;
use xingfu_store::facilities::{OriginRow, from_e6};

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::circle::service::convert::ALL_SIX;
use crate::web::live_map::{self, LiveMap};
use crate::web::svg_map::Projection;

/// A home on the map: a filled circle within reach, a cross for a gap.
pub struct HomeDot {
    pub x: String,
    pub y: String,
    pub covered: bool,
}

/// A facility or a suggested site on the map.
pub struct Mark {
    pub x: String,
    pub y: String,
    pub label: String,
}

pub struct MapView {
    pub width: u32,
    pub height: u32,
    pub homes: Vec<HomeDot>,
    pub facilities: Vec<Mark>,
    pub sites: Vec<Mark>,
    /// Homes drawn, of how many.
    pub drawn: usize,
    pub total: usize,
    /// The same as GeoJSON for the map over the basemap (`static/map.js`).
    pub live: String,
}

/// The most homes drawn; beyond it every n-th is drawn (the tables count them all).
const MAX_MAP_HOMES: usize = 3000;

/// Bits of the six functions in an origin's mask.
const SIX_MASK: i64 = 0b11_1111;

fn covers(mask: i64, function: &str) -> bool {
    match ServiceFunction::parse(function) {
        Some(f) => mask & (1 << f.index()) != 0,
        None => mask & SIX_MASK == SIX_MASK,
    }
}

pub fn map_view(
    origins: &[&OriginRow],
    function: &str,
    facilities: &[(f64, f64, String)],
    sites: &[(f64, f64, String)],
) -> Option<MapView> {
    let step = origins.len().div_ceil(MAX_MAP_HOMES).max(1);
    let drawn: Vec<&&OriginRow> = origins.iter().step_by(step).collect();
    let mut points: Vec<(f64, f64)> = drawn
        .iter()
        .map(|o| (from_e6(o.lon_e6), from_e6(o.lat_e6)))
        .collect();
    points.extend(sites.iter().map(|(lon, lat, _)| (*lon, *lat)));
    if points.is_empty() {
        points.extend(facilities.iter().map(|(lon, lat, _)| (*lon, *lat)));
    }
    let width = 640.0;
    let (projection, height) = Projection::fit(points.iter().copied(), width, 16.0)?;
    let at = |lon: f64, lat: f64| {
        let (x, y) = projection.xy(lon, lat);
        (format!("{x:.1}"), format!("{y:.1}"))
    };
    let (min_x, max_x, max_y) = (0.0, width, height);
    let inside = |x: &str, y: &str| {
        let (x, y): (f64, f64) = (x.parse().unwrap_or(-1.0), y.parse().unwrap_or(-1.0));
        x >= min_x && x <= max_x && y >= 0.0 && y <= max_y
    };
    let homes = drawn
        .iter()
        .map(|o| {
            let (x, y) = at(from_e6(o.lon_e6), from_e6(o.lat_e6));
            HomeDot {
                x,
                y,
                covered: covers(o.covered_mask, function),
            }
        })
        .collect();
    let marks = |list: &[(f64, f64, String)]| {
        list.iter()
            .filter_map(|(lon, lat, label)| {
                let (x, y) = at(*lon, *lat);
                inside(&x, &y).then(|| Mark {
                    x,
                    y,
                    label: label.clone(),
                })
            })
            .collect::<Vec<_>>()
    };
    let live = live_map(&drawn, function, facilities, sites).to_script_json();
    Some(MapView {
        width: width as u32,
        height: height.ceil() as u32,
        live,
        homes,
        facilities: marks(facilities),
        sites: marks(sites),
        drawn: drawn.len(),
        total: origins.len(),
    })
}

/// Homes within reach as green dots, gaps as red rings, facilities as blue dots and suggested
/// sites as black ones, each of the last two with its name or number (the legend says so).
fn live_map(
    homes: &[&&OriginRow],
    function: &str,
    facilities: &[(f64, f64, String)],
    sites: &[(f64, f64, String)],
) -> LiveMap {
    let mut map = LiveMap::default();
    for o in homes {
        let covered = covers(o.covered_mask, function);
        map.point(
            from_e6(o.lon_e6),
            from_e6(o.lat_e6),
            live_map::Mark {
                color: if covered { "#00703c" } else { "#d4351c" },
                radius: if covered { 3 } else { 4 },
                hollow: !covered,
                label: None,
                href: None,
            },
        );
    }
    for (list, color, radius) in [(facilities, "#1d70b8", 6), (sites, "#0b0c0c", 9)] {
        for (lon, lat, label) in list {
            map.point(
                *lon,
                *lat,
                live_map::Mark {
                    color,
                    radius,
                    hollow: false,
                    label: Some(label),
                    href: None,
                },
            );
        }
    }
    map
}

/// The district's facilities offering `function` (any, for all six) as marks on the map.
pub async fn facility_marks(
    state: &AppState,
    district: &str,
    function: &str,
) -> Result<Vec<(f64, f64, String)>, AppError> {
    Ok(state
        .store
        .facilities_of_district(district)
        .await?
        .into_iter()
        .filter(|f| function == ALL_SIX || f.functions.iter().any(|k| k == function))
        .map(|f| (from_e6(f.lon_e6), from_e6(f.lat_e6), f.name))
        .collect())
}
