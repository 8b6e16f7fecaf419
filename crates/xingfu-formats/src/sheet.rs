//! Spreadsheets from outside, read within limits fixed before anything is allocated.
//!
//! An .xlsx file is a ZIP of XML parts that declares its own size: one cell at `XFD1048576`
//! declares a sheet of 17 billion cells, and a few kilobytes can inflate to gigabytes. So the
//! container is checked first (file size, number of parts, each part's declared and actually
//! decompressed size, their total), then the sheet's cells are streamed one by one and only the
//! non-empty ones are kept, each checked against the row, column and cell limits before it is
//! stored. Every reader of spreadsheets goes through here ([`read_xlsx`] for workbooks,
//! [`SheetLimits::check_cell`] for a CSV's records), with the limits of its kind of table.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use crate::problem::FileProblem;
use crate::standard_xlsx::column_letter;

const MIB: u64 = 1024 * 1024;

/// What one kind of table may hold; anything past a limit is refused with the limit named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// The file's own size, compressed.
    pub file_bytes: u64,
    /// Parts in the ZIP container.
    pub parts: usize,
    /// One part, decompressed.
    pub part_bytes: u64,
    /// All parts together, decompressed.
    pub total_bytes: u64,
    /// The last row a non-empty cell may be on (1-based, so the header counts).
    pub rows: u32,
    /// The last column a non-empty cell may be in (1-based).
    pub columns: u32,
    /// Non-empty cells, merged cells' copies included.
    pub cells: usize,
}

/// A standard's clause table. The largest shipped standard has 128 clauses in 17 columns (about
/// 0.2 MB of XML); these leave room for forty times the clauses, notes in extra columns and long
/// texts, while a refused file costs at most a few tens of megabytes to look at.
pub const CLAUSE_TABLE_LIMITS: SheetLimits = SheetLimits {
    file_bytes: 5 * MIB,
    parts: 500,
    part_bytes: 64 * MIB,
    total_bytes: 64 * MIB,
    rows: 5_000,
    columns: 100,
    cells: 200_000,
};

/// A round sheet: a row per community, seven fixed columns and one per clause. The benchmark's
/// province, 10,000 communities of the 128-clause standard in 135 columns, is a 3 MB .xlsx whose
/// sheet inflates to 36 MB; these take two and a half times the communities and close to twice
/// the clauses, while the cells kept stay within a few hundred megabytes.
pub const ROUND_SHEET_LIMITS: SheetLimits = SheetLimits {
    file_bytes: 64 * MIB,
    parts: 500,
    part_bytes: 128 * MIB,
    total_bytes: 160 * MIB,
    rows: 25_000,
    columns: 256,
    cells: 3_000_000,
};

/// One sheet's non-empty cells by 0-based (row, column), read within limits.
#[derive(Debug, Default)]
pub struct Sheet {
    pub name: String,
    pub cells: BTreeMap<(u32, u32), Data>,
}

/// A problem in Chinese and English, about the file as a whole or one sheet of it.
fn refusal(file: &str, line: Option<usize>, zh: String, en: String) -> Vec<FileProblem> {
    vec![FileProblem::new(file, line, None, zh, en)]
}

fn mib(bytes: u64) -> u64 {
    bytes / MIB
}

impl SheetLimits {
    /// The refusal for a file larger than [`SheetLimits::file_bytes`].
    pub fn file_too_big(&self, file: &str) -> Vec<FileProblem> {
        let limit = mib(self.file_bytes);
        refusal(
            file,
            None,
            format!("文件超过 {limit} MB 的上限"),
            format!("the file is larger than the {limit} MiB limit"),
        )
    }

    /// Checks one non-empty cell (0-based row and column) before it is kept: `seen` is how
    /// many were kept before it. `shown` names the file and sheet.
    pub fn check_cell(
        &self,
        shown: &str,
        row: u32,
        column: u32,
        seen: usize,
    ) -> Result<(), Vec<FileProblem>> {
        let cell = format!("{}{}", column_letter(column), u64::from(row) + 1);
        let line = Some(row as usize + 1);
        if row >= self.rows {
            let (number, limit) = (u64::from(row) + 1, self.rows);
            return Err(refusal(
                shown,
                line,
                format!("第 {number} 行超出上限 {limit} 行\u{ff08}单元格 {cell}\u{ff09}"),
                format!("row {number} is past the limit of {limit} rows (cell {cell})"),
            ));
        }
        if column >= self.columns {
            let (number, limit) = (u64::from(column) + 1, self.columns);
            return Err(refusal(
                shown,
                line,
                format!("第 {number} 列超出上限 {limit} 列\u{ff08}单元格 {cell}\u{ff09}"),
                format!("column {number} is past the limit of {limit} columns (cell {cell})"),
            ));
        }
        if seen >= self.cells {
            let limit = self.cells;
            return Err(refusal(
                shown,
                line,
                format!("非空单元格超过上限 {limit} 个\u{ff08}读到单元格 {cell} 时\u{ff09}"),
                format!("more than {limit} non-empty cells, the limit (at cell {cell})"),
            ));
        }
        Ok(())
    }

