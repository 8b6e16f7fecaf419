//! The yearly round (评选年度) as a workflow, and who may do what in it.
//!
//! A community's entry in a round moves through stages:
//! declared (申报) → eligible, or refused by a veto item → scored by assessors → computed →
//! approved by the level the standard requires for its star → published (公示) with an
//! objection period → named (命名). An objection upheld during publication sends it back to
//! scoring. Every step is checked here; storage and HTTP only carry the decision out.

use serde::Serialize;

use crate::standard::{GovLevel, Standard};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Declared and self-assessed; evidence may still be added.
    #[default]
    Declared,
    /// A veto item applies: the declaration is refused, with the reason.
    Refused,
    /// Passed the eligibility check; assessors are scoring.
    Scoring,
    /// Score, star and gap computed from the assessors' sheets.
    Computed,
    Approved,
    /// Published for objections until the period ends.
    Published,
    Named,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Declared,
        Stage::Refused,
        Stage::Scoring,
        Stage::Computed,
        Stage::Approved,
        Stage::Published,
        Stage::Named,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Stage::Declared => "declared",
            Stage::Refused => "refused",
            Stage::Scoring => "scoring",
            Stage::Computed => "computed",
            Stage::Approved => "approved",
            Stage::Published => "published",
            Stage::Named => "named",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.key() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Stage::Declared => "已申报",
            Stage::Refused => "不予受理",
            Stage::Scoring => "评分中",
            Stage::Computed => "待审批",
            Stage::Approved => "已审批",
            Stage::Published => "公示中",
            Stage::Named => "已命名",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Stage::Declared => "declared",
            Stage::Refused => "refused",
            Stage::Scoring => "scoring",
            Stage::Computed => "awaiting approval",
            Stage::Approved => "approved",
            Stage::Published => "published for objections",
            Stage::Named => "named",
        }
    }
}

crate::keys::stored_as_key!(Stage, "stage");

/// Where an objection to a published result stands; stored as its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    /// Lodged, not yet decided.
    Open,
    /// Upheld: the result went back to scoring.
    Upheld,
    Dismissed,
}

impl ObjectionStatus {
    pub const ALL: [ObjectionStatus; 3] = [
        ObjectionStatus::Open,
        ObjectionStatus::Upheld,
        ObjectionStatus::Dismissed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ObjectionStatus::Open => "open",
            ObjectionStatus::Upheld => "upheld",
            ObjectionStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(text: &str) -> Option<ObjectionStatus> {
        ObjectionStatus::ALL.into_iter().find(|s| s.key() == text)
    }

    /// Chinese and English words for the status.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            ObjectionStatus::Open => ("待处理", "open"),
            ObjectionStatus::Upheld => {
                ("异议成立\u{ff0c}退回重评", "upheld: sent back for scoring")
            }
            ObjectionStatus::Dismissed => ("异议不成立", "dismissed"),
        }
    }
}

crate::keys::stored_as_key!(ObjectionStatus, "objection status");

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Roles, each scoped to a region subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CityAdmin,
    DistrictAdmin,
    StreetAdmin,
    CommunityWorker,
    Assessor,
    Resident,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::CityAdmin,
        Role::DistrictAdmin,
        Role::StreetAdmin,
        Role::CommunityWorker,
        Role::Assessor,
        Role::Resident,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::DistrictAdmin => "district_admin",
            Role::StreetAdmin => "street_admin",
            Role::CommunityWorker => "community_worker",
            Role::Assessor => "assessor",
            Role::Resident => "resident",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::CityAdmin => "市级管理员",
            Role::DistrictAdmin => "区级管理员",
            Role::StreetAdmin => "街道管理员",
            Role::CommunityWorker => "社区工作者",
            Role::Assessor => "评审员",
            Role::Resident => "居民",
        }
    }

    /// The government level an administrator acts for.
    pub fn level(self) -> Option<GovLevel> {
        match self {
            Role::CityAdmin => Some(GovLevel::City),
            Role::DistrictAdmin => Some(GovLevel::District),
            Role::StreetAdmin => Some(GovLevel::Street),
            _ => None,
        }
    }
}

/// Someone acting: their role and the region their permissions cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor<'a> {
    pub role: Role,
    /// 12-digit code of the region the role covers.
    pub region: &'a str,
    /// The region's level: province, city, district, street or community.
    pub region_level: &'a str,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub zh: String,
    pub en: String,
}

fn refuse(zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal {
        zh: zh.into(),
        en: en.into(),
    }
}

