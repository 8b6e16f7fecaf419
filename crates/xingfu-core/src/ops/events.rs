//! 随手拍 event reports and their closed loop (闭环处置).
//!
//! ```text
//! reported ─accept→ accepted ─dispatch→ dispatched ─start→ in progress ─resolve→ resolved
//!    │                  ↑                    (dispatch again to reassign)            │
//!    └─reject→ rejected │                                         confirm / close ───┤→ closed
//!                       └── escalate (up one level) / hand down (to a lower level)   │
//!                                                                 reopen → in progress
//! any open state ─merge into another event→ merged
//! ```
//!
//! Every change is a [`decide`] call: the current [`Event`], an [`Action`], who acts, when, and
//! the version the actor saw. It returns the next `Event` (version + 1) and the [`Step`] to
//! record, or an [`EventRefusal`] saying why not. Storage writes the result only if the stored
//! version is still the one the actor saw (optimistic concurrency), so two people handling the
//! same event at once cannot both succeed: the second gets [`EventRefusal::StaleVersion`], and
//! after reloading, the rules refuse whatever no longer applies.
//!
//! Time limits ([`EventRules`]): each category has a limit per level, in hours of calendar time.
//! The clock starts when the event is reported and gives a fresh full limit whenever the event
//! arrives at a level (escalation or hand-down) or is reopened. An event is overdue when
//! `now > deadline` (the deadline instant itself is still on time). While resolved, the deadline
//! is the end of the reporter's confirmation window, after which staff (or the sweep) may close
//! it without confirmation. Anonymous reports can be closed as soon as they are resolved.
//!
//! Choices the seeds leave open, made here: escalation and hand-down put the event in
//! `accepted` at the new level (that level owns it and must dispatch), clearing the assignee;
//! escalation goes one level at a time, hand-down to any lower level; reopening returns the
//! event to its last assignee, in progress; `reject` (不予受理) exists for reports that are not
//! events at all, with a reason.

use serde::{Deserialize, Serialize};

use super::coords::{CoordError, Datum, GeoPoint, to_wgs84};
use super::{Actor, Level, OpsRole};
use crate::workflow::Refusal;

pub const HOUR_MS: i64 = 3_600_000;

/// Events are numbered, so residents can quote one ("#10234").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(pub u64);

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

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

/// A report as a resident sends it (one question per page in the UI, gathered here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    pub category: String,
    pub description: String,
    pub location: GeoPoint,
    /// The system the phone's map gave the location in.
    pub datum: Datum,
    pub address: Option<String>,
    /// Stored photo references (keys in the object store).
    pub photos: Vec<String>,
}

pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Nine, as a WeChat post allows.
pub const MAX_PHOTOS: usize = 9;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    #[error("describe the problem or add a photo")]
    NothingReported,
    #[error("the description has {got} characters; at most {max}")]
    DescriptionTooLong { got: usize, max: usize },
    #[error("{got} photos; at most {max}")]
    TooManyPhotos { got: usize, max: usize },
    #[error("location: {0}")]
    Location(CoordError),
    /// Given without a position or a grid, the report must say where in words.
    #[error("say where the problem is")]
    NoPlace,
}

impl ReportError {
    pub fn zh(&self) -> String {
        match self {
            ReportError::UnknownCategory(key) => format!("未知的事件类别：{key}"),
            ReportError::NothingReported => "请描述问题或上传照片".into(),
            ReportError::DescriptionTooLong { got, max } => {
                format!("问题描述共 {got} 字，最多 {max} 字")
            }
            ReportError::TooManyPhotos { got, max } => format!("共 {got} 张照片，最多 {max} 张"),
            ReportError::Location(e) => format!("位置：{}", e.zh()),
            ReportError::NoPlace => "请说明问题在哪里".into(),
        }
    }
}

/// A checked report, its location converted to WGS-84.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport {
    pub category: String,
    pub description: String,
    pub location: GeoPoint,
    /// Whether `location` is where the reporter said (see [`Event::located`]).
    pub located: bool,
    pub address: Option<String>,
    pub photos: Vec<String>,
}

/// Checks a report. A description may be empty when there is a photo: many reporters are
/// elderly and a picture says enough.
pub fn validate_report(report: NewReport, rules: &EventRules) -> Result<ValidReport, ReportError> {
    if rules.category(&report.category).is_none() {
        return Err(ReportError::UnknownCategory(report.category));
    }
    let description = report.description.trim().to_string();
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(ReportError::DescriptionTooLong {
            got: chars,
            max: MAX_DESCRIPTION_CHARS,
        });
    }
    if report.photos.len() > MAX_PHOTOS {
        return Err(ReportError::TooManyPhotos {
            got: report.photos.len(),
            max: MAX_PHOTOS,
        });
    }
    if description.is_empty() && report.photos.is_empty() {
        return Err(ReportError::NothingReported);
    }
    let given =
        GeoPoint::new(report.location.lon, report.location.lat).map_err(ReportError::Location)?;
    Ok(ValidReport {
        category: report.category,
        description,
        location: to_wgs84(given, report.datum),
        located: true,
        address: report.address.filter(|a| !a.trim().is_empty()),
        photos: report.photos,
    })
}

