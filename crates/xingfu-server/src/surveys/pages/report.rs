//! An area's results as the results page shows them: tables with every rate, and a chart of
//! the dimensions drawn with the same numbers.

use xingfu_core::standard::SurveyScoring;
use xingfu_core::survey::questionnaire::Counts;
use xingfu_core::survey::report;
use xingfu_core::survey::results::{RateSummary, SurveyReport, WithheldReason, dimension_rate};

use crate::app::error::AppError;
use crate::i18n::Lang;
use crate::surveys::pages::form::local;
use crate::surveys::results::AreaResults;

/// A rate as a page shows it.
pub struct RateView {
    pub percent: String,
    pub fraction: String,
    pub not_counted: u64,
    pub interval: String,
}

/// A rate in percent with two decimals (`86.20%`), as every table and chart shows it.
fn percent_2(percent: xingfu_core::Dec2) -> String {
    let hundredths = percent.hundredths();
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

fn percent_text(summary: &RateSummary) -> String {
    summary.percent.map(percent_2).unwrap_or_else(|| "—".into())
}

fn rate_view(summary: &RateSummary) -> RateView {
    RateView {
        percent: percent_text(summary),
        fraction: format!("{} / {}", summary.satisfied, summary.counted),
        not_counted: summary.not_counted,
        interval: summary
            .wilson
            .map(|i| format!("{:.2}%–{:.2}%", i.low, i.high))
            .unwrap_or_else(|| "—".into()),
    }
}

pub struct DimensionRow {
    pub name: String,
    pub sample: String,
    pub fraction: String,
    pub not_counted: u64,
    pub percent: String,
    pub interval: String,
    pub checks: Vec<String>,
}

pub struct OptionRow {
    pub label: String,
    pub count: u64,
    pub share: String,
    /// Bar width out of 200.
    pub width: u64,
}

pub struct QuestionRows {
    pub id: String,
    pub text: String,
    pub rows: Vec<OptionRow>,
}

pub struct CommunityRow {
    pub code: String,
    pub name: String,
    pub respondents: u64,
    pub quota: String,
    pub overall: String,
    pub dimensions: Vec<String>,
}

pub struct ResultsView {
    pub respondents: u64,
    /// Counted, held and rejected answers, and that the rating uses the counted ones only.
    pub review_line: String,
    pub quota_line: Option<String>,
    pub overall: RateView,
    pub survey_points: Option<String>,
    pub channels: Vec<(String, u64)>,
    pub chart: String,
    pub dimensions: Vec<DimensionRow>,
    pub questions: Vec<QuestionRows>,
    pub dimension_names: Vec<String>,
    pub communities: Vec<CommunityRow>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The dimensions' rates as horizontal bars, with their Wilson intervals and the standard's
/// thresholds: an SVG the server draws, hidden from screen readers (the table carries the same
/// numbers).
fn dimension_chart(lang: Lang, report: &SurveyReport<'_>) -> String {
    let label_width = 190.0;
    let bar_width = 400.0;
    let row = 44.0;
    let top = 24.0;
    let height = top + row * report.dimensions.len() as f64 + 8.0;
    let x = |percent: f64| label_width + bar_width * percent.clamp(0.0, 100.0) / 100.0;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 680 {height}" width="100%" style="max-width:680px" aria-hidden="true" focusable="false" font-size="14" font-family="sans-serif">"##
    );
    for tick in [0.0, 50.0, 90.0, 100.0] {
        svg.push_str(&format!(
            r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#b1b4b6" stroke-width="1"/><text x="{0}" y="16" text-anchor="middle" fill="#444">{3}%</text>"##,
            x(tick),
            top - 4.0,
            height - 4.0,
            tick
        ));
    }
    for (index, dimension) in report.dimensions.iter().enumerate() {
        let y = top + row * index as f64;
        let name = local(lang, dimension.name, dimension.name_en);
        svg.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end" fill="#111">{}</text>"##,
            label_width - 8.0,
            y + 22.0,
            escape(name)
        ));
        svg.push_str(&format!(
            r##"<rect x="{label_width}" y="{}" width="{bar_width}" height="22" fill="#f3f2f1" stroke="#767676" stroke-width="1"/>"##,
            y + 6.0
        ));
        if let Some(percent) = dimension.rate.percent {
            let value = percent.to_f64();
            svg.push_str(&format!(
                r##"<rect x="{label_width}" y="{}" width="{}" height="22" fill="#0b4f9c"/>"##,
                y + 6.0,
                x(value) - label_width
            ));
            svg.push_str(&format!(
                r##"<text x="{}" y="{}" fill="#111" font-weight="bold">{}</text>"##,
                label_width + bar_width + 10.0,
                y + 22.0,
                percent_2(percent)
            ));
        }
        if let Some(interval) = dimension.rate.wilson {
            let (low, high) = (x(interval.low), x(interval.high));
            let mid = y + 17.0;
            svg.push_str(&format!(
                r##"<line x1="{low}" y1="{mid}" x2="{high}" y2="{mid}" stroke="#ffbf47" stroke-width="3"/><line x1="{low}" y1="{}" x2="{low}" y2="{}" stroke="#ffbf47" stroke-width="3"/><line x1="{high}" y1="{}" x2="{high}" y2="{}" stroke="#ffbf47" stroke-width="3"/>"##,
                mid - 5.0,
                mid + 5.0,
                mid - 5.0,
                mid + 5.0
            ));
        }
        for clause in &dimension.clauses {
            if let SurveyScoring::Threshold { threshold } = clause.scoring {
                let at = x(threshold.to_f64());
                svg.push_str(&format!(
                    r##"<line x1="{at}" y1="{}" x2="{at}" y2="{}" stroke="#b00020" stroke-width="2" stroke-dasharray="4 3"/>"##,
                    y + 2.0,
                    y + 32.0
                ));
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

fn withheld_text(lang: Lang, reason: WithheldReason) -> String {
    if lang.is_en() {
        reason.en()
    } else {
        reason.zh()
    }
}

/// The report of an area as tables and a chart.
pub fn results_view(lang: Lang, results: &AreaResults) -> Result<ResultsView, AppError> {
    let is_community = results.area.level == "community";
    let q = &results.survey.questionnaire;
    let report = report(q, &results.tally, Some(&results.standard), results.quota)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("survey report: {e}")))?;
    let en = lang.is_en();
    let dimensions = report
        .dimensions
        .iter()
        .map(|d| {
            let mut checks = Vec::new();
            for clause in &d.clauses {
                let mut line = match clause.scoring {
                    SurveyScoring::Threshold { threshold } => {
                        let verdict = match clause.met {
                            Some(true) => lang.pick("达到", "met").to_string(),
                            Some(false) => {
                                let short = clause
                                    .satisfied_needed
                                    .unwrap_or(0)
                                    .saturating_sub(d.rate.satisfied);
                                if en {
                                    format!("not met ({short} more satisfied answers needed)")
                                } else {
                                    format!("未达到（还差 {short} 个满意的回答）")
                                }
                            }
                            None => lang.pick("没有有效回答", "no counted answer").to_string(),
                        };
                        format!("{} ≥ {threshold}%:{verdict}", clause.clause)
                    }
                    SurveyScoring::Proportional => {
                        format!(
                            "{} {}",
                            clause.clause,
                            lang.pick("按满意率比例计分", "scored in proportion to the rate")
                        )
                    }
                };
                // Points belong to a community's entry; an area shows its rates only.
                match (clause.earned, clause.withheld) {
                    _ if !is_community => {}
                    (_, Some(reason)) => {
                        line.push_str(&format!(
                            "{}{}",
                            lang.pick("；未评估：", "; not assessed: "),
                            withheld_text(lang, reason)
                        ));
                    }
                    (Some(earned), None) => line.push_str(&format!(
                        "{}{earned} / {}",
                        lang.pick("；得分 ", "; points "),
                        clause.max
                    )),
                    (None, None) => {}
                }
                checks.push(line);
            }
            let sample = match d.quota {
                Some(quota) if !quota.met => format!(
                    "{} ({})",
                    d.respondents,
                    if en {
                        format!("{} short of {}", quota.short, quota.need)
                    } else {
                        format!("距要求 {} 户还差 {} 户", quota.need, quota.short)
                    }
                ),
                _ => d.respondents.to_string(),
            };
            let rate = rate_view(&d.rate);
            DimensionRow {
                name: local(lang, d.name, d.name_en).to_string(),
                sample,
                fraction: rate.fraction,
                not_counted: rate.not_counted,
                percent: rate.percent,
                interval: rate.interval,
                checks,
            }
        })
        .collect();
    let questions = report
        .questions
        .iter()
        .filter(|question| !question.options.is_empty())
        .map(|question| {
            let total: u64 = question.options.iter().map(|o| o.count).sum();
            let text = q
                .question(question.id)
                .map(|full| local(lang, &full.text, full.text_en.as_deref()))
                .unwrap_or(question.text);
            QuestionRows {
                id: question.id.to_string(),
                text: text.to_string(),
                rows: question
                    .options
                    .iter()
                    .map(|o| {
                        let mut label = local(lang, o.label, o.label_en).to_string();
                        if o.counts == Counts::NotCounted {
                            label.push_str(lang.pick("（不计入满意率）", " (not in the rate)"));
                        }
                        OptionRow {
                            label,
                            count: o.count,
                            share: if total == 0 {
                                "—".into()
                            } else {
                                format!("{:.1}%", o.count as f64 * 100.0 / total as f64)
                            },
                            width: (o.count * 200).checked_div(total).unwrap_or(0),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let quota = results.survey.quota();
    let communities = results
        .listed_communities()
        .iter()
        .map(|c| {
            let check = quota.check(c.tally.respondents());
            let dimensions = q
                .dimensions
                .iter()
                .map(|d| {
                    dimension_rate(q, &c.tally, &d.id)
                        .0
                        .percent()
                        .map(percent_2)
                        .unwrap_or_else(|| "—".into())
                })
                .collect();
            let overall = q
                .dimensions
                .iter()
                .map(|d| dimension_rate(q, &c.tally, &d.id).0)
                .fold(xingfu_core::survey::Rate::default(), |sum, rate| {
                    xingfu_core::survey::Rate {
                        satisfied: sum.satisfied.saturating_add(rate.satisfied),
                        counted: sum.counted.saturating_add(rate.counted),
                    }
                });
            CommunityRow {
                code: c.code.clone(),
                name: c.name.clone(),
                respondents: c.tally.respondents(),
                quota: if check.met {
                    lang.pick("达到", "met").to_string()
                } else if en {
                    format!("{} short", check.short)
                } else {
                    format!("差 {} 户", check.short)
                },
                overall: overall
                    .percent()
                    .map(percent_2)
                    .unwrap_or_else(|| "—".into()),
                dimensions,
            }
        })
        .collect();
    let review_line = if en {
        format!(
            "Counted: {}; held for review: {}; rejected: {}. The results and the rating use counted answers only.",
            report.respondents, results.review.held, results.review.rejected
        )
    } else {
        format!(
            "已计入 {} 份\u{ff1b}待核实 {} 份\u{ff1b}不予计入 {} 份\u{3002}结果和评分只用已计入的答卷\u{3002}",
            report.respondents, results.review.held, results.review.rejected
        )
    };
    Ok(ResultsView {
        review_line,
        respondents: report.respondents,
        quota_line: report.quota.map(|quota| {
            if quota.met {
                if en {
                    format!("quota of {} met", quota.need)
                } else {
                    format!("达到样本量要求 {} 户", quota.need)
                }
            } else if en {
                format!("{} short of the quota of {}", quota.short, quota.need)
            } else {
                format!("距样本量要求 {} 户还差 {} 户", quota.need, quota.short)
            }
        }),
        overall: rate_view(&report.overall),
        survey_points: report
            .survey_points
            .filter(|_| is_community)
            .map(|p| p.to_string()),
        channels: report
            .channels
            .iter()
            .map(|c| {
                (
                    lang.pick(c.channel.zh(), c.channel.en()).to_string(),
                    c.count,
                )
            })
            .collect(),
        chart: dimension_chart(lang, &report),
        dimensions,
        questions,
        dimension_names: q
            .dimensions
            .iter()
            .map(|d| local(lang, &d.name, d.name_en.as_deref()).to_string())
            .collect(),
        communities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_text_is_escaped() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
