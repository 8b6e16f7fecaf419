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

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::decimal::Dec2;

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityType {
    pub key: String,
    pub zh: String,
    pub en: String,
    /// Applied to hours × points per hour; 1.00 is plain.
    pub multiplier: Dec2,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsRules {
    pub points_per_hour: i64,
    pub types: Vec<ActivityType>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("points per hour must be positive")]
    NonPositiveRate,
    #[error("activity type {0} is listed twice")]
    DuplicateType(String),
    #[error("activity type {0}: the multiplier must be positive")]
    NonPositiveMultiplier(String),
}

impl PointsRules {
    /// The defaults described in the module comment.
    pub fn baseline() -> PointsRules {
        let kind = |key: &str, zh: &str, en: &str, hundredths: i64| ActivityType {
            key: key.into(),
            zh: zh.into(),
            en: en.into(),
            multiplier: Dec2(hundredths),
        };
        PointsRules {
            points_per_hour: 10,
            types: vec![
                kind("general", "常规志愿服务", "general volunteering", 100),
                kind(
                    "care",
                    "关爱帮扶（低保、空巢、三留守、残疾人）",
                    "care for people in need",
                    150,
                ),
                kind("emergency", "应急救援与防汛防疫", "emergency response", 200),
                kind("environment", "环境整治", "environment clean-up", 100),
                kind("culture", "文化体育活动", "culture and sports", 100),
                kind("safety", "平安巡逻", "safety patrol", 100),
            ],
        }
    }

    pub fn validate(&self) -> Result<(), RulesError> {
        if self.points_per_hour <= 0 {
            return Err(RulesError::NonPositiveRate);
        }
        for (i, t) in self.types.iter().enumerate() {
            if self.types[..i].iter().any(|u| u.key == t.key) {
                return Err(RulesError::DuplicateType(t.key.clone()));
            }
            if t.multiplier.0 <= 0 {
                return Err(RulesError::NonPositiveMultiplier(t.key.clone()));
            }
        }
        Ok(())
    }

