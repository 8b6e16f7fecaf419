//! 随手拍 events: the current state of each (the core's [`Event`]), every step taken on it, and
//! its photos' metadata (the bytes are in the file store).
//!
//! Concurrency: a step is written with `UPDATE … WHERE id = $id AND version = $seen`; when
//! another person (or another server's deadline sweep) changed the event first, nothing is
//! written and the caller gets [`StepConflict`]. Event numbers come from a counter row updated
//! in the same transaction as the event, so they are unique across app servers.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use xingfu_core::ops::Level;
use xingfu_core::ops::OpsRole;
use xingfu_core::ops::coords::GeoPoint;
use xingfu_core::ops::events::{ActionKind, Decision, Event, EventId, EventState, Step};
use xingfu_core::ops::metrics::EventFact;
use xingfu_core::ops::sla::SlaEntry;

use crate::event_tallies::{EventParts, state_of};
use crate::grids::{corrupt, parse_degrees};
use crate::sql::{bind_list, placeholders};
use crate::{Result, Store, code_range};

/// A photo that has been checked, cleaned and put in the file store, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhoto {
    /// Random id; also the photo's public address (`/event-photos/{id}`).
    pub id: String,
    pub stage: PhotoStage,
    pub file_key: String,
    pub content_type: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoStage {
    /// With the report: the problem.
    Before,
    /// With the resolution: the problem handled.
    After,
}

impl PhotoStage {
    pub fn key(self) -> &'static str {
        match self {
            PhotoStage::Before => "before",
            PhotoStage::After => "after",
        }
    }
}

/// A stored `stage` column.
impl TryFrom<String> for PhotoStage {
    type Error = String;

    fn try_from(key: String) -> std::result::Result<PhotoStage, String> {
        [PhotoStage::Before, PhotoStage::After]
            .into_iter()
            .find(|stage| stage.key() == key)
            .ok_or_else(|| format!("unknown photo stage {key:?}"))
    }
}

/// An event number as stored (BIGINT), for row types: a negative one is refused.
#[derive(sqlx::Type)]
#[sqlx(transparent, no_pg_array)]
struct EventNumber(i64);

impl TryFrom<EventNumber> for EventId {
    type Error = String;

    fn try_from(number: EventNumber) -> std::result::Result<EventId, String> {
        u64::try_from(number.0)
            .map(EventId)
            .map_err(|_| format!("negative event id {}", number.0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: String,
    #[sqlx(try_from = "EventNumber")]
    pub event_id: EventId,
    pub step_version: i64,
    #[sqlx(try_from = "String")]
    pub stage: PhotoStage,
    pub file_key: String,
    pub content_type: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

/// What a reporting system sent besides the report itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Extras {
    /// Contact details as JSON (Open311 name, phone, email), for staff only.
    pub contact: Option<String>,
    /// An Open311 `media_url`, kept as given.
    pub external_media: Option<String>,
}

/// Why a step was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepConflict {
    /// The event is no longer at the version the actor saw; `actual` is None when it is gone.
    Stale { actual: Option<u64> },
    /// A merge's primary reached a final state meanwhile.
    PrimaryFinal { primary: EventId, state: EventState },
}

/// Which events a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateFilter {
    #[default]
    All,
    /// Not final: reported … resolved.
    Live,
    /// Past their deadline at `now` (open or awaiting confirmation).
    Overdue { now: i64 },
}

/// Whose live events a 待办 list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting<'a> {
    /// Handled at `level` in the subtree with `prefix`; with `anonymous`, only events
    /// reported without an account.
    AtLevel {
        prefix: &'a str,
        level: Level,
        anonymous: bool,
    },
    /// Dispatched to this account.
    AssignedTo(&'a str),
    /// Reported by this account.
    ReportedBy(&'a str),
}

/// A step of an event someone reported, with what telling them needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterStep {
    pub step: Step,
    /// The reporter's account.
    pub reporter: String,
    pub category: String,
    pub description: String,
}

/// A live event with the names a list shows beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingEvent {
    pub event: Event,
    pub community_name: String,
    pub grid_name: Option<String>,
}

