//! Putting jobs in the queue: the periodic ones once per period however many servers queue
//! them, and a district's coverage once after a burst of facility changes.

use serde::{Deserialize, Serialize};
use xingfu_core::jobs::{JobKind, period_key, period_start};
use xingfu_store::Store;
use xingfu_store::jobs::NewJob;

use crate::app::error::AppError;
use crate::app::state::AppState;

/// How long a coverage recomputation waits after a facility change, so that a burst of changes
/// (a morning of corrections) is computed once.
pub const COVERAGE_DELAY_MS: i64 = 30_000;

/// The payload of a [`JobKind::Coverage`] job.
#[derive(Debug, Serialize, Deserialize)]
pub struct CoveragePayload {
    pub district: String,
}

/// Queues the recomputation of a district's coverage after its facilities changed, if its
/// coverage was ever computed (a district nobody computed stays so until someone does). Returns
/// whether a job was queued (false also when one is waiting already).
pub async fn coverage_after_change(
    state: &AppState,
    district: &str,
    now: i64,
) -> Result<bool, AppError> {
    if state.store.circle_run(district).await?.is_none() {
        return Ok(false);
    }
    let payload = serde_json::to_string(&CoveragePayload {
        district: district.to_string(),
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let key = format!("coverage:{district}");
    let job = NewJob {
        kind: JobKind::Coverage,
        payload: &payload,
        area: Some(district),
        dedupe_key: Some(&key),
        release_key_on_start: true,
        run_at: now + COVERAGE_DELAY_MS,
        requested_by: None,
    };
    Ok(state.store.enqueue_job(&job, now).await?)
}

/// Queues the periodic kind's job for the period `now` falls in, once across all servers;
/// returns whether this call queued it.
pub async fn queue_periodic(
    store: &Store,
    kind: JobKind,
    now: i64,
) -> Result<bool, xingfu_store::StoreError> {
    let (Some(every), Some(key)) = (kind.every_ms(), period_key(kind, now)) else {
        return Ok(false);
    };
    let job = NewJob {
        kind,
        payload: "{}",
        area: None,
        dedupe_key: Some(&key),
        release_key_on_start: false,
        run_at: period_start(now, every),
        requested_by: None,
    };
    store.enqueue_job(&job, now).await
}
