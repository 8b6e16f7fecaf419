//! The standard versions kept in the database: which there are, and adding a new one (an Excel
//! import) together with its audit row.
//!
//! A stored version is the exact text rounds run on, so it is never replaced: adding an
//! (id, version) that is already stored is answered with [`Imported::VersionTaken`] and changes
//! nothing, rather than being skipped silently.

use crate::audit::{AuditEvent, AuditRow, COLUMNS as AUDIT_COLUMNS, append};
use crate::{Result, Store, is_unique_violation};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The audit action written when a standard version is imported.
pub const IMPORT_ACTION: &str = "import_standard";

/// One stored standard version (its text is read with [`Store::standard_body`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredStandard {
    pub id: String,
    pub version: String,
    /// Unix milliseconds.
    pub loaded_at: i64,
}

/// A standard version to add.
#[derive(Debug, Clone)]
pub struct NewStandard<'a> {
    pub id: &'a str,
    pub version: &'a str,
    /// The standard file's text, as rounds on this version will read it.
    pub body: &'a str,
    /// How many clauses it has (recorded in the audit row).
    pub clauses: usize,
    /// The stored version it was made from, if any.
    pub based_on: Option<&'a str>,
}

/// What adding a standard version did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// Stored, with the audit row of this sequence number.
    Saved { audit_seq: i64 },
    /// That (id, version) is already stored; nothing was written.
    VersionTaken,
}

/// SHA-256 of a standard's text, as hex.
pub fn body_sha256(body: &str) -> String {
    hex::encode(Sha256::digest(body.as_bytes()))
}

impl Store {
    /// Every stored standard version, by id, then oldest first.
    pub async fn stored_standards(&self) -> Result<Vec<StoredStandard>> {
        Ok(sqlx::query_as(
            "SELECT id, version, loaded_at FROM standards ORDER BY id, loaded_at, version",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Adds a standard version and its audit row (`import_standard`: id, version, clause count,
    /// the text's SHA-256, the base version) in one transaction. An (id, version) already stored
    /// is refused with [`Imported::VersionTaken`] and nothing is written.
    pub async fn import_standard(
        &self,
        new: &NewStandard<'_>,
        actor: &str,
        now: i64,
    ) -> Result<Imported> {
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO standards (id, version, body, loaded_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(new.id)
        .bind(new.version)
        .bind(new.body)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // Dropping the transaction rolls it back.
            Err(e) if is_unique_violation(&e) => return Ok(Imported::VersionTaken),
            Err(e) => return Err(e.into()),
        }
        let after = serde_json::json!({
            "id": new.id,
            "version": new.version,
            "clauses": new.clauses,
            "sha256": body_sha256(new.body),
            "based_on": new.based_on,
        });
        let audit_seq = append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                round_id: None,
                community_code: None,
                action: IMPORT_ACTION,
                before: None,
                after: Some(after.to_string()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Imported::Saved { audit_seq })
    }

    /// The audit rows of every standard import, oldest first.
    pub async fn standard_imports(&self) -> Result<Vec<AuditRow>> {
        self.rows_where(
            &format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE action = $1 ORDER BY seq"),
            IMPORT_ACTION,
        )
        .await
    }
}
