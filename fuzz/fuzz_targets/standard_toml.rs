//! A standard in TOML, as `xingfu standard check` and the server's standard upload read it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(text) = xingfu_fuzz::text(data) {
        let _ = xingfu_formats::standard_file::load_standard("fuzz.toml", text);
    }
});
