//! A new standard version from an edited clause table (Excel), and the table for download: the
//! rules the pages and the API share.
//!
//! Who: city and district administrators. What: a stored base version, a new version label
//! (1–32 letters, digits, `.`, `-`, `_`, not yet stored for that standard) and an .xlsx file of
//! at most [`MAX_TABLE`] bytes that is a ZIP by its first bytes. The table is read against the
//! base (every bad row reported with its row and column); the base's file text then gets the
//! table's categories and the new label as `[standard] version`, everything else kept with its
//! comments; that text must load as a standard before it is stored, with its audit row, in one
//! transaction. When anything is wrong, every problem found is reported and nothing is stored.

use std::sync::Arc;

use toml_edit::DocumentMut;
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::workflow::Role;
use xingfu_formats::sheet::CLAUSE_TABLE_LIMITS;
use xingfu_formats::standard_file::load_standard;
use xingfu_formats::standard_write::with_categories;
use xingfu_formats::standard_xlsx::{clauses_from_xlsx, standard_to_xlsx};
use xingfu_formats::{FileProblem, Problems};
use xingfu_store::standards::{Imported, NewStandard};

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;

/// The largest clause table accepted: 5 MiB, the reader's own limit (a table of a few hundred
/// clauses is well under 100 KB).
pub const MAX_TABLE: usize = CLAUSE_TABLE_LIMITS.file_bytes as usize;
/// The longest version label.
pub const MAX_LABEL: usize = 32;

/// A message in Chinese and in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub zh: String,
    pub en: String,
}

impl Said {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn pick(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// Everything wrong with an import, by field; empty when it may go ahead.
#[derive(Debug, Default)]
pub struct Refusal {
    /// The base version: not chosen, or not stored.
    pub base: Option<Said>,
    /// The new version label: missing, malformed or taken.
    pub version: Option<Said>,
    /// True when the label is well formed but already stored for the standard.
    pub version_taken: bool,
    /// The file as a whole: missing, too big, not an .xlsx.
    pub file: Option<Said>,
    /// True when the file is over [`MAX_TABLE`].
    pub too_big: bool,
    /// The table's own problems, each with its sheet, row and (mostly) column; the first ones
    /// listed, the rest counted.
    pub table: Problems,
}

impl Refusal {
    pub fn is_empty(&self) -> bool {
        self.base.is_none()
            && self.version.is_none()
            && self.file.is_none()
            && self.table.is_empty()
    }
}

/// What an import was given.
#[derive(Debug)]
pub struct Upload<'a> {
    pub base_id: &'a str,
    pub base_version: &'a str,
    /// The new version label, as typed.
    pub label: &'a str,
    /// The file's name as sent (shown in problems only).
    pub file_name: &'a str,
    /// The file's bytes; `None` when no file was sent.
    pub bytes: Option<Vec<u8>>,
    /// True when the file was over [`MAX_TABLE`] (its bytes were not kept).
    pub too_big: bool,
}

/// A stored new version.
#[derive(Debug, Clone)]
pub struct Done {
    pub id: String,
    pub version: String,
    pub name: String,
    pub clauses: usize,
    pub total_points: Dec2,
}

/// Only city and district administrators add standard versions.
pub fn may_import(user: &CurrentUser, lang: Lang) -> Result<(), AppError> {
    if matches!(user.role, Role::CityAdmin | Role::DistrictAdmin) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            lang.pick(
                "只有市级或区级管理员可以导入评价标准版本",
                "only a city or district administrator imports a standard version",
            )
            .to_string(),
        ))
    }
}

/// What is wrong with a version label's form, if anything.
pub fn check_label(label: &str) -> Option<Said> {
    if label.is_empty() {
        return Some(Said::new(
            "请填写新版本号，例如 2013.1",
            "enter the new version label, for example 2013.1",
        ));
    }
    let length = label.chars().count();
    if length > MAX_LABEL {
        return Some(Said::new(
            format!("版本号最多 {MAX_LABEL} 个字符，现在是 {length} 个"),
            format!("the version label is at most {MAX_LABEL} characters, not {length}"),
        ));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        let shown = if bad.is_whitespace() {
            "空格".to_string()
        } else {
            format!("“{bad}”")
        };
        let shown_en = if bad.is_whitespace() {
            "a space".to_string()
        } else {
            format!("{bad:?}")
        };
        return Some(Said::new(
            format!("版本号只能用字母、数字和“.”“-”“_”，不能有{shown}"),
            format!(
                "the version label takes letters, digits, '.', '-' and '_' only, not {shown_en}"
            ),
        ));
    }
    None
}

fn label_taken(id: &str, label: &str) -> Said {
    Said::new(
        format!("评价标准 {id} 已有版本 {label}，请换一个版本号"),
        format!("standard {id} already has a version {label}; choose another label"),
    )
}

