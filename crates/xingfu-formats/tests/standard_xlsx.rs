//! The clause table as an Excel workbook and back, and the round's score sheet.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::scoring::{Answer, Assessment, score};
use xingfu_core::standard::{Judge, NumericRule};
use xingfu_formats::FileProblem;
use xingfu_formats::shipped::{SHIPPED, ids, shipped};
use xingfu_formats::standard_file::load_standard;
use xingfu_formats::standard_write::with_categories;
use xingfu_formats::standard_xlsx::{
    clauses_from_xlsx, column_letter, score_sheet_xlsx, standard_to_xlsx,
};

fn standard(id: &str) -> Standard {
    shipped(id).expect("shipped").expect("valid")
}

/// Every cell of a sheet as text (numbers as Excel holds them).
fn sheet_text(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    let range = workbook.worksheet_range(name).expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::Float(f) => Dec2::from_f64(*f).unwrap().to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn assert_same_clauses(original: &Standard, imported: &Standard) {
    assert_eq!(original.clause_count(), imported.clause_count());
    assert_eq!(original.categories.len(), imported.categories.len());
    for (a, b) in original.categories.iter().zip(&imported.categories) {
        assert_eq!((&a.id, &a.name, &a.name_en), (&b.id, &b.name, &b.name_en));
        assert_eq!(a.items.len(), b.items.len(), "items of {}", a.id);
        // The departments that apply to each clause are the same.
        for (ia, ib) in a.items.iter().zip(&b.items) {
            assert_eq!(
                (&ia.id, &ia.name, &ia.name_en),
                (&ib.id, &ib.name, &ib.name_en)
            );
            for (ca, cb) in ia.clauses.iter().zip(&ib.clauses) {
                let lead = |c: &xingfu_core::standard::Clause,
                            cat: &xingfu_core::standard::Category| {
                    c.lead_department
                        .clone()
                        .or_else(|| cat.lead_department.clone())
                };
                let responsible =
                    |c: &xingfu_core::standard::Clause, cat: &xingfu_core::standard::Category| {
                        if c.responsible_departments.is_empty() {
                            cat.responsible_departments.clone()
                        } else {
                            c.responsible_departments.clone()
                        }
                    };
                assert_eq!(lead(ca, a), lead(cb, b), "lead department of {}", ca.id);
                assert_eq!(responsible(ca, a), responsible(cb, b), "{}", ca.id);
            }
        }
        assert_eq!(a.lead_department, b.lead_department, "category {}", a.id);
        assert_eq!(
            a.responsible_departments, b.responsible_departments,
            "category {}",
            a.id
        );
    }
    for (a, b) in original.clauses().zip(imported.clauses()) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.text, b.text, "{}", a.id);
        assert_eq!(a.text_en, b.text_en, "{}", a.id);
        assert_eq!(a.points, b.points, "{}", a.id);
        assert_eq!(a.judge, b.judge, "{}", a.id);
        assert_eq!(a.methods, b.methods, "{}", a.id);
        assert_eq!(a.evidence, b.evidence, "{}", a.id);
        assert_eq!(a.effort, b.effort, "{}", a.id);
        assert_eq!(a.veto, b.veto, "{}", a.id);
        assert_eq!(a.source_quote, b.source_quote, "{}", a.id);
        assert_eq!(a.lead_department, b.lead_department, "{}", a.id);
        assert_eq!(a.responsible_departments, b.responsible_departments);
    }
}

#[test]
fn every_shipped_standard_round_trips_through_the_clause_table() {
    for id in ids() {
        let original = standard(id);
        for english in [false, true] {
            let bytes = standard_to_xlsx(&original, english).unwrap();
            let imported =
                clauses_from_xlsx("clauses.xlsx", &bytes, &original).unwrap_or_else(|problems| {
                    panic!(
                        "{id} (english {english}): {:#?}",
                        problems.iter().map(|p| p.render(false)).collect::<Vec<_>>()
                    )
                });
            assert_same_clauses(&original, &imported);
            // Everything outside the clause table comes from the base.
            assert_eq!(imported.id, original.id);
            assert_eq!(imported.total_points, original.total_points);
            assert_eq!(imported.stars.len(), original.stars.len());
            assert_eq!(
                imported.rewards.is_some(),
                original.rewards.is_some(),
                "{id}"
            );
            assert_eq!(imported.targets.len(), original.targets.len());
            // The lookup works on the new clauses.
            let last = original.clauses().last().unwrap();
            assert_eq!(imported.clause(&last.id).unwrap().text, last.text);
        }
    }
}

