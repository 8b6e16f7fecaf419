//! Plain-text output in Chinese or English.

use std::fmt::Write;

use xingfu_core::Standard;
use xingfu_core::round::{Entry, RoundReport, UnitReport};
use xingfu_core::scoring::{ClauseStatus, Scorecard, Shortfall};
use xingfu_core::standard::{GovLevel, RatingBasis};
use xingfu_formats::workbook::{Labels, basis_text};

pub fn gov_level(level: GovLevel, english: bool) -> &'static str {
    if english {
        level.key()
    } else {
        match level {
            GovLevel::Community => "社区",
            GovLevel::Street => "街道",
            GovLevel::District => "区级",
            GovLevel::City => "市级",
            GovLevel::Province => "省级",
        }
    }
}

/// A standard's own text in the chosen language, falling back to Chinese.
fn pick<'a>(zh: &'a str, en: Option<&'a str>, english: bool) -> &'a str {
    match en {
        Some(en) if english => en,
        _ => zh,
    }
}

fn clause_text<'a>(standard: &'a Standard, id: &str, english: bool) -> &'a str {
    standard
        .clause(id)
        .map_or("", |c| pick(&c.text, c.text_en.as_deref(), english))
}

/// Pads `text` to `width` terminal columns (a Chinese character takes two).
fn pad(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// `★★★☆☆` for 3 of 5; a dash for none.
pub fn stars_text(level: u8) -> String {
    if level == 0 {
        return "—".into();
    }
    let level = usize::from(level.min(5));
    format!("{}{}", "★".repeat(level), "☆".repeat(5 - level))
}

pub fn shortfall_text(standard: &Standard, shortfall: &Shortfall, english: bool) -> String {
    // Survey dimensions and measures are named in the standard's Chinese; look up the English.
    let dimension_en = |name: &str| -> String {
        standard
            .survey_dimensions
            .iter()
            .find(|d| d.name == name)
            .and_then(|d| d.name_en.clone())
            .unwrap_or_else(|| name.to_string())
    };
    match (shortfall, english) {
        (Shortfall::NotMet, false) => "未达标".into(),
        (Shortfall::NotMet, true) => "not met".into(),
        (Shortfall::NotAssessed, false) => "未评估".into(),
        (Shortfall::NotAssessed, true) => "not assessed".into(),
        (Shortfall::Graded { earned, max }, false) => format!("得 {earned} / {max} 分"),
        (Shortfall::Graded { earned, max }, true) => format!("{earned} of {max} points"),
        (
            Shortfall::Value {
                measure,
                unit,
                have,
                need,
            },
            false,
        ) => {
            let unit = unit.as_deref().unwrap_or("");
            format!("{measure} {have}{unit}，要求 {need}{unit}")
        }
        (
            Shortfall::Value {
                measure,
                unit,
                have,
                need,
            },
            true,
        ) => {
            let unit = unit.as_deref().unwrap_or("");
            format!("{measure}: {have}{unit}, needs {need}{unit}")
        }
        (
            Shortfall::Rate {
                dimension,
                have,
                need,
            },
            false,
        ) => format!("{dimension}满意率 {have}%，要求 {need}%"),
        (
            Shortfall::Rate {
                dimension,
                have,
                need,
            },
            true,
        ) => {
            format!(
                "{} satisfaction {have}%, needs {need}%",
                dimension_en(dimension)
            )
        }
    }
}

fn status_mark(status: ClauseStatus) -> &'static str {
    match status {
        ClauseStatus::Met | ClauseStatus::VetoClear => "✓",
        ClauseStatus::Partial => "◐",
        ClauseStatus::NotMet | ClauseStatus::Vetoed => "✗",
        ClauseStatus::NotAssessed => "?",
    }
}

