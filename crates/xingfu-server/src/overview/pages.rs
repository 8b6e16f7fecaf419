//! 一张图: the overview page (with its rankings), server-rendered SVG bars beside tables that
//! hold the same numbers; no JavaScript.

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use xingfu_core::decimal::Dec2;
use xingfu_core::overview::{
    COMMEND_MIN_RATED, COMMEND_TOP, DENOMINATOR_NOTE, ON_TIME_TARGET, percent_text,
};

use super::service::{self, Overview, OverviewQuery, UnitFigures};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::web::page::{Page, PageResult, render};
use crate::web::visit::Visit;

crate::word_table! {
    /// The overview's texts.
    Words, words {
        title: "一张图" / "Programme at a glance",
        year: "年度" / "Year",
        show: "查看" / "Show",
        up: "返回上一级" / "Up one level",
        unit: "单位" / "Unit",
        declared: "申报" / "Declared",
        rated: "已评" / "Rated",
        refused: "不予受理" / "Refused",
        pending: "未出结果" / "No result yet",
        no_star: "无星" / "No star",
        average: "平均星级" / "Average star",
        chart: "图" / "Chart",
        stars_heading: "星级分布" / "Star distribution",
        targets_heading: "目标进度" / "Progress against targets",
        no_targets: "本年度的评价标准未设比例目标。" / "The year's standard sets no share targets.",
        met: "已达到" / "met",
        events_heading: "随手拍" / "随手拍 photo reports",
        reported: "上报" / "Reported",
        closed: "办结" / "Closed",
        closure: "办结率" / "Closed",
        on_time: "按时办结率" / "On time",
        overdue: "超时未办结" / "Overdue, open",
        rect_heading: "整改完成情况" / "Rectification",
        tasks: "整改任务" / "Tasks",
        verified: "已验收" / "Verified",
        completion: "完成率" / "Completed",
        rank_heading: "排名" / "Rankings",
        by_star: "按平均星级" / "By average star",
        by_on_time: "按随手拍按时办结率" / "By 随手拍 on-time rate",
        commend_heading: "通报表扬" / "Commendation",
        remind_heading: "约谈提醒" / "Reminders",
        none_commended: "本年度没有单位符合表扬条件。" / "No unit qualifies this year.",
        none_reminded: "本年度没有落后于目标的单位。" / "No unit is behind this year.",
        total: "合计" / "Total",
        sources_heading: "数据来源与口径" / "Where the figures come from",
        source_stars: "星级\u{ff1a}本年度各评选年度中的社区评定结果\u{ff08}与奖励与目标页面、评选结果Excel同一计算\u{ff09}。" / "Stars: the results of the year's rounds (the same computation as the rewards page and the round's Excel export).",
        source_targets: "目标\u{ff1a}本年度评价标准中的比例目标\u{ff1b}\u{201c}落后于目标\u{201d}指按已评社区计算\u{ff0c}达到该星级及以上的社区比例低于目标。" / "Targets: the share targets of the year's standard; \"behind target\" means the share of rated communities at that star or above is below the target.",
        source_events: "随手拍\u{ff1a}本年度\u{ff08}北京时间1月1日起\u{ff09}上报的事件\u{ff0c}不含不予受理和合并的重复上报\u{ff1b}超时未办结指尚未办结且已超过处置时限。" / "随手拍: events reported in the year (from 1 January, China Standard Time), without rejected reports and merged duplicates; overdue means still open and past a deadline.",
        source_rect: "整改\u{ff1a}本年度评选年度中的整改任务\u{ff0c}完成指已验收。" / "Rectification: the tasks of the year's rounds; completed means verified.",
        source_left_out: "尚未列入\u{ff1a}满意度调查回收与满意度、关爱对象走访覆盖、志愿服务时长、15分钟服务圈覆盖、逐年复评结果和各级奖励资金。" / "Not yet shown here: survey returns and satisfaction, attention-list visit coverage, volunteer hours, 15-minute coverage, year-over-year re-review outcomes and rewards owed per level.",
        no_rounds: "该地区还没有评选年度。" / "This area has no round yet.",
    }
}

/// One bar segment of an SVG chart (x and width in per cent of the bar).
pub struct Segment {
    pub x: String,
    pub width: String,
    pub fill: &'static str,
}

/// A unit's line on the page.
pub struct Line {
    pub f: UnitFigures,
    pub counts: Vec<usize>,
    pub average: String,
    pub star_bar: Vec<Segment>,
    pub star_label: String,
    pub targets: Vec<String>,
    pub closure: String,
    pub on_time: String,
    pub closure_bar: Option<String>,
    pub rectification: String,
}

const STAR_FILLS: [&str; 6] = [
    "#b1b4b6", "#f4c8a8", "#f0a35e", "#d4711f", "#9c4a0c", "#5b2a05",
];

fn pct(p: Option<Dec2>) -> String {
    p.map(percent_text).unwrap_or_else(|| "—".to_string())
}

