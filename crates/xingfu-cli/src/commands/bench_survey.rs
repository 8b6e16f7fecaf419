//! `xingfu bench survey-ingest` and `xingfu bench survey-results`: the speed of resident survey
//! answers into the database, and of a district's results over a million answers.
//!
//! **Ingest.** The server runs in this process on SQLite (a temporary file) or on the PostgreSQL
//! database given; a load generator on the same machine sends the residents' final form
//! (`POST /s/{link}`, every answer and a phone number) over HTTP/1.1 keep-alive connections, N at a
//! time. Every reply is read; only `303 See Other` (recorded) counts. In the same run, the same
//! number of tasks inserts the same rows straight into the same table, one row per committed
//! transaction: the database's raw insert rate, the ceiling. Runs alternate between the two, and
//! medians are printed with their ratio. Durability is the same for both: SQLite
//! `synchronous = FULL` in WAL mode, PostgreSQL's default `synchronous_commit = on`.
//!
//! **Results.** One district of N communities gets M answers (bulk-loaded with their tallies,
//! as the ingest would have left them); the district's results are then fetched through the API
//! and the page, and the median of R requests is printed, next to the time a scan of the answers
//! themselves (`COUNT(*)`) takes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use xingfu_core::survey::{
    Channel, CheckedSubmission, Questionnaire, Response, Submission, check_submission,
};
use xingfu_server::AppState;
use xingfu_server::surveys::ingest::{IngestConfig, SurveyRuntime};
use xingfu_store::Store;

use super::process::runtime;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, NewRound};
use xingfu_store::surveys::{NewSurveyAnswer, NewSurveySettings};

use crate::cli::{SurveyIngestArgs, SurveyResultsArgs};

const CITY: &str = "990100000000";
const DISTRICT: &str = "990101000000";
const DISTRICT_PREFIX: &str = "990101";
const STANDARD: &str = "lucheng-2012";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The database to use: the URL given, or a new SQLite file in a temporary directory.
fn database(url: Option<&str>) -> Result<(String, Option<tempfile::TempDir>)> {
    match url {
        Some(url) => Ok((url.to_string(), None)),
        None => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            Ok((url, Some(dir)))
        }
    }
}

fn describe(url: &str) -> String {
    if url.starts_with("sqlite:") {
        "SQLite (WAL, synchronous = FULL)".into()
    } else {
        "PostgreSQL (synchronous_commit as configured, default on)".into()
    }
}

/// A benchmark district: `communities` communities in streets of 20, a round on the Lucheng
/// standard running its questionnaire, and each community's resident link.
struct Setup {
    round: String,
    questionnaire: Questionnaire,
    /// (community code, link token).
    links: Vec<(String, String)>,
}

