//! The 规则/门槛 cell: its keys, written from a judge and read back into one.

use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::standard::{Judge, NumericRule, SurveyScoring};

use super::report::Report;
use super::{Col, JUDGES};
/// Rule keys: (English key, Chinese key).
const RULE_KEYS: [(&str, &str); 10] = [
    ("measure", "统计项"),
    ("metric", "指标"),
    ("unit", "单位"),
    ("at_least", "至少"),
    ("at_most", "至多"),
    ("full_at", "满分值"),
    ("zero_at", "零分值"),
    ("dimension", "维度"),
    ("threshold", "门槛"),
    ("scoring", "计分"),
];

fn rule_key(text: &str) -> Option<&'static str> {
    let text = text.trim();
    let lower = text.to_lowercase();
    RULE_KEYS
        .iter()
        .find(|(en, zh)| *en == lower || *zh == text)
        .map(|(en, _)| *en)
}

fn key_text(key: &'static str, english: bool) -> &'static str {
    if english {
        return key;
    }
    RULE_KEYS
        .iter()
        .find(|(en, _)| *en == key)
        .map(|(_, zh)| *zh)
        .unwrap_or(key)
}

/// The 规则/门槛 cell of a clause.
pub(super) fn rule_text(judge: &Judge, english: bool) -> String {
    let mut parts: Vec<(&'static str, String)> = Vec::new();
    let numeric = |parts: &mut Vec<(&'static str, String)>, rule: &NumericRule| match rule {
        NumericRule::AtLeast { value } => parts.push(("at_least", value.to_string())),
        NumericRule::AtMost { value } => parts.push(("at_most", value.to_string())),
        NumericRule::Linear { zero_at, full_at } => {
            parts.push(("full_at", full_at.to_string()));
            if *zero_at != Dec2::ZERO {
                parts.push(("zero_at", zero_at.to_string()));
            }
        }
    };
    match judge {
        Judge::Met | Judge::Graded => {}
        Judge::Numeric {
            measure,
            unit,
            rule,
        } => {
            parts.push(("measure", measure.clone()));
            if let Some(unit) = unit {
                parts.push(("unit", unit.clone()));
            }
            numeric(&mut parts, rule);
        }
        Judge::Metric { metric, unit, rule } => {
            parts.push(("metric", metric.clone()));
            if let Some(unit) = unit {
                parts.push(("unit", unit.clone()));
            }
            numeric(&mut parts, rule);
        }
        Judge::Survey { dimension, scoring } => {
            parts.push(("dimension", dimension.clone()));
            match scoring {
                SurveyScoring::Threshold { threshold } => {
                    parts.push(("threshold", threshold.to_string()));
                }
                SurveyScoring::Proportional => parts.push((
                    "scoring",
                    if english { "proportional" } else { "按比例" }.to_string(),
                )),
            }
        }
    }
    parts
        .into_iter()
        .map(|(key, value)| format!("{}={value}", key_text(key, english)))
        .collect::<Vec<_>>()
        .join(if english { "; " } else { "\u{ff1b}" })
}

/// Reads the 规则/门槛 cell for a judge.
pub(super) fn read_rule(
    report: &mut Report<'_>,
    row: usize,
    id: Option<&str>,
    judge: &str,
    cell: &str,
    base: &Standard,
) -> Judge {
    // Pairs split on `;`; a part without a known key continues the previous value.
    let mut pairs: Vec<(&'static str, String)> = Vec::new();
    let mut bad = false;
    for part in cell.split([';', '\u{ff1b}']) {
        let key_value = part
            .split_once(['=', '\u{ff1d}', ':', '\u{ff1a}'])
            .and_then(|(k, v)| rule_key(k).map(|k| (k, v.trim().to_string())));
        match key_value {
            Some((key, value)) => {
                if pairs.iter().any(|(k, _)| *k == key) {
                    report.cell(
                        row,
                        Col::Rule,
                        id,
                        format!("{} 写了两次", key_text(key, false)),
                        format!("{key} is given twice"),
                    );
                    bad = true;
                }
                pairs.push((key, value));
            }
            None if part.trim().is_empty() => {}
            None => match pairs.last_mut() {
                Some((_, value)) => {
                    value.push(';');
                    value.push_str(part);
                }
                None => {
                    report.cell(
                        row,
                        Col::Rule,
                        id,
                        format!(
                            "无法读取 {:?}：请写成“键=值”，用分号分隔（键：{}）",
                            part.trim(),
                            RULE_KEYS.map(|(_, zh)| zh).join("、")
                        ),
                        format!(
                            "cannot read {:?}: write key=value pairs separated by ; (keys: {})",
                            part.trim(),
                            RULE_KEYS.map(|(en, _)| en).join(", ")
                        ),
                    );
                    bad = true;
                }
            },
        }
    }
    let allowed: &[&str] = match judge {
        "numeric" => &[
            "measure", "unit", "at_least", "at_most", "full_at", "zero_at",
        ],
        "metric" => &[
            "metric", "unit", "at_least", "at_most", "full_at", "zero_at",
        ],
        "survey" => &["dimension", "threshold", "scoring"],
        _ => &[],
    };
    for (key, _) in &pairs {
        if !allowed.contains(key) {
            report.cell(
                row,
                Col::Rule,
                id,
                format!(
                    "“{}”不适用于判定方式“{}”",
                    key_text(key, false),
                    JUDGES
                        .iter()
                        .find(|(k, _)| *k == judge)
                        .map_or(judge, |(_, zh)| *zh)
                ),
                format!("{key} does not apply to judge {judge}"),
            );
            bad = true;
        }
    }
    let text = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let mut number = |report: &mut Report<'_>, key: &'static str| -> Option<Dec2> {
        let value = text(key)?;
        match Dec2::parse(&value) {
            Ok(n) => Some(n),
            Err(_) => {
                report.cell(
                    row,
                    Col::Rule,
                    id,
                    format!("{} 应是数字，不是 {value:?}", key_text(key, false)),
                    format!("{key} must be a number, not {value:?}"),
                );
                bad = true;
                None
            }
        }
    };
    match judge {
        "met" => Judge::Met,
        "graded" => Judge::Graded,
        "numeric" | "metric" => {
            let at_least = number(report, "at_least");
            let at_most = number(report, "at_most");
            let full_at = number(report, "full_at");
            let zero_at = number(report, "zero_at");
            let rule = match (at_least, at_most, full_at, zero_at) {
                (Some(value), None, None, None) => Some(NumericRule::AtLeast { value }),
                (None, Some(value), None, None) => Some(NumericRule::AtMost { value }),
                (None, None, Some(full_at), zero_at) => Some(NumericRule::Linear {
                    zero_at: zero_at.unwrap_or(Dec2::ZERO),
                    full_at,
                }),
                _ => None,
            };
            let rule = rule.unwrap_or_else(|| {
                report.cell(
                    row,
                    Col::Rule,
                    id,
                    "须且只能写一种规则：至少、至多，或 满分值（可加 零分值）".into(),
                    "give exactly one rule: at_least, at_most, or full_at (with optional zero_at)"
                        .into(),
                );
                NumericRule::AtLeast { value: Dec2::ZERO }
            });
            let unit = text("unit");
            if judge == "numeric" {
                let measure = text("measure").unwrap_or_else(|| {
                    report.cell(
                        row,
                        Col::Rule,
                        id,
                        "计数条款须写 统计项=…（统计的是什么）".into(),
                        "a numeric clause needs measure=… (what is counted)".into(),
                    );
                    String::new()
                });
                Judge::Numeric {
                    measure,
                    unit,
                    rule,
                }
            } else {
                let metric = text("metric").unwrap_or_else(|| {
                    report.cell(
                        row,
                        Col::Rule,
                        id,
                        "平台指标条款须写 指标=…（平台计算的指标名）".into(),
                        "a metric clause needs metric=… (the platform's figure)".into(),
                    );
                    String::new()
                });
                Judge::Metric { metric, unit, rule }
            }
        }
        _ => {
            let dimension = match text("dimension") {
                Some(given) => base
                    .survey_dimensions
                    .iter()
                    .find(|d| d.id == given)
                    .or_else(|| {
                        base.survey_dimensions
                            .iter()
                            .find(|d| d.name == given || d.name_en.as_deref() == Some(&given))
                    })
                    .map(|d| d.id.clone())
                    .unwrap_or(given),
                None => {
                    report.cell(
                        row,
                        Col::Rule,
                        id,
                        "满意度条款须写 维度=…（调查维度）".into(),
                        "a survey clause needs dimension=…".into(),
                    );
                    String::new()
                }
            };
            let threshold = number(report, "threshold");
            let proportional = match text("scoring").as_deref() {
                None => None,
                Some("proportional" | "按比例" | "比例") => Some(true),
                Some("threshold" | "门槛" | "按门槛") => Some(false),
                Some(other) => {
                    bad = true;
                    report.cell(
                        row,
                        Col::Rule,
                        id,
                        format!("计分应是“门槛”或“按比例”，不是 {other:?}"),
                        format!("scoring must be threshold or proportional, not {other:?}"),
                    );
                    None
                }
            };
            let scoring = match (proportional, threshold) {
                (Some(true), None) => SurveyScoring::Proportional,
                (None | Some(false), Some(threshold)) => SurveyScoring::Threshold { threshold },
                (Some(true), Some(_)) => {
                    report.cell(
                        row,
                        Col::Rule,
                        id,
                        "按比例计分的满意度条款不设门槛".into(),
                        "a proportional survey clause takes no threshold".into(),
                    );
                    SurveyScoring::Proportional
                }
                (None | Some(false), None) => {
                    if !bad {
                        report.cell(
                            row,
                            Col::Rule,
                            id,
                            "满意度条款须写 门槛=…（满意率，百分数）或 计分=按比例".into(),
                            "a survey clause needs threshold=… (percent) or scoring=proportional"
                                .into(),
                        );
                    }
                    SurveyScoring::Proportional
                }
            };
            Judge::Survey { dimension, scoring }
        }
    }
}
