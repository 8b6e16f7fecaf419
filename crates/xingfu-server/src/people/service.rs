//! Home visits, volunteers and the love mall, shared by the pages and the JSON API: each
//! operation works out who the caller is in operations, checks it with the core's rules
//! (`xingfu_core::ops::visits` and `ops::points`), then writes through the store.
//!
//! Operations roles. Accounts keep their workflow role; grid members (网格员) and building heads
//! (楼栋长) are assignments on top of an account, inside its community: appointments made on
//! the home-visit pages (`people_assignments`) and members and building heads drawn on the
//! grid map (`grid_members`, `buildings.head`) both count:
//!
//! - a community-worker account with grid assignments acts as a grid member (a full-time
//!   网格员): it sees the special-attention lists and households of its own grids only; without
//!   any, as community staff who see the whole community;
//! - a resident account with grid assignments acts as a part-time grid member; with building
//!   assignments only, as a building head;
//! - street, district and city administrators see counts, never names.
//!
//! Privacy. Households hold an address with an optional contact name and phone; nothing else
//! personal is asked for. Every view of a list, of the households, or of one household's record
//! writes an access-log row (who, when, what, how many named), read by district and city staff.
//! Building heads see the elderly lists of their buildings but not households' visit records.
//!
//! Volunteers. Community workers run stations, teams, volunteers, activities and the mall of
//! their community; a resident whose account is linked to a volunteer sees their own points and
//! redeems in their own community's mall. Points follow `PointsRules::baseline()`.

use serde::Serialize;
use xingfu_core::decimal::Dec2;
use xingfu_core::ops::metrics::{self, ActivityFact, Period};
use xingfu_core::ops::points::{self, AwardError, LedgerRefusal, PointsRules};
use xingfu_core::ops::visits::{
    self, AttentionCategory, AttentionEntry, FollowUp, Place, Visibility, Visit, VisitError,
    VisitPurpose,
};
use xingfu_core::ops::{Actor, OpsRole};
use xingfu_core::region;
use xingfu_core::workflow::Role;
use xingfu_store::StoreError;
use xingfu_store::rounds::By;
use xingfu_store::visits::{
    AccessFilter, AccessRow, AssignmentRow, AttentionRow, HouseholdRow, NewAccess, NewFollowUp,
    NewHousehold, NewVisit, OpenFollowUp, VisitRow,
};
use xingfu_store::volunteers::{
    ActivityRow, Applied, ItemRow, NewActivity, NewVolunteer, PointsError, SignedOut, VolunteerRow,
};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};

/// The metric keys this module feeds (`ops::metrics`).
pub const METRIC_KEYS: [&str; 4] = [
    metrics::VISITS_COUNT,
    metrics::ACTIVITIES_COUNT,
    metrics::VOLUNTEERS_HOURS,
    metrics::PEOPLE_SERVED_COUNT,
];

pub const MAX_ADDRESS: usize = 100;
pub const MAX_NAME: usize = 20;
pub const MAX_SCOPE: usize = 32;
pub const MAX_NOTE: usize = 200;
pub const MAX_TITLE: usize = 100;
/// Most follow-up rows the visit form offers.
pub const FOLLOW_UP_ROWS: usize = 3;
/// Largest quantity or stock typed in one go.
pub const MAX_QUANTITY: i64 = 10_000;
/// Largest points adjustment in one go.
pub const MAX_ADJUST: i64 = 100_000;

fn pick(en: bool, zh: impl Into<String>, en_text: impl Into<String>) -> String {
    if en { en_text.into() } else { zh.into() }
}

fn forbidden(en: bool, zh: &str, en_text: &str) -> AppError {
    AppError::Forbidden(pick(en, zh, en_text))
}

/// A form field that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name in the form (and the input's id in the page).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why an operation wrote nothing: fields to correct, or a refusal of the whole request.
#[derive(Debug)]
pub enum Refused {
    Fields(Vec<FieldError>),
    App(AppError),
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused::App(error)
    }
}

impl From<StoreError> for Refused {
    fn from(error: StoreError) -> Self {
        Refused::App(error.into())
    }
}

impl Refused {
    fn field(field: &str, message: String) -> Refused {
        Refused::Fields(vec![FieldError::new(field, message)])
    }

    /// One message for callers without fields (the API): `field: message; …`.
    pub fn into_app(self) -> AppError {
        match self {
            Refused::App(e) => e,
            Refused::Fields(fields) => AppError::BadRequest(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }
}

/// Who the caller is in operations.
#[derive(Debug, Clone)]
pub struct OpsIdentity {
    pub user_id: String,
    pub username: String,
    pub role: OpsRole,
    pub account_role: Role,
    pub region: String,
    pub grids: Vec<String>,
    pub buildings: Vec<String>,
}

impl OpsIdentity {
    pub fn actor(&self) -> Actor<'_> {
        Actor::new(&self.user_id, self.role, &self.region)
            .with_grids(&self.grids)
            .with_buildings(&self.buildings)
    }

    /// The code prefix of the area the role covers.
    pub fn prefix(&self) -> &str {
        region::subtree_prefix(&self.region, self.role.region_level())
    }

    /// Sees names on lists and household records (as opposed to counts only).
    pub fn sees_names(&self) -> bool {
        matches!(
            self.role,
            OpsRole::GridMember | OpsRole::CommunityWorker | OpsRole::BuildingHead
        )
    }

    /// Records visits and keeps households (the core's `check_visit` roles).
    pub fn keeps_households(&self) -> bool {
        matches!(self.role, OpsRole::GridMember | OpsRole::CommunityWorker)
    }

    /// Appoints grid members and building heads: community staff for their community,
    /// street and district administrators in their area.
    pub fn appoints(&self) -> bool {
        matches!(
            self.role,
            OpsRole::CommunityWorker | OpsRole::StreetAdmin | OpsRole::DistrictAdmin
        )
    }

    /// Reads the access log: district and city staff.
    pub fn reads_access_log(&self) -> bool {
        matches!(self.role, OpsRole::DistrictAdmin | OpsRole::CityAdmin)
    }

    pub fn role_label(&self, en: bool) -> &'static str {
        if en { self.role.en() } else { self.role.zh() }
    }
}

/// Works out the caller's operations role from their account and assignments.
pub async fn identity(
    state: &AppState,
    user: &CurrentUser,
    en: bool,
) -> Result<OpsIdentity, AppError> {
    let Some(base) = OpsRole::from_account(user.role) else {
        return Err(forbidden(
            en,
            "评审员账号不参与社区日常工作",
            "assessor accounts take no part in community operations",
        ));
    };
    let mut grids = Vec::new();
    let mut buildings = Vec::new();
    if matches!(base, OpsRole::Resident | OpsRole::CommunityWorker) {
        for a in state.store.assignments_of(&user.user.id).await? {
            // Only assignments in the account's own community count.
            if a.community_code != user.user.region_code {
                continue;
            }
            match a.kind.as_str() {
                "grid_member" => grids.push(a.scope),
                "building_head" => buildings.push(a.scope),
                _ => {}
            }
        }
        // Members and 楼栋长 drawn on the grid map count as well.
        for a in state.store.assignments(&user.user.username).await? {
            if a.community_code != user.user.region_code {
                continue;
            }
            match a.building_id {
                Some(building) => buildings.push(building),
                None => grids.push(a.grid_id),
            }
        }
        grids.sort();
        grids.dedup();
        buildings.sort();
        buildings.dedup();
    }
    let role = match base {
        OpsRole::Resident | OpsRole::CommunityWorker if !grids.is_empty() => OpsRole::GridMember,
        OpsRole::Resident if !buildings.is_empty() => OpsRole::BuildingHead,
        other => other,
    };
    Ok(OpsIdentity {
        user_id: user.user.id.clone(),
        username: user.user.username.clone(),
        role,
        account_role: user.role,
        region: user.user.region_code.clone(),
        grids,
        buildings,
    })
}

