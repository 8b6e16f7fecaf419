//! Rectification tasks (整改): the states a task moves through and who may move it. A community
//! worker reports on an open or sent-back task; a street or district administrator verifies the
//! report or sends it back.

use serde::Serialize;

use crate::workflow::Role;

/// Where a task stands; stored as its [`key`](RectificationStatus::key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationStatus {
    Open,
    Submitted,
    Verified,
    /// Sent back to the community after a report.
    Reopened,
}

impl RectificationStatus {
    pub fn key(self) -> &'static str {
        match self {
            RectificationStatus::Open => "open",
            RectificationStatus::Submitted => "submitted",
            RectificationStatus::Verified => "verified",
            RectificationStatus::Reopened => "reopened",
        }
    }

    pub fn parse(text: &str) -> Option<RectificationStatus> {
        match text {
            "open" => Some(RectificationStatus::Open),
            "submitted" => Some(RectificationStatus::Submitted),
            "verified" => Some(RectificationStatus::Verified),
            "reopened" => Some(RectificationStatus::Reopened),
            _ => None,
        }
    }

    /// Chinese and English words for the status.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            RectificationStatus::Open => ("待整改", "to do"),
            RectificationStatus::Submitted => ("已提交", "submitted"),
            RectificationStatus::Verified => ("已验收", "verified"),
            RectificationStatus::Reopened => ("退回", "sent back"),
        }
    }

    /// Waiting for the community's report (so it can be overdue).
    pub fn awaits_report(self) -> bool {
        matches!(
            self,
            RectificationStatus::Open | RectificationStatus::Reopened
        )
    }
}

crate::keys::stored_as_key!(RectificationStatus, "rectification status");

/// A step that moves a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStep {
    Submit,
    Verify,
    Reopen,
}

impl TaskStep {
    /// The status a task has after this step.
    pub fn to(self) -> RectificationStatus {
        match self {
            TaskStep::Submit => RectificationStatus::Submitted,
            TaskStep::Verify => RectificationStatus::Verified,
            TaskStep::Reopen => RectificationStatus::Reopened,
        }
    }

    /// The role may take this step at all (submitting: the community worker; verifying and
    /// sending back: a street or district administrator).
    pub fn role_may(self, role: Role) -> bool {
        match self {
            TaskStep::Submit => role == Role::CommunityWorker,
            TaskStep::Verify | TaskStep::Reopen => {
                matches!(role, Role::StreetAdmin | Role::DistrictAdmin)
            }
        }
    }

    /// The step applies to a task at `status`.
    pub fn applies_at(self, status: RectificationStatus) -> bool {
        match self {
            TaskStep::Submit => status.awaits_report(),
            TaskStep::Verify | TaskStep::Reopen => status == RectificationStatus::Submitted,
        }
    }
}

/// May `role` (whose area covers the task's community) submit a report on a task at `status`?
pub fn may_submit(role: Role, status: Option<RectificationStatus>) -> bool {
    may_take(TaskStep::Submit, role, status)
}

/// May `role` (whose area covers the task's community) verify a task at `status`?
pub fn may_verify(role: Role, status: Option<RectificationStatus>) -> bool {
    may_take(TaskStep::Verify, role, status)
}

/// May `role` (whose area covers the task's community) send back a task at `status`?
pub fn may_reopen(role: Role, status: Option<RectificationStatus>) -> bool {
    may_take(TaskStep::Reopen, role, status)
}

/// The role may take the step and the task (an unknown status: none) is at a status it applies to.
pub fn may_take(step: TaskStep, role: Role, status: Option<RectificationStatus>) -> bool {
    step.role_may(role) && status.is_some_and(|s| step.applies_at(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back() {
        for status in [
            RectificationStatus::Open,
            RectificationStatus::Submitted,
            RectificationStatus::Verified,
            RectificationStatus::Reopened,
        ] {
            assert_eq!(RectificationStatus::parse(status.key()), Some(status));
        }
        assert_eq!(RectificationStatus::parse("closed"), None);
    }

    #[test]
    fn the_worker_reports_and_the_street_checks() {
        use RectificationStatus::*;
        assert!(may_submit(Role::CommunityWorker, Some(Open)));
        assert!(may_submit(Role::CommunityWorker, Some(Reopened)));
        assert!(!may_submit(Role::CommunityWorker, Some(Submitted)));
        assert!(!may_submit(Role::StreetAdmin, Some(Open)));
        assert!(may_verify(Role::StreetAdmin, Some(Submitted)));
        assert!(may_reopen(Role::DistrictAdmin, Some(Submitted)));
        assert!(!may_verify(Role::CityAdmin, Some(Submitted)));
        assert!(!may_verify(Role::StreetAdmin, Some(Verified)));
        assert!(!may_submit(Role::CommunityWorker, None));
    }
}
