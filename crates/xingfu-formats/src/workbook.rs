//! The round report as an .xlsx workbook: communities, streets, districts, rejected entries.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use xingfu_core::Standard;
use xingfu_core::decimal::Fen;
use xingfu_core::round::{Decision, RoundReport, UnitReport};
use xingfu_core::standard::GovLevel;

use crate::columns::{FittedSheet, name_or};

/// Labels in the chosen language.
pub struct Labels {
    pub english: bool,
}

impl Labels {
    fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.english { en } else { zh }
    }

    pub fn decision(&self, decision: Decision) -> &'static str {
        match (decision, self.english) {
            (Decision::New, false) => "新评",
            (Decision::Keep, false) => "保留",
            (Decision::Upgrade, false) => "升星",
            (Decision::Downgrade, false) => "降星",
            (Decision::Revoke, false) => "撤销",
            (Decision::NotRated, false) => "未评星",
            (Decision::New, true) => "new",
            (Decision::Keep, true) => "keep",
            (Decision::Upgrade, true) => "upgrade",
            (Decision::Downgrade, true) => "downgrade",
            (Decision::Revoke, true) => "revoke",
            (Decision::NotRated, true) => "not rated",
        }
    }

    pub fn level(&self, level: GovLevel) -> &'static str {
        if self.english {
            level.key()
        } else {
            level.zh()
        }
    }
}

fn yuan(amount: Fen) -> f64 {
    amount.0 as f64 / 100.0
}

/// Writes the workbook and returns its bytes.
pub fn round_workbook(
    report: &RoundReport,
    standard: &Standard,
    english: bool,
) -> Result<Vec<u8>, XlsxError> {
    let labels = Labels { english };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(MONEY);
    let percent = Format::new().set_num_format(PERCENT);

    let levels: Vec<GovLevel> = GovLevel::ALL
        .into_iter()
        .filter(|level| {
            report
                .overall
                .reward_by_level
                .iter()
                .any(|p| p.level == *level)
        })
        .collect();

    // Communities.
    let sheet = workbook.add_worksheet();
    sheet.set_name(labels.t("社区结果", "Communities"))?;
    let mut sheet = FittedSheet::new(sheet);
    let mut headers: Vec<String> = [
        labels.t("社区编码", "Code"),
        labels.t("社区名称", "Name"),
        labels.t("街道", "Street"),
        labels.t("区县", "District"),
        labels.t("总分", "Total"),
        labels.t("完成比例%", "Share %"),
        labels.t("得分星级", "Star by score"),
        labels.t("一票否决", "Veto"),
        labels.t("评定星级", "Star"),
        labels.t("上年星级", "Last year"),
        labels.t("复评结论", "Decision"),
        labels.t("审批层级", "Approved by"),
        labels.t("奖励（元）", "Reward (CNY)"),
        labels.t("奖励依据", "Reward basis"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for level in &levels {
        headers.push(format!(
            "{}{}",
            labels.level(*level),
            labels.t("承担（元）", " pays (CNY)")
        ));
    }
    write_header(&mut sheet, &headers, &bold)?;
    for (i, o) in report.outcomes.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.text(row, 0, &o.code)?;
        sheet.text(row, 1, name_or(&o.name, &o.code))?;
        sheet.text(row, 2, &unit_text(o.street.as_ref(), &labels))?;
        sheet.text(row, 3, &unit_text(o.district.as_ref(), &labels))?;
        sheet.number(row, 4, o.total.to_f64())?;
        sheet.number_with(row, 5, o.share.to_f64(), &percent, PERCENT)?;
        sheet.number(row, 6, f64::from(o.star_by_score))?;
        let veto: Vec<&str> = o.vetoed_by.iter().map(|v| v.clause).collect();
        sheet.text(row, 7, &veto.join(labels.t("、", ", ")))?;
        sheet.number(row, 8, f64::from(o.star))?;
        sheet.number(row, 9, f64::from(o.previous_star))?;
        sheet.text(row, 10, labels.decision(o.decision))?;
        let approval = o
            .approval
            .as_ref()
            .map(|a| {
                a.body
                    .clone()
                    .unwrap_or_else(|| labels.level(a.level).to_string())
            })
            .unwrap_or_default();
        sheet.text(row, 11, &approval)?;
        sheet.number_with(row, 12, yuan(o.reward.amount), &money, MONEY)?;
        sheet.text(row, 13, &basis_text(&o.reward.basis, english))?;
        for (j, level) in levels.iter().enumerate() {
            let amount = o
                .reward
                .split
                .iter()
                .find(|p| p.level == *level)
                .map(|p| p.amount)
                .unwrap_or(Fen::ZERO);
            sheet.number_with(row, 14 + j as u16, yuan(amount), &money, MONEY)?;
        }
    }
    sheet.fit()?;

    for (name, units) in [
        (labels.t("街道进度", "Streets"), &report.streets),
        (labels.t("区县进度", "Districts"), &report.districts),
        (labels.t("全部", "Overall"), &vec![report.overall.clone()]),
    ] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        let mut sheet = FittedSheet::new(sheet);
        write_units(
            &mut sheet, units, standard, &labels, &levels, &bold, &money, &percent,
        )?;
        sheet.fit()?;
    }

    let sheet = workbook.add_worksheet();
    sheet.set_name(labels.t("未能评定", "Rejected"))?;
    let mut sheet = FittedSheet::new(sheet);
    write_header(
        &mut sheet,
        &[
            labels.t("社区编码", "Code"),
            labels.t("社区名称", "Name"),
            labels.t("原因", "Reason"),
        ]
        .map(str::to_string),
        &bold,
    )?;
    let mut row = 1;
    for rejected in &report.rejected {
        for error in &rejected.errors {
            sheet.text(row, 0, &rejected.code)?;
            sheet.text(row, 1, name_or(&rejected.name, &rejected.code))?;
            sheet.text(row, 2, if english { &error.en } else { &error.zh })?;
            row += 1;
        }
    }
    sheet.fit()?;
    workbook.save_to_buffer()
}

