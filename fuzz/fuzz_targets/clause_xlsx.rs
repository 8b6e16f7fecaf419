//! A standard's clause table in Excel, as the server's standard import reads it, over each
//! shipped standard in turn.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let base = xingfu_fuzz::standard(data.len() as u8);
    let _ = xingfu_formats::standard_xlsx::clauses_from_xlsx("fuzz.xlsx", data, base);
});
