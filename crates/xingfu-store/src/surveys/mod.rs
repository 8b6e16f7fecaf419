//! Resident satisfaction surveys: a round's survey settings, the resident links, the answers with
//! their running tallies, community areas, and the server's hashing secret.
//!
//! Answers are written in batches ([`Store::record_survey_answers`]): one transaction takes many
//! households' answers, decides each with the core's one-answer-per-household rule
//! ([`xingfu_core::survey::household::admit`]) and adds the accepted ones' counters to the
//! community's tally rows, so the tally always equals a recount of the answers. Nothing in a batch
//! is acknowledged before the transaction commits.
//!
//! **Held answers (待核实).** An answer that trips a fraud signal is stored as `held`: not in the
//! tallies, so not in the rating. The caller marks what it knows at arrival (a location outside
//! the community); inside the batch's transaction [`xingfu_core::survey::fraud::holds_on_arrival`]
//! looks back at the community's answers from the same addresses and with the same answers, and
//! an arrival that completes a burst or a cluster holds the whole of it — earlier answers already
//! counted are moved to held and their counters taken out of the tallies in the same transaction.
//! A district officer then accepts a held answer (its counters added, once) or rejects it (never
//! counted); the decision is a guarded update (`… WHERE status = 'held'`), so two officers deciding
//! the same answer at once decide it once and the second is told it was already decided.
//!
//! Several app servers may write at once (PostgreSQL): an answer is inserted with
//! `ON CONFLICT DO NOTHING`, which waits for a concurrent insert of the same household or client
//! token to commit and then skips; only then is the existing row read to decide between "the same
//! form again" and "this household has answered".
//!
//! This module keeps a round's survey set-up (settings, links, areas, the hashing secret) and
//! whether a community still takes answers; recording answers is in `answers`, reviewing held
//! ones in `review`, the counts beside them in `tallies`.

mod answers;
mod review;
mod tallies;

pub use answers::{NewSurveyAnswer, RecordOutcome, SurveyAnswerMeta, SurveyAnswerRow};
pub use review::{ReviewAnswerRow, ReviewDecision, ReviewOutcome};
pub use tallies::ReviewCounts;

use std::collections::HashMap;

use serde::Serialize;
use sqlx::AnyConnection;
use xingfu_core::workflow::Stage;

use crate::audit::{AuditEvent, append};
use crate::rounds::By;
use crate::sql::bind_list;
use crate::{Result, Store};

/// The name of the secret households and network addresses are hashed with.
pub const SURVEY_SECRET: &str = "survey_hmac";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SurveySettingsRow {
    pub round_id: String,
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    /// The questionnaire file as loaded: answers are always read against this exact text.
    #[serde(skip)]
    pub questionnaire_body: String,
    /// Respondents each community needs before its survey clauses are scored from the survey.
    pub quota: i64,
    pub updated_at: i64,
    pub updated_by: String,
    /// Raised by every save; a form carries the version it was read at.
    pub version: i64,
    /// When the survey stops taking answers (milliseconds); `None`: no closing date.
    pub closes_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewSurveySettings<'a> {
    pub round_id: &'a str,
    pub questionnaire_id: &'a str,
    pub questionnaire_version: &'a str,
    pub questionnaire_body: &'a str,
    pub quota: i64,
    /// When the survey stops taking answers; `None`: no closing date.
    pub closes_at: Option<i64>,
    /// The version the form was read at (0: the round had no survey yet); `None` saves
    /// whatever is stored (the API without a version).
    pub read_at: Option<i64>,
}