/// Where a report is when the reporter gave no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Without {
    /// A grid of the community was chosen: the address may say more.
    Grid,
    /// Only words: the address must say where.
    Words,
}

/// Checks a report given without a position, as [`validate_report`] does the rest; one only
/// described in words must say where in its address. Its location is the stand-in `(0, 0)` with
/// `located` false, which no map, distance or Open311 answer reads.
pub fn validate_unlocated_report(
    category: String,
    description: String,
    address: Option<String>,
    photos: Vec<String>,
    without: Without,
    rules: &EventRules,
) -> Result<ValidReport, ReportError> {
    let report = NewReport {
        category,
        description,
        location: GeoPoint { lon: 0.0, lat: 0.0 },
        datum: Datum::Wgs84,
        address,
        photos,
    };
    let valid = validate_report(report, rules)?;
    if without == Without::Words && valid.address.is_none() {
        return Err(ReportError::NoPlace);
    }
    Ok(ValidReport {
        located: false,
        ..valid
    })
}

/// One event and everything the rules need about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub category: String,
    pub description: String,
    /// WGS-84; only where [`located`](Self::located) (use [`Event::position`]).
    pub location: GeoPoint,
    /// The reporter gave a position (the phone's, typed, or a building's). When not, they chose a
    /// grid or described the place in `address`, and `location` is a stand-in nothing reads.
    #[serde(default = "given")]
    pub located: bool,
    pub address: Option<String>,
    pub photos: Vec<String>,
    /// 12-digit community code.
    pub community: String,
    /// The grid it was routed to; `None` when handled at community level.
    pub grid: Option<String>,
    /// The reporter's account; `None` for an anonymous report.
    pub reporter: Option<String>,
    pub state: EventState,
    pub level: Level,
    pub assignee: Option<String>,
    pub reported_at: i64,
    /// While open: the handling deadline at the current level. While resolved: the end of the
    /// confirmation window. Otherwise none.
    pub deadline: Option<i64>,
    pub resolved_at: Option<i64>,
    /// When it reached a final state (closed, rejected or merged).
    pub closed_at: Option<i64>,
    /// A handling deadline has passed at some point (resolved late or escalated as overdue).
    pub late: bool,
    pub escalations: u32,
    pub reopens: u32,
    pub merged_into: Option<EventId>,
    /// When the last step happened.
    pub updated_at: i64,
    /// Optimistic-concurrency version: 1 when reported, +1 per step.
    pub version: u64,
}

fn given() -> bool {
    true
}

