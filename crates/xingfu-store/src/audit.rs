//! The audit trail: who changed a score, a star or an approval, when, and from what to what.
//! Rows are append-only (a trigger refuses updates and deletes on both databases) and
//! hash-chained, so any edit made around the database is found by [`Store::verify_audit`].

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Backend, Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub round_id: Option<String>,
    pub community_code: Option<String>,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What is being recorded.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub round_id: Option<&'a str>,
    pub community_code: Option<&'a str>,
    pub action: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of a row: SHA-256 over the previous hash and every field, length-prefixed so that
/// no two different rows can produce the same input.
pub fn row_hash(prev_hash: &str, seq: i64, event: &AuditEvent<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| match value {
        Some(v) => {
            hasher.update((v.len() as u64).to_le_bytes());
            hasher.update(v.as_bytes());
        }
        None => hasher.update(u64::MAX.to_le_bytes()),
    };
    field(Some(prev_hash));
    field(Some(&seq.to_string()));
    field(Some(&event.at.to_string()));
    field(Some(event.actor));
    field(event.round_id);
    field(event.community_code);
    field(Some(event.action));
    field(event.before.as_deref());
    field(event.after.as_deref());
    hex::encode(hasher.finalize())
}

/// Appends an event inside the caller's transaction, after the change it records was written
/// (on SQLite that write already holds the database's write lock).
pub async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    event: &AuditEvent<'_>,
) -> Result<i64> {
    if backend == Backend::Postgres {
        // One appender at a time, so two servers never chain onto the same row.
        sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (seq, prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS.to_string()),
    };
    let hash = row_hash(&prev_hash, seq, event);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, round_id, community_code, action, before_json, after_json, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(event.at)
    .bind(event.actor)
    .bind(event.round_id)
    .bind(event.community_code)
    .bind(event.action)
    .bind(event.before.as_deref())
    .bind(event.after.as_deref())
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

fn audit_row(row: &AnyRow) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        round_id: row.try_get("round_id")?,
        community_code: row.try_get("community_code")?,
        action: row.try_get("action")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const COLUMNS: &str =
    "seq, at, actor, round_id, community_code, action, before_json, after_json, prev_hash, hash";

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: &'static str,
}

impl Store {
    pub async fn record(&self, event: &AuditEvent<'_>) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let seq = append(&mut tx, self.backend(), event).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// A community's trail, oldest first.
    pub async fn audit_for_community(&self, community_code: &str) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE community_code = $1 ORDER BY seq"
        ))
        .bind(community_code)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_row).collect()
    }

    /// Recomputes every hash; the first row that does not match is reported.
    pub async fn verify_audit(&self) -> Result<Option<ChainBreak>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"))
            .fetch_all(self.pool())
            .await?;
        let mut prev = GENESIS.to_string();
        for (expected_seq, row) in (1..).zip(rows.iter()) {
            let r = audit_row(row)?;
            if r.seq != expected_seq {
                return Ok(Some(ChainBreak {
                    seq: r.seq,
                    reason: "a row is missing before this one",
                }));
            }
            if r.prev_hash != prev {
                return Ok(Some(ChainBreak {
                    seq: r.seq,
                    reason: "does not chain onto the previous row",
                }));
            }
            let event = AuditEvent {
                at: r.at,
                actor: &r.actor,
                round_id: r.round_id.as_deref(),
                community_code: r.community_code.as_deref(),
                action: &r.action,
                before: r.before.clone(),
                after: r.after.clone(),
            };
            let hash = row_hash(&r.prev_hash, r.seq, &event);
            if hash != r.hash {
                return Ok(Some(ChainBreak {
                    seq: r.seq,
                    reason: "its content was changed",
                }));
            }
            prev = r.hash;
        }
        Ok(None)
    }
}
