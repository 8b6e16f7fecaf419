//! Notifications: the kinds of message, the channels they go out on, when a reminder is due
//! (the lead time before each kind of deadline), when a failed delivery is tried again, and when
//! the weekly digest is made. Pure rules; the server stores and sends.

use serde::Serialize;

use crate::dates::CST_OFFSET_MS;
use crate::ops::events::{ActionKind, Step};
use crate::todo::TodoKind;
use crate::workflow::Role;

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Something new landed in the person's 待办.
    NewTodo,
    /// A 随手拍 event the person must act on reaches its SLA deadline soon.
    SlaDue,
    /// A rectification task's deadline is near.
    RectificationDue,
    /// A published result's objection period ends soon.
    ObjectionEnding,
    /// A survey closes soon and still needs answers.
    SurveyClosing,
    /// The weekly digest for administrators, with their 约谈提醒 list.
    WeeklyDigest,
    /// A 随手拍 event the person reported moved on (accepted, resolved, closed, …).
    ReportProgress,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::NewTodo,
        Kind::SlaDue,
        Kind::RectificationDue,
        Kind::ObjectionEnding,
        Kind::SurveyClosing,
        Kind::WeeklyDigest,
        Kind::ReportProgress,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Kind::NewTodo => "new_todo",
            Kind::SlaDue => "sla_due",
            Kind::RectificationDue => "rectification_due",
            Kind::ObjectionEnding => "objection_ending",
            Kind::SurveyClosing => "survey_closing",
            Kind::WeeklyDigest => "weekly_digest",
            Kind::ReportProgress => "report_progress",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == text)
    }

    /// The kind's name: (Chinese, English).
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            Kind::NewTodo => ("新的待办", "New to-do item"),
            Kind::SlaDue => ("随手拍处置期限将到", "Photo report due soon"),
            Kind::RectificationDue => ("整改期限将到", "Rectification due soon"),
            Kind::ObjectionEnding => ("公示异议期即将结束", "Objection period ending"),
            Kind::SurveyClosing => ("满意度调查即将截止", "Survey closing soon"),
            Kind::WeeklyDigest => ("每周摘要", "Weekly digest"),
            Kind::ReportProgress => ("您上报的随手拍有新进展", "News on your photo report"),
        }
    }

    /// How long before the deadline the reminder is made; `None` for kinds with no deadline.
    pub fn lead_ms(self) -> Option<i64> {
        match self {
            Kind::SlaDue => Some(2 * HOUR_MS),
            Kind::RectificationDue => Some(3 * DAY_MS),
            Kind::ObjectionEnding => Some(DAY_MS),
            Kind::SurveyClosing => Some(2 * DAY_MS),
            Kind::NewTodo | Kind::WeeklyDigest | Kind::ReportProgress => None,
        }
    }

    /// Whether a person gets this kind on `channel` before they choose: in-app always; e-mail
    /// for reminders of a deadline and the digest; the gateway (SMS, WeChat) for the shortest
    /// deadline, the 随手拍 SLA, and for a reporter's news (residents read their phones, not
    /// e-mail).
    pub fn default_on(self, channel: Channel) -> bool {
        match channel {
            Channel::InApp => true,
            Channel::Email => !matches!(self, Kind::NewTodo | Kind::ReportProgress),
            Channel::Webhook => matches!(self, Kind::SlaDue | Kind::ReportProgress),
        }
    }

    /// Whether someone of `role` can receive this kind, so their settings offer it: residents
    /// only hear of their own reports (the reminder sweep covers staff only); staff may report
    /// too.
    pub fn offered_to(self, role: Role) -> bool {
        role != Role::Resident || self == Kind::ReportProgress
    }
}

/// The steps of a 随手拍 event its reporter is told of: the rest (dispatch, start, escalation,
/// hand-down) is the staff's business, and confirm or reopen is the reporter's own step.
pub const TOLD_TO_REPORTER: [ActionKind; 5] = [
    ActionKind::Accept,
    ActionKind::Resolve,
    ActionKind::Close,
    ActionKind::Reject,
    ActionKind::MergeInto,
];

/// What the reporter `reporter` of the event is told of `step`, in Chinese; `None` when the
/// step is not one they hear of, or they took it themselves.
pub fn reporter_news(step: &Step, reporter: &str) -> Option<String> {
    if step.actor == reporter {
        return None;
    }
    Some(match step.action {
        ActionKind::Accept => "已受理".to_string(),
        ActionKind::Resolve => {
            "已处理完毕\u{ff0c}请确认是否解决\u{ff0c}或说明仍未解决的原因".to_string()
        }
        ActionKind::Close => "已办结".to_string(),
        ActionKind::Reject => match step.note.as_deref().map(str::trim) {
            Some(reason) if !reason.is_empty() => {
                format!("不予受理\u{ff0c}原因\u{ff1a}{reason}")
            }
            _ => "不予受理".to_string(),
        },
        ActionKind::MergeInto => "与另一条相同的上报合并处理".to_string(),
        _ => return None,
    })
}