/// What saving a round's survey settings did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsSaved {
    Saved(SurveySettingsRow),
    /// The round already has answers to another questionnaire version: tallies are per version,
    /// so the questionnaire stays (the quota may still change).
    QuestionnaireLocked {
        answers: i64,
    },
    /// The settings moved on since the form was read (they are `now`, or gone): nothing written.
    Stale(Option<Box<SurveySettingsRow>>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SurveyLinkRow {
    pub token: String,
    pub round_id: String,
    pub community_code: String,
    pub created_at: i64,
    pub created_by: String,
    /// Whom residents ask about the survey (a telephone number or a name), if given.
    pub contact: Option<String>,
}

/// May a community's survey still take answers, given its entry's stage? Until its result is
/// computed: a survey that changed after the computation would no longer agree with the stored
/// result. A community that has not declared (no entry) may be surveyed.
pub fn stage_takes_answers(stage: Stage) -> bool {
    matches!(stage, Stage::Declared | Stage::Refused | Stage::Scoring)
}

const SETTINGS_COLUMNS: &str = "round_id, questionnaire_id, questionnaire_version, questionnaire_body, quota, updated_at, updated_by, version, closes_at";

const LINK_COLUMNS: &str = "token, round_id, community_code, created_at, created_by, contact";

/// Stages of the entries of `communities` in `round`; communities without an entry are absent.
async fn entry_stages(
    conn: &mut AnyConnection,
    round: &str,
    communities: &[&str],
) -> Result<HashMap<String, Stage>> {
    let mut stages = HashMap::new();
    for chunk in communities.chunks(500) {
        let sql = format!(
            "SELECT community_code, stage FROM entries WHERE round_id = $1 AND community_code IN ({})",
            bind_list(2, chunk.len())
        );
        let mut query = sqlx::query_as(&sql).bind(round);
        for community in chunk {
            query = query.bind(*community);
        }
        let rows: Vec<(String, String)> = query.fetch_all(&mut *conn).await?;
        for (code, stage) in rows {
            if let Some(stage) = Stage::parse(&stage) {
                stages.insert(code, stage);
            }
        }
    }
    Ok(stages)
}

impl Store {
    /// The secret named `name` (hex), made on first use. Kept in the database so every server on
    /// it hashes alike; never shown.
    pub async fn server_secret(&self, name: &str, now: i64) -> Result<String> {
        if let Some(value) = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?
        {
            return Ok(value);
        }
        let bytes: [u8; 32] = rand::random();
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(hex::encode(bytes))
        .bind(now)
        .execute(self.pool())
        .await?;
        // Another server may have made it first: its value is the one.
        Ok(
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn survey_settings(&self, round_id: &str) -> Result<Option<SurveySettingsRow>> {
        self.row_where(
            &format!("SELECT {SETTINGS_COLUMNS} FROM survey_settings WHERE round_id = $1"),
            round_id,
        )
        .await
    }

    /// Sets a round's questionnaire and quota, with an audit row. The questionnaire cannot change
    /// once the round has answers to another version.
    pub async fn set_survey_settings(
        &self,
        new: &NewSurveySettings<'_>,
        by: By<'_>,
    ) -> Result<SettingsSaved> {
        let mut tx = self.write_tx().await?;
        let before: Option<SurveySettingsRow> = sqlx::query_as(&format!(
            "SELECT {SETTINGS_COLUMNS} FROM survey_settings WHERE round_id = $1"
        ))
        .bind(new.round_id)
        .fetch_optional(&mut *tx)
        .await?;
        let changes_questionnaire = before.as_ref().is_some_and(|b| {
            b.questionnaire_id != new.questionnaire_id
                || b.questionnaire_version != new.questionnaire_version
        });
        if changes_questionnaire {
            let answers: i64 =
                sqlx::query_scalar("SELECT COUNT(*) AS n FROM survey_answers WHERE round_id = $1")
                    .bind(new.round_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if answers > 0 {
                return Ok(SettingsSaved::QuestionnaireLocked { answers });
            }
        }
        // The version check is the upsert's own condition, so two saves cannot both pass it; a
        // form read before the survey existed (version 0) never overwrites one made since.
        let guard = if new.read_at.is_some() {
            " WHERE survey_settings.version = $9"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO survey_settings ({SETTINGS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)
             ON CONFLICT (round_id) DO UPDATE SET questionnaire_id = excluded.questionnaire_id,
                closes_at = excluded.closes_at,
                questionnaire_version = excluded.questionnaire_version,
                questionnaire_body = excluded.questionnaire_body, quota = excluded.quota,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by,
                version = survey_settings.version + 1{guard}"
        );
        let mut upsert = sqlx::query(&sql)
            .bind(new.round_id)
            .bind(new.questionnaire_id)
            .bind(new.questionnaire_version)
            .bind(new.questionnaire_body)
            .bind(new.quota)
            .bind(by.at)
            .bind(by.actor)
            .bind(new.closes_at);
        if let Some(version) = new.read_at {
            upsert = upsert.bind(version);
        }
        let written = upsert.execute(&mut *tx).await?.rows_affected();
        let now: Option<SurveySettingsRow> = sqlx::query_as(&format!(
            "SELECT {SETTINGS_COLUMNS} FROM survey_settings WHERE round_id = $1"
        ))
        .bind(new.round_id)
        .fetch_optional(&mut *tx)
        .await?;
        let saved = match now {
            Some(saved) if written == 1 => saved,
            now => return Ok(SettingsSaved::Stale(now.map(Box::new))),
        };
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                round_id: Some(new.round_id),
                before: before.map(|b| serde_json::to_string(&b).unwrap_or_default()),
                after: Some(serde_json::to_string(&saved).unwrap_or_default()),
                ..by.event("survey_settings")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(SettingsSaved::Saved(saved))
    }

    /// The community's resident link in the round, making it (with an audit row) if there is
    /// none; `token` is used only when a new link is made.
    pub async fn create_survey_link(
        &self,
        round_id: &str,
        community: &str,
        token: &str,
        by: By<'_>,
    ) -> Result<SurveyLinkRow> {
        if let Some(link) = self.survey_link_for(round_id, community).await? {
            return Ok(link);
        }
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO survey_links (token, round_id, community_code, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (round_id, community_code) DO NOTHING",
        )
        .bind(token)
        .bind(round_id)
        .bind(community)
        .bind(by.at)
        .bind(by.actor)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            append(
                &mut tx,
                self.audit_chain(),
                &AuditEvent {
                    round_id: Some(round_id),
                    community_code: Some(community),
                    after: Some(serde_json::json!({ "token": token }).to_string()),
                    ..by.event("survey_link")
                },
            )
            .await?;
        }
        let link = sqlx::query_as(&format!(
            "SELECT {LINK_COLUMNS} FROM survey_links WHERE round_id = $1 AND community_code = $2"
        ))
        .bind(round_id)
        .bind(community)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Sets (or, with `None`, clears) whom residents ask about the community's survey, with an
    /// audit row; `None` when the community has no link in the round.
    pub async fn set_survey_link_contact(
        &self,
        round_id: &str,
        community: &str,
        contact: Option<&str>,
        by: By<'_>,
    ) -> Result<Option<SurveyLinkRow>> {
        let mut tx = self.write_tx().await?;
        let before: Option<Option<String>> = sqlx::query_scalar(
            "SELECT contact FROM survey_links WHERE round_id = $1 AND community_code = $2",
        )
        .bind(round_id)
        .bind(community)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = before else {
            return Ok(None);
        };
        let after: SurveyLinkRow = sqlx::query_as(&format!(
            "UPDATE survey_links SET contact = $1 WHERE round_id = $2 AND community_code = $3
             RETURNING {LINK_COLUMNS}"
        ))
        .bind(contact)
        .bind(round_id)
        .bind(community)
        .fetch_one(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                round_id: Some(round_id),
                community_code: Some(community),
                before: Some(serde_json::json!({ "contact": before }).to_string()),
                after: Some(serde_json::json!({ "contact": contact }).to_string()),
                ..by.event("survey_link_contact")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(after))
    }

    pub async fn survey_link(&self, token: &str) -> Result<Option<SurveyLinkRow>> {
        self.row_where(
            &format!("SELECT {LINK_COLUMNS} FROM survey_links WHERE token = $1"),
            token,
        )
        .await
    }

    pub async fn survey_link_for(
        &self,
        round_id: &str,
        community: &str,
    ) -> Result<Option<SurveyLinkRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LINK_COLUMNS} FROM survey_links WHERE round_id = $1 AND community_code = $2"
        ))
        .bind(round_id)
        .bind(community)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A community's area for the outside-the-community signal (JSON), if one was set.
    pub async fn survey_area(&self, community: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT area FROM survey_areas WHERE community_code = $1")
                .bind(community)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Sets a community's area (JSON), with an audit row.
    pub async fn set_survey_area(&self, community: &str, area: &str, by: By<'_>) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT area FROM survey_areas WHERE community_code = $1")
                .bind(community)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO survey_areas (community_code, area, updated_at, updated_by)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (community_code) DO UPDATE SET area = excluded.area,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(community)
        .bind(area)
        .bind(by.at)
        .bind(by.actor)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                community_code: Some(community),
                before,
                after: Some(area.to_string()),
                ..by.event("survey_area")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
