//! Notifications: the outbox of messages, their deliveries per channel, and each person's
//! contact details and choices.
//!
//! Sending each delivery once across several servers lives here, in [`Store::claim_deliveries`]
//! and [`Store::finish_delivery`]: a worker claims due deliveries with a lease in one statement
//! (on PostgreSQL the rows are picked with `FOR UPDATE SKIP LOCKED`, so two workers never pick
//! the same row; SQLite has one writer), sends, and records the outcome only while it still
//! holds the lease. A worker that dies mid-send leaves a lease that runs out; the delivery is
//! then claimed again, and the receiver can drop the repeat by the delivery's id.

use serde::Serialize;

use crate::accounts::UserRow;
use crate::sql::bind_list;
use crate::{Backend, Result, Store, new_id};

/// A message to make, unless one with the same `dedupe_key` exists.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub recipient_id: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub dedupe_key: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A person's contact details and the form version they were read at (0: none saved yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRow {
    pub email: String,
    pub phone: String,
    pub version: i64,
}

/// One stored choice: a kind on a channel, on or off.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PreferenceRow {
    pub kind: String,
    pub channel: String,
    pub enabled: i64,
}

/// A delivery a worker holds the lease of, with what to send.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: String,
    pub notification_id: String,
    pub channel: String,
    pub address: String,
    /// Counting this one.
    pub attempts: i64,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub recipient_name: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: String,
}

/// A delivery as the tests and the settings page's history read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub notification_id: String,
    pub channel: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

/// How a send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Failed; try again at this time.
    Retry {
        at: i64,
        error: String,
    },
    /// Failed for the last time.
    GiveUp {
        error: String,
    },
}

