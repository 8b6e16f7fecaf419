//! Recording households' answers in batches, and reading them back.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use sqlx::{AnyConnection, Row};
use xingfu_core::survey::fraud::{FraudParams, HoldSignal};
use xingfu_core::survey::household::{Admission, Recorded as Earlier, Refusal, admit};
use xingfu_core::survey::status::AnswerStatus;
use xingfu_core::workflow::Stage;

use crate::sql::{bind_list, placeholders};
use crate::{Result, Store, code_range};

use super::review::holds_in_batch;
use super::tallies::{Counts, add_to_review_counts, add_to_tallies, count_into};
use super::{entry_stages, stage_takes_answers};

/// Answers per INSERT: 18 parameters each, well under both databases' limits.
const ANSWER_ROWS: usize = 100;

/// One household's answers, ready to store. The hashes are made by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSurveyAnswer {
    pub id: String,
    pub round_id: String,
    pub community_code: String,
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    /// HMAC of the normalised household identifier (hex).
    pub household: String,
    pub client_token: String,
    /// A [`xingfu_core::survey::Channel`] key.
    pub channel: String,
    pub entered_by: Option<String>,
    /// HMAC of the sender's network address (hex).
    pub source: Option<String>,
    /// (latitude, longitude) in millionths of a degree, WGS-84.
    pub location_e6: Option<(i64, i64)>,
    pub pattern: String,
    /// JSON of the answers.
    pub answers: String,
    /// Counter names this answer adds one to ([`xingfu_core::survey::CounterKey`] text).
    pub increments: Vec<String>,
    pub at: i64,
    /// Signals the caller found at arrival (a location outside the community): the answer is
    /// stored held. The batch adds bursts and identical answers itself.
    pub hold: BTreeSet<HoldSignal>,
}

/// What became of one answer in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RecordOutcome {
    /// Stored and counted.
    Accepted,
    /// Stored and held for review (待核实): not counted until a district officer accepts it.
    Held,
    /// The same form was stored before: nothing new is stored or counted.
    AlreadyRecorded,
    Refused {
        reason: Refusal,
    },
    /// The community's result is computed (or further on): its survey takes no more answers.
    Closed {
        stage: Stage,
    },
}

/// Stored answers as the fraud signals read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SurveyAnswerMeta {
    pub id: String,
    pub community_code: String,
    pub at: i64,
    pub channel: String,
    pub source: Option<String>,
    #[sqlx(flatten, try_from = "LatLon")]
    pub location_e6: Option<(i64, i64)>,
    pub pattern: String,
}

/// A stored answer in full (for recounts and exports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SurveyAnswerRow {
    pub id: String,
    pub community_code: String,
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    pub household: String,
    pub client_token: String,
    pub channel: String,
    pub entered_by: Option<String>,
    pub answers: String,
    pub at: i64,
    #[sqlx(try_from = "String")]
    pub status: AnswerStatus,
}

fn as_recorded(pair: &(String, String)) -> Earlier<'_> {
    Earlier {
        household: &pair.0,
        client_token: &pair.1,
    }
}

/// The location columns of an answer: both or neither.
#[derive(sqlx::FromRow)]
struct LatLon {
    lat_e6: Option<i64>,
    lon_e6: Option<i64>,
}

impl From<LatLon> for Option<(i64, i64)> {
    fn from(at: LatLon) -> Self {
        at.lat_e6.zip(at.lon_e6)
    }
}

const ANSWER_COLUMNS: &str = "id, round_id, community_code, questionnaire_id, questionnaire_version, household, client_token, channel, entered_by, source, lat_e6, lon_e6, pattern, answers, at, status, hold_signals, counters";

const ANSWER_COLUMN_COUNT: usize = 18;

/// Binds one answer's 18 columns, in [`ANSWER_COLUMNS`] order.
fn bind_answer<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    a: &'q NewSurveyAnswer,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&a.id)
        .bind(&a.round_id)
        .bind(&a.community_code)
        .bind(&a.questionnaire_id)
        .bind(&a.questionnaire_version)
        .bind(&a.household)
        .bind(&a.client_token)
        .bind(&a.channel)
        .bind(a.entered_by.as_deref())
        .bind(a.source.as_deref())
        .bind(a.location_e6.map(|(lat, _)| lat))
        .bind(a.location_e6.map(|(_, lon)| lon))
        .bind(&a.pattern)
        .bind(&a.answers)
        .bind(a.at)
        .bind(if a.hold.is_empty() {
            AnswerStatus::Counted.key()
        } else {
            AnswerStatus::Held.key()
        })
        .bind(HoldSignal::join(&a.hold))
        .bind(serde_json::to_string(&a.increments).unwrap_or_default())
}

