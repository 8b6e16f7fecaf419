//! Background jobs: the work that should not run inside a request or on every server at once
//! (the deadline sweep, reminders, notification delivery, coverage after facilities change,
//! clearing out old jobs). The queue is a table in the database; these are its rules: the kinds,
//! when a periodic job is due, how long a claim lasts, when a failed job is tried again.

use crate::notify::{DAY_MS, MINUTE_MS};

/// What a job does. Each is safe to run twice (every step it writes is checked against what it
/// read), so a job whose server died mid-run can simply run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Overdue 随手拍 events move up a level; unconfirmed resolved ones close.
    DeadlineSweep,
    /// Reminders of new 待办, near deadlines, ending objection periods, the weekly digest.
    Reminders,
    /// Sends the notifications that are due by e-mail and the SMS/WeChat gateway.
    Deliveries,
    /// Recomputes a district's 15-minute coverage after its facilities changed.
    Coverage,
    /// Removes finished jobs older than [`KEEP_DONE_MS`] (and the files exports made).
    Prune,
    /// Makes a file a person asked for that takes too long for a request: a round's results
    /// workbook, or every document of a round in one archive.
    Export,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [
        JobKind::DeadlineSweep,
        JobKind::Reminders,
        JobKind::Deliveries,
        JobKind::Coverage,
        JobKind::Prune,
        JobKind::Export,
    ];

    pub fn key(self) -> &'static str {
        match self {
            JobKind::DeadlineSweep => "deadline_sweep",
            JobKind::Reminders => "reminders",
            JobKind::Deliveries => "deliveries",
            JobKind::Coverage => "coverage",
            JobKind::Prune => "prune",
            JobKind::Export => "export",
        }
    }

    pub fn parse(text: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.key() == text)
    }

    /// The kind's name for people: (Chinese, English).
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            JobKind::DeadlineSweep => (
                "随手拍超时升级与自动办结",
                "Deadline sweep of photo reports",
            ),
            JobKind::Reminders => ("生成提醒消息", "Making reminders"),
            JobKind::Deliveries => ("发送邮件和短信通知", "Sending e-mail and SMS notifications"),
            JobKind::Coverage => ("重新计算15分钟覆盖率", "Recomputing 15-minute coverage"),
            JobKind::Prune => ("清理已完成的任务记录", "Clearing out finished jobs"),
            JobKind::Export => ("生成导出文件", "Making an export"),
        }
    }

    /// How often a periodic kind runs across all servers together; `None` for a kind queued when
    /// something happens.
    pub fn every_ms(self) -> Option<i64> {
        match self {
            JobKind::DeadlineSweep | JobKind::Reminders | JobKind::Deliveries => Some(MINUTE_MS),
            JobKind::Prune => Some(DAY_MS),
            JobKind::Coverage | JobKind::Export => None,
        }
    }
}

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its time and a free server.
    Queued,
    /// Claimed by a server, which holds it until its lease runs out.
    Running,
    Done,
    /// Failed on every attempt, or its server stopped on every attempt; an administrator may
    /// queue it again.
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.key() == text)
    }

    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            JobState::Queued => ("排队中", "Queued"),
            JobState::Running => ("运行中", "Running"),
            JobState::Done => ("已完成", "Done"),
            JobState::Failed => ("失败", "Failed"),
        }
    }
}

/// How long a server holds a job it claimed. A server that stops mid-job (killed, its machine
/// lost) lets the lease run out; another server then claims the job again. Every kind finishes
/// well within it (the coverage of a district takes seconds).
pub const LEASE_MS: i64 = 5 * MINUTE_MS;

/// Waits before the 2nd, 3rd and 4th attempt of a job that failed: 10 seconds, 1 minute, 5
/// minutes. After the 4th it is failed.
pub const RETRY_AFTER_MS: [i64; 3] = [10_000, MINUTE_MS, 5 * MINUTE_MS];

/// How many times a job is tried in all.
pub const MAX_ATTEMPTS: i64 = RETRY_AFTER_MS.len() as i64 + 1;

/// How long finished jobs are kept for administrators to look back on. Failed jobs are kept
/// until someone queues them again.
pub const KEEP_DONE_MS: i64 = 7 * DAY_MS;

/// After attempt `attempts` (1 for the first) failed at `now_ms`: when to try again, or `None`
/// to give up.
pub fn next_attempt(attempts: i64, now_ms: i64) -> Option<i64> {
    let index = usize::try_from(attempts - 1).ok()?;
    RETRY_AFTER_MS.get(index).map(|wait| now_ms + wait)
}

/// The start of the period `now_ms` falls in, for a kind that runs every `every_ms`.
pub fn period_start(now_ms: i64, every_ms: i64) -> i64 {
    now_ms.div_euclid(every_ms) * every_ms
}

/// The key that makes a periodic job once per period however many servers queue it: the kind
/// and the period's start.
pub fn period_key(kind: JobKind, now_ms: i64) -> Option<String> {
    let every = kind.every_ms()?;
    Some(format!("{}@{}", kind.key(), period_start(now_ms, every)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_read_back_from_their_keys() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.key()), Some(kind));
        }
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.key()), Some(state));
        }
        assert_eq!(JobKind::parse("sweep"), None);
        assert_eq!(JobState::parse("Done"), None);
    }

    #[test]
    fn a_failed_job_waits_longer_each_time_and_is_given_up_after_the_fourth_attempt() {
        assert_eq!(next_attempt(1, 1_000), Some(11_000));
        assert_eq!(next_attempt(2, 1_000), Some(61_000));
        assert_eq!(next_attempt(3, 1_000), Some(301_000));
        assert_eq!(next_attempt(4, 1_000), None);
        assert_eq!(MAX_ATTEMPTS, 4);
        assert_eq!(next_attempt(0, 1_000), None);
    }

    #[test]
    fn a_periodic_job_has_one_key_per_period() {
        let minute = 60_000;
        let at = 1_700_000_000_000; // 22:13:20 UTC
        let start = period_start(at, minute);
        assert_eq!(start, 1_699_999_980_000);
        assert_eq!(
            period_key(JobKind::DeadlineSweep, start),
            period_key(JobKind::DeadlineSweep, start + minute - 1)
        );
        assert_ne!(
            period_key(JobKind::DeadlineSweep, start),
            period_key(JobKind::DeadlineSweep, start + minute)
        );
        assert_eq!(
            period_key(JobKind::Reminders, at).as_deref(),
            Some("reminders@1699999980000")
        );
        assert_eq!(period_key(JobKind::Coverage, at), None);
        assert_eq!(period_start(-1, minute), -minute);
    }
}
