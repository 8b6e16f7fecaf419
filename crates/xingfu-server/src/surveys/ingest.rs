//! The group-commit ingest of survey answers, and the caches answers are read against.
//!
//! Every answer, from a resident's phone or a staff member's form, goes to ONE writer task per
//! process ([`SurveyRuntime`]). The writer takes what is waiting (up to
//! [`IngestConfig::max_batch`], waiting at most [`IngestConfig::linger`] for more), writes the
//! whole batch in one transaction ([`xingfu_store::Store::record_survey_answers`]: answers, the
//! one-answer-per-household decision and the running tallies), and only after the commit replies
//! to each request. Durability is the database's own (SQLite `synchronous = FULL`, PostgreSQL's
//! default `synchronous_commit`): batching spreads one flush over many answers instead of
//! weakening it. If a batch fails, each of its answers is written alone, so one bad answer cannot
//! fail the others.
//!
//! This file stands below the server's state (which holds a [`SurveyRuntime`]), so it takes the
//! store as an argument and never the state.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use xingfu_core::survey::Questionnaire;
use xingfu_store::Store;
use xingfu_store::surveys::{NewSurveyAnswer, RecordOutcome};

use crate::app::error::{AppError, internal};
use crate::surveys::model::{LinkInfo, RoundSurvey};

/// How the writer gathers a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestConfig {
    /// Most answers written in one transaction.
    pub max_batch: usize,
    /// Longest wait for more answers once one is waiting and the batch is not full.
    pub linger: Duration,
    /// Answers waiting for the writer before senders wait too (back-pressure).
    pub queue: usize,
}

impl Default for IngestConfig {
    /// 256 answers or 2 ms: the batch fills while the previous one commits under load, and a lone
    /// answer waits at most 2 ms longer than it would alone.
    fn default() -> IngestConfig {
        IngestConfig {
            max_batch: 256,
            linger: Duration::from_millis(2),
            queue: 4096,
        }
    }
}

type Reply = oneshot::Sender<Result<RecordOutcome, String>>;

struct Job {
    answer: NewSurveyAnswer,
    reply: Reply,
}

/// How much the writer has written since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestCounts {
    /// Transactions committed (or attempted).
    pub batches: u64,
    /// Answers handed to them.
    pub answers: u64,
    /// The largest batch.
    pub largest: u64,
}

#[derive(Default)]
struct Counters {
    batches: std::sync::atomic::AtomicU64,
    answers: std::sync::atomic::AtomicU64,
    largest: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Inner {
    config: IngestConfig,
    counters: Arc<Counters>,
    writer: OnceLock<mpsc::Sender<Job>>,
    secret: tokio::sync::OnceCell<Vec<u8>>,
    rounds: RwLock<HashMap<String, (Instant, Arc<RoundSurvey>)>>,
    questionnaires: RwLock<HashMap<(String, String), Arc<Questionnaire>>>,
    links: RwLock<HashMap<String, LinkInfo>>,
}

/// The survey side of the server's state: the writer task (started on the first answer) and
/// caches of what answers are read against.
#[derive(Clone, Default)]
pub struct SurveyRuntime {
    inner: Arc<Inner>,
}

impl SurveyRuntime {
    pub fn with_config(config: IngestConfig) -> SurveyRuntime {
        SurveyRuntime {
            inner: Arc::new(Inner {
                config,
                ..Inner::default()
            }),
        }
    }

    pub fn config(&self) -> IngestConfig {
        self.inner.config
    }

    /// Batches and answers written so far by this process's writer.
    pub fn counts(&self) -> IngestCounts {
        use std::sync::atomic::Ordering::Relaxed;
        let counters = &self.inner.counters;
        IngestCounts {
            batches: counters.batches.load(Relaxed),
            answers: counters.answers.load(Relaxed),
            largest: counters.largest.load(Relaxed),
        }
    }

    fn writer(&self, store: &Store) -> mpsc::Sender<Job> {
        self.inner
            .writer
            .get_or_init(|| {
                let config = self.inner.config;
                let (sender, receiver) = mpsc::channel(config.queue.max(1));
                let counters = self.inner.counters.clone();
                tokio::spawn(run_writer(store.clone(), receiver, config, counters));
                sender
            })
            .clone()
    }

