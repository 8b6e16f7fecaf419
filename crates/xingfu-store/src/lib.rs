//! Storage for Xingfu: one layer over SQLite (the zero-configuration default, one file) and
//! PostgreSQL (production, shared by several app servers), with one migration history.
//!
//! Portability rules, so one set of SQL serves both through sqlx's `Any` driver: only `TEXT` and
//! `BIGINT` columns; times are Unix milliseconds; flags are 0/1; JSON is kept as text; query
//! parameters are `$1, $2, …` in order of first use. Every write that must not be half-done
//! runs in one transaction.

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod documents;
pub mod event_tallies;
pub mod events;
pub mod evidence;
pub mod facilities;
pub mod grids;
pub mod jobs;
pub mod notifications;
pub mod objections;
pub mod overview;
pub mod regions;
pub mod rounds;
mod sql;
pub mod standards;
pub mod submissions;
pub mod surveys;
pub mod visits;
pub mod volunteers;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{what} {key:?} already exists")]
    Duplicate { what: &'static str, key: String },
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    /// The audit chain is keyed and this store has no key, so it cannot append to it.
    #[error("the audit log is keyed: an audit key is needed to write to it")]
    AuditKeyRequired,
    /// The audit chain was keyed with another key; appending would fork it.
    #[error("the audit log was keyed with key {stored}, not with the given key {given}")]
    AuditKeyMismatch { stored: String, given: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database, reached through a connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    audit: audit::AuditChain,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a query waits for a pool connection by default (sqlx's own default).
pub const DEFAULT_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Store {
    /// Connects to `sqlite://path` (created if missing) or `postgres://…`, and applies migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_waiting(url, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// [`Store::connect`], where a query waits at most `acquire_timeout` for a connection from
    /// the pool before it fails. A server behind a load balancer uses a short wait so that,
    /// when the database is lost, requests in flight fail and are retried elsewhere at once
    /// instead of hanging (docs/deploy.md, failure test 3).
    pub async fn connect_waiting(url: &str, acquire_timeout: std::time::Duration) -> Result<Store> {
        let store = Store::open(url, acquire_timeout).await?;
        MIGRATOR.run(&store.pool).await?;
        store.guard_audit_log().await?;
        store.fill_event_tallies_if_empty().await?;
        Ok(store)
    }

    /// Connects without touching the schema (for administrative statements).
    pub async fn connect_without_migrations(url: &str) -> Result<Store> {
        Store::open(url, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    async fn open(url: &str, acquire_timeout: std::time::Duration) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let url = match backend {
            // Create the file on first start.
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .acquire_timeout(acquire_timeout)
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 16,
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Wait instead of failing while another connection writes; foreign
                        // keys are off by default; every commit reaches the disk.
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the one writer; it is a property of the file, set once.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Store {
            pool,
            backend,
            audit: audit::AuditChain::new(backend),
        })
    }

    /// A pool on a PostgreSQL streaming replica, for reads only: opened lazily (the server
    /// starts while the replica is down) and quick to give up (a second to get a connection),
    /// so a stopped replica costs a read a moment, not the pool's usual half minute.
    pub fn connect_replica(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(1))
            .connect_lazy_with(options);
        Ok(Store {
            pool,
            backend: Backend::Postgres,
            audit: audit::AuditChain::new(Backend::Postgres),
        })
    }

    /// Makes the audit log append-only in the database itself, refusing every way each database
    /// offers to rewrite a row. Trigger syntax differs between the two databases, so this is the
    /// one place with statements for each; it runs at every connect, so triggers someone dropped
    /// are back before the server writes.
    async fn guard_audit_log(&self) -> Result<()> {
        let statements: &[&str] = match self.backend {
            Backend::Sqlite => &[
                "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                // INSERT OR REPLACE, REPLACE and UPSERT remove the old row without firing the
                // DELETE trigger: refuse any insert onto a sequence number already taken.
                "CREATE TRIGGER IF NOT EXISTS audit_log_no_replace BEFORE INSERT ON audit_log
                 WHEN EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq)
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            ],
            Backend::Postgres => &[
                "CREATE OR REPLACE FUNCTION xingfu_audit_append_only() RETURNS trigger AS $$
                 BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql",
                // Also fires on INSERT … ON CONFLICT DO UPDATE.
                "CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                 FOR EACH ROW EXECUTE FUNCTION xingfu_audit_append_only()",
                "CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                 FOR EACH STATEMENT EXECUTE FUNCTION xingfu_audit_append_only()",
            ],
        };
        for statement in statements {
            sqlx::query(statement).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue behind the busy timeout instead of one failing
    /// when it upgrades from reading to writing.
    pub async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Where this PostgreSQL server's write-ahead log stands: the primary's current position, or
    /// on a streaming replica the position it has replayed up to (as a byte offset). None on
    /// SQLite, or when a replica has replayed nothing yet.
    pub async fn wal_position(&self) -> Result<Option<u64>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let text: Option<String> = sqlx::query_scalar(
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text \
             ELSE pg_current_wal_lsn()::text END",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(text.as_deref().and_then(parse_lsn))
    }

    /// One round trip to the database (`SELECT 1`): whether this server can reach it now.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A PostgreSQL log sequence number ("16/B374D848") as a byte offset.
fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    Some((u64::from_str_radix(high, 16).ok()? << 32) | u64::from_str_radix(low, 16).ok()?)
}

/// A random identifier: 128 bits as 32 hex digits.
pub fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// True when the error is a unique-constraint violation, on either database.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// `written`, or [`StoreError::Duplicate`] naming `what` and `key` when a unique constraint
/// refused the write.
pub(crate) fn or_duplicate<T>(
    written: std::result::Result<T, sqlx::Error>,
    what: &'static str,
    key: String,
) -> Result<T> {
    match written {
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate { what, key }),
        other => Ok(other?),
    }
}

impl Store {
    /// Runs one administrative statement (tests create and drop schemas with it).
    pub async fn execute_admin(&self, sql: &str) -> Result<()> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }
}

/// The inclusive range of 12-digit codes inside the subtree with `prefix`: comparisons an index
/// serves on both databases, whatever their collation (codes are digits only).
pub fn code_range(prefix: &str) -> (String, String) {
    (format!("{prefix:0<12}"), format!("{prefix:9<12}"))
}

impl Store {
    /// Every row `sql` selects with `key` as its one parameter.
    pub(crate) async fn rows_where<T>(&self, sql: &str, key: &str) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as(sql).bind(key).fetch_all(&self.pool).await?)
    }

    /// The row `sql` selects with `key` as its one parameter, if there is one.
    pub(crate) async fn row_where<T>(&self, sql: &str, key: &str) -> Result<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }
}