fn place(row: &HouseholdRow) -> Place<'_> {
    Place {
        community: &row.community_code,
        grid: row.grid_id.as_deref(),
        building: row.building.as_deref(),
    }
}

/// Whether the caller may open a household's record: its grid member, or staff of its
/// community. The list category does not matter for these roles, so any one is asked.
pub fn may_see_household(who: &OpsIdentity, household: &HouseholdRow) -> bool {
    who.keeps_households()
        && visits::visibility(
            &who.actor(),
            AttentionCategory::ElderlyAlone,
            place(household),
        ) == Visibility::Entry
}

async fn log(
    state: &AppState,
    who: &OpsIdentity,
    community: &str,
    subject: &str,
    target: &str,
    shown: usize,
) -> Result<(), AppError> {
    state
        .store
        .log_access(&NewAccess {
            at: now_ms(),
            actor_id: &who.user_id,
            actor_name: &who.username,
            actor_role: who.role.key(),
            community_code: community,
            subject,
            target,
            shown: i64::try_from(shown).unwrap_or(i64::MAX),
        })
        .await?;
    Ok(())
}

fn core_entry(row: &AttentionRow) -> Option<AttentionEntry> {
    Some(AttentionEntry {
        person: row.id.clone(),
        category: AttentionCategory::parse(&row.category)?,
        community: row.community_code.clone(),
        grid: row.grid_id.clone(),
        building: row.building.clone(),
    })
}

/// Counts per list for one community, as the caller may see them.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityCounts {
    pub community_code: String,
    pub counts: Vec<(AttentionCategory, usize)>,
}

/// The special-attention lists in numbers: for the caller's whole area, and per community.
/// Empty when the caller's role sees no list at all. Logged as one view.
pub async fn attention_counts(
    state: &AppState,
    who: &OpsIdentity,
) -> Result<(Vec<(AttentionCategory, usize)>, Vec<CommunityCounts>), AppError> {
    let rows = state.store.attention_within(who.prefix()).await?;
    let entries: Vec<AttentionEntry> = rows.iter().filter_map(core_entry).collect();
    let actor = who.actor();
    let total = visits::visible_counts(&actor, &entries);
    let mut per_community: Vec<CommunityCounts> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let code = entries[start].community.clone();
        let end = start
            + entries[start..]
                .iter()
                .take_while(|e| e.community == code)
                .count();
        let counts = visits::visible_counts(&actor, &entries[start..end]);
        if counts.iter().any(|(_, n)| *n > 0) {
            per_community.push(CommunityCounts {
                community_code: code,
                counts,
            });
        }
        start = end;
    }
    if !total.is_empty() {
        log(state, who, &who.region, "attention_counts", "", 0).await?;
    }
    Ok((total, per_community))
}

/// The named entries of one list the caller may see. Logged.
pub async fn attention_list(
    state: &AppState,
    who: &OpsIdentity,
    category: AttentionCategory,
    en: bool,
) -> Result<Vec<AttentionRow>, AppError> {
    if !visits::may_see_list(&who.actor(), category) {
        return Err(forbidden(
            en,
            "您没有查看该名单的权限",
            "you may not see this list",
        ));
    }
    if !who.sees_names() {
        return Err(forbidden(
            en,
            "您只能查看各名单的人数,不能查看名单",
            "you see how many people each list has, not their names",
        ));
    }
    let rows = state.store.attention_within(who.prefix()).await?;
    let entries: Vec<AttentionEntry> = rows.iter().filter_map(core_entry).collect();
    let visible: std::collections::HashSet<&str> =
        visits::visible_entries(&who.actor(), category, &entries)
            .into_iter()
            .map(|e| e.person.as_str())
            .collect();
    let shown: Vec<AttentionRow> = rows
        .iter()
        .filter(|r| visible.contains(&r.id.as_str()))
        .cloned()
        .collect();
    log(
        state,
        who,
        &who.region,
        "attention_list",
        category.key(),
        shown.len(),
    )
    .await?;
    Ok(shown)
}

/// The households the caller may open, with the open follow-ups among them. Logged as one
/// view; empty (and not logged) for roles that keep no households.
pub async fn households(
    state: &AppState,
    who: &OpsIdentity,
) -> Result<(Vec<HouseholdRow>, Vec<OpenFollowUp>), AppError> {
    if !who.keeps_households() {
        return Ok((Vec::new(), Vec::new()));
    }
    let rows: Vec<HouseholdRow> = state
        .store
        .households_within(who.prefix())
        .await?
        .into_iter()
        .filter(|h| may_see_household(who, h))
        .collect();
    let seen: std::collections::HashSet<&str> = rows.iter().map(|h| h.id.as_str()).collect();
    let follow_ups: Vec<OpenFollowUp> = state
        .store
        .open_follow_ups_within(who.prefix())
        .await?
        .into_iter()
        .filter(|f| seen.contains(f.household_id.as_str()))
        .collect();
    log(state, who, &who.region, "household_list", "", rows.len()).await?;
    Ok((rows, follow_ups))
}

/// A household's record as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdRecord {
    pub household: HouseholdRow,
    pub attention: Vec<AttentionRow>,
    pub visits: Vec<VisitRow>,
}

async fn household_for(
    state: &AppState,
    who: &OpsIdentity,
    id: &str,
    en: bool,
) -> Result<HouseholdRow, AppError> {
    let household = state.store.household(id).await?.ok_or(AppError::NotFound)?;
    if !may_see_household(who, &household) {
        return Err(forbidden(
            en,
            "该住户不在您负责的范围内",
            "this household is not in your care",
        ));
    }
    Ok(household)
}

/// Opens a household's record. Logged.
pub async fn household_record(
    state: &AppState,
    who: &OpsIdentity,
    id: &str,
    en: bool,
) -> Result<HouseholdRecord, AppError> {
    let household = household_for(state, who, id, en).await?;
    let attention = state.store.attention_of(id).await?;
    let visits = state.store.visits_of(id).await?;
    log(
        state,
        who,
        &household.community_code,
        "household",
        &household.id,
        1 + attention.len(),
    )
    .await?;
    Ok(HouseholdRecord {
        household,
        attention,
        visits,
    })
}

/// A household as typed into the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct HouseholdInput {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub grid: String,
    #[serde(default)]
    pub building: String,
}

fn optional(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

fn check_length(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: &str,
    max: usize,
    label: (&str, &str),
    en: bool,
) {
    let n = text.trim().chars().count();
    if n > max {
        errors.push(FieldError::new(
            field,
            pick(
                en,
                format!("{}最多 {max} 个字,现在是 {n} 个字", label.0),
                format!("{} takes at most {max} characters, not {n}", label.1),
            ),
        ));
    }
}

/// A phone number as people write it: digits, spaces, `-` and a leading `+`, 5–20 characters.
pub fn phone_ok(text: &str) -> bool {
    let n = text.chars().count();
    (5..=20).contains(&n)
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0))
        && text.chars().any(|c| c.is_ascii_digit())
}

