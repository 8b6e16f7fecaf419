//! 兑换发放: redemptions a volunteer made online, waiting at the station until staff hand the
//! item over. The row is written with the redemption (see `redeem`); a refunded redemption is
//! no longer waiting.

use serde::Serialize;
use serde_json::json;

use crate::audit::{AuditEvent, append};
use crate::rounds::By;
use crate::{Result, Store, code_range};

/// A redemption waiting to be handed out, with the names a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HandoutRow {
    pub ledger_key: String,
    pub community_code: String,
    pub community_name: String,
    pub volunteer_id: String,
    pub volunteer_name: String,
    pub item_name: String,
    pub quantity: i64,
    pub redeemed_at: i64,
}

const WAITING: &str = "SELECT h.ledger_key, h.community_code, r.name AS community_name,
        h.volunteer_id, v.name AS volunteer_name, i.name AS item_name, h.quantity, h.redeemed_at
    FROM mall_handouts h
    JOIN volunteers v ON v.id = h.volunteer_id
    JOIN mall_items i ON i.id = h.item_id
    JOIN regions r ON r.code = h.community_code
    WHERE h.handed_out_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM points_ledger f WHERE f.refund_of = h.ledger_key)";

impl Store {
    /// Redemptions waiting to be handed out in the subtree with `prefix`, oldest first, at
    /// most `limit`.
    pub async fn handouts_waiting(&self, prefix: &str, limit: i64) -> Result<Vec<HandoutRow>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "{WAITING} AND h.community_code BETWEEN $1 AND $2
             ORDER BY h.redeemed_at, h.ledger_key LIMIT $3"
        ))
        .bind(low)
        .bind(high)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// One redemption waiting to be handed out.
    pub async fn handout_waiting(&self, ledger_key: &str) -> Result<Option<HandoutRow>> {
        self.row_where(&format!("{WAITING} AND h.ledger_key = $1"), ledger_key)
            .await
    }

    /// Marks a redemption handed out, audited. False when it was not waiting (handed out
    /// already, refunded, or never collected at the station).
    pub async fn hand_out(&self, ledger_key: &str, by: By<'_>) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let changed = sqlx::query(
            "UPDATE mall_handouts SET handed_out_at = $1, handed_out_by = $2
             WHERE ledger_key = $3 AND handed_out_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM points_ledger f WHERE f.refund_of = $3)",
        )
        .bind(by.at)
        .bind(by.actor)
        .bind(ledger_key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        let community: String =
            sqlx::query_scalar("SELECT community_code FROM mall_handouts WHERE ledger_key = $1")
                .bind(ledger_key)
                .fetch_one(&mut *tx)
                .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                community_code: Some(&community),
                after: Some(json!({ "redemption": ledger_key }).to_string()),
                ..by.event("mall_handout")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
