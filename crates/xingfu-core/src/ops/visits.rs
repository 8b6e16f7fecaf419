//! Home visits (入户走访) and special-attention lists (重点关注人群).
//!
//! Grid members record visits: date, purpose, notes and follow-ups. The purposes are the grid
//! duties the Baoji seed lists (安全隐患排查、政策宣传、民情信息收集) plus routine and care visits.
//!
//! The special-attention groups are the Weihai plan's service targets (低保对象、空巢老人、
//! “三留守”人员、残疾人), each kept as its own list; 三留守 is three lists (children, women,
//! elderly left behind). Who sees what ([`visibility`]), our reading of "only those who need
//! them":
//!
//! | viewer | sees |
//! |---|---|
//! | grid member | every list, entries in their own grids |
//! | community worker | every list, entries in their community |
//! | building head (楼栋长) | elderly living alone and left-behind elderly, in their own buildings |
//! | street / district / city administrator | counts only, within their area |
//! | resident, system | nothing |

use serde::{Deserialize, Serialize};

use super::{Actor, OpsRole};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttentionCategory {
    /// 独居老人
    ElderlyAlone,
    /// 残疾人
    Disabled,
    /// 低保户
    LowIncome,
    /// 留守儿童 (三留守)
    LeftBehindChild,
    /// 留守妇女 (三留守)
    LeftBehindWoman,
    /// 留守老人 (三留守)
    LeftBehindElderly,
}

impl AttentionCategory {
    pub const ALL: [AttentionCategory; 6] = [
        AttentionCategory::ElderlyAlone,
        AttentionCategory::Disabled,
        AttentionCategory::LowIncome,
        AttentionCategory::LeftBehindChild,
        AttentionCategory::LeftBehindWoman,
        AttentionCategory::LeftBehindElderly,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AttentionCategory::ElderlyAlone => "elderly_alone",
            AttentionCategory::Disabled => "disabled",
            AttentionCategory::LowIncome => "low_income",
            AttentionCategory::LeftBehindChild => "left_behind_child",
            AttentionCategory::LeftBehindWoman => "left_behind_woman",
            AttentionCategory::LeftBehindElderly => "left_behind_elderly",
        }
    }

    pub fn parse(text: &str) -> Option<AttentionCategory> {
        AttentionCategory::ALL
            .into_iter()
            .find(|c| c.key() == text || c.zh() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            AttentionCategory::ElderlyAlone => "独居老人",
            AttentionCategory::Disabled => "残疾人",
            AttentionCategory::LowIncome => "低保户",
            AttentionCategory::LeftBehindChild => "留守儿童",
            AttentionCategory::LeftBehindWoman => "留守妇女",
            AttentionCategory::LeftBehindElderly => "留守老人",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            AttentionCategory::ElderlyAlone => "elderly living alone",
            AttentionCategory::Disabled => "people with disabilities",
            AttentionCategory::LowIncome => "minimum-living-allowance households",
            AttentionCategory::LeftBehindChild => "left-behind children",
            AttentionCategory::LeftBehindWoman => "left-behind women",
            AttentionCategory::LeftBehindElderly => "left-behind elderly",
        }
    }

    /// True for the three 三留守 lists.
    pub fn is_left_behind(self) -> bool {
        matches!(
            self,
            AttentionCategory::LeftBehindChild
                | AttentionCategory::LeftBehindWoman
                | AttentionCategory::LeftBehindElderly
        )
    }
}

/// Where a list entry lives, which decides who sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    /// 12-digit community code.
    pub community: &'a str,
    pub grid: Option<&'a str>,
    pub building: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Hidden,
    /// Counted in totals, never named.
    CountOnly,
    /// Named, with details.
    Entry,
}