/// The reminder kind a 待办 item's deadline calls for, if any.
pub fn deadline_kind(todo: TodoKind) -> Option<Kind> {
    match todo {
        TodoKind::AcceptEvent
        | TodoKind::DispatchEvent
        | TodoKind::HandleEvent
        | TodoKind::ConfirmEvent => Some(Kind::SlaDue),
        TodoKind::SubmitRectification => Some(Kind::RectificationDue),
        TodoKind::SurveyQuota => Some(Kind::SurveyClosing),
        _ => None,
    }
}

/// Whether the reminder of `kind` for a deadline at `deadline_ms` is due at `now_ms`: from the
/// lead time before the deadline (inclusive) until the deadline (exclusive; after it the item
/// is overdue and the escalation rules take over).
pub fn reminder_due(kind: Kind, deadline_ms: i64, now_ms: i64) -> bool {
    match kind.lead_ms() {
        Some(lead) => now_ms >= deadline_ms - lead && now_ms < deadline_ms,
        None => false,
    }
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The bell on every page and the message list.
    InApp,
    /// E-mail over SMTP.
    Email,
    /// A signed POST to the deployment's gateway (SMS, WeChat).
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::InApp, Channel::Email, Channel::Webhook];

    pub fn key(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.key() == text)
    }

    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            Channel::InApp => ("站内消息", "In the app"),
            Channel::Email => ("电子邮件", "E-mail"),
            Channel::Webhook => ("短信或微信", "SMS or WeChat"),
        }
    }
}

/// Waits before the 2nd, 3rd, … attempt of a delivery: 1 and 5 minutes, half an hour, 2 hours,
/// 12 hours; after the last attempt fails the delivery is given up as failed.
pub const RETRY_AFTER_MS: [i64; 5] = [
    MINUTE_MS,
    5 * MINUTE_MS,
    30 * MINUTE_MS,
    2 * HOUR_MS,
    12 * HOUR_MS,
];

/// How many times a delivery is tried in all.
pub const MAX_ATTEMPTS: i64 = RETRY_AFTER_MS.len() as i64 + 1;

/// After attempt number `attempts` (1 for the first) failed at `now_ms`: when to try again, or
/// `None` to give up.
pub fn next_attempt(attempts: i64, now_ms: i64) -> Option<i64> {
    let index = usize::try_from(attempts - 1).ok()?;
    RETRY_AFTER_MS.get(index).map(|wait| now_ms + wait)
}

/// The weekly digest is made on Mondays at 08:00 China Standard Time.
pub const DIGEST_HOUR_CST: i64 = 8;

/// The start of the digest week `now_ms` falls in: the latest Monday 08:00 CST at or before
/// it. The digest is due once `now_ms` reaches it; its key names the week, so it is made once.
pub fn digest_week_start(now_ms: i64) -> i64 {
    // 1970-01-01 was a Thursday; Monday 1970-01-05 00:00 CST is the first Monday.
    let first_monday = 4 * DAY_MS - CST_OFFSET_MS + DIGEST_HOUR_CST * HOUR_MS;
    first_monday + (now_ms - first_monday).div_euclid(WEEK_MS) * WEEK_MS
}

