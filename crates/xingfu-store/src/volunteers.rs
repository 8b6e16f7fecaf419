//! Volunteers (志愿者), their teams and stations, activities with sign-in and counted time, the
//! points ledger and the love mall (爱心商城).
//!
//! The ledger rules are the core's (`xingfu_core::ops::points`); here they are carried out so
//! that they hold under concurrent requests from several app servers:
//!
//! - every ledger row has a unique key, so a retried or concurrent request is applied once;
//! - a redemption is one transaction: `UPDATE mall_items … WHERE stock >= qty`, then
//!   `UPDATE points_balances … WHERE balance >= cost`, then the keyed ledger row. If either
//!   update touches no row nothing is written, so stock is never oversold and a balance never
//!   goes negative (the columns' CHECK constraints are a second guard). Locks are always taken
//!   item first, balance second, so two redemptions cannot deadlock;
//! - the balance beside the ledger changes in the same transaction as each ledger row, and each
//!   volunteer's rows are numbered (`seq`) under the balance row's lock, so
//!   `xingfu_core::ops::points::verify` can replay them in order.

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;
use xingfu_core::ops::points::{EntryKind, LedgerEntry, LedgerRefusal, MallItem, check_redemption};

use crate::audit::{AuditEvent, append};
use crate::rounds::By;
use crate::sql::Flag;
use crate::{Result, Store, StoreError, is_unique_violation, new_id};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StationRow {
    pub id: String,
    pub community_code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TeamRow {
    pub id: String,
    pub community_code: String,
    pub name: String,
    pub station_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VolunteerRow {
    pub id: String,
    pub community_code: String,
    pub name: String,
    pub team_id: Option<String>,
    pub user_id: Option<String>,
    pub phone: Option<String>,
    pub joined_at: i64,
    pub balance: i64,
}

#[derive(Debug, Clone)]
pub struct NewVolunteer<'a> {
    pub community_code: &'a str,
    pub name: &'a str,
    pub team_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub phone: Option<&'a str>,
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ItemRow {
    pub id: String,
    pub community_code: String,
    pub name: String,
    pub cost: i64,
    pub stock: i64,
    #[sqlx(try_from = "Flag")]
    pub active: bool,
}

impl ItemRow {
    pub fn to_core(&self) -> MallItem {
        MallItem {
            id: self.id.clone(),
            name: self.name.clone(),
            cost: self.cost,
            stock: self.stock,
            active: self.active,
        }
    }
}

/// A ledger row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LedgerRow {
    pub key: String,
    pub volunteer_id: String,
    pub seq: i64,
    pub at: i64,
    pub points: i64,
    /// `earn`, `redeem`, `refund` or `adjust`.
    pub kind: String,
    pub activity_id: Option<String>,
    pub item_id: Option<String>,
    /// The item's name, for redemptions and refunds.
    pub item_name: Option<String>,
    pub quantity: Option<i64>,
    pub refund_of: Option<String>,
    pub reason: Option<String>,
    pub actor: String,
}

impl LedgerRow {
    /// The core's view of the row, for `verify`.
    pub fn to_core(&self) -> LedgerEntry {
        let kind = match self.kind.as_str() {
            "earn" => EntryKind::Earn {
                activity: self.activity_id.clone().unwrap_or_default(),
            },
            "redeem" => EntryKind::Redeem {
                item: self.item_id.clone().unwrap_or_default(),
                quantity: u32::try_from(self.quantity.unwrap_or(0)).unwrap_or(0),
            },
            "refund" => EntryKind::Refund {
                of: self.refund_of.clone().unwrap_or_default(),
            },
            _ => EntryKind::Adjust {
                reason: self.reason.clone().unwrap_or_default(),
            },
        };
        LedgerEntry {
            key: self.key.clone(),
            volunteer: self.volunteer_id.clone(),
            at: self.at,
            points: self.points,
            kind,
        }
    }
}

/// What a ledger operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written now.
    New(LedgerRow),
    /// The same request was applied before (a retry): nothing written again.
    Before(LedgerRow),
}

impl Applied {
    pub fn row(&self) -> &LedgerRow {
        match self {
            Applied::New(row) | Applied::Before(row) => row,
        }
    }
}

