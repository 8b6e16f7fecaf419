//! The points ledger and the love mall: items, redemptions, refunds and staff adjustments.

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;
use xingfu_core::ops::points::{EntryKind, LedgerEntry, LedgerRefusal, MallItem, check_redemption};

use crate::audit::{AuditEvent, append};
use crate::rounds::By;
use crate::sql::Flag;
use crate::{Result, Store, StoreError, is_unique_violation, new_id};

use super::{Entry, LEDGER_SELECT, balance_in, change_balance, insert_entry, ledger_by_key};

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

const ITEM_COLUMNS: &str = "id, community_code, name, cost, stock, active";

async fn item_in(conn: &mut AnyConnection, id: &str) -> Result<Option<ItemRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} FROM mall_items WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

impl Store {
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
                community_code: Some(community),
                after: Some(
                    json!({"item": id, "name": name, "cost": cost, "stock": stock}).to_string(),
                ),
                ..by.event("mall_item_add")
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
        self.rows_where(&format!(
            "SELECT {ITEM_COLUMNS} FROM mall_items WHERE community_code = $1 ORDER BY cost, name, id"
        ), community).await
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
                community_code: Some(&row.community_code),
                after: Some(
                    json!({"item": item, "added": quantity, "stock": row.stock}).to_string(),
                ),
                ..by.event("mall_restock")
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
                // Exchanged by the volunteer themself (online): collected later at the station.
                sqlx::query(
                    "INSERT INTO mall_handouts (ledger_key, community_code, volunteer_id, item_id,
                         quantity, redeemed_at)
                     SELECT $1, community_code, id, $2, $3, $4 FROM volunteers
                     WHERE id = $5 AND user_id = $6",
                )
                .bind(key)
                .bind(item)
                .bind(wanted)
                .bind(by.at)
                .bind(volunteer)
                .bind(by.actor)
                .execute(&mut *tx)
                .await?;
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
        self.rows_where(
            &format!("{LEDGER_SELECT} WHERE l.volunteer_id = $1 ORDER BY l.seq"),
            volunteer,
        )
        .await
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
}