impl Event {
    /// Where the event is on a map (WGS-84), when the reporter gave a position.
    pub fn position(&self) -> Option<GeoPoint> {
        self.located.then_some(self.location)
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

/// The result of an accepted action: the event as it now is, and the step to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub event: Event,
    pub step: Step,
}

/// Opens an event from a checked report, routed to `grid` (or the community when `None`).
/// Version 1, state `reported`, community level, deadline `now` + the community limit.
/// `reporter` is `None` for an anonymous report; a grid member reporting on patrol is the
/// reporter like any resident.
pub fn open(
    id: EventId,
    report: ValidReport,
    community: &str,
    grid: Option<&str>,
    reporter: Option<&Actor>,
    now: i64,
    rules: &EventRules,
) -> Result<Decision, EventRefusal> {
    let limit = rules
        .limit_ms(&report.category, Level::Community)
        .ok_or_else(|| EventRefusal::UnknownCategory(report.category.clone()))?;
    let event = Event {
        id,
        category: report.category,
        description: report.description,
        location: report.location,
        located: report.located,
        address: report.address,
        photos: report.photos,
        community: community.to_string(),
        grid: grid.map(str::to_string),
        reporter: reporter.map(|r| r.person.to_string()),
        state: EventState::Reported,
        level: Level::Community,
        assignee: None,
        reported_at: now,
        deadline: Some(now.saturating_add(limit)),
        resolved_at: None,
        closed_at: None,
        late: false,
        escalations: 0,
        reopens: 0,
        merged_into: None,
        updated_at: now,
        version: 1,
    };
    let step = Step {
        event: id,
        version: 1,
        action: ActionKind::Report,
        actor: reporter.map_or("anonymous", |r| r.person).to_string(),
        role: reporter.map_or(OpsRole::Resident, |r| r.role),
        at: now,
        from_state: None,
        to_state: EventState::Reported,
        from_level: None,
        to_level: Level::Community,
        assignee: None,
        note: None,
    };
    Ok(Decision { event, step })
}

fn overdue(deadline: Option<i64>, now: i64) -> bool {
    deadline.is_some_and(|d| now > d)
}

/// May `actor` handle (accept, dispatch, escalate, …) `event` at its current level?
fn require_handler(event: &Event, actor: &Actor) -> Result<(), EventRefusal> {
    if actor.role == OpsRole::System {
        return Ok(());
    }
    let actor_level = actor.role.handling_level();
    if actor_level != Some(event.level) {
        return Err(EventRefusal::WrongLevel {
            event_level: event.level,
            actor_level,
        });
    }
    if !actor.covers(&event.community) {
        return Err(EventRefusal::OutsideArea {
            community: event.community.clone(),
        });
    }
    if actor.role == OpsRole::GridMember {
        match &event.grid {
            None => return Err(EventRefusal::NoGrid),
            Some(grid) if !actor.serves_grid(grid) => {
                return Err(EventRefusal::NotYourGrid { grid: grid.clone() });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Staff only: the system acts only where a rule says so (escalate, close).
fn require_staff(event: &Event, actor: &Actor) -> Result<(), EventRefusal> {
    if actor.role == OpsRole::System {
        return Err(EventRefusal::WrongLevel {
            event_level: event.level,
            actor_level: None,
        });
    }
    require_handler(event, actor)
}

fn require_assignee(event: &Event, actor: &Actor, action: ActionKind) -> Result<(), EventRefusal> {
    if event.assignee.as_deref() == Some(actor.person) && actor.role != OpsRole::System {
        Ok(())
    } else {
        Err(EventRefusal::NotAssignee { action })
    }
}

fn require_reporter(event: &Event, actor: &Actor, action: ActionKind) -> Result<(), EventRefusal> {
    if event.reporter.as_deref() == Some(actor.person) && actor.role != OpsRole::System {
        Ok(())
    } else {
        Err(EventRefusal::NotReporter { action })
    }
}

fn require_state(
    event: &Event,
    action: ActionKind,
    allowed: impl Fn(EventState) -> bool,
) -> Result<(), EventRefusal> {
    if allowed(event.state) {
        Ok(())
    } else {
        Err(EventRefusal::WrongState {
            action,
            state: event.state,
        })
    }
}

fn non_blank(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Decides an action. See the module comment for the rules; in short:
///
/// | action | from | who |
/// |---|---|---|
/// | accept, reject | reported | staff at the event's level (a grid member only in their grid) |
/// | dispatch | accepted, dispatched, in progress | staff at the event's level |
/// | start | dispatched | the assignee |
/// | resolve | in progress | the assignee |
/// | confirm, reopen | resolved | the reporter |
/// | close | resolved | staff or the system, once the confirmation window has passed (at once if anonymous) |
/// | escalate | open | staff at the event's level any time; the system once overdue |
/// | hand down | open, at street or district | staff at the event's level |
/// | merge into | open | staff at the event's level; the primary must not be final |
pub fn decide(
    event: &Event,
    action: &Action,
    actor: &Actor,
    now: i64,
    seen_version: u64,
    rules: &EventRules,
) -> Result<Decision, EventRefusal> {
    if seen_version != event.version {
        return Err(EventRefusal::StaleVersion {
            event: event.id,
            expected: seen_version,
            actual: event.version,
        });
    }
    let kind = action.kind();
    let mut next = event.clone();
    let mut note = None;
    let fresh_deadline = |level: Level| -> Result<Option<i64>, EventRefusal> {
        rules
            .limit_ms(&event.category, level)
            .map(|limit| Some(now.saturating_add(limit)))
            .ok_or_else(|| EventRefusal::UnknownCategory(event.category.clone()))
    };
    match *action {
        Action::Accept => {
            require_state(event, kind, |s| s == EventState::Reported)?;
            require_staff(event, actor)?;
            next.state = EventState::Accepted;
        }
        Action::Reject { reason } => {
            require_state(event, kind, |s| s == EventState::Reported)?;
            require_staff(event, actor)?;
            note = Some(non_blank(reason).ok_or(EventRefusal::ReasonRequired { action: kind })?);
            next.state = EventState::Rejected;
            next.deadline = None;
            next.closed_at = Some(now);
        }
        Action::Dispatch { to } => {
            require_state(event, kind, |s| {
                matches!(
                    s,
                    EventState::Accepted | EventState::Dispatched | EventState::InProgress
                )
            })?;
            require_staff(event, actor)?;
            next.assignee = Some(non_blank(to).ok_or(EventRefusal::NoAssignee)?);
            next.state = EventState::Dispatched;
        }
        Action::Start => {
            require_state(event, kind, |s| s == EventState::Dispatched)?;
            require_assignee(event, actor, kind)?;
            next.state = EventState::InProgress;
        }
        Action::Resolve => {
            require_state(event, kind, |s| s == EventState::InProgress)?;
            require_assignee(event, actor, kind)?;
            next.late |= overdue(event.deadline, now);
            next.state = EventState::Resolved;
            next.resolved_at = Some(now);
            next.deadline = Some(now.saturating_add(rules.confirm_window_ms()));
        }
        Action::Confirm => {
            require_state(event, kind, |s| s == EventState::Resolved)?;
            require_reporter(event, actor, kind)?;
            next.state = EventState::Closed;
            next.closed_at = Some(now);
            next.deadline = None;
        }
        Action::Reopen { reason } => {
            require_state(event, kind, |s| s == EventState::Resolved)?;
            require_reporter(event, actor, kind)?;
            note = Some(non_blank(reason).ok_or(EventRefusal::ReasonRequired { action: kind })?);
            next.state = EventState::InProgress;
            next.resolved_at = None;
            next.reopens += 1;
            next.deadline = fresh_deadline(event.level)?;
        }
        Action::Close => {
            require_state(event, kind, |s| s == EventState::Resolved)?;
            require_handler(event, actor)?;
            if event.reporter.is_some()
                && let Some(until) = event.deadline
                && now <= until
            {
                return Err(EventRefusal::AwaitingConfirmation { until });
            }
            next.state = EventState::Closed;
            next.closed_at = Some(now);
            next.deadline = None;
        }
        Action::Escalate => {
            require_state(event, kind, EventState::is_open)?;
            require_handler(event, actor)?;
            let up = event.level.up().ok_or(EventRefusal::TopLevel)?;
            let is_overdue = overdue(event.deadline, now);
            if actor.role == OpsRole::System && !is_overdue {
                return Err(EventRefusal::NotOverdue {
                    deadline: event.deadline.unwrap_or(i64::MAX),
                });
            }
            next.late |= is_overdue;
            next.level = up;
            next.state = EventState::Accepted;
            next.assignee = None;
            next.escalations += 1;
            next.deadline = fresh_deadline(up)?;
        }
        Action::HandDown { to } => {
            require_state(event, kind, EventState::is_open)?;
            require_staff(event, actor)?;
            if to >= event.level {
                return Err(EventRefusal::NotLower {
                    from: event.level,
                    to,
                });
            }
            next.level = to;
            next.state = EventState::Accepted;
            next.assignee = None;
            next.deadline = fresh_deadline(to)?;
        }
        Action::MergeInto {
            primary,
            primary_state,
        } => {
            require_state(event, kind, EventState::is_open)?;
            require_staff(event, actor)?;
            if primary == event.id {
                return Err(EventRefusal::MergeIntoSelf);
            }
            if primary_state.is_final() {
                return Err(EventRefusal::PrimaryFinal {
                    primary,
                    state: primary_state,
                });
            }
            next.state = EventState::Merged;
            next.merged_into = Some(primary);
            next.deadline = None;
            next.closed_at = Some(now);
        }
    }
    next.version = event.version + 1;
    next.updated_at = now;
    let step = Step {
        event: event.id,
        version: next.version,
        action: kind,
        actor: actor.person.to_string(),
        role: actor.role,
        at: now,
        from_state: Some(event.state),
        to_state: next.state,
        from_level: Some(event.level),
        to_level: next.level,
        assignee: next.assignee.clone(),
        note,
    };
    Ok(Decision { event: next, step })
}

/// The actions `actor` may take on `event` now (for buttons). Actions that need data
/// (dispatch target, hand-down level, merge target) are listed when some value would do.
pub fn allowed_actions(
    event: &Event,
    actor: &Actor,
    now: i64,
    rules: &EventRules,
) -> Vec<ActionKind> {
    let probes = [
        Action::Accept,
        Action::Reject { reason: "-" },
        Action::Dispatch { to: "-" },
        Action::Start,
        Action::Resolve,
        Action::Confirm,
        Action::Reopen { reason: "-" },
        Action::Close,
        Action::Escalate,
        Action::HandDown {
            to: Level::Community,
        },
        Action::HandDown { to: Level::Street },
        Action::MergeInto {
            primary: EventId(event.id.0.wrapping_add(1)),
            primary_state: EventState::Reported,
        },
    ];
    let mut kinds = Vec::new();
    for probe in probes {
        if decide(event, &probe, actor, now, event.version, rules).is_ok()
            && !kinds.contains(&probe.kind())
        {
            kinds.push(probe.kind());
        }
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMUNITY: &str = "610302001003";
    const T0: i64 = 1_704_038_400_000;
    /// Sanitation's limit in the baseline rules.
    const LIMIT: i64 = 48 * HOUR_MS;
    const WINDOW: i64 = 72 * HOUR_MS;

    struct People {
        grids: Vec<String>,
        other_grids: Vec<String>,
    }

    impl People {
        fn new() -> People {
            People {
                grids: vec!["g1".into()],
                other_grids: vec!["g2".into()],
            }
        }
        fn member(&self) -> Actor<'_> {
            Actor::new("m1", OpsRole::GridMember, COMMUNITY).with_grids(&self.grids)
        }
        fn other_member(&self) -> Actor<'_> {
            Actor::new("m2", OpsRole::GridMember, COMMUNITY).with_grids(&self.other_grids)
        }
    }

    fn worker() -> Actor<'static> {
        Actor::new("w1", OpsRole::CommunityWorker, COMMUNITY)
    }
    fn street() -> Actor<'static> {
        Actor::new("s1", OpsRole::StreetAdmin, "610302001000")
    }
    fn district() -> Actor<'static> {
        Actor::new("d1", OpsRole::DistrictAdmin, "610302000000")
    }
    fn handler() -> Actor<'static> {
        Actor::new("h1", OpsRole::CommunityWorker, COMMUNITY)
    }
    fn reporter() -> Actor<'static> {
        Actor::new("u1", OpsRole::Resident, COMMUNITY)
    }