async fn prepare(store: &Store, communities: usize) -> Result<Setup> {
    let mut regions = vec![
        RegionRow {
            code: CITY.into(),
            name: "压测市".into(),
            level: "city".into(),
            parent: None,
            urban_rural: None,
        },
        RegionRow {
            code: DISTRICT.into(),
            name: "压测区".into(),
            level: "district".into(),
            parent: Some(CITY.into()),
            urban_rural: None,
        },
    ];
    let mut codes = Vec::with_capacity(communities);
    for i in 0..communities {
        let street = format!("{DISTRICT_PREFIX}{:03}000", i / 20 + 1);
        if i % 20 == 0 {
            regions.push(RegionRow {
                code: street.clone(),
                name: format!("压测街道{}", i / 20 + 1),
                level: "street".into(),
                parent: Some(DISTRICT.into()),
                urban_rural: None,
            });
        }
        let code = format!("{DISTRICT_PREFIX}{:03}{:03}", i / 20 + 1, i % 20 + 1);
        regions.push(RegionRow {
            code: code.clone(),
            name: format!("压测社区{}", i + 1),
            level: "community".into(),
            parent: Some(street),
            urban_rural: None,
        });
        codes.push(code);
    }
    store.upsert_regions(&regions).await?;
    let standard_text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == STANDARD)
        .map(|(_, text)| *text)
        .ok_or_else(|| anyhow!("the {STANDARD} standard ships"))?;
    let standard = xingfu_formats::standard_file::load_standard(STANDARD, standard_text)
        .map_err(|_| anyhow!("the {STANDARD} standard loads"))?;
    store
        .save_standard(&standard.id, &standard.version, standard_text, now_ms())
        .await?;
    let shipped = xingfu_formats::shipped_questionnaires::SHIPPED
        .iter()
        .find(|q| q.standard == STANDARD)
        .ok_or_else(|| anyhow!("a questionnaire ships for {STANDARD}"))?;
    let questionnaire = xingfu_formats::shipped_questionnaires::for_standard(&standard)
        .ok_or_else(|| anyhow!("a questionnaire ships for {STANDARD}"))?
        .map_err(|_| anyhow!("the {STANDARD} questionnaire loads"))?;
    // A year of its own, so repeated runs on one PostgreSQL database do not collide.
    let round = store
        .create_round(
            &NewRound {
                year: now_ms() / 1000,
                region_code: DISTRICT,
                standard_id: &standard.id,
                standard_version: &standard.version,
                objection_days: 7,
            },
            "bench",
            now_ms(),
        )
        .await?;
    let by = By {
        actor: "bench",
        at: now_ms(),
    };
    store
        .set_survey_settings(
            &NewSurveySettings {
                read_at: None,
                round_id: &round.id,
                questionnaire_id: &questionnaire.id,
                questionnaire_version: &questionnaire.version,
                questionnaire_body: shipped.text,
                quota: 30,
                closes_at: None,
            },
            by,
        )
        .await?;
    let mut links = Vec::with_capacity(codes.len());
    for code in codes {
        let token = xingfu_store::new_id();
        let link = store
            .create_survey_link(&round.id, &code, &token, by)
            .await?;
        links.push((code, link.token));
    }
    Ok(Setup {
        round: round.id,
        questionnaire,
        links,
    })
}

/// A small deterministic generator, so every run sends the same answers.
pub(super) struct Lcg(pub(super) u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// One household's answers: mostly satisfied, some not, a few "don't know".
pub(super) fn answers(q: &Questionnaire, rng: &mut Lcg) -> BTreeMap<String, String> {
    let mut answers = BTreeMap::new();
    for question in &q.questions {
        let Some(scale) = q.scale_of(question) else {
            if rng.below(10) == 0 {
                answers.insert(question.id.clone(), "楼道灯坏了，请尽快修理".to_string());
            }
            continue;
        };
        let roll = rng.below(100) as usize;
        let option = match roll {
            0..=79 => &scale.options[roll % 3],
            80..=95 => &scale.options[3 + roll % 2],
            _ => &scale.options[scale.options.len() - 1],
        };
        answers.insert(question.id.clone(), option.id.clone());
    }
    answers
}

pub(super) fn checked(
    q: &Questionnaire,
    answers: &BTreeMap<String, String>,
) -> Result<CheckedSubmission> {
    let responses = answers
        .iter()
        .map(|(id, value)| {
            let response = match q.scale_of(q.question(id).ok_or_else(|| anyhow!("{id}"))?) {
                Some(_) => Response::Choice(value.clone()),
                None => Response::Text(value.clone()),
            };
            Ok((id.clone(), response))
        })
        .collect::<Result<BTreeMap<_, _>>>()?;
    check_submission(
        q,
        Submission {
            questionnaire: q.id.clone(),
            version: q.version.clone(),
            channel: Channel::ResidentLink,
            answers: responses,
        },
    )
    .map_err(|e| anyhow!("generated answers do not fit: {e:?}"))
}

fn form_body(token: &str, phone: &str, answers: &BTreeMap<String, String>) -> String {
    let mut body = format!("ct={token}&step=6&nav=submit&phone={phone}");
    for (question, value) in answers {
        body.push_str(&format!("&a_{question}={}", urlencode(value)));
    }
    body
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A row for the raw insert: the same shape and sizes as a resident's answer.
fn raw_row(
    setup: &Setup,
    community: &str,
    index: usize,
    run: usize,
    checked: &CheckedSubmission,
) -> Result<NewSurveyAnswer> {
    Ok(NewSurveyAnswer {
        id: xingfu_store::new_id(),
        round_id: setup.round.clone(),
        community_code: community.to_string(),
        questionnaire_id: setup.questionnaire.id.clone(),
        questionnaire_version: setup.questionnaire.version.clone(),
        household: format!("{:064x}", (run as u128) << 64 | index as u128),
        client_token: format!("raw-{run:02}-{index:010}"),
        channel: Channel::ResidentLink.key().to_string(),
        entered_by: None,
        source: Some(format!("{:064x}", index % 997)),
        location_e6: None,
        pattern: checked.pattern().to_string(),
        answers: serde_json::to_string(&checked.submission().answers)?,
        increments: checked.increments().iter().map(|k| k.to_string()).collect(),
        at: now_ms(),
        hold: Default::default(),
    })
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Connection {
    async fn open(address: SocketAddr) -> Result<Connection> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        Ok(Connection {
            reader: BufReader::new(read),
            writer: write,
        })
    }

    /// Sends one request and reads the whole reply; returns its status and body length.
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<(u16, usize)> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.writer.write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.reader.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("not an HTTP reply: {line:?}"))?;
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            if self.reader.read_line(&mut line).await? == 0 {
                bail!("the connection closed mid-reply");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse()?;
                } else if name == "transfer-encoding" && value.contains("chunked") {
                    chunked = true;
                }
            }
        }
        if chunked {
            let mut total = 0;
            loop {
                line.clear();
                self.reader.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16)?;
                let mut chunk = vec![0u8; size + 2];
                self.reader.read_exact(&mut chunk).await?;
                total += size;
                if size == 0 {
                    break;
                }
            }
            return Ok((status, total));
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body).await?;
        Ok((status, length))
    }
}

