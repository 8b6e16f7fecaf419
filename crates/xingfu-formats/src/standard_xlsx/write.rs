//! Writing a standard's clause table and star sheet as an .xlsx workbook.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use xingfu_core::Standard;
use xingfu_core::standard::RatingBasis;

use super::rule::rule_text;
use super::{CLAUSE_SHEET, COLUMNS, Col, STAR_SHEET, join_list, judge_label};
use crate::columns::FittedSheet;
/// Writes the clause table and the star sheet.
pub fn standard_to_xlsx(standard: &Standard, english: bool) -> Result<Vec<u8>, XlsxError> {
    let pick = |zh: &'static str, en: &'static str| if english { en } else { zh };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();

    let sheet = workbook.add_worksheet();
    sheet.set_name(pick(CLAUSE_SHEET.0, CLAUSE_SHEET.1))?;
    let mut sheet = FittedSheet::new(sheet);
    let headers: Vec<String> = COLUMNS
        .iter()
        .map(|(_, zh, en, _)| pick(zh, en).to_string())
        .collect();
    write_header(&mut sheet, &headers, &bold)?;
    let mut row = 1u32;
    for category in &standard.categories {
        for item in &category.items {
            for clause in &item.clauses {
                let lead = clause
                    .lead_department
                    .clone()
                    .or_else(|| category.lead_department.clone())
                    .unwrap_or_default();
                let responsible = if clause.responsible_departments.is_empty() {
                    &category.responsible_departments
                } else {
                    &clause.responsible_departments
                };
                let methods: Vec<String> = clause
                    .methods
                    .iter()
                    .map(|m| if english { m.en() } else { m.zh() }.to_string())
                    .collect();
                let cells: [(Col, CellOut); 17] = [
                    (Col::CategoryId, CellOut::Text(category.id.clone())),
                    (Col::Category, CellOut::Text(category.name.clone())),
                    (Col::ItemId, CellOut::Text(item.id.clone())),
                    (Col::Item, CellOut::Text(item.name.clone())),
                    (Col::ClauseId, CellOut::Text(clause.id.clone())),
                    (Col::Text, CellOut::Wrapped(clause.text.clone())),
                    (Col::Points, CellOut::Number(clause.points.to_f64())),
                    (
                        Col::Judge,
                        CellOut::Text(judge_label(&clause.judge, english).to_string()),
                    ),
                    (Col::Rule, CellOut::Text(rule_text(&clause.judge, english))),
                    (Col::Methods, CellOut::Text(join_list(&methods))),
                    (
                        Col::Evidence,
                        CellOut::Wrapped(clause.evidence.clone().unwrap_or_default()),
                    ),
                    (Col::Lead, CellOut::Text(lead)),
                    (Col::Responsible, CellOut::Text(join_list(responsible))),
                    (Col::Effort, CellOut::Number(f64::from(clause.effort))),
                    (
                        Col::Veto,
                        CellOut::Text(
                            match (clause.veto, english) {
                                (true, false) => "是",
                                (false, false) => "否",
                                (true, true) => "yes",
                                (false, true) => "no",
                            }
                            .to_string(),
                        ),
                    ),
                    (
                        Col::TextEn,
                        CellOut::Wrapped(clause.text_en.clone().unwrap_or_default()),
                    ),
                    (
                        Col::SourceQuote,
                        CellOut::Wrapped(clause.source_quote.clone().unwrap_or_default()),
                    ),
                ];
                for (index, (_, cell)) in cells.into_iter().enumerate() {
                    let col = index as u16;
                    match cell {
                        CellOut::Text(text) if text.is_empty() => {}
                        CellOut::Text(text) => {
                            sheet.text(row, col, &text)?;
                        }
                        CellOut::Wrapped(text) if text.is_empty() => {}
                        CellOut::Wrapped(text) => {
                            sheet.text_with(row, col, &text, &wrap)?;
                        }
                        CellOut::Number(n) => {
                            sheet.number(row, col, n)?;
                        }
                    }
                }
                row += 1;
            }
        }
    }
    // Long texts wrap in the widest column FittedSheet makes instead of one very wide column.
    sheet.sheet.set_freeze_panes(1, 5)?;
    sheet.fit()?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(pick(STAR_SHEET.0, STAR_SHEET.1))?;
    let mut sheet = FittedSheet::new(sheet);
    let min_header = match (standard.rating, english) {
        (RatingBasis::Points, false) => "最低分",
        (RatingBasis::Points, true) => "min (points)",
        (RatingBasis::Share, false) => "最低完成比例（%）",
        (RatingBasis::Share, true) => "min (% completed)",
    };
    write_header(
        &mut sheet,
        &[
            pick("星级", "level").to_string(),
            min_header.to_string(),
            pick("审批层级", "approval").to_string(),
            pick("审批机构", "approval body").to_string(),
        ],
        &bold,
    )?;
    for (i, star) in standard.stars.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.number(row, 0, f64::from(star.level))?;
        sheet.number(row, 1, star.min.to_f64())?;
        sheet.text(
            row,
            2,
            if english {
                star.approval.key()
            } else {
                star.approval.zh()
            },
        )?;
        if let Some(body) = &star.approval_body {
            sheet.text(row, 3, body)?;
        }
    }
    sheet.fit()?;
    workbook.save_to_buffer()
}

enum CellOut {
    Text(String),
    Wrapped(String),
    Number(f64),
}

pub(super) fn write_header(
    sheet: &mut FittedSheet<'_>,
    headers: &[String],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (i, h) in headers.iter().enumerate() {
        sheet.text_with(0, i as u16, h, bold)?;
    }
    Ok(())
}
