//! Event categories with their time limits per level, the confirmation window, overdue.

use serde::{Deserialize, Serialize};

use super::HOUR_MS;
use crate::ops::Level;
/// Hours allowed at each level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelHours {
    pub community: u32,
    pub street: u32,
    pub district: u32,
}

impl LevelHours {
    pub const fn same(hours: u32) -> LevelHours {
        LevelHours {
            community: hours,
            street: hours,
            district: hours,
        }
    }

    pub fn at(&self, level: Level) -> u32 {
        match level {
            Level::Community => self.community,
            Level::Street => self.street,
            Level::District => self.district,
        }
    }
}

/// An event category; its key doubles as the Open311 `service_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    pub zh: String,
    pub en: String,
    pub limit_hours: LevelHours,
}

/// Categories with their time limits, and the reporter's confirmation window: data, loaded
/// from a file in the outer crates, with [`EventRules::baseline`] as the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRules {
    pub categories: Vec<Category>,
    pub confirm_window_hours: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("no event categories")]
    NoCategories,
    #[error("category key {0:?} must be lower-case ASCII letters, digits or '_'")]
    BadKey(String),
    #[error("category {0} is listed twice")]
    DuplicateCategory(String),
    #[error("category {key}: the {level} time limit must be at least one hour")]
    ZeroLimit { key: String, level: &'static str },
    #[error("the confirmation window must be at least one hour")]
    ZeroConfirmWindow,
}

impl EventRules {
    /// Our defaults: the Baoji seed names the 随手拍 platform but no categories or limits.
    /// Categories follow the seed's grid duties (安全隐患排查, 民情信息收集) and common urban
    /// complaints; limits are calendar hours, the same at each level (each level gets a fresh
    /// limit); the reporter has 72 hours to confirm.
    pub fn baseline() -> EventRules {
        let category = |key: &str, zh: &str, en: &str, hours: u32| Category {
            key: key.into(),
            zh: zh.into(),
            en: en.into(),
            limit_hours: LevelHours::same(hours),
        };
        EventRules {
            categories: vec![
                category("safety_hazard", "安全隐患", "safety hazard", 24),
                category("sanitation", "环境卫生", "sanitation", 48),
                category(
                    "public_facility",
                    "公共设施损坏",
                    "damaged public facility",
                    72,
                ),
                category("property_service", "物业服务", "property management", 72),
                category("neighbour_dispute", "邻里纠纷", "neighbour dispute", 120),
                category(
                    "illegal_construction",
                    "违章搭建",
                    "illegal construction",
                    168,
                ),
                category("other", "其他", "other", 120),
            ],
            confirm_window_hours: 72,
        }
    }

