//! Who the caller is in operations: their account's role, raised to grid member or building head
//! by assignments in their own community.

use xingfu_core::ops::{Actor, OpsRole};
use xingfu_core::region;
use xingfu_core::workflow::Role;
use xingfu_store::rounds::By;

use super::checks::forbidden;
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

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

    /// A write by the caller, now.
    pub fn by_now(&self) -> By<'_> {
        By {
            actor: &self.user_id,
            at: now_ms(),
        }
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

    pub fn role_label(&self, lang: Lang) -> &'static str {
        lang.pick(self.role.zh(), self.role.en())
    }
}

/// Works out the caller's operations role from their account and assignments.
pub async fn identity(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
) -> Result<OpsIdentity, AppError> {
    let Some(base) = OpsRole::from_account(user.role) else {
        return Err(forbidden(
            lang,
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
