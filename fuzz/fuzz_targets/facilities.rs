//! The facility registry (CSV and GeoJSON, told apart as the command line does), community
//! boundaries in GeoJSON and candidate sites in CSV.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xingfu_geo::registry::{
    parse_communities_geojson, parse_facilities, parse_facilities_csv, parse_facilities_geojson,
    parse_sites_csv,
};

fuzz_target!(|data: &[u8]| {
    if let Some(text) = xingfu_fuzz::text(data) {
        let _ = parse_facilities("fuzz", text);
        let _ = parse_facilities_csv("fuzz.csv", text);
        let _ = parse_facilities_geojson("fuzz.geojson", text);
        let _ = parse_communities_geojson("fuzz.geojson", text);
        let _ = parse_sites_csv("fuzz.csv", text);
    }
});
