//! The audit log's start-up check as city administrators see it, on SQLite and on PostgreSQL: a
//! server started on a database whose log was rewritten says so on their landing page.

mod common;

use common::Server;
use xingfu_server::app::audit::{AuditStatus, check_at_start};
use xingfu_server::{AppState, router};
use xingfu_store::audit::{AuditEvent, AuditKey, BreakReason};
use xingfu_store::{Backend, Store};

/// What `xingfu serve` does at start: check the log with the key, keep the result in the state.
async fn start_on(server: &mut Server, store: Store) -> AuditStatus {
    let status = check_at_start(&store, 1_764_657_000_000)
        .await
        .expect("the key is the log's key");
    let state = AppState::new(store, false).with_audit_status(status.clone());
    server.app = router(state.clone());
    server.state = state;
    status
}

async fn rewrite_last_row(store: &Store) -> i64 {
    let drop = match store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "DROP TRIGGER audit_log_append_only ON audit_log",
    };
    store.execute_admin(drop).await.unwrap();
    let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store
        .execute_admin(&format!(
            "UPDATE audit_log SET after_json = '{{\"star\":5}}' WHERE seq = {last}"
        ))
        .await
        .unwrap();
    last
}

async fn city_administrators_see_a_rewritten_audit_log(mut server: Server) -> Server {
    let key = AuditKey::generate();
    let store = server.state.store.clone().with_audit_key(key.clone());
    let status = start_on(&mut server, store.clone()).await;
    assert_eq!(status.report.broken, None);
    assert!(status.sealed_rows.is_some(), "rows from before the key");

    let city = server.sign_in("city").await;
    let (_, page, _) = server.get("/rounds", &city).await;
    assert!(page.contains("审计日志核验"), "{page}");
    assert!(
        page.contains("完整。服务器启动时（2025年12月2日 14:30）"),
        "{page}"
    );
    let district = server.sign_in("district").await;
    let (_, page, _) = server.get("/rounds", &district).await;
    assert!(!page.contains("审计日志核验"), "only city administrators");

    for n in 0..2 {
        store
            .record(&AuditEvent {
                at: n,
                actor: "assessor",
                action: "score",
                after: Some("{\"star\":3}".into()),
                ..AuditEvent::default()
            })
            .await
            .unwrap();
    }
    let rewritten = rewrite_last_row(&store).await;

    // Restarted on the rewritten database (the key is right, so it starts).
    let status = start_on(&mut server, store.clone()).await;
    let broken = status.report.broken.clone().expect("the rewrite is found");
    assert_eq!(
        (broken.seq, broken.reason),
        (rewritten, BreakReason::ContentChanged)
    );
    let (_, page, _) = server.get("/rounds", &city).await;
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(
        page.contains(&format!("已被改动。服务器启动时（2025年12月2日 14:30）核验发现审计日志第 {rewritten} 条记录未通过")),
        "{page}"
    );
    assert!(
        page.contains("市级管理员：当天以书面形式通知系统管理员"),
        "{page}"
    );
    let (_, page, _) = server.get("/rounds", &format!("{city}; lang=en")).await;
    assert!(
        page.contains(&format!(
            "Broken. At start-up (2025-12-02 14:30) row {rewritten} of the audit log did not verify"
        )),
        "{page}"
    );
    let (_, page, _) = server.get("/rounds", &district).await;
    assert!(!page.contains("audit-log"), "only city administrators");
    server
}

mod city_administrators_see_a_rewritten_audit_log {
    #[tokio::test]
    async fn sqlite() {
        let server = super::common::sqlite().await;
        super::city_administrators_see_a_rewritten_audit_log(server)
            .await
            .finish()
            .await;
    }

    #[tokio::test]
    async fn postgres() {
        let server = super::common::postgres().await;
        super::city_administrators_see_a_rewritten_audit_log(server)
            .await
            .finish()
            .await;
    }
}