    pub fn validate(&self) -> Result<(), RulesError> {
        if self.categories.is_empty() {
            return Err(RulesError::NoCategories);
        }
        if self.confirm_window_hours == 0 {
            return Err(RulesError::ZeroConfirmWindow);
        }
        for (i, c) in self.categories.iter().enumerate() {
            let well_formed = !c.key.is_empty()
                && c.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !well_formed {
                return Err(RulesError::BadKey(c.key.clone()));
            }
            if self.categories[..i].iter().any(|d| d.key == c.key) {
                return Err(RulesError::DuplicateCategory(c.key.clone()));
            }
            for level in Level::ALL {
                if c.limit_hours.at(level) == 0 {
                    return Err(RulesError::ZeroLimit {
                        key: c.key.clone(),
                        level: level.key(),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The time limit in milliseconds for `category` at `level`.
    pub fn limit_ms(&self, category: &str, level: Level) -> Option<i64> {
        self.category(category)
            .map(|c| i64::from(c.limit_hours.at(level)) * HOUR_MS)
    }

    pub fn confirm_window_ms(&self) -> i64 {
        i64::from(self.confirm_window_hours) * HOUR_MS
    }
}

pub(super) fn overdue(deadline: Option<i64>, now: i64) -> bool {
    deadline.is_some_and(|d| now > d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Actor;
    use crate::ops::events::fixtures::*;
    use crate::ops::events::{
        Action, ActionKind, EventId, EventRefusal, EventState, ValidReport, decide, open,
    };

    #[test]
    fn overdue_events_escalate_one_level_with_a_fresh_deadline() {
        let e = opened(Some("u1"));
        let deadline = T0 + LIMIT;
        assert_eq!(
            act(&e, Action::Escalate, &Actor::system(), deadline),
            Err(EventRefusal::NotOverdue { deadline })
        );
        let up = act(&e, Action::Escalate, &Actor::system(), deadline + 1).unwrap();
        assert_eq!((up.level, up.state), (Level::Street, EventState::Accepted));
        assert_eq!(up.deadline, Some(deadline + 1 + LIMIT));
        assert!(up.late);
        assert_eq!(up.escalations, 1);
        // The community can no longer act; the street can.
        assert!(matches!(
            act(&up, Action::Dispatch { to: "x" }, &worker(), deadline + 2),
            Err(EventRefusal::WrongLevel { .. })
        ));
        assert!(
            act(
                &up,
                Action::Dispatch { to: "dept-7" },
                &street(),
                deadline + 2
            )
            .is_ok()
        );
        let top = act(
            &up,
            Action::Escalate,
            &Actor::system(),
            deadline + 2 + LIMIT,
        )
        .unwrap();
        assert_eq!(top.level, Level::District);
        assert_eq!(
            act(
                &top,
                Action::Escalate,
                &Actor::system(),
                deadline + 3 + 2 * LIMIT
            ),
            Err(EventRefusal::TopLevel)
        );
        assert_eq!(
            act(&top, Action::Escalate, &district(), deadline + 3),
            Err(EventRefusal::TopLevel)
        );
    }

    #[test]
    fn staff_may_escalate_early_without_it_counting_as_late() {
        let e = opened(Some("u1"));
        let up = act(&e, Action::Escalate, &worker(), T0 + HOUR_MS).unwrap();
        assert_eq!(up.level, Level::Street);
        assert!(!up.late);
        assert_eq!(up.deadline, Some(T0 + HOUR_MS + LIMIT));
    }

    #[test]
    fn resolving_at_the_deadline_is_on_time_and_after_it_late() {
        let e = in_progress(Some("u1"));
        let deadline = e.deadline.unwrap();
        let on_time = act(&e, Action::Resolve, &handler(), deadline).unwrap();
        assert!(!on_time.late);
        assert_eq!(on_time.deadline, Some(deadline + WINDOW));
        let late = act(&e, Action::Resolve, &handler(), deadline + 1).unwrap();
        assert!(late.late);
    }

    #[test]
    fn closing_without_confirmation_waits_for_the_window() {
        let e = in_progress(Some("u1"));
        let resolved = act(&e, Action::Resolve, &handler(), T0 + HOUR_MS).unwrap();
        let until = T0 + HOUR_MS + WINDOW;
        assert_eq!(
            act(&resolved, Action::Close, &worker(), until),
            Err(EventRefusal::AwaitingConfirmation { until })
        );
        assert!(act(&resolved, Action::Close, &worker(), until + 1).is_ok());
        assert!(act(&resolved, Action::Close, &Actor::system(), until + 1).is_ok());
        assert!(act(&resolved, Action::Close, &reporter(), until + 1).is_err());
        // Anonymous: nobody to wait for.
        let anonymous = act(
            &in_progress(None),
            Action::Resolve,
            &handler(),
            T0 + HOUR_MS,
        )
        .unwrap();
        assert_eq!(
            act(&anonymous, Action::Close, &worker(), T0 + HOUR_MS).map(|e| e.state),
            Ok(EventState::Closed)
        );
        assert!(matches!(
            act(&anonymous, Action::Confirm, &reporter(), T0 + HOUR_MS),
            Err(EventRefusal::NotReporter { .. })
        ));
    }

    #[test]
    fn reopening_needs_a_reason_and_restarts_the_clock() {
        let e = in_progress(Some("u1"));
        let resolved = act(&e, Action::Resolve, &handler(), T0 + HOUR_MS).unwrap();
        assert_eq!(
            act(
                &resolved,
                Action::Reopen { reason: "  " },
                &reporter(),
                T0 + 2 * HOUR_MS
            ),
            Err(EventRefusal::ReasonRequired {
                action: ActionKind::Reopen
            })
        );
        let rules = EventRules::baseline();
        let d = decide(
            &resolved,
            &Action::Reopen {
                reason: " 还是满的 ",
            },
            &reporter(),
            T0 + 2 * HOUR_MS,
            resolved.version,
            &rules,
        )
        .unwrap();
        assert_eq!(d.step.note.as_deref(), Some("还是满的"));
        let reopened = d.event;
        assert_eq!(
            (reopened.state, reopened.assignee.as_deref()),
            (EventState::InProgress, Some("h1"))
        );
        assert_eq!(reopened.deadline, Some(T0 + 2 * HOUR_MS + LIMIT));
        assert_eq!((reopened.reopens, reopened.resolved_at), (1, None));
        assert!(act(&reopened, Action::Resolve, &handler(), T0 + 3 * HOUR_MS).is_ok());
    }

    #[test]
    fn rules_are_validated() {
        assert_eq!(EventRules::baseline().validate(), Ok(()));
        let mut r = EventRules::baseline();
        r.categories[1].limit_hours.street = 0;
        assert_eq!(
            r.validate(),
            Err(RulesError::ZeroLimit {
                key: "sanitation".into(),
                level: "street"
            })
        );
        let mut r = EventRules::baseline();
        r.categories.push(r.categories[0].clone());
        assert_eq!(
            r.validate(),
            Err(RulesError::DuplicateCategory("safety_hazard".into()))
        );
        let mut r = EventRules::baseline();
        r.categories[0].key = "Safety".into();
        assert_eq!(r.validate(), Err(RulesError::BadKey("Safety".into())));
        let mut r = EventRules::baseline();
        r.confirm_window_hours = 0;
        assert_eq!(r.validate(), Err(RulesError::ZeroConfirmWindow));
        r.categories.clear();
        assert_eq!(r.validate(), Err(RulesError::NoCategories));
        assert_eq!(
            EventRules::baseline().limit_ms("safety_hazard", Level::District),
            Some(24 * HOUR_MS)
        );
        assert_eq!(
            EventRules::baseline().limit_ms("nope", Level::District),
            None
        );
        let unknown = ValidReport {
            category: "nope".into(),
            ..report()
        };
        assert_eq!(
            open(
                EventId(2),
                unknown,
                COMMUNITY,
                None,
                None,
                T0,
                &EventRules::baseline()
            )
            .map(|d| d.event),
            Err(EventRefusal::UnknownCategory("nope".into()))
        );
    }
}
