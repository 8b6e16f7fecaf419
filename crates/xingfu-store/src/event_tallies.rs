//! 随手拍 figures rolled up per community, street, district and city and year: each event's
//! part (`EventTally::of_event`) is added when it is reported and, on every step, its new part
//! added and its old part taken away, in the step's own transaction. An area's overview reads
//! one row per unit instead of every event of the year.

use std::collections::BTreeMap;

use sqlx::AnyConnection;
use xingfu_core::ops::events::EventState;
use xingfu_core::ops::metrics::EventFact;
use xingfu_core::overview::EventTally;

use crate::grids::corrupt;
use crate::sql::placeholders;
use crate::{Result, Store, code_range};

/// Roll-up rows per upsert.
const ROWS: usize = 200;

/// An event state as stored, read back.
pub(crate) fn state_of(text: &str) -> Result<EventState> {
    EventState::parse(text).ok_or_else(|| corrupt(format!("unknown event state {text:?}")))
}

/// Changes to the roll-up, keyed by (area, year): the area's level and the four counts.
#[derive(Default)]
pub(crate) struct EventParts(BTreeMap<(String, i64), (&'static str, [i64; 4])>);

impl EventParts {
    /// Adds (`sign` 1) or takes away (`sign` -1) one event's part in its community and the
    /// street, district and city above it.
    pub(crate) fn add(&mut self, community: &str, fact: &EventFact, sign: i64) {
        let (year, part) = EventTally::of_event(fact);
        let counts = part.counts();
        if counts.iter().all(|&n| n == 0) {
            return;
        }
        let areas = std::iter::once((community.to_string(), "community"))
            .chain(xingfu_core::region::areas_above(community));
        for (area, level) in areas {
            let row = self.0.entry((area, year)).or_insert((level, [0; 4]));
            for (sum, n) in row.1.iter_mut().zip(counts) {
                *sum += sign * n;
            }
        }
    }

    /// Writes the changes, in key order (so concurrent writers lock rows in one order).
    pub(crate) async fn write(&self, conn: &mut AnyConnection) -> Result<()> {
        let rows: Vec<_> = self
            .0
            .iter()
            .filter(|(_, (_, counts))| counts.iter().any(|&n| n != 0))
            .collect();
        for chunk in rows.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO event_area_tallies
                     (area_code, year, level, reported, closed, on_time, overdue) VALUES {}
                 ON CONFLICT (area_code, year) DO UPDATE SET
                     reported = event_area_tallies.reported + excluded.reported,
                     closed = event_area_tallies.closed + excluded.closed,
                     on_time = event_area_tallies.on_time + excluded.on_time,
                     overdue = event_area_tallies.overdue + excluded.overdue",
                placeholders(chunk.len(), 7)
            );
            let mut query = sqlx::query(&sql);
            for ((area, year), (level, [reported, closed, on_time, overdue])) in chunk {
                query = query
                    .bind(area)
                    .bind(*year)
                    .bind(*level)
                    .bind(*reported)
                    .bind(*closed)
                    .bind(*on_time)
                    .bind(*overdue);
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }
}

impl Store {
    /// The year's 随手拍 tally of each unit of `level` (`community`, `street`, `district` or
    /// `city`) inside `prefix`, from the roll-up; units without an event are absent.
    pub async fn event_tallies_by_area(
        &self,
        prefix: &str,
        level: &str,
        year: i64,
    ) -> Result<Vec<(String, EventTally)>> {
        let (low, high) = code_range(prefix);
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT area_code, reported, closed, on_time, overdue FROM event_area_tallies
             WHERE year = $1 AND level = $2 AND area_code BETWEEN $3 AND $4
             ORDER BY area_code",
        )
        .bind(year)
        .bind(level)
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(area, a, b, c, d)| (area, EventTally::from_counts([a, b, c, d])))
            .collect())
    }

    /// Builds the roll-up from the events when it is empty and events exist: once, after the
    /// migration that adds it (a database from before), in batches of events by number.
    pub async fn fill_event_tallies_if_empty(&self) -> Result<()> {
        let filled: Option<i64> = sqlx::query_scalar("SELECT 1 FROM event_area_tallies LIMIT 1")
            .fetch_optional(self.pool())
            .await?;
        if filled.is_some() {
            return Ok(());
        }
        let mut after = i64::MIN;
        loop {
            let rows: Vec<(i64, String, i64, String, Option<i64>, i64)> = sqlx::query_as(
                "SELECT id, community_code, reported_at, state, closed_at, late FROM events
                 WHERE id > $1 ORDER BY id LIMIT 50000",
            )
            .bind(after)
            .fetch_all(self.pool())
            .await?;
            let Some(last) = rows.last().map(|r| r.0) else {
                return Ok(());
            };
            let mut parts = EventParts::default();
            for (_, community, reported_at, state, closed_at, late) in rows {
                let fact = EventFact {
                    reported_at,
                    state: state_of(&state)?,
                    closed_at,
                    late: late != 0,
                };
                parts.add(&community, &fact, 1);
            }
            let mut tx = self.write_tx().await?;
            parts.write(&mut tx).await?;
            tx.commit().await?;
            after = last;
        }
    }
}