    pub fn activity_type(&self, key: &str) -> Option<&ActivityType> {
        self.types.iter().find(|t| t.key == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwardError {
    #[error("{volunteer} has not signed out of {activity}")]
    NotSignedOut { volunteer: String, activity: String },
    #[error("signed out before signing in")]
    SignOutBeforeSignIn,
    #[error("the sign-in is for activity {signed_for}, not {activity}")]
    WrongActivity {
        signed_for: String,
        activity: String,
    },
    #[error("activity {0} was cancelled")]
    Cancelled(String),
    #[error("unknown activity type {0:?}")]
    UnknownType(String),
    #[error("no time overlaps the activity's schedule")]
    NoTimeServed,
}

impl AwardError {
    pub fn zh(&self) -> String {
        match self {
            AwardError::NotSignedOut { volunteer, .. } => format!("志愿者 {volunteer} 尚未签退"),
            AwardError::SignOutBeforeSignIn => "签退时间早于签到时间".into(),
            AwardError::WrongActivity { .. } => "签到记录与活动不符".into(),
            AwardError::Cancelled(id) => format!("活动 {id} 已取消"),
            AwardError::UnknownType(key) => format!("未知的活动类型：{key}"),
            AwardError::NoTimeServed => "签到时间与活动时间没有重叠".into(),
        }
    }
}

/// Whole minutes of `sign_in` within the activity's scheduled time.
pub fn counted_minutes(activity: &Activity, sign_in: &SignIn) -> Result<i64, AwardError> {
    if sign_in.activity != activity.id {
        return Err(AwardError::WrongActivity {
            signed_for: sign_in.activity.clone(),
            activity: activity.id.clone(),
        });
    }
    let out = sign_in
        .signed_out_at
        .ok_or_else(|| AwardError::NotSignedOut {
            volunteer: sign_in.volunteer.clone(),
            activity: activity.id.clone(),
        })?;
    if out < sign_in.signed_in_at {
        return Err(AwardError::SignOutBeforeSignIn);
    }
    let from = sign_in.signed_in_at.max(activity.starts_at);
    let to = out.min(activity.ends_at);
    Ok((to.saturating_sub(from)).max(0) / 60_000)
}

/// Points for `minutes` of an activity of `type_key`, rounded down.
pub fn points_for(rules: &PointsRules, type_key: &str, minutes: i64) -> Result<i64, AwardError> {
    let t = rules
        .activity_type(type_key)
        .ok_or_else(|| AwardError::UnknownType(type_key.to_string()))?;
    let scaled =
        i128::from(minutes.max(0)) * i128::from(rules.points_per_hour) * i128::from(t.multiplier.0);
    Ok(i64::try_from(scaled / 6_000).unwrap_or(i64::MAX))
}

/// A volunteer's award for one activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    /// `earn:<activity>:<volunteer>`: one award per volunteer per activity.
    pub key: String,
    pub volunteer: String,
    pub activity: String,
    pub minutes: i64,
    pub points: i64,
}

pub fn award(
    rules: &PointsRules,
    activity: &Activity,
    sign_in: &SignIn,
) -> Result<Award, AwardError> {
    if activity.cancelled {
        return Err(AwardError::Cancelled(activity.id.clone()));
    }
    let minutes = counted_minutes(activity, sign_in)?;
    if minutes == 0 {
        return Err(AwardError::NoTimeServed);
    }
    let points = points_for(rules, &activity.activity_type, minutes)?;
    Ok(Award {
        key: format!("earn:{}:{}", activity.id, sign_in.volunteer),
        volunteer: sign_in.volunteer.clone(),
        activity: activity.id.clone(),
        minutes,
        points,
    })
}

/// A love-mall item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MallItem {
    pub id: String,
    pub name: String,
    /// Points per unit.
    pub cost: i64,
    pub stock: i64,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryKind {
    Earn {
        activity: String,
    },
    Redeem {
        item: String,
        quantity: u32,
    },
    /// A redemption cancelled before collection: points and stock come back.
    Refund {
        of: String,
    },
    /// A correction by staff, with the reason.
    Adjust {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Unique across the ledger.
    pub key: String,
    pub volunteer: String,
    pub at: i64,
    /// Signed: earned points positive, redeemed negative.
    pub points: i64,
    pub kind: EntryKind,
}

/// Why a ledger operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerRefusal {
    #[error("{key} has already been applied")]
    AlreadyApplied { key: String },
    #[error("quantity must be at least 1")]
    ZeroQuantity,
    #[error("points must be positive")]
    NonPositivePoints,
    #[error("an adjustment must change the balance")]
    ZeroAdjustment,
    #[error("an adjustment needs a reason")]
    NoReason,
    #[error("unknown item {0}")]
    UnknownItem(String),
    #[error("item {0} is not available for exchange")]
    ItemInactive(String),
    #[error("not enough points: balance {balance}, cost {cost}")]
    NotEnoughPoints { balance: i64, cost: i64 },
    #[error("not enough stock of {item}: {stock} left, {wanted} wanted")]
    NotEnoughStock {
        item: String,
        stock: i64,
        wanted: i64,
    },
    #[error("no redemption {0} to refund")]
    UnknownRedemption(String),
    #[error("redemption {0} has already been refunded")]
    AlreadyRefunded(String),
    #[error("the adjustment would leave a balance of {result}")]
    WouldGoNegative { result: i64 },
    #[error("the amount is too large")]
    TooLarge,
}

impl LedgerRefusal {
    pub fn zh(&self) -> String {
        use LedgerRefusal::*;
        match self {
            AlreadyApplied { .. } => "该操作已经处理过，不会重复记账".into(),
            ZeroQuantity => "兑换数量至少为 1".into(),
            NonPositivePoints => "积分必须大于零".into(),
            ZeroAdjustment => "调整积分不能为零".into(),
            NoReason => "调整积分须填写理由".into(),
            UnknownItem(id) => format!("没有商品 {id}"),
            ItemInactive(id) => format!("商品 {id} 暂不可兑换"),
            NotEnoughPoints { balance, cost } => {
                format!("积分不足：现有 {balance} 分，需要 {cost} 分")
            }
            NotEnoughStock {
                item,
                stock,
                wanted,
            } => {
                format!("商品 {item} 库存不足：剩余 {stock} 件，需要 {wanted} 件")
            }
            UnknownRedemption(key) => format!("没有可退回的兑换记录 {key}"),
            AlreadyRefunded(key) => format!("兑换 {key} 已经退回"),
            WouldGoNegative { result } => format!("调整后积分为 {result}，不能为负"),
            TooLarge => "数额过大".into(),
        }
    }
}

/// The redemption rule: `quantity` ≥ 1, item active, stock ≥ quantity, balance ≥ cost.
/// Returns the total cost in points.
pub fn check_redemption(
    balance: i64,
    item: &MallItem,
    quantity: u32,
) -> Result<i64, LedgerRefusal> {
    if quantity == 0 {
        return Err(LedgerRefusal::ZeroQuantity);
    }
    if !item.active || item.cost <= 0 {
        return Err(LedgerRefusal::ItemInactive(item.id.clone()));
    }
    let wanted = i64::from(quantity);
    if item.stock < wanted {
        return Err(LedgerRefusal::NotEnoughStock {
            item: item.id.clone(),
            stock: item.stock,
            wanted,
        });
    }
    let cost = item
        .cost
        .checked_mul(wanted)
        .ok_or(LedgerRefusal::TooLarge)?;
    if balance < cost {
        return Err(LedgerRefusal::NotEnoughPoints { balance, cost });
    }
    Ok(cost)
}

/// A volunteer's balance: the sum of their entries.
pub fn balance(entries: &[LedgerEntry], volunteer: &str) -> i64 {
    entries
        .iter()
        .filter(|e| e.volunteer == volunteer)
        .map(|e| e.points)
        .sum()
}

/// An operation on the points book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Earn {
        key: String,
        volunteer: String,
        activity: String,
        points: i64,
        at: i64,
    },
    Redeem {
        key: String,
        volunteer: String,
        item: String,
        quantity: u32,
        at: i64,
    },
    Refund {
        key: String,
        of: String,
        at: i64,
    },
    Adjust {
        key: String,
        volunteer: String,
        delta: i64,
        reason: String,
        at: i64,
    },
    Restock {
        item: String,
        quantity: u32,
    },
}

