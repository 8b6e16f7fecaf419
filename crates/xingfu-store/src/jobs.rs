//! The job queue (see `xingfu_core::jobs` for its rules). A server claims one due job with a
//! lease in one statement (on PostgreSQL the row is picked `FOR UPDATE SKIP LOCKED`, so two
//! servers never take the same row and neither waits on the other; SQLite has one writer), runs
//! it, and records the outcome only while it still holds the lease. A job whose server stopped
//! is claimed again when its lease runs out.

use serde::Serialize;
use xingfu_core::jobs::{JobKind, JobState, KEEP_DONE_MS, LEASE_MS, MAX_ATTEMPTS};

use crate::{Backend, Result, Store, code_range, new_id};

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: JobKind,
    pub payload: &'a str,
    pub area: Option<&'a str>,
    /// Unless a job with this key exists already.
    pub dedupe_key: Option<&'a str>,
    /// The key is given up when the job starts (a change during the run queues another).
    pub release_key_on_start: bool,
    pub run_at: i64,
    /// The person who asked for it, for a job a person starts (an export).
    pub requested_by: Option<&'a str>,
}

/// A job a server claimed and now holds.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub area: Option<String>,
    /// This attempt's number, 1 for the first.
    pub attempts: i64,
}

/// A job as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub area: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub run_at: i64,
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    pub outcome: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub version: i64,
    pub requested_by: Option<String>,
}

/// How a claimed job's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done, with what it did in a line.
    Done(String),
    /// Failed; try again at this time.
    Retry { at: i64, error: String },
    /// Failed for the last time.
    GiveUp { error: String },
}

const COLUMNS: &str = "id, kind, payload, area, state, attempts, run_at, lease_owner, last_error, \
                       outcome, created_at, started_at, finished_at, version, requested_by";

