//! A round's input: a directory of assessment files (TOML / JSON, one per community), or one
//! CSV or XLSX sheet with a row per community and a column per clause.
//!
//! Sheet columns (Chinese or English headers):
//! `社区编码|code`, `社区名称|name`, `街道编码|street_code`, `街道|street`, `区县编码|district_code`,
//! `区县|district`, `上年星级|previous_star`, then one column per clause id. An empty cell is
//! "not assessed"; for a veto item the cell says whether the veto applies (是 / 否).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use calamine::Data;
use serde_json::Value;
use xingfu_core::Standard;
use xingfu_core::round::{Entry, Unit};
use xingfu_core::scoring::Assessment;

use crate::assessment_file::{load_assessment, read_answer, yes_no};
use crate::problem::{FileProblem, Problems};
use crate::sheet::{ROUND_SHEET_LIMITS, read_xlsx};

/// Entries read, and problems with entries that could not be read (those are left out).
#[derive(Debug, Default)]
pub struct RoundInput {
    pub entries: Vec<Entry>,
    pub problems: Problems,
}

/// A fatal problem: the input as a whole cannot be read.
pub type Fatal = Vec<FileProblem>;

/// Reads a directory, a .csv or an .xlsx/.xlsm file, within [`ROUND_SHEET_LIMITS`].
pub fn read_round(path: &Path, standard: &Standard) -> Result<RoundInput, Fatal> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return read_directory(path, standard);
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "csv" => {
            let text = read_bounded(path)?;
            let text = String::from_utf8(text).map_err(|_| {
                vec![FileProblem::new(
                    &shown,
                    None,
                    None,
                    "CSV 文件不是 UTF-8 编码（请在 Excel 中另存为“CSV UTF-8”）".into(),
                    "the CSV file is not UTF-8 (save it as \"CSV UTF-8\")".into(),
                )]
            })?;
            read_csv(&shown, &text, standard)
        }
        "xlsx" | "xlsm" => {
            let bytes = read_bounded(path)?;
            read_sheet(&shown, &bytes, standard)
        }
        // Their readers load the whole sheet at its declared size: not for files from outside.
        "xls" | "xlsb" | "ods" => Err(vec![FileProblem::new(
            &shown,
            None,
            None,
            format!(
                "不读取 .{extension} 文件\u{ff1a}请在 Excel 或 WPS 中另存为 Excel 工作簿\u{ff08}.xlsx\u{ff09}或“CSV UTF-8”\u{ff1b}可读取的是目录、.csv、.xlsx、.xlsm、.toml、.json"
            ),
            format!(
                ".{extension} files are not read: save it as an Excel workbook (.xlsx) or as \"CSV UTF-8\"; accepted are a directory, .csv, .xlsx, .xlsm, .toml and .json"
            ),
        )]),
        "toml" | "json" => {
            let text = std::fs::read_to_string(path).map_err(|e| io_problem(&shown, &e))?;
            let mut input = RoundInput::default();
            match load_assessment(&shown, &text, standard) {
                Ok(entry) => input.entries.push(entry),
                Err(problems) => input.problems.extend(problems),
            }
            Ok(input)
        }
        _ => Err(vec![FileProblem::new(
            &shown,
            None,
            None,
            "不支持的输入：请给出目录、.csv 或 .xlsx 文件".into(),
            "unsupported input: give a directory, a .csv or an .xlsx file".into(),
        )]),
    }
}

/// A sheet file's bytes, refused unread when over [`ROUND_SHEET_LIMITS`]' file size.
fn read_bounded(path: &Path) -> Result<Vec<u8>, Fatal> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| io_problem(&shown, &e))?;
    let limit = ROUND_SHEET_LIMITS.file_bytes;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_problem(&shown, &e))?;
    if bytes.len() as u64 > limit {
        return Err(ROUND_SHEET_LIMITS.file_too_big(&shown));
    }
    Ok(bytes)
}

fn io_problem(file: &str, error: &std::io::Error) -> Vec<FileProblem> {
    vec![FileProblem::new(
        file,
        None,
        None,
        format!("无法读取文件：{error}"),
        format!("cannot read the file: {error}"),
    )]
}

fn read_directory(dir: &Path, standard: &Standard) -> Result<RoundInput, Fatal> {
    let shown = dir.display().to_string();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io_problem(&shown, &e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("toml" | "json")
            )
        })
        .collect();
    files.sort();
    // Parsing dominates a large round: split the files over the available cores, keeping order.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = files.len().div_ceil(workers).max(1);
    let parts: Vec<RoundInput> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || read_files(part, standard)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut input = RoundInput::default();
    for part in parts {
        input.entries.extend(part.entries);
        input.problems.append(part.problems);
    }
    if input.entries.is_empty() && input.problems.is_empty() {
        return Err(vec![FileProblem::new(
            &shown,
            None,
            None,
            "目录中没有 .toml 或 .json 评估文件".into(),
            "the directory holds no .toml or .json assessment files".into(),
        )]);
    }
    Ok(input)
}

