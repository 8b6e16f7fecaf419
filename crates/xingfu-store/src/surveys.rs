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

use std::collections::{BTreeMap, HashMap, HashSet};

use std::collections::BTreeSet;

use serde::Serialize;
use sqlx::{AnyConnection, Row};
use xingfu_core::survey::Channel;
use xingfu_core::survey::fraud::{
    AnswerMeta, FraudParams, HoldSignal, holds_on_arrival, lookback_millis,
};
use xingfu_core::survey::household::{Admission, Recorded as Earlier, Refusal, admit};
use xingfu_core::workflow::Stage;

use crate::audit::{AuditEvent, append};
use crate::rounds::By;
use crate::sql::{bind_list, placeholders};
use crate::{Result, Store, code_range};

/// Answers per INSERT: 18 parameters each, well under both databases' limits.
const ANSWER_ROWS: usize = 100;
/// Tally rows per upsert.
const TALLY_ROWS: usize = 200;
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
}

#[derive(Debug, Clone)]
pub struct NewSurveySettings<'a> {
    pub round_id: &'a str,
    pub questionnaire_id: &'a str,
    pub questionnaire_version: &'a str,
    pub questionnaire_body: &'a str,
    pub quota: i64,
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
}

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
    /// `counted`, `held` or `rejected`.
    pub status: String,
}

/// A held or decided answer, as the 待核实 list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReviewAnswerRow {
    pub id: String,
    pub community_code: String,
    pub at: i64,
    pub channel: String,
    pub entered_by: Option<String>,
    /// HMAC of the sender's network address: equal values are one address.
    pub source: Option<String>,
    pub pattern: String,
    /// JSON of the answers.
    pub answers: String,
    pub status: String,
    /// Why it was held.
    #[sqlx(rename = "hold_signals", try_from = "HoldSignals")]
    pub signals: Vec<HoldSignal>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

/// A district officer's decision on held answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Counted from now on, once.
    Accept,
    /// Never counted.
    Reject,
}

impl ReviewDecision {
    pub fn key(self) -> &'static str {
        match self {
            ReviewDecision::Accept => "accept",
            ReviewDecision::Reject => "reject",
        }
    }

    pub fn parse(key: &str) -> Option<ReviewDecision> {
        [ReviewDecision::Accept, ReviewDecision::Reject]
            .into_iter()
            .find(|d| d.key() == key)
    }

    fn status(self) -> &'static str {
        match self {
            ReviewDecision::Accept => "counted",
            ReviewDecision::Reject => "rejected",
        }
    }
}

/// What deciding a set of held answers did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ReviewOutcome {
    /// Decided now, by this request.
    pub decided: Vec<String>,
    /// Not held any more (another officer decided first) or not held answers of this community:
    /// left as they are.
    pub stale: Vec<String>,
    /// Accepting was refused: the community's result is computed, so its tallies are final.
    pub closed: Option<Stage>,
}

/// Held and rejected answers of an area (counted ones are the tally's `respondents`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ReviewCounts {
    pub held: i64,
    pub rejected: i64,
}

/// May a community's survey still take answers, given its entry's stage? Until its result is
/// computed: a survey that changed after the computation would no longer agree with the stored
/// result. A community that has not declared (no entry) may be surveyed.
pub fn stage_takes_answers(stage: Stage) -> bool {
    matches!(stage, Stage::Declared | Stage::Refused | Stage::Scoring)
}

const SETTINGS_COLUMNS: &str = "round_id, questionnaire_id, questionnaire_version, questionnaire_body, quota, updated_at, updated_by, version";

const LINK_COLUMNS: &str = "token, round_id, community_code, created_at, created_by";

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

/// The `hold_signals` column, as [`HoldSignal::join`] wrote it.
#[derive(sqlx::Type)]
#[sqlx(transparent, no_pg_array)]
struct HoldSignals(String);

