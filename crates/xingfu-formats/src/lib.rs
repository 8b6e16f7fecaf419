//! Xingfu's files, read into and written from the core's types.
//!
//! - [`standard_file`]: a standard in TOML, with every problem located by file and line;
//! - [`assessment_file`]: one community's answers in TOML or JSON;
//! - [`round_input`]: a round as a directory of assessment files, or one CSV / XLSX sheet;
//! - [`sheet`]: spreadsheets from outside, read within fixed limits;
//! - [`workbook`]: the round report as an .xlsx workbook;
//! - [`shipped`]: the standards that come with Xingfu, built into the binary.

pub mod assessment_file;
pub mod columns;
#[cfg(any(test, feature = "crafted-sheets"))]
pub mod crafted_sheets;
pub mod locate;
pub mod problem;
pub mod questionnaire_file;
pub mod regions;
pub mod round_input;
pub mod sheet;
pub mod shipped;
pub mod shipped_questionnaires;
pub mod standard_file;
pub mod standard_write;
pub mod standard_xlsx;
pub mod workbook;

pub use problem::{FileProblem, PROBLEMS_LISTED, Problems, problems_in_one_line};