/// The ledger and the mall's stock in memory: the reference model of the rules.
#[derive(Debug, Clone, Default)]
pub struct PointsBook {
    balances: BTreeMap<String, i64>,
    items: BTreeMap<String, MallItem>,
    keys: BTreeSet<String>,
    /// Redemption key → (volunteer, points, item, quantity), while not refunded.
    refundable: BTreeMap<String, (String, i64, String, i64)>,
    refunded: BTreeSet<String>,
    entries: Vec<LedgerEntry>,
}

impl PointsBook {
    pub fn new(items: Vec<MallItem>) -> PointsBook {
        PointsBook {
            items: items.into_iter().map(|i| (i.id.clone(), i)).collect(),
            ..PointsBook::default()
        }
    }

    pub fn balance(&self, volunteer: &str) -> i64 {
        self.balances.get(volunteer).copied().unwrap_or(0)
    }

    pub fn item(&self, id: &str) -> Option<&MallItem> {
        self.items.get(id)
    }

    pub fn items(&self) -> impl Iterator<Item = &MallItem> {
        self.items.values()
    }

    pub fn balances(&self) -> impl Iterator<Item = (&str, i64)> {
        self.balances.iter().map(|(k, v)| (k.as_str(), *v))
    }

    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    fn fresh_key(&self, key: &str) -> Result<(), LedgerRefusal> {
        if self.keys.contains(key) {
            Err(LedgerRefusal::AlreadyApplied {
                key: key.to_string(),
            })
        } else {
            Ok(())
        }
    }

    fn credit(&self, volunteer: &str, delta: i64) -> Result<i64, LedgerRefusal> {
        self.balance(volunteer)
            .checked_add(delta)
            .ok_or(LedgerRefusal::TooLarge)
    }

    fn record(&mut self, entry: LedgerEntry, new_balance: i64) -> LedgerEntry {
        self.keys.insert(entry.key.clone());
        self.balances.insert(entry.volunteer.clone(), new_balance);
        self.entries.push(entry.clone());
        entry
    }

