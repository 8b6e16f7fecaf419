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

/// A stored key with its words: (key, Chinese, English).
type Words = (&'static str, &'static str, &'static str);

/// The words for `key` in a table, if it has them.
fn lookup(table: &[Words], lang: Lang, key: &str) -> Option<String> {
    table
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| lang.pick(zh, en).to_string())
}

/// The notices a page shows for the `done=` of the redirect after a saved form.
pub struct Notices(&'static [Words]);

impl Notices {
    pub fn after(&self, lang: Lang, done: &str) -> Option<String> {
        lookup(self.0, lang, done)
    }
}

/// After a home-visit form was saved.
pub const VISIT_NOTICES: Notices = Notices(&[
    ("household", "住户已登记。", "The household is registered."),
    ("attention", "已加入名单。", "Added to the list."),
    ("removed", "已移出名单。", "Taken off the list."),
    ("visit", "走访记录已保存。", "The visit is recorded."),
    ("follow_up", "后续事项已办结。", "The follow-up is done."),
    (
        "follow_up_already",
        "该事项此前已办结。",
        "That follow-up was already done.",
    ),
    ("assigned", "任命已保存。", "The appointment is saved."),
    (
        "unassigned",
        "任命已撤销。",
        "The appointment is withdrawn.",
    ),
]);

/// After a volunteering or mall form was saved.
pub const VOLUNTEER_NOTICES: Notices = Notices(&[
    ("station", "驿站已添加。", "The station is added."),
    ("team", "服务队已添加。", "The team is added."),
    (
        "volunteer",
        "志愿者已登记。",
        "The volunteer is registered.",
    ),
    ("activity", "活动已发布。", "The activity is published."),
    ("signed_in", "已签到。", "Signed in."),
    (
        "served",
        "服务人数已保存。",
        "The number of people served is saved.",
    ),
    ("cancelled", "活动已取消。", "The activity is cancelled."),
    ("adjusted", "积分已调整。", "The points are adjusted."),
    (
        "refunded",
        "兑换已退回，积分和库存已恢复。",
        "The exchange is cancelled: points and stock are back.",
    ),
    ("item", "商品已上架。", "The item is added."),
    ("restocked", "已补货。", "Restocked."),
    ("shelved", "已下架。", "Taken off the shelf."),
    ("unshelved", "已重新上架。", "Back on the shelf."),
    (
        "handed_out",
        "已发放，这笔兑换已从待发放名单中移除。",
        "Handed out: the exchange is off the list to hand out.",
    ),
]);

pub fn type_label(lang: Lang, key: &str) -> String {
    people::rules()
        .activity_type(key)
        .map(|t| lang.pick(&t.zh, &t.en).to_string())
        .unwrap_or_else(|| key.to_string())
}

/// The views the access log records.
pub const SUBJECTS: [Words; 5] = [
    ("attention_counts", "名单人数", "list counts"),
    ("attention_list", "重点人群名单", "special-attention list"),
    ("household_list", "住户列表", "household list"),
    ("household", "住户档案", "household record"),
    (
        "todo_follow_ups",
        "待办回访",
        "follow-ups in the to-do list",
    ),
];

pub fn subject_label(lang: Lang, subject: &str) -> String {
    lookup(&SUBJECTS, lang, subject).unwrap_or_else(|| subject.to_string())
}

const KINDS: [Words; 2] = [
    ("grid_member", "网格员", "grid member"),
    ("building_head", "楼栋长", "building head"),
];

pub fn kind_label(lang: Lang, kind: &str) -> String {
    lookup(&KINDS, lang, kind).unwrap_or_else(|| kind.to_string())
}