const EVENT_COLUMNS: &str = "id, community_code, grid_id, category, description, lon, lat, address,
    reporter, state, level, assignee, reported_at, deadline, resolved_at, closed_at, late,
    escalations, reopens, merged_into, updated_at, version";

fn level_of(text: &str) -> Result<Level> {
    Level::parse(text).ok_or_else(|| corrupt(format!("unknown event level {text:?}")))
}

fn id_of(value: i64) -> Result<EventId> {
    EventId::try_from(EventNumber(value)).map_err(corrupt)
}

fn count_of(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| corrupt(format!("{what} {value} out of range")))
}

fn db_id(id: EventId) -> i64 {
    i64::try_from(id.0).unwrap_or(i64::MAX)
}

fn db_version(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// An event row, without its photos (see [`Store::fill_photos`]).
fn event_row(row: &AnyRow) -> Result<Event> {
    let lon: String = row.try_get("lon")?;
    let lat: String = row.try_get("lat")?;
    // Empty coordinates: the reporter gave no position (a grid, or the place in words).
    let located = !(lon.is_empty() && lat.is_empty());
    let location = if located {
        GeoPoint {
            lon: parse_degrees(&lon, "event longitude")?,
            lat: parse_degrees(&lat, "event latitude")?,
        }
    } else {
        GeoPoint { lon: 0.0, lat: 0.0 }
    };
    Ok(Event {
        id: id_of(row.try_get("id")?)?,
        category: row.try_get("category")?,
        description: row.try_get("description")?,
        location,
        located,
        address: row.try_get("address")?,
        photos: Vec::new(),
        community: row.try_get("community_code")?,
        grid: row.try_get("grid_id")?,
        reporter: row.try_get("reporter")?,
        state: state_of(&row.try_get::<String, _>("state")?)?,
        level: level_of(&row.try_get::<String, _>("level")?)?,
        assignee: row.try_get("assignee")?,
        reported_at: row.try_get("reported_at")?,
        deadline: row.try_get("deadline")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
        late: row.try_get::<i64, _>("late")? != 0,
        escalations: count_of(row.try_get("escalations")?, "escalations")?,
        reopens: count_of(row.try_get("reopens")?, "reopens")?,
        merged_into: row
            .try_get::<Option<i64>, _>("merged_into")?
            .map(id_of)
            .transpose()?,
        updated_at: row.try_get("updated_at")?,
        version: u64::try_from(row.try_get::<i64, _>("version")?)
            .map_err(|_| corrupt("negative event version".into()))?,
    })
}

fn step_row(row: &AnyRow) -> Result<Step> {
    let action: String = row.try_get("action")?;
    let role: String = row.try_get("role")?;
    Ok(Step {
        event: id_of(row.try_get("event_id")?)?,
        version: u64::try_from(row.try_get::<i64, _>("version")?)
            .map_err(|_| corrupt("negative step version".into()))?,
        action: ActionKind::parse(&action)
            .ok_or_else(|| corrupt(format!("unknown event action {action:?}")))?,
        actor: row.try_get("actor")?,
        role: OpsRole::parse(&role)
            .ok_or_else(|| corrupt(format!("unknown operations role {role:?}")))?,
        at: row.try_get("at")?,
        from_state: row
            .try_get::<Option<String>, _>("from_state")?
            .as_deref()
            .map(state_of)
            .transpose()?,
        to_state: state_of(&row.try_get::<String, _>("to_state")?)?,
        from_level: row
            .try_get::<Option<String>, _>("from_level")?
            .as_deref()
            .map(level_of)
            .transpose()?,
        to_level: level_of(&row.try_get::<String, _>("to_level")?)?,
        assignee: row.try_get("assignee")?,
        note: row.try_get("note")?,
    })
}

const PHOTO_COLUMNS: &str = "id, event_id, step_version, stage, file_key, content_type, size, width, height, sha256, uploaded_by, uploaded_at";

async fn insert_step(conn: &mut AnyConnection, step: &Step) -> Result<()> {
    sqlx::query(
        "INSERT INTO event_steps (event_id, version, action, actor, role, at, from_state, to_state,
             from_level, to_level, assignee, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(db_id(step.event))
    .bind(db_version(step.version))
    .bind(step.action.key())
    .bind(&step.actor)
    .bind(step.role.key())
    .bind(step.at)
    .bind(step.from_state.map(EventState::key))
    .bind(step.to_state.key())
    .bind(step.from_level.map(Level::key))
    .bind(step.to_level.key())
    .bind(&step.assignee)
    .bind(&step.note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_photos(conn: &mut AnyConnection, step: &Step, photos: &[NewPhoto]) -> Result<()> {
    for photo in photos {
        sqlx::query(&format!(
            "INSERT INTO event_photos ({PHOTO_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&photo.id)
        .bind(db_id(step.event))
        .bind(db_version(step.version))
        .bind(photo.stage.key())
        .bind(&photo.file_key)
        .bind(&photo.content_type)
        .bind(photo.size)
        .bind(photo.width)
        .bind(photo.height)
        .bind(&photo.sha256)
        .bind(&step.actor)
        .bind(step.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The values of an event's columns after `id`, in [`EVENT_COLUMNS`] order, for INSERTs.
fn bind_event<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    e: &'q Event,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(db_id(e.id))
        .bind(e.community.as_str())
        .bind(e.grid.as_deref())
        .bind(e.category.as_str())
        .bind(e.description.as_str())
        // Empty for an event given without a position (see `event_row`).
        .bind(e.position().map(|p| p.lon.to_string()).unwrap_or_default())
        .bind(e.position().map(|p| p.lat.to_string()).unwrap_or_default())
        .bind(e.address.as_deref())
        .bind(e.reporter.as_deref())
        .bind(e.state.key())
        .bind(e.level.key())
        .bind(e.assignee.as_deref())
        .bind(e.reported_at)
        .bind(e.deadline)
        .bind(e.resolved_at)
        .bind(e.closed_at)
        .bind(i64::from(e.late))
        .bind(i64::from(e.escalations))
        .bind(i64::from(e.reopens))
        .bind(e.merged_into.map(db_id))
        .bind(e.updated_at)
        .bind(db_version(e.version))
}

const EVENT_COLUMN_COUNT: usize = 22;

impl Store {
    /// Numbers and writes a new event: `make` receives the event's number and returns the
    /// core's [`Decision`] (from `ops::events::open`), which is written with its first step,
    /// its photos and `extras`, all in one transaction. An error from `make` writes nothing.
    pub async fn create_event<E>(
        &self,
        make: impl FnOnce(EventId) -> std::result::Result<Decision, E>,
        photos: &[NewPhoto],
        extras: &Extras,
    ) -> Result<std::result::Result<Event, E>> {
        let mut tx = self.write_tx().await?;
        let value: i64 = sqlx::query_scalar(
            "UPDATE event_counter SET value = value + 1 WHERE name = 'events' RETURNING value",
        )
        .fetch_one(&mut *tx)
        .await?;
        let id = id_of(value)?;
        let decision = match make(id) {
            Ok(decision) => decision,
            Err(e) => return Ok(Err(e)),
        };
        let event = decision.event;
        let sql = format!(
            "INSERT INTO events ({EVENT_COLUMNS}, contact, external_media) VALUES {}",
            placeholders(1, EVENT_COLUMN_COUNT + 2)
        );
        bind_event(sqlx::query(&sql), &event)
            .bind(extras.contact.as_deref())
            .bind(extras.external_media.as_deref())
            .execute(&mut *tx)
            .await?;
        insert_step(&mut tx, &decision.step).await?;
        insert_photos(&mut tx, &decision.step, photos).await?;
        let mut parts = EventParts::default();
        parts.add(&event.community, &EventFact::from(&event), 1);
        parts.write(&mut tx).await?;
        tx.commit().await?;
        Ok(Ok(event))
    }

    /// Writes a step decided on the event as it was at `seen_version`: the new state, the step
    /// and any photos that came with it, in one transaction, only if the event is still at
    /// that version (and, for a merge, the primary is still not final).
    pub async fn apply_event_step(
        &self,
        seen_version: u64,
        decision: &Decision,
        photos: &[NewPhoto],
    ) -> Result<std::result::Result<(), StepConflict>> {
        let e = &decision.event;
        let mut tx = self.write_tx().await?;
        if let Some(primary) = e.merged_into.filter(|_| e.state == EventState::Merged) {
            let state: String = sqlx::query_scalar("SELECT state FROM events WHERE id = $1")
                .bind(db_id(primary))
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
            let state = state_of(&state)?;
            if state.is_final() {
                return Ok(Err(StepConflict::PrimaryFinal { primary, state }));
            }
        }
        // The event's part in the roll-up before the step, to take away after it.
        let before: Option<(String, i64, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT community_code, reported_at, state, closed_at, late FROM events WHERE id = $1",
        )
        .bind(db_id(e.id))
        .fetch_optional(&mut *tx)
        .await?;
        let updated = sqlx::query(
            "UPDATE events SET grid_id = $1, state = $2, level = $3, assignee = $4, deadline = $5,
                 resolved_at = $6, closed_at = $7, late = $8, escalations = $9, reopens = $10,
                 merged_into = $11, updated_at = $12, version = $13
             WHERE id = $14 AND version = $15",
        )
        .bind(e.grid.as_deref())
        .bind(e.state.key())
        .bind(e.level.key())
        .bind(e.assignee.as_deref())
        .bind(e.deadline)
        .bind(e.resolved_at)
        .bind(e.closed_at)
        .bind(i64::from(e.late))
        .bind(i64::from(e.escalations))
        .bind(i64::from(e.reopens))
        .bind(e.merged_into.map(db_id))
        .bind(e.updated_at)
        .bind(db_version(e.version))
        .bind(db_id(e.id))
        .bind(db_version(seen_version))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            let actual = sqlx::query_scalar::<_, i64>("SELECT version FROM events WHERE id = $1")
                .bind(db_id(e.id))
                .fetch_optional(&mut *tx)
                .await?
                .and_then(|v| u64::try_from(v).ok());
            return Ok(Err(StepConflict::Stale { actual }));
        }
        insert_step(&mut tx, &decision.step).await?;
        insert_photos(&mut tx, &decision.step, photos).await?;
        let mut parts = EventParts::default();
        if let Some((community, reported_at, state, closed_at, late)) = before {
            let old = EventFact {
                reported_at,
                state: state_of(&state)?,
                closed_at,
                late: late != 0,
            };
            parts.add(&community, &old, -1);
            parts.add(&community, &EventFact::from(e), 1);
        }
        parts.write(&mut tx).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// One event with its report photos (ids, oldest first) in [`Event::photos`].
    pub async fn event(&self, id: EventId) -> Result<Option<Event>> {
        let row = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1"))
            .bind(db_id(id))
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut events = vec![event_row(&row)?];
        self.fill_photos(&mut events).await?;
        Ok(events.pop())
    }

    /// One event's state without its photos: what the deadline sweep needs.
    pub async fn event_state(&self, id: EventId) -> Result<Option<Event>> {
        let row = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1"))
            .bind(db_id(id))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(event_row).transpose()
    }

    pub async fn event_extras(&self, id: EventId) -> Result<Extras> {
        let extras = sqlx::query_as("SELECT contact, external_media FROM events WHERE id = $1")
            .bind(db_id(id))
            .fetch_optional(self.pool())
            .await?;
        Ok(extras.unwrap_or_default())
    }

    /// Puts the ids of each event's report photos (oldest first) into [`Event::photos`].
    pub async fn fill_photos(&self, events: &mut [Event]) -> Result<()> {
        for chunk in events.chunks_mut(400) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT id, event_id FROM event_photos WHERE stage = 'before' AND event_id IN ({})
                 ORDER BY uploaded_at, id",
                bind_list(1, chunk.len())
            );
            let mut query = sqlx::query_as(&sql);
            for e in chunk.iter() {
                query = query.bind(db_id(e.id));
            }
            let photos: Vec<(String, i64)> = query.fetch_all(self.pool()).await?;
            for (photo, event) in photos {
                let event = id_of(event)?;
                if let Some(e) = chunk.iter_mut().find(|e| e.id == event) {
                    e.photos.push(photo);
                }
            }
        }
        Ok(())
    }

    /// The Open311 `media_url`s kept for some of `ids`.
    pub async fn external_media(&self, ids: &[EventId]) -> Result<Vec<(EventId, String)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(400) {
            let sql = format!(
                "SELECT id, external_media FROM events
                 WHERE external_media IS NOT NULL AND id IN ({})",
                bind_list(1, chunk.len())
            );
            let mut query = sqlx::query_as(&sql);
            for id in chunk {
                query = query.bind(db_id(*id));
            }
            let rows: Vec<(i64, String)> = query.fetch_all(self.pool()).await?;
            for (id, media) in rows {
                out.push((id_of(id)?, media));
            }
        }
        Ok(out)
    }

    /// An event's steps, oldest first.
    pub async fn event_steps(&self, id: EventId) -> Result<Vec<Step>> {
        let rows = sqlx::query(
            "SELECT event_id, version, action, actor, role, at, from_state, to_state, from_level,
                 to_level, assignee, note
             FROM event_steps WHERE event_id = $1 ORDER BY version",
        )
        .bind(db_id(id))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(step_row).collect()
    }

    /// The steps taken at or after `since` that are one of `actions`, on events reported with
    /// an account, newest first, at most `limit` (from the index on the steps' time).
    pub async fn reporter_steps_since(
        &self,
        since: i64,
        actions: &[ActionKind],
        limit: i64,
    ) -> Result<Vec<ReporterStep>> {
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT s.event_id, s.version, s.action, s.actor, s.role, s.at, s.from_state,
                 s.to_state, s.from_level, s.to_level, s.assignee, s.note,
                 e.reporter, e.category, e.description
             FROM event_steps s JOIN events e ON e.id = s.event_id
             WHERE s.at >= $1 AND e.reporter IS NOT NULL AND s.action IN ({})
             ORDER BY s.at DESC, s.event_id, s.version LIMIT ${}",
            bind_list(2, actions.len()),
            2 + actions.len()
        );
        let mut query = sqlx::query(&sql).bind(since);
        for action in actions {
            query = query.bind(action.key());
        }
        let rows = query.bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                Ok(ReporterStep {
                    step: step_row(row)?,
                    reporter: row.try_get("reporter")?,
                    category: row.try_get("category")?,
                    description: row.try_get("description")?,
                })
            })
            .collect()
    }

    /// An event's photos, before and after, oldest first.
    pub async fn event_photos(&self, id: EventId) -> Result<Vec<PhotoRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PHOTO_COLUMNS} FROM event_photos WHERE event_id = $1 ORDER BY uploaded_at, id"
        ))
        .bind(db_id(id))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn event_photo(&self, photo_id: &str) -> Result<Option<PhotoRow>> {
        self.row_where(
            &format!("SELECT {PHOTO_COLUMNS} FROM event_photos WHERE id = $1"),
            photo_id,
        )
        .await
    }

    /// The events merged into `primary`, by number.
    pub async fn merged_into(&self, primary: EventId) -> Result<Vec<EventId>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM events WHERE merged_into = $1 ORDER BY id")
                .bind(db_id(primary))
                .fetch_all(self.pool())
                .await?;
        ids.into_iter().map(id_of).collect()
    }

    /// What the deadline sweep reads: every event whose deadline is before `now`, from the
    /// deadline index alone, earliest deadline first.
    pub async fn sla_entries_due(&self, now: i64) -> Result<Vec<SlaEntry>> {
        let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT id, deadline, state, level FROM events WHERE deadline < $1 ORDER BY deadline, id",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, deadline, state, level)| {
                Ok(SlaEntry {
                    id: id_of(id)?,
                    deadline,
                    state: state_of(&state)?,
                    level: level_of(&level)?,
                })
            })
            .collect()
    }

    /// Events in the subtree with division-code `prefix`, newest first, at most `limit`,
    /// without photos.
    pub async fn events_within(
        &self,
        prefix: &str,
        filter: StateFilter,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let (low, high) = code_range(prefix);
        let (condition, limit_mark) = match filter {
            StateFilter::All => ("", "$3"),
            StateFilter::Live => (" AND deadline IS NOT NULL", "$3"),
            StateFilter::Overdue { .. } => (" AND deadline < $3", "$4"),
        };
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE community_code BETWEEN $1 AND $2{condition}
             ORDER BY reported_at DESC, id DESC LIMIT {limit_mark}"
        );
        let mut query = sqlx::query(&sql).bind(low).bind(high);
        if let StateFilter::Overdue { now } = filter {
            query = query.bind(now);
        }
        let query = query.bind(limit);
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(event_row).collect()
    }

    /// Live events in one of `states` that wait for `whose`, the nearest deadline first, at
    /// most `limit`, without photos, with their community's and grid's names.
    pub async fn events_waiting(
        &self,
        whose: Waiting<'_>,
        states: &[EventState],
        limit: i64,
    ) -> Result<Vec<WaitingEvent>> {
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let columns = EVENT_COLUMNS
            .split(',')
            .map(|c| format!("e.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let (condition, next) = match whose {
            Waiting::AtLevel { anonymous, .. } => (
                format!(
                    "e.level = $1 AND e.community_code BETWEEN $2 AND $3{}",
                    if anonymous {
                        " AND e.reporter IS NULL"
                    } else {
                        ""
                    }
                ),
                4,
            ),
            Waiting::AssignedTo(_) => ("e.assignee = $1".to_string(), 2),
            Waiting::ReportedBy(_) => ("e.reporter = $1".to_string(), 2),
        };
        let sql = format!(
            "SELECT {columns}, r.name AS community_name, g.name AS grid_name
             FROM events e
             JOIN regions r ON r.code = e.community_code
             LEFT JOIN grids g ON g.community_code = e.community_code AND g.id = e.grid_id
             WHERE e.deadline IS NOT NULL AND {condition} AND e.state IN ({})
             ORDER BY e.deadline, e.id LIMIT ${}",
            bind_list(next, states.len()),
            next + states.len()
        );
        let mut query = sqlx::query(&sql);
        match whose {
            Waiting::AtLevel { prefix, level, .. } => {
                let (low, high) = code_range(prefix);
                query = query.bind(level.key()).bind(low).bind(high);
            }
            Waiting::AssignedTo(who) | Waiting::ReportedBy(who) => query = query.bind(who),
        }
        for state in states {
            query = query.bind(state.key());
        }
        let rows = query.bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                Ok(WaitingEvent {
                    event: event_row(row)?,
                    community_name: row.try_get("community_name")?,
                    grid_name: row.try_get("grid_name")?,
                })
            })
            .collect()
    }

    /// Events `username` reported, newest first, without photos.
    pub async fn events_reported_by(&self, username: &str, limit: i64) -> Result<Vec<Event>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE reporter = $1
             ORDER BY reported_at DESC, id DESC LIMIT $2"
        ))
        .bind(username)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_row).collect()
    }

    /// Events not final, of `category`, in the subtree with `prefix`, reported within
    /// [`from`, `to`]: the candidates for duplicate suggestions. Without photos.
    pub async fn live_events_between(
        &self,
        prefix: &str,
        category: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<Event>> {
        let (low, high) = code_range(prefix);
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE community_code BETWEEN $1 AND $2 AND reported_at BETWEEN $3 AND $4
               AND category = $5 AND deadline IS NOT NULL
             ORDER BY reported_at, id"
        ))
        .bind(low)
        .bind(high)
        .bind(from)
        .bind(to)
        .bind(category)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_row).collect()
    }

    /// What the operations metrics read about a community's events reported in [from, to).
    pub async fn event_facts(&self, community: &str, from: i64, to: i64) -> Result<Vec<EventFact>> {
        let rows: Vec<(i64, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT reported_at, state, closed_at, late FROM events
             WHERE community_code = $1 AND reported_at >= $2 AND reported_at < $3",
        )
        .bind(community)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(reported_at, state, closed_at, late)| {
                Ok(EventFact {
                    reported_at,
                    state: state_of(&state)?,
                    closed_at,
                    late: late != 0,
                })
            })
            .collect()
    }

    /// What the operations metrics read about the events reported in [from, to) in the subtree
    /// with `prefix`, each with its community's code: one query for an area's overview.
    pub async fn event_facts_within(
        &self,
        prefix: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, EventFact)>> {
        let (low, high) = code_range(prefix);
        let rows: Vec<(String, i64, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT community_code, reported_at, state, closed_at, late FROM events
             WHERE community_code BETWEEN $1 AND $2 AND reported_at >= $3 AND reported_at < $4",
        )
        .bind(low)
        .bind(high)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(community, reported_at, state, closed_at, late)| {
                Ok((
                    community,
                    EventFact {
                        reported_at,
                        state: state_of(&state)?,
                        closed_at,
                        late: late != 0,
                    },
                ))
            })
            .collect()
    }

    /// Events reported within [`from`, `to`] in the subtree with `prefix` (all of them when
    /// `None`), optionally of one category and some states, newest first, at most `limit`;
    /// with photos. For Open311 `GET requests`.
    pub async fn events_reported_between(
        &self,
        prefix: Option<&str>,
        from: i64,
        to: i64,
        category: Option<&str>,
        states: Option<&[EventState]>,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let (low, high) = code_range(prefix.unwrap_or(""));
        let mut sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE reported_at BETWEEN $1 AND $2 AND community_code BETWEEN $3 AND $4"
        );
        let mut next = 5;
        if category.is_some() {
            sql.push_str(&format!(" AND category = ${next}"));
            next += 1;
        }
        if let Some(states) = states {
            sql.push_str(&format!(
                " AND state IN ({})",
                bind_list(next, states.len())
            ));
            next += states.len();
        }
        sql.push_str(&format!(
            " ORDER BY reported_at DESC, id DESC LIMIT ${next}"
        ));
        let mut query = sqlx::query(&sql).bind(from).bind(to).bind(low).bind(high);
        if let Some(category) = category {
            query = query.bind(category);
        }
        for state in states.unwrap_or(&[]) {
            query = query.bind(state.key());
        }
        let rows = query.bind(limit).fetch_all(self.pool()).await?;
        let mut events = rows.iter().map(event_row).collect::<Result<Vec<_>>>()?;
        self.fill_photos(&mut events).await?;
        Ok(events)
    }

    /// Loads events as they are (benchmarks): many rows per statement, one transaction, and
    /// the event counter moved past the largest number loaded. No steps are written.
    pub async fn bulk_events(&self, events: &[Event]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let sqlite = self.backend() == crate::Backend::Sqlite;
        if sqlite {
            // Five indexes over a million rows: a page cache of 256 MB for the load, not 2 MB.
            sqlx::query("PRAGMA cache_size = -262144")
                .execute(&mut *tx)
                .await?;
        }
        // 22 parameters a row: 22,000 a statement, under both databases' limits.
        let rows_per_insert = 1000;
        for chunk in events.chunks(rows_per_insert) {
            let sql = format!(
                "INSERT INTO events ({EVENT_COLUMNS}) VALUES {}",
                placeholders(chunk.len(), EVENT_COLUMN_COUNT)
            );
            let mut query = sqlx::query(&sql);
            for e in chunk {
                query = bind_event(query, e);
            }
            query.execute(&mut *tx).await?;
        }
        let mut parts = EventParts::default();
        for e in events {
            parts.add(&e.community, &EventFact::from(e), 1);
        }
        parts.write(&mut tx).await?;
        if let Some(largest) = events.iter().map(|e| e.id).max() {
            sqlx::query("UPDATE event_counter SET value = $1 WHERE name = 'events' AND value < $2")
                .bind(db_id(largest))
                .bind(db_id(largest))
                .execute(&mut *tx)
                .await?;
        }
        if sqlite {
            sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