/// The week whose digest is due at `now_ms` (its start), if one is: from Monday 08:00 CST for a
/// day (a server down on Monday morning makes it later that day; after that it waits a week).
pub fn digest_due(now_ms: i64) -> Option<i64> {
    let start = digest_week_start(now_ms);
    (now_ms - start < DAY_MS).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_local;

    fn at(text: &str) -> i64 {
        parse_local(text).unwrap().unix_ms()
    }

    #[test]
    fn keys_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.key()), Some(kind));
        }
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.key()), Some(channel));
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn reminders_are_due_from_the_lead_time_until_the_deadline() {
        let deadline = at("2026-12-10 12:00");
        for (kind, lead) in [
            (Kind::SlaDue, 2 * HOUR_MS),
            (Kind::RectificationDue, 3 * DAY_MS),
            (Kind::ObjectionEnding, DAY_MS),
            (Kind::SurveyClosing, 2 * DAY_MS),
        ] {
            assert!(
                !reminder_due(kind, deadline, deadline - lead - 1),
                "{kind:?}"
            );
            assert!(reminder_due(kind, deadline, deadline - lead), "{kind:?}");
            assert!(reminder_due(kind, deadline, deadline - 1), "{kind:?}");
            assert!(!reminder_due(kind, deadline, deadline), "{kind:?}");
        }
        assert!(!reminder_due(Kind::NewTodo, deadline, deadline - 1));
        assert!(!reminder_due(Kind::WeeklyDigest, deadline, deadline - 1));
    }

    #[test]
    fn retries_back_off_then_give_up() {
        let now = 1_000;
        assert_eq!(next_attempt(1, now), Some(now + MINUTE_MS));
        assert_eq!(next_attempt(2, now), Some(now + 5 * MINUTE_MS));
        assert_eq!(next_attempt(3, now), Some(now + 30 * MINUTE_MS));
        assert_eq!(next_attempt(4, now), Some(now + 2 * HOUR_MS));
        assert_eq!(next_attempt(5, now), Some(now + 12 * HOUR_MS));
        assert_eq!(next_attempt(MAX_ATTEMPTS, now), None);
        assert_eq!(next_attempt(0, now), None);
        assert_eq!(MAX_ATTEMPTS, 6);
    }

    #[test]
    fn the_digest_is_due_on_monday_from_eight_in_the_morning_china_time() {
        // 2026-12-07 is a Monday.
        let monday = at("2026-12-07 08:00");
        assert_eq!(digest_week_start(monday), monday);
        assert_eq!(digest_due(monday), Some(monday));
        assert_eq!(digest_due(at("2026-12-07 23:59")), Some(monday));
        assert_eq!(digest_due(monday + DAY_MS), None);
        // A minute before: still last week's, and too late to make that one.
        assert_eq!(digest_week_start(monday - MINUTE_MS), monday - WEEK_MS);
        assert_eq!(digest_due(monday - MINUTE_MS), None);
        assert_eq!(digest_week_start(at("2026-12-13 20:00")), monday);
        assert_eq!(digest_week_start(at("2026-12-14 08:00")), monday + WEEK_MS);
    }

    #[test]
    fn defaults_keep_the_gateway_for_the_shortest_deadline() {
        for kind in Kind::ALL {
            assert!(kind.default_on(Channel::InApp));
        }
        assert!(!Kind::NewTodo.default_on(Channel::Email));
        assert!(Kind::WeeklyDigest.default_on(Channel::Email));
        assert!(Kind::SlaDue.default_on(Channel::Webhook));
        assert!(!Kind::RectificationDue.default_on(Channel::Webhook));
        assert_eq!(deadline_kind(TodoKind::HandleEvent), Some(Kind::SlaDue));
        assert_eq!(deadline_kind(TodoKind::ScoreSheet), None);
    }

    fn step(action: ActionKind, actor: &str, note: Option<&str>) -> Step {
        use crate::ops::events::{EventId, EventState};
        use crate::ops::{Level, OpsRole};
        Step {
            event: EventId(7),
            version: 2,
            action,
            actor: actor.into(),
            role: OpsRole::CommunityWorker,
            at: 0,
            from_state: Some(EventState::Reported),
            to_state: EventState::Accepted,
            from_level: Some(Level::Community),
            to_level: Level::Community,
            assignee: None,
            note: note.map(str::to_string),
        }
    }

    #[test]
    fn a_reporter_hears_of_the_steps_that_answer_their_report() {
        let news = |action, note| reporter_news(&step(action, "worker", note), "resident");
        assert_eq!(news(ActionKind::Accept, None).as_deref(), Some("已受理"));
        assert_eq!(
            news(ActionKind::Resolve, None).as_deref(),
            Some("已处理完毕\u{ff0c}请确认是否解决\u{ff0c}或说明仍未解决的原因")
        );
        assert_eq!(news(ActionKind::Close, None).as_deref(), Some("已办结"));
        assert_eq!(
            news(ActionKind::Reject, Some(" 不属于受理范围 ")).as_deref(),
            Some("不予受理\u{ff0c}原因\u{ff1a}不属于受理范围")
        );
        assert_eq!(
            news(ActionKind::MergeInto, None).as_deref(),
            Some("与另一条相同的上报合并处理")
        );
        // Exactly the listed steps are told, and none the reporter took themselves.
        for action in ActionKind::ALL {
            let told = news(action, Some("理由")).is_some();
            assert_eq!(told, TOLD_TO_REPORTER.contains(&action), "{action:?}");
            assert!(reporter_news(&step(action, "resident", None), "resident").is_none());
        }
    }

    #[test]
    fn reporters_hear_in_the_app_and_by_gateway_not_by_mail() {
        let kind = Kind::ReportProgress;
        assert_eq!(Kind::parse("report_progress"), Some(kind));
        assert_eq!(kind.name().0, "您上报的随手拍有新进展");
        assert_eq!(kind.lead_ms(), None);
        assert!(kind.default_on(Channel::InApp));
        assert!(kind.default_on(Channel::Webhook));
        assert!(!kind.default_on(Channel::Email));
        // Residents are offered only their reports' news; staff every kind.
        let resident: Vec<Kind> = Kind::ALL
            .into_iter()
            .filter(|k| k.offered_to(Role::Resident))
            .collect();
        assert_eq!(resident, [kind]);
        assert!(
            Kind::ALL
                .iter()
                .all(|k| k.offered_to(Role::CommunityWorker))
        );
    }
}
