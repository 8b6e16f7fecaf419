//! Who someone is in operations, and the rules events are handled by.
//!
//! Accounts map onto operations roles as the core says, with assignments on top: a `resident`
//! account that serves a grid acts as a grid member (兼职网格员) there, one that heads a
//! building as a 楼栋长; a `community_worker` account acts community-wide whether or not it is
//! also listed as a grid member (the grid list then only marks "my grids"). The categories and
//! time limits are the core's [`EventRules::baseline`].

use std::sync::OnceLock;

use xingfu_core::ops::events::{Event, EventRefusal, EventRules, ReportError};
use xingfu_core::ops::{Actor, OpsRole};
use xingfu_core::workflow::Role;
use xingfu_store::Store;
use xingfu_store::accounts::UserRow;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::i18n::Lang;

/// The rules events are handled by.
pub fn rules() -> &'static EventRules {
    static RULES: OnceLock<EventRules> = OnceLock::new();
    RULES.get_or_init(EventRules::baseline)
}

/// Someone acting in operations, owning what the core's [`Actor`] borrows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpsPerson {
    pub username: String,
    pub display_name: String,
    pub role: OpsRole,
    /// The region the account covers (a community for community roles).
    pub region: String,
    /// Grids served, in the account's community.
    pub grids: Vec<String>,
    /// Buildings headed, as "grid/building".
    pub buildings: Vec<String>,
}

impl OpsPerson {
    pub fn actor(&self) -> Actor<'_> {
        Actor::new(&self.username, self.role, &self.region)
            .with_grids(&self.grids)
            .with_buildings(&self.buildings)
    }

    /// Staff see every event in their area; residents (building heads included) their own.
    pub fn is_staff(&self) -> bool {
        !matches!(self.role, OpsRole::Resident | OpsRole::BuildingHead)
    }

    /// May this person see `event`?
    pub fn may_see(&self, event: &Event) -> bool {
        event.reporter.as_deref() == Some(self.username.as_str())
            || (self.is_staff() && self.actor().covers(&event.community))
    }
}

/// The operations person of an account, with its grid and building assignments; `None` for
/// roles outside operations (assessors).
pub async fn ops_person_of(
    store: &Store,
    user: &UserRow,
    role: Role,
) -> Result<Option<OpsPerson>, AppError> {
    let Some(mut ops_role) = OpsRole::from_account(role) else {
        return Ok(None);
    };
    let mut grids = Vec::new();
    let mut buildings = Vec::new();
    if matches!(ops_role, OpsRole::Resident | OpsRole::CommunityWorker) {
        for a in store.assignments(&user.username).await? {
            if a.community_code != user.region_code {
                continue;
            }
            match a.building_id {
                Some(building) => buildings.push(format!("{}/{building}", a.grid_id)),
                None => grids.push(a.grid_id),
            }
        }
        if ops_role == OpsRole::Resident {
            if !grids.is_empty() {
                ops_role = OpsRole::GridMember;
            } else if !buildings.is_empty() {
                ops_role = OpsRole::BuildingHead;
            }
        }
    }
    Ok(Some(OpsPerson {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: ops_role,
        region: user.region_code.clone(),
        grids,
        buildings,
    }))
}

pub async fn ops_person(store: &Store, user: &CurrentUser) -> Result<Option<OpsPerson>, AppError> {
    ops_person_of(store, &user.user, user.role).await
}

/// A refusal in the caller's language.
pub fn refusal_text(refusal: &EventRefusal, lang: Lang) -> String {
    if lang.is_en() {
        refusal.en()
    } else {
        refusal.zh()
    }
}

pub fn report_error_text(error: &ReportError, lang: Lang) -> String {
    if lang.is_en() {
        error.to_string()
    } else {
        error.zh()
    }
}
