//! Worksheets whose columns are as wide as their values. rust_xlsxwriter's autofit counts a
//! Chinese character as one narrow character, so Chinese columns come out too narrow; here a
//! CJK or full-width character counts two. Every workbook the project writes goes through
//! [`FittedSheet`].

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

/// The widest a column is made, in Excel's character units; a longer text wraps inside it.
pub const MAX_WIDTH: usize = 60;

/// How wide `text` shows, in Excel's character units: its widest line, a CJK or full-width
/// character (and ★) counting two.
pub fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(char_width).sum())
        .max()
        .unwrap_or(0)
}

fn char_width(c: char) -> usize {
    match u32::from(c) {
        0x1100..=0x115f
        | 0x2605..=0x2606
        | 0x2e80..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x20000..=0x3fffd => 2,
        _ => 1,
    }
}

/// How a number shows under a number format: two decimals for `0.00`, thousands separators for
/// `#,##0`; without a format, as Excel's General format shows it.
fn number_width(n: f64, format: Option<&str>) -> usize {
    let Some(format) = format else {
        return n.to_string().len();
    };
    let decimals = format
        .split_once('.')
        .map(|(_, d)| d.chars().take_while(|c| *c == '0').count())
        .unwrap_or(0);
    let text = format!("{:.*}", decimals, n.abs());
    let whole = text.split('.').next().unwrap_or("").len();
    let separators = if format.contains("#,##") {
        whole.saturating_sub(1) / 3
    } else {
        0
    };
    text.len() + separators + usize::from(n < 0.0)
}

/// A worksheet being written: each value widens its column as it is written, and
/// [`FittedSheet::fit`] sets the widths at the end. A text wider than [`MAX_WIDTH`] wraps.
pub struct FittedSheet<'a> {
    pub sheet: &'a mut Worksheet,
    widths: Vec<usize>,
}

impl<'a> FittedSheet<'a> {
    pub fn new(sheet: &'a mut Worksheet) -> FittedSheet<'a> {
        FittedSheet {
            sheet,
            widths: Vec::new(),
        }
    }

    fn note(&mut self, col: u16, width: usize) {
        let col = usize::from(col);
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(width);
    }

    pub fn text(&mut self, row: u32, col: u16, text: &str) -> Result<(), XlsxError> {
        let width = display_width(text);
        self.note(col, width);
        if width > MAX_WIDTH {
            self.sheet
                .write_string_with_format(row, col, text, &Format::new().set_text_wrap())?;
        } else {
            self.sheet.write_string(row, col, text)?;
        }
        Ok(())
    }

    pub fn text_with(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        format: &Format,
    ) -> Result<(), XlsxError> {
        let width = display_width(text);
        self.note(col, width);
        if width > MAX_WIDTH {
            let wrapped = format.clone().set_text_wrap();
            self.sheet
                .write_string_with_format(row, col, text, &wrapped)?;
        } else {
            self.sheet
                .write_string_with_format(row, col, text, format)?;
        }
        Ok(())
    }

    pub fn number(&mut self, row: u32, col: u16, n: f64) -> Result<(), XlsxError> {
        self.note(col, number_width(n, None));
        self.sheet.write_number(row, col, n)?;
        Ok(())
    }

    /// A number under `format`, whose number format is `shown` (e.g. `"0.00"`): the width is
    /// what the format shows.
    pub fn number_with(
        &mut self,
        row: u32,
        col: u16,
        n: f64,
        format: &Format,
        shown: &str,
    ) -> Result<(), XlsxError> {
        self.note(col, number_width(n, Some(shown)));
        self.sheet.write_number_with_format(row, col, n, format)?;
        Ok(())
    }

    /// Sets each column as wide as its widest value (with a margin), at most [`MAX_WIDTH`].
    pub fn fit(self) -> Result<(), XlsxError> {
        for (col, width) in self.widths.iter().enumerate() {
            if *width > 0 {
                let width = (*width).min(MAX_WIDTH) + 2;
                self.sheet.set_column_width(col as u16, width as f64)?;
            }
        }
        Ok(())
    }
}

/// A name cell's text: the name, or `fallback` (the code, or a word saying why there is none)
/// when the name is empty, so that no name cell is blank.
pub fn name_or<'t>(name: &'t str, fallback: &'t str) -> &'t str {
    if name.trim().is_empty() {
        fallback
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counts_double() {
        assert_eq!(display_width("鼓楼社区"), 8);
        assert_eq!(
            display_width("ZZ1.1 满意率\u{ff08}%\u{ff09}"),
            6 + 6 + 2 + 1 + 2
        );
        assert_eq!(display_width("a\n鼓楼"), 4);
        assert_eq!(display_width("5★"), 3);
    }

    #[test]
    fn numbers_as_their_format_shows_them() {
        assert_eq!(
            number_width(1234567.5, Some("#,##0.00")),
            "1,234,567.50".len()
        );
        assert_eq!(number_width(96.0, Some("0.00")), 5);
        assert_eq!(number_width(-3.5, Some("0.00")), 5);
        assert_eq!(number_width(12.0, None), 2);
    }

    #[test]
    fn empty_names_fall_back() {
        assert_eq!(name_or("", "330302006044"), "330302006044");
        assert_eq!(name_or(" ", "x"), "x");
        assert_eq!(name_or("鼓楼社区", "x"), "鼓楼社区");
    }
}