impl From<HoldSignals> for Vec<HoldSignal> {
    fn from(text: HoldSignals) -> Self {
        HoldSignal::split(&text.0).into_iter().collect()
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
        .bind(if a.hold.is_empty() { "counted" } else { "held" })
        .bind(HoldSignal::join(&a.hold))
        .bind(serde_json::to_string(&a.increments).unwrap_or_default())
}

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

/// Counts keyed by (round, community, counter or status).
type Counts = BTreeMap<(String, String, String), i64>;

fn count_into(counts: &mut Counts, round: &str, community: &str, key: &str, by: i64) {
    *counts
        .entry((round.to_string(), community.to_string(), key.to_string()))
        .or_insert(0) += by;
}

/// Adds counts to the rows of `table` keyed by (round, community, `key_column`), in key order (so
/// concurrent writers take row locks in one order). Negative counts take away.
async fn add_counts(
    conn: &mut AnyConnection,
    table: &str,
    key_column: &str,
    counts: &Counts,
) -> Result<()> {
    let rows: Vec<(&(String, String, String), &i64)> =
        counts.iter().filter(|(_, count)| **count != 0).collect();
    for chunk in rows.chunks(TALLY_ROWS) {
        let sql = format!(
            "INSERT INTO {table} (round_id, community_code, {key_column}, count) VALUES {}
             ON CONFLICT (round_id, community_code, {key_column})
             DO UPDATE SET count = {table}.count + excluded.count",
            placeholders(chunk.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for ((round, community, key), count) in chunk {
            query = query.bind(round).bind(community).bind(key).bind(**count);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn add_to_tallies(conn: &mut AnyConnection, counts: &Counts) -> Result<()> {
    add_counts(conn, "survey_tallies", "counter", counts).await
}

async fn add_to_review_counts(conn: &mut AnyConnection, counts: &Counts) -> Result<()> {
    add_counts(conn, "survey_review_counts", "status", counts).await
}

/// The counters an answer stored with (JSON array); none for answers stored before they were.
fn stored_counters(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// An earlier answer the look-back found, with what deciding to hold it needs.
struct Candidate {
    meta: AnswerMeta,
    community: String,
    /// Counted, not decided by an officer, and with its counters stored: may be moved to held.
    movable: bool,
}

const CANDIDATE_COLUMNS: &str =
    "id, community_code, at, channel, source, pattern, status, decided_at, counters";

/// A row of [`CANDIDATE_COLUMNS`].
#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: String,
    community_code: String,
    at: i64,
    channel: String,
    source: Option<String>,
    pattern: String,
    status: String,
    decided_at: Option<i64>,
    counters: String,
}

impl CandidateRow {
    /// `None` for a channel this server does not know.
    fn candidate(self) -> Option<Candidate> {
        Some(Candidate {
            meta: AnswerMeta {
                id: self.id,
                at_millis: self.at,
                channel: Channel::parse(&self.channel)?,
                source: self.source,
                location: None,
                pattern: self.pattern,
            },
            community: self.community_code,
            movable: self.status == "counted"
                && self.decided_at.is_none()
                && !self.counters.is_empty(),
        })
    }
}

/// Loads the round's answers from `at_least` on whose `column` is one of `values` (and, when
/// `communities` is not empty, in one of them), into `found` by id.
async fn load_candidates(
    conn: &mut AnyConnection,
    round: &str,
    column: &str,
    values: &[&str],
    communities: &[&str],
    at_least: i64,
    found: &mut BTreeMap<String, Candidate>,
) -> Result<()> {
    for chunk in values.chunks(400) {
        let in_communities = if communities.is_empty() {
            String::new()
        } else {
            format!(
                "AND community_code IN ({})",
                bind_list(3, communities.len())
            )
        };
        let sql = format!(
            "SELECT {CANDIDATE_COLUMNS} FROM survey_answers
             WHERE round_id = $1 AND at >= $2 {in_communities} AND {column} IN ({})",
            bind_list(3 + communities.len(), chunk.len())
        );
        let mut query = sqlx::query_as(&sql).bind(round).bind(at_least);
        for value in communities.iter().chain(chunk) {
            query = query.bind(*value);
        }
        let rows: Vec<CandidateRow> = query.fetch_all(&mut *conn).await?;
        for found_one in rows.into_iter().filter_map(CandidateRow::candidate) {
            found.insert(found_one.meta.id.clone(), found_one);
        }
    }
    Ok(())
}

/// The fraud signals at arrival, inside the batch's transaction: looks back at the community's
/// answers from the arrivals' addresses and with their answer patterns, decides with the core's
/// [`holds_on_arrival`], and moves earlier answers that were counted to held (guarded, so an
/// officer's decision or another writer's move is never undone), taking their counters out of
/// `tallies` and adding them to the held in `reviews`. Returns the signals of each arriving
/// answer to hold.
async fn holds_in_batch(
    conn: &mut AnyConnection,
    arrived: &[&NewSurveyAnswer],
    params: &FraudParams,
    tallies: &mut Counts,
    reviews: &mut Counts,
) -> Result<HashMap<String, BTreeSet<HoldSignal>>> {
    let mut arrived_held: HashMap<String, BTreeSet<HoldSignal>> = HashMap::new();
    let mut by_round: BTreeMap<&str, Vec<&NewSurveyAnswer>> = BTreeMap::new();
    for answer in arrived {
        by_round.entry(&answer.round_id).or_default().push(answer);
    }
    for (round, answers) in by_round {
        let earliest = answers.iter().map(|a| a.at).min().unwrap_or(0);
        let at_least =
            lookback_millis(params).map_or(i64::MIN, |back| earliest.saturating_sub(back));
        let sources: BTreeSet<&str> = answers
            .iter()
            .filter(|a| {
                params.burst_staff_entered
                    || !Channel::parse(&a.channel).is_some_and(Channel::staff_entered)
            })
            .filter_map(|a| a.source.as_deref())
            .collect();
        let patterns: BTreeSet<&str> = answers.iter().map(|a| a.pattern.as_str()).collect();
        let communities: BTreeSet<&str> =
            answers.iter().map(|a| a.community_code.as_str()).collect();
        let communities: Vec<&str> = communities.into_iter().collect();
        let mut found: BTreeMap<String, Candidate> = BTreeMap::new();
        let sources: Vec<&str> = sources.into_iter().collect();
        load_candidates(conn, round, "source", &sources, &[], at_least, &mut found).await?;
        let patterns: Vec<&str> = patterns.into_iter().collect();
        load_candidates(
            conn,
            round,
            "pattern",
            &patterns,
            &communities,
            at_least,
            &mut found,
        )
        .await?;

        let arriving: HashSet<&str> = answers.iter().map(|a| a.id.as_str()).collect();
        let mut moves: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for community in communities {
            let metas: Vec<AnswerMeta> = found
                .values()
                .filter(|c| c.community == community)
                .map(|c| c.meta.clone())
                .collect();
            for (id, signals) in holds_on_arrival(&metas, &arriving, params) {
                if arriving.contains(id.as_str()) {
                    arrived_held.insert(id, signals);
                } else if found.get(&id).is_some_and(|c| c.movable) {
                    moves
                        .entry(HoldSignal::join(&signals))
                        .or_default()
                        .push(id);
                }
            }
        }
        for (signals, ids) in moves {
            for chunk in ids.chunks(400) {
                let sql = format!(
                    "UPDATE survey_answers SET status = 'held', hold_signals = $1
                     WHERE id IN ({}) AND status = 'counted' AND decided_at IS NULL
                       AND counters <> ''
                     RETURNING round_id, community_code, counters",
                    bind_list(2, chunk.len())
                );
                let mut query = sqlx::query_as(&sql).bind(&signals);
                for id in chunk {
                    query = query.bind(id);
                }
                let moved: Vec<(String, String, String)> = query.fetch_all(&mut *conn).await?;
                for (round, community, counters) in moved {
                    for counter in stored_counters(&counters) {
                        count_into(tallies, &round, &community, &counter, -1);
                    }
                    count_into(reviews, &round, &community, "held", 1);
                }
            }
        }
    }
    Ok(arrived_held)
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
                "held",
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
        Ok(sqlx::query_as(&format!(
            "SELECT {SETTINGS_COLUMNS} FROM survey_settings WHERE round_id = $1"
        ))
        .bind(round_id)
        .fetch_optional(self.pool())
        .await?)
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
            " WHERE survey_settings.version = $8"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO survey_settings ({SETTINGS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
             ON CONFLICT (round_id) DO UPDATE SET questionnaire_id = excluded.questionnaire_id,
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
            .bind(by.actor);
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
                at: by.at,
                actor: by.actor,
                round_id: Some(new.round_id),
                action: "survey_settings",
                before: before.map(|b| serde_json::to_string(&b).unwrap_or_default()),
                after: Some(serde_json::to_string(&saved).unwrap_or_default()),
                ..AuditEvent::default()
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
        let inserted = sqlx::query(&format!(
            "INSERT INTO survey_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (round_id, community_code) DO NOTHING"
        ))
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
                    at: by.at,
                    actor: by.actor,
                    round_id: Some(round_id),
                    community_code: Some(community),
                    action: "survey_link",
                    after: Some(serde_json::json!({ "token": token }).to_string()),
                    ..AuditEvent::default()
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

    pub async fn survey_link(&self, token: &str) -> Result<Option<SurveyLinkRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LINK_COLUMNS} FROM survey_links WHERE token = $1"
        ))
        .bind(token)
        .fetch_optional(self.pool())
        .await?)
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
                count_into(&mut reviews, round, community, "held", 1);
            }
        }
        add_to_tallies(&mut tx, &counts).await?;
        add_to_review_counts(&mut tx, &reviews).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The summed counters of every community under `prefix` (a community, street, district …
    /// code prefix) in the round: a primary-key range, however many answers there are.
    pub async fn survey_tally(&self, round_id: &str, prefix: &str) -> Result<Vec<(String, i64)>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(
            "SELECT counter, CAST(SUM(count) AS BIGINT) AS n FROM survey_tallies
             WHERE round_id = $1 AND community_code BETWEEN $2 AND $3
             GROUP BY counter ORDER BY counter",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// Every community's counters under `prefix`: (community, counter, count), by community.
    pub async fn survey_tallies_by_community(
        &self,
        round_id: &str,
        prefix: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(
            "SELECT community_code, counter, count FROM survey_tallies
             WHERE round_id = $1 AND community_code BETWEEN $2 AND $3
             ORDER BY community_code, counter",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
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

    /// A community's answers held for review (待核实), oldest first, at most `limit`.
    pub async fn held_survey_answers(
        &self,
        round_id: &str,
        community: &str,
        limit: i64,
    ) -> Result<Vec<ReviewAnswerRow>> {
        // The literal `status = 'held'` lets both databases use the partial index.
        Ok(sqlx::query_as(
            "SELECT id, community_code, at, channel, entered_by, source, pattern, answers, status,
                    hold_signals, decided_by, decided_at
             FROM survey_answers
             WHERE round_id = $1 AND community_code = $2 AND status = 'held'
             ORDER BY at, id LIMIT $3",
        )
        .bind(round_id)
        .bind(community)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Accepts or rejects held answers of one community, in one transaction: each answer still
    /// held is decided by a guarded update (`… AND status = 'held'`), so when two officers
    /// decide the same answer at once exactly one decision is taken and the other is reported
    /// stale. Accepting adds the answer's counters to the tally (once, because only the update
    /// that moved it out of held adds them); rejecting never does. Every decision is audited
    /// with who made it. Accepting is refused once the community's result is computed.
    pub async fn decide_survey_answers(
        &self,
        round_id: &str,
        community: &str,
        ids: &[String],
        decision: ReviewDecision,
        by: By<'_>,
    ) -> Result<ReviewOutcome> {
        let mut tx = self.write_tx().await?;
        if decision == ReviewDecision::Accept
            && let Some(stage) = entry_stages(&mut tx, round_id, &[community])
                .await?
                .remove(community)
                .filter(|stage| !stage_takes_answers(*stage))
        {
            return Ok(ReviewOutcome {
                closed: Some(stage),
                stale: ids.to_vec(),
                ..ReviewOutcome::default()
            });
        }
        let mut outcome = ReviewOutcome::default();
        let mut tallies = Counts::new();
        let mut reviews = Counts::new();
        // One order for every officer, so two bulk decisions wait rather than deadlock.
        let mut ordered: Vec<&String> = ids.iter().collect();
        ordered.sort();
        ordered.dedup();
        for id in ordered {
            let decided: Option<(String, String)> = sqlx::query_as(
                "UPDATE survey_answers SET status = $1, decided_by = $2, decided_at = $3
                 WHERE id = $4 AND round_id = $5 AND community_code = $6 AND status = 'held'
                 RETURNING counters, hold_signals",
            )
            .bind(decision.status())
            .bind(by.actor)
            .bind(by.at)
            .bind(id)
            .bind(round_id)
            .bind(community)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((counters, signals)) = decided else {
                outcome.stale.push(id.clone());
                continue;
            };
            count_into(&mut reviews, round_id, community, "held", -1);
            match decision {
                ReviewDecision::Accept => {
                    for counter in stored_counters(&counters) {
                        count_into(&mut tallies, round_id, community, &counter, 1);
                    }
                }
                ReviewDecision::Reject => {
                    count_into(&mut reviews, round_id, community, "rejected", 1)
                }
            }
            append(
                &mut tx,
                self.audit_chain(),
                &AuditEvent {
                    at: by.at,
                    actor: by.actor,
                    round_id: Some(round_id),
                    community_code: Some(community),
                    action: "survey_review",
                    before: Some(serde_json::json!({ "answer": id, "status": "held", "signals": signals }).to_string()),
                    after: Some(serde_json::json!({ "answer": id, "status": decision.status(), "decision": decision.key() }).to_string()),
                },
            )
            .await?;
            outcome.decided.push(id.clone());
        }
        add_to_tallies(&mut tx, &tallies).await?;
        add_to_review_counts(&mut tx, &reviews).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Held and rejected answers of every community under `prefix`: a primary-key range.
    pub async fn survey_review_counts(
        &self,
        round_id: &str,
        prefix: &str,
    ) -> Result<BTreeMap<String, ReviewCounts>> {
        let (low, high) = code_range(prefix);
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT community_code, status, count FROM survey_review_counts
             WHERE round_id = $1 AND community_code BETWEEN $2 AND $3",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?;
        let mut counts: BTreeMap<String, ReviewCounts> = BTreeMap::new();
        for (community, status, count) in rows {
            let entry = counts.entry(community).or_default();
            match status.as_str() {
                "held" => entry.held += count,
                "rejected" => entry.rejected += count,
                _ => {}
            }
        }
        Ok(counts)
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
                at: by.at,
                actor: by.actor,
                community_code: Some(community),
                action: "survey_area",
                before,
                after: Some(area.to_string()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
