//! `xingfu standard list | check | show`.

use std::process::ExitCode;

use anyhow::Result;
use xingfu_core::standard::{Judge, RatingBasis};
use xingfu_formats::shipped;
use xingfu_formats::standard_file::load_standard;

use super::resolve_standard;
use crate::render::{gov_level, stars_text};

pub fn list(english: bool) -> Result<ExitCode> {
    for id in shipped::ids() {
        let standard = resolve_standard(id, english)?;
        let name = if english {
            standard.name_en.as_deref().unwrap_or(&standard.name)
        } else {
            &standard.name
        };
        println!(
            "{id:<22} v{:<8} {} {}, {} {}, {} {}  {name}",
            standard.version,
            standard.categories.len(),
            if english { "categories" } else { "类" },
            standard.item_count(),
            if english { "items" } else { "项" },
            standard.clause_count(),
            if english { "clauses" } else { "条" },
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check(files: &[String], english: bool) -> Result<ExitCode> {
    let mut failed = 0;
    for name in files {
        let (shown, result) = match std::fs::read_to_string(name) {
            Ok(text) => (name.clone(), load_standard(name, &text)),
            Err(error) => match shipped::shipped(name) {
                Some(result) => (format!("standards/{name}.toml"), result),
                None => {
                    failed += 1;
                    if english {
                        println!("{name}: cannot read: {error}");
                    } else {
                        println!("{name}：无法读取：{error}");
                    }
                    continue;
                }
            },
        };
        match result {
            Ok(standard) => {
                if english {
                    println!(
                        "{shown}: OK — {} v{}: {} categories, {} items, {} clauses, {} points",
                        standard.id,
                        standard.version,
                        standard.categories.len(),
                        standard.item_count(),
                        standard.clause_count(),
                        standard.total_points
                    );
                } else {
                    println!(
                        "{shown}：通过 — {} v{}:{} 类 {} 项 {} 条，总分 {}",
                        standard.id,
                        standard.version,
                        standard.categories.len(),
                        standard.item_count(),
                        standard.clause_count(),
                        standard.total_points
                    );
                }
            }
            Err(problems) => {
                failed += 1;
                for problem in &problems {
                    println!("{}", problem.render(english));
                }
                if english {
                    println!("{shown}: {} problem(s)", problems.len());
                } else {
                    println!("{shown}：共 {} 个问题", problems.len());
                }
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn show(name: &str, english: bool) -> Result<ExitCode> {
    let s = resolve_standard(name, english)?;
    let t = |zh: &'static str, en: &'static str| if english { en } else { zh };
    println!(
        "{} ({} v{})",
        if english {
            s.name_en.as_deref().unwrap_or(&s.name)
        } else {
            &s.name
        },
        s.id,
        s.version
    );
    println!("{}: {}", t("项目", "Programme"), s.programme);
    if let Some(issuer) = &s.issuer {
        println!("{}: {issuer}", t("发布", "Issuer"));
    }
    println!("{}: {}", t("依据", "Source"), s.source);
    println!(
        "{}: {} {}, {} {}, {} {}, {} {}",
        t("结构", "Structure"),
        s.categories.len(),
        t("类", "categories"),
        s.item_count(),
        t("项", "items"),
        s.clause_count(),
        t("条", "clauses"),
        s.total_points,
        t("分", "points")
    );
    println!();
    println!("{}", t("星级：", "Stars:"));
    for star in &s.stars {
        let threshold = match s.rating {
            RatingBasis::Points => format!(">= {} {}", star.min, t("分", "points")),
            RatingBasis::Share => format!(">= {}% {}", star.min, t("完成", "completed")),
        };
        let mut line = format!(
            "  {} {threshold}  {} {}",
            stars_text(star.level),
            t("审批：", "approved by:"),
            star.approval_body
                .clone()
                .unwrap_or_else(|| gov_level(star.approval, english).to_string())
        );
        if let Some(by) = star.recommended_by {
            line.push_str(&format!(
                " ({}{})",
                gov_level(by, english),
                t("推荐", " recommends")
            ));
        }
        println!("{line}");
        if let Some(note) = &star.note {
            println!("      {}{note}", t("说明：", "note: "));
        }
    }
    let vetoes: Vec<_> = s.clauses().filter(|c| c.veto).collect();
    if !vetoes.is_empty() {
        println!("{}", t("一票否决项：", "Veto items:"));
        for clause in vetoes {
            println!("  {} {}", clause.id, clause.text);
        }
    }
    let dims: Vec<_> = s
        .clauses()
        .filter_map(|c| match &c.judge {
            Judge::Survey { dimension, .. } => Some((
                c.id.clone(),
                s.dimension(dimension)
                    .map_or(dimension.clone(), |d| d.name.clone()),
            )),
            _ => None,
        })
        .collect();
    if !dims.is_empty() {
        println!(
            "{} {}",
            t("满意度调查条款：", "Survey clauses:"),
            dims.iter()
                .map(|(id, d)| format!("{id}({d})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(rewards) = &s.rewards {
        println!("{}", t("奖励：", "Rewards:"));
        for reward in &rewards.stars {
            println!(
                "  {} {} {}",
                stars_text(reward.level),
                reward.amount,
                shares_text(&reward.shares, english)
            );
        }
        for promotion in &rewards.promotions {
            println!(
                "  {} {}→{} +{} {}",
                t("晋升", "promotion"),
                promotion.from,
                promotion.to,
                promotion.amount,
                shares_text(&promotion.shares, english)
            );
        }
        if let Some(note) = &rewards.note {
            println!("  {}{note}", t("说明：", "note: "));
        }
    }
    if !s.targets.is_empty() {
        println!("{}", t("目标：", "Targets:"));
        for target in &s.targets {
            let by = target
                .by_year
                .map(|y| format!(" ({y})"))
                .unwrap_or_default();
            println!("  >= {}★: {}%{by}", target.min_stars, target.percent);
        }
    }
    if !s.notes.is_empty() {
        println!(
            "{}",
            t(
                "解释与取舍（原文有歧义之处）：",
                "Interpretation choices (where the source is ambiguous):"
            )
        );
        for note in &s.notes {
            println!("  - {note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn shares_text(shares: &[xingfu_core::standard::CostShare], english: bool) -> String {
    let parts: Vec<String> = shares
        .iter()
        .map(|s| format!("{} {}%", gov_level(s.level, english), s.percent))
        .collect();
    format!("({})", parts.join(" / "))
}