impl Actor<'_> {
    /// True when `community` lies inside this actor's region.
    pub fn covers(&self, community: &str) -> bool {
        crate::region::within(community, self.region, self.region_level)
    }

    fn require_covers(&self, community: &str) -> Result<(), Refusal> {
        if self.covers(community) {
            Ok(())
        } else {
            Err(refuse(
                format!("社区 {community} 不在您的管辖范围内"),
                format!("community {community} is outside your area"),
            ))
        }
    }
}

/// May this actor declare (申报) for the community and edit its self-assessment?
pub fn may_declare(actor: &Actor, community: &str) -> Result<(), Refusal> {
    match actor.role {
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin => {
            actor.require_covers(community)
        }
        _ => Err(refuse(
            "只有社区工作者或管理员可以申报",
            "only community workers and administrators declare",
        )),
    }
}

/// May this actor score the community? Assessors only, inside their area, never their own community.
pub fn may_score(actor: &Actor, community: &str) -> Result<(), Refusal> {
    if actor.role != Role::Assessor {
        return Err(refuse("只有评审员可以评分", "only assessors score"));
    }
    if actor.region_level == "community" && actor.region == community {
        return Err(refuse(
            "评审员不得为自己所在的社区评分",
            "an assessor may not score their own community",
        ));
    }
    actor.require_covers(community)
}

/// May this actor approve a rating of `star` (with last year's `previous`) under `standard`?
/// The level the standard names for the higher of the two stars decides (district for 1–3★,
/// city for 4–5★ in Lucheng).
pub fn may_approve(
    actor: &Actor,
    standard: &Standard,
    community: &str,
    star: u8,
    previous: u8,
) -> Result<(), Refusal> {
    actor.require_covers(community)?;
    let deciding = star.max(previous);
    let needed = approval_level(standard, star, previous);
    match actor.role.level() {
        Some(level) if level == needed => Ok(()),
        _ if deciding == 0 => Err(refuse(
            format!("未评星的结果须由{}级确认", needed.zh()),
            format!(
                "a result without a star is confirmed at {} level",
                needed.key()
            ),
        )),
        _ => Err(refuse(
            format!("{}星的评定须由{}级审批", deciding, needed.zh()),
            format!(
                "a {deciding}-star rating is approved at {} level",
                needed.key()
            ),
        )),
    }
}

/// May this actor lodge an objection (异议) to a published result? Anyone whose area covers the
/// community — its residents included — while the entry is published and the period is running
/// (`now` before `objection_until`, the end being exclusive).
pub fn may_object(
    actor: &Actor,
    community: &str,
    stage: Stage,
    now: i64,
    objection_until: Option<i64>,
) -> Result<(), Refusal> {
    actor.require_covers(community)?;
    if stage != Stage::Published {
        return Err(refuse(
            "只有公示中的结果可以提出异议",
            "objections are taken only while a result is published",
        ));
    }
    match objection_until {
        Some(until) if now < until => Ok(()),
        _ => Err(refuse(
            "公示期已结束，不再受理异议",
            "the objection period has ended",
        )),
    }
}

/// The stages an entry may move to from `from` by the named action.
pub fn next_stage(from: Stage, action: Action) -> Result<Stage, Refusal> {
    use Action::*;
    use Stage::*;
    let to = match (from, action) {
        (Declared, CheckEligibility { vetoed: true }) => Refused,
        (Declared, CheckEligibility { vetoed: false }) => Scoring,
        (Scoring, Compute) | (Computed, Compute) => Computed,
        (Computed, Approve) => Approved,
        (Computed, SendBack) | (Approved, SendBack) => Scoring,
        (Approved, Publish) => Published,
        (Published, UpholdObjection) => Scoring,
        (
            Published,
            Name {
                objection_period_over: false,
                ..
            },
        ) => {
            return Err(refuse(
                "公示期未满，不能命名",
                "the objection period has not ended",
            ));
        }
        (
            Published,
            Name {
                objection_period_over: true,
                open_objections: 0,
            },
        ) => Named,
        (
            Published,
            Name {
                open_objections, ..
            },
        ) => {
            return Err(refuse(
                format!("还有 {open_objections} 件异议未处理，处理完毕后才能命名"),
                format!(
                    "{open_objections} objection(s) still undecided; decide them before naming"
                ),
            ));
        }
        (from, action) => {
            return Err(refuse(
                format!("当前阶段“{}”不能执行此操作（{}）", from.zh(), action.key()),
                format!("cannot {} at stage {}", action.key(), from.en()),
            ));
        }
    };
    Ok(to)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CheckEligibility {
        vetoed: bool,
    },
    Compute,
    Approve,
    SendBack,
    Publish,
    UpholdObjection,
    /// Naming needs the objection period over and every objection decided.
    Name {
        objection_period_over: bool,
        open_objections: u32,
    },
}

