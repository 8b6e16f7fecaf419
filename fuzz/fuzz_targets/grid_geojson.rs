//! Grid outlines in GeoJSON. The server's import reads the JSON, takes each feature's geometry
//! as a `Geometry` and checks it with `Area::from_geojson` in every datum, then matches members
//! against the community's accounts in the database; this target runs the part that reads the
//! file (the account check needs a database and reads nothing more of it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use xingfu_core::ops::coords::Datum;
use xingfu_core::ops::grid::{Area, Geometry};

fuzz_target!(|data: &[u8]| {
    let Some(text) = xingfu_fuzz::text(data) else {
        return;
    };
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let features: Vec<&Value> = match value.get("features").and_then(Value::as_array) {
        Some(list) => list.iter().collect(),
        None => vec![&value],
    };
    for feature in features {
        let Some(Ok(geometry)) = feature
            .get("geometry")
            .cloned()
            .map(serde_json::from_value::<Geometry>)
        else {
            continue;
        };
        for datum in Datum::ALL {
            if let Ok(area) = Area::from_geojson(&geometry, datum) {
                let _ = area.to_geojson(datum);
            }
        }
    }
});
