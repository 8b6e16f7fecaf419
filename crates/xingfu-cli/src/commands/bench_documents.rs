//! `xingfu bench documents`: the official documents of a district, issued through the server's
//! real path (`documents::service::issue`: content from the store, Typst typesetting, the file
//! store, the document row and its audit row).
//!
//! Each run seeds a fresh SQLite store in a temporary folder, so every document is issued anew:
//! 鹿城区 (330302000000) of 温州市 with its real streets and communities (the demo's regions),
//! and generated ones under its real streets when more are asked for than it has; a keyed audit
//! chain as `xingfu serve` runs; a round under the shipped `lucheng-2012` standard with N
//! communities named at 1–3★ (so the district issues their documents). Then, timed: every
//! certificate of the district, one by one, and the district's 公示 notice listing all N.
//!
//! Same-run baselines: a minimal one-page Typst document (one line of Chinese) through
//! `Typesetter::render`, and the typesetting step alone for a certificate (its data from the
//! store, the QR code and the render, without the service around it), so the difference to a
//! certificate through the service is the database, file and audit work.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;
use xingfu_core::documents::{DocumentKind, Serial};
use xingfu_core::workflow::{Role, Stage};
use xingfu_server::AppState;
use xingfu_server::app::auth::CurrentUser;
use xingfu_server::app::files::FileStore;
use xingfu_server::documents::content::{self, Target};
use xingfu_server::documents::runtime::DocumentRuntime;
use xingfu_server::documents::service;
use xingfu_server::i18n::Lang;
use xingfu_store::Store;
use xingfu_store::accounts::NewUser;
use xingfu_store::audit::AuditKey;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, EntryChange, NewRound};
use xingfu_typeset::{Job, Typesetter};

use super::bench::{Lcg, load_average, machine};
use super::bench_ops::{median, ms, percentile, region, scratch_dir};
use super::process::runtime_with;

const LUCHENG: &str = "330302000000";
const STANDARD: &str = "lucheng-2012";
const PUBLIC_BASE: &str = "https://xingfu.example.org";
/// Samples of each baseline per run.
const BASELINE_SAMPLES: usize = 10;

/// One line of Chinese on an A4 page, in the documents' body font; the sample's number is on
/// it so no two renders are the same document.
const BASELINE_TYP: &str = r#"#let d = json("/data.json")
#set page(paper: "a4")
#set text(font: "Noto Serif CJK SC", size: 16pt, lang: "zh")
幸福社区星级评定基准页，第 #d.at("n") 份。
"#;

/// Syllables of the generated communities' names, when more are asked for than 鹿城区 has.
const FIRST: [&str; 20] = [
    "锦", "华", "瓯", "翠", "安", "康", "兴", "和", "新", "南", "东", "西", "桂", "梅", "柳", "松",
    "竹", "丰", "泰", "嘉",
];
const SECOND: [&str; 10] = ["园", "苑", "湾", "坊", "里", "桥", "湖", "府", "庭", "港"];

/// The communities to name: 鹿城区's real ones first, then generated ones under its streets
/// (codes from 300 on, past the real ones); the rows to add for the generated ones.
fn district_communities(n: usize) -> Result<(Vec<String>, Vec<RegionRow>)> {
    let mut real = Vec::new();
    let mut streets = Vec::new();
    for line in xingfu_server::demo::WENZHOU_REGIONS.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 4 || !fields[0].starts_with(&LUCHENG[..6]) {
            continue;
        }
        match fields[2] {
            "community" => real.push(fields[0].to_string()),
            "street" => streets.push(fields[0].to_string()),
            _ => {}
        }
    }
    if streets.is_empty() {
        bail!("the demo's regions have no streets in 鹿城区");
    }
    let extra = n.saturating_sub(real.len());
    if extra > streets.len() * 700 {
        bail!("at most {} communities", real.len() + streets.len() * 700);
    }
    let mut codes: Vec<String> = real.into_iter().take(n).collect();
    let mut rows = Vec::new();
    for k in 0..extra {
        let street = &streets[k % streets.len()];
        let code = format!("{}{:03}", &street[..9], 300 + k / streets.len());
        let name = format!(
            "{}{}社区",
            FIRST[k % FIRST.len()],
            SECOND[(k / FIRST.len()) % SECOND.len()]
        );
        rows.push(region(&code, &name, "community", Some(street)));
        codes.push(code);
    }
    Ok((codes, rows))
}