    /// Applies one operation, or refuses it and changes nothing. `Restock` returns no entry.
    pub fn apply(&mut self, operation: Operation) -> Result<Option<LedgerEntry>, LedgerRefusal> {
        match operation {
            Operation::Earn {
                key,
                volunteer,
                activity,
                points,
                at,
            } => {
                self.fresh_key(&key)?;
                if points <= 0 {
                    return Err(LedgerRefusal::NonPositivePoints);
                }
                let new_balance = self.credit(&volunteer, points)?;
                let entry = LedgerEntry {
                    key,
                    volunteer,
                    at,
                    points,
                    kind: EntryKind::Earn { activity },
                };
                Ok(Some(self.record(entry, new_balance)))
            }
            Operation::Redeem {
                key,
                volunteer,
                item,
                quantity,
                at,
            } => {
                self.fresh_key(&key)?;
                let stocked = self
                    .items
                    .get(&item)
                    .ok_or_else(|| LedgerRefusal::UnknownItem(item.clone()))?;
                let cost = check_redemption(self.balance(&volunteer), stocked, quantity)?;
                let wanted = i64::from(quantity);
                if let Some(i) = self.items.get_mut(&item) {
                    i.stock -= wanted;
                }
                self.refundable
                    .insert(key.clone(), (volunteer.clone(), cost, item.clone(), wanted));
                let new_balance = self.balance(&volunteer) - cost;
                let entry = LedgerEntry {
                    key,
                    volunteer,
                    at,
                    points: -cost,
                    kind: EntryKind::Redeem { item, quantity },
                };
                Ok(Some(self.record(entry, new_balance)))
            }
            Operation::Refund { key, of, at } => {
                self.fresh_key(&key)?;
                let (volunteer, cost, item, quantity) = match self.refundable.get(&of) {
                    Some(r) => r.clone(),
                    None if self.refunded.contains(&of) => {
                        return Err(LedgerRefusal::AlreadyRefunded(of));
                    }
                    None => return Err(LedgerRefusal::UnknownRedemption(of)),
                };
                let new_balance = self.credit(&volunteer, cost)?;
                let restocked = self
                    .items
                    .get(&item)
                    .map(|i| i.stock.checked_add(quantity).ok_or(LedgerRefusal::TooLarge))
                    .transpose()?;
                if let (Some(stock), Some(i)) = (restocked, self.items.get_mut(&item)) {
                    i.stock = stock;
                }
                self.refundable.remove(&of);
                self.refunded.insert(of.clone());
                let entry = LedgerEntry {
                    key,
                    volunteer,
                    at,
                    points: cost,
                    kind: EntryKind::Refund { of },
                };
                Ok(Some(self.record(entry, new_balance)))
            }
            Operation::Adjust {
                key,
                volunteer,
                delta,
                reason,
                at,
            } => {
                self.fresh_key(&key)?;
                if delta == 0 {
                    return Err(LedgerRefusal::ZeroAdjustment);
                }
                let reason = reason.trim().to_string();
                if reason.is_empty() {
                    return Err(LedgerRefusal::NoReason);
                }
                let new_balance = self.credit(&volunteer, delta)?;
                if new_balance < 0 {
                    return Err(LedgerRefusal::WouldGoNegative {
                        result: new_balance,
                    });
                }
                let entry = LedgerEntry {
                    key,
                    volunteer,
                    at,
                    points: delta,
                    kind: EntryKind::Adjust { reason },
                };
                Ok(Some(self.record(entry, new_balance)))
            }
            Operation::Restock { item, quantity } => {
                let i = self
                    .items
                    .get_mut(&item)
                    .ok_or(LedgerRefusal::UnknownItem(item))?;
                i.stock = i
                    .stock
                    .checked_add(i64::from(quantity))
                    .ok_or(LedgerRefusal::TooLarge)?;
                Ok(None)
            }
        }
    }
}

/// What is wrong with a stored ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerFault {
    #[error("entry {index}: key {key} appears twice")]
    DuplicateKey { index: usize, key: String },
    #[error("entry {index}: {volunteer}'s balance would be {balance}")]
    NegativeBalance {
        index: usize,
        volunteer: String,
        balance: i64,
    },
    #[error("entry {index}: the sign does not fit the kind of entry")]
    WrongSign { index: usize },
    #[error(
        "entry {index}: refund of {of}, which is not an unrefunded redemption of the same amount"
    )]
    BadRefund { index: usize, of: String },
    #[error("entry {index}: balance overflow")]
    Overflow { index: usize },
}

