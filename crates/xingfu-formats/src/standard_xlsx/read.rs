//! Reading a clause table back from an .xlsx workbook, every bad cell reported where it is.

use std::collections::{BTreeMap, HashMap, HashSet};

use calamine::Data;
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::standard::{Category, Clause, DEFAULT_EFFORT, Item, Judge, Method};
use xingfu_core::validate::{Location, validate};

use super::report::Report;
use super::rule::read_rule;
use super::{
    CLAUSE_SHEET, COLUMNS, Col, JUDGES, REQUIRED, column_letter, column_of, headers_of, judge_key,
    split_list,
};
use crate::assessment_file::yes_no;
use crate::problem::FileProblem;
use crate::sheet::{CLAUSE_TABLE_LIMITS, read_xlsx};
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
