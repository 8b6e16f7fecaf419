//! List pages read work in proportion to what they show, not to the size of the round.
//!
//! Every row any SQL statement returns is counted through sqlx's query log (the `sqlx::query`
//! events carry `rows_returned`), so a page that loads all of a round's entries or all of an
//! area's communities to show a few fails here whatever the machine's speed. The round holds
//! 500 declared communities of 600 in one street; a page of the overview shows 100.

mod common;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use common::{Server, region};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use xingfu_store::bulk::BulkEntry;

/// Rows returned by every statement since the process started.
static ROWS: AtomicU64 = AtomicU64::new(0);
/// The counter is process-wide: one measured request at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct RowsReturned;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RowsReturned {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        struct Rows(u64);
        impl Visit for Rows {
            fn record_u64(&mut self, field: &Field, value: u64) {
                if field.name() == "rows_returned" {
                    self.0 = value;
                }
            }
            fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
        }
        let mut rows = Rows(0);
        event.record(&mut rows);
        ROWS.fetch_add(rows.0, Ordering::SeqCst);
    }
}

fn count_rows() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(RowsReturned))
            .expect("no other subscriber in this test binary");
    });
}

const STREET: &str = "330302006000";
/// Communities 100–699 of 五马街道; 100–599 declared: 100–579 named, 580–599 awaiting approval.
const FIRST: u32 = 100;
const DECLARED_UNTIL: u32 = 600;
const AWAITING_FROM: u32 = 580;
const LAST: u32 = 700;

fn code(n: u32) -> String {
    format!("330302006{n:03}")
}

async fn big_round(server: &Server) -> String {
    let store = &server.state.store;
    let communities: Vec<_> = (FIRST..LAST)
        .map(|n| region(&code(n), &format!("测试{n}社区"), "community", Some(STREET)))
        .collect();
    store.bulk_regions(&communities).await.unwrap();
    let round = server.lucheng_round(2015).await;
    let entries: Vec<BulkEntry> = (FIRST..DECLARED_UNTIL)
        .map(|n| BulkEntry {
            round_id: round.clone(),
            community_code: code(n),
            stage: if n < AWAITING_FROM {
                "named"
            } else {
                "computed"
            }
            .into(),
            previous_star: 0,
            total: 80_000,
            share: 9_000,
            star: 3,
            decision: "new".into(),
            reward_fen: 0,
        })
        .collect();
    store.bulk_entries(&entries, 2).await.unwrap();
    store
        .open_rectifications(&round, &code(FIRST), &["1.1".into()], "gulou", 10, 3)
        .await
        .unwrap();
    round
}

/// The page's status and body, and the rows its request read.
async fn read(server: &Server, path: &str, cookie: &str) -> (StatusCode, String, u64) {
    let before = ROWS.load(Ordering::SeqCst);
    let (status, body, _) = server.get(path, cookie).await;
    (status, body, ROWS.load(Ordering::SeqCst) - before)
}

async fn pages_read_what_they_show(server: Server) {
    count_rows();
    let _serial = ONE_AT_A_TIME.lock().await;
    let round = big_round(&server).await;
    let cookie = server.sign_in("district").await;

    // The overview: one page of 100 communities and at most 31 declaration choices.
    let (status, body, rows) = read(&server, &format!("/rounds/{round}"), &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body.matches("/communities/").count(),
        100,
        "one page of entries"
    );
    assert!(
        body.contains("只列出了前 30 个尚未申报的社区"),
        "the cut list says so"
    );
    assert_eq!(
        body.matches("<option value=\"3303").count(),
        30,
        "30 choices"
    );
    assert!(
        !body.contains(&format!("<option value=\"{}\"", code(FIRST))),
        "a declared community is not offered"
    );
    // The counter itself works: showing 100 entries and 30 choices reads at least that many.
    assert!(rows >= 130, "the row counter saw only {rows} rows");
    assert!(
        rows < 200,
        "the round overview read {rows} rows to show 100 entries and 30 choices \
         (the round has 500 entries, the area 603 communities)"
    );

    // The search box narrows the choices: 测试65x are 10 undeclared communities.
    let (_, body, rows) = read(
        &server,
        &format!("/rounds/{round}?find={}", common::urlencode("测试65")),
        &cookie,
    )
    .await;
    assert_eq!(body.matches("<option value=\"3303").count(), 10);
    assert!(body.contains(&format!("<option value=\"{}\">测试655社区", code(655))));
    assert!(!body.contains("只列出了前 30 个"));
    assert!(rows < 200, "the search read {rows} rows");
    // A declared community is not found; `%` is a character, not a wildcard.
    let (_, body, _) = read(
        &server,
        &format!("/rounds/{round}?find={}", common::urlencode("测试150")),
        &cookie,
    )
    .await;
    assert!(body.contains("没有找到符合条件且尚未申报的社区"), "{body}");
    let (_, body, _) = read(&server, &format!("/rounds/{round}?find=%25"), &cookie).await;
    assert_eq!(body.matches("<option value=\"3303").count(), 0);

    // The approval queue shows the 20 results awaiting approval and reads about that many.
    let (status, body, rows) = read(&server, &format!("/rounds/{round}/approvals"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("测试580社区") && body.contains("测试599社区"));
    assert!(
        !body.contains("测试579社区"),
        "a named result is not in the queue"
    );
    assert!(rows < 100, "the approval queue read {rows} rows to show 20");

    // The rectification list shows one task and does not read the round's entries for names.
    let (status, body, rows) =
        read(&server, &format!("/rounds/{round}/rectifications"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("测试100社区"), "the task names its community");
    assert!(
        rows < 100,
        "the rectification list read {rows} rows to show 1 task"
    );

    // A community page reads that community, not its round.
    let (status, _, rows) = read(
        &server,
        &format!("/rounds/{round}/communities/{}", code(590)),
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(rows < 400, "the community page read {rows} rows");
    server.finish().await;
}

#[tokio::test]
async fn sqlite_pages_read_what_they_show() {
    pages_read_what_they_show(common::sqlite().await).await;
}

#[tokio::test]
async fn postgres_pages_read_what_they_show() {
    pages_read_what_they_show(common::postgres().await).await;
}
