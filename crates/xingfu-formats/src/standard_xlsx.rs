//! A standard's clause table as the Excel workbook departments circulate, and back; and a round's
//! score sheet (a row per community, a column per clause).
//!
//! The clause table has one sheet `条款` (`Clauses` in English) with a row per clause:
//!
//! | 类别编号 | 类别 | 项目编号 | 项目 | 条款编号 | 条款内容 | 分值 | 判定方式 | 规则/门槛 | 测评方法 | 证明材料 | 牵头部门 | 责任部门 | 难度 | 一票否决 | 条款内容(英文) | 原文依据 |
//!
//! - 判定方式: `达标` (met), `评分` (graded), `计数` (numeric), `满意度` (survey), `平台指标`
//!   (metric); the English keys are accepted too.
//! - 规则/门槛: `key=value` pairs separated by `;`, with the keys of the standard file in Chinese
//!   or English: `统计项|measure`, `指标|metric`, `单位|unit`, `至少|at_least`, `至多|at_most`,
//!   `满分值|full_at`, `零分值|zero_at`, `维度|dimension`, `门槛|threshold`,
//!   `计分|scoring` (`按比例|proportional`). Empty for met and graded clauses.
//! - 测评方法 and 责任部门: lists separated by `、` (or `,` `;`).
//! - 牵头部门 / 责任部门: the clause's own departments, or its category's. On import, when every
//!   clause of a category names the same departments, they become the category's.
//! - 一票否决: 是 / 否.
//!
//! A second sheet `星级` (`Stars`) lists the star levels, thresholds and approval levels for the
//! reader; importing takes them, and everything else outside the clause table, from the base
//! standard. Cells merged in Excel (a category name over several rows) are read as if each row
//! held the merged value.

use calamine::Data;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::columns::{FittedSheet, name_or};
use std::collections::{BTreeMap, HashMap, HashSet};
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::scoring::{ClauseScore, ClauseStatus, Scorecard};
use xingfu_core::standard::{
    Category, Clause, DEFAULT_EFFORT, Item, Judge, Method, NumericRule, RatingBasis, SurveyScoring,
};
use xingfu_core::validate::{Location, validate};

use crate::assessment_file::yes_no;
use crate::problem::FileProblem;
use crate::sheet::{CLAUSE_TABLE_LIMITS, read_xlsx};

/// Name of the clause sheet, in Chinese and in English.
pub const CLAUSE_SHEET: (&str, &str) = ("条款", "Clauses");
/// Name of the star sheet, in Chinese and in English.
pub const STAR_SHEET: (&str, &str) = ("星级", "Stars");

/// The clause table's columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    CategoryId,
    Category,
    ItemId,
    Item,
    ClauseId,
    Text,
    Points,
    Judge,
    Rule,
    Methods,
    Evidence,
    Lead,
    Responsible,
    Effort,
    Veto,
    TextEn,
    SourceQuote,
}

/// (column, Chinese header, English header, snake-case key).
const COLUMNS: [(Col, &str, &str, &str); 17] = [
    (Col::CategoryId, "类别编号", "Category id", "category_id"),
    (Col::Category, "类别", "Category", "category"),
    (Col::ItemId, "项目编号", "Item id", "item_id"),
    (Col::Item, "项目", "Item", "item"),
    (Col::ClauseId, "条款编号", "Clause id", "clause_id"),
    (Col::Text, "条款内容", "Clause", "text"),
    (Col::Points, "分值", "Points", "points"),
    (Col::Judge, "判定方式", "Judged by", "judge"),
    (Col::Rule, "规则/门槛", "Rule / threshold", "rule"),
    (Col::Methods, "测评方法", "Methods", "methods"),
    (Col::Evidence, "证明材料", "Evidence", "evidence"),
    (Col::Lead, "牵头部门", "Lead department", "lead_department"),
    (
        Col::Responsible,
        "责任部门",
        "Responsible departments",
        "responsible_departments",
    ),
    (Col::Effort, "难度", "Effort", "effort"),
    (Col::Veto, "一票否决", "Veto", "veto"),
    (
        Col::TextEn,
        "条款内容（英文）",
        "Clause (English)",
        "text_en",
    ),
    (Col::SourceQuote, "原文依据", "Source quote", "source_quote"),
];

/// Columns an import cannot do without.
const REQUIRED: [Col; 7] = [
    Col::CategoryId,
    Col::ItemId,
    Col::ClauseId,
    Col::Text,
    Col::Points,
    Col::Judge,
    Col::Methods,
];

