//! `xingfu bench events-intake` and `xingfu bench sla-sweep`: the speed of 随手拍 operations,
//! on a fresh SQLite file and, when a PostgreSQL URL is given, in a fresh PostgreSQL schema
//! (dropped afterwards).
//!
//! - events-intake: the server runs in this process on 127.0.0.1 with `--workers` runtime
//!   threads (default: the number of cores), and a small HTTP/1.1 client with `--connections`
//!   keep-alive connections, on the same threads, posts the resident's report form for
//!   `--seconds`: with a photo (a `--photo-side`-pixel JPEG that is checked, decoded and
//!   re-encoded), and without one. The same-run baseline is the stylesheet (the HTTP stack with
//!   no database). Reported: requests per second, median and 99th-percentile latency.
//! - sla-sweep: `--events` synthetic events (the core's `sla::synthetic` mix: 65% closed,
//!   rejected or merged, 10% resolved, 25% open, deadlines within a week either side of now)
//!   are bulk-loaded; then, `--runs` times, the sweep's finding step (the indexed
//!   `deadline < now` query plus the core's `escalations_due`) is timed, against two same-run
//!   baselines: the core alone over every event in memory, and the same query forced past the
//!   index (`deadline + 0 < now`). Finally the sweep acts on the 1,000 most overdue events
//!   (each an `UPDATE … WHERE version = seen` with its step row) and the time per event is
//!   reported. Medians throughout.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use xingfu_core::ops::Level;
use xingfu_core::ops::coords::GeoPoint;
use xingfu_core::ops::events::{Event, EventId, EventState, HOUR_MS};
use xingfu_core::ops::grid::{Area, Grid, Polygon};
use xingfu_core::ops::sla::{escalations_due, synthetic};
use xingfu_server::AppState;
use xingfu_server::app::files::FileStore;
use xingfu_store::Store;
use xingfu_store::accounts::NewUser;
use xingfu_store::regions::RegionRow;

use super::process::runtime_with;

const COMMUNITY: &str = "610302001001";
const CSRF: &str = "bench-csrf";
const BOUNDARY: &str = "----xingfu-bench-5e1f";

pub(super) fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