impl Action {
    pub fn key(self) -> &'static str {
        match self {
            Action::CheckEligibility { .. } => "check eligibility",
            Action::Compute => "compute",
            Action::Approve => "approve",
            Action::SendBack => "send back",
            Action::Publish => "publish",
            Action::UpholdObjection => "uphold an objection",
            Action::Name { .. } => "name",
        }
    }
}

/// Who acts next on an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    /// The administrators of a government level over the community (its street, district, city).
    Admin(GovLevel),
    /// The round's assessors.
    Assessors,
    /// Anyone who may object, while the 公示 period runs; then the level named to decide.
    Public,
    /// Nobody: the entry's workflow is over.
    Nobody,
}

/// What happens next to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    CheckEligibility,
    /// Assessors score, then the `then` level computes the result.
    Score {
        then: GovLevel,
    },
    Approve,
    Publish,
    /// Objections are taken until the period ends; then `then` names it.
    Objections {
        then: GovLevel,
    },
    Name,
    /// Nothing more this round: a veto item applied at the eligibility check.
    Refused,
    /// Nothing more: named.
    Done,
}

/// The next step and who takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NextStep {
    pub who: Who,
    pub next: Next,
}

/// Who takes an entry at `stage` on, by the same rules as [`next_stage`] and [`may_approve`]:
/// the eligibility check and the computation by the administrators nearest the community (its
/// street), approval, publication and naming by `deciding`, the level the standard names for the
/// entry's star (see [`approval_level`]); scoring by the assessors; during 公示 anyone may object
/// until the period is over (`period_over`).
pub fn next_step(stage: Stage, deciding: GovLevel, period_over: bool) -> NextStep {
    let nearest = GovLevel::Street;
    let (who, next) = match stage {
        Stage::Declared => (Who::Admin(nearest), Next::CheckEligibility),
        Stage::Refused => (Who::Nobody, Next::Refused),
        Stage::Named => (Who::Nobody, Next::Done),
        Stage::Scoring => (Who::Assessors, Next::Score { then: nearest }),
        Stage::Computed => (Who::Admin(deciding), Next::Approve),
        Stage::Approved => (Who::Admin(deciding), Next::Publish),
        Stage::Published if period_over => (Who::Admin(deciding), Next::Name),
        Stage::Published => (Who::Public, Next::Objections { then: deciding }),
    };
    NextStep { who, next }
}

/// The level that approves (and publishes and names) a result of `star` with last year's
/// `previous`: the standard's level for the higher of the two, or for the lowest star when
/// neither has one (the lowest star's approver confirms a result without a star). The rule
/// [`may_approve`] applies.
pub fn approval_level(standard: &Standard, star: u8, previous: u8) -> GovLevel {
    match standard.star(star.max(previous)) {
        Some(level) => level.approval,
        None => standard
            .stars
            .first()
            .map(|s| s.approval)
            .unwrap_or(GovLevel::District),
    }
}

#[cfg(test)]
mod next_step_tests {
    use super::*;

    #[test]
    fn every_stage_names_who_acts_next() {
        let city = GovLevel::City;
        let step = |stage| next_step(stage, city, false);
        assert_eq!(
            step(Stage::Declared),
            NextStep {
                who: Who::Admin(GovLevel::Street),
                next: Next::CheckEligibility
            }
        );
        assert_eq!(step(Stage::Scoring).who, Who::Assessors);
        assert_eq!(
            step(Stage::Scoring).next,
            Next::Score {
                then: GovLevel::Street
            }
        );
        assert_eq!(step(Stage::Computed).who, Who::Admin(city));
        assert_eq!(step(Stage::Computed).next, Next::Approve);
        assert_eq!(step(Stage::Approved).next, Next::Publish);
        assert_eq!(step(Stage::Published).who, Who::Public);
        assert_eq!(
            next_step(Stage::Published, city, true),
            NextStep {
                who: Who::Admin(city),
                next: Next::Name
            }
        );
        assert_eq!(step(Stage::Refused).who, Who::Nobody);
        assert_eq!(step(Stage::Refused).next, Next::Refused);
        assert_eq!(step(Stage::Named).who, Who::Nobody);
        assert_eq!(step(Stage::Named).next, Next::Done);
    }
}
