//! Taking jobs out of the queue and running them: every server runs a worker that, every few
//! seconds, queues the periodic jobs of the new period, fails jobs abandoned on their last
//! attempt, and runs the due jobs one after another until none is left. A draining server
//! (shutting down) claims nothing new.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use xingfu_core::jobs::{JobKind, next_attempt};
use xingfu_store::jobs::{ClaimedJob, JobOutcome};

use super::queue::{CoveragePayload, queue_periodic};
use crate::app::clock::now_ms;
use crate::app::state::AppState;

/// What one pass of a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Periodic jobs this worker queued (another server may have queued the period's first).
    pub queued: usize,
    pub done: usize,
    /// Failed, to be tried again.
    pub retried: usize,
    /// Failed for the last time (including those abandoned on their last attempt).
    pub failed: usize,
    /// Finished after its lease had run out and another server had claimed it.
    pub lost: usize,
}

/// A worker: its name in the queue (the lease owner) and the period it last queued per kind.
pub struct Worker {
    owner: String,
    queued_for: HashMap<JobKind, i64>,
}

impl Default for Worker {
    fn default() -> Self {
        Worker::new(format!("worker-{}", xingfu_store::new_id()))
    }
}

impl Worker {
    pub fn new(owner: String) -> Worker {
        Worker {
            owner,
            queued_for: HashMap::new(),
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Queues what is periodic, then runs what is due at `now`, at most `max` jobs.
    pub async fn pass(
        &mut self,
        state: &AppState,
        now: i64,
        max: usize,
    ) -> Result<PassReport, xingfu_store::StoreError> {
        let mut report = PassReport::default();
        for kind in JobKind::ALL {
            let Some(every) = kind.every_ms() else {
                continue;
            };
            let period = xingfu_core::jobs::period_start(now, every);
            if self.queued_for.get(&kind) != Some(&period) {
                report.queued += usize::from(queue_periodic(&state.store, kind, now).await?);
                self.queued_for.insert(kind, period);
            }
        }
        report.failed += usize::try_from(state.store.fail_abandoned_jobs(now).await?).unwrap_or(0);
        for _ in 0..max {
            if state.lifecycle.is_draining() {
                break;
            }
            let Some(job) = state.store.claim_job(&self.owner, now).await? else {
                break;
            };
            let outcome = match run(state, &self.owner, &job, now).await {
                Ok(done) => JobOutcome::Done(done.to_string()),
                Err(error) => match next_attempt(job.attempts, now) {
                    Some(at) => JobOutcome::Retry { at, error },
                    None => JobOutcome::GiveUp { error },
                },
            };
            if !state
                .store
                .finish_job(&job.id, &self.owner, &outcome, now_ms().max(now))
                .await?
            {
                report.lost += 1;
                continue;
            }
            match outcome {
                JobOutcome::Done(_) => report.done += 1,
                JobOutcome::Retry { error, .. } => {
                    report.retried += 1;
                    tracing::warn!("job {} ({}) failed, to retry: {error}", job.id, job.kind);
                }
                JobOutcome::GiveUp { error } => {
                    report.failed += 1;
                    tracing::error!("job {} ({}) failed: {error}", job.id, job.kind);
                }
            }
        }
        Ok(report)
    }
}

/// Runs one claimed job; what it did (counts, as JSON) or why it failed.
async fn run(
    state: &AppState,
    owner: &str,
    job: &ClaimedJob,
    now: i64,
) -> Result<serde_json::Value, String> {
    let Some(kind) = JobKind::parse(&job.kind) else {
        return Err(format!("unknown kind {}", job.kind));
    };
    match kind {
        JobKind::DeadlineSweep => {
            let r = crate::events::service::sweep(&state.store, now)
                .await
                .map_err(|e| format!("{e:#}"))?;
            Ok(json!({
                "escalated": r.escalated,
                "closed": r.closed,
                "supervised": r.supervised,
                "skipped": r.skipped,
            }))
        }
        JobKind::Reminders => {
            let r = crate::notifications::service::reminders::sweep(state, now)
                .await
                .map_err(|e| e.as_text())?;
            Ok(json!({ "made": r.made }))
        }
        JobKind::Deliveries => {
            let r = crate::notifications::service::delivery::deliver_due(state, owner, now)
                .await
                .map_err(|e| format!("{e:#}"))?;
            Ok(json!({
                "sent": r.sent,
                "retried": r.retried,
                "failed": r.failed,
                "lost": r.lost,
            }))
        }
        JobKind::Coverage => {
            let payload: CoveragePayload =
                serde_json::from_str(&job.payload).map_err(|e| format!("payload: {e}"))?;
            let run =
                crate::circle::service::coverage::recompute_automatically(state, &payload.district)
                    .await
                    .map_err(|e| e.as_text())?;
            Ok(match run {
                Some(run) => {
                    let summary =
                        crate::circle::service::coverage::RunSummary::parse(&run.summary_json);
                    json!({ "origins": summary.origins, "facilities": summary.facilities })
                }
                None => json!({ "never_computed": 1 }),
            })
        }
        JobKind::Export => crate::exports::service::run(state, owner, job).await,
        JobKind::Prune => {
            let files = crate::exports::service::remove_old_files(state, now)
                .await
                .map_err(|e| e.as_text())?;
            let removed = state
                .store
                .prune_jobs(now)
                .await
                .map_err(|e| format!("{e:#}"))?;
            Ok(json!({ "removed": removed, "files": files }))
        }
    }
}

/// Runs a worker pass every `every` for as long as the server runs.
pub fn spawn_worker(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut worker = Worker::default();
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match worker.pass(&state, now_ms(), 50).await {
                Ok(r) if r.done + r.retried + r.failed + r.lost > 0 => tracing::debug!(
                    "jobs: {} done, {} to retry, {} failed, {} lost",
                    r.done,
                    r.retried,
                    r.failed,
                    r.lost
                ),
                Ok(_) => {}
                Err(e) => tracing::error!("job worker: {e:#}"),
            }
        }
    })
}
