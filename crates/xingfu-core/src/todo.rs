//! 待办: what a person must do next, gathered from every feature into one list, in one order.
//!
//! Each feature says what waits for the person ([`TodoItem`]); this module decides the order
//! (overdue first, the longest overdue at the top; then the soonest due; then those without a
//! deadline, in the order of the workflow) and the counts per kind shown in the navigation.

use serde::Serialize;

/// One kind of work waiting for someone, in the order the programme's workflow reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TodoKind {
    /// A declaration to check for eligibility (资格审查).
    CheckDeclaration,
    /// An assessor's sheet to score.
    ScoreSheet,
    /// A computed result to approve (审批).
    ApproveResult,
    /// An approved result to publish for objections (公示).
    PublishResult,
    /// A published result whose objection period has ended, to name (命名).
    NameResult,
    /// An objection to decide.
    DecideObjection,
    /// A rectification task to carry out and submit (整改).
    SubmitRectification,
    /// A submitted rectification to verify (验收).
    VerifyRectification,
    /// A 随手拍 report to accept or refuse (受理).
    AcceptEvent,
    /// An accepted event to dispatch to a handler (派遣).
    DispatchEvent,
    /// A dispatched event to handle (处置).
    HandleEvent,
    /// A handled event to confirm or reopen (确认).
    ConfirmEvent,
    /// A home-visit follow-up that is due (回访).
    FollowUpVisit,
    /// A community whose survey has fewer answers than its quota (调查样本不足).
    SurveyQuota,
    /// A volunteer activity to sign off (签退核定).
    SignOffActivity,
    /// A love-mall redemption to hand out (兑换发放).
    HandOutRedemption,
}

impl TodoKind {
    pub const ALL: [TodoKind; 16] = [
        TodoKind::CheckDeclaration,
        TodoKind::ScoreSheet,
        TodoKind::ApproveResult,
        TodoKind::PublishResult,
        TodoKind::NameResult,
        TodoKind::DecideObjection,
        TodoKind::SubmitRectification,
        TodoKind::VerifyRectification,
        TodoKind::AcceptEvent,
        TodoKind::DispatchEvent,
        TodoKind::HandleEvent,
        TodoKind::ConfirmEvent,
        TodoKind::FollowUpVisit,
        TodoKind::SurveyQuota,
        TodoKind::SignOffActivity,
        TodoKind::HandOutRedemption,
    ];

    /// The key the API and links use (`check_declaration` …).
    pub fn key(self) -> &'static str {
        match self {
            TodoKind::CheckDeclaration => "check_declaration",
            TodoKind::ScoreSheet => "score_sheet",
            TodoKind::ApproveResult => "approve_result",
            TodoKind::PublishResult => "publish_result",
            TodoKind::NameResult => "name_result",
            TodoKind::DecideObjection => "decide_objection",
            TodoKind::SubmitRectification => "submit_rectification",
            TodoKind::VerifyRectification => "verify_rectification",
            TodoKind::AcceptEvent => "accept_event",
            TodoKind::DispatchEvent => "dispatch_event",
            TodoKind::HandleEvent => "handle_event",
            TodoKind::ConfirmEvent => "confirm_event",
            TodoKind::FollowUpVisit => "follow_up_visit",
            TodoKind::SurveyQuota => "survey_quota",
            TodoKind::SignOffActivity => "sign_off_activity",
            TodoKind::HandOutRedemption => "hand_out_redemption",
        }
    }

    pub fn parse(text: &str) -> Option<TodoKind> {
        TodoKind::ALL.into_iter().find(|k| k.key() == text)
    }

    /// What the person does, as a short verb phrase: (Chinese, English).
    pub fn action(self) -> (&'static str, &'static str) {
        match self {
            TodoKind::CheckDeclaration => ("资格审查", "Check the declaration"),
            TodoKind::ScoreSheet => ("评分", "Score the sheet"),
            TodoKind::ApproveResult => ("审批结果", "Approve the result"),
            TodoKind::PublishResult => ("公示结果", "Publish the result"),
            TodoKind::NameResult => ("命名", "Name the community"),
            TodoKind::DecideObjection => ("处理异议", "Decide the objection"),
            TodoKind::SubmitRectification => ("提交整改", "Submit the rectification"),
            TodoKind::VerifyRectification => ("验收整改", "Verify the rectification"),
            TodoKind::AcceptEvent => ("受理随手拍", "Accept the report"),
            TodoKind::DispatchEvent => ("派遣处置", "Dispatch the event"),
            TodoKind::HandleEvent => ("处置事件", "Handle the event"),
            TodoKind::ConfirmEvent => ("确认办结", "Confirm the outcome"),
            TodoKind::FollowUpVisit => ("入户回访", "Follow up the visit"),
            TodoKind::SurveyQuota => ("补足调查样本", "Collect more survey answers"),
            TodoKind::SignOffActivity => ("活动签退核定", "Sign off the activity"),
            TodoKind::HandOutRedemption => ("发放兑换物品", "Hand out the redemption"),
        }
    }
}

