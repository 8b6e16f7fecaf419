//! An OpenStreetMap extract (.osm.pbf), read into the walking graph, homes, facilities and
//! communities as the server's upload and `xingfu circle` do.
#![no_main]

// Linked for its allocator, which caps each allocation.
extern crate xingfu_fuzz;

use libfuzzer_sys::fuzz_target;
use xingfu_geo::osm::{CommunitySource, OriginKind, OsmOptions, import_bytes};

fuzz_target!(|data: &[u8]| {
    let options = OsmOptions {
        origins: if data.len() % 2 == 0 {
            OriginKind::Buildings
        } else {
            OriginKind::Addresses
        },
        communities: CommunitySource::Auto,
    };
    let _ = import_bytes("fuzz.osm.pbf", data, &options);
});
