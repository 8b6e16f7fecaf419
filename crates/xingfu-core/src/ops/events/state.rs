//! The states an event passes through, the actions that move it, and the step each one records.

use serde::{Deserialize, Serialize};

use super::EventId;
use crate::ops::{Level, OpsRole};
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventState {
    Reported,
    Accepted,
    Dispatched,
    InProgress,
    /// Handled; waiting for the reporter to confirm or reopen.
    Resolved,
    Closed,
    /// Not an event (不予受理), with a reason.
    Rejected,
    /// A duplicate, merged into another event.
    Merged,
}

impl EventState {
    pub const ALL: [EventState; 8] = [
        EventState::Reported,
        EventState::Accepted,
        EventState::Dispatched,
        EventState::InProgress,
        EventState::Resolved,
        EventState::Closed,
        EventState::Rejected,
        EventState::Merged,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EventState::Reported => "reported",
            EventState::Accepted => "accepted",
            EventState::Dispatched => "dispatched",
            EventState::InProgress => "in_progress",
            EventState::Resolved => "resolved",
            EventState::Closed => "closed",
            EventState::Rejected => "rejected",
            EventState::Merged => "merged",
        }
    }

    pub fn parse(text: &str) -> Option<EventState> {
        EventState::ALL.into_iter().find(|s| s.key() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            EventState::Reported => "已上报",
            EventState::Accepted => "已受理",
            EventState::Dispatched => "已派遣",
            EventState::InProgress => "处置中",
            EventState::Resolved => "已处置待确认",
            EventState::Closed => "已结案",
            EventState::Rejected => "不予受理",
            EventState::Merged => "已合并",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            EventState::Reported => "reported",
            EventState::Accepted => "accepted",
            EventState::Dispatched => "dispatched",
            EventState::InProgress => "in progress",
            EventState::Resolved => "resolved, awaiting confirmation",
            EventState::Closed => "closed",
            EventState::Rejected => "rejected",
            EventState::Merged => "merged",
        }
    }

    /// Being handled: the time limit runs, and the event may escalate.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            EventState::Reported
                | EventState::Accepted
                | EventState::Dispatched
                | EventState::InProgress
        )
    }

    /// Nothing more can happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            EventState::Closed | EventState::Rejected | EventState::Merged
        )
    }
}

/// What happened, without its data, for records and buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Report,
    Accept,
    Reject,
    Dispatch,
    Start,
    Resolve,
    Confirm,
    Reopen,
    Close,
    Escalate,
    HandDown,
    MergeInto,
}

impl ActionKind {
    pub const ALL: [ActionKind; 12] = [
        ActionKind::Report,
        ActionKind::Accept,
        ActionKind::Reject,
        ActionKind::Dispatch,
        ActionKind::Start,
        ActionKind::Resolve,
        ActionKind::Confirm,
        ActionKind::Reopen,
        ActionKind::Close,
        ActionKind::Escalate,
        ActionKind::HandDown,
        ActionKind::MergeInto,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ActionKind::Report => "report",
            ActionKind::Accept => "accept",
            ActionKind::Reject => "reject",
            ActionKind::Dispatch => "dispatch",
            ActionKind::Start => "start",
            ActionKind::Resolve => "resolve",
            ActionKind::Confirm => "confirm",
            ActionKind::Reopen => "reopen",
            ActionKind::Close => "close",
            ActionKind::Escalate => "escalate",
            ActionKind::HandDown => "hand_down",
            ActionKind::MergeInto => "merge_into",
        }
    }

    pub fn parse(text: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|a| a.key() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            ActionKind::Report => "上报",
            ActionKind::Accept => "受理",
            ActionKind::Reject => "不予受理",
            ActionKind::Dispatch => "派遣",
            ActionKind::Start => "开始处置",
            ActionKind::Resolve => "处置完成",
            ActionKind::Confirm => "确认办结",
            ActionKind::Reopen => "重新处理",
            ActionKind::Close => "结案",
            ActionKind::Escalate => "上报上级",
            ActionKind::HandDown => "交回下级",
            ActionKind::MergeInto => "合并",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            ActionKind::Report => "report",
            ActionKind::Accept => "accept",
            ActionKind::Reject => "reject",
            ActionKind::Dispatch => "dispatch",
            ActionKind::Start => "start",
            ActionKind::Resolve => "resolve",
            ActionKind::Confirm => "confirm",
            ActionKind::Reopen => "reopen",
            ActionKind::Close => "close",
            ActionKind::Escalate => "escalate",
            ActionKind::HandDown => "hand down",
            ActionKind::MergeInto => "merge",
        }
    }
}

/// An action with the data the rules need. Free text (a rejection or reopening reason) is
/// checked for presence and recorded in the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    Accept,
    Reject {
        reason: &'a str,
    },
    /// Assign (or reassign) a handler.
    Dispatch {
        to: &'a str,
    },
    Start,
    Resolve,
    Confirm,
    Reopen {
        reason: &'a str,
    },
    Close,
    Escalate,
    HandDown {
        to: Level,
    },
    /// Merge this duplicate into `primary`, whose current state the caller read.
    MergeInto {
        primary: EventId,
        primary_state: EventState,
    },
}

impl Action<'_> {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::Reject { .. } => ActionKind::Reject,
            Action::Dispatch { .. } => ActionKind::Dispatch,
            Action::Start => ActionKind::Start,
            Action::Resolve => ActionKind::Resolve,
            Action::Confirm => ActionKind::Confirm,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::Close => ActionKind::Close,
            Action::Escalate => ActionKind::Escalate,
            Action::HandDown { .. } => ActionKind::HandDown,
            Action::MergeInto { .. } => ActionKind::MergeInto,
        }
    }
}

/// One recorded step: who did what, when, and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub event: EventId,
    /// The event's version after this step.
    pub version: u64,
    pub action: ActionKind,
    pub actor: String,
    pub role: OpsRole,
    pub at: i64,
    pub from_state: Option<EventState>,
    pub to_state: EventState,
    pub from_level: Option<Level>,
    pub to_level: Level,
    pub assignee: Option<String>,
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in EventState::ALL {
            assert_eq!(EventState::parse(s.key()), Some(s));
        }
        for a in ActionKind::ALL {
            assert_eq!(ActionKind::parse(a.key()), Some(a));
        }
        assert_eq!(EventState::ALL.iter().filter(|s| s.is_open()).count(), 4);
        assert_eq!(EventState::ALL.iter().filter(|s| s.is_final()).count(), 3);
    }
}