fn headers_of(col: Col) -> (&'static str, &'static str) {
    COLUMNS
        .iter()
        .find(|(c, ..)| *c == col)
        .map(|(_, zh, en, _)| (*zh, *en))
        .unwrap_or(("", ""))
}

/// Header text → column; Chinese, English label or key, ignoring case, spaces and full-width
/// brackets.
fn column_of(header: &str) -> Option<Col> {
    let norm = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .map(|c| match c {
                '\u{ff08}' => '(',
                '\u{ff09}' => ')',
                '\u{ff0f}' => '/',
                other => other,
            })
            .collect::<String>()
            .to_lowercase()
    };
    let wanted = norm(header);
    COLUMNS
        .iter()
        .find(|(_, zh, en, key)| norm(zh) == wanted || norm(en) == wanted || norm(key) == wanted)
        .map(|(col, ..)| *col)
        .or(match wanted.as_str() {
            "规则" | "门槛" | "判定规则" => Some(Col::Rule),
            "分数" => Some(Col::Points),
            w if w == norm("分值（分）") => Some(Col::Points),
            "测评方式" | "评价方法" => Some(Col::Methods),
            "证明材料/佐证" | "佐证材料" => Some(Col::Evidence),
            _ => None,
        })
}

/// Judge labels in the sheet: (key, Chinese label).
const JUDGES: [(&str, &str); 5] = [
    ("met", "达标"),
    ("graded", "评分"),
    ("numeric", "计数"),
    ("survey", "满意度"),
    ("metric", "平台指标"),
];

fn judge_label(judge: &Judge, english: bool) -> &'static str {
    let key = judge.key();
    JUDGES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(k, zh)| if english { *k } else { *zh })
        .unwrap_or(key)
}

