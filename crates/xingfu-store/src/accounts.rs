//! Accounts, database-backed sessions and login attempts (for throttling).
//!
//! Sessions live in the database, not in a process, so any app server behind a load balancer
//! can serve any request. Only a SHA-256 of the session token is stored.

use crate::sql::Flag;
use crate::{Backend, Result, Store, new_id, or_duplicate};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub region_code: String,
    #[sqlx(try_from = "Flag")]
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub region_code: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: i64,
    /// The person's unread notifications (the bell on every page), read with the session.
    pub unread: i64,
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, role, region_code, disabled";

/// A session joined with its user.
#[derive(sqlx::FromRow)]
struct SessionUser {
    csrf_token: String,
    expires_at: i64,
    unread: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    pub async fn create_user(&self, new: &NewUser<'_>, now: i64) -> Result<UserRow> {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, role, region_code, disabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
        )
        .bind(&id)
        .bind(new.username)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.role)
        .bind(new.region_code)
        .bind(now)
        .execute(self.pool())
        .await;
        or_duplicate(inserted, "user", new.username.to_string())?;
        Ok(UserRow {
            id,
            username: new.username.to_string(),
            display_name: new.display_name.to_string(),
            password_hash: new.password_hash.to_string(),
            role: new.role.to_string(),
            region_code: new.region_code.to_string(),
            disabled: false,
        })
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        self.row_where(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"),
            username,
        )
        .await
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>> {
        self.row_where(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            id,
        )
        .await
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.pool())
            .await?)
    }

    /// Stores a session for `token` (kept only as its hash).
    pub async fn create_session(
        &self,
        token: &str,
        user_id: &str,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(token))
        .bind(user_id)
        .bind(csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The live session for `token` and its user; expired sessions and disabled users give `None`.
    pub async fn session(&self, token: &str, now: i64) -> Result<Option<(SessionRow, UserRow)>> {
        let row: Option<SessionUser> = sqlx::query_as(
            "SELECT s.csrf_token, s.expires_at, u.id, u.username, u.display_name, u.password_hash, u.role,
                    u.region_code, u.disabled,
                    (SELECT COUNT(*) FROM notifications n
                     WHERE n.recipient_id = u.id AND n.read_at IS NULL) AS unread
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(SessionUser {
            csrf_token,
            expires_at,
            unread,
            user,
        }) = row
        else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        Ok(Some((
            SessionRow {
                user_id: user.id.clone(),
                csrf_token,
                expires_at,
                unread,
            },
            user,
        )))
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn record_login_attempt(
        &self,
        username: &str,
        at: i64,
        succeeded: bool,
    ) -> Result<()> {
        sqlx::query("INSERT INTO login_attempts (username, at, succeeded) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(at)
            .bind(i64::from(succeeded))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Failed attempts for `username` since `since` and after its last success.
    pub async fn recent_failures(&self, username: &str, since: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(RECENT_FAILURES)
            .bind(username)
            .bind(since)
            .fetch_one(self.pool())
            .await?)
    }

    /// Asks to check one password for `username` at `at`. When fewer than `max` failures are
    /// recorded since `since` (and after the last success), records this attempt as a failure —
    /// [`Store::record_login_attempt`] with `succeeded` then marks a right password — and
    /// answers true; otherwise records nothing and answers false (locked).
    ///
    /// Counting and recording are one step, serialised per user name, so parallel attempts
    /// cannot all pass the count before any is recorded: on SQLite by the write lock of
    /// `BEGIN IMMEDIATE`, on PostgreSQL by a transaction-scoped advisory lock on the name (plain
    /// READ COMMITTED would let each transaction count without seeing the others' rows).
    pub async fn reserve_login_attempt(
        &self,
        username: &str,
        at: i64,
        since: i64,
        max: i64,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        if self.backend() == Backend::Postgres {
            // The function returns void, which the Any driver cannot read: count its one row.
            sqlx::query(
                "SELECT COUNT(*) AS n FROM (SELECT pg_advisory_xact_lock($1, hashtext($2))) AS locked",
            )
            .bind(LOGIN_LOCK_CLASS)
            .bind(username)
            .fetch_one(&mut *tx)
            .await?;
        }
        let failures: i64 = sqlx::query_scalar(RECENT_FAILURES)
            .bind(username)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
        if failures >= max {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO login_attempts (username, at, succeeded) VALUES ($1, $2, 0)")
            .bind(username)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The first key of the PostgreSQL advisory locks that serialise sign-ins per user name (the
/// second is a hash of the name), kept apart from any other use of advisory locks.
const LOGIN_LOCK_CLASS: i32 = 0x4C4F_474E;

/// Failures since `$2` after the last success (a success recorded at the same millisecond as
/// its own reservation hides that reservation).
const RECENT_FAILURES: &str = "SELECT COUNT(*) AS n FROM login_attempts
     WHERE username = $1 AND succeeded = 0 AND at >= $2
       AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE username = $1 AND succeeded = 1), -1)";