/// The refusal for a file over [`MAX_TABLE`].
pub fn too_big() -> Said {
    let mb = MAX_TABLE / (1024 * 1024);
    Said::new(
        format!("文件超过 {mb} MB 的上限；条款表通常远小于此，请检查是否选错了文件"),
        format!(
            "the file is larger than the {mb} MiB limit; a clause table is far smaller, so check it is the right file"
        ),
    )
}

/// What is wrong with a file's content, judged by its first bytes: an .xlsx is a ZIP archive.
pub fn check_file(bytes: &[u8]) -> Option<Said> {
    if bytes.is_empty() {
        return Some(Said::new(
            "文件是空的，请选择条款表文件",
            "the file is empty: choose the clause table",
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    // The old binary Excel format (and other OLE2 files).
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(Said::new(
            "这是旧版 Excel 文件（.xls），请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入",
            "this is an old-style Excel file (.xls): save it as an Excel workbook (.xlsx) and import that",
        ));
    }
    Some(Said::new(
        "文件内容不是 Excel 工作簿（.xlsx），不能导入",
        "the file's content is not an Excel workbook (.xlsx)",
    ))
}

/// A standard file's text with `[standard] version` set to `version`; comments and the value's
/// own trailing comment are kept.
pub fn with_version(file: &str, text: &str, version: &str) -> Result<String, FileProblem> {
    let problem =
        |zh: &str, en: &str| FileProblem::new(file, None, None, zh.to_string(), en.to_string());
    let mut doc: DocumentMut = text.parse().map_err(|e| {
        FileProblem::new(
            file,
            None,
            None,
            format!("标准文件不是有效的 TOML:{e}"),
            format!("the standard file is not valid TOML: {e}"),
        )
    })?;
    let slot = doc
        .get_mut("standard")
        .and_then(|s| s.as_table_like_mut())
        .and_then(|t| t.get_mut("version"))
        .and_then(|v| v.as_value_mut())
        .ok_or_else(|| {
            problem(
                "标准文件没有 [standard] version",
                "the standard file has no [standard] version",
            )
        })?;
    let decor = slot.decor().clone();
    *slot = toml_edit::Value::from(version);
    *slot.decor_mut() = decor;
    Ok(doc.to_string())
}

/// Checks and stores a new standard version; `Ok(Err(refusal))` lists every problem found.
pub async fn import(
    state: &AppState,
    user: &CurrentUser,
    upload: Upload<'_>,
    lang: Lang,
) -> Result<Result<Done, Refusal>, AppError> {
    may_import(user, lang)?;
    let mut refusal = Refusal::default();
    let id = upload.base_id;

    // The base: its text (kept outside the categories) and the standard the table is read against.
    let base = if id.is_empty() || upload.base_version.is_empty() {
        refusal.base = Some(Said::new(
            "请选择作为基础的标准版本",
            "choose the standard version to start from",
        ));
        None
    } else {
        let version = upload.base_version;
        match state.store.standard_body(id, version).await? {
            None => {
                refusal.base = Some(Said::new(
                    format!("没有保存评价标准 {id} {version} 版"),
                    format!("no standard {id} {version} is stored"),
                ));
                None
            }
            Some(body) => match state.standard(id, version).await {
                Ok(standard) => Some((body, standard)),
                Err(AppError::Internal(error)) => {
                    tracing::error!("{error:#}");
                    refusal.base = Some(Said::new(
                        format!("评价标准 {id} {version} 版无法读取，不能作为基础版本"),
                        format!("standard {id} {version} cannot be read, so it cannot be a base"),
                    ));
                    None
                }
                Err(other) => return Err(other),
            },
        }
    };

    refusal.version = check_label(upload.label);
    if refusal.version.is_none()
        && !id.is_empty()
        && state.store.standard_body(id, upload.label).await?.is_some()
    {
        refusal.version = Some(label_taken(id, upload.label));
        refusal.version_taken = true;
    }

    let bytes = if upload.too_big {
        refusal.file = Some(too_big());
        refusal.too_big = true;
        None
    } else {
        match upload.bytes {
            None => {
                refusal.file = Some(Said::new(
                    "请选择要导入的条款表（.xlsx）",
                    "choose the clause table (.xlsx) to import",
                ));
                None
            }
            Some(bytes) => {
                refusal.file = check_file(&bytes);
                refusal.file.is_none().then_some(bytes)
            }
        }
    };

    // The table is read whenever there is one and a base to read it against, so its problems
    // come together with any other field's.
    let mut prepared = None;
    if let (Some((body, base)), Some(bytes)) = (base, bytes) {
        let label = refusal.version.is_none().then(|| upload.label.to_string());
        let file_name = upload.file_name.to_string();
        let read =
            tokio::task::spawn_blocking(move || prepare(&file_name, &bytes, &base, &body, label))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("reading a clause table: {e}")))?;
        match read {
            Ok(ready) => prepared = ready,
            Err(problems) => refusal.table = problems.into(),
        }
    }
    if !refusal.is_empty() {
        return Ok(Err(refusal));
    }
    let Some((text, standard)) = prepared else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a clause table passed every check but was not prepared"
        )));
    };
    if standard.id != id || standard.version != upload.label {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the imported text reads as {} {}, not {id} {}",
            standard.id,
            standard.version,
            upload.label
        )));
    }
    let clauses = standard.clauses().count();
    let saved = state
        .store
        .import_standard(
            &NewStandard {
                id,
                version: upload.label,
                body: &text,
                clauses,
                based_on: Some(upload.base_version),
            },
            &user.user.username,
            now_ms(),
        )
        .await?;
    match saved {
        Imported::Saved { .. } => Ok(Ok(Done {
            id: standard.id.clone(),
            version: standard.version.clone(),
            name: standard.name.clone(),
            clauses,
            total_points: standard.total_points,
        })),
        // Someone stored the same label since it was checked above.
        Imported::VersionTaken => Ok(Err(Refusal {
            version: Some(label_taken(id, upload.label)),
            version_taken: true,
            ..Refusal::default()
        })),
    }
}

