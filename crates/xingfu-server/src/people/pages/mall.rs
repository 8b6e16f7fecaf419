//! The love mall (爱心商城): a resident-facing page, one column, large buttons, plain forms. Each
//! redemption form carries a request key made when the page was drawn, so pressing the button
//! twice or resending the form exchanges once. Staff add items, restock and shelve them.

use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;
use xingfu_store::volunteers::{ItemRow, VolunteerRow};

use super::community::{region_name, volunteering_community};
use super::form::{field_errors, go, saved_or_again, with_problems};
use super::labels::VOLUNTEER_NOTICES;
use crate::app::auth::urlencode;
use crate::people::service as people;
use crate::web::forms::{Problem, error_for};
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

pub struct ItemLine {
    pub id: String,
    pub name: String,
    pub cost: i64,
    pub stock: i64,
    pub active: bool,
    /// Why the volunteer viewing cannot exchange one now (empty: they can), one line each.
    pub short: Vec<String>,
    /// The quantity field's value.
    pub quantity: String,
    pub error: String,
    pub restock_error: String,
    /// A fresh key for this item's redemption form.
    pub request_key: String,
}

/// A redemption made online, waiting at the station.
pub struct HandoutLine {
    pub key: String,
    pub volunteer: String,
    pub item: String,
    pub quantity: i64,
    pub redeemed: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct MallForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    community: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    volunteer: String,
    #[serde(default)]
    request_key: String,
    #[serde(default)]
    item_name: String,
    #[serde(default)]
    item_cost: String,
    #[serde(default)]
    item_stock: String,
    #[serde(default)]
    active: String,
    /// The ledger key of a redemption handed out.
    #[serde(default)]
    redemption: String,
}

#[derive(Deserialize, Default)]
pub struct MallQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    done: String,
    /// The ledger key of a redemption just made.
    #[serde(default)]
    redeemed: String,
    #[serde(default)]
    repeated: String,
}

#[derive(Template)]
#[template(path = "mall.html")]
struct MallPage {
    page: Page,
    community: String,
    community_name: String,
    choices: Vec<(String, String)>,
    own: Option<VolunteerRow>,
    manages: bool,
    volunteers: Vec<(String, String, i64)>,
    items: Vec<ItemLine>,
    handouts: Vec<HandoutLine>,
    form: MallForm,
    errors: Vec<Problem>,
    notice: Option<String>,
    csrf: String,
}

field_errors!(MallPage);

async fn mall_page(
    v: &Visit,
    asked: &str,
    form: MallForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let (community, choices) = volunteering_community(v, asked).await?;
    let own = people::own_volunteer(state, user).await?;
    let mut page = MallPage {
        page: v.page_titled("/mall", lang.text("爱心商城", "Love mall")),
        community: String::new(),
        community_name: String::new(),
        choices,
        own: own.clone(),
        manages: false,
        volunteers: Vec::new(),
        items: Vec::new(),
        handouts: Vec::new(),
        form: form.clone(),
        errors: errors.clone(),
        notice,
        csrf: user.csrf.clone(),
    };
    if let Some(code) = community {
        page.manages = people::may_manage(user, &code);
        if page.manages {
            page.volunteers = state
                .store
                .volunteers_in(&code)
                .await?
                .into_iter()
                .map(|v| (v.id, v.name, v.balance))
                .collect();
        }
        let items: Vec<ItemRow> = state.store.items_in(&code).await?;
        let balance = own.as_ref().map(|v| v.balance);
        page.items = items
            .into_iter()
            .filter(|i| i.active || page.manages)
            .map(|i| {
                let posted = form.item == i.id;
                ItemLine {
                    quantity: if posted && !form.quantity.is_empty() {
                        form.quantity.clone()
                    } else {
                        "1".to_string()
                    },
                    error: error_for(&errors, &format!("quantity_{}", i.id)),
                    restock_error: error_for(&errors, &format!("restock_{}", i.id)),
                    short: balance
                        .map(|b| people::Shortfall::of(b, i.cost, i.stock).text(lang))
                        .unwrap_or_default(),
                    request_key: people::new_request_key(),
                    id: i.id,
                    name: i.name,
                    cost: i.cost,
                    stock: i.stock,
                    active: i.active,
                }
            })
            .collect();
        page.handouts = people::handouts_waiting(state, user, &code)
            .await?
            .into_iter()
            .map(|h| HandoutLine {
                key: h.ledger_key,
                volunteer: h.volunteer_name,
                item: h.item_name,
                quantity: h.quantity,
                redeemed: people::local_text(h.redeemed_at),
            })
            .collect();
        page.community_name = region_name(state, &code).await;
        page.community = code;
    }
    with_problems(render(page), &errors)
}