fn line(lang: Lang, w: &Words, f: UnitFigures) -> Line {
    let rated = f.stars.rated();
    let mut x = 0usize;
    let mut star_bar = Vec::new();
    for (star, &n) in f.stars.by_star.iter().enumerate() {
        if n == 0 || rated == 0 {
            continue;
        }
        // Widths in hundredths of a per cent, so the bar adds to exactly 100.
        let from = x * 10_000 / rated;
        x += n;
        let to = x * 10_000 / rated;
        star_bar.push(Segment {
            x: format!("{}.{:02}", from / 100, from % 100),
            width: format!("{}.{:02}", (to - from) / 100, (to - from) % 100),
            fill: STAR_FILLS[star],
        });
    }
    let star_label = f
        .stars
        .by_star
        .iter()
        .enumerate()
        .map(|(star, n)| {
            if star == 0 {
                format!("{} {n}", w.no_star)
            } else {
                format!("{star}\u{2605} {n}")
            }
        })
        .collect::<Vec<_>>()
        .join(if lang.is_en() { ", " } else { "\u{ff0c}" });
    let targets = f
        .targets
        .iter()
        .map(|p| {
            let state = if p.met {
                w.met.to_string()
            } else if lang.is_en() {
                format!("{} more needed", p.short_by)
            } else {
                format!("还差{}个", p.short_by)
            };
            format!(
                "{}/{} {} \u{2014} {state}",
                p.count,
                p.of,
                percent_text(p.percent)
            )
        })
        .collect();
    Line {
        counts: f.stars.by_star.to_vec(),
        average: f
            .average_star
            .map(|a| format!("{}.{:02}", a.hundredths() / 100, a.hundredths() % 100))
            .unwrap_or_else(|| "—".to_string()),
        star_bar,
        star_label,
        targets,
        closure: pct(f.closure_rate),
        on_time: pct(f.on_time_rate),
        closure_bar: f
            .closure_rate
            .map(|r| format!("{}.{:02}", r.hundredths() / 100, r.hundredths() % 100)),
        rectification: pct(f.rectification_rate),
        f,
    }
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    page: Page,
    w: &'static Words,
    o: Overview,
    lines: Vec<Line>,
    total: Line,
    target_headers: Vec<String>,
    ranked_by_star: Vec<(String, String, String)>,
    ranked_by_on_time: Vec<(String, String, String)>,
    commended: Vec<(String, String)>,
    commend_rule: String,
    remind_rule: String,
    denominator_note: &'static str,
}

fn name_of(lines: &[Line], code: &str) -> String {
    lines
        .iter()
        .find(|l| l.f.code == code)
        .map(|l| l.f.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// GET /overview?region=CODE&year=YYYY
pub async fn show(visit: Visit, Query(q): Query<OverviewQuery>) -> PageResult {
    let lang = visit.lang;
    let w = words(lang);
    let o = service::overview(
        &visit.state,
        &visit.user,
        q.region.as_deref(),
        q.year(),
        lang,
    )
    .await?;
    let lines: Vec<Line> = o.units.iter().cloned().map(|f| line(lang, w, f)).collect();
    let total = line(lang, w, o.total.clone());
    let target_headers = o
        .targets
        .iter()
        .map(|t| {
            if lang.is_en() {
                let by = t.by_year.map(|y| format!(" by {y}")).unwrap_or_default();
                format!("{}\u{2605}+ \u{2265} {}%{by}", t.min_stars, t.percent)
            } else {
                let by = t
                    .by_year
                    .map(|y| format!("\u{ff08}{y}年\u{ff09}"))
                    .unwrap_or_default();
                format!("{}星及以上\u{2265}{}%{by}", t.min_stars, t.percent)
            }
        })
        .collect();
    let ranked_by_star = o
        .by_average_star
        .iter()
        .filter_map(|c| lines.iter().find(|l| &l.f.code == c))
        .map(|l| (l.f.name.clone(), l.average.clone(), l.f.rated.to_string()))
        .collect();
    let ranked_by_on_time = o
        .by_on_time_rate
        .iter()
        .filter_map(|c| lines.iter().find(|l| &l.f.code == c))
        .map(|l| {
            (
                l.f.name.clone(),
                l.on_time.clone(),
                l.f.events.closed.to_string(),
            )
        })
        .collect();
    let commended = o
        .commended
        .iter()
        .map(|c| {
            let l = lines.iter().find(|l| &l.f.code == c);
            (
                name_of(&lines, c),
                l.map(|l| l.average.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let target = percent_text(ON_TIME_TARGET);
    let (commend_rule, remind_rule) = if lang.is_en() {
        (
            format!(
                "The {COMMEND_TOP} units with the highest average star among those with at least {COMMEND_MIN_RATED} rated communities (ties: more at 5 stars)."
            ),
            format!(
                "A unit is reminded when a target is not met by its rated communities, or when its 随手拍 on-time rate is below {target}."
            ),
        )
    } else {
        (
            format!(
                "已评社区不少于{COMMEND_MIN_RATED}个的单位中平均星级最高的前{COMMEND_TOP}名\u{ff08}并列时五星比例高者在前\u{ff09}。"
            ),
            format!(
                "已评社区达到某星级及以上的比例低于目标\u{ff0c}或随手拍按时办结率低于{target}的单位列入约谈提醒。"
            ),
        )
    };
    let path = format!("/overview?region={}&year={}", o.region_code, o.year);
    render(OverviewPage {
        page: visit.page_titled(&path, format!("{} \u{2014} {}", w.title, o.region_name)),
        w,
        lines,
        total,
        target_headers,
        ranked_by_star,
        ranked_by_on_time,
        commended,
        commend_rule,
        remind_rule,
        denominator_note: lang.pick(DENOMINATOR_NOTE.0, DENOMINATOR_NOTE.1),
        o,
    })
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/overview", get(show))
}