/// Registers a household: community staff anywhere in their community, a grid member in one
/// of their own grids.
pub async fn create_household(
    state: &AppState,
    who: &OpsIdentity,
    input: &HouseholdInput,
    en: bool,
) -> Result<HouseholdRow, Refused> {
    if !who.keeps_households() {
        return Err(forbidden(
            en,
            "只有网格员和社区工作者可以登记住户",
            "only grid members and community workers register households",
        )
        .into());
    }
    let mut errors = Vec::new();
    if input.address.trim().is_empty() {
        errors.push(FieldError::new(
            "address",
            pick(en, "请填写门牌地址", "enter the address"),
        ));
    }
    check_length(
        &mut errors,
        "address",
        &input.address,
        MAX_ADDRESS,
        ("门牌地址", "The address"),
        en,
    );
    check_length(
        &mut errors,
        "contact_name",
        &input.contact_name,
        MAX_NAME,
        ("称呼", "The name"),
        en,
    );
    check_length(
        &mut errors,
        "grid",
        &input.grid,
        MAX_SCOPE,
        ("网格", "The grid"),
        en,
    );
    check_length(
        &mut errors,
        "building",
        &input.building,
        MAX_SCOPE,
        ("楼栋", "The building"),
        en,
    );
    if let Some(phone) = optional(&input.phone)
        && !phone_ok(phone)
    {
        errors.push(FieldError::new(
            "phone",
            pick(
                en,
                "电话号码只能包含数字、空格和“-”,5–20 位;不需要可留空",
                "a phone number has digits, spaces and “-”, 5–20 characters; leave it empty if not needed",
            ),
        ));
    }
    let grid = optional(&input.grid);
    if who.role == OpsRole::GridMember && !grid.is_some_and(|g| who.grids.iter().any(|m| m == g)) {
        errors.push(FieldError::new(
            "grid",
            pick(
                en,
                format!("请填写您负责的网格:{}", who.grids.join("、")),
                format!("enter one of your grids: {}", who.grids.join(", ")),
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    let row = state
        .store
        .create_household(
            &NewHousehold {
                community_code: &who.region,
                grid_id: grid,
                building: optional(&input.building),
                address: input.address.trim(),
                contact_name: optional(&input.contact_name),
                phone: optional(&input.phone),
            },
            By {
                actor: &who.user_id,
                at: now_ms(),
            },
        )
        .await?;
    Ok(row)
}

/// Puts someone in a household on a special-attention list.
pub async fn add_attention(
    state: &AppState,
    who: &OpsIdentity,
    household_id: &str,
    person: &str,
    category: &str,
    note: &str,
    en: bool,
) -> Result<String, Refused> {
    let household = household_for(state, who, household_id, en).await?;
    let mut errors = Vec::new();
    if person.trim().is_empty() {
        errors.push(FieldError::new(
            "person",
            pick(
                en,
                "请填写姓名或称呼",
                "enter the person's name or form of address",
            ),
        ));
    }
    check_length(
        &mut errors,
        "person",
        person,
        MAX_NAME,
        ("姓名或称呼", "The name"),
        en,
    );
    check_length(
        &mut errors,
        "note",
        note,
        MAX_NOTE,
        ("说明", "The note"),
        en,
    );
    let Some(category) = AttentionCategory::parse(category.trim()) else {
        errors.push(FieldError::new(
            "category",
            pick(en, "请选择名单类别", "choose the list"),
        ));
        return Err(Refused::Fields(errors));
    };
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    let id = state
        .store
        .add_attention(
            &household,
            person.trim(),
            category.key(),
            optional(note),
            By {
                actor: &who.user_id,
                at: now_ms(),
            },
        )
        .await?;
    Ok(id)
}

/// Takes an entry off its list.
pub async fn remove_attention(
    state: &AppState,
    who: &OpsIdentity,
    household_id: &str,
    entry_id: &str,
    en: bool,
) -> Result<(), AppError> {
    household_for(state, who, household_id, en).await?;
    let entry = state
        .store
        .attention_entry(entry_id)
        .await?
        .filter(|e| e.household_id == household_id)
        .ok_or(AppError::NotFound)?;
    state
        .store
        .remove_attention(
            &entry.id,
            By {
                actor: &who.user_id,
                at: now_ms(),
            },
        )
        .await?;
    Ok(())
}

/// The visit purposes in the order the form offers them.
pub const PURPOSES: [VisitPurpose; 6] = [
    VisitPurpose::CareVisit,
    VisitPurpose::Routine,
    VisitPurpose::SafetyCheck,
    VisitPurpose::PolicyPromotion,
    VisitPurpose::OpinionGathering,
    VisitPurpose::Other,
];

/// The stored key of a purpose (its serde name).
pub fn purpose_key(purpose: VisitPurpose) -> String {
    serde_json::to_value(purpose)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn parse_purpose(key: &str) -> Option<VisitPurpose> {
    PURPOSES.into_iter().find(|p| purpose_key(*p) == key)
}

pub fn purpose_label(key: &str, en: bool) -> String {
    match parse_purpose(key) {
        Some(p) if en => purpose_key(p).replace('_', " "),
        Some(p) => p.zh().to_string(),
        None => key.to_string(),
    }
}

/// A visit as read from a form or a request, times already parsed.
#[derive(Debug, Clone)]
pub struct VisitInput {
    pub visited_at: i64,
    pub purpose: String,
    pub notes: String,
    /// (what, due); rows left wholly empty are already dropped.
    pub follow_ups: Vec<(String, Option<i64>)>,
}

fn visit_problem(error: &VisitError, en: bool) -> FieldError {
    let field = match error {
        VisitError::InTheFuture => "visited_at".to_string(),
        VisitError::NotesTooLong { .. } => "notes".to_string(),
        VisitError::EmptyFollowUp(i) | VisitError::FollowUpBeforeVisit(i) => {
            format!("follow_up_{i}")
        }
        VisitError::TooManyFollowUps { .. } => "follow_up_1".to_string(),
        _ => "visited_at".to_string(),
    };
    FieldError::new(field, if en { error.to_string() } else { error.zh() })
}

/// Records a visit to a household, checked by the core's `check_visit`.
pub async fn record_visit(
    state: &AppState,
    who: &OpsIdentity,
    household_id: &str,
    input: &VisitInput,
    en: bool,
) -> Result<VisitRow, Refused> {
    let household = household_for(state, who, household_id, en).await?;
    let Some(purpose) = parse_purpose(&input.purpose) else {
        return Err(Refused::field(
            "purpose",
            pick(en, "请选择走访目的", "choose the purpose of the visit"),
        ));
    };
    let visit = Visit {
        household: household.id.clone(),
        visitor: who.user_id.clone(),
        community: household.community_code.clone(),
        grid: household.grid_id.clone(),
        visited_at: input.visited_at,
        purpose,
        notes: input.notes.trim().to_string(),
        follow_ups: input
            .follow_ups
            .iter()
            .map(|(what, due)| FollowUp {
                what: what.trim().to_string(),
                due: *due,
                done_at: None,
            })
            .collect(),
    };
    let now = now_ms();
    if let Err(error) = visits::check_visit(&who.actor(), &visit, now) {
        return Err(match error {
            VisitError::RoleMayNot | VisitError::OutsideArea(_) | VisitError::NotYourGrid => {
                Refused::App(AppError::Forbidden(if en {
                    error.to_string()
                } else {
                    error.zh()
                }))
            }
            other => Refused::Fields(vec![visit_problem(&other, en)]),
        });
    }
    let key = purpose_key(purpose);
    let row = state
        .store
        .record_visit(
            &NewVisit {
                household_id: &household.id,
                visitor_id: &who.user_id,
                visited_at: visit.visited_at,
                purpose: &key,
                notes: &visit.notes,
                follow_ups: visit
                    .follow_ups
                    .iter()
                    .map(|f| NewFollowUp {
                        what: &f.what,
                        due: f.due,
                    })
                    .collect(),
            },
            now,
        )
        .await?;
    Ok(row)
}

/// Marks a follow-up of a visit done. False when it was done already.
pub async fn complete_follow_up(
    state: &AppState,
    who: &OpsIdentity,
    visit_id: &str,
    seq: i64,
    en: bool,
) -> Result<(String, bool), AppError> {
    let household_id = state
        .store
        .visit_household(visit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    household_for(state, who, &household_id, en).await?;
    let done = state
        .store
        .complete_follow_up(
            visit_id,
            seq,
            By {
                actor: &who.user_id,
                at: now_ms(),
            },
        )
        .await?;
    Ok((household_id, done))
}

/// Follow-ups past due and not done among `open` at `now` (the core's rule).
pub fn overdue(open: &[OpenFollowUp], now: i64) -> Vec<bool> {
    open.iter()
        .map(|f| {
            let visit = Visit {
                household: f.household_id.clone(),
                visitor: String::new(),
                community: f.community_code.clone(),
                grid: f.grid_id.clone(),
                visited_at: f.visited_at,
                purpose: VisitPurpose::Other,
                notes: String::new(),
                follow_ups: vec![FollowUp {
                    what: f.what.clone(),
                    due: f.due,
                    done_at: None,
                }],
            };
            !visits::overdue_follow_ups(std::slice::from_ref(&visit), now).is_empty()
        })
        .collect()
}

/// Access-log rows for district or city staff, within their area.
pub async fn access_log(
    state: &AppState,
    who: &OpsIdentity,
    community: Option<&str>,
    actor_name: Option<&str>,
    subject: Option<&str>,
    before: Option<(i64, &str)>,
    en: bool,
) -> Result<Vec<AccessRow>, AppError> {
    if !who.reads_access_log() {
        return Err(forbidden(
            en,
            "只有区级和市级工作人员可以查阅访问记录",
            "only district and city staff read the access log",
        ));
    }
    if let Some(code) = community
        && !who.actor().covers(code)
    {
        return Err(forbidden(
            en,
            &format!("社区 {code} 不在您的管辖范围内"),
            &format!("community {code} is outside your area"),
        ));
    }
    Ok(state
        .store
        .access_log(&AccessFilter {
            prefix: who.prefix(),
            community_code: community,
            actor_name,
            subject,
            before,
            limit: ACCESS_PAGE,
        })
        .await?)
}

/// Access-log rows per page.
pub const ACCESS_PAGE: i64 = 100;

/// Assignments the caller may change: in their community, or every community of their area
/// they name.
pub async fn assignments(
    state: &AppState,
    who: &OpsIdentity,
    community: &str,
    en: bool,
) -> Result<Vec<AssignmentRow>, AppError> {
    may_appoint_in(who, community, en)?;
    Ok(state.store.assignments_in(community).await?)
}

fn may_appoint_in(who: &OpsIdentity, community: &str, en: bool) -> Result<(), AppError> {
    if !who.appoints() {
        return Err(forbidden(
            en,
            "只有社区工作者、街道和区级管理员可以任命网格员和楼栋长",
            "only community workers and street or district administrators appoint grid members and building heads",
        ));
    }
    if !region::is_division_code(community) || !who.actor().covers(community) {
        return Err(forbidden(
            en,
            &format!("社区 {community} 不在您的管辖范围内"),
            &format!("community {community} is outside your area"),
        ));
    }
    Ok(())
}

/// Appoints an account (a resident or a community worker of that community) as grid member
/// or building head.
pub async fn assign(
    state: &AppState,
    who: &OpsIdentity,
    username: &str,
    kind: &str,
    scope: &str,
    en: bool,
) -> Result<AssignmentRow, Refused> {
    let mut errors = Vec::new();
    let target = state.store.user_by_username(username.trim()).await?;
    let Some(target) = target.filter(|u| !u.disabled) else {
        return Err(Refused::field(
            "username",
            pick(
                en,
                format!("没有用户名为“{}”的账号", username.trim()),
                format!("there is no account “{}”", username.trim()),
            ),
        ));
    };
    if !matches!(
        Role::parse(&target.role),
        Some(Role::Resident | Role::CommunityWorker)
    ) {
        errors.push(FieldError::new(
            "username",
            pick(
                en,
                "只有居民和社区工作者账号可以任命为网格员或楼栋长",
                "only resident and community-worker accounts can be grid members or building heads",
            ),
        ));
    }
    if !matches!(kind, "grid_member" | "building_head") {
        errors.push(FieldError::new(
            "kind",
            pick(
                en,
                "请选择网格员或楼栋长",
                "choose grid member or building head",
            ),
        ));
    }
    if scope.trim().is_empty() {
        errors.push(FieldError::new(
            "scope",
            pick(en, "请填写网格或楼栋编号", "enter the grid or building"),
        ));
    }
    check_length(
        &mut errors,
        "scope",
        scope,
        MAX_SCOPE,
        ("网格或楼栋编号", "The grid or building"),
        en,
    );
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    may_appoint_in(who, &target.region_code, en)?;
    let at = now_ms();
    match state
        .store
        .assign(
            &target.id,
            kind,
            &target.region_code,
            scope.trim(),
            By {
                actor: &who.user_id,
                at,
            },
        )
        .await
    {
        Ok(()) => {}
        Err(StoreError::Duplicate { .. }) => {
            return Err(Refused::field(
                "scope",
                pick(
                    en,
                    "该账号已有这项任命",
                    "the account already has this appointment",
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(AssignmentRow {
        user_id: target.id,
        username: target.username,
        display_name: target.display_name,
        kind: kind.to_string(),
        community_code: target.region_code,
        scope: scope.trim().to_string(),
        assigned_by: who.user_id.clone(),
        assigned_at: at,
    })
}

pub async fn unassign(
    state: &AppState,
    who: &OpsIdentity,
    user_id: &str,
    kind: &str,
    community: &str,
    scope: &str,
    en: bool,
) -> Result<bool, AppError> {
    may_appoint_in(who, community, en)?;
    Ok(state
        .store
        .unassign(
            user_id,
            kind,
            community,
            scope,
            By {
                actor: &who.user_id,
                at: now_ms(),
            },
        )
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Volunteers, activities, points and the love mall.

/// The points rules in force.
pub fn rules() -> PointsRules {
    PointsRules::baseline()
}

/// Runs the community's volunteering: a community worker of that community.
pub fn may_manage(user: &CurrentUser, community: &str) -> bool {
    user.role == Role::CommunityWorker && user.actor().covers(community)
}

/// Sees a community's volunteers and their balances: staff whose area covers it.
pub fn may_oversee(user: &CurrentUser, community: &str) -> bool {
    matches!(
        user.role,
        Role::CommunityWorker | Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
    ) && user.actor().covers(community)
}

fn require_manage(user: &CurrentUser, community: &str, en: bool) -> Result<(), AppError> {
    if may_manage(user, community) {
        Ok(())
    } else {
        Err(forbidden(
            en,
            "只有本社区的社区工作者可以办理志愿服务事项",
            "only the community's own workers run its volunteering",
        ))
    }
}

fn by_user(user: &CurrentUser) -> By<'_> {
    By {
        actor: &user.user.id,
        at: now_ms(),
    }
}

fn required_name(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: &str,
    max: usize,
    label: (&str, &str),
    en: bool,
) {
    if text.trim().is_empty() {
        errors.push(FieldError::new(
            field,
            pick(
                en,
                format!("请填写{}", label.0),
                format!("enter {}", label.1.to_lowercase()),
            ),
        ));
    }
    check_length(errors, field, text, max, label, en);
}

pub async fn create_station(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    name: &str,
    en: bool,
) -> Result<(), Refused> {
    require_manage(user, community, en)?;
    let mut errors = Vec::new();
    required_name(
        &mut errors,
        "station_name",
        name,
        MAX_TITLE,
        ("驿站名称", "The station's name"),
        en,
    );
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    match state
        .store
        .create_station(community, name.trim(), now_ms())
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Duplicate { .. }) => Err(Refused::field(
            "station_name",
            pick(en, "已有同名的驿站", "a station of that name exists"),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_team(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    name: &str,
    station: &str,
    en: bool,
) -> Result<(), Refused> {
    require_manage(user, community, en)?;
    let mut errors = Vec::new();
    required_name(
        &mut errors,
        "team_name",
        name,
        MAX_TITLE,
        ("服务队名称", "The team's name"),
        en,
    );
    let station = optional(station);
    if let Some(station) = station {
        let known = state.store.stations_in(community).await?;
        if !known.iter().any(|s| s.id == station) {
            errors.push(FieldError::new(
                "team_station",
                pick(
                    en,
                    "请选择本社区的驿站",
                    "choose one of the community's stations",
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    match state
        .store
        .create_team(community, name.trim(), station, now_ms())
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Duplicate { .. }) => Err(Refused::field(
            "team_name",
            pick(en, "已有同名的服务队", "a team of that name exists"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// A volunteer as typed into the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VolunteerInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub team: String,
    /// The volunteer's own account (a resident of the community), optional.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub phone: String,
}

pub async fn create_volunteer(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    input: &VolunteerInput,
    en: bool,
) -> Result<VolunteerRow, Refused> {
    require_manage(user, community, en)?;
    let mut errors = Vec::new();
    required_name(
        &mut errors,
        "volunteer_name",
        &input.name,
        MAX_NAME,
        ("姓名", "The name"),
        en,
    );
    if let Some(phone) = optional(&input.phone)
        && !phone_ok(phone)
    {
        errors.push(FieldError::new(
            "volunteer_phone",
            pick(
                en,
                "电话号码只能包含数字、空格和“-”,5–20 位;不需要可留空",
                "a phone number has digits, spaces and “-”, 5–20 characters; leave it empty if not needed",
            ),
        ));
    }
    let team = optional(&input.team);
    if let Some(team) = team
        && !state
            .store
            .teams_in(community)
            .await?
            .iter()
            .any(|t| t.id == team)
    {
        errors.push(FieldError::new(
            "volunteer_team",
            pick(
                en,
                "请选择本社区的服务队",
                "choose one of the community's teams",
            ),
        ));
    }
    let mut account = None;
    if let Some(username) = optional(&input.username) {
        match state.store.user_by_username(username).await? {
            Some(u) if u.role == Role::Resident.key() && u.region_code == community => {
                account = Some(u.id);
            }
            _ => errors.push(FieldError::new(
                "volunteer_username",
                pick(
                    en,
                    format!("“{username}”不是本社区居民的账号"),
                    format!("“{username}” is not the account of a resident of this community"),
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    match state
        .store
        .create_volunteer(
            &NewVolunteer {
                community_code: community,
                name: input.name.trim(),
                team_id: team,
                user_id: account.as_deref(),
                phone: optional(&input.phone),
            },
            now_ms(),
        )
        .await
    {
        Ok(row) => Ok(row),
        Err(StoreError::Duplicate { .. }) => Err(Refused::field(
            "volunteer_username",
            pick(
                en,
                "该账号已登记为志愿者",
                "that account is already registered as a volunteer",
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// An activity as read from a form or a request, times already parsed.
#[derive(Debug, Clone)]
pub struct ActivityInput {
    pub title: String,
    pub activity_type: String,
    pub station: String,
    pub team: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

pub async fn create_activity(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    input: &ActivityInput,
    en: bool,
) -> Result<ActivityRow, Refused> {
    require_manage(user, community, en)?;
    let mut errors = Vec::new();
    required_name(
        &mut errors,
        "title",
        &input.title,
        MAX_TITLE,
        ("活动名称", "The title"),
        en,
    );
    if rules().activity_type(&input.activity_type).is_none() {
        errors.push(FieldError::new(
            "activity_type",
            pick(en, "请选择活动类型", "choose the kind of activity"),
        ));
    }
    if input.ends_at <= input.starts_at {
        errors.push(FieldError::new(
            "ends_at",
            pick(
                en,
                "结束时间须晚于开始时间",
                "the end must be after the start",
            ),
        ));
    }
    let station = optional(&input.station);
    if let Some(station) = station
        && !state
            .store
            .stations_in(community)
            .await?
            .iter()
            .any(|s| s.id == station)
    {
        errors.push(FieldError::new(
            "station",
            pick(
                en,
                "请选择本社区的驿站",
                "choose one of the community's stations",
            ),
        ));
    }
    let team = optional(&input.team);
    if let Some(team) = team
        && !state
            .store
            .teams_in(community)
            .await?
            .iter()
            .any(|t| t.id == team)
    {
        errors.push(FieldError::new(
            "team",
            pick(
                en,
                "请选择本社区的服务队",
                "choose one of the community's teams",
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    Ok(state
        .store
        .create_activity(
            &NewActivity {
                community_code: community,
                title: input.title.trim(),
                activity_type: &input.activity_type,
                station_id: station,
                team_id: team,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
            },
            by_user(user),
        )
        .await?)
}

/// An activity the caller may see (any account covering its community).
pub async fn activity(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    en: bool,
) -> Result<ActivityRow, AppError> {
    let activity = state.store.activity(id).await?.ok_or(AppError::NotFound)?;
    if !user.actor().covers(&activity.community_code) {
        return Err(forbidden(
            en,
            "该活动不在您的管辖范围内",
            "this activity is outside your area",
        ));
    }
    Ok(activity)
}

async fn managed_activity(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    en: bool,
) -> Result<ActivityRow, AppError> {
    let activity = activity(state, user, id, en).await?;
    require_manage(user, &activity.community_code, en)?;
    Ok(activity)
}

async fn volunteer_of(
    state: &AppState,
    community: &str,
    volunteer: &str,
    field: &str,
    en: bool,
) -> Result<VolunteerRow, Refused> {
    match state.store.volunteer(volunteer).await? {
        Some(v) if v.community_code == community => Ok(v),
        _ => Err(Refused::field(
            field,
            pick(
                en,
                "请选择本社区的志愿者",
                "choose one of the community's volunteers",
            ),
        )),
    }
}

/// Signs a volunteer in to an activity at `at` (not in the future, not after it ended).
pub async fn sign_in(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    volunteer: &str,
    at: i64,
    en: bool,
) -> Result<(), Refused> {
    let activity = managed_activity(state, user, activity_id, en).await?;
    if activity.cancelled {
        return Err(Refused::App(AppError::Conflict(pick(
            en,
            "活动已取消,不能签到",
            "the activity was cancelled: nobody signs in",
        ))));
    }
    let v = volunteer_of(state, &activity.community_code, volunteer, "volunteer", en).await?;
    if at > now_ms() {
        return Err(Refused::field(
            "signed_in_at",
            pick(
                en,
                "签到时间不能晚于现在",
                "the sign-in cannot be in the future",
            ),
        ));
    }
    if at >= activity.ends_at {
        return Err(Refused::field(
            "signed_in_at",
            pick(
                en,
                "签到时间须早于活动结束时间",
                "the sign-in must be before the activity ends",
            ),
        ));
    }
    let signed = state
        .store
        .sign_in(
            &activity.id,
            &v.id,
            By {
                actor: &user.user.id,
                at,
            },
        )
        .await?;
    if signed {
        Ok(())
    } else {
        Err(Refused::field(
            "volunteer",
            pick(
                en,
                format!("{} 已经签到", v.name),
                format!("{} has already signed in", v.name),
            ),
        ))
    }
}

/// What a sign-out did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignOutOutcome {
    pub volunteer_name: String,
    /// Counted minutes within the activity's schedule.
    pub minutes: i64,
    pub points: i64,
}

/// Signs a volunteer out at `at`: the counted time and points follow the core's `award`.
pub async fn sign_out(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    volunteer: &str,
    at: i64,
    en: bool,
) -> Result<SignOutOutcome, Refused> {
    let activity = managed_activity(state, user, activity_id, en).await?;
    let v = volunteer_of(state, &activity.community_code, volunteer, "volunteer", en).await?;
    let field = format!("signed_out_at_{}", v.id);
    let Some(signed) = state.store.sign_in_of(&activity.id, &v.id).await? else {
        return Err(Refused::field(
            &field,
            pick(
                en,
                format!("{} 还没有签到", v.name),
                format!("{} has not signed in", v.name),
            ),
        ));
    };
    if signed.signed_out_at.is_some() {
        return Err(Refused::App(AppError::Conflict(pick(
            en,
            format!("{} 已经签退", v.name),
            format!("{} has already signed out", v.name),
        ))));
    }
    if at > now_ms() {
        return Err(Refused::field(
            &field,
            pick(
                en,
                "签退时间不能晚于现在",
                "the sign-out cannot be in the future",
            ),
        ));
    }
    let core_activity = points::Activity {
        id: activity.id.clone(),
        title: activity.title.clone(),
        activity_type: activity.activity_type.clone(),
        community: activity.community_code.clone(),
        station: activity.station_id.clone(),
        team: activity.team_id.clone(),
        starts_at: activity.starts_at,
        ends_at: activity.ends_at,
        people_served: u32::try_from(activity.people_served).unwrap_or(u32::MAX),
        cancelled: activity.cancelled,
    };
    let sign = points::SignIn {
        volunteer: v.id.clone(),
        activity: activity.id.clone(),
        signed_in_at: signed.signed_in_at,
        signed_out_at: Some(at),
    };
    let (minutes, award) = match points::award(&rules(), &core_activity, &sign) {
        Ok(award) => (award.minutes, Some((award.key, award.points))),
        // Time outside the schedule counts for nothing; the sign-out is still recorded.
        Err(AwardError::NoTimeServed) => (0, None),
        Err(AwardError::SignOutBeforeSignIn) => {
            return Err(Refused::field(
                &field,
                pick(
                    en,
                    "签退时间早于签到时间",
                    "the sign-out is before the sign-in",
                ),
            ));
        }
        Err(other) => {
            return Err(Refused::App(AppError::Conflict(if en {
                other.to_string()
            } else {
                other.zh()
            })));
        }
    };
    let outcome = state
        .store
        .sign_out(
            &activity.id,
            &v.id,
            minutes,
            award.as_ref().map(|(k, p)| (k.as_str(), *p)),
            By {
                actor: &user.user.id,
                at,
            },
        )
        .await?;
    match outcome {
        SignedOut::Done { .. } => Ok(SignOutOutcome {
            volunteer_name: v.name,
            minutes,
            points: award.map(|(_, p)| p).unwrap_or(0),
        }),
        SignedOut::Already => Err(Refused::App(AppError::Conflict(pick(
            en,
            format!("{} 已经签退", v.name),
            format!("{} has already signed out", v.name),
        )))),
        SignedOut::NotSignedIn => Err(Refused::field(
            &field,
            pick(
                en,
                format!("{} 还没有签到", v.name),
                format!("{} has not signed in", v.name),
            ),
        )),
    }
}

pub async fn set_people_served(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    people: &str,
    read: &str,
    en: bool,
) -> Result<(), Refused> {
    let activity = managed_activity(state, user, activity_id, en).await?;
    let Some(n) = parse_count(people).filter(|n| *n <= MAX_QUANTITY * 10) else {
        return Err(Refused::field(
            "people_served",
            pick(
                en,
                "请填写服务人数(0 或正整数)",
                "enter how many people were served (0 or a whole number)",
            ),
        ));
    };
    // The figure the form showed: a save from a page read before someone else's is refused
    // (a form without it, not from the page, saves over whatever is stored).
    let saved = match read.trim().parse::<i64>() {
        Ok(read) => {
            state
                .store
                .set_people_served_if(&activity.id, n, read)
                .await?
        }
        Err(_) => state.store.set_people_served(&activity.id, n).await?,
    };
    if !saved {
        let now = managed_activity(state, user, activity_id, en).await?;
        return Err(Refused::field(
            "people_served",
            if en {
                format!(
                    "Someone changed the people served to {} after you opened this page; your \
                     change was not saved. Check it and submit again.",
                    now.people_served
                )
            } else {
                format!(
                    "服务人次已被他人改为 {}\u{ff08}在您打开此页之后\u{ff09}\u{ff0c}您这次的修改没有保存。请核对后再提交。",
                    now.people_served
                )
            },
        ));
    }
    Ok(())
}

pub async fn cancel_activity(
    state: &AppState,
    user: &CurrentUser,
    activity_id: &str,
    en: bool,
) -> Result<(), AppError> {
    let activity = managed_activity(state, user, activity_id, en).await?;
    if state.store.cancel_activity(&activity.id).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(pick(
            en,
            "已有志愿者签到的活动不能取消",
            "an activity with sign-ins cannot be cancelled",
        )))
    }
}

/// A whole number ≥ 0 as typed (full-width digits allowed).
pub fn parse_count(text: &str) -> Option<i64> {
    let digits: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            other => other,
        })
        .collect();
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The volunteer linked to the caller's account, if any.
pub async fn own_volunteer(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Option<VolunteerRow>, AppError> {
    Ok(state.store.volunteer_of_user(&user.user.id).await?)
}

/// A volunteer the caller may look at: themself, or staff covering their community.
pub async fn volunteer(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    en: bool,
) -> Result<VolunteerRow, AppError> {
    let v = state.store.volunteer(id).await?.ok_or(AppError::NotFound)?;
    if v.user_id.as_deref() == Some(user.user.id.as_str()) || may_oversee(user, &v.community_code) {
        Ok(v)
    } else {
        Err(forbidden(
            en,
            "您不能查看这位志愿者的积分",
            "you may not see this volunteer's points",
        ))
    }
}

pub async fn create_item(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    name: &str,
    cost: &str,
    stock: &str,
    en: bool,
) -> Result<ItemRow, Refused> {
    require_manage(user, community, en)?;
    let mut errors = Vec::new();
    required_name(
        &mut errors,
        "item_name",
        name,
        MAX_TITLE,
        ("商品名称", "The item's name"),
        en,
    );
    let cost = parse_count(cost).filter(|c| (1..=MAX_ADJUST).contains(c));
    if cost.is_none() {
        errors.push(FieldError::new(
            "item_cost",
            pick(
                en,
                format!("兑换所需积分须为 1–{MAX_ADJUST} 的整数"),
                format!("the cost in points is a whole number from 1 to {MAX_ADJUST}"),
            ),
        ));
    }
    let stock = parse_count(stock).filter(|s| *s <= MAX_QUANTITY);
    if stock.is_none() {
        errors.push(FieldError::new(
            "item_stock",
            pick(
                en,
                format!("库存须为 0–{MAX_QUANTITY} 的整数"),
                format!("the stock is a whole number from 0 to {MAX_QUANTITY}"),
            ),
        ));
    }
    let (Some(cost), Some(stock)) = (cost, stock) else {
        return Err(Refused::Fields(errors));
    };
    if !errors.is_empty() {
        return Err(Refused::Fields(errors));
    }
    Ok(state
        .store
        .create_item(community, name.trim(), cost, stock, by_user(user))
        .await?)
}

async fn managed_item(
    state: &AppState,
    user: &CurrentUser,
    item: &str,
    en: bool,
) -> Result<ItemRow, AppError> {
    let item = state.store.item(item).await?.ok_or(AppError::NotFound)?;
    require_manage(user, &item.community_code, en)?;
    Ok(item)
}

pub async fn restock(
    state: &AppState,
    user: &CurrentUser,
    item: &str,
    quantity: &str,
    en: bool,
) -> Result<ItemRow, Refused> {
    let item = managed_item(state, user, item, en).await?;
    let Some(quantity) = parse_count(quantity).filter(|q| (1..=MAX_QUANTITY).contains(q)) else {
        return Err(Refused::field(
            &format!("restock_{}", item.id),
            pick(
                en,
                format!("补货数量须为 1–{MAX_QUANTITY} 的整数"),
                format!("the quantity is a whole number from 1 to {MAX_QUANTITY}"),
            ),
        ));
    };
    state
        .store
        .restock(&item.id, quantity, by_user(user))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(item)
}

pub async fn set_item_active(
    state: &AppState,
    user: &CurrentUser,
    item: &str,
    active: bool,
    en: bool,
) -> Result<(), AppError> {
    let item = managed_item(state, user, item, en).await?;
    state.store.set_item_active(&item.id, active).await?;
    Ok(())
}

/// A request key as clients send it: 8–64 letters, digits, `-` or `_`.
pub fn request_key_ok(key: &str) -> bool {
    (8..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new request key for a redemption form.
pub fn new_request_key() -> String {
    xingfu_store::new_id()
}

/// A refused redemption in words, naming the item.
pub fn refusal_text(refusal: &LedgerRefusal, item_name: &str, en: bool) -> String {
    match refusal {
        LedgerRefusal::NotEnoughStock { stock, wanted, .. } => pick(
            en,
            format!("“{item_name}”库存不足:剩余 {stock} 件,您要兑换 {wanted} 件。"),
            format!("Not enough “{item_name}” in stock: {stock} left, {wanted} asked for."),
        ),
        LedgerRefusal::NotEnoughPoints { balance, cost } => pick(
            en,
            format!("积分不足:兑换需要 {cost} 分,现有 {balance} 分。"),
            format!("Not enough points: this costs {cost}, the balance is {balance}."),
        ),
        LedgerRefusal::ItemInactive(_) => pick(
            en,
            format!("“{item_name}”暂不可兑换。"),
            format!("“{item_name}” cannot be exchanged at the moment."),
        ),
        other if en => other.to_string(),
        other => other.zh(),
    }
}

/// What a redemption did.
#[derive(Debug, Clone, Serialize)]
pub struct Redeemed {
    pub key: String,
    pub volunteer_id: String,
    pub item_name: String,
    pub quantity: i64,
    pub points: i64,
    pub balance: i64,
    /// True when this request had been applied before (a retry): nothing was taken twice.
    pub repeated: bool,
}

/// Exchanges points for an item. A resident redeems for their own volunteer record; a
/// community worker for a volunteer of their community (at the station's counter). The same
/// `request_key` is applied once, however often it is sent.
pub async fn redeem(
    state: &AppState,
    user: &CurrentUser,
    volunteer: Option<&str>,
    item: &str,
    quantity: &str,
    request_key: &str,
    en: bool,
) -> Result<Redeemed, Refused> {
    let item = state.store.item(item).await?.ok_or(AppError::NotFound)?;
    let v = match user.role {
        Role::Resident => {
            let own = own_volunteer(state, user).await?.ok_or_else(|| {
                forbidden(
                    en,
                    "您的账号还没有登记为志愿者,请到社区志愿者驿站登记",
                    "your account is not registered as a volunteer: register at the community's station",
                )
            })?;
            if volunteer.is_some_and(|id| !id.is_empty() && id != own.id) {
                return Err(forbidden(
                    en,
                    "只能用自己的积分兑换",
                    "you can only spend your own points",
                )
                .into());
            }
            own
        }
        _ => {
            require_manage(user, &item.community_code, en)?;
            // The volunteer list of this item's form.
            let field = format!("volunteer-{}", item.id);
            let Some(id) = volunteer.filter(|id| !id.is_empty()) else {
                return Err(Refused::field(
                    &field,
                    pick(
                        en,
                        "请选择兑换的志愿者",
                        "choose the volunteer who is exchanging",
                    ),
                ));
            };
            volunteer_of(state, &item.community_code, id, &field, en).await?
        }
    };
    let field = format!("quantity_{}", item.id);
    let Some(quantity) = parse_count(quantity)
        .filter(|q| (1..=MAX_QUANTITY).contains(q))
        .and_then(|q| u32::try_from(q).ok())
    else {
        return Err(Refused::field(
            &field,
            pick(
                en,
                "兑换数量须为正整数",
                "the quantity is a whole number of 1 or more",
            ),
        ));
    };
    if !request_key_ok(request_key) {
        return Err(Refused::App(AppError::BadRequest(pick(
            en,
            "请求编号无效,请刷新页面后重试",
            "the request key is not valid: reload the page and try again",
        ))));
    }
    let key = format!("redeem:{}:{request_key}", v.id);
    let applied = state
        .store
        .redeem(&key, &v.id, &item.id, quantity, by_user(user))
        .await;
    let applied = match applied {
        Ok(applied) => applied,
        Err(PointsError::Refused(refusal)) => {
            return Err(Refused::field(
                &field,
                refusal_text(&refusal, &item.name, en),
            ));
        }
        Err(PointsError::OtherCommunity) => {
            return Err(forbidden(
                en,
                "只能在本社区的爱心商城兑换",
                "points are exchanged at one's own community's mall",
            )
            .into());
        }
        Err(PointsError::KeyReused(_)) => {
            return Err(Refused::App(AppError::Conflict(pick(
                en,
                "该兑换请求已用于另一次兑换,请刷新页面后重试",
                "this request key was used for another exchange: reload the page and try again",
            ))));
        }
        Err(PointsError::PriceChanged) => {
            return Err(Refused::App(AppError::Conflict(pick(
                en,
                "商品所需积分刚刚有变化,请刷新页面后重试",
                "the item's cost has just changed: reload the page and try again",
            ))));
        }
        Err(PointsError::UnknownVolunteer(_)) => return Err(AppError::NotFound.into()),
        Err(PointsError::Store(e)) => return Err(e.into()),
    };
    let balance = state.store.balance(&v.id).await?.unwrap_or(0);
    let row = applied.row();
    Ok(Redeemed {
        key: row.key.clone(),
        volunteer_id: v.id,
        item_name: item.name,
        quantity: row.quantity.unwrap_or(0),
        points: row.points,
        balance,
        repeated: matches!(applied, Applied::Before(_)),
    })
}

/// Cancels a redemption: points and stock come back, once.
pub async fn refund(
    state: &AppState,
    user: &CurrentUser,
    volunteer: &str,
    redemption_key: &str,
    en: bool,
) -> Result<(), AppError> {
    let v = volunteer_for_staff(state, user, volunteer, en).await?;
    let entry = state
        .store
        .ledger_entry(redemption_key)
        .await?
        .filter(|e| e.volunteer_id == v.id && e.kind == "redeem")
        .ok_or(AppError::NotFound)?;
    match state.store.refund(&entry.key, by_user(user)).await {
        Ok(_) => Ok(()),
        Err(PointsError::Refused(refusal)) => Err(AppError::Conflict(if en {
            refusal.to_string()
        } else {
            refusal.zh()
        })),
        Err(PointsError::Store(e)) => Err(e.into()),
        Err(other) => Err(AppError::Internal(anyhow::anyhow!("{other}"))),
    }
}

async fn volunteer_for_staff(
    state: &AppState,
    user: &CurrentUser,
    volunteer: &str,
    en: bool,
) -> Result<VolunteerRow, AppError> {
    let v = state
        .store
        .volunteer(volunteer)
        .await?
        .ok_or(AppError::NotFound)?;
    require_manage(user, &v.community_code, en)?;
    Ok(v)
}

/// A staff correction of a volunteer's points, with the reason. `request_key` makes a retried
/// form apply once.
pub async fn adjust(
    state: &AppState,
    user: &CurrentUser,
    volunteer: &str,
    delta: &str,
    reason: &str,
    request_key: &str,
    en: bool,
) -> Result<(), Refused> {
    let v = volunteer_for_staff(state, user, volunteer, en).await?;
    let mut errors = Vec::new();
    let text = delta.trim();
    let (negative, digits) = match text.strip_prefix(['-', '－']) {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let delta = parse_count(digits)
        .filter(|n| (1..=MAX_ADJUST).contains(n))
        .map(|n| if negative { -n } else { n });
    if delta.is_none() {
        errors.push(FieldError::new(
            "delta",
            pick(
                en,
                format!("请填写增加或扣减的积分,例如 20 或 -20(1–{MAX_ADJUST})"),
                format!("enter the points to add or take away, e.g. 20 or -20 (1 to {MAX_ADJUST})"),
            ),
        ));
    }
    required_name(
        &mut errors,
        "reason",
        reason,
        MAX_NOTE,
        ("调整理由", "The reason"),
        en,
    );
    if !request_key_ok(request_key) {
        return Err(Refused::App(AppError::BadRequest(pick(
            en,
            "请求编号无效,请刷新页面后重试",
            "the request key is not valid: reload the page and try again",
        ))));
    }
    let Some(delta) = delta.filter(|_| errors.is_empty()) else {
        return Err(Refused::Fields(errors));
    };
    let key = format!("adjust:{}:{request_key}", v.id);
    match state
        .store
        .adjust_points(&key, &v.id, delta, reason.trim(), by_user(user))
        .await
    {
        Ok(_) => Ok(()),
        Err(PointsError::Refused(refusal)) => Err(Refused::field(
            "delta",
            if en {
                refusal.to_string()
            } else {
                refusal.zh()
            },
        )),
        Err(PointsError::Store(e)) => Err(e.into()),
        Err(other) => Err(Refused::App(AppError::Internal(anyhow::anyhow!("{other}")))),
    }
}

/// The figures visits and volunteering feed into ratings, for one community and the period
/// [from_ms, to_ms): `visits.count`, `activities.count`, `volunteers.hours` and
/// `people_served.count` (see `ops::metrics` for their definitions).
pub async fn people_metrics(
    state: &AppState,
    community_code: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(&'static str, Dec2)>, AppError> {
    let period = Period::new(from_ms, to_ms).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let visit_times = state
        .store
        .visit_times(community_code, from_ms, to_ms)
        .await?;
    let activities: Vec<ActivityFact> = state
        .store
        .activity_figures(community_code, from_ms, to_ms)
        .await?
        .into_iter()
        .map(|a| ActivityFact {
            starts_at: a.starts_at,
            cancelled: a.cancelled,
            people_served: u32::try_from(a.people_served).unwrap_or(u32::MAX),
            volunteer_minutes: a.volunteer_minutes,
        })
        .collect();
    Ok(metrics::compute(period, &[], &visit_times, &activities)
        .into_iter()
        .filter(|(key, _)| METRIC_KEYS.contains(key))
        .collect())
}

/// A metric's name for people.
pub fn metric_label(key: &str, en: bool) -> &'static str {
    match key {
        metrics::VISITS_COUNT => {
            if en {
                "Home visits made"
            } else {
                "入户走访次数"
            }
        }
        metrics::ACTIVITIES_COUNT => {
            if en {
                "Volunteer activities held"
            } else {
                "开展志愿服务活动次数"
            }
        }
        metrics::VOLUNTEERS_HOURS => {
            if en {
                "Volunteer hours"
            } else {
                "志愿服务时长(小时)"
            }
        }
        metrics::PEOPLE_SERVED_COUNT => {
            if en {
                "People served"
            } else {
                "服务群众人次"
            }
        }
        _ => "",
    }
}

// ---------------------------------------------------------------------------------------------
// Times as people type and read them: China Standard Time (UTC+8), whatever the server's zone.

/// A date `YYYY-MM-DD` as the start of that day in China, in Unix milliseconds (the shared,
/// range-checked parser of [`xingfu_core::dates`]).
pub fn parse_day(text: &str) -> Option<i64> {
    xingfu_core::dates::parse_day(text)
        .ok()
        .map(xingfu_core::dates::Moment::unix_ms)
}

/// A date and time `YYYY-MM-DD HH:MM` (or the `T` of `<input type=datetime-local>`) in China, in
/// Unix milliseconds (the shared, range-checked parser of [`xingfu_core::dates`]).
pub fn parse_local(text: &str) -> Option<i64> {
    xingfu_core::dates::parse_local(text)
        .ok()
        .map(xingfu_core::dates::Moment::unix_ms)
}

pub use xingfu_core::dates::local_text;

/// Unix milliseconds as the value of an `<input type=datetime-local>`.
pub fn input_value(ms: i64) -> String {
    local_text(ms).replacen(' ', "T", 1)
}

/// Unix milliseconds as `YYYY-MM-DD` in China.
pub fn day_text(ms: i64) -> String {
    local_text(ms)[..10].to_string()
}

/// Minutes as hours with two decimals, rounded half up (as `ops::metrics` rounds hours).
pub fn hours_text(minutes: i64) -> String {
    let hundredths = (i128::from(minutes) * 100 * 2 + 60).div_euclid(120);
    Dec2(i64::try_from(hundredths).unwrap_or(i64::MAX)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_and_written_in_china_standard_time() {
        // 2024-05-01 08:00 in China is 00:00 UTC.
        let t = parse_local("2024-05-01T08:00").unwrap();
        assert_eq!(t, 1_714_521_600_000);
        assert_eq!(parse_local("2024-05-01 08:00"), Some(t));
        assert_eq!(parse_local("2024-05-01T08:00:59"), Some(t));
        assert_eq!(local_text(t), "2024-05-01 08:00");
        assert_eq!(input_value(t + 59_999), "2024-05-01T08:00");
        assert_eq!(parse_day("2024-05-01"), Some(t - 8 * 3_600_000));
        assert_eq!(day_text(t - 8 * 3_600_000), "2024-05-01");
        assert_eq!(day_text(t - 8 * 3_600_000 - 1), "2024-04-30");
        assert_eq!(
            parse_local("2024-02-29 23:59").map(local_text).as_deref(),
            Some("2024-02-29 23:59")
        );
        for bad in [
            "2023-02-29 10:00",
            "2024-05-01 24:00",
            "2024-05-01 10:60",
            "2024-05-01",
            "明天",
            "2024-13-01 10:00",
            "1999-01-01 10:00",
        ] {
            assert_eq!(parse_local(bad), None, "{bad}");
        }
    }

    #[test]
    fn counts_phones_and_keys() {
        assert_eq!(parse_count("12"), Some(12));
        assert_eq!(parse_count("０"), Some(0));
        assert_eq!(parse_count("１２"), Some(12));
        assert_eq!(parse_count("-1"), None);
        assert_eq!(parse_count("1.5"), None);
        assert_eq!(parse_count(""), None);
        assert!(phone_ok("0577-88888888"));
        assert!(phone_ok("+86 138 0000 0000"));
        assert!(!phone_ok("1234"));
        assert!(!phone_ok("138x0000000"));
        assert!(!phone_ok("86+1380000000"));
        assert!(request_key_ok("abcdefgh"));
        assert!(!request_key_ok("abcdefg"));
        assert!(!request_key_ok(&"a".repeat(65)));
        assert!(!request_key_ok("abc defgh"));
        assert!(request_key_ok(&new_request_key()));
    }

    #[test]
    fn hours_round_half_up_like_the_metrics() {
        assert_eq!(hours_text(60), "1");
        assert_eq!(hours_text(331), "5.52");
        // 0.3 minutes is not possible; 1 minute = 0.01666… h → 0.02.
        assert_eq!(hours_text(1), "0.02");
        assert_eq!(hours_text(0), "0");
    }

    #[test]
    fn purposes_round_trip_through_their_keys() {
        for p in PURPOSES {
            assert_eq!(parse_purpose(&purpose_key(p)), Some(p));
        }
        assert_eq!(purpose_key(VisitPurpose::CareVisit), "care_visit");
        assert_eq!(purpose_label("care_visit", false), "关爱探访");
        assert_eq!(parse_purpose("nope"), None);
    }
}
