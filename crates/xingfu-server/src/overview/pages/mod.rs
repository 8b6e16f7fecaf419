//! 一张图: the overview page (with its rankings), server-rendered SVG bars beside tables that
//! hold the same numbers; no JavaScript.

mod map;
mod more;

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde::Deserialize;
use xingfu_core::overview::{
    COMMEND_MIN_RATED, COMMEND_TOP, DENOMINATOR_NOTE, ON_TIME_TARGET, percent_text,
};
use xingfu_core::standard::GovLevel;

use self::map::{MapSection, MapWords, map_section, map_words};
use self::more::{
    FigureTable, MoreLine, MoreWords, bar, figure_tables, more_line, more_words, pct, stacked,
};
use super::service::{self, Overview, OverviewQuery, UnitFigures};
use crate::app::reads::Freshness;
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
    pub more: MoreLine,
}

const STAR_FILLS: [&str; 6] = [
    "#b1b4b6", "#f4c8a8", "#f0a35e", "#d4711f", "#9c4a0c", "#5b2a05",
];

fn line(lang: Lang, w: &Words, f: UnitFigures, most_owed: i64) -> Line {
    let star_bar = stacked(&f.stars.by_star, &STAR_FILLS);
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
        closure_bar: bar(f.closure_rate),
        rectification: pct(f.rectification_rate),
        more: more_line(lang, &f, most_owed),
        f,
    }
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    page: Page,
    w: &'static Words,
    m: &'static MoreWords,
    mw: &'static MapWords,
    o: Overview,
    map: MapSection,
    tables: Vec<FigureTable>,
    dimension_headers: Vec<String>,
    ranked_by_satisfaction: Vec<(String, String, String)>,
    ranked_by_visits: Vec<(String, String, String)>,
    ranked_by_circle: Vec<(String, String, String)>,
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

/// The page's query: the overview's, and the indicator the map is shaded by.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub region: Option<String>,
    pub year: Option<String>,
    pub map: Option<String>,
}

/// (name, value, count) rows of a ranking, in the order of `codes`.
fn ranked(
    lines: &[Line],
    codes: &[String],
    cells: impl Fn(&Line) -> (String, String),
) -> Vec<(String, String, String)> {
    codes
        .iter()
        .filter_map(|c| lines.iter().find(|l| &l.f.code == c))
        .map(|l| {
            let (value, n) = cells(l);
            (l.f.name.clone(), value, n)
        })
        .collect()
}

/// GET /overview?region=CODE&year=YYYY&map=INDICATOR
pub async fn show(visit: Visit, freshness: Freshness, Query(q): Query<PageQuery>) -> PageResult {
    let lang = visit.lang;
    let w = words(lang);
    let year = OverviewQuery {
        region: None,
        year: q.year.clone(),
    }
    .year();
    let o = service::overview(
        &visit.state,
        &visit.user,
        q.region.as_deref(),
        year,
        freshness,
        lang,
    )
    .await?;
    let most_owed = o.units.iter().map(|u| u.owed_total_fen).max().unwrap_or(0);
    let lines: Vec<Line> = o
        .units
        .iter()
        .cloned()
        .map(|f| line(lang, w, f, most_owed))
        .collect();
    let total = line(lang, w, o.total.clone(), 0);
    let map = map_section(lang, q.map.as_deref(), &o.units, &o.places);
    let level_headers: Vec<String> = o
        .reward_levels
        .iter()
        .map(|key| GovLevel::parse(key).map_or(key.clone(), |l| lang.pick(l.zh(), key).to_string()))
        .collect();
    let dimension_headers: Vec<String> = o.dimensions.iter().map(|d| d.name.clone()).collect();
    let tables = figure_tables(
        lang,
        &lines,
        &total,
        (w.total, &level_headers, &dimension_headers),
    );
    let ranked_by_satisfaction = ranked(&lines, &o.by_satisfaction, |l| {
        (
            l.more.satisfaction.clone(),
            l.f.survey.respondents.to_string(),
        )
    });
    let ranked_by_visits = ranked(&lines, &o.by_visit_coverage, |l| {
        (l.more.visits.clone(), l.f.attention.households.to_string())
    });
    let ranked_by_circle = ranked(&lines, &o.by_circle_coverage, |l| {
        (l.more.circle.clone(), l.f.circle.homes.to_string())
    });
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
    let ranked_by_star = ranked(&lines, &o.by_average_star, |l| {
        (l.average.clone(), l.f.rated.to_string())
    });
    let ranked_by_on_time = ranked(&lines, &o.by_on_time_rate, |l| {
        (l.on_time.clone(), l.f.events.closed.to_string())
    });
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
        m: more_words(lang),
        mw: map_words(lang),
        map,
        tables,
        dimension_headers,
        ranked_by_satisfaction,
        ranked_by_visits,
        ranked_by_circle,
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
