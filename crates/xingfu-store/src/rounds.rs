//! Rounds, entries (one community in one round), answer sheets, rewards and rectifications.
//! Every change that matters is written together with its audit row, in one transaction.

use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{AuditEvent, append};
use crate::{Result, Store, StoreError, is_unique_violation, new_id};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RoundRow {
    pub id: String,
    pub year: i64,
    pub region_code: String,
    pub standard_id: String,
    pub standard_version: String,
    pub objection_days: i64,
    pub opened_at: i64,
    pub opened_by: String,
}

#[derive(Debug, Clone)]
pub struct NewRound<'a> {
    pub year: i64,
    pub region_code: &'a str,
    pub standard_id: &'a str,
    pub standard_version: &'a str,
    pub objection_days: i64,
}

/// One community in one round, with its computed result once there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EntryRow {
    pub round_id: String,
    pub community_code: String,
    pub community_name: String,
    pub street_code: Option<String>,
    pub street_name: Option<String>,
    pub stage: String,
    pub previous_star: i64,
    pub declared_at: i64,
    pub declared_by: String,
    pub total: Option<i64>,
    pub share: Option<i64>,
    pub star_by_score: Option<i64>,
    pub star: Option<i64>,
    pub decision: Option<String>,
    pub vetoed_by: Option<String>,
    pub refusal: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub published_at: Option<i64>,
    pub objection_until: Option<i64>,
    pub named_at: Option<i64>,
    pub reward_fen: Option<i64>,
    pub reward_basis: Option<String>,
    pub version: i64,
}

/// The fields a workflow step sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntryChange {
    pub stage: Option<String>,
    pub total: Option<i64>,
    pub share: Option<i64>,
    pub star_by_score: Option<i64>,
    pub star: Option<i64>,
    pub decision: Option<String>,
    pub vetoed_by: Option<String>,
    pub refusal: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub published_at: Option<i64>,
    pub objection_until: Option<i64>,
    pub named_at: Option<i64>,
    pub reward_fen: Option<i64>,
    pub reward_basis: Option<String>,
    /// What each government level owes for the reward, replacing the entry's earlier shares; written
    /// in the same transaction as the entry so the budget never disagrees with the result.
    pub reward_shares: Option<Vec<(String, i64)>>,
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RectificationRow {
    pub id: String,
    pub round_id: String,
    pub community_code: String,
    pub clause_id: String,
    pub owner: String,
    pub deadline: i64,
    pub status: String,
    pub report: Option<String>,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
    pub created_at: i64,
    /// Rises with every step: what a page's buttons carry, so a verifier never verifies a
    /// report submitted again after the page was read.
    pub version: i64,
}

/// A community that has not declared into a round yet (the declaration form's choices).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UndeclaredCommunity {
    pub code: String,
    pub name: String,
    pub street_name: Option<String>,
}

/// `text` for a LIKE pattern with `\` as the escape character: `%` and `_` match themselves.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where a rectification task must still be for a step to apply: its status and version.
#[derive(Debug, Clone, Copy)]
pub struct TaskAt<'a> {
    pub status: &'a str,
    pub version: i64,
}

/// Who makes a change, and when (Unix milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub actor: &'a str,
    pub at: i64,
}

/// Someone else changed the entry since it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict;

const ROUND_COLUMNS: &str =
    "id, year, region_code, standard_id, standard_version, objection_days, opened_at, opened_by";

const ENTRY_SELECT: &str = "SELECT e.round_id, e.community_code, c.name AS community_name,
        s.code AS street_code, s.name AS street_name, e.stage, e.previous_star, e.declared_at,
        e.declared_by, e.total, e.share, e.star_by_score, e.star, e.decision, e.vetoed_by, e.refusal,
        e.approved_by, e.approved_at, e.published_at, e.objection_until, e.named_at, e.reward_fen,
        e.reward_basis, e.version
    FROM entries e
    JOIN regions c ON c.code = e.community_code
    LEFT JOIN regions s ON s.code = c.parent";

