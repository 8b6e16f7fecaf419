//! Division lists: Xingfu's region CSV and JSON, and the china-division CSV and JSON that
//! `xingfu import regions` and `serve --regions` read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xingfu_formats::regions::{
    read_divisions_csv, read_divisions_json, read_regions_csv, read_regions_json,
};

fuzz_target!(|data: &[u8]| {
    if let Some(text) = xingfu_fuzz::text(data) {
        let _ = read_regions_csv("fuzz.csv", text);
        let _ = read_regions_json("fuzz.json", text);
        let _ = read_divisions_csv("fuzz.csv", text);
        let _ = read_divisions_json("fuzz.json", text);
    }
});
