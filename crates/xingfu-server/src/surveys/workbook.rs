//! The results of an area as an Excel workbook: the dimensions (with the standard's clauses),
//! the communities, and every question's answers.

use crate::app::error::{AppError, internal};
use crate::i18n::Lang;
use crate::surveys::results::AreaResults;

/// The results of an area as an Excel workbook: the dimensions (with the standard's clauses), the
/// communities, and every question's answers.
pub fn results_workbook(results: &AreaResults, lang: Lang) -> Result<Vec<u8>, AppError> {
    let en = lang.is_en();
    use rust_xlsxwriter::{Format, Workbook};
    use xingfu_formats::columns::{FittedSheet, name_or};
    let xlsx =
        |e: rust_xlsxwriter::XlsxError| internal(format!("writing the survey workbook: {e}"));
    let q = &results.survey.questionnaire;
    let report =
        xingfu_core::survey::report(q, &results.tally, Some(&results.standard), results.quota)
            .map_err(|e| internal(format!("survey report: {e}")))?;
    let t = |zh: &'static str, english: &'static str| if en { english } else { zh };
    // Points belong to a community's entry; an area's workbook shows its rates only.
    let is_community = results.area.level == "community";
    let bold = Format::new().set_bold();
    const PERCENT: &str = "0.00";
    let percent = Format::new().set_num_format(PERCENT);
    let mut workbook = Workbook::new();

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("结果", "Results")).map_err(xlsx)?;
    let mut sheet = FittedSheet::new(sheet);
    let facts: Vec<(&str, String)> = vec![
        (t("评选年度", "Round"), results.round.year.to_string()),
        (
            t("范围", "Area"),
            format!(
                "{} {}",
                results.area.code,
                name_or(&results.area.name, &results.area.code)
            ),
        ),
        (
            t("问卷", "Questionnaire"),
            format!("{} {}", q.id, q.version),
        ),
        (
            t("答卷（户）", "Households answered"),
            report.respondents.to_string(),
        ),
        (
            t("样本量要求（每个社区）", "Quota (per community)"),
            results.survey.settings.quota.to_string(),
        ),
    ];
    for (row, (label, value)) in facts.iter().enumerate() {
        sheet.text_with(row as u32, 0, label, &bold).map_err(xlsx)?;
        sheet.text(row as u32, 1, value).map_err(xlsx)?;
    }
    let mut row = facts.len() as u32 + 1;
    for (index, channel) in report.channels.iter().enumerate() {
        let label = if en {
            channel.channel.en()
        } else {
            channel.channel.zh()
        };
        sheet.text(row, index as u16 * 2, label).map_err(xlsx)?;
        sheet
            .number(row, index as u16 * 2 + 1, channel.count as f64)
            .map_err(xlsx)?;
    }
    row += 2;
    let headers = [
        t("维度", "Dimension"),
        t("有效样本（户）", "Sample (households)"),
        t("满意", "Satisfied"),
        t("有效回答", "Counted"),
        t("不了解", "Don't know"),
        t("满意率（%）", "Rate (%)"),
        t("95%置信区间下限（%）", "95% CI low (%)"),
        t("95%置信区间上限（%）", "95% CI high (%)"),
        t("条款", "Clauses"),
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet
            .text_with(row, col as u16, header, &bold)
            .map_err(xlsx)?;
    }
    let write_rate = |sheet: &mut FittedSheet<'_>,
                      row: u32,
                      name: &str,
                      sample: Option<u64>,
                      rate: &xingfu_core::survey::results::RateSummary,
                      clauses: String|
     -> Result<(), AppError> {
        sheet.text(row, 0, name).map_err(xlsx)?;
        if let Some(sample) = sample {
            sheet.number(row, 1, sample as f64).map_err(xlsx)?;
        }
        sheet.number(row, 2, rate.satisfied as f64).map_err(xlsx)?;
        sheet.number(row, 3, rate.counted as f64).map_err(xlsx)?;
        sheet
            .number(row, 4, rate.not_counted as f64)
            .map_err(xlsx)?;
        if let Some(p) = rate.percent {
            sheet
                .number_with(row, 5, p.to_f64(), &percent, PERCENT)
                .map_err(xlsx)?;
        }
        if let Some(i) = rate.wilson {
            sheet
                .number_with(row, 6, i.low, &percent, PERCENT)
                .map_err(xlsx)?;
            sheet
                .number_with(row, 7, i.high, &percent, PERCENT)
                .map_err(xlsx)?;
        }
        sheet.text(row, 8, &clauses).map_err(xlsx)?;
        Ok(())
    };
    for dimension in &report.dimensions {
        row += 1;
        let clauses = dimension
            .clauses
            .iter()
            .map(|c| {
                let met = match c.met {
                    Some(true) => t(" 达到", " met"),
                    Some(false) => t(" 未达到", " not met"),
                    None => "",
                };
                let earned = match (c.earned, c.withheld) {
                    _ if !is_community => String::new(),
                    (_, Some(reason)) => {
                        format!(" {}", if en { reason.en() } else { reason.zh() })
                    }
                    (Some(points), None) => format!(" {points}/{}", c.max),
                    (None, None) => String::new(),
                };
                format!("{}{met}{earned}", c.clause)
            })
            .collect::<Vec<_>>()
            .join(t("\u{ff1b}", "; "));
        let name = if en {
            dimension.name_en.unwrap_or(dimension.name)
        } else {
            dimension.name
        };
        write_rate(
            &mut sheet,
            row,
            name,
            Some(dimension.respondents),
            &dimension.rate,
            clauses,
        )?;
    }
    row += 1;
    write_rate(
        &mut sheet,
        row,
        t("总体（只作展示）", "Overall (shown only)"),
        None,
        &report.overall,
        String::new(),
    )?;
    if let Some(points) = report.survey_points.filter(|_| is_community) {
        row += 2;
        sheet
            .text_with(row, 0, t("调查得分", "Survey points"), &bold)
            .map_err(xlsx)?;
        sheet.number(row, 1, points.to_f64()).map_err(xlsx)?;
    }
    sheet.fit().map_err(xlsx)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("各社区", "Communities")).map_err(xlsx)?;
    let mut sheet = FittedSheet::new(sheet);
    let mut headers: Vec<String> = vec![
        t("社区编码", "Code").into(),
        t("社区", "Community").into(),
        t("答卷（户）", "Households").into(),
        t("达到样本量", "Quota met").into(),
    ];
    for dimension in &q.dimensions {
        let name = if en {
            dimension.name_en.as_deref().unwrap_or(&dimension.name)
        } else {
            &dimension.name
        };
        headers.push(format!("{name} {}", t("满意率（%）", "rate (%)")));
        headers.push(format!("{name} {}", t("有效样本", "sample")));
    }
    for (col, header) in headers.iter().enumerate() {
        sheet
            .text_with(0, col as u16, header, &bold)
            .map_err(xlsx)?;
    }
    let quota = results.survey.quota();
    for (index, community) in results.communities.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.text(row, 0, &community.code).map_err(xlsx)?;
        sheet
            .text(row, 1, name_or(&community.name, &community.code))
            .map_err(xlsx)?;
        sheet
            .number(row, 2, community.tally.respondents() as f64)
            .map_err(xlsx)?;
        let met = quota.check(community.tally.respondents()).met;
        sheet
            .text(row, 3, if met { t("是", "yes") } else { t("否", "no") })
            .map_err(xlsx)?;
        for (d, dimension) in q.dimensions.iter().enumerate() {
            let col = 4 + d as u16 * 2;
            let (rate, _) =
                xingfu_core::survey::results::dimension_rate(q, &community.tally, &dimension.id);
            if let Some(p) = rate.percent() {
                sheet
                    .number_with(row, col, p.to_f64(), &percent, PERCENT)
                    .map_err(xlsx)?;
            }
            sheet
                .number(
                    row,
                    col + 1,
                    community.tally.dimension_respondents(&dimension.id) as f64,
                )
                .map_err(xlsx)?;
        }
    }
    sheet.fit().map_err(xlsx)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(t("各题", "Questions")).map_err(xlsx)?;
    let mut sheet = FittedSheet::new(sheet);
    for (col, header) in [
        t("题号", "Question"),
        t("题目", "Text"),
        t("回答", "Answer"),
        t("计入", "Counts as"),
        t("份数", "Count"),
    ]
    .iter()
    .enumerate()
    {
        sheet
            .text_with(0, col as u16, header, &bold)
            .map_err(xlsx)?;
    }
    let mut row = 0u32;
    for question in &report.questions {
        let text = q
            .question(question.id)
            .map(|full| {
                if en {
                    full.text_en.as_deref().unwrap_or(&full.text)
                } else {
                    &full.text
                }
            })
            .unwrap_or(question.text);
        if let Some(answered) = question.text_answers {
            row += 1;
            sheet.text(row, 0, question.id).map_err(xlsx)?;
            sheet.text(row, 1, text).map_err(xlsx)?;
            sheet
                .text(row, 2, t("（文字回答）", "(free text)"))
                .map_err(xlsx)?;
            sheet.number(row, 4, answered as f64).map_err(xlsx)?;
        }
        for option in &question.options {
            row += 1;
            sheet.text(row, 0, question.id).map_err(xlsx)?;
            sheet.text(row, 1, text).map_err(xlsx)?;
            let label = if en {
                option.label_en.unwrap_or(option.label)
            } else {
                option.label
            };
            sheet.text(row, 2, label).map_err(xlsx)?;
            let counts = if en {
                option.counts.en()
            } else {
                option.counts.zh()
            };
            sheet.text(row, 3, counts).map_err(xlsx)?;
            sheet.number(row, 4, option.count as f64).map_err(xlsx)?;
        }
    }
    sheet.fit().map_err(xlsx)?;
    workbook.save_to_buffer().map_err(xlsx)
}