/// The earlier answer of the round under this client token, and under this household.
async fn earlier(
    conn: &mut AnyConnection,
    answer: &NewSurveyAnswer,
) -> Result<(Option<(String, String)>, Option<(String, String)>)> {
    let by_token = sqlx::query_as(
        "SELECT household, client_token FROM survey_answers WHERE round_id = $1 AND client_token = $2",
    )
    .bind(&answer.round_id)
    .bind(&answer.client_token)
    .fetch_optional(&mut *conn)
    .await?;
    let by_household = sqlx::query_as(
        "SELECT household, client_token FROM survey_answers WHERE round_id = $1 AND household = $2",
    )
    .bind(&answer.round_id)
    .bind(&answer.household)
    .fetch_optional(&mut *conn)
    .await?;
    Ok((by_token, by_household))
}

/// Records a batch inside the caller's transaction; see [`Store::record_survey_answers`].
async fn record_in(
    conn: &mut AnyConnection,
    batch: &[NewSurveyAnswer],
) -> Result<Vec<RecordOutcome>> {
    let mut outcomes: Vec<Option<RecordOutcome>> = vec![None; batch.len()];

    // Communities whose result is computed take no more answers.
    let mut by_round: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for answer in batch {
        let communities = by_round.entry(&answer.round_id).or_default();
        if !communities.contains(&answer.community_code.as_str()) {
            communities.push(&answer.community_code);
        }
    }
    let mut closed: HashMap<(String, String), Stage> = HashMap::new();
    for (round, communities) in &by_round {
        for (community, stage) in entry_stages(conn, round, communities).await? {
            if !stage_takes_answers(stage) {
                closed.insert((round.to_string(), community), stage);
            }
        }
    }
    let mut open: Vec<usize> = Vec::with_capacity(batch.len());
    for (index, answer) in batch.iter().enumerate() {
        match closed.get(&(answer.round_id.clone(), answer.community_code.clone())) {
            Some(stage) => outcomes[index] = Some(RecordOutcome::Closed { stage: *stage }),
            None => open.push(index),
        }
    }
    // One order for every writer, so two servers inserting the same tokens wait rather than
    // deadlock.
    open.sort_by(|a, b| batch[*a].client_token.cmp(&batch[*b].client_token));

    let mut inserted: HashSet<String> = HashSet::new();
    for chunk in open.chunks(ANSWER_ROWS) {
        let sql = format!(
            "INSERT INTO survey_answers ({ANSWER_COLUMNS}) VALUES {}
             ON CONFLICT DO NOTHING RETURNING id",
            placeholders(chunk.len(), ANSWER_COLUMN_COUNT)
        );
        let mut query = sqlx::query(&sql);
        for index in chunk {
            query = bind_answer(query, &batch[*index]);
        }
        for row in query.fetch_all(&mut *conn).await? {
            inserted.insert(row.try_get("id")?);
        }
    }

    // Several answers of a batch may carry one client token (a double tap): the insert kept the
    // first, and only that one is new.
    let mut arrived: Vec<usize> = Vec::new();
    for index in open {
        let answer = &batch[index];
        if inserted.contains(&answer.id) {
            arrived.push(index);
            continue;
        }
        let (by_token, by_household) = earlier(conn, answer).await?;
        outcomes[index] = Some(
            match admit(
                &answer.household,
                by_token.as_ref().map(as_recorded),
                by_household.as_ref().map(as_recorded),
            ) {
                Admission::AlreadyRecorded => RecordOutcome::AlreadyRecorded,
                Admission::Refuse(reason) => RecordOutcome::Refused { reason },
                // The insert skipped it, so a row conflicting with it exists.
                Admission::Accept => {
                    return Err(sqlx::Error::Protocol(format!(
                        "survey answer {} was neither inserted nor in conflict",
                        answer.client_token
                    ))
                    .into());
                }
            },
        );
    }

    let mut counts = Counts::new();
    let mut reviews = Counts::new();
    let arrivals: Vec<&NewSurveyAnswer> = arrived.iter().map(|i| &batch[*i]).collect();
    let signals = holds_in_batch(
        conn,
        &arrivals,
        &FraudParams::default(),
        &mut counts,
        &mut reviews,
    )
    .await?;
    // Arrivals the look-back holds were inserted as counted (or held for fewer signals).
    let mut updates: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for index in arrived {
        let answer = &batch[index];
        let mut hold = answer.hold.clone();
        hold.extend(signals.get(&answer.id).into_iter().flatten());
        if hold.is_empty() {
            for counter in &answer.increments {
                count_into(
                    &mut counts,
                    &answer.round_id,
                    &answer.community_code,
                    counter,
                    1,
                );
            }
            outcomes[index] = Some(RecordOutcome::Accepted);
        } else {
            if hold != answer.hold {
                updates
                    .entry(HoldSignal::join(&hold))
                    .or_default()
                    .push(&answer.id);
            }
            count_into(
                &mut reviews,
                &answer.round_id,
                &answer.community_code,
                AnswerStatus::Held.key(),
                1,
            );
            outcomes[index] = Some(RecordOutcome::Held);
        }
    }
    for (joined, ids) in updates {
        for chunk in ids.chunks(400) {
            let sql = format!(
                "UPDATE survey_answers SET status = 'held', hold_signals = $1 WHERE id IN ({})",
                bind_list(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(&joined);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *conn).await?;
        }
    }
    add_to_review_counts(conn, &reviews).await?;
    add_to_tallies(conn, &counts).await?;
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or(RecordOutcome::AlreadyRecorded))
        .collect())
}

