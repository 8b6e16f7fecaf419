//! Reads that may come from a streaming replica of the PostgreSQL primary.
//!
//! `--database-replica URL` opens a second pool on the replica. Every write and every read that
//! must see the latest data goes to the primary; the pages and answers that may lag a little
//! (the 一张图 overview and its drill-down, exports, `/verify`, the public 公示 list,
//! Open311's GET requests) ask [`AppState::reads`] with [`Freshness::MayLag`] and get the
//! replica **while it is caught up within the bound** (`--replica-max-lag-ms`, default 5 s), else the primary. A person who
//! has just saved something reads from the primary for a while after ([`OWN_WRITES_MS`]), so
//! their own change is on the page they land on.
//!
//! How far behind the replica is: every half second the monitor reads the primary's WAL
//! position and the replica's replayed position. The replica's lag is the age of the newest
//! primary position it has replayed, so an idle primary with a caught-up replica is 0 (not
//! "the time since the last transaction"). A replica that cannot be reached counts as too far
//! behind until it answers again.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use xingfu_store::Store;

use crate::app::state::{AppState, now_ms};

/// How long reads follow a person's own write to the primary.
pub const OWN_WRITES_MS: i64 = 30_000;

/// How often the monitor compares the two servers' positions.
pub const MONITOR_INTERVAL: Duration = Duration::from_millis(500);

/// Whether a read may be served by the replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Must see every committed write: the primary.
    Latest,
    /// May lag by up to the replica's bound.
    MayLag,
}

/// The replica's pool and how far behind it is.
#[derive(Clone, Debug)]
pub struct Replica {
    pub store: Store,
    max_lag_ms: i64,
    /// Milliseconds behind the primary as last measured; `i64::MAX` when unknown or unreachable.
    lag_ms: Arc<AtomicI64>,
}

impl Replica {
    pub fn new(store: Store, max_lag: Duration) -> Replica {
        Replica {
            store,
            max_lag_ms: max_lag.as_millis().min(i64::MAX as u128) as i64,
            lag_ms: Arc::new(AtomicI64::new(i64::MAX)),
        }
    }

    pub fn is_fresh(&self) -> bool {
        self.lag_ms.load(Ordering::SeqCst) <= self.max_lag_ms
    }

    /// Measures the lag until the process ends (spawned by `xingfu serve`).
    pub async fn monitor(self, primary: Store) {
        // (when, the primary's position then), oldest first, a few seconds' worth.
        let mut samples: VecDeque<(i64, u64)> = VecDeque::new();
        let keep_ms = self.max_lag_ms.saturating_mul(2).max(10_000);
        loop {
            self.measure(&primary, &mut samples, keep_ms).await;
            tokio::time::sleep(MONITOR_INTERVAL).await;
        }
    }

    /// One measurement: the primary's position now, then the replica's replayed position.
    async fn measure(&self, primary: &Store, samples: &mut VecDeque<(i64, u64)>, keep_ms: i64) {
        let now = now_ms();
        if let Ok(Some(position)) = primary.wal_position().await {
            samples.push_back((now, position));
        }
        while samples.len() > 1 && samples.front().is_some_and(|(at, _)| now - at > keep_ms) {
            samples.pop_front();
        }
        let replayed =
            tokio::time::timeout(Duration::from_secs(2), self.store.wal_position()).await;
        let lag = match replayed {
            Ok(Ok(Some(replayed))) => lag_of(samples, replayed, now),
            // Unreachable, too slow to answer, or nothing replayed: not to be read from.
            _ => i64::MAX,
        };
        self.lag_ms.store(lag, Ordering::SeqCst);
    }
}

/// The age of the newest sample the replica has replayed; `i64::MAX` when it has replayed none
/// of the samples kept.
fn lag_of(samples: &VecDeque<(i64, u64)>, replayed: u64, now: i64) -> i64 {
    match samples
        .iter()
        .rev()
        .find(|(_, position)| *position <= replayed)
    {
        // Caught up with the newest sample: as fresh as can be measured.
        Some((at, _)) if Some(at) == samples.back().map(|(at, _)| at) => 0,
        Some((at, _)) => now - at,
        None => i64::MAX,
    }
}

impl AppState {
    /// Where a read goes: the replica for reads that may lag while it is caught up, else the
    /// primary.
    pub fn reads(&self, freshness: Freshness) -> &Store {
        match (&self.replica, freshness) {
            (Some(replica), Freshness::MayLag) if replica.is_fresh() => &replica.store,
            _ => &self.store,
        }
    }

    /// Whether `store` is the replica's pool (a read from [`AppState::reads`] that may fail
    /// over to the primary).
    pub fn is_replica(&self, store: &Store) -> bool {
        !std::ptr::eq(store, &self.store)
    }

    /// Runs `read` on the store for `freshness`. When that is the replica and the read fails,
    /// or finds nothing (the row may not have reached the replica yet), it runs again on the
    /// primary: a person never sees an error page or a 404 because of the replica.
    pub async fn read_on<T, Fut>(
        &self,
        freshness: Freshness,
        read: impl Fn(Store) -> Fut,
    ) -> Result<T, crate::app::error::AppError>
    where
        Fut: std::future::Future<Output = Result<T, crate::app::error::AppError>>,
    {
        use crate::app::error::AppError;
        let store = self.reads(freshness);
        if self.is_replica(store) {
            match read(store.clone()).await {
                Err(AppError::NotFound) => {}
                Err(error @ AppError::Internal(_)) => self.replica_failed(&error),
                done => return done,
            }
        }
        read(self.store.clone()).await
    }

    /// A read on the replica failed (stopped, restarting, cut off): it is left alone until the
    /// monitor sees it answer, and the caller reads again from the primary, so a person never
    /// sees an error page for it.
    pub fn replica_failed(&self, error: &dyn std::fmt::Display) {
        tracing::warn!("a read on the replica failed, reading from the primary: {error}");
        if let Some(replica) = &self.replica {
            replica.lag_ms.store(i64::MAX, Ordering::SeqCst);
        }
    }
}

/// The freshness a request needs: the latest when the person saved something within
/// [`OWN_WRITES_MS`] (the time their last write was answered, from the web kit's cookie).
pub fn freshness_after(last_write_ms: Option<i64>) -> Freshness {
    match last_write_ms {
        Some(at) if now_ms() - at < OWN_WRITES_MS => Freshness::Latest,
        _ => Freshness::MayLag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lag_is_the_age_of_the_newest_position_replayed() {
        let samples: VecDeque<(i64, u64)> = [(1_000, 100), (1_500, 200), (2_000, 300)].into();
        assert_eq!(lag_of(&samples, 300, 2_100), 0, "caught up");
        assert_eq!(lag_of(&samples, 350, 2_100), 0, "ahead of the last sample");
        assert_eq!(
            lag_of(&samples, 299, 2_100),
            600,
            "behind the newest by one sample"
        );
        assert_eq!(lag_of(&samples, 100, 2_100), 1_100);
        assert_eq!(
            lag_of(&samples, 99, 2_100),
            i64::MAX,
            "older than every sample"
        );
        assert_eq!(lag_of(&VecDeque::new(), 5, 2_100), i64::MAX);
    }

    #[test]
    fn own_writes_read_the_latest_for_a_while() {
        assert_eq!(freshness_after(None), Freshness::MayLag);
        assert_eq!(freshness_after(Some(now_ms())), Freshness::Latest);
        assert_eq!(
            freshness_after(Some(now_ms() - OWN_WRITES_MS - 1)),
            Freshness::MayLag
        );
    }
}
