//! The love mall (爱心商城): items, stock and exchanging points for them, once per request key.

use serde::Serialize;
use xingfu_core::ops::points::LedgerRefusal;
use xingfu_core::workflow::Role;
use xingfu_store::volunteers::{Applied, HandoutRow, ItemRow, PointsError};

use super::checks::{
    MAX_ADJUST, MAX_QUANTITY, Refused, check_request_key, count_field, count_in, forbidden,
};
use super::volunteers::{by_user, named, own_volunteer, require_manage, volunteer_of};
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// Why a volunteer cannot exchange one of an item now, each in its own terms: the points they
/// lack and the stock left. Empty when one can be exchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shortfall {
    /// Points still needed for one.
    pub points: Option<i64>,
    /// The stock left, when none is.
    pub stock: Option<i64>,
}

impl Shortfall {
    pub fn of(balance: i64, cost: i64, stock: i64) -> Shortfall {
        Shortfall {
            points: (balance < cost).then(|| cost - balance),
            stock: (stock < 1).then_some(stock.max(0)),
        }
    }

    pub fn is_short(&self) -> bool {
        self.points.is_some() || self.stock.is_some()
    }

    /// Says what is short and what to do, one sentence each.
    pub fn text(&self, lang: Lang) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(points) = self.points {
            lines.push(lang.text(
                format!(
                    "积分不够\u{ff1a}还差 {points} 分\u{ff0c}参加志愿服务获得积分后再来兑换\u{3002}"
                ),
                format!("Not enough points: {points} more needed, earned by volunteering."),
            ));
        }
        if let Some(stock) = self.stock {
            lines.push(lang.text(
                format!("库存不够\u{ff1a}只剩 {stock} 件\u{ff0c}社区补货后再来兑换\u{3002}"),
                format!(
                    "Not enough in stock: only {stock} left; come back once the community restocks."
                ),
            ));
        }
        lines
    }
}

pub async fn create_item(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
    name: &str,
    cost_text: &str,
    stock_text: &str,
    lang: Lang,
) -> Result<ItemRow, Refused> {
    let mut errors = named(
        user,
        community,
        "item_name",
        name,
        ("商品名称", "The item's name"),
        lang,
    )?;
    let cost = ("兑换所需积分", "the cost in points");
    let cost = count_field(cost_text, 1..=MAX_ADJUST, "item_cost", cost, lang);
    let stock = count_field(
        stock_text,
        0..=MAX_QUANTITY,
        "item_stock",
        ("库存", "the stock"),
        lang,
    );
    errors.extend(cost.clone().err());
    errors.extend(stock.clone().err());
    let (Ok(cost), Ok(stock)) = (cost, stock) else {
        return Err(Refused::Fields(errors));
    };
    Refused::unless_none(errors)?;
    Ok(state
        .store
        .create_item(community, name.trim(), cost, stock, by_user(user))
        .await?)
}

async fn managed_item(
    state: &AppState,
    user: &CurrentUser,
    item: &str,
    lang: Lang,
) -> Result<ItemRow, AppError> {
    let item = state.store.item(item).await?.ok_or(AppError::NotFound)?;
    require_manage(user, &item.community_code, lang)?;
    Ok(item)
}

pub async fn restock(
    state: &AppState,
    user: &CurrentUser,
    item: &str,
    quantity: &str,
    lang: Lang,
) -> Result<ItemRow, Refused> {
    let item = managed_item(state, user, item, lang).await?;
    let field = format!("restock_{}", item.id);
    let quantity = count_field(
        quantity,
        1..=MAX_QUANTITY,
        &field,
        ("补货数量", "the quantity"),
        lang,
    )
    .map_err(|e| Refused::Fields(vec![e]))?;
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
    lang: Lang,
) -> Result<(), AppError> {
    let item = managed_item(state, user, item, lang).await?;
    state.store.set_item_active(&item.id, active).await?;
    Ok(())
}

/// A refused redemption in words, naming the item.
pub fn refusal_text(refusal: &LedgerRefusal, item_name: &str, lang: Lang) -> String {
    match refusal {
        LedgerRefusal::NotEnoughStock { stock, wanted, .. } => lang.text(
            format!("“{item_name}”库存不足：剩余 {stock} 件，您要兑换 {wanted} 件。"),
            format!("Not enough “{item_name}” in stock: {stock} left, {wanted} asked for."),
        ),
        LedgerRefusal::NotEnoughPoints { balance, cost } => lang.text(
            format!("积分不足：兑换需要 {cost} 分，现有 {balance} 分。"),
            format!("Not enough points: this costs {cost}, the balance is {balance}."),
        ),
        LedgerRefusal::ItemInactive(_) => lang.text(
            format!("“{item_name}”暂不可兑换。"),
            format!("“{item_name}” cannot be exchanged at the moment."),
        ),
        other => lang.text(other.zh(), other.to_string()),
    }
}