/// The number formats of money (yuan) and percentages.
const MONEY: &str = "#,##0.00";
const PERCENT: &str = "0.00";

/// A street's or district's name (its code when the name is not known), or a word saying the
/// community has none, so that the name cell is never blank.
fn unit_text(unit: Option<&xingfu_core::round::Unit>, labels: &Labels) -> String {
    match unit {
        Some(u) => name_or(u.name.as_deref().unwrap_or(""), &u.code).to_string(),
        None => labels.t("（无）", "(none)").to_string(),
    }
}

fn write_header(
    sheet: &mut FittedSheet<'_>,
    headers: &[String],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (i, h) in headers.iter().enumerate() {
        sheet.text_with(0, i as u16, h, bold)?;
    }
    sheet.sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_units(
    sheet: &mut FittedSheet<'_>,
    units: &[UnitReport],
    standard: &Standard,
    labels: &Labels,
    levels: &[GovLevel],
    bold: &Format,
    money: &Format,
    percent: &Format,
) -> Result<(), XlsxError> {
    let mut headers: Vec<String> = vec![
        labels.t("编码", "Code").into(),
        labels.t("名称", "Name").into(),
        labels.t("社区数", "Communities").into(),
        labels.t("无星", "No star").into(),
    ];
    for star in 1..=5 {
        headers.push(format!("{star}★"));
    }
    for target in &standard.targets {
        let s = target.min_stars;
        headers.push(format!("≥{s}★ {}", labels.t("数量", "count")));
        headers.push(format!("≥{s}★ %"));
        headers.push(format!(
            "≥{s}★ {}{}%",
            labels.t("目标", "target "),
            target.percent
        ));
        headers.push(format!("≥{s}★ {}", labels.t("尚差（个）", "short by")));
    }
    headers.push(labels.t("奖励合计（元）", "Rewards (CNY)").into());
    for level in levels {
        headers.push(format!(
            "{}{}",
            labels.level(*level),
            labels.t("承担（元）", " pays (CNY)")
        ));
    }
    write_header(sheet, &headers, bold)?;
    for (i, unit) in units.iter().enumerate() {
        let row = i as u32 + 1;
        let mut col = 0u16;
        sheet.text(row, col, &unit.unit.code)?;
        col += 1;
        let name = unit.unit.name.as_deref().unwrap_or("");
        let fallback = if unit.unit.code.is_empty() {
            labels.t("全部", "Overall")
        } else {
            &unit.unit.code
        };
        sheet.text(row, col, name_or(name, fallback))?;
        col += 1;
        sheet.number(row, col, unit.communities as f64)?;
        col += 1;
        for count in unit.by_star {
            sheet.number(row, col, count as f64)?;
            col += 1;
        }
        for progress in &unit.targets {
            sheet.number(row, col, progress.count as f64)?;
            sheet.number_with(row, col + 1, progress.percent.to_f64(), percent, PERCENT)?;
            sheet.text(
                row,
                col + 2,
                if progress.met {
                    labels.t("达成", "met")
                } else {
                    labels.t("未达成", "not met")
                },
            )?;
            sheet.number(row, col + 3, progress.short_by as f64)?;
            col += 4;
        }
        sheet.number_with(row, col, yuan(unit.reward_total), money, MONEY)?;
        col += 1;
        for level in levels {
            let amount = unit
                .reward_by_level
                .iter()
                .find(|p| p.level == *level)
                .map(|p| p.amount)
                .unwrap_or(Fen::ZERO);
            sheet.number_with(row, col, yuan(amount), money, MONEY)?;
            col += 1;
        }
    }
    Ok(())
}

/// A reward's basis in words.
pub fn basis_text(basis: &xingfu_core::rewards::RewardBasis, english: bool) -> String {
    use xingfu_core::rewards::RewardBasis::*;
    match (basis, english) {
        (FirstNaming { star }, false) => format!("首次命名{star}星"),
        (FirstNaming { star }, true) => format!("first named {star}★"),
        (Promotion { from, to, .. }, false) => format!("晋升 {from}→{to} 再奖励"),
        (Promotion { from, to, .. }, true) => format!("promotion {from}→{to} bonus"),
        (NewTier { from, to }, false) => format!("{from}→{to}，按{to}星命名奖励"),
        (NewTier { from, to }, true) => format!("{from}→{to}, paid as named {to}★"),
        (Kept { star }, false) => format!("保留{star}星，不重复奖励"),
        (Kept { star }, true) => format!("kept {star}★, no repeat award"),
        (Downgraded { from, to }, false) => format!("降星 {from}→{to}，不奖励"),
        (Downgraded { from, to }, true) => format!("downgraded {from}→{to}, no award"),
        (Revoked { from }, false) => format!("撤销{from}星称号，不奖励"),
        (Revoked { from }, true) => format!("{from}★ title revoked, no award"),
        (NotRated, false) => "未评星".into(),
        (NotRated, true) => "not rated".into(),
        (NoSchedule, false) => "本标准无奖励规定".into(),
        (NoSchedule, true) => "no reward schedule".into(),
    }
}
