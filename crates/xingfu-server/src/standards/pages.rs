//! The stored standard versions: the list with each version's clause table for download, and,
//! for city and district administrators, importing an edited table as a new version (the rules
//! are in [`crate::standards::service`]).
//!
//! The import form is multipart; every problem (base, label, file, each bad row of the table)
//! comes back on the page at once with status 422 (413 for a file over the limit), the typed
//! label kept, and nothing saved.

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use serde::Deserialize;
use xingfu_formats::FileProblem;

use crate::app::error::AppError;
use crate::app::files::clean_file_name;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::standards::service::{
    self as standard_import, MAX_TABLE, Refusal, Upload, clause_table, english_table, may_import,
};
use crate::web::download::{path_segment, xlsx_attachment};
use crate::web::one_file_form::OneFileForm;
use crate::web::page::{Page, PageResult, render};
use crate::web::visit::Visit;

/// The most an import request may carry: the largest file, the other fields, and room to read
/// a somewhat larger file to its end so the browser gets the "too big" page.
pub const IMPORT_BODY_LIMIT: usize = 3 * MAX_TABLE;

/// The import route, with its own body limit (the site-wide limit for forms is smaller).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/standards/import",
        post(import).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
    )
}

/// Fixed texts of the standards page.
pub struct Words {
    pub heading: &'static str,
    pub intro: &'static str,
    pub none: &'static str,
    pub name: &'static str,
    pub id: &'static str,
    pub version: &'static str,
    pub clauses: &'static str,
    pub total: &'static str,
    pub loaded: &'static str,
    pub table: &'static str,
    pub download: &'static str,
    pub other_headers: &'static str,
    pub other_lang: &'static str,
    pub unreadable: &'static str,
    pub import_heading: &'static str,
    pub import_intro: &'static str,
    pub base: &'static str,
    pub base_hint: &'static str,
    pub choose: &'static str,
    pub label: &'static str,
    pub label_hint: &'static str,
    pub file: &'static str,
    pub file_hint: &'static str,
    pub submit: &'static str,
}

static ZH: Words = Words {
    heading: "评价标准",
    intro: "已保存的评价标准版本。开设评选年度时可选用其中任一版本。",
    none: "还没有保存任何评价标准。",
    name: "名称",
    id: "编号",
    version: "版本",
    clauses: "条款数",
    total: "总分",
    loaded: "保存时间",
    table: "条款表",
    download: "下载条款表（Excel）",
    other_headers: "英文表头",
    other_lang: "en",
    unreadable: "无法读取该版本",
    import_heading: "导入新版本",
    import_intro: "下载某一版本的条款表，在 Excel 中修改条款后导入，即保存为该标准的新版本。星级、奖励、目标等沿用基础版本；已有的版本不会被改动。",
    base: "基础版本",
    base_hint: "导入的条款表替换该版本的类别、项目和条款。",
    choose: "请选择",
    label: "新版本号",
    label_hint: "1–32 个字符，只能用字母、数字和“.”“-”“_”，例如 2013.1；不能与该标准已有的版本相同。",
    file: "条款表文件",
    file_hint: "Excel 工作簿（.xlsx），不超过 5 MB，表头与下载的条款表相同（中文或英文表头均可）。",
    submit: "导入",
};

static EN: Words = Words {
    heading: "Standards",
    intro: "The stored standard versions. A round can be opened on any of them.",
    none: "No standard is stored yet.",
    name: "Name",
    id: "Id",
    version: "Version",
    clauses: "Clauses",
    total: "Total points",
    loaded: "Stored",
    table: "Clause table",
    download: "Download the clause table (Excel)",
    other_headers: "Chinese headers",
    other_lang: "zh",
    unreadable: "This version cannot be read",
    import_heading: "Import a new version",
    import_intro: "Download a version's clause table, edit the clauses in Excel and import it: it is stored as a new version of that standard. Stars, rewards and targets are the base version's; existing versions are never changed.",
    base: "Base version",
    base_hint: "The imported table replaces this version's categories, items and clauses.",
    choose: "Choose one",
    label: "New version label",
    label_hint: "1–32 characters: letters, digits, '.', '-' and '_', for example 2013.1; not a label the standard already has.",
    file: "Clause table file",
    file_hint: "An Excel workbook (.xlsx), at most 5 MB, with the headers of the downloaded table (Chinese or English).",
    submit: "Import",
};

fn words(lang: Lang) -> &'static Words {
    if lang.is_en() { &EN } else { &ZH }
}