/// How much of an entry in `category` at `place` the viewer may see (see the module table).
pub fn visibility(viewer: &Actor, category: AttentionCategory, place: Place) -> Visibility {
    let in_area = viewer.covers(place.community);
    match viewer.role {
        OpsRole::GridMember => match place.grid {
            Some(grid) if in_area && viewer.serves_grid(grid) => Visibility::Entry,
            _ => Visibility::Hidden,
        },
        OpsRole::CommunityWorker if in_area => Visibility::Entry,
        OpsRole::BuildingHead => {
            let elderly = matches!(
                category,
                AttentionCategory::ElderlyAlone | AttentionCategory::LeftBehindElderly
            );
            match place.building {
                Some(b) if elderly && in_area && viewer.looks_after(b) => Visibility::Entry,
                _ => Visibility::Hidden,
            }
        }
        OpsRole::StreetAdmin | OpsRole::DistrictAdmin | OpsRole::CityAdmin if in_area => {
            Visibility::CountOnly
        }
        _ => Visibility::Hidden,
    }
}

/// One person on one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionEntry {
    pub person: String,
    pub category: AttentionCategory,
    pub community: String,
    pub grid: Option<String>,
    pub building: Option<String>,
}

impl AttentionEntry {
    pub fn place(&self) -> Place<'_> {
        Place {
            community: &self.community,
            grid: self.grid.as_deref(),
            building: self.building.as_deref(),
        }
    }
}

/// The entries of `category` the viewer may see by name.
pub fn visible_entries<'e>(
    viewer: &Actor,
    category: AttentionCategory,
    entries: &'e [AttentionEntry],
) -> Vec<&'e AttentionEntry> {
    entries
        .iter()
        .filter(|e| {
            e.category == category && visibility(viewer, category, e.place()) == Visibility::Entry
        })
        .collect()
}

/// For each list, how many entries the viewer may count (named or not). Lists the viewer
/// sees nothing of are left out, so an empty result means "no access", not "nobody".
pub fn visible_counts(
    viewer: &Actor,
    entries: &[AttentionEntry],
) -> Vec<(AttentionCategory, usize)> {
    AttentionCategory::ALL
        .into_iter()
        .filter_map(|category| {
            let mut any_access = false;
            let mut count = 0;
            for e in entries.iter().filter(|e| e.category == category) {
                if visibility(viewer, category, e.place()) >= Visibility::CountOnly {
                    count += 1;
                    any_access = true;
                }
            }
            let may_see_list = any_access || may_see_list(viewer, category);
            may_see_list.then_some((category, count))
        })
        .collect()
}

/// Whether the viewer's role gives any access to `category` at all (the list exists for them,
/// even if empty in their area).
pub fn may_see_list(viewer: &Actor, category: AttentionCategory) -> bool {
    match viewer.role {
        OpsRole::GridMember
        | OpsRole::CommunityWorker
        | OpsRole::StreetAdmin
        | OpsRole::DistrictAdmin
        | OpsRole::CityAdmin => true,
        OpsRole::BuildingHead => matches!(
            category,
            AttentionCategory::ElderlyAlone | AttentionCategory::LeftBehindElderly
        ),
        OpsRole::Resident | OpsRole::System => false,
    }
}

/// Why a visit was recorded; the first three are the seed's grid duties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitPurpose {
    /// 安全隐患排查
    SafetyCheck,
    /// 政策宣传
    PolicyPromotion,
    /// 民情信息收集
    OpinionGathering,
    /// 关爱探访 (special-attention households)
    CareVisit,
    /// 日常走访
    Routine,
    Other,
}

impl VisitPurpose {
    pub fn zh(self) -> &'static str {
        match self {
            VisitPurpose::SafetyCheck => "安全隐患排查",
            VisitPurpose::PolicyPromotion => "政策宣传",
            VisitPurpose::OpinionGathering => "民情信息收集",
            VisitPurpose::CareVisit => "关爱探访",
            VisitPurpose::Routine => "日常走访",
            VisitPurpose::Other => "其他",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub what: String,
    pub due: Option<i64>,
    pub done_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub household: String,
    pub visitor: String,
    pub community: String,
    pub grid: Option<String>,
    /// When the visit took place (unix ms).
    pub visited_at: i64,
    pub purpose: VisitPurpose,
    pub notes: String,
    pub follow_ups: Vec<FollowUp>,
}

pub const MAX_NOTES_CHARS: usize = 2000;
pub const MAX_FOLLOW_UPS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    #[error("a visit cannot be recorded before it happens")]
    InTheFuture,
    #[error("the notes have {got} characters; at most {max}")]
    NotesTooLong { got: usize, max: usize },
    #[error("at most {max} follow-ups")]
    TooManyFollowUps { max: usize },
    #[error("follow-up {0} says nothing")]
    EmptyFollowUp(usize),
    #[error("follow-up {0} is due before the visit")]
    FollowUpBeforeVisit(usize),
    #[error("only grid members and community workers record visits")]
    RoleMayNot,
    #[error("community {0} is outside your area")]
    OutsideArea(String),
    #[error("the household is not in one of your grids")]
    NotYourGrid,
}