#[test]
fn the_clause_table_has_the_circulated_columns_and_a_star_sheet() {
    let lucheng = standard("lucheng-2012");
    let bytes = standard_to_xlsx(&lucheng, false).unwrap();
    let rows = sheet_text(&bytes, "条款");
    assert_eq!(
        rows[0][..15],
        [
            "类别编号",
            "类别",
            "项目编号",
            "项目",
            "条款编号",
            "条款内容",
            "分值",
            "判定方式",
            "规则/门槛",
            "测评方法",
            "证明材料",
            "牵头部门",
            "责任部门",
            "难度",
            "一票否决"
        ]
    );
    assert_eq!(rows.len(), lucheng.clause_count() + 1);
    let numeric = rows.iter().find(|r| r[4] == "ST1.1").expect("ST1.1");
    assert_eq!(numeric[7], "计数");
    assert!(numeric[8].contains("至多=0"), "{}", numeric[8]);
    assert!(numeric[8].contains("单位=次"), "{}", numeric[8]);
    // Category departments are written on each of the category's rows.
    assert_eq!(numeric[11], "城管办");
    assert!(numeric[12].starts_with("宣传办、计生办"), "{}", numeric[12]);
    let veto: Vec<_> = rows.iter().filter(|r| r[14] == "是").collect();
    assert_eq!(veto.len(), 3, "three veto items");

    let stars = sheet_text(&bytes, "星级");
    assert_eq!(stars[0][..3], ["星级", "最低分", "审批层级"]);
    assert_eq!(stars[1][..3], ["1", "650", "区"]);
    assert_eq!(stars[5][..3], ["5", "900", "市"]);

    let english = standard_to_xlsx(&lucheng, true).unwrap();
    let rows = sheet_text(&english, "Clauses");
    assert_eq!(rows[0][4], "Clause id");
    assert!(
        rows.iter()
            .any(|r| r[7] == "survey" && r[8].contains("scoring=proportional"))
    );
    assert_eq!(sheet_text(&english, "Stars")[5][2], "city");
}

/// A sheet written by hand, as a department would: headers, then rows of cells.
fn handmade(rows: &[&[&str]]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("条款").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            match cell.strip_prefix('#') {
                Some(number) => sheet
                    .write_number(r as u32, c as u16, number.parse::<f64>().unwrap())
                    .unwrap(),
                None => sheet.write_string(r as u32, c as u16, *cell).unwrap(),
            };
        }
    }
    workbook.save_to_buffer().unwrap()
}

const HEADER: &[&str] = &[
    "类别编号",
    "类别",
    "项目编号",
    "项目",
    "条款编号",
    "条款内容",
    "分值",
    "判定方式",
    "规则/门槛",
    "测评方法",
    "证明材料",
    "牵头部门",
    "责任部门",
    "难度",
    "一票否决",
];

fn messages(problems: &[FileProblem]) -> Vec<String> {
    problems.iter().map(|p| p.render(false)).collect()
}

fn find<'a>(problems: &'a [FileProblem], row: usize, needle: &str) -> &'a FileProblem {
    problems
        .iter()
        .find(|p| p.line == Some(row) && p.zh.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "no problem on row {row} with {needle:?}: {:#?}",
                messages(problems)
            )
        })
}