fn judge_key(text: &str) -> Option<&'static str> {
    let text = text.trim();
    let lower = text.to_lowercase();
    JUDGES
        .iter()
        .find(|(key, zh)| *key == lower || *zh == text)
        .map(|(key, _)| *key)
        .or(match text {
            "达标判定" | "是否达标" => Some("met"),
            "打分" | "评分判定" => Some("graded"),
            "数值" | "计数判定" => Some("numeric"),
            "满意率" | "满意度调查" | "问卷" => Some("survey"),
            "指标" => Some("metric"),
            _ => None,
        })
}

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
fn rule_text(judge: &Judge, english: bool) -> String {
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

fn join_list(items: &[String]) -> String {
    items.join("、")
}

fn split_list(text: &str) -> Vec<String> {
    text.split(['、', ',', '\u{ff0c}', ';', '\u{ff1b}', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

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

fn write_header(
    sheet: &mut FittedSheet<'_>,
    headers: &[String],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (i, h) in headers.iter().enumerate() {
        sheet.text_with(0, i as u16, h, bold)?;
    }
    Ok(())
}

/// Excel's letters for a 0-based column: 0 → A, 26 → AA.
pub fn column_letter(index: u32) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// One cell as read: its text, and the number when Excel holds one.
#[derive(Debug, Clone, Default)]
struct CellIn {
    text: String,
    number: Option<f64>,
}

fn cell_in(data: &Data) -> CellIn {
    match data {
        Data::Empty => CellIn::default(),
        Data::String(s) => CellIn {
            text: s.trim().to_string(),
            number: None,
        },
        Data::Float(f) => CellIn {
            text: match Dec2::from_f64(*f) {
                Ok(d) => d.to_string(),
                Err(_) => f.to_string(),
            },
            number: Some(*f),
        },
        Data::Int(i) => CellIn {
            text: i.to_string(),
            number: Some(*i as f64),
        },
        Data::Bool(b) => CellIn {
            text: if *b { "是" } else { "否" }.to_string(),
            number: None,
        },
        other => CellIn {
            text: other.to_string().trim().to_string(),
            number: None,
        },
    }
}

/// Reports problems of one sheet with its rows and columns.
struct Report<'a> {
    file: String,
    columns: &'a HashMap<Col, u32>,
    problems: Vec<FileProblem>,
}

impl Report<'_> {
    fn cell(&mut self, row: usize, col: Col, id: Option<&str>, zh: String, en: String) {
        let (zh_name, en_name) = headers_of(col);
        let letter = self
            .columns
            .get(&col)
            .map(|c| column_letter(*c))
            .unwrap_or_default();
        self.problems.push(FileProblem::new(
            &self.file,
            Some(row),
            id.map(str::to_string),
            format!("第 {row} 行 {letter} 列（{zh_name}）：{zh}"),
            format!("row {row}, column {letter} ({en_name}): {en}"),
        ));
    }
}

/// A clause row that could be read, with where it sits.
struct RowClause {
    row: usize,
    category_id: String,
    category_name: String,
    item_id: String,
    item_name: String,
    lead: Option<String>,
    responsible: Vec<String>,
    clause: Clause,
}

/// Reads a standard's clause table from an .xlsx file's bytes. Categories, items and clauses come
/// from the sheet; the header, stars, rewards, targets, phases and survey dimensions from `base`.
/// Every bad row is reported with its sheet, row and column, then the result is checked as a
/// whole (ids, points, thresholds …).
pub fn clauses_from_xlsx(
    file: &str,
    bytes: &[u8],
    base: &Standard,
) -> Result<Standard, Vec<FileProblem>> {
    let sheet = read_xlsx(
        file,
        bytes,
        &CLAUSE_TABLE_LIMITS,
        |names| {
            names
                .iter()
                .find(|n| {
                    let n = n.trim();
                    n == CLAUSE_SHEET.0 || n.eq_ignore_ascii_case(CLAUSE_SHEET.1)
                })
                .cloned()
        },
        true,
    )?;
    let shown = format!("{file} [{}]", sheet.name);
    // Cells by absolute position (merged cells already hold their top-left cell's value).
    let grid: BTreeMap<(u32, u32), CellIn> = sheet
        .cells
        .iter()
        .map(|(at, data)| (*at, cell_in(data)))
        .filter(|(_, cell)| !cell.text.is_empty())
        .collect();
    let last_row = grid.keys().map(|(r, _)| *r).max();
    let last_col = grid.keys().map(|(_, c)| *c).max().unwrap_or(0);
    let Some(last_row) = last_row else {
        return Err(vec![FileProblem::new(
            &shown,
            None,
            None,
            "工作表是空的".into(),
            "the sheet is empty".into(),
        )]);
    };
    // The header is the first row naming at least three known columns (a title may stand above
    // it), or else the first row with anything in it.
    let filled_rows: Vec<u32> = {
        let mut rows: Vec<u32> = grid.keys().map(|(r, _)| *r).collect();
        rows.dedup();
        rows
    };
    let header_row = filled_rows
        .iter()
        .take(10)
        .copied()
        .find(|r| {
            (0..=last_col)
                .filter_map(|c| grid.get(&(*r, c)))
                .filter(|cell| column_of(&cell.text).is_some())
                .count()
                >= 3
        })
        .or(filled_rows.first().copied())
        .unwrap_or(0);
    let mut columns: HashMap<Col, u32> = HashMap::new();
    let mut problems = Vec::new();
    for c in 0..=last_col {
        let Some(cell) = grid.get(&(header_row, c)) else {
            continue;
        };
        let letter = column_letter(c);
        match column_of(&cell.text) {
            Some(col) if columns.contains_key(&col) => problems.push(FileProblem::new(
                &shown,
                Some(header_row as usize + 1),
                None,
                format!("{letter} 列的表头 {:?} 重复", cell.text),
                format!("column {letter}: header {:?} appears twice", cell.text),
            )),
            Some(col) => {
                columns.insert(col, c);
            }
            None => problems.push(FileProblem::new(
                &shown,
                Some(header_row as usize + 1),
                None,
                format!(
                    "{letter} 列的表头 {:?} 不是已知的列（可用：{}）",
                    cell.text,
                    COLUMNS.map(|(_, zh, ..)| zh).join("、")
                ),
                format!(
                    "column {letter}: header {:?} is not a known column (use: {})",
                    cell.text,
                    COLUMNS.map(|(_, _, en, _)| en).join(", ")
                ),
            )),
        }
    }
    for col in REQUIRED {
        if !columns.contains_key(&col) {
            let (zh, en) = headers_of(col);
            problems.push(FileProblem::new(
                &shown,
                Some(header_row as usize + 1),
                None,
                format!("缺少“{zh}”列"),
                format!("the column {en:?} ({zh}) is missing"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut report = Report {
        file: shown.clone(),
        columns: &columns,
        problems,
    };
    let mut read: Vec<RowClause> = Vec::new();
    // Clause ids whose rows had a problem: the whole-standard check does not repeat them.
    let mut reported: HashSet<String> = HashSet::new();
    let mut seen_rows: HashMap<String, usize> = HashMap::new();
    for r in header_row + 1..=last_row {
        let row = r as usize + 1;
        let get = |col: Col| -> CellIn {
            columns
                .get(&col)
                .and_then(|c| grid.get(&(r, *c)))
                .cloned()
                .unwrap_or_default()
        };
        if COLUMNS.iter().all(|(col, ..)| get(*col).text.is_empty()) {
            continue;
        }
        let clause_id = get(Col::ClauseId).text;
        if clause_id.is_empty() {
            report.cell(
                row,
                Col::ClauseId,
                None,
                "条款编号为空".into(),
                "the clause id is missing".into(),
            );
            continue;
        }
        let id = Some(clause_id.as_str());
        if let Some(first) = seen_rows.get(&clause_id) {
            report.cell(
                row,
                Col::ClauseId,
                id,
                format!("条款编号 {clause_id} 与第 {first} 行重复，本行未导入"),
                format!("clause id {clause_id} repeats row {first}; this row was not imported"),
            );
            continue;
        }
        seen_rows.insert(clause_id.clone(), row);
        let before = report.problems.len();

        let category_id = get(Col::CategoryId).text;
        if category_id.is_empty() {
            report.cell(
                row,
                Col::CategoryId,
                id,
                "类别编号为空".into(),
                "the category id is missing".into(),
            );
        }
        let item_id = get(Col::ItemId).text;
        if item_id.is_empty() {
            report.cell(
                row,
                Col::ItemId,
                id,
                "项目编号为空".into(),
                "the item id is missing".into(),
            );
        }
        let text = get(Col::Text).text;
        if text.is_empty() {
            report.cell(
                row,
                Col::Text,
                id,
                "条款内容为空".into(),
                "the clause text is missing".into(),
            );
        }

        let points_cell = get(Col::Points);
        let points = if points_cell.text.is_empty() {
            report.cell(
                row,
                Col::Points,
                id,
                "分值为空".into(),
                "the points are missing".into(),
            );
            Dec2::ZERO
        } else {
            let parsed = match points_cell.number {
                Some(n) => Dec2::from_f64(n).map_err(|e| e.to_string()),
                None => Dec2::parse(&points_cell.text).map_err(|e| e.to_string()),
            };
            match parsed {
                Ok(points) if points.is_negative() => {
                    report.cell(
                        row,
                        Col::Points,
                        id,
                        format!("分值不能为负数：{points}"),
                        format!("points cannot be negative: {points}"),
                    );
                    Dec2::ZERO
                }
                Ok(points) => points,
                Err(_) => {
                    report.cell(
                        row,
                        Col::Points,
                        id,
                        format!("分值应是最多两位小数的数字，不是 {:?}", points_cell.text),
                        format!(
                            "points must be a number with at most two decimals, not {:?}",
                            points_cell.text
                        ),
                    );
                    Dec2::ZERO
                }
            }
        };

        let judge_text = get(Col::Judge).text;
        let rule_cell = get(Col::Rule).text;
        let judge = match judge_key(&judge_text) {
            Some(key) => read_rule(&mut report, row, id, key, &rule_cell, base),
            None => {
                let known = JUDGES
                    .iter()
                    .map(|(k, zh)| format!("{zh}({k})"))
                    .collect::<Vec<_>>();
                let known_zh = JUDGES
                    .iter()
                    .map(|(k, zh)| format!("{zh}\u{ff08}{k}\u{ff09}"))
                    .collect::<Vec<_>>();
                if judge_text.is_empty() {
                    report.cell(
                        row,
                        Col::Judge,
                        id,
                        format!("判定方式为空（可用：{}）", known_zh.join("、")),
                        format!("the judge is missing (use {})", known.join(", ")),
                    );
                } else {
                    report.cell(
                        row,
                        Col::Judge,
                        id,
                        format!(
                            "未知的判定方式 {judge_text:?}（可用：{}）",
                            known_zh.join("、")
                        ),
                        format!("unknown judge {judge_text:?} (use {})", known.join(", ")),
                    );
                }
                Judge::Met
            }
        };

        let mut methods = Vec::new();
        for name in split_list(&get(Col::Methods).text) {
            match Method::parse(&name).or_else(|| Method::parse(&name.to_lowercase())) {
                Some(method) if !methods.contains(&method) => methods.push(method),
                Some(_) => {}
                None => report.cell(
                    row,
                    Col::Methods,
                    id,
                    format!(
                        "未知的测评方法 {name:?}（可用：{}）",
                        Method::ALL.map(Method::zh).join("、")
                    ),
                    format!(
                        "unknown assessment method {name:?} (use {})",
                        Method::ALL.map(Method::en).join(", ")
                    ),
                ),
            }
        }

        let effort_cell = get(Col::Effort);
        let effort = if effort_cell.text.is_empty() {
            DEFAULT_EFFORT
        } else {
            match effort_cell.text.parse::<u8>() {
                Ok(effort) if (1..=5).contains(&effort) => effort,
                _ => {
                    report.cell(
                        row,
                        Col::Effort,
                        id,
                        format!("难度应是 1 到 5 的整数，不是 {:?}", effort_cell.text),
                        format!(
                            "effort must be a whole number from 1 to 5, not {:?}",
                            effort_cell.text
                        ),
                    );
                    DEFAULT_EFFORT
                }
            }
        };

        let veto_cell = get(Col::Veto).text;
        let veto = if veto_cell.is_empty() {
            false
        } else {
            match yes_no(&veto_cell) {
                Some(veto) => veto,
                None => {
                    report.cell(
                        row,
                        Col::Veto,
                        id,
                        format!("一票否决应填“是”或“否”，不是 {veto_cell:?}"),
                        format!("veto takes yes or no, not {veto_cell:?}"),
                    );
                    false
                }
            }
        };

        let optional = |text: String| (!text.is_empty()).then_some(text);
        if report.problems.len() > before {
            reported.insert(clause_id.clone());
        }
        if category_id.is_empty() || item_id.is_empty() {
            continue;
        }
        read.push(RowClause {
            row,
            category_id,
            category_name: get(Col::Category).text,
            item_id,
            item_name: get(Col::Item).text,
            lead: optional(get(Col::Lead).text),
            responsible: split_list(&get(Col::Responsible).text),
            clause: Clause {
                id: clause_id,
                text,
                text_en: optional(get(Col::TextEn).text),
                points,
                judge,
                methods,
                evidence: optional(get(Col::Evidence).text),
                lead_department: None,
                responsible_departments: Vec::new(),
                effort,
                veto,
                source_quote: optional(get(Col::SourceQuote).text),
            },
        });
    }
    if read.is_empty() && report.problems.is_empty() {
        report.problems.push(FileProblem::new(
            &shown,
            None,
            None,
            "工作表中没有条款".into(),
            "the sheet holds no clauses".into(),
        ));
    }

    let (categories, rows_of) = assemble(&mut report, read, base);
    let mut standard = base.clone();
    standard.categories = categories;
    // The lookup cache was built for the base's clauses.
    standard.clause_index = Default::default();

    let mut problems = report.problems;
    for problem in validate(&standard) {
        let (line, id) = match &problem.location {
            Location::Clause(id) => {
                if reported.contains(id) {
                    continue;
                }
                (rows_of.get(id).copied(), Some(id.clone()))
            }
            Location::Category(id) | Location::Item(id) => {
                (rows_of.get(id).copied(), Some(id.clone()))
            }
            Location::Dimension(id) => (None, Some(id.clone())),
            Location::Star(level) | Location::StarReward(level) => {
                (None, Some(format!("{level}★")))
            }
            Location::Promotion(from, to) => (None, Some(format!("{from}→{to}"))),
            Location::Target(i) => (None, Some(format!("targets[{i}]"))),
            Location::Standard => (None, None),
        };
        let (zh, en) = match line {
            Some(row) => (
                format!("第 {row} 行：{}", problem.zh),
                format!("row {row}: {}", problem.en),
            ),
            None => (problem.zh, problem.en),
        };
        problems.push(FileProblem::new(&shown, line, id, zh, en));
    }
    if problems.is_empty() {
        Ok(standard)
    } else {
        Err(problems)
    }
}

/// Reads the 规则/门槛 cell for a judge.
fn read_rule(
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

/// Groups rows into categories and items in the order they first appear; returns the categories
/// and the first row of every id (clause, item, category).
fn assemble(
    report: &mut Report<'_>,
    rows: Vec<RowClause>,
    base: &Standard,
) -> (Vec<Category>, HashMap<String, usize>) {
    let mut rows_of: HashMap<String, usize> = HashMap::new();
    let mut categories: Vec<Category> = Vec::new();
    // Per category: every row's (lead, responsible), to decide where departments belong.
    let mut departments: Vec<Vec<(Option<String>, Vec<String>)>> = Vec::new();
    let mut item_home: HashMap<String, (usize, usize)> = HashMap::new();
    for row in rows {
        let ci = match categories.iter().position(|c| c.id == row.category_id) {
            Some(ci) => {
                let category = &mut categories[ci];
                if category.name.is_empty() {
                    category.name = row.category_name.clone();
                } else if !row.category_name.is_empty() && row.category_name != category.name {
                    report.cell(
                        row.row,
                        Col::Category,
                        Some(&row.clause.id),
                        format!(
                            "类别 {} 的名称与前面的行不同（{:?} / {:?}）",
                            category.id, category.name, row.category_name
                        ),
                        format!(
                            "category {} is named differently from earlier rows ({:?} / {:?})",
                            category.id, category.name, row.category_name
                        ),
                    );
                }
                ci
            }
            None => {
                let known = base.categories.iter().find(|c| c.id == row.category_id);
                let name = if row.category_name.is_empty() {
                    known.map(|c| c.name.clone()).unwrap_or_default()
                } else {
                    row.category_name.clone()
                };
                if name.is_empty() {
                    report.cell(
                        row.row,
                        Col::Category,
                        Some(&row.clause.id),
                        format!("类别 {} 没有名称", row.category_id),
                        format!("category {} has no name", row.category_id),
                    );
                }
                rows_of.entry(row.category_id.clone()).or_insert(row.row);
                categories.push(Category {
                    id: row.category_id.clone(),
                    name,
                    name_en: known.and_then(|c| c.name_en.clone()),
                    lead_department: None,
                    responsible_departments: Vec::new(),
                    points: None,
                    items: Vec::new(),
                });
                departments.push(Vec::new());
                categories.len() - 1
            }
        };
        let ii = match item_home.get(&row.item_id) {
            Some(&(home, ii)) if home == ci => {
                let item = &mut categories[ci].items[ii];
                if item.name.is_empty() {
                    item.name = row.item_name.clone();
                } else if !row.item_name.is_empty() && row.item_name != item.name {
                    report.cell(
                        row.row,
                        Col::Item,
                        Some(&row.clause.id),
                        format!(
                            "项目 {} 的名称与前面的行不同（{:?} / {:?}）",
                            item.id, item.name, row.item_name
                        ),
                        format!(
                            "item {} is named differently from earlier rows ({:?} / {:?})",
                            item.id, item.name, row.item_name
                        ),
                    );
                }
                ii
            }
            Some(&(home, _)) => {
                report.cell(
                    row.row,
                    Col::ItemId,
                    Some(&row.clause.id),
                    format!(
                        "项目 {} 已属于类别 {}，不能再放在类别 {} 下",
                        row.item_id, categories[home].id, row.category_id
                    ),
                    format!(
                        "item {} already belongs to category {}, not {}",
                        row.item_id, categories[home].id, row.category_id
                    ),
                );
                continue;
            }
            None => {
                let known = base
                    .categories
                    .iter()
                    .flat_map(|c| c.items.iter())
                    .find(|i| i.id == row.item_id);
                let name = if row.item_name.is_empty() {
                    known.map(|i| i.name.clone()).unwrap_or_default()
                } else {
                    row.item_name.clone()
                };
                if name.is_empty() {
                    report.cell(
                        row.row,
                        Col::Item,
                        Some(&row.clause.id),
                        format!("项目 {} 没有名称", row.item_id),
                        format!("item {} has no name", row.item_id),
                    );
                }
                rows_of.entry(row.item_id.clone()).or_insert(row.row);
                let items = &mut categories[ci].items;
                items.push(Item {
                    id: row.item_id.clone(),
                    name,
                    name_en: known.and_then(|i| i.name_en.clone()),
                    points: None,
                    clauses: Vec::new(),
                });
                item_home.insert(row.item_id.clone(), (ci, items.len() - 1));
                items.len() - 1
            }
        };
        rows_of.entry(row.clause.id.clone()).or_insert(row.row);
        departments[ci].push((row.lead.clone(), row.responsible.clone()));
        let mut clause = row.clause;
        clause.lead_department = row.lead;
        clause.responsible_departments = row.responsible;
        categories[ci].items[ii].clauses.push(clause);
    }
    // Departments every clause of a category shares are the category's.
    for (category, rows) in categories.iter_mut().zip(&departments) {
        let Some(first) = rows.first() else { continue };
        if rows.iter().all(|r| r == first) {
            category.lead_department = first.0.clone();
            category.responsible_departments = first.1.clone();
            for clause in category.items.iter_mut().flat_map(|i| i.clauses.iter_mut()) {
                clause.lead_department = None;
                clause.responsible_departments.clear();
            }
        }
    }
    (categories, rows_of)
}

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
