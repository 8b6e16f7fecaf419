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

mod activities;
mod appointments;
mod checks;
mod dates;
pub mod demo;
mod figures;
mod households;
mod identity;
mod mall;
mod points;
pub mod todo;
mod visits;
mod volunteers;

// One path for callers (`crate::people::service::…`), whichever file holds the item.
pub use activities::*;
pub use appointments::*;
pub use checks::*;
pub use dates::*;
pub use figures::*;
pub use households::*;
pub use identity::*;
pub use mall::*;
pub use points::*;
pub use visits::*;
pub use volunteers::*;