impl Store {
    /// Queues a job; false when one with the same key exists (it is queued once).
    pub async fn enqueue_job(&self, job: &NewJob<'_>, now: i64) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, payload, area, dedupe_key, release_key_on_start, state,
                               attempts, run_at, created_at, requested_by)
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $8, $9)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(job.kind.key())
        .bind(job.payload)
        .bind(job.area)
        .bind(job.dedupe_key)
        .bind(i64::from(job.release_key_on_start))
        .bind(job.run_at)
        .bind(now)
        .bind(job.requested_by)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Claims the most overdue job due at `now` for `owner` (counting the attempt), or a job
    /// whose server let its lease run out with attempts left.
    pub async fn claim_job(&self, owner: &str, now: i64) -> Result<Option<ClaimedJob>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        Ok(sqlx::query_as(&format!(
            "UPDATE jobs
             SET state = 'running', lease_owner = $1, lease_until = $2, started_at = $3,
                 attempts = attempts + 1, version = version + 1,
                 dedupe_key = CASE WHEN release_key_on_start = 1 THEN NULL ELSE dedupe_key END
             WHERE id IN (SELECT id FROM jobs
                          WHERE (state = 'queued' AND run_at <= $3)
                             OR (state = 'running' AND lease_until <= $3 AND attempts < $4)
                          ORDER BY run_at, id LIMIT 1{lock})
             RETURNING id, kind, payload, area, attempts"
        ))
        .bind(owner)
        .bind(now + LEASE_MS)
        .bind(now)
        .bind(MAX_ATTEMPTS)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Records how a claimed job's run ended, only while `owner` still holds it; false when the
    /// lease was lost (it ran out and another server claimed the job).
    pub async fn finish_job(
        &self,
        id: &str,
        owner: &str,
        outcome: &JobOutcome,
        now: i64,
    ) -> Result<bool> {
        let (state, run_at, text, error) = match outcome {
            JobOutcome::Done(text) => (JobState::Done, None, Some(text.as_str()), None),
            JobOutcome::Retry { at, error } => {
                (JobState::Queued, Some(*at), None, Some(error.as_str()))
            }
            JobOutcome::GiveUp { error } => (JobState::Failed, None, None, Some(error.as_str())),
        };
        let finished = (state != JobState::Queued).then_some(now);
        Ok(sqlx::query(
            "UPDATE jobs
             SET state = $1, run_at = COALESCE($2, run_at), outcome = $3,
                 last_error = COALESCE($4, last_error), finished_at = $5,
                 lease_owner = NULL, lease_until = NULL, version = version + 1
             WHERE id = $6 AND lease_owner = $7 AND state = 'running'",
        )
        .bind(state.key())
        .bind(run_at)
        .bind(text)
        .bind(error)
        .bind(finished)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Keeps a long job's lease for another [`LEASE_MS`] from `now`, while `owner` still holds
    /// it; false when the lease was lost (the job should stop: another server may run it).
    pub async fn renew_job_lease(&self, id: &str, owner: &str, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE jobs SET lease_until = $1
             WHERE id = $2 AND lease_owner = $3 AND state = 'running' AND lease_until > $4",
        )
        .bind(now + LEASE_MS)
        .bind(id)
        .bind(owner)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// The newest `limit` jobs of `kind` that `username` asked for, newest first.
    pub async fn jobs_requested_by(
        &self,
        username: &str,
        kind: JobKind,
        limit: i64,
    ) -> Result<Vec<JobRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE requested_by = $1 AND kind = $2
             ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(username)
        .bind(kind.key())
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Done jobs of `kind` that the next clear-out removes (finished before the keeping time):
    /// what they made is removed with them.
    pub async fn jobs_to_prune(&self, kind: JobKind, now: i64) -> Result<Vec<JobRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE state = 'done' AND kind = $1 AND finished_at < $2"
        ))
        .bind(kind.key())
        .bind(now - KEEP_DONE_MS)
        .fetch_all(self.pool())
        .await?)
    }

    /// Fails the jobs whose server stopped during their last attempt (the lease ran out with no
    /// attempts left); returns how many.
    pub async fn fail_abandoned_jobs(&self, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE jobs
             SET state = 'failed', finished_at = $1, lease_owner = NULL, lease_until = NULL,
                 last_error = $2, version = version + 1
             WHERE state = 'running' AND lease_until <= $1 AND attempts >= $3",
        )
        .bind(now)
        .bind(ABANDONED)
        .bind(MAX_ATTEMPTS)
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    /// Queues a failed job again from its first attempt, if it is still failed at `version`
    /// (the version the administrator saw); false otherwise.
    pub async fn requeue_job(&self, id: &str, version: i64, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE jobs
             SET state = 'queued', run_at = $1, attempts = 0, finished_at = NULL,
                 version = version + 1
             WHERE id = $2 AND version = $3 AND state = 'failed'",
        )
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Removes finished jobs older than the keeping time; returns how many.
    pub async fn prune_jobs(&self, now: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM jobs WHERE state = 'done' AND finished_at < $1")
                .bind(now - KEEP_DONE_MS)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }

    /// The newest `limit` jobs in `state` (all states when `None`) that concern the whole
    /// platform or an area under `prefix` (a region's subtree prefix; "" for everywhere),
    /// newest first.
    pub async fn jobs(
        &self,
        prefix: &str,
        state: Option<JobState>,
        limit: i64,
    ) -> Result<Vec<JobRow>> {
        let (low, high) = code_range(prefix);
        let filter = if state.is_some() {
            "AND state = $4"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM jobs
             WHERE (area IS NULL OR area BETWEEN $2 AND $3) {filter}
             ORDER BY created_at DESC, id DESC LIMIT $1"
        );
        let mut query = sqlx::query_as(&sql).bind(limit).bind(low).bind(high);
        if let Some(state) = state {
            query = query.bind(state.key());
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        self.row_where(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"), id)
            .await
    }

    /// How many jobs are in each state, in [`JobState::ALL`]'s order, of those [`Store::jobs`]
    /// would list for `prefix`.
    pub async fn job_counts(&self, prefix: &str) -> Result<[i64; 4]> {
        let (low, high) = code_range(prefix);
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, COUNT(*) FROM jobs
             WHERE area IS NULL OR area BETWEEN $1 AND $2 GROUP BY state",
        )
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?;
        let mut counts = [0; 4];
        for (state, count) in rows {
            if let Some(i) = JobState::ALL.iter().position(|s| s.key() == state) {
                counts[i] = count;
            }
        }
        Ok(counts)
    }
}

/// The error recorded on a job whose server stopped on its last attempt.
pub const ABANDONED: &str = "运行它的服务器在任务完成前停止了";
