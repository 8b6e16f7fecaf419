//! Administrative division lists (统计用区划代码) in CSV or JSON, read into regions with 12-digit
//! codes, their level and their parent. Every bad row is reported with its line; nothing is guessed.
//!
//! CSV layouts, told apart by the header:
//! - `code,name,level,parent[,urban_rural]`: Xingfu's own, as `data/regions/wenzhou.csv`;
//! - the `china-division` files: `code,name` (provinces), `code,name,provinceCode` (cities),
//!   `code,name,cityCode,provinceCode` (districts), `code,name,areaCode,provinceCode,cityCode`
//!   (streets), `code,name,streetCode,provinceCode,cityCode,areaCode` (communities and villages).
//!   The level is the file's; the parent is its deepest `…Code` column.
//!
//! Codes are padded on the right to 12 digits (`3303` → `330300000000`). A code must fit its level
//! (zeros after the level's digits, not all zeros in the level's own digits), and a parent must be
//! the code's own prefix at the level above. A parent need not be in the same input; when it is, it
//! must be of the level above. Two rows with the same code are an error naming both lines.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::problem::FileProblem;

/// Where a division stands in the statistical hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省级: province, autonomous region, municipality.
    Province,
    /// 地级: prefecture-level city (and 市辖区 / 直辖 placeholders).
    City,
    /// 县级: district, county, county-level city.
    District,
    /// 乡级: street, town, township (and 林场, 开发区 …).
    Street,
    /// 村级: community or village committee.
    Community,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 5] = [
        RegionLevel::Province,
        RegionLevel::City,
        RegionLevel::District,
        RegionLevel::Street,
        RegionLevel::Community,
    ];

    /// The name used in files: `province`, `city`, `district`, `street`, `community`.
    pub fn key(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::District => "district",
            RegionLevel::Street => "street",
            RegionLevel::Community => "community",
        }
    }

    /// Reads a level from its key or its Chinese name.
    pub fn parse(text: &str) -> Option<RegionLevel> {
        let text = text.trim();
        RegionLevel::ALL
            .into_iter()
            .find(|level| level.key() == text || level.zh() == text)
    }

    pub fn zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::District => "区县",
            RegionLevel::Street => "街道乡镇",
            RegionLevel::Community => "社区村",
        }
    }

    /// How many leading digits of a 12-digit code are this level's: 2, 4, 6, 9 or 12.
    pub fn digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::District => 6,
            RegionLevel::Street => 9,
            RegionLevel::Community => 12,
        }
    }

    /// The level of this level's parent.
    pub fn above(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => None,
            RegionLevel::City => Some(RegionLevel::Province),
            RegionLevel::District => Some(RegionLevel::City),
            RegionLevel::Street => Some(RegionLevel::District),
            RegionLevel::Community => Some(RegionLevel::Street),
        }
    }
}

/// One division, with its code and its parent's in the 12-digit form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// The parent's 12-digit code; `None` for a province.
    pub parent: Option<String>,
    /// 城乡分类代码 (111 主城区 … 220 村庄), for communities and villages when known.
    pub urban_rural: Option<String>,
}

/// The urban-rural class codes (城乡分类代码) of the statistical division codes.
const URBAN_RURAL: [&str; 7] = ["111", "112", "121", "122", "123", "210", "220"];

/// The `china-division` columns that name an ancestor, and how many digits their codes have.
const ANCESTOR_COLUMNS: [(&str, usize); 4] = [
    ("provinceCode", 2),
    ("cityCode", 4),
    ("areaCode", 6),
    ("streetCode", 9),
];

fn pad(code: &str) -> String {
    format!("{code:0<12}")
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// One row as read, before any check.
struct RawRow<'a> {
    line: Option<usize>,
    code: &'a str,
    name: &'a str,
    level: RegionLevel,
    parent: Option<&'a str>,
    urban_rural: Option<&'a str>,
    /// `china-division` files: the code has exactly its level's digits.
    exact_length: bool,
    /// `china-division` files: the ancestor columns, with their digits.
    ancestors: Vec<(&'a str, &'a str, usize)>,
}

