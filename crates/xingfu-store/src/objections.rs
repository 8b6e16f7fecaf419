//! Objections (异议) lodged while a result is published, and their decisions. Lodging and deciding
//! are audited; upholding an objection sends the entry back to scoring in the same transaction.

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;
use xingfu_core::workflow::{ObjectionStatus, Stage};

use crate::audit::{AuditEvent, append};
use crate::rounds::{By, Conflict, EntryChange, EntryRow, EntryStep, change_entry};
use crate::{Result, Store, new_id};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ObjectionRow {
    pub id: String,
    pub round_id: String,
    pub community_code: String,
    pub lodged_by: String,
    pub lodged_at: i64,
    pub text: String,
    /// `open`, `upheld` or `dismissed`.
    #[sqlx(try_from = "String")]
    pub status: ObjectionStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

/// How an open objection is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The objection stands. With `Some(version)` the published entry goes back to scoring (its
    /// version must still be the one the decider saw); with `None` it has already gone back.
    Upheld {
        entry_version: Option<i64>,
    },
    Dismissed,
}

const COLUMNS: &str = "id, round_id, community_code, lodged_by, lodged_at, text, status, decided_by, decided_at, decision_note";

async fn fetch(conn: &mut AnyConnection, id: &str) -> Result<Option<ObjectionRow>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM objections WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

fn audit_json(o: &ObjectionRow) -> String {
    json!({
        "objection": o.id, "status": o.status, "text": o.text,
        "decision_note": o.decision_note,
    })
    .to_string()
}

impl Store {
    /// Records an objection, audited.
    pub async fn lodge_objection(
        &self,
        round_id: &str,
        community: &str,
        text: &str,
        by: By<'_>,
    ) -> Result<ObjectionRow> {
        let mut tx = self.write_tx().await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO objections (id, round_id, community_code, lodged_by, lodged_at, text, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'open')",
        )
        .bind(&id)
        .bind(round_id)
        .bind(community)
        .bind(by.actor)
        .bind(by.at)
        .bind(text)
        .execute(&mut *tx)
        .await?;
        let row = fetch(&mut tx, &id).await?.ok_or(sqlx::Error::RowNotFound)?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                round_id: Some(round_id),
                community_code: Some(community),
                after: Some(audit_json(&row)),
                ..by.event("object")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn objection(&self, id: &str) -> Result<Option<ObjectionRow>> {
        let mut conn = self.pool().acquire().await?;
        fetch(&mut conn, id).await
    }

    /// An entry's objections, oldest first.
    pub async fn objections(&self, round_id: &str, community: &str) -> Result<Vec<ObjectionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM objections WHERE round_id = $1 AND community_code = $2
             ORDER BY lodged_at, id"
        ))
        .bind(round_id)
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }

    /// Undecided objections per community of a round.
    pub async fn open_objection_counts(&self, round_id: &str) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT community_code, COUNT(*) AS n FROM objections
             WHERE round_id = $1 AND status = 'open' GROUP BY community_code",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Undecided objections of a round inside the subtree with `prefix`, oldest first.
    pub async fn open_objections_in_area(
        &self,
        round_id: &str,
        prefix: &str,
    ) -> Result<Vec<ObjectionRow>> {
        let (low, high) = crate::code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM objections WHERE round_id = $1 AND status = 'open'
             AND community_code BETWEEN $2 AND $3 ORDER BY lodged_at, id"
        ))
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// Decides an open objection. Upholding moves the entry back to scoring in the same
    /// transaction. [`Conflict`] — and nothing written — when the objection was decided meanwhile
    /// or the entry moved on.
    pub async fn decide_objection(
        &self,
        id: &str,
        outcome: Outcome,
        note: &str,
        by: By<'_>,
    ) -> Result<std::result::Result<(ObjectionRow, Option<EntryRow>), Conflict>> {
        let mut tx = self.write_tx().await?;
        let Some(before) = fetch(&mut tx, id).await? else {
            return Err(sqlx::Error::RowNotFound.into());
        };
        let status = match outcome {
            Outcome::Upheld { .. } => ObjectionStatus::Upheld,
            Outcome::Dismissed => ObjectionStatus::Dismissed,
        };
        let done = sqlx::query(
            "UPDATE objections SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4
             WHERE id = $5 AND status = 'open'",
        )
        .bind(status.key())
        .bind(by.actor)
        .bind(by.at)
        .bind(note)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(Err(Conflict));
        }
        let after = fetch(&mut tx, id).await?.ok_or(sqlx::Error::RowNotFound)?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                round_id: Some(&after.round_id),
                community_code: Some(&after.community_code),
                before: Some(audit_json(&before)),
                after: Some(audit_json(&after)),
                ..by.event("decide_objection")
            },
        )
        .await?;
        let entry = match outcome {
            Outcome::Dismissed
            | Outcome::Upheld {
                entry_version: None,
            } => None,
            Outcome::Upheld {
                entry_version: Some(entry_version),
            } => {
                let back = EntryChange {
                    stage: Some(Stage::Scoring),
                    ..EntryChange::default()
                };
                let step = EntryStep {
                    round_id: &after.round_id,
                    community: &after.community_code,
                    expected_version: entry_version,
                    change: &back,
                    action: "uphold_objection",
                    by,
                };
                match change_entry(&mut tx, self.audit_chain(), step).await? {
                    Ok(entry) => Some(entry),
                    Err(conflict) => return Ok(Err(conflict)),
                }
            }
        };
        tx.commit().await?;
        Ok(Ok((after, entry)))
    }
}