/// A database to run on: its URL, and the PostgreSQL schema to drop afterwards.
struct Target {
    name: &'static str,
    url: String,
    schema: Option<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

pub(super) fn scratch_dir(tag: &str) -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "xingfu-bench-{tag}-{}-{}",
        std::process::id(),
        xingfu_store::new_id()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

async fn targets(postgres: Option<&str>, tag: &str) -> Result<Vec<Target>> {
    let dir = scratch_dir(tag)?;
    let mut out = vec![Target {
        name: "SQLite",
        url: format!("sqlite://{}", dir.join("bench.db").display()),
        schema: None,
        dir: Some(dir),
    }];
    if let Some(base) = postgres {
        let schema = format!("xingfu_bench_{}", xingfu_store::new_id());
        let admin = Store::connect_without_migrations(base).await?;
        admin
            .execute_admin(&format!("CREATE SCHEMA {schema}"))
            .await?;
        admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        out.push(Target {
            name: "PostgreSQL",
            url: format!("{base}{separator}options=-c%20search_path%3D{schema}"),
            schema: Some((base.to_string(), schema)),
            dir: None,
        });
    }
    Ok(out)
}

async fn clean_up(target: &Target) {
    if let Some((base, schema)) = &target.schema
        && let Ok(admin) = Store::connect_without_migrations(base).await
    {
        let _ = admin
            .execute_admin(&format!("DROP SCHEMA {schema} CASCADE"))
            .await;
        admin.close().await;
    }
    if let Some(dir) = &target.dir {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// 渭滨区 → one street → one community, with two grids.
async fn seed_places(store: &Store) -> Result<()> {
    store
        .upsert_regions(&[
            region("610302000000", "渭滨区", "district", None),
            region("610302001000", "基准街道", "street", Some("610302000000")),
            region(COMMUNITY, "基准社区", "community", Some("610302001000")),
        ])
        .await?;
    let square = |lon: f64| -> Result<Area> {
        let corners = vec![
            GeoPoint { lon, lat: 34.370 },
            GeoPoint {
                lon: lon + 0.002,
                lat: 34.370,
            },
            GeoPoint {
                lon: lon + 0.002,
                lat: 34.372,
            },
            GeoPoint { lon, lat: 34.372 },
        ];
        Ok(Area::new(vec![Polygon::new(corners, vec![])?])?)
    };
    let grid = |id: &str, lon: f64| -> Result<Grid> {
        Ok(Grid {
            id: id.into(),
            name: id.into(),
            community: COMMUNITY.into(),
            area: square(lon)?,
            members: vec![],
            buildings: vec![],
        })
    };
    store
        .save_grids(
            COMMUNITY,
            &[grid("g1", 107.148)?, grid("g2", 107.150)?],
            "bench",
            0,
        )
        .await?;
    Ok(())
}

pub(super) fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

pub(super) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

// ---------------------------------------------------------------------------------------------
// Intake over HTTP

/// A phone-like photo: `side` × 3/4 side pixels of texture, as a JPEG at quality 90.
fn photo(side: u32) -> Result<Vec<u8>> {
    let height = side * 3 / 4;
    let picture = image::RgbImage::from_fn(side, height, |x, y| {
        let n = x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ (x * y);
        image::Rgb([
            (x / 4 % 256) as u8,
            (y / 3 % 256) as u8,
            (n >> 13) as u8 & 0x3f,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&picture)?;
    Ok(out)
}

fn report_body(photo: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf", CSRF),
        ("category", "sanitation"),
        ("description", "楼下垃圾桶满了，请尽快清运"),
        ("lon", "107.1491"),
        ("lat", "34.3712"),
        ("datum", "wgs84"),
    ] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(bytes) = photo {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_0001.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// One request as bytes, ready to write again and again on a keep-alive connection.
fn request_bytes(method: &str, path: &str, cookie: &str, body: Option<&[u8]>) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: keep-alive\r\n"
    );
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if let Some(body) = body {
        out.extend_from_slice(body);
    }
    out
}

/// Reads one response; returns its status. Bodies must have a Content-Length (the server's
/// responses all do).
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<u16> {
    let header_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status line")?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .context("a response without Content-Length")?;
    while buffer.len() < header_end + length {
        let mut chunk = [0u8; 16 * 1024];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("the server closed the connection mid-response");
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    buffer.drain(..header_end + length);
    Ok(status)
}

struct Load {
    requests: usize,
    failures: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// `connections` clients sending `request` back to back for `duration`; `expected` is the
/// status a success answers with.
async fn load(
    address: SocketAddr,
    request: Arc<Vec<u8>>,
    expected: u16,
    connections: usize,
    duration: Duration,
) -> Result<Load> {
    let started = Instant::now();
    let until = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await?;
            stream.set_nodelay(true)?;
            let mut buffer = Vec::new();
            let (mut ok, mut failed, mut latencies) = (0usize, 0usize, Vec::new());
            while Instant::now() < until {
                let sent = Instant::now();
                stream.write_all(&request).await?;
                let status = read_response(&mut stream, &mut buffer).await?;
                latencies.push(sent.elapsed());
                if status == expected {
                    ok += 1;
                } else {
                    failed += 1;
                }
            }
            Ok::<_, anyhow::Error>((ok, failed, latencies))
        }));
    }
    let mut total = Load {
        requests: 0,
        failures: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (ok, failed, latencies) = task.await??;
        total.requests += ok;
        total.failures += failed;
        total.latencies.extend(latencies);
    }
    total.elapsed = started.elapsed();
    total.latencies.sort();
    Ok(total)
}

pub fn events_intake(
    postgres: Option<&str>,
    seconds: u64,
    connections: usize,
    photo_side: u32,
    workers: Option<usize>,
) -> Result<ExitCode> {
    let workers =
        workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let picture = photo(photo_side)?;
    eprintln!(
        "photo: {photo_side}×{} JPEG, {} KB; {workers} runtime threads, {connections} connections, {seconds} s per workload",
        photo_side * 3 / 4,
        picture.len() / 1024
    );
    println!("| database | workload | requests/s | p50 | p99 | ÷ baseline | failures |");
    println!("|---|---|---|---|---|---|---|");
    runtime_with(workers)?.block_on(async {
        for target in targets(postgres, "intake").await? {
            let outcome = intake_on(&target, &picture, seconds, connections).await;
            clean_up(&target).await;
            outcome?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn intake_on(
    target: &Target,
    picture: &[u8],
    seconds: u64,
    connections: usize,
) -> Result<()> {
    let store = Store::connect(&target.url).await?;
    seed_places(&store).await?;
    let user = store
        .create_user(
            &NewUser {
                username: "bench-resident",
                display_name: "压测居民",
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzYWx0$Ym9ndXNoYXNoYm9ndXNoYXNoYm9ndXNo",
                role: "resident",
                region_code: COMMUNITY,
            },
            0,
        )
        .await?;
    let token = xingfu_store::new_id();
    store
        .create_session(&token, &user.id, CSRF, 0, i64::MAX / 2)
        .await?;
    let files_dir = scratch_dir("photos")?;
    let state = AppState::new(store.clone(), false).with_files(FileStore::local(&files_dir)?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, xingfu_server::router(state)).await;
    });
    let cookie = format!("xingfu_session={token}");
    let with_photo = Arc::new(request_bytes(
        "POST",
        &format!("/communities/{COMMUNITY}/report"),
        &cookie,
        Some(&report_body(Some(picture))),
    ));
    let without_photo = Arc::new(request_bytes(
        "POST",
        &format!("/communities/{COMMUNITY}/report"),
        &cookie,
        Some(&report_body(None)),
    ));
    let baseline = Arc::new(request_bytes("GET", "/static/style.css", &cookie, None));
    let duration = Duration::from_secs(seconds.max(1));
    // Warm up the connections, the pool and the caches.
    load(
        address,
        with_photo.clone(),
        303,
        connections,
        Duration::from_secs(2),
    )
    .await?;
    let mut base_rate = 0.0;
    for (name, request, expected) in [
        ("baseline: GET /static/style.css", baseline, 200),
        ("report without photo", without_photo, 303),
        ("report with photo", with_photo, 303),
    ] {
        let result = load(address, request, expected, connections, duration).await?;
        let rate = result.requests as f64 / result.elapsed.as_secs_f64();
        if expected == 200 {
            base_rate = rate;
        }
        println!(
            "| {} | {name} | {rate:.0} | {} | {} | {:.4} | {} |",
            target.name,
            ms(percentile(&result.latencies, 0.50)),
            ms(percentile(&result.latencies, 0.99)),
            rate / base_rate.max(1e-9),
            result.failures
        );
    }
    server.abort();
    let stored = store
        .events_within(
            "610302",
            xingfu_store::events::StateFilter::All,
            i64::MAX / 2,
        )
        .await?
        .len();
    eprintln!("{}: {stored} events stored", target.name);
    store.close().await;
    let _ = std::fs::remove_dir_all(&files_dir);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The deadline sweep over a million events

/// The synthetic mix as stored events, spread over 100 communities of one district.
fn synthetic_events(n: usize, now: i64) -> Vec<Event> {
    synthetic(n, 20_260_101, now)
        .into_iter()
        .map(|entry| {
            let i = entry.id.0;
            let community = format!("610302{:03}{:03}", 1 + (i / 10) % 10, 1 + i % 10);
            let live = !entry.state.is_final();
            let reported_at = if live {
                entry.deadline - 48 * HOUR_MS
            } else {
                now - (i as i64 % (30 * 24)) * HOUR_MS
            };
            Event {
                id: entry.id,
                category: "sanitation".into(),
                description: String::new(),
                location: GeoPoint {
                    lon: 107.149,
                    lat: 34.371,
                },
                located: true,
                address: None,
                photos: vec![],
                community,
                grid: None,
                reporter: None,
                state: entry.state,
                level: entry.level,
                assignee: None,
                reported_at,
                deadline: live.then_some(entry.deadline),
                resolved_at: (entry.state == EventState::Resolved)
                    .then_some(entry.deadline - 72 * HOUR_MS),
                closed_at: (!live).then_some(reported_at + 24 * HOUR_MS),
                late: false,
                escalations: u32::from(entry.level != Level::Community),
                reopens: 0,
                merged_into: (entry.state == EventState::Merged).then_some(EventId(1)),
                updated_at: reported_at,
                version: 1,
            }
        })
        .collect()
}

pub fn sla_sweep(postgres: Option<&str>, events: usize, runs: usize) -> Result<ExitCode> {
    let now = 1_767_225_600_000; // 2026-01-01T08:00:00+08:00: a fixed clock, so runs agree
    let all = synthetic_events(events, now);
    let entries = synthetic(events, 20_260_101, now);
    let open = entries.iter().filter(|e| !e.state.is_final()).count();
    eprintln!(
        "{events} events ({open} not final, {} final)",
        events - open
    );
    println!(
        "| database | load | find due: query + core (median) | due | baseline: core alone over all {events} | baseline: query without the index | act on the 1,000 most overdue (one find included) | per event, beyond the find |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    runtime_with(std::thread::available_parallelism().map_or(2, |n| n.get()))?.block_on(async {
        for target in targets(postgres, "sweep").await? {
            let outcome = sweep_on(&target, &all, &entries, now, runs).await;
            clean_up(&target).await;
            outcome?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn sweep_on(
    target: &Target,
    all: &[Event],
    entries: &[xingfu_core::ops::sla::SlaEntry],
    now: i64,
    runs: usize,
) -> Result<()> {
    let store = Store::connect(&target.url).await?;
    let mut regions = vec![region("610302000000", "渭滨区", "district", None)];
    for street in 1..=10 {
        let street_code = format!("610302{street:03}000");
        regions.push(region(&street_code, "街道", "street", Some("610302000000")));
        for community in 1..=10 {
            regions.push(region(
                &format!("610302{street:03}{community:03}"),
                "社区",
                "community",
                Some(&street_code),
            ));
        }
    }
    store.upsert_regions(&regions).await?;
    let started = Instant::now();
    for chunk in all.chunks(50_000) {
        store.bulk_events(chunk).await?;
    }
    let analyze = match store.backend() {
        xingfu_store::Backend::Sqlite => "ANALYZE",
        xingfu_store::Backend::Postgres => "VACUUM ANALYZE events",
    };
    store.execute_admin(analyze).await?;
    let loaded = started.elapsed();
    eprintln!("{}: loaded in {:.1} s", target.name, loaded.as_secs_f64());

    let (mut find, mut core_all, mut unindexed) = (Vec::new(), Vec::new(), Vec::new());
    let mut due_count = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let found = store.sla_entries_due(now).await?;
        let due = escalations_due(now, &found);
        find.push(t.elapsed());
        due_count = due.len();

        let t = Instant::now();
        std::hint::black_box(escalations_due(now, entries).len());
        core_all.push(t.elapsed());

        let t = Instant::now();
        let rows: Vec<(i64, i64, String, String)> =
            sqlx::query_as("SELECT id, deadline, state, level FROM events WHERE deadline + 0 < $1")
                .bind(now)
                .fetch_all(store.pool())
                .await?;
        std::hint::black_box(rows.len());
        unindexed.push(t.elapsed());
    }
    // Steady state: a sweep a minute after the previous one finds only the deadlines that
    // passed in that minute. The first minute of the synthetic spread stands for it.
    let minute_start = now - 7 * 24 * HOUR_MS + 60_000;
    let (mut steady, mut steady_scan) = (Vec::new(), Vec::new());
    let mut steady_count = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let found = store.sla_entries_due(minute_start).await?;
        steady_count = escalations_due(minute_start, &found).len();
        steady.push(t.elapsed());
        let t = Instant::now();
        let rows: Vec<(i64, i64, String, String)> =
            sqlx::query_as("SELECT id, deadline, state, level FROM events WHERE deadline + 0 < $1")
                .bind(minute_start)
                .fetch_all(store.pool())
                .await?;
        std::hint::black_box(rows.len());
        steady_scan.push(t.elapsed());
    }
    eprintln!(
        "{}: steady state (one minute of deadlines, {steady_count} due): indexed {} | without the index {}",
        target.name,
        ms(median(steady)),
        ms(median(steady_scan))
    );
    let find = median(find);
    let t = Instant::now();
    let acted = xingfu_server::events::service::sweep_at_most(&store, now, 1000).await?;
    let act = t.elapsed();
    let acted_count = acted.escalated + acted.closed;
    // Per event: the acting time beyond one finding step.
    let per_event = act.saturating_sub(find).as_secs_f64() * 1000.0 / acted_count.max(1) as f64;
    println!(
        "| {} | {:.1} s | {} | {due_count} | {} | {} | {} ({} escalated, {} closed) | {:.2} ms |",
        target.name,
        loaded.as_secs_f64(),
        ms(find),
        ms(median(core_all)),
        ms(median(unindexed)),
        ms(act),
        acted.escalated,
        acted.closed,
        per_event,
    );
    store.close().await;
    Ok(())
}

/// The deadline sweep over the events a database already holds (`xingfu bench seed`'s year of
/// them): `runs` times the finding step after the last deadline, when every event still open is
/// overdue (the worst case: a sweep that never ran); then an hour of whole sweeps a minute apart
/// from the first deadline on (the steady state: `xingfu serve` sweeps every minute); then one
/// sweep acting on the 1,000 most overdue. Changes the events it acts on.
pub fn seeded_sweep(database: &str, runs: usize) -> Result<ExitCode> {
    runtime_with(2)?.block_on(async {
        let store = Store::connect(database).await?;
        let (events, first, last): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(deadline), MAX(deadline) FROM events",
        )
        .fetch_one(store.pool())
        .await?;
        let (Some(first), Some(last)) = (first, last) else {
            bail!("no event has a deadline: seed events first (bench seed --events N)");
        };
        let year_end = last + 1;
        let mut find = Vec::new();
        let mut due_count = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let found = store.sla_entries_due(year_end).await?;
            due_count = escalations_due(year_end, &found).len();
            find.push(t.elapsed());
        }
        let (mut steady, mut acted) = (Vec::new(), 0);
        for minute in 1..=60 {
            let t = Instant::now();
            let report =
                xingfu_server::events::service::sweep(&store, first + minute * 60_000).await?;
            steady.push(t.elapsed());
            acted += report.escalated + report.closed;
        }
        let longest = steady.iter().max().copied().unwrap_or_default();
        let t = Instant::now();
        let worst = xingfu_server::events::service::sweep_at_most(&store, year_end, 1000).await?;
        let act = t.elapsed();
        println!("| step | events | due or acted on | median | other |");
        println!("|---|---|---|---|---|");
        println!(
            "| find due after the last deadline (query + core), {} runs | {events} | {due_count} due | {} | |",
            runs.max(1),
            ms(median(find))
        );
        println!(
            "| an hour of sweeps a minute apart from the first deadline | {events} | {acted} acted on | {} a sweep | longest {} |",
            ms(median(steady)),
            ms(longest)
        );
        println!(
            "| one sweep after the last deadline, acting on the 1,000 most overdue | {events} | {} escalated, {} closed, {} supervised | {} (one run) | |",
            worst.escalated,
            worst.closed,
            worst.supervised,
            ms(act)
        );
        store.close().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
