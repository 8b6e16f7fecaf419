//! Held answers (待核实): the fraud look-back that holds them, and district officers' decisions.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use sqlx::AnyConnection;
use xingfu_core::survey::Channel;
use xingfu_core::survey::fraud::{
    AnswerMeta, FraudParams, HoldSignal, holds_on_arrival, lookback_millis,
};
use xingfu_core::survey::status::AnswerStatus;
use xingfu_core::workflow::Stage;

use crate::audit::{AuditEvent, append};
use crate::rounds::By;
use crate::sql::bind_list;
use crate::{Result, Store};

use super::tallies::{Counts, add_to_review_counts, add_to_tallies, count_into, stored_counters};
use super::{NewSurveyAnswer, entry_stages, stage_takes_answers};

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
    #[sqlx(try_from = "String")]
    pub status: AnswerStatus,
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

    /// Where the decision leaves the answer.
    pub fn status(self) -> AnswerStatus {
        match self {
            ReviewDecision::Accept => AnswerStatus::Counted,
            ReviewDecision::Reject => AnswerStatus::Rejected,
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

/// The `hold_signals` column, as [`HoldSignal::join`] wrote it.
#[derive(sqlx::Type)]
#[sqlx(transparent, no_pg_array)]
struct HoldSignals(String);

impl From<HoldSignals> for Vec<HoldSignal> {
    fn from(text: HoldSignals) -> Self {
        HoldSignal::split(&text.0).into_iter().collect()
    }
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
    #[sqlx(try_from = "String")]
    status: AnswerStatus,
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
            movable: self.status == AnswerStatus::Counted
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
pub(super) async fn holds_in_batch(
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
                    count_into(reviews, &round, &community, AnswerStatus::Held.key(), 1);
                }
            }
        }
    }
    Ok(arrived_held)
}

impl Store {
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
            .bind(decision.status().key())
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
            count_into(
                &mut reviews,
                round_id,
                community,
                AnswerStatus::Held.key(),
                -1,
            );
            match decision {
                ReviewDecision::Accept => {
                    for counter in stored_counters(&counters) {
                        count_into(&mut tallies, round_id, community, &counter, 1);
                    }
                }
                ReviewDecision::Reject => count_into(
                    &mut reviews,
                    round_id,
                    community,
                    AnswerStatus::Rejected.key(),
                    1,
                ),
            }
            append(
                &mut tx,
                self.audit_chain(),
                &AuditEvent {
                    round_id: Some(round_id),
                    community_code: Some(community),
                    before: Some(serde_json::json!({ "answer": id, "status": AnswerStatus::Held.key(), "signals": signals }).to_string()),
                    after: Some(serde_json::json!({ "answer": id, "status": decision.status().key(), "decision": decision.key() }).to_string()),
                    ..by.event("survey_review")
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
}