pub fn scorecard(standard: &Standard, entry: &Entry, card: &Scorecard, english: bool) -> String {
    let t = |zh: &'static str, en: &'static str| if english { en } else { zh };
    // Chinese text takes full-width marks between a label and its value.
    let (colon, open, close) = (t("\u{ff1a}", ": "), t("\u{ff08}", " ("), t("\u{ff09}", ")"));
    let mut out = String::new();
    let name = if english {
        standard.name_en.as_deref().unwrap_or(&standard.name)
    } else {
        &standard.name
    };
    let _ = writeln!(out, "{}{open}{}{close}", entry.name, entry.code);
    let _ = writeln!(
        out,
        "{}{colon}{name} [{} v{}]",
        t("标准", "Standard"),
        standard.id,
        standard.version
    );
    let _ = writeln!(
        out,
        "{}{colon}{} / {}   {}{colon}{}%   {}{colon}{} / {}",
        t("总分", "Total"),
        card.total,
        card.max,
        t("完成比例", "Share"),
        card.share,
        t("达标条款", "Clauses met"),
        card.clauses_met,
        card.clauses_total
    );
    let star_line = if card.star == 0 {
        t("未达到星级", "no star").to_string()
    } else if english {
        format!("{} {} star", stars_text(card.star), card.star)
    } else {
        format!("{} {}星", stars_text(card.star), card.star)
    };
    let _ = writeln!(out, "{}{colon}{star_line}", t("星级", "Star"));
    if let Some(star) = standard.star(card.star) {
        let mut approval = star
            .approval_body
            .clone()
            .unwrap_or_else(|| gov_level(star.approval, english).to_string());
        if let Some(by) = star.recommended_by {
            approval.push_str(&format!(
                "{open}{}{}{close}",
                gov_level(by, english),
                t("推荐", " recommends")
            ));
        }
        let _ = writeln!(out, "{}{colon}{approval}", t("审批", "Approved by"));
    }
    if card.vetoed_by.is_empty() {
        let _ = writeln!(out, "{}{colon}{}", t("一票否决", "Veto"), t("无", "none"));
    } else {
        for hit in &card.vetoed_by {
            let reason = hit
                .reason
                .as_deref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}{colon}{} {}{reason}",
                t("一票否决", "Veto"),
                hit.clause,
                clause_text(standard, hit.clause, english)
            );
        }
        let _ = writeln!(
            out,
            "  {}",
            if english {
                format!(
                    "the score alone would earn {} star(s); a veto item means no star",
                    card.star_by_score
                )
            } else {
                format!(
                    "按分数可得 {} 星，但触发一票否决，不评星",
                    card.star_by_score
                )
            }
        );
    }
    if let Some(note) = &card.star_note {
        let _ = writeln!(out, "{}{colon}{note}", t("说明", "Note"));
    }

    let _ = writeln!(out, "\n{}", t("分类得分：", "By category:"));
    for category in &card.categories {
        let _ = writeln!(
            out,
            "  {} {}  {} / {} ({}%)",
            category.id,
            standard
                .categories
                .iter()
                .find(|c| c.id == category.id)
                .map_or(category.name, |c| pick(
                    &c.name,
                    c.name_en.as_deref(),
                    english
                )),
            category.earned,
            category.max,
            category.share
        );
        for item in &category.items {
            let _ = writeln!(
                out,
                "    {} {}  {} / {}",
                item.id,
                standard
                    .categories
                    .iter()
                    .flat_map(|c| &c.items)
                    .find(|i| i.id == item.id)
                    .map_or(item.name, |i| pick(&i.name, i.name_en.as_deref(), english)),
                item.earned,
                item.max
            );
            for clause in &item.clauses {
                if matches!(clause.status, ClauseStatus::Met | ClauseStatus::VetoClear) {
                    continue;
                }
                let detail = clause
                    .shortfall
                    .as_ref()
                    .map(|s| shortfall_text(standard, s, english))
                    .unwrap_or_else(|| t("触发一票否决", "veto applies").to_string());
                let text = clause_text(standard, clause.id, english);
                let _ = writeln!(
                    out,
                    "      {} {} {} / {}  {}  [{detail}]",
                    status_mark(clause.status),
                    clause.id,
                    clause.earned,
                    clause.max,
                    short(text, 40)
                );
            }
        }
    }

    match &card.next_star {
        None if card.star > 0 => {
            let _ = writeln!(out, "\n{}", t("已达最高星级。", "At the highest star."));
        }
        None if !card.vetoed_by.is_empty() => {
            let _ = writeln!(
                out,
                "\n{}",
                t(
                    "分数已达最高星级，须先消除一票否决项才能评星。",
                    "The score reaches the highest star; the veto item must be cleared to be rated."
                )
            );
        }
        None => {}
        Some(next) => {
            let threshold = match standard.rating {
                RatingBasis::Points => format!("{} {}", next.threshold, t("分", "points")),
                RatingBasis::Share => format!(
                    "{}% = {} {}",
                    next.threshold,
                    next.points_needed,
                    t("分", "points")
                ),
            };
            let _ = writeln!(
                out,
                "\n{}",
                if english {
                    format!(
                        "To reach {} stars ({threshold}): {} points short.",
                        next.level, next.points_short
                    )
                } else {
                    format!(
                        "距{}星（{threshold}）还差 {} 分。",
                        next.level, next.points_short
                    )
                }
            );
            if next.blocked_by_veto {
                let _ = writeln!(
                    out,
                    "  {}",
                    t(
                        "须先消除一票否决项。",
                        "The veto item must be cleared first."
                    )
                );
            }
            if !next.reachable {
                let _ = writeln!(
                    out,
                    "  {}",
                    t(
                        "即使所有未达标条款全部整改也无法达到。",
                        "Even meeting every remaining clause would not reach it."
                    )
                );
            }
            let _ = writeln!(
                out,
                "  {}",
                t("建议整改（从易到难）：", "Fix first (cheapest first):")
            );
            let mut gained = xingfu_core::Dec2::ZERO;
            for (i, fix) in next.candidates.iter().take(next.plan_len).enumerate() {
                gained += fix.gain;
                let _ = writeln!(
                    out,
                    "  {:>3}. {} +{} {} [{}{}] {} — {}",
                    i + 1,
                    fix.clause,
                    fix.gain,
                    t("分", "pts"),
                    t("难度", "effort "),
                    fix.effort,
                    short(clause_text(standard, fix.clause, english), 36),
                    shortfall_text(standard, &fix.shortfall, english)
                );
            }
            if next.reachable {
                let _ = writeln!(
                    out,
                    "  {}",
                    if english {
                        format!(
                            "These {} clause(s) add {gained} points and reach {} stars.",
                            next.plan_len, next.level
                        )
                    } else {
                        format!(
                            "以上 {} 条合计 +{gained} 分，可达{}星。",
                            next.plan_len, next.level
                        )
                    }
                );
            }
            let more = next.candidates.len().saturating_sub(next.plan_len);
            if more > 0 {
                let _ = writeln!(
                    out,
                    "  {}",
                    if english {
                        format!(
                            "({more} more clause(s) could also gain points: see --format json.)"
                        )
                    } else {
                        format!("（另有 {more} 条可加分，详见 --format json。）")
                    }
                );
            }
        }
    }
    if !card.not_assessed.is_empty() {
        let _ = writeln!(
            out,
            "\n{}{open}{}{close}{colon}{}",
            t("未评估条款，按 0 分计", "Not assessed, scored 0"),
            card.not_assessed.len(),
            card.not_assessed.join(t("\u{3001}", ", "))
        );
    }
    out
}