/// One thing waiting for the person: what, where, by when, and the page that does it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TodoItem {
    pub kind: TodoKind,
    /// What it is about, by name: a community, an event's title, a household.
    pub subject: String,
    /// Where or in what: the round (2013 年度鹿城区), the grid, the street.
    pub context: String,
    /// The deadline, Unix milliseconds, when there is one.
    pub due_ms: Option<i64>,
    /// The page that does it (a path on this site).
    pub link: String,
}

impl TodoItem {
    /// Past its deadline at `now_ms`: a deadline is met up to and including its last
    /// millisecond.
    pub fn is_overdue(&self, now_ms: i64) -> bool {
        self.due_ms.is_some_and(|due| now_ms > due)
    }

    /// Milliseconds left until the deadline (negative once overdue).
    pub fn left_ms(&self, now_ms: i64) -> Option<i64> {
        self.due_ms.map(|due| due - now_ms)
    }
}

/// Puts the list in the order a person works through it: overdue first (longest overdue at the
/// top), then by the nearest deadline, then those without one in workflow order; ties by
/// subject, so the order is the same on every request.
pub fn order(items: &mut [TodoItem]) {
    items.sort_by(|a, b| {
        let due = |i: &TodoItem| i.due_ms.unwrap_or(i64::MAX);
        due(a)
            .cmp(&due(b))
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.link.cmp(&b.link))
    });
}

/// How many items of each kind, for the navigation: kinds with none are left out, in workflow
/// order.
pub fn counts(items: &[TodoItem]) -> Vec<(TodoKind, usize)> {
    TodoKind::ALL
        .into_iter()
        .map(|kind| (kind, items.iter().filter(|i| i.kind == kind).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// How many are overdue at `now_ms`.
pub fn overdue(items: &[TodoItem], now_ms: i64) -> usize {
    items.iter().filter(|i| i.is_overdue(now_ms)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: TodoKind, subject: &str, due_ms: Option<i64>) -> TodoItem {
        TodoItem {
            kind,
            subject: subject.to_string(),
            context: String::new(),
            due_ms,
            link: format!("/{subject}"),
        }
    }

    #[test]
    fn a_deadline_is_met_through_its_last_millisecond() {
        let i = item(TodoKind::HandleEvent, "路灯", Some(1_000));
        assert!(!i.is_overdue(999));
        assert!(!i.is_overdue(1_000));
        assert!(i.is_overdue(1_001));
        assert_eq!(i.left_ms(1_001), Some(-1));
        assert!(!item(TodoKind::ScoreSheet, "鼓楼社区", None).is_overdue(i64::MAX));
    }

    #[test]
    fn overdue_first_then_soonest_then_undated_in_workflow_order() {
        let mut items = vec![
            item(TodoKind::HandOutRedemption, "毛巾", None),
            item(TodoKind::HandleEvent, "井盖", Some(5_000)),
            item(TodoKind::CheckDeclaration, "五马社区", None),
            item(TodoKind::ConfirmEvent, "路灯", Some(500)),
            item(TodoKind::FollowUpVisit, "张阿姨", Some(100)),
        ];
        order(&mut items);
        let subjects: Vec<&str> = items.iter().map(|i| i.subject.as_str()).collect();
        assert_eq!(subjects, ["张阿姨", "路灯", "井盖", "五马社区", "毛巾"]);
        assert_eq!(overdue(&items, 1_000), 2);
        assert_eq!(overdue(&items, 100), 0);
    }

    #[test]
    fn counts_leave_out_empty_kinds_and_keep_workflow_order() {
        let items = vec![
            item(TodoKind::HandleEvent, "a", None),
            item(TodoKind::CheckDeclaration, "b", None),
            item(TodoKind::HandleEvent, "c", None),
        ];
        assert_eq!(
            counts(&items),
            [(TodoKind::CheckDeclaration, 1), (TodoKind::HandleEvent, 2)]
        );
    }

    #[test]
    fn every_kind_has_a_key_that_parses_back() {
        for kind in TodoKind::ALL {
            assert_eq!(TodoKind::parse(kind.key()), Some(kind));
        }
        assert_eq!(TodoKind::parse("nap"), None);
    }
}
