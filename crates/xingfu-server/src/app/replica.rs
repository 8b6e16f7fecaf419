//! The streaming replica and how far behind the primary it is; [`crate::app::reads`] decides
//! which reads go to it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use xingfu_store::Store;

use crate::app::clock::now_ms;

/// How often the monitor compares the two servers' positions.
pub const MONITOR_INTERVAL: Duration = Duration::from_millis(500);

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

    /// Not to be read from until the monitor sees it answer again.
    pub fn mark_unreachable(&self) {
        self.lag_ms.store(i64::MAX, Ordering::SeqCst);
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
}
