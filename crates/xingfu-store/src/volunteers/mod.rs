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
//!
//! This module keeps the people (volunteers, teams, stations) and the ledger's write path;
//! activities and their counted time are in `activities`, the ledger and the mall in `points`.

mod activities;
mod handouts;
mod points;

pub use activities::{ActivityFigures, ActivityRow, NewActivity, SignInRow, SignOffRow, SignedOut};
pub use handouts::HandoutRow;
pub use points::{Applied, ItemRow, LedgerRow, PointsError};

use serde::Serialize;
use sqlx::AnyConnection;

use crate::{Result, Store, new_id, or_duplicate};

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

const VOLUNTEER_SELECT: &str =
    "SELECT v.id, v.community_code, v.name, v.team_id, v.user_id, v.phone, v.joined_at,
        COALESCE(b.balance, 0) AS balance
     FROM volunteers v LEFT JOIN points_balances b ON b.volunteer_id = v.id";

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
        or_duplicate(inserted, "station", name.to_string())?;
        Ok(StationRow {
            id,
            community_code: community.to_string(),
            name: name.to_string(),
        })
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
        or_duplicate(inserted, "team", name.to_string())?;
        Ok(TeamRow {
            id,
            community_code: community.to_string(),
            name: name.to_string(),
            station_id: station.map(str::to_string),
        })
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
        or_duplicate(
            inserted,
            "volunteer account",
            new.user_id.unwrap_or_default().to_string(),
        )?;
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
        self.rows_where(
            &format!("{VOLUNTEER_SELECT} WHERE v.community_code = $1 ORDER BY v.name, v.id"),
            community,
        )
        .await
    }
}