/// Why a ledger operation wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum PointsError {
    /// The core's refusal (not enough points or stock, inactive item, …).
    #[error(transparent)]
    Refused(#[from] LedgerRefusal),
    #[error("no volunteer {0}")]
    UnknownVolunteer(String),
    #[error("the item belongs to another community's mall")]
    OtherCommunity,
    #[error("request key {0} was already used for a different request")]
    KeyReused(String),
    #[error("the item's price changed while redeeming; look again and retry")]
    PriceChanged,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PointsError {
    fn from(error: sqlx::Error) -> Self {
        PointsError::Store(error.into())
    }
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

const VOLUNTEER_SELECT: &str =
    "SELECT v.id, v.community_code, v.name, v.team_id, v.user_id, v.phone, v.joined_at,
        COALESCE(b.balance, 0) AS balance
     FROM volunteers v LEFT JOIN points_balances b ON b.volunteer_id = v.id";

const ACTIVITY_COLUMNS: &str =
    "id, community_code, title, activity_type, station_id, team_id, starts_at, ends_at,
        people_served, cancelled, created_by, created_at";

const ITEM_COLUMNS: &str = "id, community_code, name, cost, stock, active";

/// The columns of [`SignInRow`], from `volunteer_sign_ins s` joined with `volunteers v`.
const SIGN_IN_COLUMNS: &str =
    "s.activity_id, s.volunteer_id, v.name, s.signed_in_at, s.signed_out_at, s.minutes, s.points";

/// A sign-in with its activity's title.
#[derive(sqlx::FromRow)]
struct ServiceLine {
    #[sqlx(flatten)]
    sign_in: SignInRow,
    title: String,
}

const LEDGER_SELECT: &str =
    "SELECT l.key, l.volunteer_id, l.seq, l.at, l.points, l.kind, l.activity_id, l.item_id,
        i.name AS item_name, l.quantity, l.refund_of, l.reason, l.actor
     FROM points_ledger l LEFT JOIN mall_items i ON i.id = l.item_id";

async fn ledger_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<LedgerRow>> {
    Ok(sqlx::query_as(&format!("{LEDGER_SELECT} WHERE l.key = $1"))
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?)
}

async fn item_in(conn: &mut AnyConnection, id: &str) -> Result<Option<ItemRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} FROM mall_items WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

async fn balance_in(conn: &mut AnyConnection, volunteer: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT balance FROM points_balances WHERE volunteer_id = $1")
            .bind(volunteer)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A ledger row to write; `seq` is taken inside the transaction.
struct Entry<'a> {
    key: &'a str,
    volunteer: &'a str,
    at: i64,
    points: i64,
    kind: &'a str,
    activity_id: Option<&'a str>,
    item_id: Option<&'a str>,
    quantity: Option<i64>,
    refund_of: Option<&'a str>,
    reason: Option<&'a str>,
    actor: &'a str,
}

/// Writes a ledger row. Call it after the volunteer's balance row was updated in the same
/// transaction: that update holds the row's lock, so the next `seq` is this one's alone.
async fn insert_entry(
    conn: &mut AnyConnection,
    e: &Entry<'_>,
) -> std::result::Result<LedgerRow, sqlx::Error> {
    let seq: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) AS next FROM points_ledger WHERE volunteer_id = $1",
    )
    .bind(e.volunteer)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO points_ledger (key, volunteer_id, seq, at, points, kind, activity_id, item_id, quantity, refund_of, reason, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.key)
    .bind(e.volunteer)
    .bind(seq)
    .bind(e.at)
    .bind(e.points)
    .bind(e.kind)
    .bind(e.activity_id)
    .bind(e.item_id)
    .bind(e.quantity)
    .bind(e.refund_of)
    .bind(e.reason)
    .bind(e.actor)
    .execute(&mut *conn)
    .await?;
    Ok(LedgerRow {
        key: e.key.to_string(),
        volunteer_id: e.volunteer.to_string(),
        seq,
        at: e.at,
        points: e.points,
        kind: e.kind.to_string(),
        activity_id: e.activity_id.map(str::to_string),
        item_id: e.item_id.map(str::to_string),
        item_name: None,
        quantity: e.quantity,
        refund_of: e.refund_of.map(str::to_string),
        reason: e.reason.map(str::to_string),
        actor: e.actor.to_string(),
    })
}

/// Adds `delta` to a balance, unless that would take it below zero. True when changed.
async fn change_balance(conn: &mut AnyConnection, volunteer: &str, delta: i64) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE points_balances SET balance = balance + $1
         WHERE volunteer_id = $2 AND balance + $1 >= 0",
    )
    .bind(delta)
    .bind(volunteer)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

