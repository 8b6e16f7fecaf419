//! Idempotency keys of posted forms (migration 0022): the first request with a key claims it,
//! its outcome answers every repeat, so an item queued on a phone and sent twice is saved once.

use crate::{Result, Store, is_unique_violation};

/// A claim left unsettled this long (its server stopped mid-request) may be taken over.
pub const STALE_CLAIM_MS: i64 = 5 * 60 * 1000;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request is the first with the key: handle it, then settle or release the key.
    First,
    /// A request with this key was handled: it sent the browser here.
    Answered(String),
    /// A request with this key is being handled right now.
    InProgress,
    /// The key was used by another account or for another form.
    Mismatch,
}

impl Store {
    /// Claims `key` for `account` posting to `path` at `now` (Unix ms).
    pub async fn claim_submission(
        &self,
        key: &str,
        account: &str,
        path: &str,
        now: i64,
    ) -> Result<Claim> {
        let inserted = sqlx::query(
            "INSERT INTO submission_keys (key, account, path, outcome, claimed_at)
             VALUES ($1, $2, $3, NULL, $4)",
        )
        .bind(key)
        .bind(account)
        .bind(path)
        .bind(now)
        .execute(self.pool())
        .await;
        match inserted {
            Ok(_) => return Ok(Claim::First),
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
        let (owner, owned_path, outcome, claimed_at): (String, String, Option<String>, i64) =
            sqlx::query_as(
                "SELECT account, path, outcome, claimed_at FROM submission_keys WHERE key = $1",
            )
            .bind(key)
            .fetch_one(self.pool())
            .await?;
        if owner != account || owned_path != path {
            return Ok(Claim::Mismatch);
        }
        if let Some(outcome) = outcome {
            return Ok(Claim::Answered(outcome));
        }
        if claimed_at > now - STALE_CLAIM_MS {
            return Ok(Claim::InProgress);
        }
        // Take over a stale claim, unless another request took it over first.
        let taken = sqlx::query(
            "UPDATE submission_keys SET claimed_at = $2
             WHERE key = $1 AND outcome IS NULL AND claimed_at = $3",
        )
        .bind(key)
        .bind(now)
        .bind(claimed_at)
        .execute(self.pool())
        .await?;
        Ok(if taken.rows_affected() == 1 {
            Claim::First
        } else {
            Claim::InProgress
        })
    }

    /// Records where the first request with `key` sent the browser.
    pub async fn settle_submission(&self, key: &str, outcome: &str) -> Result<()> {
        sqlx::query("UPDATE submission_keys SET outcome = $2 WHERE key = $1")
            .bind(key)
            .bind(outcome)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Frees `key` after a request that saved nothing (the form came back with errors), so
    /// the corrected form may be sent with it again.
    pub async fn release_submission(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM submission_keys WHERE key = $1 AND outcome IS NULL")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
