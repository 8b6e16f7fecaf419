//! Special-attention lists, households and their records, and the access log: every view of
//! names writes an access-log row, read by district and city staff.

use serde::Serialize;
use xingfu_core::ops::OpsRole;
use xingfu_core::ops::visits::{self, AttentionCategory, AttentionEntry, Place, Visibility};
use xingfu_store::visits::{
    AccessFilter, AccessRow, AttentionRow, HouseholdRow, NewAccess, NewHousehold, OpenFollowUp,
    VisitRow,
};

use super::checks::{
    FieldError, MAX_ADDRESS, MAX_NAME, MAX_NOTE, MAX_SCOPE, Refused, check_length, check_phone,
    forbidden, optional, required_name,
};
use super::identity::OpsIdentity;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

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

pub(super) async fn log(
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
    lang: Lang,
) -> Result<Vec<AttentionRow>, AppError> {
    if !visits::may_see_list(&who.actor(), category) {
        return Err(forbidden(
            lang,
            "您没有查看该名单的权限",
            "you may not see this list",
        ));
    }
    if !who.sees_names() {
        return Err(forbidden(
            lang,
            "您只能查看各名单的人数，不能查看名单",
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

/// A household the caller may open (not logged: the address only, no record).
pub async fn household_for(
    state: &AppState,
    who: &OpsIdentity,
    id: &str,
    lang: Lang,
) -> Result<HouseholdRow, AppError> {
    let household = state.store.household(id).await?.ok_or(AppError::NotFound)?;
    if !may_see_household(who, &household) {
        return Err(forbidden(
            lang,
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
    lang: Lang,
) -> Result<HouseholdRecord, AppError> {
    let household = household_for(state, who, id, lang).await?;
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

/// Refuses a caller who keeps no households.
pub fn require_keeps_households(who: &OpsIdentity, lang: Lang) -> Result<(), AppError> {
    if who.keeps_households() {
        Ok(())
    } else {
        Err(forbidden(
            lang,
            "只有网格员和社区工作者可以登记住户",
            "only grid members and community workers register households",
        ))
    }
}

/// Registers a household: community staff anywhere in their community, a grid member in one
/// of their own grids.
pub async fn create_household(
    state: &AppState,
    who: &OpsIdentity,
    input: &HouseholdInput,
    lang: Lang,
) -> Result<HouseholdRow, Refused> {
    require_keeps_households(who, lang)?;
    let mut errors = Vec::new();
    required_name(
        &mut errors,
        "address",
        &input.address,
        MAX_ADDRESS,
        ("门牌地址", "The address"),
        lang,
    );
    let optional_fields = [
        (
            "contact_name",
            &input.contact_name,
            MAX_NAME,
            ("称呼", "The name"),
        ),
        ("grid", &input.grid, MAX_SCOPE, ("网格", "The grid")),
        (
            "building",
            &input.building,
            MAX_SCOPE,
            ("楼栋", "The building"),
        ),
    ];
    for (field, text, max, label) in optional_fields {
        check_length(&mut errors, field, text, max, label, lang);
    }
    check_phone(&mut errors, "phone", &input.phone, lang);
    let grid = optional(&input.grid);
    if who.role == OpsRole::GridMember && !grid.is_some_and(|g| who.grids.iter().any(|m| m == g)) {
        errors.push(FieldError::new(
            "grid",
            lang.text(
                format!("请填写您负责的网格：{}", who.grids.join("、")),
                format!("enter one of your grids: {}", who.grids.join(", ")),
            ),
        ));
    }
    Refused::unless_none(errors)?;
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
            who.by_now(),
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
    lang: Lang,
) -> Result<String, Refused> {
    let household = household_for(state, who, household_id, lang).await?;
    let mut errors = Vec::new();
    if person.trim().is_empty() {
        errors.push(FieldError::new(
            "person",
            lang.text(
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
        lang,
    );
    check_length(
        &mut errors,
        "note",
        note,
        MAX_NOTE,
        ("说明", "The note"),
        lang,
    );
    let Some(category) = AttentionCategory::parse(category.trim()) else {
        errors.push(FieldError::new(
            "category",
            lang.text("请选择名单类别", "choose the list"),
        ));
        return Err(Refused::Fields(errors));
    };
    Refused::unless_none(errors)?;
    let id = state
        .store
        .add_attention(
            &household,
            person.trim(),
            category.key(),
            optional(note),
            who.by_now(),
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
    lang: Lang,
) -> Result<(), AppError> {
    household_for(state, who, household_id, lang).await?;
    let entry = state
        .store
        .attention_entry(entry_id)
        .await?
        .filter(|e| e.household_id == household_id)
        .ok_or(AppError::NotFound)?;
    state
        .store
        .remove_attention(&entry.id, who.by_now())
        .await?;
    Ok(())
}

/// Access-log rows for district or city staff, within their area.
pub async fn access_log(
    state: &AppState,
    who: &OpsIdentity,
    community: Option<&str>,
    actor_name: Option<&str>,
    subject: Option<&str>,
    before: Option<(i64, &str)>,
    lang: Lang,
) -> Result<Vec<AccessRow>, AppError> {
    if !who.reads_access_log() {
        return Err(forbidden(
            lang,
            "只有区级和市级工作人员可以查阅访问记录",
            "only district and city staff read the access log",
        ));
    }
    if let Some(code) = community
        && !who.actor().covers(code)
    {
        return Err(forbidden(
            lang,
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
