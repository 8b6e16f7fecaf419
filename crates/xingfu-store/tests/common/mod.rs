//! Every storage test runs on both databases over real connections: a fresh SQLite file, and a
//! fresh schema in PostgreSQL (`XINGFU_TEST_POSTGRES`, default the local server's `test` db).

use xingfu_store::Store;

pub fn postgres_url() -> String {
    std::env::var("XINGFU_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A store on a new SQLite file; the directory lives as long as the returned guard.
pub async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("xingfu.db").display());
    (Store::connect(&url).await.expect("sqlite store"), dir)
}

/// A store in a new, empty PostgreSQL schema, and the schema's name.
pub async fn postgres() -> (Store, String) {
    let base = postgres_url();
    let schema = format!("xingfu_test_{}", xingfu_store::new_id());
    let admin = Store::connect_without_migrations(&base)
        .await
        .expect("PostgreSQL must be running for the tests (see README)");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(admin.pool())
        .await
        .expect("create schema");
    admin.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    (Store::connect(&url).await.expect("postgres store"), schema)
}

/// Drops a test schema once its test is done.
pub async fn drop_schema(schema: &str) {
    if let Ok(admin) = Store::connect_without_migrations(&postgres_url()).await {
        let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(admin.pool())
            .await;
        admin.close().await;
    }
}

/// Runs the same test body on both databases.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let (store, _dir) = common::sqlite().await;
                ($body)(store).await;
            }

            #[tokio::test]
            async fn postgres() {
                let (store, schema) = common::postgres().await;
                ($body)(store.clone()).await;
                store.close().await;
                common::drop_schema(&schema).await;
            }
        }
    };
}
