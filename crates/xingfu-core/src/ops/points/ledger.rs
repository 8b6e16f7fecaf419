//! The points ledger and the love mall: entries, the redemption rule, the book, replaying a ledger.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
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