/// A fresh store in `dir` with a keyed audit chain, the district, its round and `codes` named
/// at 1–3★; the state (sharing `documents`, whose typesetter is already loaded), the district's
/// administrator and the round.
async fn seed(
    dir: &Path,
    codes: &[String],
    extra: &[RegionRow],
    documents: &DocumentRuntime,
) -> Result<(AppState, CurrentUser, String)> {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = Store::connect(&url)
        .await?
        .with_audit_key(AuditKey::generate());
    let now = xingfu_server::app::clock::now_ms();
    let audit = xingfu_server::app::audit::check_at_start(&store, now).await?;
    xingfu_server::demo::load_regions(&store).await?;
    store.upsert_regions(extra).await?;
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == STANDARD)
        .context("the shipped lucheng-2012 standard")?
        .1;
    let standard = xingfu_formats::standard_file::load_standard(STANDARD, text)
        .map_err(|_| anyhow::anyhow!("the shipped {STANDARD} does not load"))?;
    store
        .save_standard(STANDARD, &standard.version, text, now)
        .await?;
    let user = store
        .create_user(
            &NewUser {
                username: "lucheng",
                display_name: "鹿城区文明办",
                password_hash: "-",
                role: Role::DistrictAdmin.key(),
                region_code: LUCHENG,
            },
            now,
        )
        .await?;
    let round = store
        .create_round(
            &NewRound {
                year: xingfu_core::dates::cst_year(now),
                region_code: LUCHENG,
                standard_id: STANDARD,
                standard_version: &standard.version,
                objection_days: 7,
            },
            "lucheng",
            now,
        )
        .await?
        .id;
    let by = By {
        actor: "lucheng",
        at: now,
    };
    for (i, code) in codes.iter().enumerate() {
        let star = 1 + (i % 3) as i64;
        let entry = store.declare(&round, code, 0, "lucheng", now).await?;
        let computed = EntryChange {
            stage: Some(Stage::Computed),
            total: Some(60_000 + 1_000 * star + (i % 997) as i64),
            star: Some(star),
            star_by_score: Some(star),
            decision: Some("new".into()),
            ..EntryChange::default()
        };
        let entry = store
            .update_entry(&round, code, entry.version, &computed, "compute", by)
            .await?
            .map_err(|c| anyhow::anyhow!("{code}: {c:?}"))?;
        let named = EntryChange {
            stage: Some(Stage::Named),
            published_at: Some(now - 10 * 86_400_000),
            objection_until: Some(now - 3 * 86_400_000),
            named_at: Some(now),
            ..EntryChange::default()
        };
        store
            .update_entry(&round, code, entry.version, &named, "named", by)
            .await?
            .map_err(|c| anyhow::anyhow!("{code}: {c:?}"))?;
    }
    let mut state = AppState::new(store, false)
        .with_files(FileStore::local(&dir.join("files"))?)
        .with_audit_status(audit);
    state.documents = documents.clone();
    let user = CurrentUser {
        user,
        role: Role::DistrictAdmin,
        region_level: "district".into(),
        region_name: "鹿城区".into(),
        csrf: String::new(),
        unread: 0,
    };
    Ok((state, user, round))
}

fn serial(kind: DocumentKind, year: i64, rng: &mut Lcg) -> Serial {
    let bits = rng.next().to_be_bytes();
    Serial::new(kind, year, [bits[3], bits[4], bits[5], bits[6], bits[7]])
}

/// One document through the server's path, as a download of it runs.
async fn issue(
    state: &AppState,
    user: &CurrentUser,
    round: &str,
    kind: DocumentKind,
    target: &str,
) -> Result<service::Issued> {
    service::issue(state, user, round, (kind, target), PUBLIC_BASE, Lang::Zh)
        .await
        .map_err(|e| anyhow::anyhow!("{} for {target}: {e:?}", kind.key()))
}

