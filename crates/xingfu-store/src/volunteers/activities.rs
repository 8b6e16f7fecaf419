//! Volunteer activities: sign-in, sign-out with counted time and its award, and the figures the
//! metrics read.

use serde::Serialize;

use crate::rounds::By;
use crate::sql::Flag;
use crate::{Result, Store, code_range, is_unique_violation, new_id};

use super::{Entry, LedgerRow, change_balance, insert_entry};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: String,
    pub community_code: String,
    pub title: String,
    pub activity_type: String,
    pub station_id: Option<String>,
    pub team_id: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub people_served: i64,
    #[sqlx(try_from = "Flag")]
    pub cancelled: bool,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    pub community_code: &'a str,
    pub title: &'a str,
    pub activity_type: &'a str,
    pub station_id: Option<&'a str>,
    pub team_id: Option<&'a str>,
    pub starts_at: i64,
    pub ends_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SignInRow {
    pub activity_id: String,
    pub volunteer_id: String,
    #[sqlx(rename = "name")]
    pub volunteer_name: String,
    pub signed_in_at: i64,
    pub signed_out_at: Option<i64>,
    pub minutes: i64,
    pub points: i64,
}

/// The outcome of a sign-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedOut {
    /// Time recorded; `award` is the ledger row when the time earned points.
    Done { award: Option<Box<LedgerRow>> },
    /// Already signed out before: nothing changed.
    Already,
    /// Never signed in.
    NotSignedIn,
}

/// The metric facts of one activity: start, cancelled, people served, counted minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityFigures {
    pub starts_at: i64,
    #[sqlx(try_from = "Flag")]
    pub cancelled: bool,
    pub people_served: i64,
    #[sqlx(rename = "minutes")]
    pub volunteer_minutes: i64,
}

const ACTIVITY_COLUMNS: &str =
    "id, community_code, title, activity_type, station_id, team_id, starts_at, ends_at,
        people_served, cancelled, created_by, created_at";

/// The columns of [`SignInRow`], from `volunteer_sign_ins s` joined with `volunteers v`.
const SIGN_IN_COLUMNS: &str =
    "s.activity_id, s.volunteer_id, v.name, s.signed_in_at, s.signed_out_at, s.minutes, s.points";

/// An activity that has ended with volunteers still signed in: their time waits to be signed
/// off (签退核定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SignOffRow {
    #[sqlx(flatten)]
    pub activity: ActivityRow,
    pub community_name: String,
    /// Volunteers signed in and not yet out.
    pub still_in: i64,
}

/// A sign-in with its activity's title.
#[derive(sqlx::FromRow)]
struct ServiceLine {
    #[sqlx(flatten)]
    sign_in: SignInRow,
    title: String,
}