    fn report() -> ValidReport {
        validate_report(
            NewReport {
                category: "sanitation".into(),
                description: "楼下垃圾桶满了".into(),
                location: GeoPoint {
                    lon: 107.149,
                    lat: 34.372,
                },
                datum: Datum::Wgs84,
                address: None,
                photos: vec![],
            },
            &EventRules::baseline(),
        )
        .unwrap()
    }

    fn opened(reporter_id: Option<&str>) -> Event {
        let actor = reporter_id.map(|id| Actor::new(id, OpsRole::Resident, COMMUNITY));
        open(
            EventId(1),
            report(),
            COMMUNITY,
            Some("g1"),
            actor.as_ref(),
            T0,
            &EventRules::baseline(),
        )
        .unwrap()
        .event
    }

    fn act(event: &Event, action: Action, actor: &Actor, now: i64) -> Result<Event, EventRefusal> {
        decide(
            event,
            &action,
            actor,
            now,
            event.version,
            &EventRules::baseline(),
        )
        .map(|d| d.event)
    }

    /// Reported → accepted → dispatched to h1 → in progress.
    fn in_progress(reporter: Option<&str>) -> Event {
        let people = People::new();
        let e = opened(reporter);
        let e = act(&e, Action::Accept, &people.member(), T0 + 1).unwrap();
        let e = act(&e, Action::Dispatch { to: "h1" }, &people.member(), T0 + 2).unwrap();
        act(&e, Action::Start, &handler(), T0 + 3).unwrap()
    }

