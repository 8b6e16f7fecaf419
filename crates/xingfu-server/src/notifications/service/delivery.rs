//! The delivery worker: claims due deliveries with a lease, sends each on its channel, and
//! records the outcome while it still holds the lease — sent, tried again later by the core's
//! back-off, or given up as failed. Run as a job of the queue (`crate::jobs`), once a minute.

use xingfu_core::notify::{Channel, next_attempt};
use xingfu_store::notifications::Outcome;

use crate::app::state::AppState;
use crate::notifications::channels::Outgoing;

/// How many deliveries a worker claims at once.
pub const BATCH: i64 = 20;
/// How long a claim holds: longer than any send takes (sends time out after 20 seconds).
pub const LEASE_MS: i64 = 5 * 60_000;

/// What one round of deliveries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed, to be tried again.
    pub retried: usize,
    /// Failed for the last time.
    pub failed: usize,
    /// Sent or failed, but the lease had run out and another worker had the delivery.
    pub lost: usize,
}

/// Sends every delivery due at `now`, as worker `owner`.
pub async fn deliver_due(
    state: &AppState,
    owner: &str,
    now: i64,
) -> Result<DeliveryReport, xingfu_store::StoreError> {
    let mut report = DeliveryReport::default();
    loop {
        let claimed = state
            .store
            .claim_deliveries(owner, now, now + LEASE_MS, BATCH)
            .await?;
        let full = claimed.len() as i64 == BATCH;
        for delivery in claimed {
            let outgoing = Outgoing {
                delivery_id: &delivery.id,
                address: &delivery.address,
                recipient_name: &delivery.recipient_name,
                kind: &delivery.kind,
                subject: &delivery.subject,
                body: &delivery.body,
                link: &delivery.link,
            };
            let sent = match Channel::parse(&delivery.channel) {
                Some(channel) => state.channels.send(channel, &outgoing, now).await,
                None => Err(format!("unknown channel {:?}", delivery.channel)),
            };
            let outcome = match sent {
                Ok(()) => Outcome::Sent,
                Err(error) => match next_attempt(delivery.attempts, now) {
                    Some(at) => Outcome::Retry { at, error },
                    None => Outcome::GiveUp { error },
                },
            };
            if !state
                .store
                .finish_delivery(&delivery.id, owner, &outcome, now)
                .await?
            {
                report.lost += 1;
                continue;
            }
            match outcome {
                Outcome::Sent => report.sent += 1,
                Outcome::Retry { .. } => report.retried += 1,
                Outcome::GiveUp { error } => {
                    report.failed += 1;
                    tracing::warn!("notification {} not delivered: {error}", delivery.id);
                }
            }
        }
        if !full {
            return Ok(report);
        }
    }
}
