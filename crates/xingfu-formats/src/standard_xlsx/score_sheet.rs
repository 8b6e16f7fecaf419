//! A round's score sheet: a row per community, a column per clause.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use xingfu_core::Standard;
use xingfu_core::scoring::{ClauseScore, ClauseStatus, Scorecard};
use xingfu_core::standard::Clause;

use super::write::write_header;
use crate::columns::{FittedSheet, name_or};
/// The score sheet of a round: a row per community, a column per clause with the points earned
/// (empty: not assessed), then the total, the share, the star by score, any veto and the star.
/// A community without a score card (not scored yet) gets its code and name only.
pub fn score_sheet_xlsx(
    standard: &Standard,
    rows: &[(String, String, Option<Scorecard<'_>>)],
    english: bool,
) -> Result<Vec<u8>, XlsxError> {
    let pick = |zh: &'static str, en: &'static str| if english { en } else { zh };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet.set_name(pick("评分表", "Scores"))?;
    let mut sheet = FittedSheet::new(sheet);
    let clauses: Vec<&Clause> = standard.clauses().collect();
    let mut headers: Vec<String> = vec![
        pick("社区编码", "Code").into(),
        pick("社区名称", "Name").into(),
    ];
    headers.extend(clauses.iter().map(|c| c.id.clone()));
    let after = [
        pick("总分", "Total"),
        pick("完成比例%", "Share %"),
        pick("得分星级", "Star by score"),
        pick("一票否决", "Veto"),
        pick("星级", "Star"),
    ];
    headers.extend(after.iter().map(|s| s.to_string()));
    write_header(&mut sheet, &headers, &bold)?;
    let total_col = 2 + clauses.len() as u16;

    // Second row: the most each clause can earn.
    sheet.text_with(1, 1, pick("满分", "Max points"), &bold)?;
    for (i, clause) in clauses.iter().enumerate() {
        if clause.veto {
            sheet.text(1, 2 + i as u16, pick("否决项", "veto item"))?;
        } else {
            sheet.number(1, 2 + i as u16, clause.points.to_f64())?;
        }
    }
    sheet.number(1, total_col, standard.total_points.to_f64())?;

    for (index, (code, name, card)) in rows.iter().enumerate() {
        let row = index as u32 + 2;
        sheet.text(row, 0, code)?;
        sheet.text(row, 1, name_or(name, code))?;
        let Some(card) = card else {
            sheet.text(row, total_col + 4, pick("未评分", "not scored"))?;
            continue;
        };
        let scores: HashMap<&str, &ClauseScore<'_>> = card
            .categories
            .iter()
            .flat_map(|c| c.items.iter())
            .flat_map(|i| i.clauses.iter())
            .map(|c| (c.id, c))
            .collect();
        for (i, clause) in clauses.iter().enumerate() {
            let col = 2 + i as u16;
            let Some(score) = scores.get(clause.id.as_str()) else {
                continue;
            };
            match score.status {
                ClauseStatus::NotAssessed => {}
                ClauseStatus::Vetoed => {
                    sheet.text(row, col, pick("否决", "vetoed"))?;
                }
                ClauseStatus::VetoClear => {
                    sheet.text(row, col, pick("通过", "clear"))?;
                }
                _ => {
                    sheet.number(row, col, score.earned.to_f64())?;
                }
            }
        }
        sheet.number(row, total_col, card.total.to_f64())?;
        sheet.number_with(row, total_col + 1, card.share.to_f64(), &percent, "0.00")?;
        sheet.number(row, total_col + 2, f64::from(card.star_by_score))?;
        let veto: Vec<&str> = card.vetoed_by.iter().map(|v| v.clause).collect();
        sheet.text(row, total_col + 3, &veto.join(pick("、", ", ")))?;
        sheet.number(row, total_col + 4, f64::from(card.star))?;
    }
    sheet.sheet.set_freeze_panes(2, 2)?;
    sheet.fit()?;
    workbook.save_to_buffer()
}