#[test]
fn bad_rows_are_reported_with_sheet_row_and_column() {
    let base = standard("weibin-four-types");
    let bytes = handmade(&[
        HEADER,
        &[
            "PA",
            "平安",
            "PA1",
            "治安",
            "PA1.1",
            "有警务室",
            "#5",
            "达标",
            "",
            "实地考察",
            "",
            "",
            "",
            "#2",
            "否",
        ],
        // Unknown judge.
        &[
            "PA",
            "平安",
            "PA1",
            "治安",
            "PA1.2",
            "巡逻",
            "#5",
            "看心情",
            "",
            "实地考察",
            "",
            "",
            "",
            "",
            "",
        ],
        // Points not a number.
        &[
            "PA",
            "平安",
            "PA1",
            "治安",
            "PA1.3",
            "监控",
            "五分",
            "达标",
            "",
            "实地考察",
            "",
            "",
            "",
            "",
            "",
        ],
        // Missing clause id.
        &[
            "PA",
            "平安",
            "PA1",
            "治安",
            "",
            "消防",
            "#5",
            "达标",
            "",
            "实地考察",
            "",
            "",
            "",
            "",
            "",
        ],
        // Unknown method.
        &[
            "PA",
            "平安",
            "PA1",
            "治安",
            "PA1.5",
            "调解",
            "#5",
            "达标",
            "",
            "掷骰子",
            "",
            "",
            "",
            "",
            "",
        ],
        // A numeric clause without what it counts, and effort out of range, and a bad veto.
        &[
            "PA",
            "平安",
            "PA1",
            "治安",
            "PA1.6",
            "网格员",
            "#5",
            "计数",
            "至少=10",
            "材料审核",
            "",
            "",
            "",
            "#9",
            "也许",
        ],
        // A rule key that does not apply, and a duplicate id.
        &[
            "PA",
            "平安",
            "PA1",
            "治安",
            "PA1.7",
            "宣传",
            "#5",
            "达标",
            "门槛=95",
            "汇报",
            "",
            "",
            "",
            "",
            "",
        ],
        &[
            "PA", "平安", "PA1", "治安", "PA1.1", "重复", "#5", "达标", "", "汇报", "", "", "", "",
            "",
        ],
        // Missing category id.
        &[
            "", "", "PA1", "治安", "PA1.9", "其他", "#5", "达标", "", "汇报", "", "", "", "", "",
        ],
    ]);
    let problems = clauses_from_xlsx("weibin.xlsx", &bytes, &base).unwrap_err();
    for p in &problems {
        assert!(
            p.file.starts_with("weibin.xlsx [条款]"),
            "{}",
            p.render(false)
        );
    }
    let judge = find(&problems, 3, "未知的判定方式");
    assert!(judge.zh.contains("H 列（判定方式）"), "{}", judge.zh);
    assert!(
        judge.en.contains("row 3, column H (Judged by)"),
        "{}",
        judge.en
    );
    assert_eq!(judge.id.as_deref(), Some("PA1.2"));
    let points = find(&problems, 4, "分值应是");
    assert!(points.zh.contains("G 列"), "{}", points.zh);
    assert!(points.zh.contains("五分"));
    let missing = find(&problems, 5, "条款编号为空");
    assert!(missing.zh.contains("E 列"));
    let method = find(&problems, 6, "未知的测评方法");
    assert!(method.zh.contains("J 列") && method.zh.contains("掷骰子"));
    find(&problems, 7, "统计项");
    find(&problems, 7, "难度应是 1 到 5");
    find(&problems, 7, "一票否决应填");
    let rule = find(&problems, 8, "“门槛”不适用于判定方式“达标”");
    assert!(rule.zh.contains("I 列（规则/门槛）"));
    find(&problems, 9, "与第 2 行重复");
    find(&problems, 10, "类别编号为空");
    // The whole-standard check runs on the rows that could be read: the points do not add up
    // to the base's total.
    assert!(
        problems
            .iter()
            .any(|p| p.line.is_none() && p.zh.contains(&base.total_points.to_string())),
        "{:#?}",
        messages(&problems)
    );
}

#[test]
fn the_whole_standard_is_checked_after_the_rows() {
    let lucheng = standard("lucheng-2012");
    let bytes = standard_to_xlsx(&lucheng, false).unwrap();
    // Change one clause's points and send a survey clause to an undefined dimension.
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(&bytes[..])).unwrap();
    let range = workbook.worksheet_range("条款").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("#{f}"),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let mut edited = rows.clone();
    let zz = edited.iter().position(|r| r[4] == "ZZ1.1").unwrap();
    edited[zz][6] = "#999".into();
    let survey = edited.iter().position(|r| r[7] == "满意度").unwrap();
    edited[survey][8] = "维度=nowhere; 计分=按比例".into();
    let refs: Vec<Vec<&str>> = edited
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    let problems = clauses_from_xlsx("lucheng.xlsx", &handmade(&slices), &lucheng).unwrap_err();
    let dimension = problems
        .iter()
        .find(|p| p.zh.contains("nowhere"))
        .unwrap_or_else(|| panic!("{:#?}", messages(&problems)));
    assert_eq!(
        dimension.line,
        Some(survey + 1),
        "reported on the clause's row"
    );
    assert!(
        problems.iter().any(|p| p.zh.contains("1000")),
        "the total no longer adds up: {:#?}",
        messages(&problems)
    );
}