/// A distinct documentation address (2001:db8::/32) per request.
fn household_address(index: usize) -> String {
    format!("2001:db8::{:x}:{:x}", index >> 16, index & 0xffff)
}

/// Sends every request from `concurrency` connections; returns the wall time and the statuses.
async fn fire(
    address: SocketAddr,
    requests: Arc<Vec<(String, String)>>,
    concurrency: usize,
) -> Result<(Duration, BTreeMap<u16, usize>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (requests, next) = (requests.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            let mut connection = Connection::open(address).await?;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, body)) = requests.get(index) else {
                    break;
                };
                // Each household from an address of its own, as residents' phones are: one
                // address for all would be a burst, held for review rather than counted.
                let forwarded = household_address(index);
                let (status, _) = connection
                    .send("POST", path, &[("X-Forwarded-For", &forwarded)], body)
                    .await?;
                *statuses.entry(status).or_default() += 1;
            }
            Ok::<_, anyhow::Error>(statuses)
        }));
    }
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for task in tasks {
        for (status, n) in task.await?? {
            *statuses.entry(status).or_default() += n;
        }
    }
    Ok((start.elapsed(), statuses))
}

/// Inserts every row, one per transaction, from `concurrency` tasks; returns the wall time.
async fn raw_inserts(
    store: &Store,
    rows: Arc<Vec<NewSurveyAnswer>>,
    concurrency: usize,
) -> Result<Duration> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (rows, next, store) = (rows.clone(), next.clone(), store.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(row) = rows.get(index) else {
                    break;
                };
                store.insert_survey_answer_raw(row).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(start.elapsed())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

async fn start_server(state: AppState) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = xingfu_server::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Ok(address)
}