/// Replays a stored ledger in order and checks it: keys unique, earn positive, redeem
/// negative, refunds matching one earlier unrefunded redemption of the same volunteer and
/// amount, and no balance ever below zero.
pub fn verify(entries: &[LedgerEntry]) -> Result<(), LedgerFault> {
    let mut keys = BTreeSet::new();
    let mut balances: BTreeMap<&str, i64> = BTreeMap::new();
    let mut redemptions: BTreeMap<&str, (&str, i64)> = BTreeMap::new();
    for (index, e) in entries.iter().enumerate() {
        if !keys.insert(e.key.as_str()) {
            return Err(LedgerFault::DuplicateKey {
                index,
                key: e.key.clone(),
            });
        }
        let sign_ok = match &e.kind {
            EntryKind::Earn { .. } | EntryKind::Refund { .. } => e.points > 0,
            EntryKind::Redeem { .. } => e.points < 0,
            EntryKind::Adjust { .. } => e.points != 0,
        };
        if !sign_ok {
            return Err(LedgerFault::WrongSign { index });
        }
        match &e.kind {
            EntryKind::Redeem { .. } => {
                redemptions.insert(e.key.as_str(), (e.volunteer.as_str(), -e.points));
            }
            EntryKind::Refund { of } => match redemptions.remove(of.as_str()) {
                Some((volunteer, points)) if volunteer == e.volunteer && points == e.points => {}
                _ => {
                    return Err(LedgerFault::BadRefund {
                        index,
                        of: of.clone(),
                    });
                }
            },
            _ => {}
        }
        let balance = balances.entry(e.volunteer.as_str()).or_insert(0);
        *balance = balance
            .checked_add(e.points)
            .ok_or(LedgerFault::Overflow { index })?;
        if *balance < 0 {
            return Err(LedgerFault::NegativeBalance {
                index,
                volunteer: e.volunteer.clone(),
                balance: *balance,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;
    const MINUTE: i64 = 60_000;

    fn activity(kind: &str) -> Activity {
        Activity {
            id: "a1".into(),
            title: "助老理发".into(),
            activity_type: kind.into(),
            community: "610302001003".into(),
            station: Some("st1".into()),
            team: Some("t1".into()),
            starts_at: T0,
            ends_at: T0 + 120 * MINUTE,
            people_served: 12,
            cancelled: false,
        }
    }

    fn sign_in(from_min: i64, to_min: Option<i64>) -> SignIn {
        SignIn {
            volunteer: "v1".into(),
            activity: "a1".into(),
            signed_in_at: T0 + from_min * MINUTE,
            signed_out_at: to_min.map(|m| T0 + m * MINUTE),
        }
    }

    #[test]
    fn baseline_rules_are_valid() {
        assert_eq!(PointsRules::baseline().validate(), Ok(()));
        let mut twice = PointsRules::baseline();
        twice.types.push(twice.types[0].clone());
        assert_eq!(
            twice.validate(),
            Err(RulesError::DuplicateType("general".into()))
        );
        let mut zero = PointsRules::baseline();
        zero.points_per_hour = 0;
        assert_eq!(zero.validate(), Err(RulesError::NonPositiveRate));
        let mut free = PointsRules::baseline();
        free.types[1].multiplier = Dec2::ZERO;
        assert_eq!(
            free.validate(),
            Err(RulesError::NonPositiveMultiplier("care".into()))
        );
    }

    #[test]
    fn time_counts_only_within_the_schedule_in_whole_minutes() {
        let a = activity("general");
        assert_eq!(counted_minutes(&a, &sign_in(-30, Some(60))), Ok(60));
        assert_eq!(counted_minutes(&a, &sign_in(30, Some(200))), Ok(90));
        let mut s = sign_in(0, Some(0));
        s.signed_out_at = Some(T0 + MINUTE - 1);
        assert_eq!(counted_minutes(&a, &s), Ok(0));
        s.signed_out_at = Some(T0 + MINUTE);
        assert_eq!(counted_minutes(&a, &s), Ok(1));
        assert_eq!(counted_minutes(&a, &sign_in(130, Some(150))), Ok(0));
        assert_eq!(
            counted_minutes(&a, &sign_in(10, Some(5))),
            Err(AwardError::SignOutBeforeSignIn)
        );
        assert!(matches!(
            counted_minutes(&a, &sign_in(0, None)),
            Err(AwardError::NotSignedOut { .. })
        ));
        let mut other = sign_in(0, Some(10));
        other.activity = "a2".into();
        assert!(matches!(
            counted_minutes(&a, &other),
            Err(AwardError::WrongActivity { .. })
        ));
    }

    #[test]
    fn points_follow_hours_and_multipliers_rounded_down() {
        let rules = PointsRules::baseline();
        // 10 points an hour: 60 min → 10, 59 min → 9 (9.83), 6 min → 1.
        assert_eq!(points_for(&rules, "general", 60), Ok(10));
        assert_eq!(points_for(&rules, "general", 59), Ok(9));
        assert_eq!(points_for(&rules, "general", 6), Ok(1));
        assert_eq!(points_for(&rules, "general", 5), Ok(0));
        // Care ×1.5: 60 → 15, 4 min → 1 (1.0), 3 min → 0 (0.75).
        assert_eq!(points_for(&rules, "care", 60), Ok(15));
        assert_eq!(points_for(&rules, "care", 4), Ok(1));
        assert_eq!(points_for(&rules, "care", 3), Ok(0));
        // Emergency ×2: 90 min → 30.
        assert_eq!(points_for(&rules, "emergency", 90), Ok(30));
        assert_eq!(
            points_for(&rules, "nope", 90),
            Err(AwardError::UnknownType("nope".into()))
        );
    }

    #[test]
    fn an_award_is_keyed_per_volunteer_and_activity() {
        let rules = PointsRules::baseline();
        let a = activity("care");
        let got = award(&rules, &a, &sign_in(0, Some(120))).unwrap();
        assert_eq!(got.key, "earn:a1:v1");
        assert_eq!((got.minutes, got.points), (120, 30));
        assert_eq!(
            award(&rules, &a, &sign_in(150, Some(160))),
            Err(AwardError::NoTimeServed)
        );
        let mut cancelled = a.clone();
        cancelled.cancelled = true;
        assert_eq!(
            award(&rules, &cancelled, &sign_in(0, Some(120))),
            Err(AwardError::Cancelled("a1".into()))
        );
    }

    fn item(stock: i64) -> MallItem {
        MallItem {
            id: "rice".into(),
            name: "大米 5kg".into(),
            cost: 100,
            stock,
            active: true,
        }
    }

    #[test]
    fn redemption_needs_points_and_stock_at_the_boundary() {
        assert_eq!(check_redemption(200, &item(2), 2), Ok(200));
        assert_eq!(
            check_redemption(199, &item(2), 2),
            Err(LedgerRefusal::NotEnoughPoints {
                balance: 199,
                cost: 200
            })
        );
        assert_eq!(
            check_redemption(300, &item(2), 3),
            Err(LedgerRefusal::NotEnoughStock {
                item: "rice".into(),
                stock: 2,
                wanted: 3
            })
        );
        assert_eq!(
            check_redemption(300, &item(2), 0),
            Err(LedgerRefusal::ZeroQuantity)
        );
        let mut off = item(2);
        off.active = false;
        assert_eq!(
            check_redemption(300, &off, 1),
            Err(LedgerRefusal::ItemInactive("rice".into()))
        );
        let mut huge = item(i64::MAX);
        huge.cost = i64::MAX;
        assert_eq!(
            check_redemption(i64::MAX, &huge, 2),
            Err(LedgerRefusal::TooLarge)
        );
        assert!(
            LedgerRefusal::NotEnoughPoints {
                balance: 1,
                cost: 2
            }
            .zh()
            .contains("积分不足")
        );
    }

    fn earn(key: &str, points: i64) -> Operation {
        Operation::Earn {
            key: key.into(),
            volunteer: "v1".into(),
            activity: "a1".into(),
            points,
            at: T0,
        }
    }

    fn redeem(key: &str, quantity: u32) -> Operation {
        Operation::Redeem {
            key: key.into(),
            volunteer: "v1".into(),
            item: "rice".into(),
            quantity,
            at: T0,
        }
    }

    #[test]
    fn the_book_never_double_spends() {
        let mut book = PointsBook::new(vec![item(1)]);
        book.apply(earn("e1", 150)).unwrap();
        assert_eq!(
            book.apply(earn("e1", 150)),
            Err(LedgerRefusal::AlreadyApplied { key: "e1".into() })
        );
        book.apply(redeem("r1", 1)).unwrap();
        assert_eq!(
            (book.balance("v1"), book.item("rice").unwrap().stock),
            (50, 0)
        );
        // The same request again is refused by its key, not by the balance.
        assert_eq!(
            book.apply(redeem("r1", 1)),
            Err(LedgerRefusal::AlreadyApplied { key: "r1".into() })
        );
        // Refund once brings back points and stock; twice is refused.
        book.apply(Operation::Refund {
            key: "f1".into(),
            of: "r1".into(),
            at: T0,
        })
        .unwrap();
        assert_eq!(
            (book.balance("v1"), book.item("rice").unwrap().stock),
            (150, 1)
        );
        assert_eq!(
            book.apply(Operation::Refund {
                key: "f2".into(),
                of: "r1".into(),
                at: T0
            }),
            Err(LedgerRefusal::AlreadyRefunded("r1".into()))
        );
        assert_eq!(
            book.apply(Operation::Refund {
                key: "f3".into(),
                of: "e1".into(),
                at: T0
            }),
            Err(LedgerRefusal::UnknownRedemption("e1".into()))
        );
        assert_eq!(
            book.apply(Operation::Refund {
                key: "f4".into(),
                of: "zz".into(),
                at: T0
            }),
            Err(LedgerRefusal::UnknownRedemption("zz".into()))
        );
        assert_eq!(
            book.apply(Operation::Adjust {
                key: "j1".into(),
                volunteer: "v1".into(),
                delta: -151,
                reason: "纠错".into(),
                at: T0
            }),
            Err(LedgerRefusal::WouldGoNegative { result: -1 })
        );
        book.apply(Operation::Adjust {
            key: "j2".into(),
            volunteer: "v1".into(),
            delta: -150,
            reason: "纠错".into(),
            at: T0,
        })
        .unwrap();
        assert_eq!(book.balance("v1"), 0);
        assert_eq!(balance(book.entries(), "v1"), 0);
        assert_eq!(verify(book.entries()), Ok(()));
        assert_eq!(
            book.apply(Operation::Restock {
                item: "rice".into(),
                quantity: 4
            }),
            Ok(None)
        );
        assert_eq!(book.item("rice").unwrap().stock, 5);
    }

    #[test]
    fn verify_finds_each_fault() {
        let e = |key: &str, points: i64, kind: EntryKind| LedgerEntry {
            key: key.into(),
            volunteer: "v1".into(),
            at: T0,
            points,
            kind,
        };
        let earn = |key: &str, p| {
            e(
                key,
                p,
                EntryKind::Earn {
                    activity: "a1".into(),
                },
            )
        };
        let redeem = |key: &str, p| {
            e(
                key,
                p,
                EntryKind::Redeem {
                    item: "rice".into(),
                    quantity: 1,
                },
            )
        };
        let refund = |key: &str, p, of: &str| e(key, p, EntryKind::Refund { of: of.into() });
        assert_eq!(
            verify(&[earn("a", 10), redeem("b", -10), refund("c", 10, "b")]),
            Ok(())
        );
        assert_eq!(
            verify(&[earn("a", 10), earn("a", 10)]),
            Err(LedgerFault::DuplicateKey {
                index: 1,
                key: "a".into()
            })
        );
        assert_eq!(
            verify(&[earn("a", 10), redeem("b", -11)]),
            Err(LedgerFault::NegativeBalance {
                index: 1,
                volunteer: "v1".into(),
                balance: -1
            })
        );
        assert_eq!(
            verify(&[earn("a", -10)]),
            Err(LedgerFault::WrongSign { index: 0 })
        );
        assert_eq!(
            verify(&[
                earn("a", 10),
                redeem("b", -10),
                refund("c", 10, "b"),
                refund("d", 10, "b")
            ]),
            Err(LedgerFault::BadRefund {
                index: 3,
                of: "b".into()
            })
        );
        assert_eq!(
            verify(&[earn("a", 10), redeem("b", -10), refund("c", 9, "b")]),
            Err(LedgerFault::BadRefund {
                index: 2,
                of: "b".into()
            })
        );
    }
}