#[test]
fn merged_cells_and_a_title_row_are_read_as_departments_write_them() {
    let base = standard("weibin-four-types");
    let original = standard_to_xlsx(&base, false).unwrap();
    let rows = sheet_text(&original, "条款");
    // Write the same table with a title row above it and the category cells merged.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("条款").unwrap();
    sheet
        .write_string(0, 0, "渭滨区“四型”社区评价标准")
        .unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let numeric = matches!(c, 6 | 13) && r > 0;
            if numeric {
                sheet
                    .write_number(r as u32 + 1, c as u16, cell.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(r as u32 + 1, c as u16, cell).unwrap();
            }
        }
    }
    // Merge each run of one category's id and name cells.
    let mut start = 1;
    for r in 2..=rows.len() {
        if r == rows.len() || rows[r][0] != rows[start][0] {
            if r - start > 1 {
                for c in [0u16, 1] {
                    sheet
                        .merge_range(
                            start as u32 + 1,
                            c,
                            r as u32,
                            c,
                            &rows[start][c as usize],
                            &Format::new(),
                        )
                        .unwrap();
                }
            }
            start = r;
        }
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let imported = clauses_from_xlsx("weibin.xlsx", &bytes, &base)
        .unwrap_or_else(|p| panic!("{:#?}", messages(&p)));
    assert_same_clauses(&base, &imported);
}

#[test]
fn a_file_that_is_not_a_workbook_is_one_clear_problem() {
    let base = standard("weibin-four-types");
    let problems = clauses_from_xlsx("notes.xlsx", b"just text", &base).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].zh.contains("无法读取 Excel 文件"));
    assert!(problems[0].en.contains(".xlsx"));
    // A sheet without the clause columns names each one missing.
    let problems =
        clauses_from_xlsx("empty.xlsx", &handmade(&[&["备注", "条款编号"]]), &base).unwrap_err();
    let text = messages(&problems).join("\n");
    assert!(
        text.contains("“备注”") || text.contains("\"备注\""),
        "{text}"
    );
    assert!(text.contains("缺少“分值”列"), "{text}");
    assert!(text.contains("缺少“判定方式”列"), "{text}");
}

#[test]
fn a_rule_written_by_hand_is_read_in_either_language() {
    let base = standard("lucheng-2012");
    let bytes = standard_to_xlsx(&base, false).unwrap();
    let rows = sheet_text(&bytes, "条款");
    let mut edited: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            row.iter()
                .enumerate()
                .map(|(c, cell)| {
                    if r > 0 && matches!(c, 6 | 13) {
                        format!("#{cell}")
                    } else {
                        cell.clone()
                    }
                })
                .collect()
        })
        .collect();
    let fw = edited.iter().position(|r| r[4] == "FW2.1").unwrap();
    // English keys, full-width punctuation, methods in English.
    edited[fw][8] = "measure=具备的功能项数\u{ff1b}unit\u{ff1d}项; full_at=5".into();
    edited[fw][9] = "material review, site inspection".into();
    let refs: Vec<Vec<&str>> = edited
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    let imported = clauses_from_xlsx("lucheng.xlsx", &handmade(&slices), &base)
        .unwrap_or_else(|p| panic!("{:#?}", messages(&p)));
    let clause = imported.clause("FW2.1").unwrap();
    assert_eq!(
        clause.judge,
        Judge::Numeric {
            measure: "具备的功能项数".into(),
            unit: Some("项".into()),
            rule: NumericRule::Linear {
                zero_at: Dec2::ZERO,
                full_at: Dec2::from_int(5)
            }
        }
    );
    assert_eq!(clause.methods.len(), 2);
}

