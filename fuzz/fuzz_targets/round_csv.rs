//! A round sheet as CSV, as `xingfu rate` and the demo read it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(text) = xingfu_fuzz::text(data) {
        let standard = xingfu_fuzz::standard(data.len() as u8);
        let _ = xingfu_formats::round_input::read_csv("fuzz.csv", text, standard);
    }
});
