//! The counts kept beside the answers, so no page recounts them: each community's counters
//! (the tally) and its held and rejected answers.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::AnyConnection;
use xingfu_core::survey::status::AnswerStatus;

use crate::sql::placeholders;
use crate::{Result, Store, code_range};

/// Tally rows per upsert.
const TALLY_ROWS: usize = 200;

/// Held and rejected answers of an area (counted ones are the tally's `respondents`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ReviewCounts {
    pub held: i64,
    pub rejected: i64,
}

/// Counts keyed by (round, community, counter or status).
pub(super) type Counts = BTreeMap<(String, String, String), i64>;

pub(super) fn count_into(counts: &mut Counts, round: &str, community: &str, key: &str, by: i64) {
    *counts
        .entry((round.to_string(), community.to_string(), key.to_string()))
        .or_insert(0) += by;
}

/// Adds counts to the rows of `table` keyed by (round, community, `key_column`), in key order (so
/// concurrent writers take row locks in one order). Negative counts take away.
pub(super) async fn add_counts(
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

/// Adds to the communities' tallies and to the roll-ups of the street, district and city each
/// lies in, in the same transaction: an area's overview reads a few rows per unit, not one per
/// community and counter.
pub(super) async fn add_to_tallies(conn: &mut AnyConnection, counts: &Counts) -> Result<()> {
    add_counts(conn, "survey_tallies", "counter", counts).await?;
    let mut areas: BTreeMap<(String, String, String), (i64, &'static str)> = BTreeMap::new();
    for ((round, community, counter), count) in counts {
        for (area, level) in xingfu_core::region::areas_above(community) {
            areas
                .entry((round.clone(), area, counter.clone()))
                .or_insert((0, level))
                .0 += count;
        }
    }
    let rows: Vec<_> = areas.iter().filter(|(_, (count, _))| *count != 0).collect();
    for chunk in rows.chunks(TALLY_ROWS) {
        let sql = format!(
            "INSERT INTO survey_area_tallies (round_id, area_code, level, counter, count) VALUES {}
             ON CONFLICT (round_id, area_code, counter)
             DO UPDATE SET count = survey_area_tallies.count + excluded.count",
            placeholders(chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for ((round, area, counter), (count, level)) in chunk {
            query = query
                .bind(round)
                .bind(area)
                .bind(*level)
                .bind(counter)
                .bind(*count);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

pub(super) async fn add_to_review_counts(conn: &mut AnyConnection, counts: &Counts) -> Result<()> {
    add_counts(conn, "survey_review_counts", "status", counts).await
}

/// The counters an answer stored with (JSON array); none for answers stored before they were.
pub(super) fn stored_counters(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

impl Store {
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

    /// The summed counters of each area one level down inside `prefix` (`level`: `street`,
    /// `district` or `city`), from the roll-ups: (area, counter, count), by area.
    pub async fn survey_tallies_by_area(
        &self,
        round_id: &str,
        prefix: &str,
        level: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(
            "SELECT area_code, counter, count FROM survey_area_tallies
             WHERE round_id = $1 AND area_code BETWEEN $2 AND $3 AND level = $4
             ORDER BY area_code, counter",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .bind(level)
        .fetch_all(self.pool())
        .await?)
    }

    /// Each community's respondents under `prefix` (communities without an answer are absent).
    pub async fn survey_respondents_by_community(
        &self,
        round_id: &str,
        prefix: &str,
    ) -> Result<Vec<(String, i64)>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(
            "SELECT community_code, count FROM survey_tallies
             WHERE round_id = $1 AND community_code BETWEEN $2 AND $3 AND counter = 'respondents'
             ORDER BY community_code",
        )
        .bind(round_id)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
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
            match AnswerStatus::parse(&status) {
                Some(AnswerStatus::Held) => entry.held += count,
                Some(AnswerStatus::Rejected) => entry.rejected += count,
                Some(AnswerStatus::Counted) | None => {}
            }
        }
        Ok(counts)
    }
}
