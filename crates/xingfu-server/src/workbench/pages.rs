//! The workbench page (工作台): a greeting, the counts per kind as a small navigation, and the
//! list — what to do and to what, where, how long is left (overdue first, marked in words), and a
//! button to the page that does it.

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;
use xingfu_core::todo::TodoKind;
use xingfu_core::workflow::Role;

use super::service;
use crate::app::clock::now_ms;
use crate::i18n::Lang;
use crate::web::page::{Page, PageResult, render, when};
use crate::web::visit::Visit;

crate::word_table! {
    /// The workbench page's texts.
    Words, words {
        title: "工作台" / "Workbench",
        hello: "您好\u{ff0c}" / "Hello, ",
        kinds: "待办分类" / "Kinds of work",
        all: "全部" / "All",
        list: "待办事项" / "To do",
        go: "去处理" / "Go to it",
        deadline: "期限" / "Deadline",
        no_deadline: "无期限" / "No deadline",
        overdue_mark: "已逾期" / "Overdue",
        nothing: "目前没有需要您处理的事项。" / "There is nothing waiting for you now.",
        where_to_look: "新的申报、评分、审批、整改和调查样本会出现在这里。想了解进展\u{ff0c}可以查看" / "New declarations, sheets, approvals, rectifications and survey quotas appear here. To follow progress, see",
        rounds_link: "评选年度" / "the rating rounds",
        or: "或" / "or",
        events_link: "随手拍" / "photo reports",
        none_of_kind: "这一类目前没有待办。" / "Nothing of this kind waits for you.",
        show_all: "查看全部待办" / "Show all",
    }
}

/// `?kind=` filters the list to one kind (the counts stay whole).
#[derive(Deserialize, Default)]
pub struct KindQuery {
    #[serde(default)]
    kind: Option<String>,
}

pub struct KindLink {
    pub key: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub current: bool,
}

pub struct Line {
    pub action: &'static str,
    pub subject: String,
    pub context: String,
    /// The deadline as a date and time, empty without one.
    pub due: String,
    /// "还剩 2 天" / "已逾期 3 小时", empty without a deadline.
    pub left: String,
    pub overdue: bool,
    pub link: String,
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct WorkbenchPage {
    page: Page,
    w: &'static Words,
    name: String,
    role_area: String,
    summary: String,
    total: usize,
    kinds: Vec<KindLink>,
    filtered: bool,
    lines: Vec<Line>,
}

/// The role in words.
fn role_label(lang: Lang, role: Role) -> &'static str {
    let en = match role {
        Role::CityAdmin => "City administrator",
        Role::DistrictAdmin => "District administrator",
        Role::StreetAdmin => "Street administrator",
        Role::CommunityWorker => "Community worker",
        Role::Assessor => "Assessor",
        Role::Resident => "Resident",
    };
    lang.pick(role.zh(), en)
}

/// Time left until a deadline, or past it, in the largest whole unit: "还剩 2 天",
/// "已逾期 3 小时" (under a minute counts as one).
pub fn left_text(lang: Lang, left_ms: i64) -> String {
    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let span = left_ms.unsigned_abs() as i64;
    let (n, zh, en) = if span >= DAY {
        (span / DAY, "天", "day")
    } else if span >= HOUR {
        (span / HOUR, "小时", "hour")
    } else {
        ((span / MINUTE).max(1), "分钟", "minute")
    };
    let plural = if n == 1 { "" } else { "s" };
    match (left_ms < 0, lang.is_en()) {
        (true, true) => format!("{n} {en}{plural} overdue"),
        (true, false) => format!("已逾期 {n} {zh}"),
        (false, true) => format!("{n} {en}{plural} left"),
        (false, false) => format!("还剩 {n} {zh}"),
    }
}

/// GET /workbench: what waits for the signed-in person.
pub async fn workbench(v: Visit, Query(query): Query<KindQuery>) -> PageResult {
    let (state, lang, user) = (&v.state, v.lang, &v.user);
    let w = words(lang);
    let bench = service::workbench(state, user, now_ms()).await?;
    let now = bench.now_ms;
    let chosen = query.kind.as_deref().and_then(TodoKind::parse);
    let kinds = bench
        .counts
        .iter()
        .map(|(kind, count)| {
            let (zh, en) = kind.action();
            KindLink {
                key: kind.key(),
                label: lang.pick(zh, en),
                count: *count,
                current: chosen == Some(*kind),
            }
        })
        .collect();
    let lines = bench
        .items
        .iter()
        .filter(|item| chosen.is_none_or(|kind| item.kind == kind))
        .map(|item| {
            let (zh, en) = item.kind.action();
            Line {
                action: lang.pick(zh, en),
                subject: item.subject.clone(),
                context: item.context.clone(),
                due: item.due_ms.map(when).unwrap_or_default(),
                left: item
                    .left_ms(now)
                    .map(|left| left_text(lang, left))
                    .unwrap_or_default(),
                overdue: item.is_overdue(now),
                link: item.link.clone(),
            }
        })
        .collect();
    let total = bench.items.len();
    let summary = match (bench.overdue, lang.is_en()) {
        (0, true) => format!("{total} item(s) to do, none overdue."),
        (0, false) => format!("共 {total} 项待办\u{ff0c}没有逾期。"),
        (late, true) => format!("{total} item(s) to do, {late} overdue (listed first)."),
        (late, false) => {
            format!("共 {total} 项待办\u{ff0c}其中 {late} 项已逾期\u{ff08}排在最前\u{ff09}。")
        }
    };
    render(WorkbenchPage {
        page: v
            .page_titled("/workbench", w.title.to_string())
            .with_offline(),
        w,
        name: user.user.display_name.clone(),
        role_area: format!("{} · {}", role_label(lang, user.role), user.region_name),
        summary,
        total,
        kinds,
        filtered: chosen.is_some(),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_in_the_largest_whole_unit() {
        const HOUR: i64 = 3_600_000;
        assert_eq!(left_text(Lang::Zh, 2 * 24 * HOUR + 5 * HOUR), "还剩 2 天");
        assert_eq!(left_text(Lang::Zh, -3 * HOUR - 10), "已逾期 3 小时");
        assert_eq!(left_text(Lang::Zh, 1), "还剩 1 分钟");
        assert_eq!(left_text(Lang::En, -24 * HOUR), "1 day overdue");
        assert_eq!(left_text(Lang::En, 5 * 60_000), "5 minutes left");
    }
}
