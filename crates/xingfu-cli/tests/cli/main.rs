//! Runs the real `xingfu` binary on the shipped standards and the examples under `examples/`, and
//! checks behaviour: exit codes, key figures, JSON fields. Outputs are never compared whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, open_workbook_auto};
use serde_json::Value;
use xingfu_formats::crafted_sheets::{far_cell_xlsx, inflating_xlsx, many_rows_xlsx};
use xingfu_formats::sheet::ROUND_SHEET_LIMITS;

mod bench;
mod rate;
mod rate_input;
mod score;
mod standard_check;

const WUMA: &str = "examples/lucheng/wuma-2013.toml";
const VETOED: &str = "examples/lucheng/vetoed.toml";

/// The workspace root: examples and standards are named relative to it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xingfu-cli sits two levels below the workspace")
        .to_path_buf()
}

/// Runs `xingfu` in the workspace root, with the language chosen only by the arguments.
fn xingfu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xingfu"))
        .args(args)
        .current_dir(root())
        .env_remove("XINGFU_LANG")
        .output()
        .expect("the xingfu binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("xingfu exits normally")
}

/// Asserts the exit code, showing both streams when it differs.
fn expect_code(output: &Output, expected: i32) {
    assert_eq!(
        code(output),
        expected,
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n--- stderr\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// A JSON number as hundredths, checking that it has at most two decimals.
fn hundredths(value: &Value) -> i64 {
    let x = value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"));
    let scaled = x * 100.0;
    assert!(
        (scaled - scaled.round()).abs() < 1e-6,
        "{value} has more than two decimals"
    );
    scaled.round() as i64
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an integer: {value}"))
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write a temporary file");
    path.display().to_string()
}