impl VisitError {
    pub fn zh(&self) -> String {
        match self {
            VisitError::InTheFuture => "走访时间不能晚于现在".into(),
            VisitError::NotesTooLong { got, max } => format!("走访记录共 {got} 字，最多 {max} 字"),
            VisitError::TooManyFollowUps { max } => format!("后续事项最多 {max} 条"),
            VisitError::EmptyFollowUp(i) => format!("第 {i} 条后续事项没有内容"),
            VisitError::FollowUpBeforeVisit(i) => format!("第 {i} 条后续事项的期限早于走访时间"),
            VisitError::RoleMayNot => "只有网格员和社区工作者可以记录走访".into(),
            VisitError::OutsideArea(c) => format!("社区 {c} 不在您的管辖范围内"),
            VisitError::NotYourGrid => "该住户不在您负责的网格内".into(),
        }
    }
}

/// Checks a visit before it is stored: who records it, when, and what. Follow-ups are numbered
/// from 1 in errors.
pub fn check_visit(recorder: &Actor, visit: &Visit, now: i64) -> Result<(), VisitError> {
    match recorder.role {
        OpsRole::GridMember | OpsRole::CommunityWorker => {}
        _ => return Err(VisitError::RoleMayNot),
    }
    if !recorder.covers(&visit.community) {
        return Err(VisitError::OutsideArea(visit.community.clone()));
    }
    if recorder.role == OpsRole::GridMember
        && !visit
            .grid
            .as_deref()
            .is_some_and(|g| recorder.serves_grid(g))
    {
        return Err(VisitError::NotYourGrid);
    }
    if visit.visited_at > now {
        return Err(VisitError::InTheFuture);
    }
    let chars = visit.notes.chars().count();
    if chars > MAX_NOTES_CHARS {
        return Err(VisitError::NotesTooLong {
            got: chars,
            max: MAX_NOTES_CHARS,
        });
    }
    if visit.follow_ups.len() > MAX_FOLLOW_UPS {
        return Err(VisitError::TooManyFollowUps {
            max: MAX_FOLLOW_UPS,
        });
    }
    for (i, f) in visit.follow_ups.iter().enumerate() {
        if f.what.trim().is_empty() {
            return Err(VisitError::EmptyFollowUp(i + 1));
        }
        if f.due.is_some_and(|d| d < visit.visited_at) {
            return Err(VisitError::FollowUpBeforeVisit(i + 1));
        }
    }
    Ok(())
}