#[test]
fn the_score_sheet_has_a_row_per_community_and_a_column_per_clause() {
    let lucheng = standard("lucheng-2012");
    let mut assessment = Assessment::default();
    let mut clauses = lucheng.clauses().filter(|c| !c.veto);
    let first = clauses.next().unwrap();
    let second = clauses.next().unwrap();
    let met = |c: &xingfu_core::standard::Clause| match c.judge {
        Judge::Graded => Answer::number(c.points),
        _ => Answer::met(true),
    };
    assessment.answers.insert(first.id.clone(), met(first));
    assessment
        .answers
        .insert(second.id.clone(), Answer::met(false));
    let veto = lucheng.clauses().find(|c| c.veto).unwrap();
    assessment
        .answers
        .insert(veto.id.clone(), Answer::met(false));
    let card = score(&lucheng, &assessment).unwrap();
    let rows = vec![
        (
            "330302006044".to_string(),
            "鼓楼社区".to_string(),
            Some(card),
        ),
        ("330302006045".to_string(), "墨池社区".to_string(), None),
    ];
    let bytes = score_sheet_xlsx(&lucheng, &rows, false).unwrap();
    let cells = sheet_text(&bytes, "评分表");
    let header = &cells[0];
    assert_eq!(header[0], "社区编码");
    assert_eq!(header.len(), 2 + lucheng.clause_count() + 5);
    let col = |id: &str| header.iter().position(|h| h == id).unwrap();
    assert_eq!(cells[1][1], "满分");
    assert_eq!(cells[1][col(&first.id)], first.points.to_string());
    let gulou = &cells[2];
    assert_eq!(gulou[0], "330302006044");
    assert_eq!(gulou[col(&first.id)], first.points.to_string());
    assert_eq!(gulou[col(&second.id)], "0");
    assert_eq!(gulou[col(&veto.id)], "否决");
    let total = col("总分");
    assert_eq!(gulou[total], first.points.to_string());
    assert_eq!(gulou[col("一票否决")], veto.id);
    assert_eq!(gulou[col("星级")], "0");
    // Clauses not assessed are empty, not zero.
    let third = lucheng.clauses().filter(|c| !c.veto).nth(2).unwrap();
    assert_eq!(gulou[col(&third.id)], "");
    let mochi = &cells[3];
    assert_eq!(mochi[1], "墨池社区");
    assert_eq!(mochi[col("星级")], "未评分");

    let english = score_sheet_xlsx(&lucheng, &rows, true).unwrap();
    let cells = sheet_text(&english, "Scores");
    assert_eq!(cells[0][1], "Name");
    assert_eq!(cells[3].last().unwrap(), "not scored");
}

#[test]
fn column_letters_follow_excel() {
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(27), "AB");
    assert_eq!(column_letter(701), "ZZ");
    assert_eq!(column_letter(702), "AAA");
}

/// The path of the first place two JSON values differ, with both sides.
fn first_difference(path: &str, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(&format!("{path}[{i}]"), p, q)),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

#[test]
fn an_imported_clause_table_is_kept_as_a_standard_file_that_loads_the_same() {
    for (id, text) in SHIPPED {
        let original = standard(id);
        let bytes = standard_to_xlsx(&original, false).unwrap();
        let imported = clauses_from_xlsx("clauses.xlsx", &bytes, &original).unwrap();
        let written = with_categories("clauses.xlsx", text, &imported).unwrap();
        let reloaded = load_standard("written.toml", &written).unwrap_or_else(|problems| {
            panic!(
                "{id}: {:#?}\n{written}",
                problems.iter().map(|p| p.render(false)).collect::<Vec<_>>()
            )
        });
        // The whole model is what was imported, not just the clause table.
        let difference = first_difference(
            "",
            &serde_json::to_value(&reloaded).unwrap(),
            &serde_json::to_value(&imported).unwrap(),
        );
        assert_eq!(difference, None, "{id}");
        // Written straight from the shipped model, the file loads as the shipped model.
        let direct = with_categories("same.toml", text, &original).unwrap();
        let direct = load_standard("same.toml", &direct).unwrap();
        let difference = first_difference(
            "",
            &serde_json::to_value(&direct).unwrap(),
            &serde_json::to_value(&original).unwrap(),
        );
        assert_eq!(difference, None, "{id}");
        // The header's comments survive: they carry the seed and the choices made.
        let first_comment = text.lines().find(|l| l.starts_with('#')).unwrap();
        assert!(written.contains(first_comment), "{id}");
    }
}

#[test]
fn a_changed_clause_table_changes_only_the_clauses() {
    let (_, text) = SHIPPED
        .iter()
        .find(|(id, _)| *id == "lucheng-2012")
        .unwrap();
    let mut changed = standard("lucheng-2012");
    let clause = &mut changed.categories[0].items[0].clauses[0];
    clause.text = "社区党组织书记述职(已修订)".into();
    let written = with_categories("edited.xlsx", text, &changed).unwrap();
    let reloaded = load_standard("written.toml", &written).unwrap();
    assert_eq!(
        reloaded.categories[0].items[0].clauses[0].text,
        "社区党组织书记述职(已修订)"
    );
    assert_eq!(reloaded.clause_count(), changed.clause_count());
    assert!(with_categories("broken.toml", "[standard", &changed).is_err());
}
