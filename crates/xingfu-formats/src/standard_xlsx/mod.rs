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

use xingfu_core::standard::Judge;

mod read;
mod report;
mod rule;
mod score_sheet;
mod write;

pub use read::clauses_from_xlsx;
pub use score_sheet::score_sheet_xlsx;
pub use write::standard_to_xlsx;
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
