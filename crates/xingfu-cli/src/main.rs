//! `xingfu`: check evaluation standards, score a community, rate a whole round.

mod cli;
mod commands;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let english = cli.english();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            let label = if english { "error" } else { "错误" };
            eprintln!("{label}: {error:#}");
            ExitCode::from(2)
        }
    }
}
