//! Answer sheets: the declaration's self-assessment and each assessor's scores, with the
//! per-sheet version their forms carry.

use serde::Serialize;
use sqlx::AnyConnection;
use xingfu_core::workflow::Stage;

use crate::audit::{AuditEvent, append};
use crate::{Result, Store};

use super::{By, ENTRY_SELECT, EntryRow, fetch_entry};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AnswerRow {
    pub sheet: String,
    pub clause_id: String,
    /// JSON: `{"met": true}` or `{"number": 12.5}`, optionally with `"note"`.
    pub answer: String,
    pub updated_at: i64,
    pub updated_by: String,
    /// The version of its sheet that wrote this answer.
    pub sheet_version: i64,
}

/// The version a sheet form carries. It is per sheet, not the entry's: two people saving the
/// same sheet (two workers on the declaration, one assessor in two tabs) must conflict, while
/// two assessors each scoring their own sheet, or a workflow step on the entry, must not make
/// the other's open page stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SheetVersion {
    /// 0 until the sheet is first saved; one more with every save that changes an answer.
    pub version: i64,
    pub updated_at: Option<i64>,
    /// The username of who saved it last.
    pub updated_by: Option<String>,
}

/// Which sheet is written, by whom, and from what it was read, for [`Store::save_answers`].
#[derive(Debug, Clone, Copy)]
pub struct SheetWrite<'a> {
    pub round_id: &'a str,
    pub community: &'a str,
    /// `self` or the assessor's user id.
    pub sheet: &'a str,
    /// The entry stage at which this sheet takes answers (`declared` or `scoring`).
    pub open_at: &'a str,
    /// The sheet version the writer read; `None` writes whatever the version is now.
    pub expected_version: Option<i64>,
    pub by: By<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetSaved {
    /// Answers that differed from the stored ones and were written.
    pub changed: usize,
    /// The sheet's version after the save.
    pub version: SheetVersion,
}

/// Why nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetRefusal {
    /// The entry is no longer at the stage that takes this sheet: it is at this one.
    Stage(String),
    /// Someone saved the sheet after it was read.
    Stale(SheetVersion),
}

/// One answer as JSON for the audit trail (the stored answer is JSON already).
fn answer_event(clause: &str, sheet: &str, answer: &str) -> String {
    let answer: serde_json::Value =
        serde_json::from_str(answer).unwrap_or(serde_json::Value::String(answer.into()));
    serde_json::json!({ "clause": clause, "sheet": sheet, "answer": answer }).to_string()
}

async fn sheet_version_in(
    conn: &mut AnyConnection,
    round_id: &str,
    community: &str,
    sheet: &str,
) -> Result<SheetVersion> {
    let row = sqlx::query_as(
        "SELECT version, updated_at, updated_by FROM sheet_versions
         WHERE round_id = $1 AND community_code = $2 AND sheet = $3",
    )
    .bind(round_id)
    .bind(community)
    .bind(sheet)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.unwrap_or(SheetVersion {
        version: 0,
        updated_at: None,
        updated_by: None,
    }))
}