/// Checks one row; the region when it is sound, and every problem found.
fn check_row(
    file: &str,
    skipped: &mut Vec<FileProblem>,
    row: &RawRow,
) -> (Option<Region>, Vec<FileProblem>) {
    let raw = row.code;
    let level = row.level;
    let problem = |zh: String, en: String| {
        let id = (!raw.is_empty()).then(|| raw.to_string());
        FileProblem::new(file, row.line, id, zh, en)
    };
    let mut problems = Vec::new();
    let d = level.digits();

    // The code, padded; `None` when it cannot be used.
    let code = if raw.is_empty() {
        problems.push(problem(
            "缺少区划代码".into(),
            "the division code is missing".into(),
        ));
        None
    } else if !is_digits(raw) {
        problems.push(problem(
            format!("区划代码 {raw:?} 只能由数字组成"),
            format!("division code {raw:?} must be digits only"),
        ));
        None
    } else if row.exact_length && raw.len() != d {
        problems.push(problem(
            format!(
                "区划代码 {raw} 有 {} 位，{}级应为 {d} 位",
                raw.len(),
                level.zh()
            ),
            format!(
                "division code {raw} has {} digits; a {} has {d}",
                raw.len(),
                level.key()
            ),
        ));
        None
    } else if raw.len() != d && raw.len() != 12 {
        problems.push(problem(
            format!(
                "区划代码 {raw} 有 {} 位，应为 12 位（或{}级的 {d} 位）",
                raw.len(),
                level.zh()
            ),
            format!(
                "division code {raw} has {} digits; it must have 12 (or the {d} of a {})",
                raw.len(),
                level.key()
            ),
        ));
        None
    } else {
        let code = pad(raw);
        let start = level.above().map_or(0, RegionLevel::digits);
        if code.bytes().skip(d).any(|b| b != b'0') {
            problems.push(problem(
                format!("区划代码 {code} 不是{}级代码：第 {d} 位之后应全为 0", level.zh()),
                format!(
                    "division code {code} is not a {} code: the digits after the first {d} must be 0",
                    level.key()
                ),
            ));
            None
        } else if code.as_bytes()[start..d].iter().all(|&b| b == b'0')
            && row.exact_length
            && row.parent.map(|p| pad(p.trim())).as_deref() == Some(code.as_str())
        {
            // The statistical tables list a 不设区的地级市 (东莞, 中山, 儋州) once more at the
            // district level, and 金门县 once more at the street level, under their own code:
            // the row is the parent itself, and its children attach to the parent.
            skipped.push(problem(
                format!(
                    "{}（{raw}）在{}级重复列出了上级本身（代码相同），已跳过；其下级直接隶属于 {code}",
                    row.name.trim(),
                    level.zh()
                ),
                format!(
                    "{} ({raw}) lists its parent again at the {} level (same code) and was skipped; its children belong to {code} directly",
                    row.name.trim(),
                    level.key()
                ),
            ));
            return (None, Vec::new());
        } else if code.as_bytes()[start..d].iter().all(|&b| b == b'0') {
            let (padded_zh, padded_en) = if raw.len() == 12 {
                (":".to_string(), ":".to_string())
            } else {
                (
                    format!(" 补足 12 位后为 {code},"),
                    format!(" pads to {code}:"),
                )
            };
            problems.push(problem(
                format!(
                    "区划代码 {raw}{padded_zh}{}级的第 {}–{d} 位全为 0，与上级代码无法区分",
                    level.zh(),
                    start + 1
                ),
                format!(
                    "division code {raw}{padded_en} digits {}–{d}, the {}'s own, are all 0, so it cannot be told from its parent",
                    start + 1,
                    level.key()
                ),
            ));
            None
        } else {
            Some(code)
        }
    };

    let name = row.name.trim();
    if name.is_empty() {
        problems.push(problem("名称为空".into(), "the name is empty".into()));
    }

    // The parent: the code's own prefix at the level above.
    let parent_raw = row.parent.map(str::trim).filter(|p| !p.is_empty());
    let mut parent = None;
    match (level.above(), parent_raw) {
        (None, None) => {}
        (None, Some(p)) => problems.push(problem(
            format!("省级区划不应有上级（此处为 {p}）"),
            format!("a province has no parent (this row gives {p})"),
        )),
        (Some(above), given) => {
            let expected = code.as_deref().map(|c| pad(&c[..above.digits()]));
            match given {
                None => problems.push(problem(
                    match &expected {
                        Some(e) => format!("缺少上级代码（应为 {e}）"),
                        None => "缺少上级代码".into(),
                    },
                    match &expected {
                        Some(e) => format!("the parent code is missing (it should be {e})"),
                        None => "the parent code is missing".into(),
                    },
                )),
                Some(p) if !is_digits(p) || (p.len() != above.digits() && p.len() != 12) => {
                    problems.push(problem(
                        format!(
                            "上级代码 {p:?} 应为 12 位数字（或{}级的 {} 位）",
                            above.zh(),
                            above.digits()
                        ),
                        format!(
                            "parent code {p:?} must be 12 digits (or the {} of a {})",
                            above.digits(),
                            above.key()
                        ),
                    ))
                }
                Some(p) => {
                    let padded = pad(p);
                    match &expected {
                        Some(e) if *e != padded => problems.push(problem(
                            format!("上级代码 {padded} 与区划代码不符：应为 {e}"),
                            format!(
                                "parent code {padded} does not match the division code: it should be {e}"
                            ),
                        )),
                        _ => parent = Some(padded),
                    }
                }
            }
        }
    }
    if let Some(code) = &code {
        for &(column, value, digits) in &row.ancestors {
            let value = value.trim();
            if value != &code[..digits] {
                problems.push(problem(
                    format!("{column} 为 {value:?}，与区划代码不符：应为 {}", &code[..digits]),
                    format!(
                        "{column} is {value:?}, which does not match the division code: it should be {}",
                        &code[..digits]
                    ),
                ));
            }
        }
    }

    let urban_rural = row.urban_rural.map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = urban_rural {
        if !URBAN_RURAL.contains(&u) {
            problems.push(problem(
                format!(
                    "未知的城乡分类代码 {u:?}（可用：{}）",
                    URBAN_RURAL.join("、")
                ),
                format!(
                    "unknown urban-rural class code {u:?} (use {})",
                    URBAN_RURAL.join(", ")
                ),
            ));
        } else if level != RegionLevel::Community {
            problems.push(problem(
                format!("城乡分类代码只属于社区村级，不属于{}级", level.zh()),
                format!(
                    "only communities and villages have an urban-rural class code, not a {}",
                    level.key()
                ),
            ));
        }
    }

    match code {
        Some(code) if problems.is_empty() => (
            Some(Region {
                code,
                name: name.to_string(),
                level,
                parent,
                urban_rural: urban_rural.map(str::to_string),
            }),
            problems,
        ),
        _ => (None, problems),
    }
}

