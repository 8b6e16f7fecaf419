//! A survey questionnaire in TOML, alone (the server's settings) and against a shipped
//! standard (a standard's questionnaire).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xingfu_formats::questionnaire_file::{load_questionnaire, load_questionnaire_for};

fuzz_target!(|data: &[u8]| {
    if let Some(text) = xingfu_fuzz::text(data) {
        let _ = load_questionnaire("fuzz.toml", text);
        let standard = xingfu_fuzz::standard(data.len() as u8);
        let _ = load_questionnaire_for("fuzz.toml", text, standard);
    }
});
