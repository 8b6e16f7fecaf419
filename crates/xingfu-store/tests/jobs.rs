//! The job queue on SQLite and PostgreSQL: a key makes a job once, a job is claimed by one
//! server at a time and finished only by the server holding it, a failed job waits and is tried
//! again, a job whose server stopped is claimed again when its lease runs out, and eight workers
//! claiming at once run every job exactly once.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use xingfu_core::jobs::{JobKind, JobState, KEEP_DONE_MS, LEASE_MS, MAX_ATTEMPTS, next_attempt};
use xingfu_store::Store;
use xingfu_store::jobs::{ABANDONED, JobOutcome, NewJob};

const T0: i64 = 1_790_000_000_000;

fn job<'a>(kind: JobKind, key: Option<&'a str>, run_at: i64) -> NewJob<'a> {
    NewJob {
        kind,
        payload: "{}",
        area: None,
        dedupe_key: key,
        release_key_on_start: false,
        run_at,
        requested_by: None,
    }
}

async fn state_of(store: &Store, id: &str) -> (JobState, i64) {
    let row = store.job(id).await.unwrap().expect("job");
    (JobState::parse(&row.state).unwrap(), row.attempts)
}

on_both!(a_key_queues_a_job_once, |store: Store| async move {
    let sweep = job(JobKind::DeadlineSweep, Some("deadline_sweep@1"), T0);
    assert!(store.enqueue_job(&sweep, T0).await.unwrap());
    assert!(!store.enqueue_job(&sweep, T0 + 5).await.unwrap());
    let other_period = job(JobKind::DeadlineSweep, Some("deadline_sweep@2"), T0);
    assert!(store.enqueue_job(&other_period, T0).await.unwrap());
    // Without a key every job is queued.
    let unkeyed = job(JobKind::Prune, None, T0);
    assert!(store.enqueue_job(&unkeyed, T0).await.unwrap());
    assert!(store.enqueue_job(&unkeyed, T0).await.unwrap());
    assert_eq!(store.job_counts("").await.unwrap(), [4, 0, 0, 0]);
});

on_both!(
    a_job_is_claimed_when_due_and_finished_only_by_its_holder,
    |store: Store| async move {
        store
            .enqueue_job(&job(JobKind::Reminders, None, T0 + 1_000), T0)
            .await
            .unwrap();
        assert_eq!(store.claim_job("a", T0 + 999).await.unwrap(), None);
        let claimed = store
            .claim_job("a", T0 + 1_000)
            .await
            .unwrap()
            .expect("due");
        assert_eq!(claimed.kind, "reminders");
        assert_eq!(claimed.attempts, 1);
        // Held: nobody else gets it.
        assert_eq!(store.claim_job("b", T0 + 1_001).await.unwrap(), None);
        let done = JobOutcome::Done("3 made".into());
        assert!(
            !store
                .finish_job(&claimed.id, "b", &done, T0 + 2_000)
                .await
                .unwrap()
        );
        assert!(
            store
                .finish_job(&claimed.id, "a", &done, T0 + 2_000)
                .await
                .unwrap()
        );
        // Finished once: a second finish changes nothing.
        assert!(
            !store
                .finish_job(&claimed.id, "a", &done, T0 + 2_001)
                .await
                .unwrap()
        );
        let row = store.job(&claimed.id).await.unwrap().unwrap();
        assert_eq!(row.state, "done");
        assert_eq!(row.outcome.as_deref(), Some("3 made"));
        assert_eq!(row.finished_at, Some(T0 + 2_000));
        assert_eq!(row.lease_owner, None);
    }
);

on_both!(
    a_failed_job_waits_and_is_failed_after_its_last_attempt,
    |store: Store| async move {
        store
            .enqueue_job(&job(JobKind::Deliveries, None, T0), T0)
            .await
            .unwrap();
        let mut now = T0;
        for attempt in 1..=MAX_ATTEMPTS {
            let claimed = store.claim_job("a", now).await.unwrap().expect("due");
            assert_eq!(claimed.attempts, attempt);
            let error = format!("SMTP refused ({attempt})");
            let outcome = match next_attempt(attempt, now) {
                Some(at) => JobOutcome::Retry { at, error },
                None => JobOutcome::GiveUp { error },
            };
            assert!(
                store
                    .finish_job(&claimed.id, "a", &outcome, now)
                    .await
                    .unwrap()
            );
            if let JobOutcome::Retry { at, .. } = outcome {
                assert_eq!(
                    state_of(&store, &claimed.id).await,
                    (JobState::Queued, attempt)
                );
                // Not before its time.
                assert_eq!(store.claim_job("a", at - 1).await.unwrap(), None);
                now = at;
            } else {
                let row = store.job(&claimed.id).await.unwrap().unwrap();
                assert_eq!(row.state, "failed");
                assert_eq!(row.last_error.as_deref(), Some("SMTP refused (4)"));
            }
        }
        assert_eq!(
            store.claim_job("a", now + LEASE_MS * 10).await.unwrap(),
            None
        );
    }
);

