//! Rounds, entries (one community in one round), answer sheets, rewards and rectifications.
//! Every change that matters is written together with its audit row, in one transaction.
//!
//! This module keeps rounds, entries and their workflow steps; answer sheets are in `sheets`,
//! rectification tasks in `rectifications`.

mod rectifications;
mod sheets;

pub use rectifications::{RectificationRow, TaskAt};
pub use sheets::{AnswerRow, SheetRefusal, SheetSaved, SheetVersion, SheetWrite};

use serde::Serialize;
use sqlx::AnyConnection;
use xingfu_core::workflow::Stage;

use crate::audit::{AuditEvent, append};
use crate::{Result, Store, new_id, or_duplicate};

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
    #[sqlx(try_from = "String")]
    pub stage: Stage,
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
    /// The 审批意见 of the latest send-back (退回), if the result was ever sent back.
    pub return_note: Option<String>,
    pub version: i64,
}

/// The fields a workflow step sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntryChange {
    pub stage: Option<Stage>,
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
    pub return_note: Option<String>,
    /// What each government level owes for the reward, replacing the entry's earlier shares; written
    /// in the same transaction as the entry so the budget never disagrees with the result.
    pub reward_shares: Option<Vec<(String, i64)>>,
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

/// Who makes a change, and when (Unix milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub actor: &'a str,
    pub at: i64,
}

impl<'a> By<'a> {
    /// An audit event of `action` by this actor at this time; the caller adds the rest.
    pub(crate) fn event(self, action: &'a str) -> AuditEvent<'a> {
        AuditEvent {
            at: self.at,
            actor: self.actor,
            action,
            ..AuditEvent::default()
        }
    }
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
        e.reward_basis, e.return_note, e.version
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

/// The result fields of an entry, as JSON, for the audit trail.
fn result_json(entry: &EntryRow) -> String {
    let mut value = serde_json::json!({
        "stage": entry.stage,
        "total": entry.total,
        "star": entry.star,
        "star_by_score": entry.star_by_score,
        "decision": entry.decision,
        "vetoed_by": entry.vetoed_by,
        "approved_by": entry.approved_by,
        "reward_fen": entry.reward_fen,
    });
    // Only rows written since 退回 existed carry a note, and only when there is one.
    if let Some(note) = &entry.return_note {
        value["return_note"] = serde_json::json!(note);
    }
    value.to_string()
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
            return_note = COALESCE($16, return_note), version = version + 1
         WHERE round_id = $17 AND community_code = $18 AND version = $19",
    )
    .bind(change.stage.map(Stage::key))
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
    .bind(change.return_note.as_deref())
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
            round_id: Some(round_id),
            community_code: Some(community),
            before: Some(result_json(&before)),
            after: Some(result_json(&after)),
            ..by.event(action)
        },
    )
    .await?;
    Ok(Ok(after))
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

/// How many of a round's entries (in an area) stand at one stage, and how many of those have a star.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct StageCount {
    #[sqlx(try_from = "String")]
    pub stage: Stage,
    #[sqlx(rename = "n")]
    pub entries: i64,
    pub starred: Option<i64>,
}

/// A round's entries (in an area) counted by stage, from [`Store::stage_counts`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageCounts(Vec<StageCount>);

impl StageCounts {
    /// Entries at `stage`.
    pub fn at(&self, stage: Stage) -> i64 {
        self.0
            .iter()
            .filter(|c| c.stage == stage)
            .map(|c| c.entries)
            .sum()
    }

    /// Entries with a star at `stage`.
    pub fn starred_at(&self, stage: Stage) -> i64 {
        self.0
            .iter()
            .filter(|c| c.stage == stage)
            .filter_map(|c| c.starred)
            .sum()
    }

    /// Entries at every stage.
    pub fn total(&self) -> i64 {
        self.0.iter().map(|c| c.entries).sum()
    }

    /// Entries with a star at every stage.
    pub fn starred(&self) -> i64 {
        self.0.iter().filter_map(|c| c.starred).sum()
    }

    /// The stages that have entries, in the workflow's order.
    pub fn stages(&self) -> impl Iterator<Item = Stage> + '_ {
        Stage::ALL.into_iter().filter(|&stage| self.at(stage) > 0)
    }
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
        or_duplicate(
            inserted,
            "round",
            format!("{} {} {}", new.year, new.region_code, new.standard_id),
        )?;
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
        self.row_where(
            &format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"),
            id,
        )
        .await
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
        or_duplicate(inserted, "declaration", community.to_string())?;
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
        self.rows_where(
            &format!("{ENTRY_SELECT} WHERE e.round_id = $1 ORDER BY e.community_code"),
            round_id,
        )
        .await
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
        stages: &[Stage],
    ) -> Result<Vec<EntryRow>> {
        self.entries_at_stages_page(round_id, prefix, stages, 0, i64::MAX)
            .await
    }

    /// One page of [`Store::entries_at_stages`]: at most `limit` after skipping `offset`.
    pub async fn entries_at_stages_page(
        &self,
        round_id: &str,
        prefix: &str,
        stages: &[Stage],
        offset: i64,
        limit: i64,
    ) -> Result<Vec<EntryRow>> {
        if stages.is_empty() {
            return Ok(Vec::new());
        }
        let (low, high) = crate::code_range(prefix);
        let sql = format!(
            "{ENTRY_SELECT} WHERE e.round_id = $1 AND e.community_code BETWEEN $2 AND $3
             AND e.stage IN ({}) ORDER BY e.community_code LIMIT ${} OFFSET ${}",
            crate::sql::bind_list(4, stages.len()),
            4 + stages.len(),
            5 + stages.len()
        );
        let mut query = sqlx::query_as(&sql).bind(round_id).bind(low).bind(high);
        for stage in stages {
            query = query.bind(stage.key());
        }
        Ok(query
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?)
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
    pub async fn stage_counts(&self, round_id: &str, prefix: &str) -> Result<StageCounts> {
        let rows: Vec<StageCount> = sqlx::query_as(
            "SELECT stage, COUNT(*) AS n, CAST(SUM(CASE WHEN star > 0 THEN 1 ELSE 0 END) AS BIGINT) AS starred
             FROM entries WHERE round_id = $1 AND community_code BETWEEN $2 AND $3 GROUP BY stage",
        )
        .bind(round_id)
        .bind(crate::code_range(prefix).0)
        .bind(crate::code_range(prefix).1)
        .fetch_all(self.pool())
        .await?;
        Ok(StageCounts(rows))
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
}