fn short(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(chars).collect::<String>())
    }
}

pub fn round(standard: &Standard, report: &RoundReport, english: bool) -> String {
    let labels = Labels { english };
    let t = |zh: &'static str, en: &'static str| if english { en } else { zh };
    let (colon, open, close) = (t("\u{ff1a}", ": "), t("\u{ff08}", " ("), t("\u{ff09}", ")"));
    let mut out = String::new();
    let year = report.year.map(|y| format!(" {y}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{}{year}{colon}{} [{} v{}]",
        t("年度评定", "Round"),
        pick(&standard.name, standard.name_en.as_deref(), english),
        standard.id,
        standard.version
    );
    let _ = writeln!(
        out,
        "{} {} {:>8} {:>8} {:>5} {:>5} {} {:>14}  {}",
        pad(t("编码", "code"), 14),
        pad(t("社区", "community"), 18),
        t("总分", "total"),
        t("比例%", "share%"),
        t("上年", "last"),
        t("本年", "now"),
        pad(t("结论", "decision"), 9),
        t("奖励（元）", "reward CNY"),
        t("依据", "basis")
    );
    for o in &report.outcomes {
        let veto = if o.vetoed_by.is_empty() {
            String::new()
        } else {
            format!(
                " [{} {}]",
                t("否决", "veto"),
                o.vetoed_by
                    .iter()
                    .map(|v| v.clause)
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        let _ = writeln!(
            out,
            "{} {} {:>8} {:>8} {:>5} {:>5} {} {:>14}  {}{veto}",
            pad(&o.code, 14),
            pad(&short(&o.name, 8), 18),
            o.total.to_string(),
            o.share.to_string(),
            o.previous_star,
            o.star,
            pad(labels.decision(o.decision), 9),
            o.reward.amount.to_string(),
            basis_text(&o.reward.basis, english)
        );
    }
    for (title, units) in [
        (t("街道", "Streets"), &report.streets),
        (t("区县", "Districts"), &report.districts),
    ] {
        if units.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}:");
        for unit in units {
            unit_lines(&mut out, unit, english);
        }
    }
    let _ = writeln!(out, "\n{}:", t("全部", "Overall"));
    unit_lines(&mut out, &report.overall, english);
    if !report.rejected.is_empty() {
        let _ = writeln!(
            out,
            "\n{}{open}{}{close}{colon}",
            t("未能评定", "Not rated because of errors"),
            report.rejected.len()
        );
        for rejected in &report.rejected {
            for error in &rejected.errors {
                let _ = writeln!(
                    out,
                    "  {} {}{colon}{}",
                    rejected.code,
                    rejected.name,
                    if english { &error.en } else { &error.zh }
                );
            }
        }
    }
    out
}

fn unit_lines(out: &mut String, unit: &UnitReport, english: bool) {
    let t = |zh: &'static str, en: &'static str| if english { en } else { zh };
    let name = unit
        .unit
        .name
        .clone()
        .unwrap_or_else(|| unit.unit.code.clone());
    let stars: Vec<String> = (1..=5)
        .map(|s| format!("{s}★ {}", unit.by_star[s]))
        .collect();
    let _ = writeln!(
        out,
        "  {name}  {} {}  {} {}  {}",
        unit.communities,
        t("个社区", "communities"),
        t("无星", "no star"),
        unit.by_star[0],
        stars.join("  ")
    );
    for p in &unit.targets {
        let status = if p.met {
            t("达成", "met").to_string()
        } else if english {
            format!("not met, {} more needed", p.short_by)
        } else {
            format!("未达成，还差 {} 个", p.short_by)
        };
        let _ = writeln!(
            out,
            "    >= {}★: {}/{} = {}% ({} {}%) {status}",
            p.min_stars,
            p.count,
            p.of,
            p.percent,
            t("目标", "target"),
            p.target_percent
        );
    }
    if unit.reward_total.0 > 0 {
        let parts: Vec<String> = unit
            .reward_by_level
            .iter()
            .map(|p| format!("{} {}", gov_level(p.level, english), p.amount))
            .collect();
        let _ = writeln!(
            out,
            "    {} {} ({})",
            t("奖励合计", "rewards"),
            unit.reward_total,
            parts.join(", ")
        );
    }
}