    /// A round's survey read less than `ttl` ago.
    pub(crate) fn fresh_round(&self, round_id: &str, ttl: Duration) -> Option<Arc<RoundSurvey>> {
        let rounds = self.inner.rounds.read().ok()?;
        let (at, found) = rounds.get(round_id)?;
        (at.elapsed() < ttl).then(|| found.clone())
    }

    pub(crate) fn remember_round(&self, round_id: &str, survey: Arc<RoundSurvey>) {
        if let Ok(mut map) = self.inner.rounds.write() {
            map.insert(round_id.to_string(), (Instant::now(), survey));
        }
    }

    /// Saved settings are read afresh by the answers that follow (in this process).
    pub(crate) fn forget_round(&self, round_id: &str) {
        if let Ok(mut rounds) = self.inner.rounds.write() {
            rounds.remove(round_id);
        }
    }

    /// The questionnaire parsed for (id, version), if it was before.
    pub(crate) fn questionnaire(&self, key: &(String, String)) -> Option<Arc<Questionnaire>> {
        let map = self.inner.questionnaires.read().ok()?;
        map.get(key).cloned()
    }

    pub(crate) fn remember_questionnaire(&self, key: (String, String), q: Arc<Questionnaire>) {
        if let Ok(mut map) = self.inner.questionnaires.write() {
            map.insert(key, q);
        }
    }

    /// A resident link found before: links are never deleted, so a found one is kept.
    pub(crate) fn link(&self, token: &str) -> Option<LinkInfo> {
        let map = self.inner.links.read().ok()?;
        map.get(token).cloned()
    }

    pub(crate) fn remember_link(&self, token: &str, info: LinkInfo) {
        if let Ok(mut map) = self.inner.links.write() {
            map.insert(token.to_string(), info);
        }
    }

    /// The household-hashing secret, read by `read` once per process.
    pub(crate) async fn secret<F, Fut>(&self, read: F) -> Result<&[u8], AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, AppError>>,
    {
        Ok(self.inner.secret.get_or_try_init(read).await?.as_slice())
    }

    /// Hands one answer to the writer; returns once the batch holding it is committed (or
    /// refused), never before.
    pub(crate) async fn record(
        &self,
        store: &Store,
        answer: NewSurveyAnswer,
    ) -> Result<RecordOutcome, AppError> {
        let (reply, outcome) = oneshot::channel();
        self.writer(store)
            .send(Job { answer, reply })
            .await
            .map_err(|_| internal("the survey writer has stopped"))?;
        outcome
            .await
            .map_err(|_| internal("the survey writer dropped an answer"))?
            .map_err(|e| internal(format!("writing survey answers: {e}")))
    }
}

/// The writer task: gathers a batch, writes it in one transaction, then replies to each.
async fn run_writer(
    store: Store,
    mut receiver: mpsc::Receiver<Job>,
    config: IngestConfig,
    counters: Arc<Counters>,
) {
    let max = config.max_batch.max(1);
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < max {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if jobs.len() < max && !config.linger.is_zero() {
            let deadline = tokio::time::Instant::now() + config.linger;
            while jobs.len() < max {
                match tokio::time::timeout_at(deadline, receiver.recv()).await {
                    Ok(Some(job)) => jobs.push(job),
                    _ => break,
                }
            }
        }
        {
            use std::sync::atomic::Ordering::Relaxed;
            counters.batches.fetch_add(1, Relaxed);
            counters.answers.fetch_add(jobs.len() as u64, Relaxed);
            counters.largest.fetch_max(jobs.len() as u64, Relaxed);
        }
        write_batch(&store, jobs).await;
    }
}

async fn write_batch(store: &Store, jobs: Vec<Job>) {
    let (answers, replies): (Vec<NewSurveyAnswer>, Vec<Reply>) =
        jobs.into_iter().map(|job| (job.answer, job.reply)).unzip();
    match store.record_survey_answers(&answers).await {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(error) if answers.len() > 1 => {
            tracing::warn!(
                "a batch of {} survey answers failed ({error}); writing each alone",
                answers.len()
            );
            for (answer, reply) in answers.iter().zip(replies) {
                let outcome = store
                    .record_survey_answers(std::slice::from_ref(answer))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|mut o| o.pop().ok_or_else(|| "no outcome".to_string()));
                let _ = reply.send(outcome);
            }
        }
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(error.to_string()));
            }
        }
    }
}
