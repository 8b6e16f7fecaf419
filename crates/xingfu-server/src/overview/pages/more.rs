//! The overview page's sections for re-review, rewards, surveys, attention-list visits with
//! volunteering, and the 15-minute circle: per unit the cells of each table and the SVG bars
//! that draw the same numbers.

use xingfu_core::decimal::{Dec2, Fen};
use xingfu_core::overview::percent_text;

use super::Segment;
use crate::i18n::Lang;
use crate::overview::service::UnitFigures;

crate::word_table! {
    /// The texts of the overview's further sections.
    MoreWords, more_words {
        re_heading: "逐年复评结果" / "Year-over-year re-review",
        re_note: "复评指本年度已评定\u{3001}上一年度已有星级的社区\u{ff1b}保持\u{3001}升星\u{3001}降星\u{3001}摘星按评选规则判定\u{ff08}与社区结果页相同\u{ff09}\u{ff0c}比例的分母为复评社区数\u{3002}新评指上一年度无星\u{3001}本年度评上星级的社区\u{ff0c}不计入复评\u{3002}" / "Re-reviewed: communities rated this year that held a star last year; kept, raised, lowered and lost (revoked) follow the round's rule (as on the community's result page), and the share's denominator is the re-reviewed communities. New: no star last year, a star now (not re-reviewed).",
        reviewed: "复评" / "Re-reviewed",
        kept: "保持" / "Kept",
        raised: "升星" / "Raised",
        lowered: "降星" / "Lowered",
        lost: "摘星" / "Lost",
        held: "保持或升星比例" / "Kept or raised",
        newly: "新评" / "New",
        owed_heading: "各级奖励资金" / "Rewards owed per level",
        owed_note: "按本年度评定结果和评价标准的奖励办法计算\u{ff08}与评选年度的奖励与目标页面同一规则\u{ff09}\u{ff0c}单位为元\u{ff1b}不予受理和未出结果的社区不计\u{3002}" / "From the year's results and the standard's reward schedule (the same rule as the round's rewards page), in yuan; refused communities and those without a result are not counted.",
        owed_total: "奖励合计" / "Total owed",
        no_rewards: "本年度的评价标准未设奖励办法\u{3002}" / "The year's standards set no rewards.",
        survey_heading: "满意度调查" / "Satisfaction surveys",
        survey_note: "回收指计入统计的答卷\u{ff08}待核实和已剔除的不计\u{ff09}\u{ff1b}满意率为满意答案占计入答案的比例\u{ff0c}\u{201c}不了解\u{201d}不计入\u{ff1b}总体满意率合并各维度的全部计入答案\u{3002}此处四舍五入保留两位小数\u{ff1b}评分和是否达标以调查结果页为准\u{ff08}按规则截断\u{ff09}\u{3002}" / "Returns: answers counted (those held for review or rejected are not); satisfaction is satisfied answers of counted answers, \"don't know\" not counted; overall pools every counted answer of every dimension. Rounded half up here; scoring and thresholds follow the survey results page (truncated, by the rule).",
        respondents: "回收答卷" / "Returns",
        overall: "总体满意率" / "Overall",
        no_survey: "本年度的评选年度没有开展满意度调查\u{3002}" / "The year's rounds run no survey.",
        care_heading: "关爱走访与志愿服务" / "Attention-list visits and volunteering",
        care_note: "名单户数指本年度内曾在重点关注人群名单上的户\u{ff08}年底前列入且未在年初前移出\u{ff09}\u{ff0c}已走访指其中本年度有入户走访记录的户\u{ff0c}覆盖率为已走访户数占名单户数的比例\u{3002}志愿服务时长为本年度开展\u{ff08}未取消\u{ff09}的活动中签退时计入的时长\u{3002}" / "On lists: households on a special-attention list at any time in the year (added before its end, not removed before its start); visited: of them, those with a home visit in the year; coverage is visited of on lists. Volunteer hours: the time counted at sign-out at the activities held (not cancelled) in the year.",
        households: "名单户数" / "Households on lists",
        visited: "已走访" / "Visited",
        coverage: "走访覆盖率" / "Visit coverage",
        activities: "志愿活动" / "Activities",
        hours: "志愿服务时长\u{ff08}小时\u{ff09}" / "Volunteer hours",
        circle_heading: "15分钟服务圈覆盖" / "15-minute coverage",
        circle_note: "各社区最近一次计算的覆盖情况\u{ff1a}步行15分钟内六项服务功能齐全的住宅占住宅总数的比例\u{3002}单位的覆盖率按住宅数加权\u{ff08}以住宅数代表人口\u{ff09}\u{ff0c}即各社区覆盖住宅之和占住宅之和的比例\u{ff1b}尚未计算的社区不计入\u{3002}" / "The latest computed coverage of each community: homes with all six service functions within a 15-minute walk, of all homes. A unit's coverage is weighted by homes (standing in for population): covered homes summed over homes summed; communities not computed are left out.",
        computed: "已计算社区" / "Communities computed",
        covered_homes: "覆盖住宅" / "Homes covered",
        homes: "住宅" / "Homes",
        circle_rate: "覆盖率" / "Coverage",
        by_satisfaction: "按总体满意率" / "By overall satisfaction",
        by_visits: "按关爱对象走访覆盖率" / "By attention-list visit coverage",
        by_circle: "按15分钟服务圈覆盖率" / "By 15-minute coverage",
    }
}

