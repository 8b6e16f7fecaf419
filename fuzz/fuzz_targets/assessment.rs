//! One community's assessment, TOML and JSON, against each shipped standard in turn.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xingfu_formats::assessment_file::load_assessment;

fuzz_target!(|data: &[u8]| {
    let Some(text) = xingfu_fuzz::text(data) else {
        return;
    };
    let standard = xingfu_fuzz::standard(data.len() as u8);
    let _ = load_assessment("fuzz.toml", text, standard);
    let _ = load_assessment("fuzz.json", text, standard);
});
