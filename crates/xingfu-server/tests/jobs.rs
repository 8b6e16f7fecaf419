//! The job queue through the server, on SQLite and PostgreSQL: two servers' workers on one
//! database queue each period's jobs once and run each once (the deadline sweep escalates an
//! overdue report once); a facility change recomputes the district's coverage once, 30 seconds
//! later; administrators see the jobs of their area by name, read why one failed and queue it
//! again, and a stale form queues nothing.

#[macro_use]
mod common;

use axum::http::{Method, StatusCode};
use common::{Server, csrf_of};
use xingfu_core::jobs::{JobKind, JobState, LEASE_MS, MAX_ATTEMPTS};
use xingfu_core::notify::MINUTE_MS;
use xingfu_core::ops::events::HOUR_MS;
use xingfu_server::app::clock::now_ms;
use xingfu_server::jobs::worker::{PassReport, Worker};
use xingfu_store::jobs::{JobOutcome, NewJob};

/// 2026-12-04 10:00:30 China Standard Time.
const T0: i64 = 1_796_349_630_000;

async fn kinds_done(server: &Server) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = server
        .state
        .store
        .jobs("", None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|j| (j.kind, j.state))
        .collect();
    rows.sort();
    rows
}

on_both!(two_servers_run_each_periods_jobs_once);
async fn two_servers_run_each_periods_jobs_once(server: &Server) {
    // A report whose 48 hours at the community run out.
    let reported =
        common::events::report(&server.state, Some("gulou-resident"), "路灯不亮", T0).await;
    let overdue = T0 + 48 * HOUR_MS + 1;

    // A second server on the same database.
    let other_store = xingfu_store::Store::connect(&server.url).await.unwrap();
    let other = xingfu_server::AppState::new(other_store, false);
    let (mut a, mut b) = (Worker::default(), Worker::default());
    let (ra, rb) = tokio::join!(
        a.pass(&server.state, overdue, 50),
        b.pass(&other, overdue, 50)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    // Four periodic kinds, each queued once, each run once, by one server or the other.
    assert_eq!(ra.queued + rb.queued, 4, "{ra:?} {rb:?}");
    assert_eq!(ra.done + rb.done, 4, "{ra:?} {rb:?}");
    assert_eq!(ra.failed + rb.failed + ra.lost + rb.lost, 0);
    let all_done = |kinds: &[&str]| -> Vec<(String, String)> {
        let mut rows: Vec<_> = kinds
            .iter()
            .map(|k| (k.to_string(), "done".to_string()))
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(
        kinds_done(server).await,
        all_done(&["deadline_sweep", "deliveries", "prune", "reminders"])
    );
    // The overdue report went up to the street once.
    let event = server
        .state
        .store
        .event_state(reported.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.escalations, 1);
    let sweep = server.state.store.jobs("", None, 10).await.unwrap();
    let sweep = sweep.iter().find(|j| j.kind == "deadline_sweep").unwrap();
    let outcome: serde_json::Value =
        serde_json::from_str(sweep.outcome.as_deref().unwrap()).unwrap();
    assert_eq!(outcome["escalated"], 1);

    // Later in the same minute nothing more is queued; in the next, the three every-minute
    // kinds once more (the clear-out is daily).
    let same = a.pass(&server.state, overdue + 1_000, 50).await.unwrap();
    assert_eq!(same, PassReport::default());
    let next_minute = overdue + MINUTE_MS;
    let (ra, rb) = tokio::join!(
        a.pass(&server.state, next_minute, 50),
        b.pass(&other, next_minute, 50)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((ra.queued + rb.queued, ra.done + rb.done), (3, 3));
    assert_eq!(
        server.state.store.job_counts("").await.unwrap(),
        [0, 0, 7, 0]
    );
    other.store.close().await;
}

on_both!(a_draining_server_claims_nothing);
async fn a_draining_server_claims_nothing(server: &Server) {
    server.state.lifecycle.drain();
    let report = Worker::default().pass(&server.state, T0, 50).await.unwrap();
    assert_eq!((report.queued, report.done), (4, 0));
    assert_eq!(
        server.state.store.job_counts("").await.unwrap(),
        [4, 0, 0, 0]
    );
}

/// A coverage job for 鹿城区 whose payload names no district: it fails on every attempt.
async fn failing_job(server: &Server) -> String {
    let store = &server.state.store;
    let job = NewJob {
        kind: JobKind::Coverage,
        payload: "{}",
        area: Some("330302000000"),
        dedupe_key: None,
        release_key_on_start: false,
        run_at: T0,
        requested_by: None,
    };
    assert!(store.enqueue_job(&job, T0).await.unwrap());
    let mut worker = Worker::new("test-worker".into());
    let mut now = T0;
    for _ in 0..MAX_ATTEMPTS {
        worker.pass(&server.state, now, 50).await.unwrap();
        now += LEASE_MS;
    }
    let failed = store.jobs("", Some(JobState::Failed), 10).await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].attempts, MAX_ATTEMPTS);
    failed[0].id.clone()
}

on_both!(administrators_see_their_areas_jobs_and_queue_a_failed_one_again);
async fn administrators_see_their_areas_jobs_and_queue_a_failed_one_again(server: &Server) {
    let id = failing_job(server).await;

    // The district's administrator: the job under 鹿城区's name, why it failed, the button.
    let district = server.sign_in("district").await;
    let (status, page, _) = server.get("/jobs?state=failed", &district).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    common::assert_chinese_punctuation(&page);
    assert!(page.contains("后台任务"), "{page}");
    assert!(page.contains("重新计算15分钟覆盖率"), "{page}");
    assert!(page.contains("地区：鹿城区"), "{page}");
    assert!(page.contains("失败原因：payload"), "{page}");
    assert!(
        page.contains(&format!("尝试次数：{MAX_ATTEMPTS} / {MAX_ATTEMPTS}")),
        "{page}"
    );
    assert!(page.contains("4次都失败就标为"), "{page}");
    assert!(page.contains(&format!("/jobs/{id}/requeue")), "{page}");

    // Another district's administrator sees the platform's jobs but not this one.
    let longwan = server.sign_in("longwan").await;
    let (status, page, _) = server.get("/jobs?state=failed", &longwan).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(&id), "{page}");
    assert!(page.contains("没有这种状态的任务"), "{page}");
    // A resident and a community worker see no queue.
    for who in ["gulou-resident", "gulou"] {
        let cookie = server.sign_in(who).await;
        let (status, _, _) = server.get("/jobs", &cookie).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }

    // The API says the same.
    let token = server.api_token("district").await;
    let (status, body) = server
        .api_json(Method::GET, "/api/v1/jobs?state=failed", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["failed"], 1);
    assert_eq!(body["items"][0]["id"], id.as_str());
    assert_eq!(body["items"][0]["area_name"], "鹿城区");
    assert_eq!(body["items"][0]["kind_name"], "重新计算15分钟覆盖率");
    let (status, body) = server
        .api_json(Method::GET, "/api/v1/jobs?state=stuck", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("state"), "{body}");

    // A stale form (an older version) queues nothing and says so; the current one queues it.
    let (_, page, _) = server.get("/jobs?state=failed", &district).await;
    let csrf = csrf_of(&page);
    let row = server.state.store.job(&id).await.unwrap().unwrap();
    let stale = format!("csrf={csrf}&version={}", row.version - 1);
    let (status, page, _) = server
        .post(&format!("/jobs/{id}/requeue"), &district, &stale)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("没有重新排队"), "{page}");
    assert_eq!(
        server.state.store.job(&id).await.unwrap().unwrap().state,
        "failed"
    );
    let current = format!("csrf={csrf}&version={}", row.version);
    let (status, location, _) = server
        .post(&format!("/jobs/{id}/requeue"), &district, &current)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(
        location.starts_with(&format!("/jobs?state=queued#job-{id}")),
        "{location}"
    );
    let row = server.state.store.job(&id).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("queued", 0));
    // The same form again: it is no longer failed.
    let (status, _, _) = server
        .post(&format!("/jobs/{id}/requeue"), &district, &current)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Only a city administrator queues a job of the whole platform again.
    let store = &server.state.store;
    let whole = NewJob {
        kind: JobKind::Prune,
        payload: "{}",
        area: None,
        dedupe_key: None,
        release_key_on_start: false,
        run_at: T0,
        requested_by: None,
    };
    store.enqueue_job(&whole, T0).await.unwrap();
    let claimed = store.claim_job("test", T0 + 1).await.unwrap().unwrap();
    let give_up = JobOutcome::GiveUp {
        error: "磁盘已满".into(),
    };
    assert!(
        store
            .finish_job(&claimed.id, "test", &give_up, T0 + 2)
            .await
            .unwrap()
    );
    let (_, page, _) = server.get("/jobs?state=failed", &district).await;
    assert!(page.contains("磁盘已满"), "{page}");
    assert!(
        !page.contains(&format!("/jobs/{}/requeue", claimed.id)),
        "{page}"
    );
    assert!(
        page.contains("只有市级管理员或任务所属地区的管理员可以重新排队"),
        "{page}"
    );
    let version = store.job(&claimed.id).await.unwrap().unwrap().version;
    let form = format!("csrf={csrf}&version={version}");
    let path = format!("/jobs/{}/requeue", claimed.id);
    let (status, _, _) = server.post(&path, &district, &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let city = server.sign_in("city").await;
    let (_, page, _) = server.get("/jobs?state=failed", &city).await;
    assert!(page.contains(&path), "{page}");
    let form = format!("csrf={}&version={version}", csrf_of(&page));
    let (status, _, _) = server.post(&path, &city, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        store.job(&claimed.id).await.unwrap().unwrap().state,
        "queued"
    );
}