/// Colours of the re-review bar: kept, raised, lowered, lost.
const RE_REVIEW_FILLS: [&str; 4] = ["#1d70b8", "#00703c", "#f47738", "#d4351c"];

/// Counts as one stacked bar: each non-zero count a segment, widths in hundredths of a per
/// cent so the bar adds to exactly 100.
pub fn stacked(counts: &[usize], fills: &[&'static str]) -> Vec<Segment> {
    let whole: usize = counts.iter().sum();
    let mut x = 0usize;
    let mut out = Vec::new();
    for (&n, &fill) in counts.iter().zip(fills) {
        if n == 0 || whole == 0 {
            continue;
        }
        let from = x * 10_000 / whole;
        x += n;
        let to = x * 10_000 / whole;
        out.push(Segment {
            x: hundredths(from as i64),
            width: hundredths((to - from) as i64),
            fill,
        });
    }
    out
}

fn hundredths(h: i64) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

/// The width of a bar drawing a percentage (0 to 100).
pub fn bar(rate: Option<Dec2>) -> Option<String> {
    rate.map(|r| hundredths(r.hundredths().clamp(0, 10_000)))
}

/// A percentage as shown, or a dash.
pub fn pct(p: Option<Dec2>) -> String {
    p.map(percent_text)
        .unwrap_or_else(|| "\u{2014}".to_string())
}

/// A unit's cells in the further sections.
pub struct MoreLine {
    pub re_counts: [usize; 4],
    pub re_bar: Vec<Segment>,
    pub re_label: String,
    pub held: String,
    pub owed: Vec<String>,
    pub owed_total: String,
    pub owed_bar: Option<String>,
    pub satisfaction: String,
    pub satisfaction_bar: Option<String>,
    pub dimensions: Vec<String>,
    pub visits: String,
    pub visits_bar: Option<String>,
    pub hours: String,
    pub circle: String,
    pub circle_bar: Option<String>,
}

/// The cells of one unit; `most_owed` (fen) is the longest rewards bar.
pub fn more_line(lang: Lang, f: &UnitFigures, most_owed: i64) -> MoreLine {
    let w = more_words(lang);
    let r = &f.re_review;
    let re_counts = [r.kept, r.raised, r.lowered, r.lost];
    let re_label = [w.kept, w.raised, w.lowered, w.lost]
        .iter()
        .zip(re_counts)
        .map(|(label, n)| format!("{label} {n}"))
        .collect::<Vec<_>>()
        .join(lang.pick("\u{ff0c}", ", "));
    MoreLine {
        re_bar: stacked(&re_counts, &RE_REVIEW_FILLS),
        re_counts,
        re_label,
        held: pct(f.re_review_held_rate),
        owed: f.owed.iter().map(|o| Fen(o.fen).to_string()).collect(),
        owed_total: Fen(f.owed_total_fen).to_string(),
        owed_bar: (most_owed > 0).then(|| {
            hundredths((i128::from(f.owed_total_fen) * 10_000 / i128::from(most_owed)) as i64)
        }),
        satisfaction: pct(f.survey.rate),
        satisfaction_bar: bar(f.survey.rate),
        dimensions: f.survey.dimensions.iter().map(|d| pct(d.rate)).collect(),
        visits: pct(f.attention.rate),
        visits_bar: bar(f.attention.rate),
        hours: hundredths(f.volunteering.hours.hundredths()),
        circle: pct(f.circle.rate),
        circle_bar: bar(f.circle.rate),
    }
}

/// A row of a [`FigureTable`]: the unit, its bar, its numbers.
pub struct FigureRow {
    pub code: String,
    pub name: String,
    pub total: bool,
    /// The bar's width in per cent, and what it says.
    pub bar: Option<String>,
    pub label: String,
    pub cells: Vec<String>,
}

/// One of the sections drawn the same way: a table whose second column is a bar of the row's
/// leading figure (rewards, surveys, visits and volunteering, the circle).
pub struct FigureTable {
    /// The section's id; the table's is `{id}-table`.
    pub id: &'static str,
    pub heading: &'static str,
    pub note: &'static str,
    /// Said instead of the table when the year has nothing of the kind.
    pub empty: Option<&'static str>,
    /// The number columns' headings.
    pub headers: Vec<String>,
    pub rows: Vec<FigureRow>,
}

/// A row's bar width, the bar's words and the number cells.
type RowCells = (Option<String>, String, Vec<String>);

/// The figure tables of the units and the total (the total's name is `total_name`).
pub fn figure_tables(
    lang: Lang,
    lines: &[super::Line],
    total: &super::Line,
    (total_name, levels, dimensions): (&str, &[String], &[String]),
) -> Vec<FigureTable> {
    let w = more_words(lang);
    let rows = |cells: &dyn Fn(&super::Line) -> RowCells| {
        lines
            .iter()
            .map(|l| (l, false))
            .chain([(total, true)])
            .map(|(l, is_total)| {
                let (bar, label, cells) = cells(l);
                FigureRow {
                    code: l.f.code.clone(),
                    name: if is_total {
                        total_name.to_string()
                    } else {
                        l.f.name.clone()
                    },
                    total: is_total,
                    bar,
                    label,
                    cells,
                }
            })
            .collect::<Vec<_>>()
    };
    let with = |first: &[&str], more: &[String]| -> Vec<String> {
        first
            .iter()
            .map(|h| h.to_string())
            .chain(more.iter().cloned())
            .collect()
    };
    vec![
        FigureTable {
            id: "owed",
            heading: w.owed_heading,
            note: w.owed_note,
            empty: levels.is_empty().then_some(w.no_rewards),
            headers: with(&[], levels)
                .into_iter()
                .chain([w.owed_total.to_string()])
                .collect(),
            rows: rows(&|l| {
                let m = &l.more;
                let mut cells = m.owed.clone();
                cells.push(m.owed_total.clone());
                (m.owed_bar.clone(), m.owed_total.clone(), cells)
            }),
        },
        FigureTable {
            id: "survey",
            heading: w.survey_heading,
            note: w.survey_note,
            empty: dimensions.is_empty().then_some(w.no_survey),
            headers: with(&[w.respondents, w.overall], dimensions),
            rows: rows(&|l| {
                let m = &l.more;
                let mut cells = vec![l.f.survey.respondents.to_string(), m.satisfaction.clone()];
                cells.extend(m.dimensions.iter().cloned());
                (m.satisfaction_bar.clone(), m.satisfaction.clone(), cells)
            }),
        },
        FigureTable {
            id: "care",
            heading: w.care_heading,
            note: w.care_note,
            empty: None,
            headers: with(
                &[w.households, w.visited, w.coverage, w.activities, w.hours],
                &[],
            ),
            rows: rows(&|l| {
                let (m, f) = (&l.more, &l.f);
                let cells = vec![
                    f.attention.households.to_string(),
                    f.attention.visited.to_string(),
                    m.visits.clone(),
                    f.volunteering.activities.to_string(),
                    m.hours.clone(),
                ];
                (m.visits_bar.clone(), m.visits.clone(), cells)
            }),
        },
        FigureTable {
            id: "circle",
            heading: w.circle_heading,
            note: w.circle_note,
            empty: None,
            headers: with(&[w.computed, w.covered_homes, w.homes, w.circle_rate], &[]),
            rows: rows(&|l| {
                let (m, f) = (&l.more, &l.f);
                let cells = vec![
                    f.circle.communities.to_string(),
                    f.circle.covered.to_string(),
                    f.circle.homes.to_string(),
                    m.circle.clone(),
                ];
                (m.circle_bar.clone(), m.circle.clone(), cells)
            }),
        },
    ]
}