on_both!(
    a_job_whose_server_stopped_is_claimed_again_after_its_lease,
    |store: Store| async move {
        store
            .enqueue_job(&job(JobKind::Coverage, None, T0), T0)
            .await
            .unwrap();
        let first = store.claim_job("dead", T0).await.unwrap().expect("due");
        assert_eq!(store.claim_job("b", T0 + LEASE_MS - 1).await.unwrap(), None);
        let again = store
            .claim_job("b", T0 + LEASE_MS)
            .await
            .unwrap()
            .expect("lease ran out");
        assert_eq!(again.id, first.id);
        assert_eq!(again.attempts, 2);
        let done = JobOutcome::Done(String::new());
        // The stopped server comes back too late: its finish is refused.
        assert!(
            !store
                .finish_job(&first.id, "dead", &done, T0 + LEASE_MS + 1)
                .await
                .unwrap()
        );
        assert!(
            store
                .finish_job(&first.id, "b", &done, T0 + LEASE_MS + 2)
                .await
                .unwrap()
        );
        assert_eq!(state_of(&store, &first.id).await, (JobState::Done, 2));
    }
);

on_both!(
    a_job_abandoned_on_every_attempt_fails_and_an_administrator_may_queue_it_again,
    |store: Store| async move {
        store
            .enqueue_job(&job(JobKind::Coverage, None, T0), T0)
            .await
            .unwrap();
        let mut now = T0;
        let mut id = String::new();
        for _ in 0..MAX_ATTEMPTS {
            id = store.claim_job("dies", now).await.unwrap().expect("due").id;
            now += LEASE_MS;
        }
        assert_eq!(store.claim_job("b", now).await.unwrap(), None);
        assert_eq!(store.fail_abandoned_jobs(now - 1).await.unwrap(), 0);
        assert_eq!(store.fail_abandoned_jobs(now).await.unwrap(), 1);
        let row = store.job(&id).await.unwrap().unwrap();
        assert_eq!(row.state, "failed");
        assert_eq!(row.last_error.as_deref(), Some(ABANDONED));
        // A stale form (an older version) queues nothing; the version seen does.
        assert!(!store.requeue_job(&id, row.version - 1, now).await.unwrap());
        assert!(store.requeue_job(&id, row.version, now).await.unwrap());
        assert!(!store.requeue_job(&id, row.version, now).await.unwrap());
        assert_eq!(state_of(&store, &id).await, (JobState::Queued, 0));
        assert_eq!(
            store.claim_job("b", now).await.unwrap().unwrap().attempts,
            1
        );
    }
);

on_both!(
    a_change_during_a_run_queues_one_more_run,
    |store: Store| async move {
        let coverage = NewJob {
            release_key_on_start: true,
            area: Some("330302000000"),
            ..job(JobKind::Coverage, Some("coverage:330302000000"), T0)
        };
        assert!(store.enqueue_job(&coverage, T0).await.unwrap());
        // Ten changes before it starts: still one job.
        for i in 1..10 {
            assert!(!store.enqueue_job(&coverage, T0 + i).await.unwrap());
        }
        let running = store.claim_job("a", T0 + 10).await.unwrap().unwrap();
        assert_eq!(running.area.as_deref(), Some("330302000000"));
        // A change while it runs: one more, after it.
        assert!(store.enqueue_job(&coverage, T0 + 11).await.unwrap());
        assert!(!store.enqueue_job(&coverage, T0 + 12).await.unwrap());
        assert_eq!(store.job_counts("").await.unwrap(), [1, 1, 0, 0]);
        // Listed for the district and those above it, not for another district.
        assert_eq!(store.job_counts("330302").await.unwrap(), [1, 1, 0, 0]);
        assert_eq!(store.job_counts("3303").await.unwrap(), [1, 1, 0, 0]);
        assert_eq!(store.job_counts("330303").await.unwrap(), [0, 0, 0, 0]);
        assert!(store.jobs("330303", None, 10).await.unwrap().is_empty());
        assert_eq!(store.jobs("330302", None, 10).await.unwrap().len(), 2);
    }
);

