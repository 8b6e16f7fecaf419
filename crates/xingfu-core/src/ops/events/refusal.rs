//! Why an action on an event is refused, in English and Chinese.

use super::{ActionKind, EventId, EventState};
use crate::ops::Level;
use crate::workflow::Refusal;
/// Why an action is refused. `Display` is the English message; [`EventRefusal::zh`] the Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventRefusal {
    #[error(
        "event {event} has changed since you loaded it (version {actual}, you saw {expected}); reload and try again"
    )]
    StaleVersion {
        event: EventId,
        expected: u64,
        actual: u64,
    },
    #[error("cannot {} an event that is {}", action.en(), state.en())]
    WrongState {
        action: ActionKind,
        state: EventState,
    },
    #[error("community {community} is outside your area")]
    OutsideArea { community: String },
    #[error("the event is handled at {} level; you act at {}", event_level.en(), match actor_level { Some(l) => l.en(), None => "no handling level" })]
    WrongLevel {
        event_level: Level,
        actor_level: Option<Level>,
    },
    #[error("grid {grid} is not one of your grids")]
    NotYourGrid { grid: String },
    #[error("a grid member handles events in a grid; this one is at community level")]
    NoGrid,
    #[error("only the assigned handler may {}", action.en())]
    NotAssignee { action: ActionKind },
    #[error("only the person who reported the event may {}", action.en())]
    NotReporter { action: ActionKind },
    #[error("the event is not overdue until {deadline}")]
    NotOverdue { deadline: i64 },
    #[error("the reporter may still confirm until {until}")]
    AwaitingConfirmation { until: i64 },
    #[error("the district is the top level; nothing to escalate to")]
    TopLevel,
    #[error("can only hand down to a lower level than {}", from.en())]
    NotLower { from: Level, to: Level },
    #[error("a reason is required to {}", action.en())]
    ReasonRequired { action: ActionKind },
    #[error("name the person to dispatch to")]
    NoAssignee,
    #[error("an event cannot be merged into itself")]
    MergeIntoSelf,
    #[error("event {primary} is {} and cannot take duplicates", state.en())]
    PrimaryFinal { primary: EventId, state: EventState },
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
}

impl EventRefusal {
    pub fn zh(&self) -> String {
        use EventRefusal::*;
        match self {
            StaleVersion { event, .. } => {
                format!("事件 {event} 已被他人更新，请刷新页面后重试")
            }
            WrongState { action, state } => {
                format!("事件当前为“{}”，不能{}", state.zh(), action.zh())
            }
            OutsideArea { community } => format!("社区 {community} 不在您的管辖范围内"),
            WrongLevel {
                event_level,
                actor_level,
            } => match actor_level {
                Some(l) => format!("此事件当前由{}级处理，您是{}级", event_level.zh(), l.zh()),
                None => format!("此事件当前由{}级处理，您无处置权限", event_level.zh()),
            },
            NotYourGrid { grid } => format!("网格 {grid} 不是您负责的网格"),
            NoGrid => "此事件不属于任何网格，由社区工作者处理".into(),
            NotAssignee { action } => format!("只有被派遣的处置人可以{}", action.zh()),
            NotReporter { action } => format!("只有上报人可以{}", action.zh()),
            NotOverdue { .. } => "事件尚未超时，不能自动上报上级".into(),
            AwaitingConfirmation { .. } => "上报人确认期未满，暂不能结案".into(),
            TopLevel => "区级已是最高层级，不能再上报".into(),
            NotLower { from, .. } => format!("只能交回比{}级更低的层级", from.zh()),
            ReasonRequired { action } => format!("{}须填写理由", action.zh()),
            NoAssignee => "请选择处置人".into(),
            MergeIntoSelf => "事件不能合并到自身".into(),
            PrimaryFinal { primary, state } => {
                format!("事件 {primary} 已{}，不能再合并", state.zh())
            }
            UnknownCategory(key) => format!("未知的事件类别：{key}"),
        }
    }

    pub fn en(&self) -> String {
        self.to_string()
    }
}

impl From<EventRefusal> for Refusal {
    fn from(refusal: EventRefusal) -> Refusal {
        Refusal {
            zh: refusal.zh(),
            en: refusal.en(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::events::Action;
    use crate::ops::events::fixtures::*;

    #[test]
    fn wrong_states_are_refused_with_both_languages() {
        let e = opened(Some("u1"));
        let refusal = act(&e, Action::Start, &handler(), T0).unwrap_err();
        assert_eq!(
            refusal,
            EventRefusal::WrongState {
                action: ActionKind::Start,
                state: EventState::Reported
            }
        );
        assert_eq!(refusal.zh(), "事件当前为“已上报”，不能开始处置");
        assert_eq!(refusal.en(), "cannot start an event that is reported");
        let converted: Refusal = refusal.into();
        assert_eq!(converted.zh, "事件当前为“已上报”，不能开始处置");
        assert_eq!(
            act(&e, Action::Confirm, &reporter(), T0),
            Err(EventRefusal::WrongState {
                action: ActionKind::Confirm,
                state: EventState::Reported
            })
        );
        assert_eq!(
            act(&e, Action::Dispatch { to: "h1" }, &worker(), T0),
            Err(EventRefusal::WrongState {
                action: ActionKind::Dispatch,
                state: EventState::Reported
            })
        );
    }
}
