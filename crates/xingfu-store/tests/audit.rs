//! The audit log: every way each database offers to rewrite a row is refused, and a chain that
//! someone rewrote around the triggers does not verify with the key, on SQLite and PostgreSQL.

mod common;

use xingfu_store::audit::{AuditEvent, AuditKey, BreakReason, ChainBreak, row_hash};
use xingfu_store::{Backend, Store, StoreError};

async fn record_three(store: &Store) {
    for (at, actor) in [(1, "评审员甲"), (2, "评审员乙"), (3, "评审员丙")] {
        store
            .record(&AuditEvent {
                at,
                actor,
                action: "score",
                after: Some(format!("{{\"by\":\"{actor}\"}}")),
                ..AuditEvent::default()
            })
            .await
            .unwrap();
    }
}

async fn actors(store: &Store) -> Vec<String> {
    sqlx::query_scalar("SELECT actor FROM audit_log ORDER BY seq")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

/// What an attacker with the database file or a superuser does first.
async fn drop_triggers(store: &Store) {
    let statements: &[&str] = match store.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            "DROP TRIGGER audit_log_no_replace",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "DROP TRIGGER audit_log_no_truncate ON audit_log",
        ],
    };
    for statement in statements {
        store.execute_admin(statement).await.unwrap();
    }
}