/// What a redemption did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Redemption)]
pub struct Redeemed {
    /// The ledger key of the exchange.
    pub key: String,
    pub volunteer_id: String,
    pub item_name: String,
    pub quantity: i64,
    /// Points taken (negative).
    pub points: i64,
    /// The balance after the exchange.
    pub balance: i64,
    /// True when this request had been applied before: nothing was taken twice.
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
    lang: Lang,
) -> Result<Redeemed, Refused> {
    let item = state.store.item(item).await?.ok_or(AppError::NotFound)?;
    let v = match user.role {
        Role::Resident => {
            let own = own_volunteer(state, user).await?.ok_or_else(|| {
                forbidden(
                    lang,
                    "您的账号还没有登记为志愿者，请到社区志愿者驿站登记",
                    "your account is not registered as a volunteer: register at the community's station",
                )
            })?;
            if volunteer.is_some_and(|id| !id.is_empty() && id != own.id) {
                return Err(forbidden(
                    lang,
                    "只能用自己的积分兑换",
                    "you can only spend your own points",
                )
                .into());
            }
            own
        }
        _ => {
            require_manage(user, &item.community_code, lang)?;
            // The volunteer list of this item's form.
            let field = format!("volunteer-{}", item.id);
            let Some(id) = volunteer.filter(|id| !id.is_empty()) else {
                return Err(Refused::field(
                    &field,
                    lang.text(
                        "请选择兑换的志愿者",
                        "choose the volunteer who is exchanging",
                    ),
                ));
            };
            volunteer_of(state, &item.community_code, id, &field, lang).await?
        }
    };
    let field = format!("quantity_{}", item.id);
    let Some(quantity) = count_in(quantity, 1..=MAX_QUANTITY).and_then(|q| u32::try_from(q).ok())
    else {
        return Err(Refused::field(
            &field,
            lang.text(
                "兑换数量须为正整数",
                "the quantity is a whole number of 1 or more",
            ),
        ));
    };
    check_request_key(request_key, lang)?;
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
                refusal_text(&refusal, &item.name, lang),
            ));
        }
        Err(PointsError::OtherCommunity) => {
            return Err(forbidden(
                lang,
                "只能在本社区的爱心商城兑换",
                "points are exchanged at one's own community's mall",
            )
            .into());
        }
        Err(PointsError::KeyReused(_)) => {
            return Err(Refused::App(AppError::Conflict(lang.text(
                "该兑换请求已用于另一次兑换，请刷新页面后重试",
                "this request key was used for another exchange: reload the page and try again",
            ))));
        }
        Err(PointsError::PriceChanged) => {
            return Err(Refused::App(AppError::Conflict(lang.text(
                "商品所需积分刚刚有变化，请刷新页面后重试",
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

/// The most redemptions the station's hand-out list shows.
pub const HANDOUT_LIMIT: i64 = 200;

/// Redemptions made online waiting at a community's station, for those who run it; oldest
/// first.
pub async fn handouts_waiting(
    state: &AppState,
    user: &CurrentUser,
    community: &str,
) -> Result<Vec<HandoutRow>, AppError> {
    if !super::volunteers::may_manage(user, community) {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .handouts_waiting(community, HANDOUT_LIMIT)
        .await?)
}

/// Hands a redemption's item to the volunteer at the station: the community's workers.
pub async fn hand_out(
    state: &AppState,
    user: &CurrentUser,
    ledger_key: &str,
    lang: Lang,
) -> Result<HandoutRow, AppError> {
    let waiting = state
        .store
        .handout_waiting(ledger_key)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(lang.text(
                "这笔兑换已发放或已退还，无需再发放",
                "this redemption has been handed out or refunded already",
            ))
        })?;
    require_manage(user, &waiting.community_code, lang)?;
    if !state.store.hand_out(ledger_key, by_user(user)).await? {
        return Err(AppError::Conflict(lang.text(
            "这笔兑换刚刚已由他人发放或退还",
            "someone has just handed out or refunded this redemption",
        )));
    }
    Ok(waiting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortfall_says_what_is_short() {
        assert!(!Shortfall::of(22, 10, 1).is_short());
        let points = Shortfall::of(22, 100, 3);
        assert_eq!(points.points, Some(78));
        assert_eq!(points.stock, None);
        assert_eq!(
            points.text(Lang::Zh),
            ["积分不够\u{ff1a}还差 78 分\u{ff0c}参加志愿服务获得积分后再来兑换\u{3002}"]
        );
        let both = Shortfall::of(0, 10, 0);
        assert_eq!((both.points, both.stock), (Some(10), Some(0)));
        assert_eq!(both.text(Lang::En).len(), 2);
    }
}
