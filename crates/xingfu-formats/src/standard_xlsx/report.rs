//! Problems of one sheet, each named by its row and column.

use std::collections::HashMap;

use super::{Col, column_letter, headers_of};
use crate::problem::FileProblem;

/// Reports problems of one sheet with its rows and columns.
pub(super) struct Report<'a> {
    pub(super) file: String,
    pub(super) columns: &'a HashMap<Col, u32>,
    pub(super) problems: Vec<FileProblem>,
}

impl Report<'_> {
    pub(super) fn cell(&mut self, row: usize, col: Col, id: Option<&str>, zh: String, en: String) {
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