fn app(e: xingfu_server::app::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

#[derive(Default)]
struct Samples {
    baseline: Vec<Duration>,
    typeset_only: Vec<Duration>,
    certificate: Vec<Duration>,
    certificates: Vec<Duration>,
    notice: Vec<Duration>,
    total: Vec<Duration>,
    notice_pages: usize,
    notice_rows: usize,
    certificate_pages: usize,
}

fn ratio(d: Duration, baseline: Duration) -> String {
    format!("{:.1}×", d.as_secs_f64() / baseline.as_secs_f64().max(1e-9))
}

pub fn documents(communities: usize, runs: usize) -> Result<ExitCode> {
    let communities = communities.max(1);
    let runs = runs.max(1);
    let (codes, extra) = district_communities(communities)?;
    println!(
        "machine: {}; load average before: {}",
        machine(),
        load_average()
    );
    println!(
        "each run issues anew: a fresh SQLite store per run (keyed audit chain, file store in its folder); \
         鹿城区, {} communities named at 1–3★ ({} of them generated), {runs} runs",
        codes.len(),
        extra.len()
    );
    let scratch = scratch_dir("documents")?;
    let result = runtime_with(std::thread::available_parallelism().map_or(2, |n| n.get()))?
        .block_on(measure(&scratch, &codes, &extra, runs));
    let _ = std::fs::remove_dir_all(&scratch);
    let s = result?;

    let base = median(s.baseline.clone());
    let only = median(s.typeset_only.clone());
    let mut sorted = s.certificate.clone();
    sorted.sort();
    let (cert, cert90) = (median(sorted.clone()), percentile(&sorted, 0.9));
    let notice = median(s.notice.clone());
    let total = median(s.total.clone());
    println!(
        "baseline: a one-page Typst document (one line of Chinese) through Typesetter::render: median {} ({} samples)",
        ms(base),
        s.baseline.len()
    );
    println!(
        "typesetting only, one certificate (QR code + render, no service): median {} ({} the baseline, {} samples)",
        ms(only),
        ratio(only, base),
        s.typeset_only.len()
    );
    println!(
        "certificate through the service: median {} ({}), p90 {} ({}), {} page(s), over {} certificates; typesetting is {:.0}% of it",
        ms(cert),
        ratio(cert, base),
        ms(cert90),
        ratio(cert90, base),
        s.certificate_pages,
        sorted.len(),
        100.0 * only.as_secs_f64() / cert.as_secs_f64().max(1e-9)
    );
    println!(
        "all {} certificates of the district: median {} a run ({})",
        codes.len(),
        ms(median(s.certificates.clone())),
        ratio(median(s.certificates), base)
    );
    println!(
        "district notice (公示, {} communities listed, {} pages): median {} ({})",
        s.notice_rows,
        s.notice_pages,
        ms(notice),
        ratio(notice, base)
    );
    println!(
        "total ({} certificates + the notice): median {} a run ({})",
        codes.len(),
        ms(total),
        ratio(total, base)
    );
    println!("load average after: {}", load_average());
    Ok(ExitCode::SUCCESS)
}

async fn measure(
    scratch: &Path,
    codes: &[String],
    extra: &[RegionRow],
    runs: usize,
) -> Result<Samples> {
    let baseline_dir = scratch.join("baseline-templates");
    std::fs::create_dir_all(&baseline_dir)?;
    std::fs::write(baseline_dir.join("baseline.typ"), BASELINE_TYP)?;
    let baseline = Typesetter::new(Some(&baseline_dir))?;
    // One typesetter for every run, loaded before the clock starts, as a running server has.
    let documents = DocumentRuntime::default();
    documents.typesetter().map_err(app)?;
    let mut rng = Lcg(20_261_203);
    let mut s = Samples::default();
    let lang = Lang::Zh;
    for run in 0..runs {
        let dir = scratch.join(format!("run-{run}"));
        std::fs::create_dir_all(&dir)?;
        let (state, user, round) = seed(&dir, codes, extra, &documents).await?;
        for i in 0..BASELINE_SAMPLES {
            let data = json!({ "n": run * BASELINE_SAMPLES + i + 1 });
            let start = Instant::now();
            let (pdf, pages) = baseline.render(&Job {
                template: "baseline",
                data: &data,
                attachments: vec![],
                ident: "baseline",
            })?;
            s.baseline.push(start.elapsed());
            if pages != 1 || pdf.is_empty() {
                bail!("the baseline came out as {pages} pages");
            }
        }

        let typesetter = state.documents.typesetter().map_err(app)?;
        for code in codes.iter().take(BASELINE_SAMPLES) {
            let target = Target::Community(code.clone());
            let kind = DocumentKind::Certificate;
            let content = content::build(&state, &user, &round, kind, &target, lang)
                .await
                .map_err(app)?;
            let serial = serial(kind, content.year, &mut rng);
            let verify_url = format!("{PUBLIC_BASE}/verify/{serial}");
            let now = xingfu_server::app::clock::now_ms();
            let data = service::stamped(&content.data, &serial, &verify_url, now, "");
            let start = Instant::now();
            service::render(typesetter, kind, &data, serial.as_str(), &verify_url).map_err(app)?;
            s.typeset_only.push(start.elapsed());
        }

        let run_start = Instant::now();
        for code in codes {
            let start = Instant::now();
            let issued = issue(&state, &user, &round, DocumentKind::Certificate, code).await?;
            s.certificate.push(start.elapsed());
            s.certificate_pages = usize::try_from(issued.row.pages).unwrap_or(0);
            if issued.row.audit_seq == 0 {
                bail!("the certificate for {code} has no audit row");
            }
        }
        let certificates_done = Instant::now();
        let issued = issue(&state, &user, &round, DocumentKind::Notice, LUCHENG).await?;
        let done = Instant::now();
        s.certificates.push(certificates_done - run_start);
        s.notice.push(done - certificates_done);
        s.total.push(done - run_start);
        s.notice_pages = usize::try_from(issued.row.pages).unwrap_or(0);

        // Untimed checks: every document is new in this run's store, the notice lists them all.
        let issued_rows = state.store.current_documents(&round).await?;
        if issued_rows.len() != codes.len() + 1 {
            bail!(
                "{} documents recorded, expected {}",
                issued_rows.len(),
                codes.len() + 1
            );
        }
        let target = Target::Issuer {
            region: LUCHENG.into(),
            level: xingfu_core::standard::GovLevel::District,
        };
        let notice = content::build(&state, &user, &round, DocumentKind::Notice, &target, lang)
            .await
            .map_err(app)?;
        s.notice_rows = notice.data["entries"].as_array().map_or(0, Vec::len);
        state.store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!(
            "run {}: {} certificates + notice in {}",
            run + 1,
            codes.len(),
            ms(done - run_start)
        );
    }
    Ok(s)
}