/// Reads the table against the base and, when the label is usable, writes and re-reads the new
/// version's text. CPU work: run it off the async threads.
fn prepare(
    file_name: &str,
    bytes: &[u8],
    base: &Arc<Standard>,
    base_text: &str,
    label: Option<String>,
) -> Result<Option<(String, Standard)>, Vec<FileProblem>> {
    let table = clauses_from_xlsx(file_name, bytes, base)?;
    let Some(label) = label else {
        return Ok(None);
    };
    let text = with_categories(file_name, base_text, &table).map_err(|p| vec![p])?;
    let text = with_version(file_name, &text, &label).map_err(|p| vec![p])?;
    let standard = load_standard(&format!("{} {label}", base.id), &text)?;
    Ok(Some((text, standard)))
}

/// Whether a clause table is written with English headers: `?lang=en` or `?lang=zh` when given,
/// else the language of the user's pages or request.
pub fn english_table(query_lang: Option<&str>, otherwise: bool) -> bool {
    match query_lang.map(str::trim) {
        Some(lang)
            if lang.eq_ignore_ascii_case("en") || lang.to_ascii_lowercase().starts_with("en-") =>
        {
            true
        }
        Some(lang) if lang.to_ascii_lowercase().starts_with("zh") => false,
        _ => otherwise,
    }
}

/// A stored version's clause table as an .xlsx workbook.
pub struct ClauseTable {
    /// The name to save it under: `{id}-{version}-clauses.xlsx` or `…-条款表.xlsx`.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A stored version's clause table, with English or Chinese headers.
pub async fn clause_table(
    state: &AppState,
    id: &str,
    version: &str,
    english: bool,
) -> Result<ClauseTable, AppError> {
    let standard = state.standard(id, version).await?;
    let bytes = standard_to_xlsx(&standard, english)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the clause table: {e}")))?;
    let file_name = if english {
        format!("{id}-{version}-clauses.xlsx")
    } else {
        format!("{id}-{version}-条款表.xlsx")
    };
    Ok(ClauseTable { file_name, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_at_and_around_the_limits() {
        assert!(check_label("2013.1").is_none());
        assert!(check_label("a").is_none());
        assert!(check_label("v2013_rev-2.A").is_none());
        assert!(check_label(&"9".repeat(MAX_LABEL)).is_none());
        let long = check_label(&"9".repeat(MAX_LABEL + 1)).unwrap();
        assert!(long.zh.contains("32") && long.en.contains("33"), "{long:?}");
        assert!(check_label("").unwrap().zh.contains("请填写"));
        assert!(check_label("2013 1").unwrap().zh.contains("空格"));
        assert!(check_label("2013/1").unwrap().en.contains("'/'"));
        assert!(check_label("二〇一三").is_some());
    }

    #[test]
    fn only_a_zip_is_taken_for_a_workbook() {
        assert!(check_file(b"PK\x03\x04rest").is_none());
        assert!(check_file(b"").unwrap().zh.contains("空"));
        let xls = check_file(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]).unwrap();
        assert!(xls.zh.contains(".xls") && xls.en.contains(".xlsx"));
        assert!(check_file(b"%PDF-1.4").unwrap().en.contains("not an Excel"));
    }

    #[test]
    fn the_version_is_replaced_and_comments_kept() {
        let text = "# top comment\n[standard]\nid = \"x\"\nversion = \"2012.1\" # the edition\nname = \"n\"\n";
        let out = with_version("f", text, "2013.1").unwrap();
        assert_eq!(
            out,
            "# top comment\n[standard]\nid = \"x\"\nversion = \"2013.1\" # the edition\nname = \"n\"\n"
        );
        assert!(with_version("f", "[standard]\nid = \"x\"\n", "1").is_err());
        assert!(with_version("f", "not toml [", "1").is_err());
    }

    #[test]
    fn table_language_follows_the_query_then_the_user() {
        assert!(english_table(Some("en"), false));
        assert!(english_table(Some("EN-gb"), false));
        assert!(!english_table(Some("zh"), true));
        assert!(!english_table(Some("zh-CN"), true));
        assert!(english_table(None, true));
        assert!(!english_table(Some("fr"), false));
    }
}
