//! One module per subcommand; each reads its inputs, calls the core, and prints.

mod audit;
mod bench;
mod bench_documents;
mod bench_ops;
mod bench_seed;
mod bench_survey;
mod circle;
mod process;
mod rate;
mod score;
mod serve;
mod standard;
mod templates;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use xingfu_core::Standard;
use xingfu_formats::shipped;
use xingfu_formats::standard_file::load_standard;

use crate::cli::{AuditCommand, BenchCommand, Cli, Command, ImportCommand, StandardCommand};

pub fn run(cli: Cli) -> Result<ExitCode> {
    let english = cli.english();
    match cli.command {
        Command::Standard(StandardCommand::List) => standard::list(english),
        Command::Standard(StandardCommand::Check { files }) => standard::check(&files, english),
        Command::Standard(StandardCommand::Show { standard }) => standard::show(&standard, english),
        Command::Score(args) => score::run(&args, english),
        Command::Rate(args) => rate::run(&args, english),
        Command::Serve(args) => serve::serve(&args, english),
        Command::Templates { dir } => templates::export(&dir, english),
        Command::Import(ImportCommand::Regions { file, database }) => {
            serve::import_regions(&file, &database, english)
        }
        Command::Audit(AuditCommand::Verify {
            database,
            data_dir,
            key,
        }) => audit::verify(&database, &data_dir, &key, english),
        Command::Bench(BenchCommand::Seed {
            database,
            province,
            communities,
            years,
            events,
            survey_answers,
        }) => bench_seed::seed(
            &database,
            province.as_deref(),
            communities,
            years,
            events,
            survey_answers,
        ),
        Command::Circle(command) => circle::run(command, english),
        Command::Bench(BenchCommand::Circle {
            osm,
            graph,
            max_metres,
            runs,
            out,
            threads,
        }) => circle::bench(
            osm.as_deref(),
            graph.as_deref(),
            max_metres,
            runs,
            out.as_deref(),
            threads,
            english,
        ),
        Command::Bench(BenchCommand::EventsIntake {
            postgres,
            seconds,
            connections,
            photo_side,
            workers,
        }) => bench_ops::events_intake(
            postgres.as_deref(),
            seconds,
            connections,
            photo_side,
            workers,
        ),
        Command::Bench(BenchCommand::SlaSweep {
            postgres,
            events,
            runs,
        }) => bench_ops::sla_sweep(postgres.as_deref(), events, runs),
        Command::Bench(BenchCommand::SeededSweep { database, runs }) => {
            bench_ops::seeded_sweep(&database, runs)
        }
        Command::Bench(BenchCommand::Documents { communities, runs }) => {
            bench_documents::documents(communities, runs)
        }
        Command::Bench(BenchCommand::SurveyIngest(args)) => bench_survey::ingest(&args, english),
        Command::Bench(BenchCommand::SurveyResults(args)) => bench_survey::results(&args, english),
        Command::Bench(BenchCommand::Rate {
            communities,
            runs,
            dir,
        }) => bench::rate(communities, runs, dir.as_deref(), english),
    }
}

/// A shipped standard by id, or a standard file by path.
pub fn resolve_standard(name: &str, english: bool) -> Result<Standard> {
    let loaded = if Path::new(name).is_file() || name.ends_with(".toml") {
        let text = std::fs::read_to_string(name).map_err(|e| {
            anyhow::anyhow!(if english {
                format!("cannot read standard file {name}: {e}")
            } else {
                format!("无法读取标准文件 {name}\u{ff1a}{e}")
            })
        })?;
        load_standard(name, &text)
    } else {
        match shipped::shipped(name) {
            Some(loaded) => loaded,
            None => {
                let ids: Vec<&str> = shipped::ids().collect();
                if english {
                    bail!(
                        "unknown standard {name:?}; shipped standards: {}",
                        ids.join(", ")
                    )
                } else {
                    bail!("没有编号为 {name:?} 的标准；随附标准：{}", ids.join("、"))
                }
            }
        }
    };
    loaded.map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| p.render(english)).collect();
        anyhow::anyhow!(
            "{}\n{}",
            if english {
                "the standard has problems:"
            } else {
                "标准有问题："
            },
            lines.join("\n")
        )
    })
}