impl Store {
    pub async fn create_activity(&self, new: &NewActivity<'_>, by: By<'_>) -> Result<ActivityRow> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO volunteer_activities (id, community_code, title, activity_type, station_id, team_id,
                 starts_at, ends_at, people_served, cancelled, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, $9, $10)",
        )
        .bind(&id)
        .bind(new.community_code)
        .bind(new.title)
        .bind(new.activity_type)
        .bind(new.station_id)
        .bind(new.team_id)
        .bind(new.starts_at)
        .bind(new.ends_at)
        .bind(by.actor)
        .bind(by.at)
        .execute(self.pool())
        .await?;
        Ok(ActivityRow {
            id,
            community_code: new.community_code.to_string(),
            title: new.title.to_string(),
            activity_type: new.activity_type.to_string(),
            station_id: new.station_id.map(str::to_string),
            team_id: new.team_id.map(str::to_string),
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            people_served: 0,
            cancelled: false,
            created_by: by.actor.to_string(),
            created_at: by.at,
        })
    }

    pub async fn activity(&self, id: &str) -> Result<Option<ActivityRow>> {
        self.row_where(
            &format!("SELECT {ACTIVITY_COLUMNS} FROM volunteer_activities WHERE id = $1"),
            id,
        )
        .await
    }

    /// Activities in the subtree with `prefix`, not cancelled, ended by `now`, with volunteers
    /// still signed in; the earliest ended first, at most `limit`.
    pub async fn activities_to_sign_off(
        &self,
        prefix: &str,
        now: i64,
        limit: i64,
    ) -> Result<Vec<SignOffRow>> {
        let (low, high) = code_range(prefix);
        let open =
            "FROM volunteer_sign_ins s WHERE s.activity_id = a.id AND s.signed_out_at IS NULL";
        Ok(sqlx::query_as(&format!(
            "SELECT {ACTIVITY_COLUMNS}, r.name AS community_name, (SELECT COUNT(*) {open}) AS still_in
             FROM volunteer_activities a JOIN regions r ON r.code = a.community_code
             WHERE a.community_code BETWEEN $1 AND $2 AND a.cancelled = 0 AND a.ends_at <= $3
               AND EXISTS (SELECT 1 {open})
             ORDER BY a.ends_at, a.id LIMIT $4"
        ))
        .bind(low)
        .bind(high)
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// A community's activities, latest start first.
    pub async fn activities_in(&self, community: &str) -> Result<Vec<ActivityRow>> {
        self.rows_where(
            &format!(
                "SELECT {ACTIVITY_COLUMNS} FROM volunteer_activities WHERE community_code = $1
                 ORDER BY starts_at DESC, id"
            ),
            community,
        )
        .await
    }

    /// Records how many residents an activity served.
    pub async fn set_people_served(&self, activity: &str, people: i64) -> Result<bool> {
        let changed =
            sqlx::query("UPDATE volunteer_activities SET people_served = $1 WHERE id = $2")
                .bind(people)
                .bind(activity)
                .execute(self.pool())
                .await?
                .rows_affected();
        Ok(changed == 1)
    }

    /// Sets the people served only if it is still `read`, the figure the form showed: the
    /// check is the update's own condition. False when it moved on (or there is no activity).
    pub async fn set_people_served_if(
        &self,
        activity: &str,
        people: i64,
        read: i64,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE volunteer_activities SET people_served = $1 WHERE id = $2 AND people_served = $3",
        )
        .bind(people)
        .bind(activity)
        .bind(read)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Cancels an activity nobody has signed in to; false otherwise (time already served is
    /// not taken back by cancelling).
    pub async fn cancel_activity(&self, activity: &str) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE volunteer_activities SET cancelled = 1
             WHERE id = $1 AND cancelled = 0
               AND NOT EXISTS (SELECT 1 FROM volunteer_sign_ins s WHERE s.activity_id = $1)",
        )
        .bind(activity)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Signs a volunteer in; false when they are already signed in to this activity.
    pub async fn sign_in(&self, activity: &str, volunteer: &str, by: By<'_>) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO volunteer_sign_ins (activity_id, volunteer_id, signed_in_at, recorded_by)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(activity)
        .bind(volunteer)
        .bind(by.at)
        .bind(by.actor)
        .execute(self.pool())
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn sign_in_of(&self, activity: &str, volunteer: &str) -> Result<Option<SignInRow>> {
        Ok(self
            .sign_ins_of(activity)
            .await?
            .into_iter()
            .find(|s| s.volunteer_id == volunteer))
    }

    /// An activity's sign-ins, by sign-in time.
    pub async fn sign_ins_of(&self, activity: &str) -> Result<Vec<SignInRow>> {
        self.rows_where(
            &format!(
                "SELECT {SIGN_IN_COLUMNS}
                 FROM volunteer_sign_ins s JOIN volunteers v ON v.id = s.volunteer_id
                 WHERE s.activity_id = $1 ORDER BY s.signed_in_at, v.name"
            ),
            activity,
        )
        .await
    }

    /// A volunteer's sign-ins with their activities' titles, latest first.
    pub async fn service_record(&self, volunteer: &str) -> Result<Vec<(SignInRow, String)>> {
        let rows: Vec<ServiceLine> = sqlx::query_as(&format!(
            "SELECT {SIGN_IN_COLUMNS}, a.title
             FROM volunteer_sign_ins s
             JOIN volunteers v ON v.id = s.volunteer_id
             JOIN volunteer_activities a ON a.id = s.activity_id
             WHERE s.volunteer_id = $1 ORDER BY s.signed_in_at DESC, s.activity_id"
        ))
        .bind(volunteer)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| (r.sign_in, r.title)).collect())
    }

    /// Signs a volunteer out with the counted time, and credits `points` (if any) under the
    /// award's key, in one transaction. A second sign-out changes nothing.
    pub async fn sign_out(
        &self,
        activity: &str,
        volunteer: &str,
        minutes: i64,
        award: Option<(&str, i64)>,
        by: By<'_>,
    ) -> Result<SignedOut> {
        let mut tx = self.write_tx().await?;
        let changed = sqlx::query(
            "UPDATE volunteer_sign_ins SET signed_out_at = $1, minutes = $2, points = $3
             WHERE activity_id = $4 AND volunteer_id = $5 AND signed_out_at IS NULL",
        )
        .bind(by.at)
        .bind(minutes)
        .bind(award.map(|(_, p)| p).unwrap_or(0))
        .bind(activity)
        .bind(volunteer)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            let exists = sqlx::query(
                "SELECT 1 AS one FROM volunteer_sign_ins WHERE activity_id = $1 AND volunteer_id = $2",
            )
            .bind(activity)
            .bind(volunteer)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
            return Ok(if exists {
                SignedOut::Already
            } else {
                SignedOut::NotSignedIn
            });
        }
        let mut row = None;
        if let Some((key, points)) = award.filter(|(_, p)| *p > 0) {
            if !change_balance(&mut tx, volunteer, points).await? {
                return Err(sqlx::Error::RowNotFound.into());
            }
            let entry = Entry {
                key,
                volunteer,
                at: by.at,
                points,
                kind: "earn",
                activity_id: Some(activity),
                item_id: None,
                quantity: None,
                refund_of: None,
                reason: None,
                actor: by.actor,
            };
            match insert_entry(&mut tx, &entry).await {
                Ok(r) => row = Some(r),
                // The award was credited before (the key is per activity and volunteer).
                Err(e) if is_unique_violation(&e) => return Ok(SignedOut::Already),
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        Ok(SignedOut::Done {
            award: row.map(Box::new),
        })
    }

    /// A community's activities starting in [from, to), each with its volunteers' counted
    /// minutes.
    pub async fn activity_figures(
        &self,
        community: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ActivityFigures>> {
        Ok(sqlx::query_as(
            "SELECT a.starts_at, a.cancelled, a.people_served,
                    CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS minutes
             FROM volunteer_activities a
             LEFT JOIN volunteer_sign_ins s ON s.activity_id = a.id
             WHERE a.community_code = $1 AND a.starts_at >= $2 AND a.starts_at < $3
             GROUP BY a.id, a.starts_at, a.cancelled, a.people_served",
        )
        .bind(community)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?)
    }
}