/// The checks across rows: duplicate codes, and parents of the wrong level.
fn finish(
    file: &str,
    regions: Vec<(Option<usize>, Region)>,
    mut problems: Vec<FileProblem>,
) -> Result<Vec<Region>, Vec<FileProblem>> {
    let where_ = |line: Option<usize>| match line {
        Some(l) => (format!("第 {l} 行"), format!("line {l}")),
        None => ("另一项".to_string(), "another entry".to_string()),
    };
    let mut first: HashMap<&str, (Option<usize>, RegionLevel)> = HashMap::new();
    for (line, region) in &regions {
        if let Some(&(first_line, _)) = first.get(region.code.as_str()) {
            let (then_zh, then_en) = where_(first_line);
            let (now_zh, now_en) = where_(*line);
            problems.push(FileProblem::new(
                file,
                *line,
                Some(region.code.clone()),
                format!("区划代码 {} 重复：{then_zh}和{now_zh}", region.code),
                format!(
                    "division code {} appears twice: on {then_en} and on {now_en}",
                    region.code
                ),
            ));
        } else {
            first.insert(&region.code, (*line, region.level));
        }
    }
    for (line, region) in &regions {
        let (Some(parent), Some(above)) = (&region.parent, region.level.above()) else {
            continue;
        };
        if let Some(&(parent_line, parent_level)) = first.get(parent.as_str())
            && parent_level != above
        {
            let (at_zh, at_en) = where_(parent_line);
            problems.push(FileProblem::new(
                file,
                *line,
                Some(region.code.clone()),
                format!(
                    "上级 {parent}（{at_zh}）是{}级，{}级的上级应是{}级",
                    parent_level.zh(),
                    region.level.zh(),
                    above.zh()
                ),
                format!(
                    "the parent {parent} ({at_en}) is a {}; a {}'s parent must be a {}",
                    parent_level.key(),
                    region.level.key(),
                    above.key()
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(regions.into_iter().map(|(_, r)| r).collect())
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

/// A CSV layout, from its header.
enum Layout {
    /// `code,name,level,parent[,urban_rural]`.
    Own,
    /// A `china-division` file: its level, its parent column, and its ancestor columns
    /// (column index, name, digits).
    Division {
        level: RegionLevel,
        parent: Option<usize>,
        ancestors: Vec<(usize, &'static str, usize)>,
    },
}

fn layout(header: &[&str]) -> Option<Layout> {
    if header == ["code", "name", "level", "parent"]
        || header == ["code", "name", "level", "parent", "urban_rural"]
    {
        return Some(Layout::Own);
    }
    if header.len() < 2 || header[0] != "code" || header[1] != "name" {
        return None;
    }
    let mut ancestors = Vec::new();
    for (index, column) in header.iter().enumerate().skip(2) {
        let &(name, digits) = ANCESTOR_COLUMNS.iter().find(|(n, _)| n == column)?;
        if ancestors.iter().any(|&(_, n, _)| n == name) {
            return None;
        }
        ancestors.push((index, name, digits));
    }
    let deepest = ancestors
        .iter()
        .max_by_key(|&&(_, _, digits)| digits)
        .copied();
    let level = match deepest.map(|(_, _, digits)| digits) {
        None => RegionLevel::Province,
        Some(2) => RegionLevel::City,
        Some(4) => RegionLevel::District,
        Some(6) => RegionLevel::Street,
        _ => RegionLevel::Community,
    };
    // The deepest column is the parent, checked as such; the others are checked against the code.
    ancestors.retain(|&ancestor| Some(ancestor) != deepest);
    Some(Layout::Division {
        level,
        parent: deepest.map(|(index, _, _)| index),
        ancestors,
    })
}

/// A division list as read: the regions, and the rows skipped with the reason for each.
#[derive(Debug, Clone, PartialEq)]
pub struct Divisions {
    pub regions: Vec<Region>,
    /// Rows that repeat their parent under the parent's own code (see [`read_divisions_csv`]).
    pub skipped: Vec<FileProblem>,
}

/// Reads a division list in CSV (see the module's documentation for the layouts). `file` names it
/// in messages. A UTF-8 BOM is skipped.
pub fn read_regions_csv(file: &str, text: &str) -> Result<Vec<Region>, Vec<FileProblem>> {
    read_divisions_csv(file, text).map(|d| d.regions)
}

/// Reads a division list in JSON; see [`read_divisions_json`].
pub fn read_regions_json(file: &str, text: &str) -> Result<Vec<Region>, Vec<FileProblem>> {
    read_divisions_json(file, text).map(|d| d.regions)
}

/// As [`read_regions_csv`], with the skipped rows: in a `china-division` file, a row whose code,
/// padded, is its parent's own code (the national tables repeat 东莞市, 中山市 and 儋州市 at the
/// district level and 金门县 at the street level this way) is the parent listed again; it is
/// skipped and its children attach to the parent. In Xingfu's own layout such a row is an error.
pub fn read_divisions_csv(file: &str, text: &str) -> Result<Divisions, Vec<FileProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(vec![FileProblem::new(
                file,
                None,
                None,
                "文件是空的，至少应有表头".into(),
                "the file is empty; it needs at least a header".into(),
            )]);
        }
        Some(Err(e)) => {
            let line = e.position().map(|p| p.line() as usize);
            return Err(vec![FileProblem::new(
                file,
                line,
                None,
                format!("无法读取表头：{e}"),
                format!("cannot read the header: {e}"),
            )]);
        }
        Some(Ok(record)) => record,
    };
    let columns: Vec<&str> = header.iter().map(str::trim).collect();
    let Some(layout) = layout(&columns) else {
        let found = columns.join(",");
        return Err(vec![FileProblem::new(
            file,
            Some(1),
            None,
            format!(
                "无法识别的表头 {found:?}：应为 code,name,level,parent[,urban_rural]，或 china-division 的 provinces/cities/areas/streets/villages 表头"
            ),
            format!(
                "unrecognised header {found:?}: expected code,name,level,parent[,urban_rural] or the header of a china-division provinces/cities/areas/streets/villages file"
            ),
        )]);
    };

    let mut regions = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                problems.push(FileProblem::new(
                    file,
                    line,
                    None,
                    format!("CSV 格式错误：{e}"),
                    format!("malformed CSV: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize);
        let field = |index: usize| record.get(index).unwrap_or("").trim();
        if record.len() != columns.len() {
            problems.push(FileProblem::new(
                file,
                line,
                Some(field(0).to_string()).filter(|c| !c.is_empty()),
                format!("本行有 {} 列，表头有 {} 列", record.len(), columns.len()),
                format!(
                    "this row has {} fields; the header has {}",
                    record.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let raw = match &layout {
            Layout::Own => {
                let Some(level) = RegionLevel::parse(field(2)) else {
                    problems.push(FileProblem::new(
                        file,
                        line,
                        Some(field(0).to_string()).filter(|c| !c.is_empty()),
                        format!(
                            "未知的层级 {:?}（可用：province、city、district、street、community）",
                            field(2)
                        ),
                        format!(
                            "unknown level {:?} (use province, city, district, street or community)",
                            field(2)
                        ),
                    ));
                    continue;
                };
                RawRow {
                    line,
                    code: field(0),
                    name: field(1),
                    level,
                    parent: Some(field(3)),
                    urban_rural: record.get(4),
                    exact_length: false,
                    ancestors: Vec::new(),
                }
            }
            Layout::Division {
                level,
                parent,
                ancestors,
            } => RawRow {
                line,
                code: field(0),
                name: field(1),
                level: *level,
                parent: parent.map(field),
                urban_rural: None,
                exact_length: true,
                ancestors: ancestors
                    .iter()
                    .map(|&(index, name, digits)| (name, field(index), digits))
                    .collect(),
            },
        };
        let (region, found) = check_row(file, &mut skipped, &raw);
        problems.extend(found);
        if let Some(region) = region {
            regions.push((line, region));
        }
    }
    let regions = finish(file, regions, problems)?;
    Ok(Divisions { regions, skipped })
}

/// The 1-based line on which each element of a top-level JSON array starts. `text` must be valid
/// JSON whose top level is an array.
fn element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let (mut line, mut depth) = (1, 0usize);
    let (mut in_string, mut escaped, mut expecting) = (false, false, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        if depth == 1 && expecting && !matches!(c, ']' | ',') {
            lines.push(line);
            expecting = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    lines
}

const JSON_FIELDS: [&str; 5] = ["code", "name", "level", "parent", "urban_rural"];

/// Reads a division list in JSON: an array of objects
/// `{"code", "name", "level", "parent", "urban_rural"}` (codes as strings; `parent` null or absent
/// for a province, `urban_rural` optional), checked as the CSV is. Problems carry the line on
/// which their object starts.
pub fn read_divisions_json(file: &str, text: &str) -> Result<Divisions, Vec<FileProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![FileProblem::new(
            file,
            Some(e.line()).filter(|&l| l > 0),
            None,
            format!("无法读取 JSON:{e}"),
            format!("cannot read the JSON: {e}"),
        )]
    })?;
    let Value::Array(items) = value else {
        return Err(vec![FileProblem::new(
            file,
            Some(1),
            None,
            "JSON 的顶层应为数组，每个区划一个对象".into(),
            "the JSON must be an array, one object per division".into(),
        )]);
    };
    let lines = element_lines(text);
    let mut regions = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let line = lines.get(index).copied();
        let number = index + 1;
        let Value::Object(object) = item else {
            problems.push(FileProblem::new(
                file,
                line,
                None,
                format!("第 {number} 项不是对象"),
                format!("entry {number} is not an object"),
            ));
            continue;
        };
        let id = object
            .get("code")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let problem = |zh: String, en: String| FileProblem::new(file, line, id.clone(), zh, en);
        let mut bad = false;
        for key in object.keys() {
            if !JSON_FIELDS.contains(&key.as_str()) {
                problems.push(problem(
                    format!(
                        "第 {number} 项有未知字段 {key:?}（可用：{}）",
                        JSON_FIELDS.join("、")
                    ),
                    format!(
                        "entry {number} has an unknown field {key:?} (use {})",
                        JSON_FIELDS.join(", ")
                    ),
                ));
                bad = true;
            }
        }
        // The text fields, `None` when absent or null; a field of another type is reported.
        let mut fields: [Option<&str>; 5] = [None; 5];
        let mut mistyped = [false; 5];
        for (index, key) in JSON_FIELDS.iter().enumerate() {
            match object.get(*key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => fields[index] = Some(s.as_str()),
                Some(other) => {
                    problems.push(problem(
                        format!("第 {number} 项的 {key} 应为字符串，此处为 {other}"),
                        format!("entry {number}: {key} must be a string, not {other}"),
                    ));
                    mistyped[index] = true;
                }
            }
        }
        if mistyped[0] || mistyped[2] {
            // Without its code or its level the entry cannot be checked further.
            continue;
        }
        let [code, name, level_text, parent, urban_rural] = fields;
        bad |= mistyped.contains(&true);
        let level = match level_text {
            None => {
                problems.push(problem(
                    format!("第 {number} 项缺少 level"),
                    format!("entry {number} has no level"),
                ));
                None
            }
            Some(l) => {
                let level = RegionLevel::parse(l);
                if level.is_none() {
                    problems.push(problem(
                        format!(
                            "未知的层级 {l:?}（可用：province、city、district、street、community）"
                        ),
                        format!(
                            "unknown level {l:?} (use province, city, district, street or community)"
                        ),
                    ));
                }
                level
            }
        };
        let Some(level) = level else { continue };
        let (region, found) = check_row(
            file,
            &mut skipped,
            &RawRow {
                line,
                code: code.unwrap_or(""),
                name: name.unwrap_or(""),
                level,
                parent,
                urban_rural,
                exact_length: false,
                ancestors: Vec::new(),
            },
        );
        problems.extend(found);
        if let Some(region) = region
            && !bad
        {
            regions.push((line, region));
        }
    }
    let regions = finish(file, regions, problems)?;
    Ok(Divisions { regions, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "code,name,level,parent,urban_rural\n";

    fn csv_problems(text: &str) -> Vec<FileProblem> {
        read_regions_csv("t.csv", text).expect_err("should be refused")
    }

    /// The only problem, which must be on `line`.
    fn only(problems: &[FileProblem], line: usize) -> &FileProblem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].line, Some(line), "{problems:#?}");
        assert!(!problems[0].zh.is_empty() && !problems[0].en.is_empty());
        &problems[0]
    }

    #[test]
    fn levels_have_keys_chinese_names_and_serde_names() {
        for level in RegionLevel::ALL {
            assert_eq!(RegionLevel::parse(level.key()), Some(level));
            assert_eq!(RegionLevel::parse(level.zh()), Some(level));
            assert_eq!(
                serde_json::to_string(&level).unwrap(),
                format!("\"{}\"", level.key())
            );
        }
        assert_eq!(RegionLevel::Street.zh(), "街道乡镇");
        assert_eq!(RegionLevel::Community.zh(), "社区村");
        assert_eq!(
            RegionLevel::parse(" district "),
            Some(RegionLevel::District)
        );
        assert_eq!(RegionLevel::parse("county"), None);
    }

    #[test]
    fn reads_the_own_layout_strips_a_bom_and_pads_codes() {
        let text = format!(
            "\u{feff}{OWN}33,浙江省,province,,\n3303,温州市,city,33,\n330302,鹿城区,district,330300000000,\n330302006000,五马街道,street,330302,\n330302006044,鼓楼社区,community,330302006000,111\n"
        );
        let regions = read_regions_csv("t.csv", &text).unwrap();
        let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "330000000000",
                "330300000000",
                "330302000000",
                "330302006000",
                "330302006044"
            ]
        );
        assert_eq!(regions[0].parent, None);
        assert_eq!(regions[1].parent.as_deref(), Some("330000000000"));
        assert_eq!(regions[3].parent.as_deref(), Some("330302000000"));
        assert_eq!(regions[4].level, RegionLevel::Community);
        assert_eq!(regions[4].urban_rural.as_deref(), Some("111"));
        assert_eq!(regions[3].urban_rural, None);
        // Without the urban_rural column too, and with a header only.
        let four = "code,name,level,parent\n330302,鹿城区,district,3303\n";
        assert_eq!(
            read_regions_csv("t.csv", four).unwrap()[0].urban_rural,
            None
        );
        assert_eq!(read_regions_csv("t.csv", OWN).unwrap(), []);
    }

    #[test]
    fn reads_each_china_division_file() {
        let files = [
            ("code,name\n33,\"浙江省\"\n", RegionLevel::Province, None),
            (
                "code,name,provinceCode\n3303,\"温州市\",33\n",
                RegionLevel::City,
                Some("330000000000"),
            ),
            (
                "code,name,cityCode,provinceCode\n330302,\"鹿城区\",3303,33\n",
                RegionLevel::District,
                Some("330300000000"),
            ),
            (
                "code,name,areaCode,provinceCode,cityCode\n330302006,\"五马街道\",330302,33,3303\n",
                RegionLevel::Street,
                Some("330302000000"),
            ),
            (
                "code,name,streetCode,provinceCode,cityCode,areaCode\n330302006044,\"鼓楼社区\",330302006,33,3303,330302\n",
                RegionLevel::Community,
                Some("330302006000"),
            ),
        ];
        for (text, level, parent) in files {
            let regions = read_regions_csv("division.csv", text).unwrap();
            assert_eq!(regions.len(), 1);
            assert_eq!(regions[0].code.len(), 12);
            assert_eq!(regions[0].level, level);
            assert_eq!(regions[0].parent.as_deref(), parent);
            assert_eq!(regions[0].urban_rural, None);
        }
    }

    #[test]
    fn an_empty_file_or_an_unknown_header_is_refused() {
        let problems = csv_problems("");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].en.contains("empty"));
        assert!(problems[0].zh.contains("空"));
        for header in [
            "id,label\n1,x\n",
            "code,name,level\n",
            "code,name,level,parent,extra\n",
            "code,name,townCode\n",
            "code,name,cityCode,cityCode\n",
        ] {
            let problems = csv_problems(header);
            assert!(only(&problems, 1).en.contains("unrecognised header"));
        }
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_reported() {
        let text = format!("{OWN}330302,鹿城区,district\n330303,龙湾区,district,3303,,x\n");
        let problems = csv_problems(&text);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].line, Some(2));
        assert_eq!(problems[1].line, Some(3));
        assert!(problems[0].en.contains("3 fields; the header has 5"));
    }

    #[test]
    fn bad_codes_are_reported() {
        let cases = [
            ("33030x,坏,district,3303,", "digits only"),
            (",无代码,district,3303,", "missing"),
            ("３３０３０２,全角,district,3303,", "digits only"),
            ("33030,五位,district,3303,", "has 5 digits"),
            ("330302006,长,district,3303,", "has 9 digits"),
            (
                "330302006000,五马街道,district,3303,",
                "not a district code",
            ),
            (
                "330300000000,市级,district,3303,",
                "cannot be told from its parent",
            ),
            ("00,无,province,,", "cannot be told from its parent"),
        ];
        for (row, expect) in cases {
            let problems = csv_problems(&format!("{OWN}{row}\n"));
            let p = only(&problems, 2);
            assert!(p.en.contains(expect), "{row}: {p:?}");
        }
    }

    #[test]
    fn china_division_codes_must_have_their_level_s_length() {
        let problems = csv_problems(
            "code,name,areaCode,provinceCode,cityCode\n330302006000,\"五马街道\",330302,33,3303\n",
        );
        assert!(
            only(&problems, 2)
                .en
                .contains("has 12 digits; a street has 9")
        );
        // 东莞: the district 441900 pads to the city's code — the national table lists the city
        // again; it is skipped with a note, not refused (the same row in Xingfu's own layout is).
        let read = read_divisions_csv(
            "t.csv",
            "code,name,cityCode,provinceCode\n441900,\"东莞市\",4419,44\n",
        )
        .unwrap();
        assert!(read.regions.is_empty());
        assert_eq!(read.skipped.len(), 1);
        assert_eq!(read.skipped[0].line, Some(2));
    }

    #[test]
    fn an_empty_name_is_reported() {
        let problems = csv_problems(&format!("{OWN}330302,  ,district,3303,\n"));
        assert!(only(&problems, 2).en.contains("name is empty"));
        let problems = csv_problems("code,name\n33,\"\"\n");
        assert!(only(&problems, 2).zh.contains("名称为空"));
    }

    #[test]
    fn an_unknown_level_is_reported() {
        let problems = csv_problems(&format!("{OWN}330302,鹿城区,county,3303,\n"));
        let p = only(&problems, 2);
        assert!(p.en.contains("unknown level \"county\""));
        assert_eq!(p.id.as_deref(), Some("330302"));
    }

    #[test]
    fn bad_parents_are_reported() {
        let cases = [
            ("33,浙江省,province,1,", "a province has no parent"),
            (
                "330302,鹿城区,district,,",
                "parent code is missing (it should be 330300000000)",
            ),
            (
                "330302,鹿城区,district,33x3,",
                "must be 12 digits (or the 4 of a city)",
            ),
            (
                "330302,鹿城区,district,330302,",
                "must be 12 digits (or the 4 of a city)",
            ),
            ("330302,鹿城区,district,3304,", "it should be 330300000000"),
            (
                "330302,鹿城区,district,330000000000,",
                "it should be 330300000000",
            ),
            (
                "330302011001,某社区,community,330302010000,",
                "it should be 330302011000",
            ),
        ];
        for (row, expect) in cases {
            let problems = csv_problems(&format!("{OWN}{row}\n"));
            let p = only(&problems, 2);
            assert!(p.en.contains(expect), "{row}: {p:?}");
        }
        // The parent column of a china-division file, and its other ancestor columns.
        let problems = csv_problems(
            "code,name,areaCode,provinceCode,cityCode\n330302006,\"五马街道\",330303,33,3303\n330302007,\"x街道\",330302,34,3303\n",
        );
        assert_eq!(problems.len(), 2);
        assert!(problems[0].en.contains("it should be 330302000000"));
        assert_eq!(problems[1].line, Some(3));
        assert!(problems[1].en.contains("provinceCode is \"34\""));
    }

    #[test]
    fn a_parent_outside_the_input_is_accepted_but_one_inside_must_be_the_level_above() {
        let villages = "code,name,streetCode,provinceCode,cityCode,areaCode\n330302006044,\"鼓楼社区\",330302006,33,3303,330302\n";
        assert_eq!(read_regions_csv("villages.csv", villages).unwrap().len(), 1);
        // 441900000000 is 东莞市, a city, so it cannot be the parent of a street.
        let text = format!("{OWN}4419,东莞市,city,44,\n441900003000,东城街道,street,441900,\n");
        let p = only(&csv_problems(&text), 3).clone();
        assert!(p.en.contains("is a city; a street's parent must be a district"));
        assert!(p.zh.contains("第 2 行"));
    }

    #[test]
    fn bad_urban_rural_codes_are_reported() {
        let problems = csv_problems(&format!(
            "{OWN}330302006044,鼓楼社区,community,330302006,999\n330302006,五马街道,street,330302,111\n"
        ));
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0]
                .en
                .contains("unknown urban-rural class code \"999\"")
        );
        assert!(problems[1].en.contains("not a street"));
    }

    #[test]
    fn duplicate_codes_name_both_lines() {
        let text = format!(
            "{OWN}3303,温州市,city,33,\n330302,鹿城区,district,3303,\n330300000000,温州,city,330000000000,\n"
        );
        let p = only(&csv_problems(&text), 4).clone();
        assert!(p.en.contains("on line 2 and on line 4"), "{p:?}");
        assert!(p.zh.contains("第 2 行和第 4 行"), "{p:?}");
        assert_eq!(p.id.as_deref(), Some("330300000000"));
    }

    #[test]
    fn every_bad_line_is_reported_in_order_with_real_line_numbers() {
        // The quoted name spans two lines, so the rows after it start one line later.
        let text = format!(
            "{OWN}33030x,坏,district,3303,\n330303,\"龙湾\n区\",district,3303,\n330302,,district,3303,\n330304,瓯海区,planet,3303,\n330305,洞头区,district,3304,\n330324,永嘉县,district,3303,\n"
        );
        let problems = csv_problems(&text);
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(5), Some(6), Some(7)]);
        assert!(problems.iter().all(|p| p.file == "t.csv"));
    }

    #[test]
    fn malformed_csv_is_reported_not_panicked_on() {
        for text in [
            "code,name,level,parent\n\"330302,鹿城区,district,3303\n",
            "code,name\n\"\n",
            "\u{feff}",
            "\n\n",
            ",,,\n,,,\n",
        ] {
            let _ = read_regions_csv("t.csv", text);
        }
    }

    #[test]
    fn reads_json_and_round_trips_what_it_reads() {
        let text = r#"[
  {"code": "330000000000", "name": "浙江省", "level": "province", "parent": null},
  {"code": "3303", "name": "温州市", "level": "city", "parent": "33"},
  {"code": "330302006044", "name": "鼓楼社区", "level": "社区村", "parent": "330302006000",
   "urban_rural": "111"}
]"#;
        let regions = read_regions_json("t.json", text).unwrap();
        assert_eq!(regions.len(), 3);
        assert_eq!(regions[1].code, "330300000000");
        assert_eq!(regions[1].parent.as_deref(), Some("330000000000"));
        assert_eq!(regions[2].level, RegionLevel::Community);
        assert_eq!(regions[2].urban_rural.as_deref(), Some("111"));
        let written = serde_json::to_string(&regions).unwrap();
        assert_eq!(read_regions_json("t.json", &written).unwrap(), regions);
        assert_eq!(read_regions_json("t.json", "\u{feff}[]").unwrap(), []);
    }

    #[test]
    fn json_that_cannot_be_read_is_reported_with_its_line() {
        let problems = read_regions_json("t.json", "[\n{\"code\": }\n]").unwrap_err();
        assert!(only(&problems, 2).en.contains("cannot read the JSON"));
        let problems = read_regions_json("t.json", "{\"code\": \"33\"}").unwrap_err();
        assert!(only(&problems, 1).en.contains("must be an array"));
        let problems = read_regions_json("t.json", "").unwrap_err();
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn bad_json_entries_are_reported_on_the_line_they_start() {
        let text = r#"[
  "330302",
  {"code": "330302", "name": "鹿城区", "level": "district", "parent": "3303", "lvl": 1},
  {"code": 330303, "name": "龙湾区", "level": "district", "parent": "3303"},
  {"code": "330304", "name": "瓯海区", "parent": "3303"},
  {"code": "330305", "name": "洞头区", "level": "county", "parent": "3303"},
  {"code": "330324",
   "name": "", "level": "district", "parent": "3304"},
  {"code": "330326", "name": "平阳县", "level": "district", "parent": "3303"},
  {"code": "330326", "name": "平阳", "level": "district", "parent": "3303"}
]"#;
        let problems = read_regions_json("t.json", text).unwrap_err();
        let found: Vec<(Option<usize>, &str)> =
            problems.iter().map(|p| (p.line, p.en.as_str())).collect();
        let expect = [
            (2, "entry 1 is not an object"),
            (3, "unknown field \"lvl\""),
            (4, "code must be a string, not 330303"),
            (5, "entry 4 has no level"),
            (6, "unknown level \"county\""),
            (7, "the name is empty"),
            (7, "it should be 330300000000"),
            (10, "on line 9 and on line 10"),
        ];
        assert_eq!(found.len(), expect.len(), "{found:#?}");
        for ((line, message), (want_line, want)) in found.iter().zip(expect) {
            assert_eq!(*line, Some(want_line), "{message}");
            assert!(message.contains(want), "{message} lacks {want}");
        }
    }

    #[test]
    fn element_lines_skip_strings_and_nested_values() {
        let text = "[ {\"a\": \"[,{\\\"\"},\n  [1, 2],\n\n 3 , \"x,\"\n]";
        assert_eq!(element_lines(text), [1, 2, 4, 4]);
        assert_eq!(element_lines("[]"), Vec::<usize>::new());
    }
}