/// One stored version in the list.
pub struct VersionLine {
    pub name: String,
    pub id: String,
    pub version: String,
    pub clauses: String,
    pub total: String,
    pub loaded: String,
    /// The clause table's address (path segments encoded).
    pub table_href: String,
    pub readable: bool,
}

/// The import form, as shown and as re-shown with its problems.
pub struct ImportForm {
    pub csrf: String,
    /// (value, label) of every readable stored version.
    pub bases: Vec<(String, String)>,
    pub selected: String,
    pub label: String,
    pub base_error: Option<String>,
    pub label_error: Option<String>,
    pub file_error: Option<String>,
    /// The table's problems shown, in the user's language.
    pub problems: Vec<String>,
    /// "… more not listed", when the list was cut.
    pub more: Option<String>,
}

#[derive(Template)]
#[template(path = "standards.html")]
struct StandardsPage {
    page: Page,
    w: &'static Words,
    lines: Vec<VersionLine>,
    notice: Option<String>,
    /// (field id, message) for the error summary.
    errors: Vec<(String, String)>,
    form: Option<ImportForm>,
}

/// The `base` field's value for a stored version.
fn base_value(id: &str, version: &str) -> String {
    format!("{id}/{version}")
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// `id/version` of a version just imported.
    #[serde(default)]
    imported: Option<String>,
}

/// GET /standards: every stored version, and the import form for those who may import.
pub async fn list(visit: Visit, Query(query): Query<ListQuery>) -> PageResult {
    render_page(&visit, query.imported.as_deref(), None).await
}

/// What the form was sent with, and what was wrong with it.
struct Sent {
    selected: String,
    label: String,
    refusal: Refusal,
}

async fn render_page(visit: &Visit, imported: Option<&str>, sent: Option<Sent>) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let en = lang.is_en();
    let w = words(lang);
    let mut lines = Vec::new();
    let mut bases = Vec::new();
    let mut notice = None;
    for stored in state.store.stored_standards().await? {
        let table_href = format!(
            "/standards/{}/{}/clauses.xlsx",
            path_segment(&stored.id),
            path_segment(&stored.version)
        );
        let loaded = crate::web::page::when(stored.loaded_at);
        let value = base_value(&stored.id, &stored.version);
        if imported == Some(value.as_str()) {
            notice = Some(if en {
                format!(
                    "Version {} of {} was imported; a round can now be opened on it.",
                    stored.version, stored.id
                )
            } else {
                format!(
                    "已导入 {} 的 {} 版，现在可以用它开设评选年度。",
                    stored.id, stored.version
                )
            });
        }
        match state.standard(&stored.id, &stored.version).await {
            Ok(standard) => {
                let name = lang
                    .pick(
                        &standard.name,
                        standard.name_en.as_deref().unwrap_or(&standard.name),
                    )
                    .to_string();
                bases.push((value, format!("{name} · {}", stored.version)));
                lines.push(VersionLine {
                    name,
                    id: stored.id,
                    version: stored.version,
                    clauses: standard.clauses().count().to_string(),
                    total: standard.total_points.to_string(),
                    loaded,
                    table_href,
                    readable: true,
                });
            }
            // One unreadable version does not hide the others.
            Err(AppError::Internal(error)) => {
                tracing::error!("{error:#}");
                lines.push(VersionLine {
                    name: w.unreadable.to_string(),
                    id: stored.id,
                    version: stored.version,
                    clauses: String::new(),
                    total: String::new(),
                    loaded,
                    table_href,
                    readable: false,
                });
            }
            Err(other) => return Err(other),
        }
    }

    let mut errors = Vec::new();
    let mut status = None;
    let form = if may_import(user, lang).is_ok() {
        let mut form = ImportForm {
            csrf: user.csrf.clone(),
            bases,
            selected: String::new(),
            label: String::new(),
            base_error: None,
            label_error: None,
            file_error: None,
            problems: Vec::new(),
            more: None,
        };
        if let Some(sent) = sent {
            let refusal = sent.refusal;
            form.selected = sent.selected;
            form.label = sent.label;
            form.base_error = refusal.base.map(|s| s.pick(lang).to_string());
            form.label_error = refusal.version.map(|s| s.pick(lang).to_string());
            form.file_error = refusal.file.map(|s| s.pick(lang).to_string());
            if !refusal.table.is_empty() {
                let count = refusal.table.total();
                form.problems = refusal
                    .table
                    .listed()
                    .iter()
                    .map(|p| problem_line(p, en))
                    .collect();
                form.more = refusal.table.more_line(en);
                form.file_error.get_or_insert_with(|| {
                    if en {
                        format!(
                            "The table has {count} problems, listed below; nothing was imported."
                        )
                    } else {
                        format!("条款表有 {count} 处问题（见下方清单），没有导入任何内容。")
                    }
                });
            }
            for (field, message) in [
                ("base", &form.base_error),
                ("version", &form.label_error),
                ("file", &form.file_error),
            ] {
                if let Some(message) = message {
                    errors.push((field.to_string(), message.clone()));
                }
            }
            status = Some(if refusal.too_big {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            });
        }
        Some(form)
    } else {
        None
    };
    let response = render(StandardsPage {
        page: visit.page_titled("/standards", w.heading.into()),
        w,
        lines,
        notice,
        errors,
        form,
    })?;
    Ok(match status {
        Some(status) => (status, response).into_response(),
        None => response,
    })
}