on_both!(finished_jobs_are_kept_a_week, |store: Store| async move {
    for _ in 0..2 {
        store
            .enqueue_job(&job(JobKind::Prune, None, T0), T0)
            .await
            .unwrap();
        let claimed = store.claim_job("a", T0).await.unwrap().unwrap();
        let done = JobOutcome::Done(String::new());
        assert!(store.finish_job(&claimed.id, "a", &done, T0).await.unwrap());
    }
    store
        .enqueue_job(&job(JobKind::Prune, None, T0), T0)
        .await
        .unwrap();
    assert_eq!(store.prune_jobs(T0 + KEEP_DONE_MS).await.unwrap(), 0);
    assert_eq!(store.prune_jobs(T0 + KEEP_DONE_MS + 1).await.unwrap(), 2);
    assert_eq!(store.job_counts("").await.unwrap(), [1, 0, 0, 0]);
    let listed = store.jobs("", Some(JobState::Queued), 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        store
            .jobs("", Some(JobState::Done), 10)
            .await
            .unwrap()
            .is_empty()
    );
});

on_both!(
    eight_workers_claiming_at_once_run_every_job_exactly_once,
    |store: Store| async move {
        const JOBS: usize = 200;
        for i in 0..JOBS {
            let key = format!("k{i}");
            let new = NewJob {
                payload: &key,
                ..job(JobKind::Coverage, Some(&key), T0)
            };
            assert!(store.enqueue_job(&new, T0).await.unwrap());
        }
        let runs: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let mut workers = Vec::new();
        for w in 0..8 {
            let store = store.clone();
            let runs = runs.clone();
            workers.push(tokio::spawn(async move {
                let owner = format!("worker-{w}");
                let mut finished = 0;
                while let Some(claimed) = store.claim_job(&owner, T0 + 1).await.unwrap() {
                    *runs.lock().unwrap().entry(claimed.payload).or_default() += 1;
                    tokio::task::yield_now().await;
                    let done = JobOutcome::Done(owner.clone());
                    assert!(
                        store
                            .finish_job(&claimed.id, &owner, &done, T0 + 2)
                            .await
                            .unwrap()
                    );
                    finished += 1;
                }
                finished
            }));
        }
        let mut per_worker = Vec::new();
        for worker in workers {
            per_worker.push(worker.await.unwrap());
        }
        let runs = runs.lock().unwrap().clone();
        assert_eq!(runs.len(), JOBS);
        assert!(runs.values().all(|&n| n == 1), "a job ran twice: {runs:?}");
        assert_eq!(per_worker.iter().sum::<usize>(), JOBS);
        assert_eq!(store.job_counts("").await.unwrap(), [0, 0, JOBS as i64, 0]);
    }
);

on_both!(
    a_long_job_keeps_its_lease_and_a_person_sees_the_jobs_they_asked_for,
    |store: Store| async move {
        let export = NewJob {
            requested_by: Some("wuma"),
            ..job(JobKind::Export, None, T0)
        };
        assert!(store.enqueue_job(&export, T0).await.unwrap());
        let other = NewJob {
            requested_by: Some("gulou"),
            ..job(JobKind::Export, None, T0)
        };
        assert!(store.enqueue_job(&other, T0).await.unwrap());
        let mine = store
            .jobs_requested_by("wuma", JobKind::Export, 10)
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].requested_by.as_deref(), Some("wuma"));
        assert!(
            store
                .jobs_requested_by("wuma", JobKind::Coverage, 10)
                .await
                .unwrap()
                .is_empty()
        );

        let claimed = store.claim_job("a", T0).await.unwrap().expect("due");
        // Renewed before the lease runs out: another server cannot claim it at the old end.
        assert!(
            store
                .renew_job_lease(&claimed.id, "a", T0 + LEASE_MS - 1)
                .await
                .unwrap()
        );
        let other_claim = store.claim_job("b", T0 + LEASE_MS).await.unwrap();
        assert_ne!(other_claim.as_ref().map(|c| &c.id), Some(&claimed.id));
        // Not by another owner, nor once the lease ran out.
        assert!(
            !store
                .renew_job_lease(&claimed.id, "b", T0 + LEASE_MS)
                .await
                .unwrap()
        );
        assert!(
            !store
                .renew_job_lease(&claimed.id, "a", T0 + 3 * LEASE_MS)
                .await
                .unwrap()
        );

        // Finished long ago: listed for the clear-out, which removes it.
        let done = JobOutcome::Done("{}".into());
        assert!(
            store
                .finish_job(&claimed.id, "a", &done, T0 + 1)
                .await
                .unwrap()
        );
        let later = T0 + 1 + KEEP_DONE_MS + 1;
        let old = store.jobs_to_prune(JobKind::Export, later).await.unwrap();
        assert_eq!(
            old.iter().map(|j| &j.id).collect::<Vec<_>>(),
            vec![&claimed.id]
        );
        assert!(
            store
                .jobs_to_prune(JobKind::Export, T0 + 2)
                .await
                .unwrap()
                .is_empty()
        );
    }
);
