//! Smart-community operations (the Baoji Weibin "online grid"): grids and their members,
//! 随手拍 event reports handled in a closed loop across the community → street → district
//! platform, home visits (入户走访), volunteers and the love mall (爱心商城), and the figures
//! these operations feed into ratings. Pure rules only; storage and HTTP carry them out.
//!
//! - [`coords`]: WGS-84 ↔ GCJ-02 ↔ BD-09; everything is stored in WGS-84;
//! - [`grid`]: grid polygons, routing a point to its grid, distances;
//! - [`events`]: the event state machine, categories with time limits, the step record;
//! - [`sla`]: the deadline sweep that escalates overdue events and closes unconfirmed ones;
//! - [`dedupe`]: duplicate suggestions by category, distance and time;
//! - [`visits`]: home visits and who may see which special-attention list;
//! - [`points`]: volunteer hours → points, the ledger and love-mall redemptions;
//! - [`open311`]: the GeoReport v2 view of events;
//! - [`metrics`]: operations → metric values for a period.

pub mod coords;
pub mod dedupe;
pub mod events;
pub mod grid;
pub mod metrics;
pub mod open311;
pub mod points;
pub mod sla;
pub mod visits;

use serde::{Deserialize, Serialize};

use crate::region;
use crate::workflow::Role;

/// The three levels of the event platform (社区—街道—区三级平台).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Community,
    Street,
    District,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Community, Level::Street, Level::District];

    pub fn key(self) -> &'static str {
        match self {
            Level::Community => "community",
            Level::Street => "street",
            Level::District => "district",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text.trim() {
            "community" | "社区" => Some(Level::Community),
            "street" | "街道" => Some(Level::Street),
            "district" | "区" | "区级" => Some(Level::District),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Level::Community => "社区",
            Level::Street => "街道",
            Level::District => "区",
        }
    }

    pub fn en(self) -> &'static str {
        self.key()
    }

    /// The level an overdue or escalated event goes to; none above the district.
    pub fn up(self) -> Option<Level> {
        match self {
            Level::Community => Some(Level::Street),
            Level::Street => Some(Level::District),
            Level::District => None,
        }
    }

    pub fn down(self) -> Option<Level> {
        match self {
            Level::Community => None,
            Level::Street => Some(Level::Community),
            Level::District => Some(Level::Street),
        }
    }
}

/// Who someone is in operations. Account roles map onto these ([`OpsRole::from_account`]);
/// grid members and building heads are assignments on top of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpsRole {
    Resident,
    /// 楼栋长: a resident looking after one or more buildings.
    BuildingHead,
    /// 网格员 (full- or part-time), serving the grids in [`Actor::grids`].
    GridMember,
    CommunityWorker,
    StreetAdmin,
    DistrictAdmin,
    /// Above the three-level platform: sees, does not handle events.
    CityAdmin,
    /// The deadline sweep.
    System,
}

impl OpsRole {
    pub const ALL: [OpsRole; 8] = [
        OpsRole::Resident,
        OpsRole::BuildingHead,
        OpsRole::GridMember,
        OpsRole::CommunityWorker,
        OpsRole::StreetAdmin,
        OpsRole::DistrictAdmin,
        OpsRole::CityAdmin,
        OpsRole::System,
    ];

    pub fn key(self) -> &'static str {
        match self {
            OpsRole::Resident => "resident",
            OpsRole::BuildingHead => "building_head",
            OpsRole::GridMember => "grid_member",
            OpsRole::CommunityWorker => "community_worker",
            OpsRole::StreetAdmin => "street_admin",
            OpsRole::DistrictAdmin => "district_admin",
            OpsRole::CityAdmin => "city_admin",
            OpsRole::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<OpsRole> {
        OpsRole::ALL.into_iter().find(|r| r.key() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            OpsRole::Resident => "居民",
            OpsRole::BuildingHead => "楼栋长",
            OpsRole::GridMember => "网格员",
            OpsRole::CommunityWorker => "社区工作者",
            OpsRole::StreetAdmin => "街道管理员",
            OpsRole::DistrictAdmin => "区级管理员",
            OpsRole::CityAdmin => "市级管理员",
            OpsRole::System => "系统",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            OpsRole::Resident => "resident",
            OpsRole::BuildingHead => "building head",
            OpsRole::GridMember => "grid member",
            OpsRole::CommunityWorker => "community worker",
            OpsRole::StreetAdmin => "street administrator",
            OpsRole::DistrictAdmin => "district administrator",
            OpsRole::CityAdmin => "city administrator",
            OpsRole::System => "system",
        }
    }

    /// The platform level at which this role handles events, if it handles any.
    pub fn handling_level(self) -> Option<Level> {
        match self {
            OpsRole::GridMember | OpsRole::CommunityWorker => Some(Level::Community),
            OpsRole::StreetAdmin => Some(Level::Street),
            OpsRole::DistrictAdmin => Some(Level::District),
            _ => None,
        }
    }

    /// The division level of the region the role's [`Actor::region`] names.
    pub fn region_level(self) -> &'static str {
        match self {
            OpsRole::StreetAdmin => "street",
            OpsRole::DistrictAdmin => "district",
            OpsRole::CityAdmin => "city",
            _ => "community",
        }
    }