fn read_files(files: &[std::path::PathBuf], standard: &Standard) -> RoundInput {
    let mut input = RoundInput::default();
    for file in files {
        let shown = file.display().to_string();
        match std::fs::read_to_string(file) {
            Ok(text) => match load_assessment(&shown, &text, standard) {
                Ok(entry) => input.entries.push(entry),
                Err(problems) => input.problems.extend(problems),
            },
            Err(e) => input.problems.extend(io_problem(&shown, &e)),
        }
    }
    input
}

/// What a sheet column holds.
enum Column {
    Code,
    Name,
    StreetCode,
    Street,
    DistrictCode,
    District,
    PreviousStar,
    Clause(String),
}

fn column_of(header: &str, standard: &Standard) -> Option<Column> {
    let h = header.trim();
    Some(match h {
        "code" | "社区编码" | "编码" => Column::Code,
        "name" | "社区名称" | "社区" | "名称" => Column::Name,
        "street_code" | "街道编码" => Column::StreetCode,
        "street" | "街道" | "街道名称" => Column::Street,
        "district_code" | "区县编码" => Column::DistrictCode,
        "district" | "区县" | "区县名称" => Column::District,
        "previous_star" | "上年星级" => Column::PreviousStar,
        id if standard.clause(id).is_some() => Column::Clause(id.to_string()),
        _ => return None,
    })
}

/// One row of a sheet: its 1-based line and its non-empty cells by 0-based column.
struct Row {
    line: usize,
    cells: Vec<(usize, String)>,
}

/// Reads rows of text cells (the first row is the header) into entries.
fn read_rows(file: &str, rows: Vec<Row>, standard: &Standard) -> Result<RoundInput, Fatal> {
    let mut rows = rows.into_iter();
    let Some(Row {
        line: first_line,
        cells: header,
    }) = rows.next()
    else {
        return Err(vec![FileProblem::new(
            file,
            None,
            None,
            "表格是空的".into(),
            "the sheet is empty".into(),
        )]);
    };
    let mut columns: BTreeMap<usize, Column> = BTreeMap::new();
    let mut fatal = Vec::new();
    for (index, name) in &header {
        if name.trim().is_empty() {
            continue;
        }
        match column_of(name, standard) {
            Some(column) => {
                columns.insert(*index, column);
            }
            None => {
                fatal.push(FileProblem::new(
                    file,
                    Some(first_line),
                    Some(name.trim().to_string()),
                    format!(
                        "第 {} 列的表头 {name:?} 既不是已知的列，也不是标准 {} 的条款编号",
                        index + 1,
                        standard.id
                    ),
                    format!(
                        "column {} header {name:?} is neither a known column nor a clause id of {}",
                        index + 1,
                        standard.id
                    ),
                ));
            }
        }
    }
    if !columns.values().any(|c| matches!(c, Column::Code)) {
        fatal.push(FileProblem::new(
            file,
            Some(first_line),
            None,
            "缺少“社区编码”（code）列".into(),
            "the code column (社区编码) is missing".into(),
        ));
    }
    if !fatal.is_empty() {
        return Err(fatal);
    }
    let mut input = RoundInput::default();
    for Row { line, cells } in rows {
        if cells.iter().all(|(_, c)| c.trim().is_empty()) {
            continue;
        }
        let mut problems = Vec::new();
        let mut entry = Entry {
            code: String::new(),
            name: String::new(),
            street: None,
            district: None,
            previous_star: None,
            assessment: Assessment::default(),
        };
        let (mut street_code, mut street_name, mut district_code, mut district_name) =
            (None, None, None, None);
        for (index, cell) in &cells {
            let cell = cell.trim();
            let Some(column) = columns.get(index) else {
                continue;
            };
            let text = (!cell.is_empty()).then(|| cell.to_string());
            match column {
                Column::Code => entry.code = cell.to_string(),
                Column::Name => entry.name = cell.to_string(),
                Column::StreetCode => street_code = text,
                Column::Street => street_name = text,
                Column::DistrictCode => district_code = text,
                Column::District => district_name = text,
                Column::PreviousStar => {
                    if !cell.is_empty() {
                        match cell.trim_end_matches(['星', '★']).parse::<u8>() {
                            Ok(star) if star <= 5 => entry.previous_star = Some(star),
                            _ => problems.push(FileProblem::new(
                                file,
                                Some(line),
                                None,
                                format!("上年星级应是 0–5 的整数，不是 {cell:?}"),
                                format!("previous star must be a whole number 0–5, not {cell:?}"),
                            )),
                        }
                    }
                }
                Column::Clause(id) => {
                    if cell.is_empty() {
                        continue;
                    }
                    match cell_answer(standard, id, cell) {
                        Ok(answer) => {
                            entry.assessment.answers.insert(id.clone(), answer);
                        }
                        Err((zh, en)) => problems.push(FileProblem::new(
                            file,
                            Some(line),
                            Some(id.clone()),
                            zh,
                            en,
                        )),
                    }
                }
            }
        }
        if entry.code.is_empty() {
            problems.push(FileProblem::new(
                file,
                Some(line),
                None,
                "社区编码为空".into(),
                "the community code is empty".into(),
            ));
        }
        if entry.name.is_empty() {
            entry.name = entry.code.clone();
        }
        entry.street = street_code.map(|code| Unit {
            code,
            name: street_name,
        });
        entry.district = district_code.map(|code| Unit {
            code,
            name: district_name,
        });
        if problems.is_empty() {
            input.entries.push(entry);
        } else {
            input.problems.extend(problems);
        }
    }
    Ok(input)
}