impl Store {
    pub async fn create_station(&self, community: &str, name: &str, at: i64) -> Result<StationRow> {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO volunteer_stations (id, community_code, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(community)
        .bind(name)
        .bind(at)
        .execute(self.pool())
        .await;
        match inserted {
            Ok(_) => Ok(StationRow {
                id,
                community_code: community.to_string(),
                name: name.to_string(),
            }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "station",
                key: name.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn stations_in(&self, community: &str) -> Result<Vec<StationRow>> {
        Ok(sqlx::query_as(
            "SELECT id, community_code, name FROM volunteer_stations WHERE community_code = $1 ORDER BY name",
        )
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn create_team(
        &self,
        community: &str,
        name: &str,
        station: Option<&str>,
        at: i64,
    ) -> Result<TeamRow> {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO volunteer_teams (id, community_code, name, station_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(community)
        .bind(name)
        .bind(station)
        .bind(at)
        .execute(self.pool())
        .await;
        match inserted {
            Ok(_) => Ok(TeamRow {
                id,
                community_code: community.to_string(),
                name: name.to_string(),
                station_id: station.map(str::to_string),
            }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                what: "team",
                key: name.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn teams_in(&self, community: &str) -> Result<Vec<TeamRow>> {
        Ok(sqlx::query_as(
            "SELECT id, community_code, name, station_id FROM volunteer_teams WHERE community_code = $1 ORDER BY name",
        )
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }

    /// Registers a volunteer with a zero balance, in one transaction. An account can be linked
    /// to one volunteer only.
    pub async fn create_volunteer(&self, new: &NewVolunteer<'_>, at: i64) -> Result<VolunteerRow> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO volunteers (id, community_code, name, team_id, user_id, phone, joined_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(new.community_code)
        .bind(new.name)
        .bind(new.team_id)
        .bind(new.user_id)
        .bind(new.phone)
        .bind(at)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Duplicate {
                    what: "volunteer account",
                    key: new.user_id.unwrap_or_default().to_string(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        sqlx::query("INSERT INTO points_balances (volunteer_id, balance) VALUES ($1, 0)")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(VolunteerRow {
            id,
            community_code: new.community_code.to_string(),
            name: new.name.to_string(),
            team_id: new.team_id.map(str::to_string),
            user_id: new.user_id.map(str::to_string),
            phone: new.phone.map(str::to_string),
            joined_at: at,
            balance: 0,
        })
    }

    pub async fn volunteer(&self, id: &str) -> Result<Option<VolunteerRow>> {
        let row = sqlx::query_as(&format!("{VOLUNTEER_SELECT} WHERE v.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row)
    }

    /// The volunteer an account is linked to.
    pub async fn volunteer_of_user(&self, user_id: &str) -> Result<Option<VolunteerRow>> {
        let row = sqlx::query_as(&format!("{VOLUNTEER_SELECT} WHERE v.user_id = $1"))
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row)
    }

    pub async fn volunteers_in(&self, community: &str) -> Result<Vec<VolunteerRow>> {
        Ok(sqlx::query_as(&format!(
            "{VOLUNTEER_SELECT} WHERE v.community_code = $1 ORDER BY v.name, v.id"
        ))
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }

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
        Ok(sqlx::query_as(&format!(
            "SELECT {ACTIVITY_COLUMNS} FROM volunteer_activities WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A community's activities, latest start first.
    pub async fn activities_in(&self, community: &str) -> Result<Vec<ActivityRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ACTIVITY_COLUMNS} FROM volunteer_activities WHERE community_code = $1
             ORDER BY starts_at DESC, id"
        ))
        .bind(community)
        .fetch_all(self.pool())
        .await?)
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
        Ok(sqlx::query_as(&format!(
            "SELECT {SIGN_IN_COLUMNS}
             FROM volunteer_sign_ins s JOIN volunteers v ON v.id = s.volunteer_id
             WHERE s.activity_id = $1 ORDER BY s.signed_in_at, v.name"
        ))
        .bind(activity)
        .fetch_all(self.pool())
        .await?)
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

    pub async fn create_item(
        &self,
        community: &str,
        name: &str,
        cost: i64,
        stock: i64,
        by: By<'_>,
    ) -> Result<ItemRow> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO mall_items (id, community_code, name, cost, stock, active, created_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(&id)
        .bind(community)
        .bind(name)
        .bind(cost)
        .bind(stock)
        .bind(by.at)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: by.at,
                actor: by.actor,
                round_id: None,
                community_code: Some(community),
                action: "mall_item_add",
                before: None,
                after: Some(
                    json!({"item": id, "name": name, "cost": cost, "stock": stock}).to_string(),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ItemRow {
            id,
            community_code: community.to_string(),
            name: name.to_string(),
            cost,
            stock,
            active: true,
        })
    }

    pub async fn item(&self, id: &str) -> Result<Option<ItemRow>> {
        let mut conn = self.pool().acquire().await?;
        item_in(&mut conn, id).await
    }

    pub async fn items_in(&self, community: &str) -> Result<Vec<ItemRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM mall_items WHERE community_code = $1 ORDER BY cost, name, id"
        ))
        .bind(community)
        .fetch_all(self.pool())
        .await?)
    }

    /// Adds stock, audited; returns the new stock, or None for an unknown item.
    pub async fn restock(&self, item: &str, quantity: i64, by: By<'_>) -> Result<Option<i64>> {
        let mut tx = self.write_tx().await?;
        let changed = sqlx::query("UPDATE mall_items SET stock = stock + $1 WHERE id = $2")
            .bind(quantity)
            .bind(item)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        let row = item_in(&mut tx, item)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: by.at,
                actor: by.actor,
                round_id: None,
                community_code: Some(&row.community_code),
                action: "mall_restock",
                before: None,
                after: Some(
                    json!({"item": item, "added": quantity, "stock": row.stock}).to_string(),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(row.stock))
    }

    /// Takes an item off the shelf or puts it back.
    pub async fn set_item_active(&self, item: &str, active: bool) -> Result<bool> {
        let changed = sqlx::query("UPDATE mall_items SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(item)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(changed == 1)
    }

    /// Exchanges points for `quantity` of an item under `key` (one request, one key): see the
    /// module comment for how this holds under concurrency. A retry of an applied request gives
    /// [`Applied::Before`]; the same key for a different request is refused.
    pub async fn redeem(
        &self,
        key: &str,
        volunteer: &str,
        item: &str,
        quantity: u32,
        by: By<'_>,
    ) -> std::result::Result<Applied, PointsError> {
        let same = |row: &LedgerRow| {
            row.kind == "redeem"
                && row.volunteer_id == volunteer
                && row.item_id.as_deref() == Some(item)
                && row.quantity == Some(i64::from(quantity))
        };
        let replay = |row: LedgerRow| {
            if same(&row) {
                Ok(Applied::Before(row))
            } else {
                Err(PointsError::KeyReused(key.to_string()))
            }
        };
        let result = self.redeem_once(key, volunteer, item, quantity, by).await;
        match result {
            Ok(Some(row)) => Ok(Applied::New(row)),
            // Written by the same request before, or by a concurrent copy of it.
            Ok(None) => {
                let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
                let row = ledger_by_key(&mut conn, key)
                    .await?
                    .ok_or(sqlx::Error::RowNotFound)?;
                replay(row)
            }
            // A refusal may be a concurrent copy of this request having taken the last stock or
            // points: then it is a retry, not a refusal.
            Err(PointsError::Refused(refusal)) => {
                let mut conn = self.pool().acquire().await.map_err(StoreError::from)?;
                match ledger_by_key(&mut conn, key).await? {
                    Some(row) => replay(row),
                    None => Err(PointsError::Refused(refusal)),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// One attempt: `Ok(None)` when the key is already in the ledger.
    async fn redeem_once(
        &self,
        key: &str,
        volunteer: &str,
        item: &str,
        quantity: u32,
        by: By<'_>,
    ) -> std::result::Result<Option<LedgerRow>, PointsError> {
        let mut tx = self.write_tx().await?;
        if ledger_by_key(&mut tx, key).await?.is_some() {
            return Ok(None);
        }
        let balance = balance_in(&mut tx, volunteer)
            .await?
            .ok_or_else(|| PointsError::UnknownVolunteer(volunteer.to_string()))?;
        let stocked = item_in(&mut tx, item)
            .await?
            .ok_or_else(|| LedgerRefusal::UnknownItem(item.to_string()))?;
        let community: Option<String> =
            sqlx::query_scalar("SELECT community_code FROM volunteers WHERE id = $1")
                .bind(volunteer)
                .fetch_optional(&mut *tx)
                .await?;
        if community.as_deref() != Some(stocked.community_code.as_str()) {
            return Err(PointsError::OtherCommunity);
        }
        // The rule on what was read, for a precise refusal; the conditional updates below are
        // what hold under concurrency.
        let cost = check_redemption(balance, &stocked.to_core(), quantity)?;
        let wanted = i64::from(quantity);
        let took = sqlx::query(
            "UPDATE mall_items SET stock = stock - $1
             WHERE id = $2 AND active = 1 AND stock >= $1 AND cost = $3",
        )
        .bind(wanted)
        .bind(item)
        .bind(stocked.cost)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if took == 0 {
            // Another request got there first: say why with what is there now.
            let now = item_in(&mut tx, item)
                .await?
                .ok_or_else(|| LedgerRefusal::UnknownItem(item.to_string()))?;
            check_redemption(i64::MAX, &now.to_core(), quantity)?;
            return Err(PointsError::PriceChanged);
        }
        if !change_balance(&mut tx, volunteer, -cost).await? {
            let now = balance_in(&mut tx, volunteer).await?.unwrap_or(0);
            return Err(LedgerRefusal::NotEnoughPoints { balance: now, cost }.into());
        }
        let entry = Entry {
            key,
            volunteer,
            at: by.at,
            points: -cost,
            kind: "redeem",
            activity_id: None,
            item_id: Some(item),
            quantity: Some(wanted),
            refund_of: None,
            reason: None,
            actor: by.actor,
        };
        match insert_entry(&mut tx, &entry).await {
            Ok(mut row) => {
                tx.commit().await?;
                row.item_name = Some(stocked.name);
                Ok(Some(row))
            }
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Cancels a redemption: its points and stock come back, once.
    pub async fn refund(
        &self,
        redemption_key: &str,
        by: By<'_>,
    ) -> std::result::Result<Applied, PointsError> {
        let key = format!("refund:{redemption_key}");
        let mut tx = self.write_tx().await?;
        if let Some(row) = ledger_by_key(&mut tx, &key).await? {
            return Ok(Applied::Before(row));
        }
        let original = ledger_by_key(&mut tx, redemption_key)
            .await?
            .filter(|r| r.kind == "redeem")
            .ok_or_else(|| LedgerRefusal::UnknownRedemption(redemption_key.to_string()))?;
        let (Some(item), Some(quantity)) = (original.item_id.as_deref(), original.quantity) else {
            return Err(LedgerRefusal::UnknownRedemption(redemption_key.to_string()).into());
        };
        sqlx::query("UPDATE mall_items SET stock = stock + $1 WHERE id = $2")
            .bind(quantity)
            .bind(item)
            .execute(&mut *tx)
            .await?;
        if !change_balance(&mut tx, &original.volunteer_id, -original.points).await? {
            return Err(sqlx::Error::RowNotFound.into());
        }
        let entry = Entry {
            key: &key,
            volunteer: &original.volunteer_id,
            at: by.at,
            points: -original.points,
            kind: "refund",
            activity_id: None,
            item_id: Some(item),
            quantity: Some(quantity),
            refund_of: Some(redemption_key),
            reason: None,
            actor: by.actor,
        };
        match insert_entry(&mut tx, &entry).await {
            Ok(row) => {
                tx.commit().await?;
                Ok(Applied::New(row))
            }
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                Err(LedgerRefusal::AlreadyRefunded(redemption_key.to_string()).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A staff correction of a balance, with the reason; refused if it would go negative.
    pub async fn adjust_points(
        &self,
        key: &str,
        volunteer: &str,
        delta: i64,
        reason: &str,
        by: By<'_>,
    ) -> std::result::Result<Applied, PointsError> {
        if delta == 0 {
            return Err(LedgerRefusal::ZeroAdjustment.into());
        }
        if reason.trim().is_empty() {
            return Err(LedgerRefusal::NoReason.into());
        }
        let mut tx = self.write_tx().await?;
        if let Some(row) = ledger_by_key(&mut tx, key).await? {
            return Ok(Applied::Before(row));
        }
        let balance = balance_in(&mut tx, volunteer)
            .await?
            .ok_or_else(|| PointsError::UnknownVolunteer(volunteer.to_string()))?;
        if !change_balance(&mut tx, volunteer, delta).await? {
            let now = balance_in(&mut tx, volunteer).await?.unwrap_or(balance);
            return Err(LedgerRefusal::WouldGoNegative {
                result: now.saturating_add(delta),
            }
            .into());
        }
        let entry = Entry {
            key,
            volunteer,
            at: by.at,
            points: delta,
            kind: "adjust",
            activity_id: None,
            item_id: None,
            quantity: None,
            refund_of: None,
            reason: Some(reason.trim()),
            actor: by.actor,
        };
        let row = insert_entry(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Applied::New(row))
    }

    /// A volunteer's ledger in its own order.
    pub async fn ledger_of(&self, volunteer: &str) -> Result<Vec<LedgerRow>> {
        Ok(sqlx::query_as(&format!(
            "{LEDGER_SELECT} WHERE l.volunteer_id = $1 ORDER BY l.seq"
        ))
        .bind(volunteer)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn ledger_entry(&self, key: &str) -> Result<Option<LedgerRow>> {
        let mut conn = self.pool().acquire().await?;
        ledger_by_key(&mut conn, key).await
    }

    /// A volunteer's stored balance.
    pub async fn balance(&self, volunteer: &str) -> Result<Option<i64>> {
        let mut conn = self.pool().acquire().await?;
        balance_in(&mut conn, volunteer).await
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
