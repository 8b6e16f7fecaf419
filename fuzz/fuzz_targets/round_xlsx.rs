//! A round sheet as a workbook (.xlsx, .xls, .xlsb, .ods), as `xingfu rate` reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let standard = xingfu_fuzz::standard(data.len() as u8);
    let _ = xingfu_formats::round_input::read_sheet("fuzz.xlsx", data, standard);
});
