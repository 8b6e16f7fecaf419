//! `xingfu score`: one community's scorecard.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use xingfu_core::scoring::{Scorecard, score};
use xingfu_formats::assessment_file::load_assessment;

use super::resolve_standard;
use crate::cli::{ScoreArgs, ScoreFormat};
use crate::render;

/// The stable JSON document `score --format json` prints (docs/json-output.md).
#[derive(Serialize)]
struct ScoreJson<'a> {
    schema: &'static str,
    community: Community<'a>,
    #[serde(flatten)]
    scorecard: &'a Scorecard<'a>,
}

#[derive(Serialize)]
struct Community<'a> {
    code: &'a str,
    name: &'a str,
    previous_star: Option<u8>,
}

pub fn run(args: &ScoreArgs, english: bool) -> Result<ExitCode> {
    let standard = resolve_standard(&args.standard, english)?;
    let shown = args.input.display().to_string();
    let text = std::fs::read_to_string(&args.input).with_context(|| {
        if english {
            format!("cannot read {shown}")
        } else {
            format!("无法读取 {shown}")
        }
    })?;
    let entry = load_assessment(&shown, &text, &standard).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| p.render(english)).collect();
        anyhow::anyhow!(lines.join("\n"))
    })?;
    let card = match score(&standard, &entry.assessment) {
        Ok(card) => card,
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{shown}: {}", if english { &e.en } else { &e.zh }))
                .collect();
            bail!(lines.join("\n"))
        }
    };
    match args.format {
        ScoreFormat::Json => {
            let doc = ScoreJson {
                schema: "xingfu.scorecard/1",
                community: Community {
                    code: &entry.code,
                    name: &entry.name,
                    previous_star: entry.previous_star,
                },
                scorecard: &card,
            };
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        ScoreFormat::Text => {
            print!("{}", render::scorecard(&standard, &entry, &card, english));
        }
    }
    Ok(ExitCode::SUCCESS)
}