/// Follow-ups not done and past due at `now` (strictly after their due time).
pub fn overdue_follow_ups(visits: &[Visit], now: i64) -> Vec<(&Visit, &FollowUp)> {
    visits
        .iter()
        .flat_map(|v| v.follow_ups.iter().map(move |f| (v, f)))
        .filter(|(_, f)| f.done_at.is_none() && f.due.is_some_and(|d| now > d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttentionCategory::*;

    const COMMUNITY: &str = "610302001003";

    fn place<'a>(grid: Option<&'a str>, building: Option<&'a str>) -> Place<'a> {
        Place {
            community: COMMUNITY,
            grid,
            building,
        }
    }

    #[test]
    fn grid_members_see_their_grids_only() {
        let grids = vec!["g1".to_string()];
        let member = Actor::new("m", OpsRole::GridMember, COMMUNITY).with_grids(&grids);
        for category in AttentionCategory::ALL {
            assert_eq!(
                visibility(&member, category, place(Some("g1"), None)),
                Visibility::Entry
            );
            assert_eq!(
                visibility(&member, category, place(Some("g2"), None)),
                Visibility::Hidden
            );
            assert_eq!(
                visibility(&member, category, place(None, None)),
                Visibility::Hidden
            );
        }
        // A grid id of the same name in another community is not theirs.
        let elsewhere = Place {
            community: "610302001004",
            grid: Some("g1"),
            building: None,
        };
        assert_eq!(visibility(&member, Disabled, elsewhere), Visibility::Hidden);
    }

    #[test]
    fn building_heads_see_only_elderly_lists_in_their_buildings() {
        let buildings = vec!["b7".to_string()];
        let head = Actor::new("h", OpsRole::BuildingHead, COMMUNITY).with_buildings(&buildings);
        assert_eq!(
            visibility(&head, ElderlyAlone, place(Some("g1"), Some("b7"))),
            Visibility::Entry
        );
        assert_eq!(
            visibility(&head, LeftBehindElderly, place(Some("g1"), Some("b7"))),
            Visibility::Entry
        );
        assert_eq!(
            visibility(&head, ElderlyAlone, place(Some("g1"), Some("b8"))),
            Visibility::Hidden
        );
        for hidden in [Disabled, LowIncome, LeftBehindChild, LeftBehindWoman] {
            assert_eq!(
                visibility(&head, hidden, place(Some("g1"), Some("b7"))),
                Visibility::Hidden
            );
        }
        assert!(may_see_list(&head, ElderlyAlone));
        assert!(!may_see_list(&head, LowIncome));
    }

    #[test]
    fn administrators_count_and_residents_see_nothing() {
        let street = Actor::new("s", OpsRole::StreetAdmin, "610302001000");
        assert_eq!(
            visibility(&street, LowIncome, place(None, None)),
            Visibility::CountOnly
        );
        let other_street = Actor::new("s2", OpsRole::StreetAdmin, "610302002000");
        assert_eq!(
            visibility(&other_street, LowIncome, place(None, None)),
            Visibility::Hidden
        );
        let worker = Actor::new("w", OpsRole::CommunityWorker, COMMUNITY);
        assert_eq!(
            visibility(&worker, LowIncome, place(None, None)),
            Visibility::Entry
        );
        let resident = Actor::new("r", OpsRole::Resident, COMMUNITY);
        for category in AttentionCategory::ALL {
            assert_eq!(
                visibility(&resident, category, place(Some("g1"), Some("b7"))),
                Visibility::Hidden
            );
            assert_eq!(
                visibility(&Actor::system(), category, place(None, None)),
                Visibility::Hidden
            );
        }
    }

    fn entry(
        person: &str,
        category: AttentionCategory,
        grid: &str,
        building: &str,
    ) -> AttentionEntry {
        AttentionEntry {
            person: person.into(),
            category,
            community: COMMUNITY.into(),
            grid: Some(grid.into()),
            building: Some(building.into()),
        }
    }

    #[test]
    fn lists_are_separate_and_filtered() {
        let entries = vec![
            entry("p1", ElderlyAlone, "g1", "b1"),
            entry("p2", ElderlyAlone, "g2", "b2"),
            entry("p3", LowIncome, "g1", "b1"),
            entry("p4", LeftBehindChild, "g1", "b1"),
        ];
        let grids = vec!["g1".to_string()];
        let member = Actor::new("m", OpsRole::GridMember, COMMUNITY).with_grids(&grids);
        let names = |category| {
            visible_entries(&member, category, &entries)
                .iter()
                .map(|e| e.person.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(ElderlyAlone), vec!["p1"]);
        assert_eq!(names(LowIncome), vec!["p3"]);
        assert_eq!(names(LeftBehindWoman), Vec::<String>::new());
        let counts = visible_counts(&member, &entries);
        assert_eq!(counts.len(), AttentionCategory::ALL.len());
        assert!(counts.contains(&(ElderlyAlone, 1)) && counts.contains(&(LeftBehindChild, 1)));

        let street = Actor::new("s", OpsRole::StreetAdmin, "610302001000");
        assert!(visible_entries(&street, ElderlyAlone, &entries).is_empty());
        assert!(visible_counts(&street, &entries).contains(&(ElderlyAlone, 2)));

        let buildings = vec!["b2".to_string()];
        let head = Actor::new("h", OpsRole::BuildingHead, COMMUNITY).with_buildings(&buildings);
        assert_eq!(
            visible_counts(&head, &entries),
            vec![(ElderlyAlone, 1), (LeftBehindElderly, 0)]
        );
        assert!(
            visible_counts(&Actor::new("r", OpsRole::Resident, COMMUNITY), &entries).is_empty()
        );
        // 三留守 is three lists.
        let left_behind: Vec<_> = AttentionCategory::ALL
            .into_iter()
            .filter(|c| c.is_left_behind())
            .collect();
        assert_eq!(
            left_behind,
            vec![LeftBehindChild, LeftBehindWoman, LeftBehindElderly]
        );
    }

    fn visit(at: i64) -> Visit {
        Visit {
            household: "h1".into(),
            visitor: "m".into(),
            community: COMMUNITY.into(),
            grid: Some("g1".into()),
            visited_at: at,
            purpose: VisitPurpose::CareVisit,
            notes: "身体尚好，需要换煤气".into(),
            follow_ups: vec![FollowUp {
                what: "联系燃气公司".into(),
                due: Some(at + 86_400_000),
                done_at: None,
            }],
        }
    }

    #[test]
    fn visits_are_checked() {
        let now = 1_700_000_000_000;
        let grids = vec!["g1".to_string()];
        let member = Actor::new("m", OpsRole::GridMember, COMMUNITY).with_grids(&grids);
        assert_eq!(check_visit(&member, &visit(now), now), Ok(()));
        assert_eq!(
            check_visit(&member, &visit(now + 1), now),
            Err(VisitError::InTheFuture)
        );
        let mut long = visit(now);
        long.notes = "字".repeat(MAX_NOTES_CHARS);
        assert_eq!(check_visit(&member, &long, now), Ok(()));
        long.notes.push('字');
        assert_eq!(
            check_visit(&member, &long, now),
            Err(VisitError::NotesTooLong {
                got: MAX_NOTES_CHARS + 1,
                max: MAX_NOTES_CHARS
            })
        );
        let mut early = visit(now);
        early.follow_ups[0].due = Some(now - 1);
        assert_eq!(
            check_visit(&member, &early, now),
            Err(VisitError::FollowUpBeforeVisit(1))
        );
        early.follow_ups[0].due = Some(now);
        assert_eq!(check_visit(&member, &early, now), Ok(()));
        let mut blank = visit(now);
        blank.follow_ups[0].what = "  ".into();
        assert_eq!(
            check_visit(&member, &blank, now),
            Err(VisitError::EmptyFollowUp(1))
        );
        let mut other_grid = visit(now);
        other_grid.grid = Some("g2".into());
        assert_eq!(
            check_visit(&member, &other_grid, now),
            Err(VisitError::NotYourGrid)
        );
        let worker = Actor::new("w", OpsRole::CommunityWorker, COMMUNITY);
        assert_eq!(check_visit(&worker, &other_grid, now), Ok(()));
        let head = Actor::new("h", OpsRole::BuildingHead, COMMUNITY);
        assert_eq!(
            check_visit(&head, &visit(now), now),
            Err(VisitError::RoleMayNot)
        );
        assert!(VisitError::RoleMayNot.zh().contains("网格员"));
    }

    #[test]
    fn overdue_follow_ups_are_those_past_due_and_not_done() {
        let at = 1_700_000_000_000;
        let mut done = visit(at);
        done.follow_ups[0].done_at = Some(at + 1);
        let visits = vec![visit(at), done];
        let due = at + 86_400_000;
        assert!(overdue_follow_ups(&visits, due).is_empty());
        assert_eq!(overdue_follow_ups(&visits, due + 1).len(), 1);
    }
}