/// One problem of the table as a line: its message (which names the row and column) in the
/// user's language, after the clause it is about.
fn problem_line(problem: &FileProblem, en: bool) -> String {
    let message = if en { &problem.en } else { &problem.zh };
    let located = message.starts_with("第 ") || message.starts_with("row ");
    let row = match problem.line {
        Some(row) if !located => {
            if en {
                format!("row {row}: ")
            } else {
                format!("第 {row} 行：")
            }
        }
        _ => String::new(),
    };
    match problem.id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => format!("[{id}] {row}{message}"),
        None => format!("{row}{message}"),
    }
}

#[derive(Deserialize, Default)]
pub struct TableQuery {
    /// `en` or `zh`: the headers' language (default: the user's).
    #[serde(default)]
    lang: Option<String>,
}

/// GET /standards/{id}/{version}/clauses.xlsx: the clause table, for any signed-in user.
pub async fn download(
    visit: Visit,
    Path((id, version)): Path<(String, String)>,
    Query(query): Query<TableQuery>,
) -> PageResult {
    let english = english_table(query.lang.as_deref(), visit.lang.is_en());
    let table = clause_table(&visit.state, &id, &version, english).await?;
    Ok(xlsx_attachment(&table.file_name, table.bytes))
}

/// POST /standards/import (multipart: csrf, base, version, file): city and district
/// administrators.
pub async fn import(visit: Visit, multipart: Result<Multipart, MultipartRejection>) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    // Nothing is read from someone who may not import.
    may_import(user, lang)?;
    let Ok(mut multipart) = multipart else {
        return Err(AppError::BadRequest(
            lang.pick(
                "请通过页面上的表单导入条款表",
                "import the clause table with the form on the page",
            )
            .to_string(),
        ));
    };
    let wanted = ["csrf", "base", "version"];
    let mut form = match OneFileForm::read(&mut multipart, &wanted, MAX_TABLE).await {
        Ok(form) => form,
        Err(error) => {
            tracing::info!("standard import interrupted: {error}");
            return Err(AppError::BadRequest(
                lang.pick(
                    "上传没有完成，没有导入任何内容。请重试。",
                    "the upload did not complete and nothing was imported; please try again",
                )
                .to_string(),
            ));
        }
    };
    form.check_csrf(user)?;
    let chosen = form.get("base").trim().to_string();
    let label = form.get("version").trim().to_string();

    // The chosen base must be one of the stored versions (the value is "id/version").
    let stored = state.store.stored_standards().await?;
    let base = stored
        .iter()
        .find(|s| base_value(&s.id, &s.version) == chosen);
    let (base_id, base_version) = match base {
        Some(s) => (s.id.as_str(), s.version.as_str()),
        None => ("", ""),
    };
    let file_name = form
        .file_name
        .as_deref()
        .map(clean_file_name)
        .unwrap_or_default();
    let no_file = form.file_name.as_deref().is_none_or(str::is_empty) && form.bytes.is_empty();
    let upload = Upload {
        base_id,
        base_version,
        label: &label,
        file_name: &file_name,
        bytes: (!no_file).then(|| std::mem::take(&mut form.bytes)),
        too_big: form.too_big,
    };
    match standard_import::import(state, user, upload, lang).await? {
        Ok(done) => Ok(Redirect::to(&format!(
            "/standards?imported={}",
            path_segment(&base_value(&done.id, &done.version))
        ))
        .into_response()),
        Err(mut refusal) => {
            if base.is_none() && !chosen.is_empty() {
                // A value not in the list (a version removed, or a crafted form).
                refusal.base = Some(standard_import::Said {
                    zh: "所选的基础版本不存在，请重新选择".into(),
                    en: "the chosen base version is not stored; choose again".into(),
                });
            }
            let sent = Sent {
                selected: chosen,
                label,
                refusal,
            };
            render_page(&visit, None, Some(sent)).await
        }
    }
}