    /// Checks the ZIP container: its parts, each part's declared size and what it really
    /// inflates to (read to one byte past the limit at most), and their total.
    fn check_container(&self, file: &str, bytes: &[u8]) -> Result<(), Vec<FileProblem>> {
        let unreadable = |e: &dyn std::fmt::Display| {
            refusal(
                file,
                None,
                format!("无法读取 Excel 文件\u{ff08}需要 .xlsx\u{ff09}\u{ff1a}{e}"),
                format!("cannot read the Excel file (an .xlsx is needed): {e}"),
            )
        };
        if bytes.len() as u64 > self.file_bytes {
            return Err(self.file_too_big(file));
        }
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
        if archive.len() > self.parts {
            let (count, limit) = (archive.len(), self.parts);
            return Err(refusal(
                file,
                None,
                format!("文件包含 {count} 个部件\u{ff0c}超出上限 {limit} 个"),
                format!("the file holds {count} parts, more than the limit of {limit}"),
            ));
        }
        let part_limit = mib(self.part_bytes);
        let part_too_big = |name: &str| {
            refusal(
                file,
                None,
                format!("文件中的部件 {name} 解压后超过 {part_limit} MB 的上限"),
                format!("the part {name} inflates to more than the {part_limit} MiB limit"),
            )
        };
        let total_limit = mib(self.total_bytes);
        let total_too_big = || {
            refusal(
                file,
                None,
                format!("文件解压后合计超过 {total_limit} MB 的上限"),
                format!("the file inflates to more than the {total_limit} MiB limit in all"),
            )
        };
        let (mut declared, mut inflated) = (0u64, 0u64);
        for index in 0..archive.len() {
            let part = archive.by_index(index).map_err(|e| unreadable(&e))?;
            let name = part.name().map(|n| n.to_string()).unwrap_or_default();
            if part.size() > self.part_bytes {
                return Err(part_too_big(&name));
            }
            declared = declared.saturating_add(part.size());
            if declared > self.total_bytes {
                return Err(total_too_big());
            }
            // The declared size may lie: count what really comes out (the zip reader also stops
            // a part that inflates past its declared size).
            let read = std::io::copy(&mut part.take(self.part_bytes + 1), &mut std::io::sink())
                .map_err(|e| {
                    refusal(
                        file,
                        None,
                        format!("文件中的部件 {name} 已损坏或与它声明的大小不符\u{ff1a}{e}"),
                        format!("the part {name} is damaged or not the size it declares: {e}"),
                    )
                })?;
            if read > self.part_bytes {
                return Err(part_too_big(&name));
            }
            inflated += read;
            if inflated > self.total_bytes {
                return Err(total_too_big());
            }
        }
        Ok(())
    }
}

/// Reads one sheet of an .xlsx (or .xlsm) file within `limits`: the sheet `pick` chooses from
/// the sheet names (the first when it chooses none). With `fill_merged`, each cell of a merged
/// region holds its top-left cell's value, the copies counting as cells.
pub fn read_xlsx(
    file: &str,
    bytes: &[u8],
    limits: &SheetLimits,
    pick: impl FnOnce(&[String]) -> Option<String>,
    fill_merged: bool,
) -> Result<Sheet, Vec<FileProblem>> {
    limits.check_container(file, bytes)?;
    // calamine adds a cell reference's digits without checking for overflow (a cell at
    // `A99999999999` panics; overflow checks are on for it in release too, see Cargo.toml):
    // a panic inside it is a malformed file, refused like any other.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_cells(file, bytes, limits, pick, fill_merged)
    }))
    .unwrap_or_else(|_| {
        Err(refusal(
            file,
            None,
            "无法读取 Excel 文件\u{ff1a}单元格位置不合法".into(),
            "cannot read the Excel file: a cell reference is malformed".into(),
        ))
    })
}