pub fn ingest(args: &SurveyIngestArgs, english: bool) -> Result<ExitCode> {
    let (url, _dir) = database(args.database.as_deref())?;
    let config = IngestConfig {
        max_batch: args.batch.max(1),
        linger: Duration::from_micros((args.linger_ms * 1000.0).max(0.0) as u64),
        ..IngestConfig::default()
    };
    runtime()?.block_on(async {
        let store = Store::connect(&url)
            .await
            .with_context(|| "cannot open the database")?;
        let setup = prepare(&store, args.communities.max(1)).await?;
        let mut state = AppState::new(store.clone(), false);
        state.surveys = SurveyRuntime::with_config(config);
        let runtime_counts = state.surveys.clone();
        let address = start_server(state).await?;
        println!(
            "survey ingest: {}; {} submissions per run, {} concurrent connections, {} communities; \
             batches of at most {} answers, linger {} ms; {} runs; {} CPUs",
            describe(&url),
            args.submissions,
            args.concurrency,
            setup.links.len(),
            config.max_batch,
            args.linger_ms,
            args.runs,
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        );
        println!(
            "{:>4} {:>12} {:>14} {:>12} {:>8}",
            "run", "ingest /s", "mean batch", "ceiling /s", "ratio"
        );
        let mut rng = Lcg(20_240_601);
        let (mut ingest_rates, mut ceiling_rates) = (Vec::new(), Vec::new());
        let mut expected = 0usize;
        for run in 0..args.runs.max(1) {
            let mut requests = Vec::with_capacity(args.submissions);
            let mut rows = Vec::with_capacity(args.submissions);
            for index in 0..args.submissions {
                let (community, link) = &setup.links[index % setup.links.len()];
                let given = answers(&setup.questionnaire, &mut rng);
                let token = format!("bench-{run:02}-{index:010}");
                let phone = format!("1{:010}", run * 1_000_000 + index);
                requests.push((format!("/s/{link}"), form_body(&token, &phone, &given)));
                rows.push(raw_row(
                    &setup,
                    community,
                    index,
                    run,
                    &checked(&setup.questionnaire, &given)?,
                )?);
            }
            let before = runtime_counts.counts();
            let (took, statuses) =
                fire(address, Arc::new(requests), args.concurrency.max(1)).await?;
            let after = runtime_counts.counts();
            let recorded = statuses.get(&303).copied().unwrap_or(0);
            if recorded != args.submissions {
                bail!("run {run}: not every submission was recorded: {statuses:?}");
            }
            expected += recorded;
            let raw = raw_inserts(&store, Arc::new(rows), args.concurrency.max(1)).await?;
            let ingest_rate = args.submissions as f64 / took.as_secs_f64();
            let ceiling_rate = args.submissions as f64 / raw.as_secs_f64();
            let batches = after.batches - before.batches;
            println!(
                "{:>4} {:>12.0} {:>14.1} {:>12.0} {:>8.2}",
                run + 1,
                ingest_rate,
                (after.answers - before.answers) as f64 / batches.max(1) as f64,
                ceiling_rate,
                ingest_rate / ceiling_rate
            );
            ingest_rates.push(ingest_rate);
            ceiling_rates.push(ceiling_rate);
        }
        // Every acknowledged answer is stored once and counted once.
        let stored = store
            .count_survey_answers(&setup.round, DISTRICT_PREFIX)
            .await?;
        let counted: i64 = store
            .survey_tally(&setup.round, DISTRICT_PREFIX)
            .await?
            .into_iter()
            .find(|(counter, _)| counter == "respondents")
            .map(|(_, n)| n)
            .unwrap_or(0);
        // Answers a fraud signal holds (random answers can make a cluster) are stored, not counted.
        let held: i64 = store
            .survey_review_counts(&setup.round, DISTRICT_PREFIX)
            .await?
            .values()
            .map(|c| c.held)
            .sum();
        let raw_rows = (args.submissions * args.runs.max(1)) as i64;
        if stored != expected as i64 + raw_rows || counted + held != expected as i64 {
            bail!(
                "check failed: {stored} rows stored ({expected} answers + {raw_rows} raw rows \
                 expected), {counted} counted and {held} held"
            );
        }
        let (ingest, ceiling) = (median(&mut ingest_rates), median(&mut ceiling_rates));
        let largest = runtime_counts.counts().largest;
        if english {
            println!(
                "median: ingest {ingest:.0} answers/s over HTTP, ceiling {ceiling:.0} rows/s \
                 (one row per transaction), ratio {:.2}; largest batch {largest}; \
                 {expected} answers stored and counted once",
                ingest / ceiling
            );
        } else {
            println!(
                "中位数：HTTP 写入 {ingest:.0} 份/秒，单行事务上限 {ceiling:.0} 行/秒，\
                 比值 {:.2}；最大批次 {largest} 份；{expected} 份答卷均已保存且只计一次",
                ingest / ceiling
            );
        }
        store.close().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Times `count` GET requests over one connection; returns each duration in milliseconds.
async fn time_gets(
    address: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    count: usize,
) -> Result<Vec<f64>> {
    let mut connection = Connection::open(address).await?;
    // One to warm caches, not timed.
    let (status, _) = connection.send("GET", path, headers, "").await?;
    if status != 200 {
        bail!("GET {path}: {status}");
    }
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        let (status, _) = connection.send("GET", path, headers, "").await?;
        if status != 200 {
            bail!("GET {path}: {status}");
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

fn summary(times: &mut [f64]) -> String {
    let median = median(times);
    let p90 = times
        .get((times.len() * 9 / 10).min(times.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    format!("median {median:.1} ms, p90 {p90:.1} ms, max {max:.1} ms")
}

pub fn results(args: &SurveyResultsArgs, english: bool) -> Result<ExitCode> {
    let (url, _dir) = database(args.database.as_deref())?;
    runtime()?.block_on(async {
        let store = Store::connect(&url)
            .await
            .with_context(|| "cannot open the database")?;
        let setup = prepare(&store, args.communities.max(1)).await?;
        println!(
            "survey results: {}; {} answers in {} communities of one district; {} requests each",
            describe(&url),
            args.answers,
            setup.links.len(),
            args.runs
        );
        let load_start = Instant::now();
        let mut rng = Lcg(19_491_001);
        let chunk = 5_000;
        let mut done = 0;
        while done < args.answers {
            let mut rows = Vec::with_capacity(chunk);
            for index in done..(done + chunk).min(args.answers) {
                let (community, _) = &setup.links[index % setup.links.len()];
                let given = answers(&setup.questionnaire, &mut rng);
                let checked = checked(&setup.questionnaire, &given)?;
                rows.push(raw_row(&setup, community, index, 99, &checked)?);
            }
            done += rows.len();
            store.bulk_survey_answers(&rows).await?;
        }
        println!(
            "loaded {} answers and their tallies in {:.0} s",
            args.answers,
            load_start.elapsed().as_secs_f64()
        );

        // A district administrator with a session, for the API and the page.
        let hash = xingfu_server::app::auth::hash_password("bench-password")
            .map_err(|e| anyhow!("{e}"))?;
        let username = format!("bench-{}", xingfu_store::new_id());
        let user = store
            .create_user(
                &xingfu_store::accounts::NewUser {
                    username: &username,
                    display_name: "压测区管理员",
                    password_hash: &hash,
                    role: "district_admin",
                    region_code: DISTRICT,
                },
                now_ms(),
            )
            .await?;
        let token = xingfu_store::new_id();
        store
            .create_session(
                &token,
                &user.id,
                &xingfu_store::new_id(),
                now_ms(),
                now_ms() + 3_600_000,
            )
            .await?;
        let address = start_server(AppState::new(store.clone(), false)).await?;
        let bearer = format!("Bearer {token}");
        let cookie = format!("{}={token}", xingfu_server::app::auth::SESSION_COOKIE);
        let round = &setup.round;
        let community = &setup.links[0].0;
        let checks: Vec<(&str, String, (&str, &str))> = vec![
            (
                "API district results",
                format!("/api/v1/rounds/{round}/survey/results/{DISTRICT}"),
                ("Authorization", bearer.as_str()),
            ),
            (
                "page district results",
                format!("/rounds/{round}/surveys?area={DISTRICT}"),
                ("Cookie", cookie.as_str()),
            ),
            (
                "API community results",
                format!("/api/v1/rounds/{round}/survey/results/{community}"),
                ("Authorization", bearer.as_str()),
            ),
        ];
        for (label, path, header) in &checks {
            let mut times = time_gets(address, path, &[*header], args.runs.max(1)).await?;
            println!("{label:<24} {}", summary(&mut times));
        }
        let mut scans = Vec::new();
        for _ in 0..args.runs.clamp(1, 5) {
            let start = Instant::now();
            let n = store.count_survey_answers(round, DISTRICT_PREFIX).await?;
            scans.push(start.elapsed().as_secs_f64() * 1000.0);
            if n != args.answers as i64 {
                bail!("{n} answers stored, {} loaded", args.answers);
            }
        }
        let scan = median(&mut scans);
        if english {
            println!(
                "for comparison, counting the district's answers themselves (COUNT(*)) takes \
                 a median {scan:.1} ms; the results read only the tally rows"
            );
        } else {
            println!(
                "作为对照：直接统计该区答卷行数（COUNT(*)）中位数 {scan:.1} 毫秒；结果页只读累计计数表"
            );
        }
        store.close().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