impl Store {
    /// Records a batch of answers in ONE transaction and returns what became of each, in batch
    /// order. Accepted answers are stored and their counters added to their community's tally in
    /// the same transaction; nothing is visible, and nothing should be acknowledged, before this
    /// returns `Ok`.
    pub async fn record_survey_answers(
        &self,
        batch: &[NewSurveyAnswer],
    ) -> Result<Vec<RecordOutcome>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.write_tx().await?;
        let outcomes = record_in(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// One answer in its own transaction with no checks and no tally: the database's raw insert
    /// rate into the same table, the ceiling the ingest benchmark compares with.
    pub async fn insert_survey_answer_raw(&self, answer: &NewSurveyAnswer) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let sql = format!(
            "INSERT INTO survey_answers ({ANSWER_COLUMNS}) VALUES {}",
            placeholders(1, ANSWER_COLUMN_COUNT)
        );
        bind_answer(sqlx::query(&sql), answer)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads many answers and their counters at once (benchmarks, imports): plain inserts in one
    /// transaction, no admission checks; the caller guarantees households and tokens are new.
    pub async fn bulk_survey_answers(&self, answers: &[NewSurveyAnswer]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for chunk in answers.chunks(ANSWER_ROWS) {
            let sql = format!(
                "INSERT INTO survey_answers ({ANSWER_COLUMNS}) VALUES {}",
                placeholders(chunk.len(), ANSWER_COLUMN_COUNT)
            );
            let mut query = sqlx::query(&sql);
            for answer in chunk {
                query = bind_answer(query, answer);
            }
            query.execute(&mut *tx).await?;
        }
        let (mut counts, mut reviews) = (Counts::new(), Counts::new());
        for answer in answers {
            let (round, community) = (&answer.round_id, &answer.community_code);
            if answer.hold.is_empty() {
                for counter in &answer.increments {
                    count_into(&mut counts, round, community, counter, 1);
                }
            } else {
                count_into(&mut reviews, round, community, AnswerStatus::Held.key(), 1);
            }
        }
        add_to_tallies(&mut tx, &counts).await?;
        add_to_review_counts(&mut tx, &reviews).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many answers the round holds under `prefix`.
    pub async fn count_survey_answers(&self, round_id: &str, prefix: &str) -> Result<i64> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) AS n FROM survey_answers
             WHERE round_id = $1 AND community_code BETWEEN $2 AND $3",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_one(self.pool())
        .await?)
    }

    /// What the fraud signals read about the answers under `prefix`, at most `limit` of them
    /// (oldest first); `None` when there are more than `limit`.
    pub async fn survey_answer_metas(
        &self,
        round_id: &str,
        prefix: &str,
        limit: i64,
    ) -> Result<Option<Vec<SurveyAnswerMeta>>> {
        let (low, high) = code_range(prefix);
        let rows: Vec<SurveyAnswerMeta> = sqlx::query_as(
            "SELECT id, community_code, at, channel, source, lat_e6, lon_e6, pattern
             FROM survey_answers WHERE round_id = $1 AND community_code BETWEEN $2 AND $3
             ORDER BY community_code, at, id LIMIT $4",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .bind(limit.saturating_add(1))
        .fetch_all(self.pool())
        .await?;
        Ok((rows.len() as i64 <= limit).then_some(rows))
    }

    /// A community's answers in full, oldest first (recounts, exports).
    pub async fn survey_answers_of(
        &self,
        round_id: &str,
        community: &str,
    ) -> Result<Vec<SurveyAnswerRow>> {
        Ok(sqlx::query_as(
            "SELECT id, community_code, questionnaire_id, questionnaire_version, household,
                    client_token, channel, entered_by, answers, at, status
             FROM survey_answers WHERE round_id = $1 AND community_code = $2 ORDER BY at, id",
        )
        .bind(round_id)
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }
}