async fn fetch_entry(
    conn: &mut AnyConnection,
    round_id: &str,
    community: &str,
) -> Result<Option<EntryRow>> {
    Ok(sqlx::query_as(&format!(
        "{ENTRY_SELECT} WHERE e.round_id = $1 AND e.community_code = $2"
    ))
    .bind(round_id)
    .bind(community)
    .fetch_optional(&mut *conn)
    .await?)
}

/// One answer as JSON for the audit trail (the stored answer is JSON already).
fn answer_event(clause: &str, sheet: &str, answer: &str) -> String {
    let answer: serde_json::Value =
        serde_json::from_str(answer).unwrap_or(serde_json::Value::String(answer.into()));
    serde_json::json!({ "clause": clause, "sheet": sheet, "answer": answer }).to_string()
}

/// The result fields of an entry, as JSON, for the audit trail.
fn result_json(entry: &EntryRow) -> String {
    serde_json::json!({
        "stage": entry.stage,
        "total": entry.total,
        "star": entry.star,
        "star_by_score": entry.star_by_score,
        "decision": entry.decision,
        "vetoed_by": entry.vetoed_by,
        "approved_by": entry.approved_by,
        "reward_fen": entry.reward_fen,
    })
    .to_string()
}

impl Store {
    /// Keeps the exact text of a standard version a round is run on.
    pub async fn save_standard(&self, id: &str, version: &str, body: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO standards (id, version, body, loaded_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id, version) DO NOTHING",
        )
        .bind(id)
        .bind(version)
        .bind(body)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn standard_body(&self, id: &str, version: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT body FROM standards WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(version)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn create_round(
        &self,
        new: &NewRound<'_>,
        actor: &str,
        now: i64,
    ) -> Result<RoundRow> {
        let round = RoundRow {
            id: new_id(),
            year: new.year,
            region_code: new.region_code.to_string(),
            standard_id: new.standard_id.to_string(),
            standard_version: new.standard_version.to_string(),
            objection_days: new.objection_days,
            opened_at: now,
            opened_by: actor.to_string(),
        };
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO rounds ({ROUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(&round.id)
        .bind(round.year)
        .bind(&round.region_code)
        .bind(&round.standard_id)
        .bind(&round.standard_version)
        .bind(round.objection_days)
        .bind(round.opened_at)
        .bind(&round.opened_by)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Duplicate {
                    what: "round",
                    key: format!("{} {} {}", new.year, new.region_code, new.standard_id),
                });
            }
            Err(e) => return Err(e.into()),
        }
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                round_id: Some(&round.id),
                action: "open_round",
                after: Some(serde_json::to_string(&round).unwrap_or_default()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(round)
    }

    pub async fn round(&self, id: &str) -> Result<Option<RoundRow>> {
        Ok(
            sqlx::query_as(&format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Rounds whose region overlaps the subtree with `prefix` (inside it, or containing it), newest first.
    pub async fn rounds_overlapping(&self, prefix: &str) -> Result<Vec<RoundRow>> {
        let rounds: Vec<RoundRow> = sqlx::query_as(&format!(
            "SELECT {ROUND_COLUMNS} FROM rounds ORDER BY year DESC, opened_at DESC"
        ))
        .fetch_all(self.pool())
        .await?;
        Ok(rounds
            .into_iter()
            .filter(|r| xingfu_core::region::overlaps(&r.region_code, prefix))
            .collect())
    }

    /// The round of the year before, on the same standard and region, if any.
    pub async fn previous_round(&self, round: &RoundRow) -> Result<Option<RoundRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ROUND_COLUMNS} FROM rounds WHERE region_code = $1 AND standard_id = $2 AND year < $3
             ORDER BY year DESC LIMIT 1"
        ))
        .bind(&round.region_code)
        .bind(&round.standard_id)
        .bind(round.year)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Declares a community into a round (申报).
    pub async fn declare(
        &self,
        round_id: &str,
        community: &str,
        previous_star: i64,
        actor: &str,
        now: i64,
    ) -> Result<EntryRow> {
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO entries (round_id, community_code, stage, previous_star, declared_at, declared_by, version)
             VALUES ($1, $2, 'declared', $3, $4, $5, 1)",
        )
        .bind(round_id)
        .bind(community)
        .bind(previous_star)
        .bind(now)
        .bind(actor)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Duplicate {
                    what: "declaration",
                    key: community.to_string(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        let entry = fetch_entry(&mut tx, round_id, community)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                round_id: Some(round_id),
                community_code: Some(community),
                action: "declare",
                after: Some(result_json(&entry)),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    pub async fn entry(&self, round_id: &str, community: &str) -> Result<Option<EntryRow>> {
        let mut conn = self.pool().acquire().await?;
        fetch_entry(&mut conn, round_id, community).await
    }

    pub async fn entries(&self, round_id: &str) -> Result<Vec<EntryRow>> {
        Ok(sqlx::query_as(&format!(
            "{ENTRY_SELECT} WHERE e.round_id = $1 ORDER BY e.community_code"
        ))
        .bind(round_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// One page of a round's entries inside the subtree with `prefix`, by community code.
    pub async fn entries_page(
        &self,
        round_id: &str,
        prefix: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<EntryRow>> {
        Ok(sqlx::query_as(&format!(
            "{ENTRY_SELECT} WHERE e.round_id = $1 AND e.community_code BETWEEN $2 AND $3
             ORDER BY e.community_code LIMIT $4 OFFSET $5"
        ))
        .bind(round_id)
        .bind(crate::code_range(prefix).0)
        .bind(crate::code_range(prefix).1)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?)
    }

    /// A round's entries inside the subtree with `prefix`, by community code: what a roll-up or
    /// an export of the user's area reads (never the rest of the round).
    pub async fn entries_in_area(&self, round_id: &str, prefix: &str) -> Result<Vec<EntryRow>> {
        let (low, high) = crate::code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "{ENTRY_SELECT} WHERE e.round_id = $1 AND e.community_code BETWEEN $2 AND $3
             ORDER BY e.community_code"
        ))
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// A round's entries at one of `stages` inside the subtree with `prefix`, by community code
    /// (a work queue: read through the `entries_stage` index, not the whole round).
    pub async fn entries_at_stages(
        &self,
        round_id: &str,
        prefix: &str,
        stages: &[&str],
    ) -> Result<Vec<EntryRow>> {
        if stages.is_empty() {
            return Ok(Vec::new());
        }
        let (low, high) = crate::code_range(prefix);
        let sql = format!(
            "{ENTRY_SELECT} WHERE e.round_id = $1 AND e.community_code BETWEEN $2 AND $3
             AND e.stage IN ({}) ORDER BY e.community_code",
            crate::sql::bind_list(4, stages.len())
        );
        let mut query = sqlx::query_as(&sql).bind(round_id).bind(low).bind(high);
        for stage in stages {
            query = query.bind(*stage);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// Communities inside the subtree with `prefix` that have not declared into the round, by
    /// code, at most `limit`; `find` (when not empty) keeps those whose name, street name or code
    /// contains it. An anti-join: the round's other entries are never read.
    pub async fn undeclared_communities(
        &self,
        round_id: &str,
        prefix: &str,
        find: &str,
        limit: i64,
    ) -> Result<Vec<UndeclaredCommunity>> {
        let (low, high) = crate::code_range(prefix);
        let pattern = format!("%{}%", escape_like(find.trim()));
        Ok(sqlx::query_as(
            "SELECT c.code, c.name, s.name AS street_name
             FROM regions c LEFT JOIN regions s ON s.code = c.parent
             WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.round_id = $1 AND e.community_code = c.code)
               AND c.level = 'community' AND c.code BETWEEN $2 AND $3
               AND ($4 = '' OR c.name LIKE $5 ESCAPE '\\' OR s.name LIKE $5 ESCAPE '\\' OR c.code LIKE $5 ESCAPE '\\')
             ORDER BY c.code LIMIT $6",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .bind(find.trim())
        .bind(pattern)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// How many communities inside the subtree with `prefix` have no entry in the round: two
    /// index counts, cheaper than the anti-join of [`Store::undeclared_communities`] when every
    /// community has declared (which that join must walk the whole area to find out).
    pub async fn undeclared_count(&self, round_id: &str, prefix: &str) -> Result<i64> {
        let (low, high) = crate::code_range(prefix);
        let undeclared: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM regions WHERE level = 'community' AND code BETWEEN $1 AND $2)
                  - (SELECT COUNT(*) FROM entries WHERE round_id = $3 AND community_code BETWEEN $1 AND $2)
                    AS n",
        )
        .bind(low)
        .bind(high)
        .bind(round_id)
        .fetch_one(self.pool())
        .await?;
        Ok(undeclared.max(0))
    }

    /// Entries per stage, with how many have a star, inside the subtree with `prefix`.
    pub async fn stage_counts(
        &self,
        round_id: &str,
        prefix: &str,
    ) -> Result<Vec<(String, i64, i64)>> {
        let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT stage, COUNT(*) AS n, CAST(SUM(CASE WHEN star > 0 THEN 1 ELSE 0 END) AS BIGINT) AS starred
             FROM entries WHERE round_id = $1 AND community_code BETWEEN $2 AND $3 GROUP BY stage",
        )
        .bind(round_id)
        .bind(crate::code_range(prefix).0)
        .bind(crate::code_range(prefix).1)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(stage, n, starred)| (stage, n, starred.unwrap_or(0)))
            .collect())
    }

    /// A community's entries in every round, newest first: its history.
    pub async fn history(&self, community: &str) -> Result<Vec<(RoundRow, EntryRow)>> {
        let entries: Vec<EntryRow> = sqlx::query_as(&format!(
            "{ENTRY_SELECT} WHERE e.community_code = $1 ORDER BY e.declared_at DESC"
        ))
        .bind(community)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            if let Some(round) = self.round(&entry.round_id).await? {
                out.push((round, entry));
            }
        }
        out.sort_by_key(|(round, _)| std::cmp::Reverse(round.year));
        Ok(out)
    }

    /// Applies a workflow step if nobody changed the entry since `expected_version` was read;
    /// the change and its audit row are written together or not at all.
    pub async fn update_entry(
        &self,
        round_id: &str,
        community: &str,
        expected_version: i64,
        change: &EntryChange,
        action: &str,
        by: By<'_>,
    ) -> Result<std::result::Result<EntryRow, Conflict>> {
        let mut tx = self.write_tx().await?;
        let outcome = change_entry(
            &mut tx,
            self.audit_chain(),
            EntryStep {
                round_id,
                community,
                expected_version,
                change,
                action,
                by,
            },
        )
        .await?;
        if outcome.is_ok() {
            tx.commit().await?;
        }
        Ok(outcome)
    }

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
            return Ok(Err(SheetRefusal::Stage(entry.stage)));
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
                    at: by.at,
                    actor: by.actor,
                    round_id: Some(round_id),
                    community_code: Some(community),
                    action,
                    before: old.map(|o| answer_event(clause, sheet, &o)),
                    after: Some(answer_event(clause, sheet, answer)),
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

    /// Replaces an entry's reward shares (what each level owes).
    pub async fn set_reward_shares(
        &self,
        round_id: &str,
        community: &str,
        shares: &[(String, i64)],
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        replace_reward_shares(&mut tx, round_id, community, shares).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What each level owes for a round, summed.
    pub async fn reward_budget(&self, round_id: &str) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT level, CAST(SUM(amount_fen) AS BIGINT) AS total FROM reward_shares WHERE round_id = $1 GROUP BY level ORDER BY level",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?)
    }

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
        let (low, high) = crate::code_range(prefix);
        let columns: Vec<String> = RECTIFICATION_COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect();
        let rows: Vec<NamedTask> = sqlx::query_as(&format!(
            "SELECT {}, c.name AS community_name FROM rectifications r
             JOIN regions c ON c.code = r.community_code
             WHERE r.round_id = $1 AND r.community_code BETWEEN $2 AND $3
             ORDER BY r.community_code, r.clause_id",
            columns.join(", ")
        ))
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?;
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
        from: TaskAt<'_>,
        to: &str,
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
        .bind(to)
        .bind(report)
        .bind(verifier)
        .bind(by.at)
        .bind(id)
        .bind(from.status)
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
                at: by.at,
                actor: by.actor,
                round_id: Some(&after.round_id),
                community_code: Some(&after.community_code),
                action: "rectification",
                before: Some(task_json(&before)),
                after: Some(task_json(&after)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(after))
    }
}

/// One workflow step on an entry, for [`change_entry`].
pub(crate) struct EntryStep<'a> {
    pub round_id: &'a str,
    pub community: &'a str,
    pub expected_version: i64,
    pub change: &'a EntryChange,
    pub action: &'a str,
    pub by: By<'a>,
}

/// Applies `step` inside the caller's transaction, with its audit row; [`Conflict`] (and nothing
/// written) when the entry's version moved on.
pub(crate) async fn change_entry(
    conn: &mut AnyConnection,
    chain: &crate::audit::AuditChain,
    step: EntryStep<'_>,
) -> Result<std::result::Result<EntryRow, Conflict>> {
    let EntryStep {
        round_id,
        community,
        expected_version,
        change,
        action,
        by,
    } = step;
    let Some(before) = fetch_entry(&mut *conn, round_id, community).await? else {
        return Err(sqlx::Error::RowNotFound.into());
    };
    if before.version != expected_version {
        return Ok(Err(Conflict));
    }
    let updated = sqlx::query(
        "UPDATE entries SET
            stage = COALESCE($1, stage), total = COALESCE($2, total), share = COALESCE($3, share),
            star_by_score = COALESCE($4, star_by_score), star = COALESCE($5, star),
            decision = COALESCE($6, decision), vetoed_by = COALESCE($7, vetoed_by),
            refusal = COALESCE($8, refusal), approved_by = COALESCE($9, approved_by),
            approved_at = COALESCE($10, approved_at), published_at = COALESCE($11, published_at),
            objection_until = COALESCE($12, objection_until), named_at = COALESCE($13, named_at),
            reward_fen = COALESCE($14, reward_fen), reward_basis = COALESCE($15, reward_basis),
            version = version + 1
         WHERE round_id = $16 AND community_code = $17 AND version = $18",
    )
    .bind(change.stage.as_deref())
    .bind(change.total)
    .bind(change.share)
    .bind(change.star_by_score)
    .bind(change.star)
    .bind(change.decision.as_deref())
    .bind(change.vetoed_by.as_deref())
    .bind(change.refusal.as_deref())
    .bind(change.approved_by.as_deref())
    .bind(change.approved_at)
    .bind(change.published_at)
    .bind(change.objection_until)
    .bind(change.named_at)
    .bind(change.reward_fen)
    .bind(change.reward_basis.as_deref())
    .bind(round_id)
    .bind(community)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(Err(Conflict));
    }
    if let Some(shares) = &change.reward_shares {
        replace_reward_shares(&mut *conn, round_id, community, shares).await?;
    }
    let after = fetch_entry(&mut *conn, round_id, community)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    append(
        &mut *conn,
        chain,
        &AuditEvent {
            at: by.at,
            actor: by.actor,
            round_id: Some(round_id),
            community_code: Some(community),
            action,
            before: Some(result_json(&before)),
            after: Some(result_json(&after)),
        },
    )
    .await?;
    Ok(Ok(after))
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

async fn replace_reward_shares(
    conn: &mut AnyConnection,
    round_id: &str,
    community: &str,
    shares: &[(String, i64)],
) -> Result<()> {
    sqlx::query("DELETE FROM reward_shares WHERE round_id = $1 AND community_code = $2")
        .bind(round_id)
        .bind(community)
        .execute(&mut *conn)
        .await?;
    for (level, amount) in shares {
        sqlx::query(
            "INSERT INTO reward_shares (round_id, community_code, level, amount_fen) VALUES ($1, $2, $3, $4)",
        )
        .bind(round_id)
        .bind(community)
        .bind(level)
        .bind(amount)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
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
