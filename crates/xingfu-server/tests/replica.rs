//! Reads from a real streaming replica (a private primary and its pg_basebackup copy): the
//! overview is served by the replica while it keeps up, by the primary when the replica falls
//! behind its bound, right after the person's own write, and while the replica is stopped
//! (failure test 2: no error page, and the replica is used again once it is back).

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::replica::Replicated;
use tower::ServiceExt;
use xingfu_core::documents::{DocumentKind, Serial};
use xingfu_server::app::reads::Freshness;
use xingfu_server::app::replica::Replica;
use xingfu_server::{AppState, router};
use xingfu_store::Store;
use xingfu_store::audit::AuditKey;
use xingfu_store::documents::DocumentRow;

const LUCHENG: &str = "330302000000";
/// A street of 鹿城区: a row of the district's overview, named nowhere else on the page.
const WUMA: &str = "330302006000";
const GULOU: &str = "330302006044";

/// A GET through `app`, signed in with `cookie` when it is not empty: (status, body).
async fn get(app: &Router, path: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    let mut request = Request::get(path);
    if !cookie.is_empty() {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

async fn get_text(app: &Router, path: &str, cookie: &str) -> (StatusCode, String) {
    let (status, bytes) = get(app, path, cookie).await;
    (status, String::from_utf8_lossy(&bytes).into())
}

async fn overview(app: &Router, cookie: &str) -> (StatusCode, String) {
    get_text(app, &format!("/overview?region={LUCHENG}"), cookie).await
}

/// An anonymous Open311 read: (status, body).
async fn open311(app: &Router, path: &str) -> (StatusCode, String) {
    get_text(app, &format!("/open311/v2{path}"), "").await
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "waited too long: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn rename(store: &Store, name: &str) {
    store
        .execute_admin(&format!(
            "UPDATE regions SET name = '{name}' WHERE code = '{WUMA}'"
        ))
        .await
        .unwrap();
}

/// A private primary and its replica, and the tests' server on the primary (with an audit key,
/// so `/verify` checks the chain).
async fn replicated_server() -> (Replicated, common::Server) {
    let pair = tokio::task::spawn_blocking(Replicated::start)
        .await
        .unwrap();
    let primary_url = pair.primary_url();
    let store = Store::connect(&primary_url)
        .await
        .unwrap()
        .with_audit_key(AuditKey::generate());
    let server = common::setup(store, &primary_url, None, None).await;
    (pair, server)
}

/// The server's state and router reading from the pair's replica (lag bound 4 s: wide enough
/// that a loaded test machine still reads within it right after replay pauses), the replica
/// with its lag monitor running, and a district administrator's cookies: as is, and as just
/// after a write of their own.
struct WithReplica {
    replica: Replica,
    state: AppState,
    app: Router,
    cookie: String,
    recently_wrote: String,
}

async fn with_replica(pair: &Replicated, server: &common::Server) -> WithReplica {
    let replica = Replica::new(
        Store::connect_replica(&pair.replica_url()).unwrap(),
        Duration::from_secs(4),
    );
    tokio::spawn(replica.clone().monitor(server.state.store.clone()));
    let state: AppState = server.state.clone().with_replica(replica.clone());
    let cookie = server.sign_in("district").await;
    let recently_wrote = format!("{cookie}; xf_wrote={}", xingfu_server::app::clock::now_ms());
    WithReplica {
        app: router(state.clone()),
        replica,
        state,
        cookie,
        recently_wrote,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_reads_from_the_replica_only_while_it_keeps_up() {
    let (pair, server) = replicated_server().await;
    let WithReplica {
        replica,
        state,
        app,
        cookie,
        recently_wrote,
    } = with_replica(&pair, &server).await;

    // Caught up: the replica serves the overview.
    wait_until("the replica catches up", || replica.is_fresh()).await;
    assert!(state.is_replica(state.reads(Freshness::MayLag)));
    assert!(!state.is_replica(state.reads(Freshness::Latest)));
    let (status, page) = overview(&app, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("五马街道"), "{page}");
    let (status, body) = open311(&app, "/requests.json").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The replica stops replaying; a change on the primary is not on it.
    replica
        .store
        .execute_admin("SELECT pg_wal_replay_pause()")
        .await
        .unwrap();
    rename(&server.state.store, "五马街道甲").await;
    let (_, page) = overview(&app, &cookie).await;
    assert!(
        !page.contains("五马街道甲"),
        "within the bound the replica answers, with what it has"
    );
    // Who just saved something reads the primary.
    let (_, page) = overview(&app, &recently_wrote).await;
    assert!(
        page.contains("五马街道甲"),
        "own writes come from the primary"
    );
    // Past the bound, everyone reads the primary.
    wait_until("the replica falls behind", || !replica.is_fresh()).await;
    let (_, page) = overview(&app, &cookie).await;
    assert!(page.contains("五马街道甲"), "a lagging replica is not read");

    // Replaying again, it catches up and is read again.
    replica
        .store
        .execute_admin("SELECT pg_wal_replay_resume()")
        .await
        .unwrap();
    wait_until("the replica catches up again", || replica.is_fresh()).await;
    assert!(state.is_replica(state.reads(Freshness::MayLag)));
    let (_, page) = overview(&app, &cookie).await;
    assert!(page.contains("五马街道甲"));

    // Failure test 2: the replica stops. No error page: reads fall back to the primary.
    // (pg_ctl blocks this worker for a moment; the monitor runs on the other.)
    pair.stop_replica();
    rename(&server.state.store, "五马街道乙").await;
    let stopped = Instant::now();
    let mut served = 0;
    while stopped.elapsed() < Duration::from_secs(2) {
        let (status, page) = overview(&app, &cookie).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "no error page while the replica is down"
        );
        assert!(page.contains("五马街道乙"));
        // Open311 reads fall back too: a list, and an unknown request is 404, not an error.
        let (status, body) = open311(&app, "/requests.json").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = open311(&app, "/requests/999999.json").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        served += 1;
    }
    assert!(served > 3);
    assert!(!replica.is_fresh(), "an unreachable replica is not read");
    // It comes back, catches up, and is read again.
    pair.start_replica();
    wait_until("the restarted replica catches up", || replica.is_fresh()).await;
    let (status, page) = overview(&app, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("五马街道乙"));
    assert!(state.is_replica(state.reads(Freshness::MayLag)));
    server.state.store.close().await;
    replica.store.close().await;
}

/// A document recorded on the primary as issued for 鼓楼社区 in `round`, with its audit row.
async fn issued(store: &Store, round: &str, title: &str) -> String {
    let serial = Serial::new(DocumentKind::Certificate, 2014, rand::random()).to_string();
    let row = DocumentRow {
        serial: serial.clone(),
        kind: DocumentKind::Certificate.key().to_string(),
        round_id: round.to_string(),
        community_code: GULOU.to_string(),
        issuer_region: LUCHENG.to_string(),
        title: title.to_string(),
        issuer: "鹿城区人民政府".to_string(),
        number: String::new(),
        content_sha256: format!("{serial:0>64}"),
        pdf_sha256: "1".repeat(64),
        pdf_bytes: 1000,
        pages: 1,
        file_key: format!("documents/{serial}.pdf"),
        issued_by: "district".to_string(),
        issued_at: xingfu_server::app::clock::now_ms(),
        audit_seq: 0,
        superseded_by: None,
    };
    store.record_document(row).await.unwrap().unwrap();
    serial
}

/// The names in a workbook's cells.
fn cells(bytes: &[u8]) -> Vec<String> {
    common::workbook_cells(bytes)
        .into_iter()
        .map(|(_, _, _, value)| value)
        .collect()
}

/// The round's results workbook and the public `/verify` page read from the replica while it
/// keeps up: the replica checks the audit chain with the primary's key, a document issued after
/// the replica stopped replaying is found on the primary, and who just saved reads the primary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_and_verify_read_from_the_replica_while_it_keeps_up() {
    let (pair, server) = replicated_server().await;
    let round = server.approved_gulou(3).await;
    server.move_entry(&round, GULOU, "named").await;
    let first = issued(&server.state.store, &round, "幸福社区证书").await;
    let WithReplica {
        replica,
        app,
        cookie,
        recently_wrote,
        ..
    } = with_replica(&pair, &server).await;
    let export = format!("/rounds/{round}/export.xlsx");
    wait_until("the replica catches up", || replica.is_fresh()).await;
    let (status, page) = get_text(&app, &format!("/verify/{first}"), "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("幸福社区证书"), "{page}");
    assert!(page.contains("出具记录在审计链中，核验通过"), "{page}");

    replica
        .store
        .execute_admin("SELECT pg_wal_replay_pause()")
        .await
        .unwrap();
    let primary = &server.state.store;
    primary
        .execute_admin(&format!(
            "UPDATE regions SET name = '鼓楼社区甲' WHERE code = '{GULOU}'"
        ))
        .await
        .unwrap();
    primary
        .execute_admin(&format!(
            "UPDATE documents SET title = '幸福社区证书（改）' WHERE serial = '{first}'"
        ))
        .await
        .unwrap();
    let second = issued(primary, &round, "第二份证书").await;

    // Within the bound the replica answers, with what it has, the chain checked by its key.
    let (status, bytes) = get(&app, &export, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let names = cells(&bytes);
    assert!(names.iter().any(|c| c == "鼓楼社区"), "{names:?}");
    assert!(!names.iter().any(|c| c.contains("鼓楼社区甲")), "{names:?}");
    let (_, page) = get_text(&app, &format!("/verify/{first}"), "").await;
    assert!(!page.contains("（改）"), "{page}");
    assert!(page.contains("出具记录在审计链中，核验通过"), "{page}");
    let (_, page) = get_text(&app, "/notices", "").await;
    assert!(
        page.contains("<td>鼓楼社区</td>"),
        "the public list: {page}"
    );
    // Not on the replica yet: found on the primary.
    let (status, page) = get_text(&app, &format!("/verify/{second}"), "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("第二份证书"), "{page}");
    // An unknown serial is still 404.
    let unknown = Serial::new(DocumentKind::Certificate, 2014, [0; 5]);
    let (status, _) = get_text(&app, &format!("/verify/{unknown}"), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Who just saved something reads the primary.
    let (_, bytes) = get(&app, &export, &recently_wrote).await;
    assert!(cells(&bytes).iter().any(|c| c.contains("鼓楼社区甲")));

    // Past the bound, everyone reads the primary.
    wait_until("the replica falls behind", || !replica.is_fresh()).await;
    let (_, bytes) = get(&app, &export, &cookie).await;
    assert!(cells(&bytes).iter().any(|c| c.contains("鼓楼社区甲")));
    let (_, page) = get_text(&app, &format!("/verify/{first}"), "").await;
    assert!(page.contains("幸福社区证书（改）"), "{page}");
    let (_, page) = get_text(&app, "/notices", "").await;
    assert!(
        page.contains("<td>鼓楼社区甲</td>"),
        "the public list: {page}"
    );
    replica
        .store
        .execute_admin("SELECT pg_wal_replay_resume()")
        .await
        .unwrap();
    server.state.store.close().await;
    replica.store.close().await;
}

/// Failure test 3: the primary is lost under a steady stream of writes and the replica is
/// promoted (docs/deploy.md's procedure: `pg_ctl promote`, then the servers pointed at it).
/// Asynchronous replication may lose only what was acknowledged in the last moment before the
/// loss and not yet streamed; everything else acknowledged is on the new primary, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_promoted_after_the_primary_is_lost_has_what_was_streamed() {
    use std::sync::Arc;
    use tokio::sync::RwLock;
    use xingfu_store::accounts::NewUser;

    let (pair, server) = replicated_server().await;
    let current = Arc::new(RwLock::new(server.state.store.clone()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Writers: each account created once; a failed create is tried again, on whichever database
    // is the primary by then, until it is acknowledged (a duplicate means it was stored).
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (current, stop) = (current.clone(), stop.clone());
            tokio::spawn(async move {
                let mut acknowledged: Vec<(String, i64)> = Vec::new();
                let mut refused_ms = 0i64;
                for n in 0.. {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let username = format!("failover-{w}-{n:06}");
                    let mut first_failure: Option<i64> = None;
                    loop {
                        let store = current.read().await.clone();
                        let created = store
                            .create_user(
                                &NewUser {
                                    username: &username,
                                    display_name: "居民",
                                    password_hash: "x",
                                    role: "resident",
                                    region_code: LUCHENG,
                                },
                                0,
                            )
                            .await;
                        let now = xingfu_server::app::clock::now_ms();
                        match created {
                            Ok(_) | Err(xingfu_store::StoreError::Duplicate { .. }) => {
                                if let Some(first) = first_failure {
                                    refused_ms = refused_ms.max(now - first);
                                }
                                acknowledged.push((username.clone(), now));
                                break;
                            }
                            Err(_) => {
                                first_failure.get_or_insert(now);
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                    }
                }
                (acknowledged, refused_ms)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let lost_at = xingfu_server::app::clock::now_ms();
    pair.lose_primary();
    pair.promote_replica();
    let promoted = Store::connect(&pair.replica_url()).await.unwrap();
    let old = std::mem::replace(&mut *current.write().await, promoted.clone());
    // The servers restart on the new URL: what waited on the lost primary fails at once and is
    // sent again.
    tokio::spawn(async move { old.close().await });
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut acknowledged, mut refused_ms) = (Vec::new(), 0);
    for writer in writers {
        let (one, refused) = writer.await.unwrap();
        acknowledged.extend(one);
        refused_ms = refused_ms.max(refused);
    }
    let mut lost = Vec::new();
    for (username, at) in &acknowledged {
        if promoted.user_by_username(username).await.unwrap().is_none() {
            lost.push((username.clone(), *at));
        }
    }
    let before = acknowledged.iter().filter(|(_, at)| *at < lost_at).count();
    let first_after = acknowledged
        .iter()
        .filter(|(_, at)| *at >= lost_at)
        .map(|(_, at)| at - lost_at)
        .min()
        .unwrap_or(i64::MAX);
    eprintln!(
        "promotion: {} writes acknowledged ({before} before the primary was lost), {} lost; \
         the first write after the loss acknowledged {first_after} ms after it, none refused for \
         longer than {refused_ms} ms",
        acknowledged.len(),
        lost.len()
    );
    assert!(before > 20, "the writers got going ({before})");
    assert!(
        acknowledged.len() > before,
        "writes go on after the promotion"
    );
    // Only what was acknowledged in the last moment before the loss may be missing.
    for (username, at) in &lost {
        assert!(
            lost_at - at < 1000,
            "{username}, acknowledged {} ms before the loss, is not on the promoted replica",
            lost_at - at
        );
    }
    promoted.close().await;
}