impl Store {
    /// Writes answers of one sheet; each changed clause is audited with its old and new answer.
    ///
    /// The stage check and the version check happen inside the write transaction: the entry row
    /// is updated first, conditionally on its stage, which locks it (PostgreSQL) or holds the
    /// write lock (SQLite) until commit. So no answer lands once a workflow step has moved the
    /// entry on, and every save raises the entry's version too — a step that read the answers
    /// before this save (compute, the eligibility check) is refused instead of storing a result
    /// the answers no longer give. The sheet's own version is what a form carries (see
    /// [`SheetVersion`]).
    pub async fn save_answers(
        &self,
        write: &SheetWrite<'_>,
        answers: &[(String, String)],
    ) -> Result<std::result::Result<SheetSaved, SheetRefusal>> {
        let SheetWrite {
            round_id,
            community,
            sheet,
            open_at,
            expected_version,
            by,
        } = *write;
        let mut tx = self.write_tx().await?;
        let held = sqlx::query(
            "UPDATE entries SET version = version + 1
             WHERE round_id = $1 AND community_code = $2 AND stage = $3",
        )
        .bind(round_id)
        .bind(community)
        .bind(open_at)
        .execute(&mut *tx)
        .await?;
        if held.rows_affected() != 1 {
            let Some(entry) = fetch_entry(&mut tx, round_id, community).await? else {
                return Err(sqlx::Error::RowNotFound.into());
            };
            return Ok(Err(SheetRefusal::Stage(entry.stage.key().to_string())));
        }
        let current = sheet_version_in(&mut tx, round_id, community, sheet).await?;
        if expected_version.is_some_and(|expected| expected != current.version) {
            return Ok(Err(SheetRefusal::Stale(current)));
        }
        let next = current.version + 1;
        let mut changed = 0;
        for (clause, answer) in answers {
            let old: Option<String> = sqlx::query_scalar(
                "SELECT answer FROM answers WHERE round_id = $1 AND community_code = $2 AND sheet = $3 AND clause_id = $4",
            )
            .bind(round_id)
            .bind(community)
            .bind(sheet)
            .bind(clause)
            .fetch_optional(&mut *tx)
            .await?;
            if old.as_deref() == Some(answer.as_str()) {
                continue;
            }
            sqlx::query(
                "INSERT INTO answers (round_id, community_code, sheet, clause_id, answer, updated_at, updated_by, sheet_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (round_id, community_code, sheet, clause_id)
                 DO UPDATE SET answer = excluded.answer, updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by, sheet_version = excluded.sheet_version",
            )
            .bind(round_id)
            .bind(community)
            .bind(sheet)
            .bind(clause)
            .bind(answer)
            .bind(by.at)
            .bind(by.actor)
            .bind(next)
            .execute(&mut *tx)
            .await?;
            let action = if sheet == "self" {
                "self_assess"
            } else {
                "score"
            };
            append(
                &mut tx,
                self.audit_chain(),
                &AuditEvent {
                    round_id: Some(round_id),
                    community_code: Some(community),
                    before: old.map(|o| answer_event(clause, sheet, &o)),
                    after: Some(answer_event(clause, sheet, answer)),
                    ..by.event(action)
                },
            )
            .await?;
            changed += 1;
        }
        if changed == 0 {
            // Nothing new: neither version moves (the transaction is dropped, so rolled back).
            return Ok(Ok(SheetSaved {
                changed,
                version: current,
            }));
        }
        sqlx::query(
            "INSERT INTO sheet_versions (round_id, community_code, sheet, version, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (round_id, community_code, sheet)
             DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
                updated_by = excluded.updated_by",
        )
        .bind(round_id)
        .bind(community)
        .bind(sheet)
        .bind(next)
        .bind(by.at)
        .bind(by.actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(SheetSaved {
            changed,
            version: SheetVersion {
                version: next,
                updated_at: Some(by.at),
                updated_by: Some(by.actor.to_string()),
            },
        }))
    }

    /// A sheet's version now, with who last saved it (version 0: never saved).
    pub async fn sheet_version(
        &self,
        round_id: &str,
        community: &str,
        sheet: &str,
    ) -> Result<SheetVersion> {
        let mut conn = self.pool().acquire().await?;
        sheet_version_in(&mut conn, round_id, community, sheet).await
    }

    /// Every answer for an entry, all sheets.
    pub async fn answers(&self, round_id: &str, community: &str) -> Result<Vec<AnswerRow>> {
        Ok(sqlx::query_as(
            "SELECT sheet, clause_id, answer, updated_at, updated_by, sheet_version FROM answers
             WHERE round_id = $1 AND community_code = $2 ORDER BY sheet, clause_id",
        )
        .bind(round_id)
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }

    /// A round's entries at `stage` inside the subtree with `prefix` on which `sheet` has never
    /// been saved (an assessor's sheets still to score): read by stage, the sheet an anti-join.
    pub async fn entries_without_sheet(
        &self,
        round_id: &str,
        prefix: &str,
        stage: Stage,
        sheet: &str,
    ) -> Result<Vec<EntryRow>> {
        let (low, high) = crate::code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "{ENTRY_SELECT} WHERE e.round_id = $1 AND e.community_code BETWEEN $2 AND $3
             AND e.stage = $4 AND NOT EXISTS (SELECT 1 FROM sheet_versions v
                WHERE v.round_id = e.round_id AND v.community_code = e.community_code
                AND v.sheet = $5)
             ORDER BY e.community_code"
        ))
        .bind(round_id)
        .bind(low)
        .bind(high)
        .bind(stage.key())
        .bind(sheet)
        .fetch_all(self.pool())
        .await?)
    }
}
