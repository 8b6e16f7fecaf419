//! Volunteers (志愿者), teams (服务队), stations (志愿者驿站), activities with sign-in and
//! hours, points, and the love mall (爱心商城) where points are exchanged for goods, as the
//! Baoji seed describes (志愿者爱心商城兑换).
//!
//! Points rules are data ([`PointsRules`]); the seeds give no figures, so the baseline is ours:
//! 10 points per hour served, times a multiplier by activity type — 1.5 for care of the
//! Weihai plan's service targets (低保对象、空巢老人、“三留守”人员、残疾人), 2 for emergencies,
//! 1 otherwise. Counted time is the overlap of the volunteer's sign-in/sign-out with the
//! activity's scheduled time, in whole minutes; points are rounded down to whole points.
//!
//! The ledger holds whole points. Every entry carries a unique key (an idempotency key): an
//! award is keyed by activity and volunteer, a redemption by the request, so a retried or
//! concurrent request is applied at most once. A balance never goes negative and stock never
//! below zero: [`check_redemption`] is the rule, [`PointsBook`] the reference model (storage
//! applies it as conditional updates, `... WHERE balance >= cost` and `... WHERE stock >= qty`,
//! in one transaction with the keyed ledger insert), and [`verify`] replays a stored ledger.

use serde::{Deserialize, Serialize};

mod award;
mod ledger;

pub use award::{
    ActivityType, Award, AwardError, PointsRules, RulesError, award, counted_minutes, points_for,
};
pub use ledger::{
    EntryKind, LedgerEntry, LedgerFault, LedgerRefusal, MallItem, Operation, PointsBook, balance,
    check_redemption, verify,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volunteer {
    pub id: String,
    pub name: String,
    pub community: String,
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub station: Option<String>,
}

/// 志愿者驿站 / 党群服务站(点).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Station {
    pub id: String,
    pub name: String,
    pub community: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub title: String,
    /// Key of an [`ActivityType`].
    pub activity_type: String,
    pub community: String,
    pub station: Option<String>,
    pub team: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Residents served, as recorded by the organiser.
    pub people_served: u32,
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub volunteer: String,
    pub activity: String,
    pub signed_in_at: i64,
    pub signed_out_at: Option<i64>,
}