/// Rewrites every row's hash as plain SHA-256 after changing row 2's actor: what anyone with
/// the file could do to the chain before it was keyed. `keep_key_ids` leaves the key column as is.
async fn rewrite_and_recompute(store: &Store, keep_key_ids: bool) {
    drop_triggers(store).await;
    store
        .execute_admin("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        .await
        .unwrap();
    if !keep_key_ids {
        store
            .execute_admin("UPDATE audit_log SET key_id = NULL")
            .await
            .unwrap();
    }
    let rows = sqlx::query_as::<_, (i64, i64, String, String, Option<String>)>(
        "SELECT seq, at, actor, action, after_json FROM audit_log ORDER BY seq",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut prev = "0".repeat(64);
    for (seq, at, actor, action, after) in rows {
        let hash = row_hash(
            &prev,
            seq,
            &AuditEvent {
                at,
                actor: &actor,
                action: &action,
                after,
                ..AuditEvent::default()
            },
        );
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(store.pool())
            .await
            .unwrap();
        prev = hash;
    }
}

on_both!(
    every_rewrite_of_the_audit_log_is_refused,
    |store: Store| async move {
        let store = store.with_audit_key(AuditKey::generate());
        record_three(&store).await;
        let before = actors(&store).await;
        let insert = "INSERT INTO audit_log (seq, at, actor, action, prev_hash, hash)";
        let rewrites: Vec<String> = match store.backend() {
            Backend::Sqlite => vec![
                "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2".into(),
                "DELETE FROM audit_log WHERE seq = 3".into(),
                format!(
                    "INSERT OR REPLACE {} VALUES (2, 2, 'mallory', 'score', 'x', 'y')",
                    &insert[7..]
                ),
                format!(
                    "REPLACE {} VALUES (2, 2, 'mallory', 'score', 'x', 'y')",
                    &insert[7..]
                ),
                format!(
                    "{insert} VALUES (2, 2, 'mallory', 'score', 'x', 'y')
                 ON CONFLICT (seq) DO UPDATE SET actor = excluded.actor"
                ),
                "UPDATE OR REPLACE audit_log SET seq = 1 WHERE seq = 2".into(),
            ],
            Backend::Postgres => vec![
                "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2".into(),
                "DELETE FROM audit_log WHERE seq = 3".into(),
                "TRUNCATE audit_log".into(),
                format!(
                    "{insert} VALUES (2, 2, 'mallory', 'score', 'x', 'y')
                 ON CONFLICT (seq) DO UPDATE SET actor = excluded.actor"
                ),
            ],
        };
        for rewrite in &rewrites {
            let refused = sqlx::query(rewrite).execute(store.pool()).await;
            let error = refused.expect_err(rewrite).to_string();
            assert!(error.contains("append-only"), "{rewrite}: {error}");
            assert_eq!(actors(&store).await, before, "{rewrite} changed nothing");
        }
        assert_eq!(store.verify_audit().await.unwrap(), None);
        // Appending goes on as before.
        store
            .record(&AuditEvent {
                at: 4,
                actor: "评审员甲",
                action: "score",
                ..AuditEvent::default()
            })
            .await
            .unwrap();
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    a_chain_recomputed_without_the_key_does_not_verify,
    |store: Store| async move {
        let store = store.with_audit_key(AuditKey::generate());
        record_three(&store).await;
        rewrite_and_recompute(&store, true).await;
        assert_eq!(
            store.verify_audit().await.unwrap(),
            Some(ChainBreak {
                seq: 1,
                reason: BreakReason::ContentChanged
            })
        );
        assert_eq!(actors(&store).await[1], "mallory");
    }
);

on_both!(
    a_chain_downgraded_to_unkeyed_rows_does_not_verify_with_the_key,
    |store: Store| async move {
        let store = store.with_audit_key(AuditKey::generate());
        record_three(&store).await;
        rewrite_and_recompute(&store, false).await;
        // Plain SHA-256 all through: only the key tells that nothing seals these rows.
        assert_eq!(
            store.verify_audit().await.unwrap(),
            Some(ChainBreak {
                seq: 1,
                reason: BreakReason::NotSealed
            })
        );
    }
);

on_both!(
    rows_from_before_the_key_still_verify_and_are_sealed,
    |store: Store| async move {
        // Rows written before migration 0010: no key.
        record_three(&store).await;
        assert_eq!(store.verify_audit().await.unwrap(), None);
        let key = AuditKey::generate();
        let keyed = store.clone().with_audit_key(key.clone());
        assert_eq!(
            keyed.verify_audit().await.unwrap().map(|b| b.reason),
            Some(BreakReason::NotSealed)
        );
        assert_eq!(keyed.adopt_audit_key(10).await.unwrap(), Some(3));
        assert_eq!(keyed.adopt_audit_key(11).await.unwrap(), None, "once");
        keyed
            .record(&AuditEvent {
                at: 12,
                actor: "评审员甲",
                action: "score",
                ..AuditEvent::default()
            })
            .await
            .unwrap();
        let report = keyed.verify_audit_report().await.unwrap();
        assert_eq!(report.broken, None);
        assert_eq!((report.rows_checked, report.keyed_rows), (5, 2));
        assert_eq!(report.head.unwrap().seq, 5);

        // Without the key, a keyed chain can be neither extended nor verified.
        let event = AuditEvent {
            at: 13,
            actor: "x",
            action: "score",
            ..AuditEvent::default()
        };
        assert!(matches!(
            store.record(&event).await,
            Err(StoreError::AuditKeyRequired)
        ));
        assert_eq!(
            store.verify_audit().await.unwrap(),
            Some(ChainBreak {
                seq: 4,
                reason: BreakReason::KeyRequired
            })
        );
        // Another key forks nothing: it is refused at start-up and at every append.
        let other = store.clone().with_audit_key(AuditKey::generate());
        assert!(matches!(
            other.adopt_audit_key(14).await,
            Err(StoreError::AuditKeyMismatch { .. })
        ));
        assert!(matches!(
            other.record(&event).await,
            Err(StoreError::AuditKeyMismatch { .. })
        ));
        assert_eq!(
            other.verify_audit().await.unwrap().map(|b| b.reason),
            Some(BreakReason::OtherKey)
        );
        assert_eq!(keyed.verify_audit().await.unwrap(), None);
        // The unkeyed rows cannot be changed either: the first keyed row chains onto them.
        drop_triggers(&store).await;
        store
            .execute_admin("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
            .await
            .unwrap();
        let hash = row_hash(
            &sqlx::query_scalar::<_, String>("SELECT prev_hash FROM audit_log WHERE seq = 3")
                .fetch_one(store.pool())
                .await
                .unwrap(),
            3,
            &AuditEvent {
                at: 3,
                actor: "mallory",
                action: "score",
                after: Some("{\"by\":\"评审员丙\"}".into()),
                ..AuditEvent::default()
            },
        );
        sqlx::query("UPDATE audit_log SET hash = $1 WHERE seq = 3")
            .bind(hash)
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(
            keyed.verify_audit().await.unwrap(),
            Some(ChainBreak {
                seq: 4,
                reason: BreakReason::NotChained
            })
        );
    }
);

on_both!(
    the_tail_check_reads_the_last_rows_only,
    |store: Store| async move {
        let store = store.with_audit_key(AuditKey::generate());
        record_three(&store).await;
        record_three(&store).await;
        let tail = store.verify_audit_tail(2).await.unwrap();
        assert_eq!(
            (tail.first_seq, tail.rows_checked, tail.broken),
            (Some(5), 2, None)
        );
        drop_triggers(&store).await;
        store
            .execute_admin("UPDATE audit_log SET actor = 'mallory' WHERE seq = 6")
            .await
            .unwrap();
        assert_eq!(
            store.verify_audit_tail(2).await.unwrap().broken,
            Some(ChainBreak {
                seq: 6,
                reason: BreakReason::ContentChanged
            })
        );
        // A row deleted just before the tail is seen too.
        store
            .execute_admin("DELETE FROM audit_log WHERE seq = 4")
            .await
            .unwrap();
        assert_eq!(
            store.verify_audit_tail(2).await.unwrap().broken,
            Some(ChainBreak {
                seq: 5,
                reason: BreakReason::NotChained
            })
        );
    }
);

on_both!(
    appends_from_many_connections_form_one_chain,
    |store: Store| async move {
        let store = store.with_audit_key(AuditKey::generate());
        let writers: Vec<_> = (0..6)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for n in 0..10 {
                        store
                            .record(&AuditEvent {
                                at: n,
                                actor: &format!("writer {w}"),
                                action: "score",
                                ..AuditEvent::default()
                            })
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap();
        }
        let report = store.verify_audit_report().await.unwrap();
        assert_eq!(report.broken, None);
        assert_eq!((report.rows_checked, report.keyed_rows), (60, 60));
    }
);