/// GET /mall
pub async fn mall(v: Visit, Query(q): Query<MallQuery>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let mut notice = VOLUNTEER_NOTICES.after(lang, &q.done);
    if !q.redeemed.is_empty()
        && let Some(row) = state.store.ledger_entry(&q.redeemed).await?
        && row.kind == "redeem"
        && people::volunteer(state, user, &row.volunteer_id, lang)
            .await
            .is_ok()
    {
        let balance = state.store.balance(&row.volunteer_id).await?.unwrap_or(0);
        let item = row.item_name.clone().unwrap_or_default();
        let quantity = row.quantity.unwrap_or(0);
        let spent = -row.points;
        let mut text = if lang.is_en() {
            format!("Exchanged: {item} × {quantity}, {spent} points. Balance now {balance}.")
        } else {
            format!(
                "兑换成功：{item} × {quantity}，用去 {spent} 积分，现有 {balance} 积分。请到社区志愿者驿站领取。"
            )
        };
        if q.repeated == "1" {
            text.push_str(lang.pick(
                "（这次兑换此前已经办理，没有重复扣分。）",
                " (This exchange had already been made: nothing was taken twice.)",
            ));
        }
        notice = Some(text);
    }
    mall_page(&v, &q.community, MallForm::default(), Vec::new(), notice).await
}

/// POST /mall/redeem
pub async fn redeem(Posted { v, form }: Posted<MallForm>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let volunteer = (!form.volunteer.trim().is_empty()).then_some(form.volunteer.trim());
    let outcome = people::redeem(
        state,
        user,
        volunteer,
        &form.item,
        &form.quantity,
        &form.request_key,
        lang,
    )
    .await;
    let community = form.community.clone();
    saved_or_again(
        outcome,
        |done| {
            format!(
                "/mall?community={}&redeemed={}&repeated={}",
                urlencode(community.trim()),
                urlencode(&done.key),
                if done.repeated { "1" } else { "0" }
            )
        },
        async |errors| mall_page(&v, &community, form, errors, None).await,
    )
    .await
}

/// POST /mall/hand-out
pub async fn hand_out(Posted { v, form }: Posted<MallForm>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let done = people::hand_out(state, user, form.redemption.trim(), lang).await?;
    go(format!(
        "/mall?community={}&done=handed_out#handouts",
        urlencode(&done.community_code)
    ))
}

/// POST /mall/items
pub async fn create_item(Posted { v, form }: Posted<MallForm>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let community = form.community.trim().to_string();
    let outcome = people::create_item(
        state,
        user,
        &community,
        &form.item_name,
        &form.item_cost,
        &form.item_stock,
        lang,
    )
    .await;
    saved_or_again(
        outcome,
        |_| format!("/mall?community={}&done=item", urlencode(&community)),
        async |errors| mall_page(&v, &community, form, errors, None).await,
    )
    .await
}

/// POST /mall/items/{id}/restock
pub async fn restock(Path(id): Path<String>, Posted { v, form }: Posted<MallForm>) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let community = form.community.clone();
    saved_or_again(
        people::restock(state, user, &id, &form.quantity, lang).await,
        |item| format!("/mall?community={}&done=restocked", item.community_code),
        async |errors| mall_page(&v, &community, form, errors, None).await,
    )
    .await
}

/// POST /mall/items/{id}/active
pub async fn set_active(
    Path(id): Path<String>,
    Posted { v, form }: Posted<MallForm>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let active = form.active == "1";
    people::set_item_active(state, user, &id, active, lang).await?;
    go(format!(
        "/mall?community={}&done={}",
        urlencode(form.community.trim()),
        if active { "unshelved" } else { "shelved" }
    ))
}

crate::csrf_forms!(MallForm);