    /// The operations role of an account; assessors have none. Grid members and building heads
    /// are community-worker and resident accounts with grid or building assignments.
    pub fn from_account(role: Role) -> Option<OpsRole> {
        match role {
            Role::CityAdmin => Some(OpsRole::CityAdmin),
            Role::DistrictAdmin => Some(OpsRole::DistrictAdmin),
            Role::StreetAdmin => Some(OpsRole::StreetAdmin),
            Role::CommunityWorker => Some(OpsRole::CommunityWorker),
            Role::Resident => Some(OpsRole::Resident),
            Role::Assessor => None,
        }
    }
}

/// Someone acting in operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    /// The account id; `"system"` for the sweep.
    pub person: &'a str,
    pub role: OpsRole,
    /// 12-digit code of the region the role covers (a community for grid members).
    pub region: &'a str,
    /// Grids a grid member serves.
    pub grids: &'a [String],
    /// Buildings a building head looks after.
    pub buildings: &'a [String],
}

impl Actor<'static> {
    pub const fn system() -> Actor<'static> {
        Actor {
            person: "system",
            role: OpsRole::System,
            region: "",
            grids: &[],
            buildings: &[],
        }
    }
}

impl<'a> Actor<'a> {
    pub fn new(person: &'a str, role: OpsRole, region: &'a str) -> Actor<'a> {
        Actor {
            person,
            role,
            region,
            grids: &[],
            buildings: &[],
        }
    }

    pub fn with_grids(self, grids: &'a [String]) -> Actor<'a> {
        Actor { grids, ..self }
    }

    pub fn with_buildings(self, buildings: &'a [String]) -> Actor<'a> {
        Actor { buildings, ..self }
    }

    /// True when `community` lies in this actor's region; the system covers everything.
    pub fn covers(&self, community: &str) -> bool {
        if self.role == OpsRole::System {
            return true;
        }
        region::is_division_code(self.region)
            && region::within(community, self.region, self.role.region_level())
    }

    pub fn serves_grid(&self, grid: &str) -> bool {
        self.grids.iter().any(|g| g == grid)
    }

    pub fn looks_after(&self, building: &str) -> bool {
        self.buildings.iter().any(|b| b == building)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_step_up_to_the_district_and_down_to_the_community() {
        assert_eq!(Level::Community.up(), Some(Level::Street));
        assert_eq!(Level::Street.up(), Some(Level::District));
        assert_eq!(Level::District.up(), None);
        assert_eq!(Level::District.down(), Some(Level::Street));
        assert_eq!(Level::Community.down(), None);
        for level in Level::ALL {
            assert_eq!(Level::parse(level.key()), Some(level));
            assert_eq!(Level::parse(level.zh()), Some(level));
        }
        assert!(Level::Community < Level::Street && Level::Street < Level::District);
    }

    #[test]
    fn roles_round_trip_and_map_from_accounts() {
        for role in OpsRole::ALL {
            assert_eq!(OpsRole::parse(role.key()), Some(role));
        }
        assert_eq!(OpsRole::from_account(Role::Assessor), None);
        assert_eq!(
            OpsRole::from_account(Role::StreetAdmin),
            Some(OpsRole::StreetAdmin)
        );
    }

    #[test]
    fn an_actor_covers_only_its_own_region() {
        // 渭滨区 610302; a street and a community inside it (codes shaped like the registry's).
        let street = Actor::new("s1", OpsRole::StreetAdmin, "610302001000");
        assert!(street.covers("610302001003"));
        assert!(!street.covers("610302002003"));
        let district = Actor::new("d1", OpsRole::DistrictAdmin, "610302000000");
        assert!(district.covers("610302002003"));
        assert!(!district.covers("610303001001"));
        let worker = Actor::new("w1", OpsRole::CommunityWorker, "610302001003");
        assert!(worker.covers("610302001003"));
        assert!(!worker.covers("610302001004"));
        let broken = Actor::new("x", OpsRole::CommunityWorker, "6103");
        assert!(!broken.covers("610302001003"));
        assert!(Actor::system().covers("610302001003"));
    }
}
