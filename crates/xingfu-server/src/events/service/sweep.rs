//! The deadline sweep: overdue events move up a level, unconfirmed resolved ones close.

use xingfu_core::ops::Actor;
use xingfu_core::ops::events::{Action, decide};
use xingfu_core::ops::sla::{DueAction, escalations_due};
use xingfu_store::Store;

use super::ops::rules;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Overdue events moved up one level.
    pub escalated: usize,
    /// Resolved events closed after the confirmation window.
    pub closed: usize,
    /// Overdue at the district: listed for supervision, unchanged.
    pub supervised: usize,
    /// Changed by someone (or another server's sweep) between the query and the write.
    pub skipped: usize,
}

/// Escalates overdue events and closes unconfirmed resolved ones, as of `now`. The job queue
/// runs it once a minute (`crate::jobs`); it is also safe to run twice at once: each change is
/// written only from the version the sweep read.
pub async fn sweep(store: &Store, now: i64) -> Result<SweepReport, xingfu_store::StoreError> {
    sweep_at_most(store, now, usize::MAX).await
}

/// [`sweep`], acting on at most `max` events (the most overdue first); the rest wait for the
/// next sweep.
pub async fn sweep_at_most(
    store: &Store,
    now: i64,
    max: usize,
) -> Result<SweepReport, xingfu_store::StoreError> {
    let entries = store.sla_entries_due(now).await?;
    let mut report = SweepReport::default();
    for due in escalations_due(now, &entries).into_iter().take(max) {
        let action = match due.action {
            DueAction::Escalate { .. } => Action::Escalate,
            DueAction::Close => Action::Close,
            DueAction::Supervise => {
                report.supervised += 1;
                continue;
            }
        };
        let Some(event) = store.event_state(due.id).await? else {
            report.skipped += 1;
            continue;
        };
        let Ok(decision) = decide(
            &event,
            &action,
            &Actor::system(),
            now,
            event.version,
            rules(),
        ) else {
            report.skipped += 1;
            continue;
        };
        match store
            .apply_event_step(event.version, &decision, &[])
            .await?
        {
            Ok(()) if action == Action::Close => report.closed += 1,
            Ok(()) => report.escalated += 1,
            Err(_) => report.skipped += 1,
        }
    }
    Ok(report)
}
