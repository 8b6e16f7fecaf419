//! `xingfu rate`: a whole round.

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;
use xingfu_core::round::{RoundReport, rate_round};
use xingfu_formats::round_input::read_round;
use xingfu_formats::workbook::round_workbook;
use xingfu_formats::{FileProblem, Problems};

use super::resolve_standard;
use crate::cli::{RateArgs, RateFormat};
use crate::render;

/// The stable JSON document `rate --format json` prints (docs/json-output.md).
#[derive(Serialize)]
struct RoundJson<'a> {
    schema: &'static str,
    /// Input that could not be read (the first ones); those communities are not in the report.
    input_problems: &'a [FileProblem],
    /// How many more input problems there were past the listed ones.
    input_problems_unlisted: usize,
    #[serde(flatten)]
    report: &'a RoundReport<'a>,
}

pub fn run(args: &RateArgs, english: bool) -> Result<ExitCode> {
    let standard = resolve_standard(&args.standard, english)?;
    let input = read_round(&args.input, &standard)
        .map_err(|problems| anyhow::anyhow!(Problems::from(problems).lines(english).join("\n")))?;
    let report = rate_round(&standard, args.year, &input.entries);
    match args.format {
        RateFormat::Json => {
            let doc = RoundJson {
                schema: "xingfu.round/1",
                input_problems: input.problems.listed(),
                input_problems_unlisted: input.problems.unlisted(),
                report: &report,
            };
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        RateFormat::Table => {
            print!("{}", render::round(&standard, &report, english));
            if !input.problems.is_empty() {
                println!(
                    "\n{} ({}):",
                    if english {
                        "Input that could not be read"
                    } else {
                        "无法读取的输入"
                    },
                    input.problems.total()
                );
                for line in input.problems.lines(english) {
                    println!("  {line}");
                }
            }
        }
    }
    if let Some(path) = &args.xlsx {
        let bytes = round_workbook(&report, &standard, english)?;
        std::fs::write(path, bytes).with_context(|| {
            if english {
                format!("cannot write {}", path.display())
            } else {
                format!("无法写入 {}", path.display())
            }
        })?;
        eprintln!(
            "{} {}",
            if english {
                "workbook written to"
            } else {
                "已写入工作簿"
            },
            path.display()
        );
    }
    let clean = input.problems.is_empty() && report.rejected.is_empty();
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