/// A facility registered in 学院路街道 (the demo's Beijing district, whose coverage the demo
/// computed) queues one recomputation, run 30 seconds later, recorded as the system's.
#[tokio::test]
async fn a_facility_change_recomputes_the_districts_coverage_once() {
    let (state, _dir) = common::demo_with_its_network().await;
    const HAIDIAN: &str = "110108000000";
    let before = state.store.circle_run(HAIDIAN).await.unwrap().unwrap();
    let summary = |json: &str| xingfu_server::circle::service::coverage::RunSummary::parse(json);
    let facilities_before = summary(&before.summary_json).facilities;
    // Whatever the demo queued runs first.
    let mut worker = Worker::default();
    worker.pass(&state, now_ms() + 60_000, 50).await.unwrap();
    let counts_before_coverage = state
        .store
        .jobs("", Some(JobState::Done), 100)
        .await
        .unwrap()
        .iter()
        .filter(|j| j.kind == "coverage")
        .count();

    let admin = {
        let user = state
            .store
            .user_by_username("haidian")
            .await
            .unwrap()
            .unwrap();
        let region = state
            .store
            .region(&user.region_code)
            .await
            .unwrap()
            .unwrap();
        xingfu_server::app::auth::CurrentUser {
            role: xingfu_core::workflow::Role::parse(&user.role).unwrap(),
            region_level: region.level,
            region_name: region.name,
            csrf: String::new(),
            unread: 0,
            user,
        }
    };
    let form = |name: &str, lon: &str| xingfu_server::circle::service::form::FacilityForm {
        name: name.into(),
        functions: vec!["food".into()],
        lon: lon.into(),
        lat: "39.9985".into(),
        datum: "wgs84".into(),
        hours: String::new(),
        capacity: String::new(),
        community: String::new(),
    };
    let changed_at = now_ms();
    for (name, lon) in [
        ("学院路长者食堂", "116.3480"),
        ("学院路社区餐厅", "116.3482"),
    ] {
        xingfu_server::circle::service::facilities::create_facility(
            &state,
            &admin,
            HAIDIAN,
            &form(name, lon),
            xingfu_server::i18n::Lang::Zh,
        )
        .await
        .unwrap()
        .unwrap();
    }
    // Two changes, one job, not before 30 seconds.
    let queued = state
        .store
        .jobs("", Some(JobState::Queued), 10)
        .await
        .unwrap();
    let coverage: Vec<_> = queued.iter().filter(|j| j.kind == "coverage").collect();
    assert_eq!(coverage.len(), 1, "{queued:?}");
    assert_eq!(coverage[0].area.as_deref(), Some(HAIDIAN));
    assert!(coverage[0].run_at >= changed_at + 30_000);
    let job_id = coverage[0].id.clone();
    let coverage_state = |state: &xingfu_server::AppState| {
        let (store, id) = (state.store.clone(), job_id.clone());
        async move { store.job(&id).await.unwrap().unwrap().state }
    };
    // The periodic jobs of the minute may run; the coverage waits.
    worker.pass(&state, changed_at + 29_000, 50).await.unwrap();
    assert_eq!(coverage_state(&state).await, "queued");
    assert_eq!(
        state
            .store
            .circle_run(HAIDIAN)
            .await
            .unwrap()
            .unwrap()
            .computed_at,
        before.computed_at
    );
    let due = worker.pass(&state, now_ms() + 30_000, 50).await.unwrap();
    assert_eq!(due.failed, 0, "{due:?}");
    assert_eq!(coverage_state(&state).await, "done");
    let after = state.store.circle_run(HAIDIAN).await.unwrap().unwrap();
    assert_eq!(
        after.computed_by,
        xingfu_server::circle::service::coverage::AUTOMATIC
    );
    assert_eq!(after.speed_m_per_h, before.speed_m_per_h);
    assert_eq!(
        summary(&after.summary_json).facilities,
        facilities_before + 2
    );
    // One recomputation for both changes, nothing failed.
    let runs = state
        .store
        .jobs("", Some(JobState::Done), 100)
        .await
        .unwrap();
    let ran = runs.iter().filter(|j| j.kind == "coverage").count();
    let before = counts_before_coverage;
    assert_eq!(ran, before + 1);
    assert_eq!(state.store.job_counts("").await.unwrap()[3], 0);
}