fn cell_answer(
    standard: &Standard,
    id: &str,
    cell: &str,
) -> Result<xingfu_core::scoring::Answer, (String, String)> {
    let is_veto = standard.clause(id).is_some_and(|c| c.veto);
    if is_veto {
        // The cell answers "does the veto apply?".
        return match yes_no(cell) {
            Some(vetoed) => read_answer(standard, id, &serde_json::json!({ "vetoed": vetoed })),
            None => Err((
                format!("一票否决项请填“是”（触发）或“否”（未触发），不是 {cell:?}"),
                format!("a veto item takes yes (applies) or no, not {cell:?}"),
            )),
        };
    }
    read_answer(standard, id, &Value::String(cell.to_string()))
}

pub fn read_csv(file: &str, text: &str, standard: &Standard) -> Result<RoundInput, Fatal> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0;
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            vec![FileProblem::new(
                file,
                Some(index + 1),
                None,
                format!("CSV 格式错误：{e}"),
                format!("malformed CSV: {e}"),
            )]
        })?;
        let mut row = Vec::new();
        for (column, text) in record.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            ROUND_SHEET_LIMITS.check_cell(file, at(index), at(column), cells)?;
            cells += 1;
            row.push((column, text.to_string()));
        }
        rows.push(Row {
            line: index + 1,
            cells: row,
        });
    }
    read_rows(file, rows, standard)
}

/// Reads the first sheet of an .xlsx/.xlsm workbook's bytes within the round sheet limits;
/// `shown` names the file in problems.
pub fn read_sheet(shown: &str, bytes: &[u8], standard: &Standard) -> Result<RoundInput, Fatal> {
    let sheet = read_xlsx(shown, bytes, &ROUND_SHEET_LIMITS, |_| None, false)?;
    let mut rows: Vec<Row> = Vec::new();
    for ((row, column), data) in sheet.cells {
        let line = row as usize + 1;
        if rows.last().is_none_or(|last| last.line != line) {
            rows.push(Row {
                line,
                cells: Vec::new(),
            });
        }
        if let Some(last) = rows.last_mut() {
            last.cells.push((column as usize, cell_text(&data)));
        }
    }
    read_rows(&format!("{shown} [{}]", sheet.name), rows, standard)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Keep exactly what Excel holds; a value with more than two decimals is then reported.
        Data::Float(f) => match xingfu_core::Dec2::from_f64(*f) {
            Ok(d) => d.to_string(),
            Err(_) => f.to_string(),
        },
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuzz target reads a workbook from bytes; it must find the communities the CSV has.
    #[test]
    fn a_workbook_read_from_bytes_has_the_communities_of_the_csv() {
        let standard = crate::shipped::shipped("lucheng-2012").unwrap().unwrap();
        let xlsx = include_bytes!("../../../examples/lucheng/round-2013.xlsx");
        let csv = include_str!("../../../examples/lucheng/round-2013.csv");
        let from_sheet = read_sheet("round-2013.xlsx", xlsx, &standard).unwrap();
        let from_csv = read_csv("round-2013.csv", csv, &standard).unwrap();
        assert!(!from_sheet.entries.is_empty());
        let codes = |input: &RoundInput| -> Vec<String> {
            input.entries.iter().map(|e| e.code.clone()).collect()
        };
        assert_eq!(codes(&from_sheet), codes(&from_csv));
        assert!(from_sheet.problems.is_empty(), "{:?}", from_sheet.problems);
        let not_a_workbook = read_sheet("notes.xlsx", b"just text", &standard).unwrap_err();
        assert!(not_a_workbook[0].en.contains("cannot read the Excel file"));
    }
}
