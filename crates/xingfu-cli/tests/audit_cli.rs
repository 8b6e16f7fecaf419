//! `xingfu audit verify` on SQLite and PostgreSQL: exit 0 on an intact log, non-zero naming the
//! first broken row on one tampered with (triggers dropped first, as by someone with the file);
//! and `xingfu serve` refuses a key the log was not keyed with.

use std::path::Path;
use std::process::{Command, Output};

use xingfu_store::audit::{AuditEvent, AuditKey};
use xingfu_store::{Backend, Store};

fn xingfu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xingfu"))
        .args(args)
        .env_remove("XINGFU_LANG")
        .env_remove("XINGFU_AUDIT_KEY")
        .env_remove("XINGFU_AUDIT_KEY_FILE")
        .env_remove("XINGFU_DATABASE_URL")
        .env_remove("XINGFU_DATA_DIR")
        .output()
        .expect("the xingfu binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A log of three keyed rows in the database at `url`, keyed with a key written to `key_file`.
async fn keyed_log(url: &str, key_file: &Path) -> Store {
    let key = AuditKey::generate();
    std::fs::write(key_file, key.to_hex()).unwrap();
    let store = Store::connect(url).await.unwrap().with_audit_key(key);
    store.adopt_audit_key(0).await.unwrap();
    for (at, actor) in [(1, "评审员甲"), (2, "评审员乙")] {
        store
            .record(&AuditEvent {
                at,
                actor,
                action: "score",
                ..AuditEvent::default()
            })
            .await
            .unwrap();
    }
    store
}

async fn tamper_with_row_2(store: &Store) {
    let drops: &[&str] = match store.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Backend::Postgres => &["DROP TRIGGER audit_log_append_only ON audit_log"],
    };
    for statement in drops {
        store.execute_admin(statement).await.unwrap();
    }
    store
        .execute_admin("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        .await
        .unwrap();
}

fn verify_then_tamper(url: &str, key_args: &[&str], store: Store) {
    let mut args = vec!["audit", "verify", "--database", url];
    args.extend_from_slice(key_args);
    let intact = xingfu(&args);
    assert_eq!(intact.status.code(), Some(0), "{}", text(&intact));
    assert!(text(&intact).contains("审计日志完整"), "{}", text(&intact));
    assert!(text(&intact).contains("末条为第 3 条"), "{}", text(&intact));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        tamper_with_row_2(&store).await;
        store.close().await;
    });
    let broken = xingfu(&args);
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken));
    assert!(text(&broken).contains("第 2 条"), "{}", text(&broken));
    let mut english = vec!["--lang", "en"];
    english.extend_from_slice(&args);
    let broken = xingfu(&english);
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken));
    assert!(
        text(&broken).contains("row 2 does not verify: its content or hash was changed"),
        "{}",
        text(&broken)
    );
}

#[test]
fn audit_verify_on_sqlite_passes_an_intact_log_and_names_the_first_broken_row() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("xingfu.db").display());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The default key file: DATA_DIR/audit.key.
    let store = runtime.block_on(keyed_log(&url, &dir.path().join("audit.key")));
    let data_dir = dir.path().to_str().unwrap();
    verify_then_tamper(&url, &["--data-dir", data_dir], store);

    // Without the key the keyed rows cannot be checked: that is not "intact".
    let empty = tempfile::tempdir().unwrap();
    let keyless = xingfu(&[
        "audit",
        "verify",
        "--database",
        &url,
        "--data-dir",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(keyless.status.code(), Some(1), "{}", text(&keyless));
    assert!(
        text(&keyless).contains("未找到审计密钥"),
        "{}",
        text(&keyless)
    );
}

#[test]
fn audit_verify_on_postgresql_passes_an_intact_log_and_names_the_first_broken_row() {
    let base = std::env::var("XINGFU_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("xingfu_audit_{}", xingfu_store::new_id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let admin = runtime.block_on(async {
        let admin = Store::connect_without_migrations(&base)
            .await
            .expect("PostgreSQL must be running for the tests (see README)");
        admin
            .execute_admin(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        admin
    });
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("shared.key");
    let store = runtime.block_on(keyed_log(&url, &key_file));
    verify_then_tamper(
        &url,
        &["--audit-key-file", key_file.to_str().unwrap()],
        store,
    );
    runtime.block_on(async {
        let _ = admin
            .execute_admin(&format!("DROP SCHEMA {schema} CASCADE"))
            .await;
        admin.close().await;
    });
}

#[test]
fn serve_refuses_a_key_the_log_was_not_keyed_with() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("xingfu.db").display());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime.block_on(keyed_log(&url, &dir.path().join("audit.key")));
    runtime.block_on(store.close());
    let other = dir.path().join("other.key");
    std::fs::write(&other, AuditKey::generate().to_hex()).unwrap();
    let refused = xingfu(&[
        "serve",
        "--database",
        &url,
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--audit-key-file",
        other.to_str().unwrap(),
        "--no-demo",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("同一数据库上的所有服务器必须使用同一把密钥"),
        "{}",
        text(&refused)
    );
}