/// What a done job recorded it did.
async fn outcome_of(server: &Server, id: &str) -> serde_json::Value {
    let job = server.state.store.job(id).await.unwrap().unwrap();
    serde_json::from_str(job.outcome.as_deref().unwrap()).unwrap()
}

/// Asks for an export through the page's form, as `who`; where the answer sends them.
async fn ask_export(server: &Server, who: &str, round: &str, what: &str) -> String {
    let (_, page, _) = server.get(&format!("/rounds/{round}"), who).await;
    let form = format!("csrf={}&round={round}&what={what}", csrf_of(&page));
    let (status, location, _) = server.post("/exports", who, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    location.trim().to_string()
}

on_both!(a_person_gets_a_rounds_documents_and_workbook_made_in_the_background);
async fn a_person_gets_a_rounds_documents_and_workbook_made_in_the_background(server: &Server) {
    let round = server.lucheng_round(2013).await;
    let mochi = "330302006045";
    server.computed_entry(&round, mochi, 2).await;
    server.move_entry(&round, mochi, "named").await;
    let district = server.sign_in("district").await;
    let district_user = server.user("district").await;
    let (_, page, _) = server.get(&format!("/rounds/{round}"), &district).await;
    assert!(page.contains("在后台生成评定结果汇总表"), "{page}");
    let (_, page, _) = server
        .get(&format!("/rounds/{round}/documents"), &district)
        .await;
    assert!(page.contains("打包下载全部文件"), "{page}");

    assert_eq!(
        ask_export(server, &district, &round, "documents").await,
        "/exports?done=queued"
    );
    // Pressed again while it waits: made once.
    assert_eq!(
        ask_export(server, &district, &round, "documents").await,
        "/exports?done=waiting"
    );
    let (status, page, _) = server.get("/exports", &district).await;
    assert_eq!(status, StatusCode::OK);
    common::assert_chinese_punctuation(&page);
    assert!(page.contains("全部公文和证书"), "{page}");
    assert!(page.contains("排队中"), "{page}");
    assert!(page.contains("稍后刷新本页"), "what happens next: {page}");
    // Nobody else's list shows it.
    let city = server.sign_in("city").await;
    let (_, page, _) = server.get("/exports", &city).await;
    assert!(page.contains("你还没有申请过导出"), "{page}");

    let report = Worker::default()
        .pass(&server.state, now_ms(), 50)
        .await
        .unwrap();
    assert_eq!(
        report.failed + report.retried + report.lost,
        0,
        "{report:?}"
    );
    let jobs = server
        .state
        .store
        .jobs_requested_by("district", JobKind::Export, 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, "done", "{:?}", jobs[0].last_error);
    let id = jobs[0].id.clone();
    let (_, page, _) = server.get("/exports", &district).await;
    let download = format!("/exports/{id}/file");
    assert!(page.contains(&download), "{page}");
    assert!(page.contains("保留至"), "{page}");

    // The archive holds one PDF per document the district may download, each issued.
    let available = xingfu_server::documents::service::available(
        &server.state,
        &district_user,
        &round,
        xingfu_server::i18n::Lang::Zh,
    )
    .await
    .unwrap();
    assert!(available.len() >= 3, "{available:?}");
    let (status, headers, bytes) = server.get_bytes(&download, &district).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    // A document with nothing to say (no unmet clause: no 整改通知书) is listed, not packed.
    let outcome = outcome_of(server, &id).await;
    let skipped = outcome["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{outcome}");
    assert!(
        skipped[0].as_str().unwrap().contains("无需整改通知书"),
        "{outcome}"
    );
    assert_eq!(archive.len() + skipped.len(), available.len(), "{outcome}");
    assert_eq!(outcome["documents"], archive.len());
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("星级证书-墨池社区-ZS-")),
        "{names:?}"
    );
    let mut first = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_index(0).unwrap(), &mut first).unwrap();
    assert!(first.starts_with(b"%PDF"), "a PDF");
    let current = server.state.store.current_documents(&round).await.unwrap();
    assert_eq!(current.len(), archive.len(), "each issued once");
    // Only its owner downloads it.
    let (status, _, _) = server.get_bytes(&download, &city).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The workbook, through the API this time.
    let token = server.api_token("district").await;
    let body = serde_json::json!({ "round": round, "what": "workbook" });
    let (status, answer) = server
        .api_json(Method::POST, "/api/v1/exports", Some(&token), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["queued"], true);
    let bad = serde_json::json!({ "round": round, "what": "everything" });
    let (status, answer) = server
        .api_json(Method::POST, "/api/v1/exports", Some(&token), Some(bad))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.to_string().contains("what"), "{answer}");
    Worker::default()
        .pass(&server.state, now_ms(), 50)
        .await
        .unwrap();
    let (status, list) = server
        .api_json(Method::GET, "/api/v1/exports", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list[0]["what"], "workbook");
    assert_eq!(list[0]["state"], "done", "{list}");
    let link = list[0]["download"].as_str().unwrap().to_string();
    let (status, _, bytes) = server.get_bytes(&link, &district).await;
    assert_eq!(status, StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    assert!(
        sheet
            .cells()
            .any(|(_, _, c)| c.to_string().as_str() == "墨池社区"),
        "the community in the workbook"
    );

    // Three waiting at once is the most; a fourth is refused with the reason.
    let other = server.lucheng_round(2014).await;
    for (r, what) in [
        (&round, "workbook"),
        (&round, "documents"),
        (&other, "workbook"),
    ] {
        assert_eq!(
            ask_export(server, &district, r, what).await,
            "/exports?done=queued"
        );
    }
    assert_eq!(
        ask_export(server, &district, &other, "documents").await,
        "/exports?done=full"
    );
    let (_, page, _) = server.get("/exports?done=full", &district).await;
    assert!(page.contains("你已有 3 个导出在排队或生成中"), "{page}");

    // The weekly clear-out removes the file with its job.
    let file = outcome_of(server, &id).await["file"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(server.state.files.get(&file).await.is_ok());
    let later = now_ms() + xingfu_core::jobs::KEEP_DONE_MS + HOUR_MS;
    let removed = xingfu_server::exports::service::remove_old_files(&server.state, later)
        .await
        .unwrap();
    assert_eq!(removed, 2, "the archive and the workbook");
    assert!(server.state.files.get(&file).await.is_err());
}
