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

use xingfu_store::Store;

use crate::app::clock::now_ms;
use crate::app::state::AppState;

/// How long reads follow a person's own write to the primary.
pub const OWN_WRITES_MS: i64 = 30_000;

/// Whether a read may be served by the replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Must see every committed write: the primary.
    Latest,
    /// May lag by up to the replica's bound.
    MayLag,
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
            replica.mark_unreachable();
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
    fn own_writes_read_the_latest_for_a_while() {
        assert_eq!(freshness_after(None), Freshness::MayLag);
        assert_eq!(freshness_after(Some(now_ms())), Freshness::Latest);
        assert_eq!(
            freshness_after(Some(now_ms() - OWN_WRITES_MS - 1)),
            Freshness::MayLag
        );
    }
}
