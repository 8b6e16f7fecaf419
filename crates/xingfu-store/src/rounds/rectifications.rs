//! Rectification tasks opened for clauses an entry fell short on, and their steps.

use serde::Serialize;
use sqlx::AnyConnection;
use xingfu_core::rectification::RectificationStatus;

use crate::audit::{AuditEvent, append};
use crate::{Result, Store, new_id};

use super::{By, Conflict};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RectificationRow {
    pub id: String,
    pub round_id: String,
    pub community_code: String,
    pub clause_id: String,
    pub owner: String,
    pub deadline: i64,
    #[sqlx(try_from = "String")]
    pub status: RectificationStatus,
    pub report: Option<String>,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
    pub created_at: i64,
    /// Rises with every step: what a page's buttons carry, so a verifier never verifies a
    /// report submitted again after the page was read.
    pub version: i64,
}

/// Where a rectification task must still be for a step to apply: its status and version.
#[derive(Debug, Clone, Copy)]
pub struct TaskAt {
    pub status: RectificationStatus,
    pub version: i64,
}

const RECTIFICATION_COLUMNS: &str = "id, round_id, community_code, clause_id, owner, deadline, status, report, verified_by, verified_at, created_at, version";

/// A task with its community's name.
#[derive(sqlx::FromRow)]
struct NamedTask {
    #[sqlx(flatten)]
    task: RectificationRow,
    community_name: String,
}

async fn fetch_rectification(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<RectificationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RECTIFICATION_COLUMNS} FROM rectifications WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

impl Store {
    /// Opens a rectification task for each clause (skipping clauses that already have one).
    pub async fn open_rectifications(
        &self,
        round_id: &str,
        community: &str,
        clauses: &[String],
        owner: &str,
        deadline: i64,
        now: i64,
    ) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        let mut opened = 0;
        for clause in clauses {
            let done = sqlx::query(
                "INSERT INTO rectifications (id, round_id, community_code, clause_id, owner, deadline, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)
                 ON CONFLICT (round_id, community_code, clause_id) DO NOTHING",
            )
            .bind(new_id())
            .bind(round_id)
            .bind(community)
            .bind(clause)
            .bind(owner)
            .bind(deadline)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            opened += done.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(opened)
    }

    pub async fn rectifications(
        &self,
        round_id: &str,
        community: Option<&str>,
    ) -> Result<Vec<RectificationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {RECTIFICATION_COLUMNS} FROM rectifications
             WHERE round_id = $1 AND ($2 = '' OR community_code = $2)
             ORDER BY community_code, clause_id"
        ))
        .bind(round_id)
        .bind(community.unwrap_or(""))
        .fetch_all(self.pool())
        .await?)
    }

    /// A round's rectification tasks inside the subtree with `prefix`, each with its community's
    /// name, by community and clause.
    pub async fn rectifications_in_area(
        &self,
        round_id: &str,
        prefix: &str,
    ) -> Result<Vec<(RectificationRow, String)>> {
        self.rectifications_at(round_id, prefix, &[]).await
    }

    /// [`Store::rectifications_in_area`] at one of `statuses` only (none: every status): a work
    /// list read by status, not the area's whole history.
    pub async fn rectifications_at(
        &self,
        round_id: &str,
        prefix: &str,
        statuses: &[&str],
    ) -> Result<Vec<(RectificationRow, String)>> {
        let (low, high) = crate::code_range(prefix);
        let columns: Vec<String> = RECTIFICATION_COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect();
        let by_status = if statuses.is_empty() {
            String::new()
        } else {
            format!(
                " AND r.status IN ({})",
                crate::sql::bind_list(4, statuses.len())
            )
        };
        let sql = format!(
            "SELECT {}, c.name AS community_name FROM rectifications r
             JOIN regions c ON c.code = r.community_code
             WHERE r.round_id = $1 AND r.community_code BETWEEN $2 AND $3{by_status}
             ORDER BY r.community_code, r.clause_id",
            columns.join(", ")
        );
        let mut query = sqlx::query_as(&sql).bind(round_id).bind(low).bind(high);
        for status in statuses {
            query = query.bind(*status);
        }
        let rows: Vec<NamedTask> = query.fetch_all(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.task, r.community_name))
            .collect())
    }

    /// One rectification task.
    pub async fn rectification(&self, id: &str) -> Result<Option<RectificationRow>> {
        let mut conn = self.pool().acquire().await?;
        fetch_rectification(&mut conn, id).await
    }

    /// Moves a rectification task from `from` to `to` (`submitted` with a report, `verified` or
    /// `reopened` by a verifier), audited in the same transaction. If the task is no longer at
    /// `from` (its status and version) — another verifier was quicker, or the report was sent
    /// back and submitted again since the page was read — nothing is written and [`Conflict`]
    /// is returned.
    pub async fn update_rectification(
        &self,
        id: &str,
        from: TaskAt,
        to: RectificationStatus,
        report: Option<&str>,
        verifier: Option<&str>,
        by: By<'_>,
    ) -> Result<std::result::Result<RectificationRow, Conflict>> {
        let mut tx = self.write_tx().await?;
        let Some(before) = fetch_rectification(&mut tx, id).await? else {
            return Err(sqlx::Error::RowNotFound.into());
        };
        let done = sqlx::query(
            "UPDATE rectifications SET status = $1, report = COALESCE($2, report),
                    verified_by = COALESCE($3, verified_by),
                    verified_at = CASE WHEN $3 IS NULL THEN verified_at ELSE $4 END,
                    version = version + 1
             WHERE id = $5 AND status = $6 AND version = $7",
        )
        .bind(to.key())
        .bind(report)
        .bind(verifier)
        .bind(by.at)
        .bind(id)
        .bind(from.status.key())
        .bind(from.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(Err(Conflict));
        }
        let after = fetch_rectification(&mut tx, id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        let task_json = |t: &RectificationRow| {
            serde_json::json!({
                "rectification": t.id, "clause": t.clause_id, "status": t.status,
                "report": t.report, "verified_by": t.verified_by,
            })
            .to_string()
        };
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                round_id: Some(&after.round_id),
                community_code: Some(&after.community_code),
                before: Some(task_json(&before)),
                after: Some(task_json(&after)),
                ..by.event("rectification")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(after))
    }
}
