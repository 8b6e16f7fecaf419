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
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
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

/// Loads a database for the page load test: `communities` synthetic communities (10 districts
/// × 10 streets × N/100) under one city, `years` rounds of the 128-clause standard, every entry
/// named with one assessor sheet of 128 answers; prints a session cookie for the load generator
/// and the paths to request.
pub fn seed(database: &str, communities: usize, years: usize) -> Result<ExitCode> {
    use xingfu_store::Store;
    use xingfu_store::accounts::NewUser;
    use xingfu_store::bulk::BulkEntry;
    use xingfu_store::regions::RegionRow;
    use xingfu_store::rounds::NewRound;

    let standard = resolve_standard("weihai-jzxf-2022", false)?;
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == "weihai-jzxf-2022")
        .map(|(_, t)| *t)
        .unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::connect(database).await?;
        if store.count_regions().await? > 0 {
            anyhow::bail!("the database is not empty: seed a new one");
        }
        let started = Instant::now();
        let region = |code: String, name: String, level: &str, parent: Option<String>| RegionRow {
            code,
            name,
            level: level.into(),
            parent,
            urban_rural: None,
        };
        let city = "371000000000".to_string();
        let mut regions = vec![region(city.clone(), "基准市".into(), "city", None)];
        let mut codes = Vec::with_capacity(communities);
        for i in 0..communities {
            let district = 1 + (i / 1000) % 99;
            let street = 1 + (i / 100) % 10;
            let community = 1 + i % 100;
            let d = format!("3710{district:02}000000");
            let s = format!("3710{district:02}{street:03}000");
            if i % 1000 == 0 {
                regions.push(region(
                    d.clone(),
                    format!("基准区{district}"),
                    "district",
                    Some(city.clone()),
                ));
            }
            if i % 100 == 0 {
                regions.push(region(
                    s.clone(),
                    format!("基准街道{district}-{street}"),
                    "street",
                    Some(d),
                ));
            }
            let code = format!("3710{district:02}{street:03}{community:03}");
            regions.push(region(
                code.clone(),
                format!("基准社区{i}"),
                "community",
                Some(s),
            ));
            codes.push(code);
        }
        store.bulk_regions(&regions).await?;
        store
            .save_standard(&standard.id, &standard.version, text, 0)
            .await?;
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0$Ym9ndXNoYXNoYm9ndXNoYXNoYm9ndXNo";
        let user = store
            .create_user(
                &NewUser {
                    username: "bench",
                    display_name: "压测账号",
                    password_hash: hash,
                    role: "city_admin",
                    region_code: &city,
                },
                0,
            )
            .await?;
        let token = crate::commands::bench::token();
        let far = i64::MAX / 2;
        store
            .create_session(&token, &user.id, "bench-csrf", 0, far)
            .await?;

        let clauses: Vec<_> = standard.clauses().collect();
        let mut rng = Lcg(7);
        let mut last_round = String::new();
        let mut previous: Vec<i64> = vec![0; communities];
        for year in 0..years {
            let round = store
                .create_round(
                    &NewRound {
                        year: 2019 + year as i64,
                        region_code: &city,
                        standard_id: &standard.id,
                        standard_version: &standard.version,
                        objection_days: 7,
                    },
                    "bench",
                    0,
                )
                .await?;
            let mut entries = Vec::with_capacity(communities);
            let mut answers = Vec::with_capacity(communities * clauses.len());
            for (i, code) in codes.iter().enumerate() {
                let quality = 40 + rng.below(61);
                let mut met = 0i64;
                for clause in &clauses {
                    let yes = rng.below(100) < quality;
                    let answer = match &clause.judge {
                        xingfu_core::standard::Judge::Survey { .. } => {
                            format!("{{\"number\":{}}}", 80 + rng.below(20))
                        }
                        xingfu_core::standard::Judge::Numeric { .. } => {
                            format!("{{\"number\":{}}}", if yes { 12 } else { 3 })
                        }
                        _ => format!("{{\"met\":{yes}}}"),
                    };
                    if yes {
                        met += 1;
                    }
                    answers.push((
                        round.id.clone(),
                        code.clone(),
                        "bench-assessor".to_string(),
                        clause.id.clone(),
                        answer,
                    ));
                }
                let total = xingfu_core::Dec2::from_int(met);
                let star = i64::from(xingfu_core::scoring::star_for(&standard, total));
                entries.push(BulkEntry {
                    round_id: round.id.clone(),
                    community_code: code.clone(),
                    stage: "named".into(),
                    previous_star: previous[i],
                    total: total.hundredths(),
                    share: xingfu_core::Dec2::percent_of(total, standard.total_points).hundredths(),
                    star,
                    decision: serde_json::to_value(xingfu_core::round::Decision::of(
                        previous[i] as u8,
                        star as u8,
                    ))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                    reward_fen: 0,
                });
                previous[i] = star;
            }
            store.bulk_entries(&entries, 0).await?;
            store.bulk_answers(&answers, 0).await?;
            eprintln!(
                "year {} loaded ({} entries, {} answers) at {:.0?}",
                2019 + year,
                entries.len(),
                answers.len(),
                started.elapsed()
            );
            last_round = round.id;
        }
        // Statistics and the visibility map as autovacuum leaves them after a bulk load: without
        // this the run would measure the first minutes after loading (on PostgreSQL every
        // index-only probe then reads the table too: the round overview took 61 ms, 22 after).
        let settle = match store.backend() {
            xingfu_store::Backend::Sqlite => "ANALYZE",
            xingfu_store::Backend::Postgres => "VACUUM ANALYZE",
        };
        store.execute_admin(settle).await?;
        println!("cookie: xingfu_session={token}");
        println!("round overview: /rounds/{last_round}");
        println!(
            "community page: /rounds/{last_round}/communities/{}",
            codes[codes.len() / 2]
        );
        store.close().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A session token for the load generator.
fn token() -> String {
    let mut rng = Lcg(std::process::id() as u64 ^ 0x5eed);
    (0..4)
        .map(|_| format!("{:016x}", rng.next() << 31 ^ rng.next()))
        .collect()
}