    #[test]
    fn the_closed_loop_records_every_step() {
        let rules = EventRules::baseline();
        let people = People::new();
        let opened = open(
            EventId(1),
            report(),
            COMMUNITY,
            Some("g1"),
            Some(&reporter()),
            T0,
            &rules,
        )
        .unwrap();
        assert_eq!(opened.event.deadline, Some(T0 + LIMIT));
        assert_eq!(opened.step.action, ActionKind::Report);
        assert_eq!(
            (opened.step.actor.as_str(), opened.step.role),
            ("u1", OpsRole::Resident)
        );
        let mut event = opened.event;
        let mut steps = vec![opened.step];
        let script: [(Action, Actor, i64); 6] = [
            (Action::Accept, people.member(), T0 + HOUR_MS),
            (
                Action::Dispatch { to: "h1" },
                people.member(),
                T0 + 2 * HOUR_MS,
            ),
            (Action::Start, handler(), T0 + 3 * HOUR_MS),
            (Action::Resolve, handler(), T0 + 10 * HOUR_MS),
            (Action::Confirm, reporter(), T0 + 11 * HOUR_MS),
            (Action::Close, worker(), T0 + 12 * HOUR_MS),
        ];
        for (action, actor, at) in &script[..5] {
            let d = decide(&event, action, actor, *at, event.version, &rules).unwrap();
            event = d.event;
            steps.push(d.step);
        }
        let states: Vec<EventState> = steps.iter().map(|s| s.to_state).collect();
        assert_eq!(
            states,
            vec![
                EventState::Reported,
                EventState::Accepted,
                EventState::Dispatched,
                EventState::InProgress,
                EventState::Resolved,
                EventState::Closed
            ]
        );
        assert_eq!(
            steps.iter().map(|s| s.version).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6]
        );
        assert_eq!(
            steps.iter().map(|s| s.actor.as_str()).collect::<Vec<_>>(),
            vec!["u1", "m1", "m1", "h1", "h1", "u1"]
        );
        assert_eq!(steps[4].at, T0 + 10 * HOUR_MS);
        assert_eq!(steps[2].assignee.as_deref(), Some("h1"));
        assert_eq!(event.closed_at, Some(T0 + 11 * HOUR_MS));
        assert_eq!(event.resolved_at, Some(T0 + 10 * HOUR_MS));
        assert_eq!(event.updated_at, T0 + 11 * HOUR_MS);
        assert_eq!(event.deadline, None);
        assert!(!event.late);
        // A closed event takes nothing more.
        let (action, actor, at) = &script[5];
        assert_eq!(
            decide(&event, action, actor, *at, event.version, &rules),
            Err(EventRefusal::WrongState {
                action: ActionKind::Close,
                state: EventState::Closed
            })
        );
    }

    #[test]
    fn a_grid_member_on_patrol_reports_as_themselves() {
        let people = People::new();
        let rules = EventRules::baseline();
        let d = open(
            EventId(3),
            report(),
            COMMUNITY,
            Some("g1"),
            Some(&people.member()),
            T0,
            &rules,
        )
        .unwrap();
        assert_eq!(
            (d.step.actor.as_str(), d.step.role),
            ("m1", OpsRole::GridMember)
        );
        assert_eq!(d.event.reporter.as_deref(), Some("m1"));
        let anonymous = open(EventId(4), report(), COMMUNITY, None, None, T0, &rules).unwrap();
        assert_eq!(
            (anonymous.step.actor.as_str(), anonymous.event.reporter),
            ("anonymous", None)
        );
    }

    #[test]
    fn only_the_right_people_act() {
        let people = People::new();
        let e = opened(Some("u1"));
        assert_eq!(
            act(&e, Action::Accept, &people.other_member(), T0),
            Err(EventRefusal::NotYourGrid { grid: "g1".into() })
        );
        assert_eq!(
            act(
                &e,
                Action::Accept,
                &Actor::new("w9", OpsRole::CommunityWorker, "610302001004"),
                T0
            ),
            Err(EventRefusal::OutsideArea {
                community: COMMUNITY.into()
            })
        );
        assert_eq!(
            act(&e, Action::Accept, &street(), T0),
            Err(EventRefusal::WrongLevel {
                event_level: Level::Community,
                actor_level: Some(Level::Street)
            })
        );
        assert_eq!(
            act(&e, Action::Accept, &reporter(), T0),
            Err(EventRefusal::WrongLevel {
                event_level: Level::Community,
                actor_level: None
            })
        );
        assert_eq!(
            act(&e, Action::Accept, &Actor::system(), T0),
            Err(EventRefusal::WrongLevel {
                event_level: Level::Community,
                actor_level: None
            })
        );
        assert!(act(&e, Action::Accept, &worker(), T0).is_ok());
        // A community-level event (no grid) is for community workers, not grid members.
        let mut no_grid = e.clone();
        no_grid.grid = None;
        assert_eq!(
            act(&no_grid, Action::Accept, &people.member(), T0),
            Err(EventRefusal::NoGrid)
        );

        let e = in_progress(Some("u1"));
        assert_eq!(
            act(&e, Action::Resolve, &worker(), T0 + 4),
            Err(EventRefusal::NotAssignee {
                action: ActionKind::Resolve
            })
        );
        assert_eq!(
            act(&e, Action::Resolve, &Actor::system(), T0 + 4),
            Err(EventRefusal::NotAssignee {
                action: ActionKind::Resolve
            })
        );
        let resolved = act(&e, Action::Resolve, &handler(), T0 + 4).unwrap();
        assert_eq!(
            act(&resolved, Action::Confirm, &handler(), T0 + 5),
            Err(EventRefusal::NotReporter {
                action: ActionKind::Confirm
            })
        );
        assert_eq!(
            act(
                &resolved,
                Action::Reopen {
                    reason: "没修好"
                },
                &Actor::new("u2", OpsRole::Resident, COMMUNITY),
                T0 + 5
            ),
            Err(EventRefusal::NotReporter {
                action: ActionKind::Reopen
            })
        );
    }

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

    #[test]
    fn two_people_at_once_cannot_both_win() {
        let rules = EventRules::baseline();
        let people = People::new();
        let stored = opened(Some("u1"));
        let seen = stored.version;
        // Both load version 1 and press 受理.
        let first = decide(
            &stored,
            &Action::Accept,
            &people.member(),
            T0 + 1,
            seen,
            &rules,
        )
        .unwrap();
        let stored = first.event; // the store's compare-and-set on version 1 succeeded
        let second = decide(&stored, &Action::Accept, &worker(), T0 + 2, seen, &rules);
        assert_eq!(
            second,
            Err(EventRefusal::StaleVersion {
                event: EventId(1),
                expected: 1,
                actual: 2
            })
        );
        assert!(second.unwrap_err().zh().contains("刷新"));
        // Reloaded, the second finds the event already accepted.
        assert_eq!(
            decide(
                &stored,
                &Action::Accept,
                &worker(),
                T0 + 2,
                stored.version,
                &rules
            ),
            Err(EventRefusal::WrongState {
                action: ActionKind::Accept,
                state: EventState::Accepted
            })
        );
    }

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
    fn each_level_can_hand_back_down() {
        let e = opened(Some("u1"));
        let up = act(&e, Action::Escalate, &worker(), T0 + 1).unwrap();
        let top = act(&up, Action::Escalate, &street(), T0 + 2).unwrap();
        assert_eq!(
            act(
                &top,
                Action::HandDown {
                    to: Level::District
                },
                &district(),
                T0 + 3
            ),
            Err(EventRefusal::NotLower {
                from: Level::District,
                to: Level::District
            })
        );
        let down = act(
            &top,
            Action::HandDown {
                to: Level::Community,
            },
            &district(),
            T0 + 3,
        )
        .unwrap();
        assert_eq!(
            (down.level, down.state, down.assignee.clone()),
            (Level::Community, EventState::Accepted, None)
        );
        assert_eq!(down.deadline, Some(T0 + 3 + LIMIT));
        assert_eq!(
            act(
                &down,
                Action::HandDown {
                    to: Level::Community
                },
                &worker(),
                T0 + 4
            ),
            Err(EventRefusal::NotLower {
                from: Level::Community,
                to: Level::Community
            })
        );
        let street_only = act(
            &top,
            Action::HandDown { to: Level::Street },
            &district(),
            T0 + 3,
        )
        .unwrap();
        assert_eq!(street_only.level, Level::Street);
        assert!(matches!(
            act(
                &top,
                Action::HandDown { to: Level::Street },
                &Actor::system(),
                T0 + 3
            ),
            Err(EventRefusal::WrongLevel { .. })
        ));
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
    fn rejecting_needs_a_reason_and_is_final() {
        let e = opened(Some("u1"));
        assert_eq!(
            act(&e, Action::Reject { reason: "" }, &worker(), T0),
            Err(EventRefusal::ReasonRequired {
                action: ActionKind::Reject
            })
        );
        let rejected = act(
            &e,
            Action::Reject {
                reason: "非本社区事务",
            },
            &worker(),
            T0 + 5,
        )
        .unwrap();
        assert_eq!(
            (rejected.state, rejected.closed_at, rejected.deadline),
            (EventState::Rejected, Some(T0 + 5), None)
        );
        assert!(rejected.state.is_final());
        assert!(act(&rejected, Action::Escalate, &worker(), T0 + 6).is_err());
    }

    #[test]
    fn duplicates_merge_into_an_open_primary() {
        let e = opened(Some("u1"));
        let merge = |primary: u64, primary_state| Action::MergeInto {
            primary: EventId(primary),
            primary_state,
        };
        assert_eq!(
            act(&e, merge(1, EventState::Reported), &worker(), T0),
            Err(EventRefusal::MergeIntoSelf)
        );
        assert_eq!(
            act(&e, merge(7, EventState::Closed), &worker(), T0),
            Err(EventRefusal::PrimaryFinal {
                primary: EventId(7),
                state: EventState::Closed
            })
        );
        let merged = act(&e, merge(7, EventState::InProgress), &worker(), T0 + 9).unwrap();
        assert_eq!(
            (merged.state, merged.merged_into, merged.closed_at),
            (EventState::Merged, Some(EventId(7)), Some(T0 + 9))
        );
        let resolved = act(
            &in_progress(Some("u1")),
            Action::Resolve,
            &handler(),
            T0 + 4,
        )
        .unwrap();
        assert!(matches!(
            act(&resolved, merge(7, EventState::Reported), &worker(), T0 + 5),
            Err(EventRefusal::WrongState { .. })
        ));
    }

    #[test]
    fn dispatch_needs_a_person_and_can_reassign() {
        let people = People::new();
        let accepted = act(&opened(Some("u1")), Action::Accept, &worker(), T0).unwrap();
        assert_eq!(
            act(&accepted, Action::Dispatch { to: " " }, &worker(), T0),
            Err(EventRefusal::NoAssignee)
        );
        let e = in_progress(Some("u1"));
        let reassigned = act(&e, Action::Dispatch { to: "h2" }, &people.member(), T0 + 9).unwrap();
        assert_eq!(
            (reassigned.state, reassigned.assignee.as_deref()),
            (EventState::Dispatched, Some("h2"))
        );
        assert_eq!(
            act(&reassigned, Action::Start, &handler(), T0 + 10),
            Err(EventRefusal::NotAssignee {
                action: ActionKind::Start
            })
        );
    }

    #[test]
    fn buttons_list_what_each_person_may_do() {
        let rules = EventRules::baseline();
        let people = People::new();
        let e = opened(Some("u1"));
        assert_eq!(
            allowed_actions(&e, &people.member(), T0, &rules),
            vec![
                ActionKind::Accept,
                ActionKind::Reject,
                ActionKind::Escalate,
                ActionKind::MergeInto
            ]
        );
        assert!(allowed_actions(&e, &reporter(), T0, &rules).is_empty());
        assert!(allowed_actions(&e, &Actor::system(), T0, &rules).is_empty());
        assert_eq!(
            allowed_actions(&e, &Actor::system(), T0 + LIMIT + 1, &rules),
            vec![ActionKind::Escalate]
        );
        let resolved = act(
            &in_progress(Some("u1")),
            Action::Resolve,
            &handler(),
            T0 + 4,
        )
        .unwrap();
        assert_eq!(
            allowed_actions(&resolved, &reporter(), T0 + 5, &rules),
            vec![ActionKind::Confirm, ActionKind::Reopen]
        );
        let up = act(&e, Action::Escalate, &worker(), T0).unwrap();
        assert!(allowed_actions(&up, &street(), T0, &rules).contains(&ActionKind::HandDown));
    }

    #[test]
    fn reports_are_checked_and_converted_to_wgs84() {
        let rules = EventRules::baseline();
        let base = NewReport {
            category: "sanitation".into(),
            description: "x".into(),
            location: GeoPoint {
                lon: 107.149,
                lat: 34.372,
            },
            datum: Datum::Gcj02,
            address: Some("  ".into()),
            photos: vec![],
        };
        let ok = validate_report(base.clone(), &rules).unwrap();
        assert_eq!(
            ok.location,
            super::super::coords::gcj02_to_wgs84(base.location)
        );
        assert_eq!(ok.address, None);
        let with = |f: &dyn Fn(&mut NewReport)| {
            let mut r = base.clone();
            f(&mut r);
            validate_report(r, &rules)
        };
        assert!(with(&|r| r.description = "字".repeat(MAX_DESCRIPTION_CHARS)).is_ok());
        assert_eq!(
            with(&|r| r.description = "字".repeat(MAX_DESCRIPTION_CHARS + 1)),
            Err(ReportError::DescriptionTooLong { got: 501, max: 500 })
        );
        assert!(with(&|r| r.photos = vec!["p".into(); MAX_PHOTOS]).is_ok());
        assert_eq!(
            with(&|r| r.photos = vec!["p".into(); MAX_PHOTOS + 1]),
            Err(ReportError::TooManyPhotos { got: 10, max: 9 })
        );
        assert_eq!(
            with(&|r| r.description = " ".into()),
            Err(ReportError::NothingReported)
        );
        assert!(
            with(&|r| {
                r.description = String::new();
                r.photos = vec!["p".into()];
            })
            .is_ok()
        );
        assert_eq!(
            with(&|r| r.category = "potholes".into()),
            Err(ReportError::UnknownCategory("potholes".into()))
        );
        assert_eq!(
            with(&|r| r.location.lat = 91.0),
            Err(ReportError::Location(CoordError::LatitudeOutOfRange(91.0)))
        );
        assert!(ReportError::NothingReported.zh().contains("照片"));
    }

    #[test]
    fn a_report_without_a_position_says_where_in_words_or_by_its_grid() {
        let rules = EventRules::baseline();
        let check = |address: Option<&str>, without| {
            validate_unlocated_report(
                "sanitation".into(),
                "垃圾桶满了".into(),
                address.map(str::to_string),
                vec![],
                without,
                &rules,
            )
        };
        let described = check(Some("5幢2单元楼道"), Without::Words).unwrap();
        assert!(!described.located);
        assert_eq!(described.address.as_deref(), Some("5幢2单元楼道"));
        assert_eq!(check(Some("  "), Without::Words), Err(ReportError::NoPlace));
        assert!(check(None, Without::Grid).is_ok());
        assert!(ReportError::NoPlace.zh().contains("在哪里"));
        let event = open(
            EventId(1),
            described,
            "330302006044",
            None,
            None,
            T0,
            &rules,
        )
        .unwrap()
        .event;
        assert_eq!(event.position(), None);
        assert!(!event.located);
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
