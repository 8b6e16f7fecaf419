//! `xingfu bench rate`: rate a province from files on disk, timing parsing and the core apart.
//!
//! The province: N communities (10 districts × 10 streets × N/100 communities, codes in the
//! national 12-digit layout), each with an assessment of the 128-clause `weihai-jzxf-2022`
//! standard and last year's star. That standard has no rewards or targets of its own, so the
//! benchmark borrows `lucheng-2012`'s reward schedule and targets to exercise every step.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xingfu_core::Standard;
use xingfu_core::round::rate_round;
use xingfu_core::standard::Judge;
use xingfu_formats::round_input::read_round;

use super::resolve_standard;

pub fn province_standard(english: bool) -> Result<Standard> {
    let mut standard = resolve_standard("weihai-jzxf-2022", english)?;
    let lucheng = resolve_standard("lucheng-2012", english)?;
    standard.rewards = lucheng.rewards;
    standard.targets = lucheng.targets;
    Ok(standard)
}

/// A small deterministic generator, so every run rates the same province.
pub(super) struct Lcg(pub(super) u64);

impl Lcg {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes one TOML assessment per community into `dir`.
pub fn write_province(dir: &Path, standard: &Standard, communities: usize) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut rng = Lcg(20_261_123);
    let clauses: Vec<_> = standard.clauses().collect();
    for i in 0..communities {
        let district = 1 + (i / 1000) % 99;
        let street = 1 + (i / 100) % 10;
        let community = 1 + i % 100;
        let code = format!("3710{district:02}{street:03}{community:03}");
        let quality = 40 + rng.below(61); // percent of clauses met, 40–100
        let previous = [0u8, 2, 3, 4, 5][rng.below(5) as usize];
        let mut text = String::with_capacity(4096);
        let _ = writeln!(
            text,
            "community = \"{code}\"\nname = \"社区{i}\"\nprevious_star = {previous}\n\n[answers]"
        );
        for clause in &clauses {
            let met = rng.below(100) < quality;
            let answer = match &clause.judge {
                Judge::Numeric { .. } | Judge::Metric { .. } => {
                    format!(
                        "{}",
                        if met {
                            10 + rng.below(20)
                        } else {
                            rng.below(10)
                        }
                    )
                }
                Judge::Survey { .. } => format!("{}.{}", 80 + rng.below(20), rng.below(10)),
                Judge::Graded if met => clause.points.to_string(),
                Judge::Graded => "0".into(),
                Judge::Met => format!("{met}"),
            };
            let _ = writeln!(text, "\"{}\" = {answer}", clause.id);
        }
        std::fs::write(dir.join(format!("{code}.toml")), text)?;
    }
    Ok(())
}

/// Reads every file's bytes, split over the cores like the real reader.
fn read_all(dir: &Path) -> Result<usize> {
    let files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = files.len().div_ceil(workers).max(1);
    let total = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|f| std::fs::read(f).ok())
                        .map(|b| b.len())
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    Ok(total)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub fn rate(
    communities: usize,
    runs: usize,
    dir: Option<&Path>,
    english: bool,
) -> Result<ExitCode> {
    let standard = province_standard(english)?;
    let temp;
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => {
            temp = std::env::temp_dir().join(format!("xingfu-bench-{}", std::process::id()));
            temp
        }
    };
    eprintln!(
        "generating {communities} assessments in {} …",
        dir.display()
    );
    write_province(&dir, &standard, communities)?;

    let runs = runs.max(1);
    let (mut read, mut parse, mut core, mut total) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut summary = String::new();
    for run in 0..runs {
        // Baseline in the same run: only reading the files' bytes, no parsing or rating.
        let start = Instant::now();
        let bytes = read_all(&dir)?;
        read.push(start.elapsed());
        std::hint::black_box(bytes);

        let start = Instant::now();
        let input = read_round(&dir, &standard).map_err(|p| anyhow::anyhow!("{:?}", p))?;
        let parsed = Instant::now();
        let report = rate_round(&standard, Some(2026), &input.entries);
        let done = Instant::now();
        parse.push(parsed - start);
        core.push(done - parsed);
        total.push(done - start);
        if run == 0 {
            summary = format!(
                "rated {} communities ({} rejected, {} unreadable); ≥3★ {}%, rewards {} CNY",
                report.outcomes.len(),
                report.rejected.len(),
                input.problems.total(),
                report
                    .overall
                    .targets
                    .iter()
                    .find(|t| t.min_stars == 3)
                    .map(|t| t.percent.to_string())
                    .unwrap_or_default(),
                report.overall.reward_total
            );
        }
    }
    if dir.starts_with(std::env::temp_dir()) {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let (r, p, c, t) = (median(read), median(parse), median(core), median(total));
    println!("{summary}");
    println!(
        "{communities} communities × {} clauses, {runs} runs, medians: read files {} (baseline) | parse {} | core {} | total {}",
        standard.clause_count(),
        ms(r),
        ms(p),
        ms(c),
        ms(t),
    );
    println!(
        "core {:.1}% of total; total = {:.1} × the bare file read",
        100.0 * c.as_secs_f64() / t.as_secs_f64().max(1e-9),
        t.as_secs_f64() / r.as_secs_f64().max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

/// A session token for the load generator.
pub(super) fn token() -> String {
    let mut rng = Lcg(std::process::id() as u64 ^ 0x5eed);
    (0..4)
        .map(|_| format!("{:016x}", rng.next() << 31 ^ rng.next()))
        .collect()
}

/// The machine, as the scripts in `bench/` print it: cores and CPU model.
pub(super) fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {cpu}")
}

/// The 1, 5 and 15-minute load averages, as `/proc/loadavg` gives them.
pub(super) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}
