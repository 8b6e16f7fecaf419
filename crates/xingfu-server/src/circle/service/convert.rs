//! Conversions between what the store keeps and what the circle computes with: facilities,
//! function keys and names, coordinate systems, registry problems as people read them.

use serde_json::{Value, json};
use xingfu_core::ops::coords::{Datum, GeoPoint, to_wgs84};
use xingfu_geo::facility::{Facility, normalise_functions};
use xingfu_geo::function::ServiceFunction;
use xingfu_geo::geometry::LonLat;
use xingfu_geo::registry::{Place, RegistryProblem};
use xingfu_store::facilities::{FacilityRow, from_e6};

use crate::i18n::Lang;

/// The function column that stands for all six functions at once.
pub const ALL_SIX: &str = "all_six";

/// A stored facility as the circle computes with it (unknown function keys are left out).
pub fn geo_facility(row: &FacilityRow) -> Facility {
    let mut functions: Vec<ServiceFunction> = row
        .functions
        .iter()
        .filter_map(|k| ServiceFunction::parse(k))
        .collect();
    normalise_functions(&mut functions);
    Facility {
        id: row.id.clone(),
        name: row.name.clone(),
        functions,
        location: LonLat {
            lon: from_e6(row.lon_e6),
            lat: from_e6(row.lat_e6),
        },
        hours: row.hours.clone(),
        capacity: row.capacity.and_then(|c| u32::try_from(c).ok()),
    }
}

pub fn function_keys(functions: &[ServiceFunction]) -> Vec<String> {
    functions.iter().map(|f| f.key().to_string()).collect()
}

/// A function key's name in the chosen language (the key itself when unknown; `all_six` is
/// "六项齐全").
pub fn function_name(key: &str, lang: Lang) -> String {
    if key == ALL_SIX {
        return lang.text("六项齐全", "all six");
    }
    ServiceFunction::parse(key)
        .map(|f| f.name(lang.is_en()).to_string())
        .unwrap_or_else(|| key.to_string())
}

pub(super) fn to_wgs(p: LonLat, datum: Datum) -> LonLat {
    if datum == Datum::Wgs84 {
        return p;
    }
    let q = to_wgs84(
        GeoPoint {
            lon: p.lon,
            lat: p.lat,
        },
        datum,
    );
    LonLat {
        lon: q.lon,
        lat: q.lat,
    }
}

/// Every `[lon, lat]` pair under a GeoJSON geometry, converted to WGS-84.
pub(super) fn convert_coordinates(value: &mut Value, datum: Datum) {
    if datum == Datum::Wgs84 {
        return;
    }
    match value {
        Value::Array(items) => {
            let pair = items.len() >= 2 && items.iter().take(2).all(Value::is_number);
            if pair {
                if let (Some(lon), Some(lat)) = (items[0].as_f64(), items[1].as_f64()) {
                    let p = to_wgs(LonLat { lon, lat }, datum);
                    items[0] = json!(p.lon);
                    items[1] = json!(p.lat);
                }
            } else {
                for item in items {
                    convert_coordinates(item, datum);
                }
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                convert_coordinates(item, datum);
            }
        }
        _ => {}
    }
}

/// A registry problem as a person reads it: "第 3 行:…" / "line 3: …".
pub fn problem_text(problem: &RegistryProblem, lang: Lang) -> String {
    let message = if lang.is_en() {
        &problem.en
    } else {
        &problem.zh
    };
    match problem.place {
        Place::File => message.clone(),
        Place::Line(n) if lang.is_en() => format!("line {n}: {message}"),
        Place::Line(n) => format!("第 {n} 行：{message}"),
        Place::Feature(n) if lang.is_en() => format!("feature {n}: {message}"),
        Place::Feature(n) => format!("第 {n} 个要素：{message}"),
    }
}