/// [`read_xlsx`] past the container check.
fn read_cells(
    file: &str,
    bytes: &[u8],
    limits: &SheetLimits,
    pick: impl FnOnce(&[String]) -> Option<String>,
    fill_merged: bool,
) -> Result<Sheet, Vec<FileProblem>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        refusal(
            file,
            None,
            format!("无法读取 Excel 文件\u{ff08}需要 .xlsx\u{ff09}\u{ff1a}{e}"),
            format!("cannot read the Excel file (an .xlsx is needed): {e}"),
        )
    })?;
    let names = workbook.sheet_names();
    let Some(name) = pick(&names).or_else(|| names.first().cloned()) else {
        return Err(refusal(
            file,
            None,
            "Excel 文件中没有工作表".into(),
            "the Excel file has no sheet".into(),
        ));
    };
    let shown = format!("{file} [{name}]");
    let cannot = |e: &dyn std::fmt::Display| {
        refusal(
            file,
            None,
            format!("无法读取工作表 {name}\u{ff1a}{e}"),
            format!("cannot read sheet {name}: {e}"),
        )
    };
    let mut cells = BTreeMap::new();
    let mut seen = 0usize;
    {
        let mut reader = workbook
            .worksheet_cells_reader(&name)
            .map_err(|e| cannot(&e))?;
        while let Some(cell) = reader.next_cell().map_err(|e| cannot(&e))? {
            let value = Data::from(cell.get_value().clone());
            if value == Data::Empty {
                continue;
            }
            let (row, column) = cell.get_position();
            limits.check_cell(&shown, row, column, seen)?;
            seen += 1;
            cells.insert((row, column), value);
        }
    }
    if fill_merged {
        let regions = workbook
            .merge_cells_by_sheet_name(&name)
            .unwrap_or_default();
        for region in regions {
            let Some(value) = cells.get(&region.start).cloned() else {
                continue;
            };
            let (end_row, end_column) = region.end;
            let area = (u64::from(end_row.saturating_sub(region.start.0)) + 1)
                * (u64::from(end_column.saturating_sub(region.start.1)) + 1);
            // The last cell stands for the region: past a limit, it is named.
            let covered = usize::try_from(area).unwrap_or(usize::MAX);
            limits.check_cell(
                &shown,
                end_row,
                end_column,
                seen.saturating_add(covered).saturating_sub(1),
            )?;
            seen += covered;
            for row in region.start.0..=end_row {
                for column in region.start.1..=end_column {
                    cells.entry((row, column)).or_insert_with(|| value.clone());
                }
            }
        }
    }
    Ok(Sheet { name, cells })
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::crafted_sheets::{
        cell_reference_xlsx, far_cell_xlsx, inflating_xlsx, many_rows_xlsx,
    };
    use crate::round_input::read_round;
    use crate::standard_xlsx::{CLAUSE_SHEET, clauses_from_xlsx};

    fn lucheng() -> xingfu_core::Standard {
        crate::shipped::shipped("lucheng-2012")
            .expect("shipped")
            .expect("valid")
    }

    /// Half a million rows of one cell each: a 57 KB file.
    fn half_a_million_rows() -> &'static [u8] {
        static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
        BYTES.get_or_init(|| many_rows_xlsx("Sheet1", 500_000))
    }

    /// The one problem a refused clause table gives.
    fn table_refusal(bytes: &[u8]) -> FileProblem {
        let problems = clauses_from_xlsx("t.xlsx", bytes, &lucheng()).expect_err("refused");
        assert_eq!(problems.len(), 1, "{problems:?}");
        problems[0].clone()
    }

    /// The one problem a refused round sheet gives, read from a file as `xingfu rate` does.
    fn round_refusal(name: &str, bytes: &[u8]) -> FileProblem {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("written");
        let problems = read_round(&path, &lucheng()).expect_err("refused");
        assert_eq!(problems.len(), 1, "{problems:?}");
        problems[0].clone()
    }

    #[test]
    fn one_cell_at_the_last_cell_excel_has_is_refused_by_the_row_limit() {
        let bytes = far_cell_xlsx(CLAUSE_SHEET.0, &["类别编号", "项目编号", "条款编号"]);
        assert!(bytes.len() < 20_000, "{}", bytes.len());
        let problem = table_refusal(&bytes);
        assert_eq!(problem.file, "t.xlsx [条款]");
        assert_eq!(problem.line, Some(1_048_576));
        assert_eq!(
            problem.zh,
            "第 1048576 行超出上限 5000 行\u{ff08}单元格 XFD1048576\u{ff09}"
        );
        assert_eq!(
            problem.en,
            "row 1048576 is past the limit of 5000 rows (cell XFD1048576)"
        );
        let problem = round_refusal("round.xlsx", &bytes);
        assert!(
            problem.zh.starts_with("第 1048576 行超出上限 25000 行"),
            "{problem:?}"
        );
    }

    #[test]
    fn a_cell_reference_past_any_row_number_is_refused_not_panicked_on() {
        for reference in ["A99999999999", "A4294967296", "XFDXFDXFD1", "A0"] {
            let bytes = cell_reference_xlsx(CLAUSE_SHEET.0, reference);
            let problem = table_refusal(&bytes);
            assert_eq!(problem.file, "t.xlsx", "{reference}: {problem:?}");
            assert!(
                problem.zh.contains("无法读取") || problem.zh.contains("超出上限"),
                "{reference}: {problem:?}"
            );
            round_refusal("round.xlsx", &bytes);
        }
    }

    #[test]
    fn half_a_million_rows_stop_at_the_row_limit() {
        let bytes = half_a_million_rows();
        let problem = table_refusal(bytes);
        assert!(
            problem.zh.starts_with("第 5001 行超出上限 5000 行"),
            "{problem:?}"
        );
        assert!(problem.en.contains("(cell A5001)"), "{problem:?}");
        let problem = round_refusal("round.xlsx", bytes);
        assert!(
            problem.zh.starts_with("第 25001 行超出上限 25000 行"),
            "{problem:?}"
        );
    }

    #[test]
    fn a_part_inflating_past_the_limit_is_refused_whatever_size_it_declares() {
        // Declared honestly: refused by the declared size, nothing inflated.
        let over = CLAUSE_TABLE_LIMITS.part_bytes + 1;
        let problem = table_refusal(&inflating_xlsx("Sheet1", over, over));
        assert_eq!(
            problem.zh,
            "文件中的部件 xl/media/padding.bin 解压后超过 64 MB 的上限"
        );
        let round_over = ROUND_SHEET_LIMITS.part_bytes + 1;
        let problem = round_refusal(
            "round.xlsx",
            &inflating_xlsx("Sheet1", round_over, round_over),
        );
        assert!(
            problem.zh.contains("解压后超过 128 MB 的上限"),
            "{problem:?}"
        );
        // Declared as 1,000 bytes: refused once more than that comes out, never read further.
        let lying = inflating_xlsx("Sheet1", over, 1_000);
        assert!(lying.len() < 500_000, "{}", lying.len());
        let problem = table_refusal(&lying);
        assert_eq!(
            problem.en,
            "the part xl/media/padding.bin is damaged or not the size it declares: File is larger than its declared uncompressed size"
        );
        // Just under the limit the file is read (and is no clause table).
        let under = inflating_xlsx("Sheet1", 1 << 20, 1 << 20);
        let problems = clauses_from_xlsx("t.xlsx", &under, &lucheng()).expect_err("no table");
        assert!(!problems[0].zh.contains("上限"), "{problems:?}");
    }

    #[test]
    fn a_merged_region_past_the_limits_is_refused() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let format = rust_xlsxwriter::Format::new();
        sheet
            .merge_range(0, 0, 0, 200, "类别", &format)
            .expect("merged");
        let bytes = workbook.save_to_buffer().expect("a workbook");
        let problem = table_refusal(&bytes);
        assert_eq!(
            problem.en,
            "column 201 is past the limit of 100 columns (cell GS1)"
        );
    }

    #[test]
    fn old_excel_and_opendocument_files_are_refused_naming_what_is_read() {
        for name in ["round.xls", "round.ods", "round.xlsb"] {
            let problem = round_refusal(name, b"anything");
            assert!(problem.zh.contains("另存为 Excel 工作簿"), "{problem:?}");
            assert!(
                problem.en.contains("accepted are a directory, .csv, .xlsx"),
                "{problem:?}"
            );
        }
    }

    #[test]
    fn a_csv_past_the_row_or_column_limit_is_refused() {
        let mut text = String::from("code\n");
        for row in 0..ROUND_SHEET_LIMITS.rows {
            text.push_str(&format!("{row}\n"));
        }
        let problem = round_refusal("round.csv", text.as_bytes());
        assert!(
            problem.zh.starts_with("第 25001 行超出上限 25000 行"),
            "{problem:?}"
        );
        let wide = format!("code{}\n", ",x".repeat(300));
        let problem = round_refusal("round.csv", wide.as_bytes());
        assert!(
            problem.zh.starts_with("第 257 列超出上限 256 列"),
            "{problem:?}"
        );
    }

    #[test]
    fn a_cell_is_checked_against_each_limit_in_turn() {
        let limits = SheetLimits {
            rows: 10,
            columns: 3,
            cells: 5,
            ..CLAUSE_TABLE_LIMITS
        };
        assert!(limits.check_cell("f", 9, 2, 4).is_ok());
        let row = limits.check_cell("f", 10, 0, 0).unwrap_err();
        assert_eq!(
            row[0].zh,
            "第 11 行超出上限 10 行\u{ff08}单元格 A11\u{ff09}"
        );
        assert_eq!(row[0].line, Some(11));
        let column = limits.check_cell("f", 0, 3, 0).unwrap_err();
        assert_eq!(
            column[0].en,
            "column 4 is past the limit of 3 columns (cell D1)"
        );
        let cells = limits.check_cell("f", 1, 1, 5).unwrap_err();
        assert!(cells[0].zh.contains("上限 5 个"), "{cells:?}");
    }
}
