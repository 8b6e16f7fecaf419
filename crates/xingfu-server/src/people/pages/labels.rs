//! The words people pages show for stored keys (lists, activity types, appointments, log
//! subjects) and for the `done=` of a redirect after a saved form.

use xingfu_core::ops::visits::AttentionCategory;

use crate::i18n::Lang;
use crate::people::service as people;

pub fn category_label(lang: Lang, key: &str) -> String {
    AttentionCategory::parse(key)
        .map(|c| lang.pick(c.zh(), c.en()).to_string())
        .unwrap_or_else(|| key.to_string())
}

/// The notice after a home-visit form was saved.
pub fn visit_notice(lang: Lang, done: &str) -> Option<String> {
    let (zh, en) = match done {
        "household" => ("住户已登记。", "The household is registered."),
        "attention" => ("已加入名单。", "Added to the list."),
        "removed" => ("已移出名单。", "Taken off the list."),
        "visit" => ("走访记录已保存。", "The visit is recorded."),
        "follow_up" => ("后续事项已办结。", "The follow-up is done."),
        "follow_up_already" => ("该事项此前已办结。", "That follow-up was already done."),
        "assigned" => ("任命已保存。", "The appointment is saved."),
        "unassigned" => ("任命已撤销。", "The appointment is withdrawn."),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_string())
}

/// The notice after a volunteering or mall form was saved.
pub fn volunteer_notice(lang: Lang, done: &str) -> Option<String> {
    let (zh, en) = match done {
        "station" => ("驿站已添加。", "The station is added."),
        "team" => ("服务队已添加。", "The team is added."),
        "volunteer" => ("志愿者已登记。", "The volunteer is registered."),
        "activity" => ("活动已发布。", "The activity is published."),
        "signed_in" => ("已签到。", "Signed in."),
        "served" => ("服务人数已保存。", "The number of people served is saved."),
        "cancelled" => ("活动已取消。", "The activity is cancelled."),
        "adjusted" => ("积分已调整。", "The points are adjusted."),
        "refunded" => (
            "兑换已退回,积分和库存已恢复。",
            "The exchange is cancelled: points and stock are back.",
        ),
        "item" => ("商品已上架。", "The item is added."),
        "restocked" => ("已补货。", "Restocked."),
        "shelved" => ("已下架。", "Taken off the shelf."),
        "unshelved" => ("已重新上架。", "Back on the shelf."),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_string())
}

pub fn type_label(lang: Lang, key: &str) -> String {
    people::rules()
        .activity_type(key)
        .map(|t| lang.pick(&t.zh, &t.en).to_string())
        .unwrap_or_else(|| key.to_string())
}

/// The views the access log records.
pub const SUBJECTS: [&str; 4] = [
    "attention_counts",
    "attention_list",
    "household_list",
    "household",
];

pub fn subject_label(lang: Lang, subject: &str) -> String {
    let (zh, en) = match subject {
        "attention_counts" => ("名单人数", "list counts"),
        "attention_list" => ("重点人群名单", "special-attention list"),
        "household_list" => ("住户列表", "household list"),
        "household" => ("住户档案", "household record"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}

pub fn kind_label(lang: Lang, kind: &str) -> String {
    match kind {
        "grid_member" => lang.pick("网格员", "grid member").to_string(),
        "building_head" => lang.pick("楼栋长", "building head").to_string(),
        other => other.to_string(),
    }
}