impl Store {
    /// The enabled accounts other than residents: the people reminders are made for.
    pub async fn notification_recipients(&self) -> Result<Vec<UserRow>> {
        Ok(sqlx::query_as(
            "SELECT id, username, display_name, password_hash, role, region_code, disabled
             FROM users WHERE disabled = 0 AND role <> 'resident' ORDER BY username",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Makes the message and its deliveries (channel, address) in one transaction, unless a
    /// message with its dedupe key exists. True when this call made it.
    pub async fn create_notification(
        &self,
        new: &NewNotification<'_>,
        deliveries: &[(&str, &str)],
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let id = new_id();
        let made = sqlx::query(
            "INSERT INTO notifications (id, recipient_id, kind, subject, body, link, dedupe_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(&id)
        .bind(new.recipient_id)
        .bind(new.kind)
        .bind(new.subject)
        .bind(new.body)
        .bind(new.link)
        .bind(new.dedupe_key)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if made {
            for (channel, address) in deliveries {
                sqlx::query(
                    "INSERT INTO notification_deliveries
                       (id, notification_id, channel, address, state, attempts, next_attempt_at)
                     VALUES ($1, $2, $3, $4, 'pending', 0, $5)",
                )
                .bind(new_id())
                .bind(&id)
                .bind(channel)
                .bind(address)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(made)
    }

    /// Whether a message with this dedupe key exists.
    pub async fn notification_exists(&self, dedupe_key: &str) -> Result<bool> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM notifications WHERE dedupe_key = $1")
                .bind(dedupe_key)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    /// A person's messages, newest first, at most `limit`.
    pub async fn notifications_for(
        &self,
        user_id: &str,
        limit: i64,
    ) -> Result<Vec<NotificationRow>> {
        Ok(sqlx::query_as(
            "SELECT id, kind, subject, body, link, created_at, read_at FROM notifications
             WHERE recipient_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// How many of a person's messages are unread (the bell).
    pub async fn unread_notifications(&self, user_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Marks one of the person's own messages read; false when they have no such message.
    pub async fn mark_notification_read(&self, user_id: &str, id: &str, now: i64) -> Result<bool> {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM notifications WHERE id = $1 AND recipient_id = $2")
                .bind(id)
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        if exists.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE notifications SET read_at = $1
             WHERE id = $2 AND recipient_id = $3 AND read_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(true)
    }

    /// Marks all of a person's messages read; how many were unread.
    pub async fn mark_all_notifications_read(&self, user_id: &str, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE recipient_id = $2 AND read_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    /// A person's contact details (empty, version 0, when none are saved) and stored choices.
    pub async fn notification_settings(
        &self,
        user_id: &str,
    ) -> Result<(ContactRow, Vec<PreferenceRow>)> {
        let contact: Option<ContactRow> = self
            .row_where(
                "SELECT email, phone, version FROM notification_contacts WHERE user_id = $1",
                user_id,
            )
            .await?;
        let choices = self
            .rows_where(
                "SELECT kind, channel, enabled FROM notification_preferences WHERE user_id = $1",
                user_id,
            )
            .await?;
        Ok((contact.unwrap_or_default(), choices))
    }

    /// Saves contact details and every choice, if the settings are still at `read_version`
    /// (0: never saved). `Ok(Err(current))` when someone saved them since.
    pub async fn save_notification_settings(
        &self,
        user_id: &str,
        contact: (&str, &str),
        choices: &[(&str, &str, bool)],
        read_version: i64,
        now: i64,
    ) -> Result<std::result::Result<i64, i64>> {
        let mut tx = self.write_tx().await?;
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM notification_contacts WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let current = current.unwrap_or(0);
        if current != read_version {
            return Ok(Err(current));
        }
        let next = current + 1;
        let (email, phone) = contact;
        let written = if current == 0 {
            sqlx::query(
                "INSERT INTO notification_contacts (user_id, email, phone, version, updated_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(email)
            .bind(phone)
            .bind(next)
            .bind(now)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query(
                "UPDATE notification_contacts SET email = $1, phone = $2, version = $3, updated_at = $4
                 WHERE user_id = $5 AND version = $6",
            )
            .bind(email)
            .bind(phone)
            .bind(next)
            .bind(now)
            .bind(user_id)
            .bind(current)
            .execute(&mut *tx)
            .await?
        };
        if written.rows_affected() != 1 {
            return Ok(Err(current + 1));
        }
        sqlx::query("DELETE FROM notification_preferences WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for (kind, channel, on) in choices {
            sqlx::query(
                "INSERT INTO notification_preferences (user_id, kind, channel, enabled)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(kind)
            .bind(channel)
            .bind(i64::from(*on))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(next))
    }

    /// Claims up to `limit` deliveries due at `now` for `owner` until `lease_until`, counting
    /// the attempt, in one statement; returns them with what to send.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claimed: Vec<Claimed> = sqlx::query_as(&format!(
            "UPDATE notification_deliveries
             SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id IN (SELECT id FROM notification_deliveries
                          WHERE state = 'pending' AND next_attempt_at <= $3
                            AND (lease_until IS NULL OR lease_until <= $3)
                          ORDER BY next_attempt_at LIMIT $4{lock})
             RETURNING id"
        ))
        .bind(owner)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT d.id, d.notification_id, d.channel, d.address, d.attempts, n.kind, n.subject,
                    n.body, n.link, u.display_name AS recipient_name, n.created_at
             FROM notification_deliveries d
             JOIN notifications n ON n.id = d.notification_id
             JOIN users u ON u.id = n.recipient_id
             WHERE d.lease_owner = $1 AND d.id IN ({})
             ORDER BY d.next_attempt_at, d.id",
            bind_list(2, claimed.len())
        );
        let mut query = sqlx::query_as(&sql).bind(owner);
        for row in &claimed {
            query = query.bind(&row.id);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// Records how a claimed delivery's send ended, only while `owner` still holds it; false when
    /// the lease was lost (another worker claimed it after it ran out).
    pub async fn finish_delivery(
        &self,
        id: &str,
        owner: &str,
        outcome: &Outcome,
        now: i64,
    ) -> Result<bool> {
        let query = match outcome {
            Outcome::Sent => sqlx::query(
                "UPDATE notification_deliveries
                 SET state = 'sent', sent_at = $1, lease_owner = NULL, lease_until = NULL
                 WHERE id = $2 AND lease_owner = $3 AND state = 'pending'",
            )
            .bind(now),
            Outcome::Retry { at, error } => sqlx::query(
                "UPDATE notification_deliveries
                 SET next_attempt_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL
                 WHERE id = $3 AND lease_owner = $4 AND state = 'pending'",
            )
            .bind(*at)
            .bind(error.clone()),
            Outcome::GiveUp { error } => sqlx::query(
                "UPDATE notification_deliveries
                 SET state = 'failed', last_error = $1, lease_owner = NULL, lease_until = NULL
                 WHERE id = $2 AND lease_owner = $3 AND state = 'pending'",
            )
            .bind(error.clone()),
        };
        Ok(query
            .bind(id)
            .bind(owner)
            .execute(self.pool())
            .await?
            .rows_affected()
            == 1)
    }

    /// Every delivery of a person's messages, oldest first.
    pub async fn deliveries_for(&self, user_id: &str) -> Result<Vec<DeliveryRow>> {
        self.rows_where(
            "SELECT d.id, d.notification_id, d.channel, d.state, d.attempts, d.next_attempt_at,
                    d.last_error, d.sent_at
             FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
             WHERE n.recipient_id = $1 ORDER BY n.created_at, d.id",
            user_id,
        )
        .await
    }

    /// Every delivery in a state, oldest first (tests and the worker's summary).
    pub async fn deliveries_in_state(&self, state: &str) -> Result<Vec<DeliveryRow>> {
        self.rows_where(
            "SELECT id, notification_id, channel, state, attempts, next_attempt_at, last_error,
                    sent_at
             FROM notification_deliveries WHERE state = $1 ORDER BY next_attempt_at, id",
            state,
        )
        .await
    }
}
