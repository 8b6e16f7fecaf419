//! The evidence page (证明材料) of a community: the files per clause with the upload form, and the
//! upload itself (read from the multipart form here, checked and kept by
//! [`crate::rounds::evidence`]).

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use serde::Deserialize;

use super::headings::round_title;
use crate::app::error::AppError;
use crate::app::files::MAX_UPLOAD;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::evidence::{self, Offered, accept_evidence, upload_closed};
use crate::rounds::service;
use crate::web::one_file_form::OneFileForm;
use crate::web::page::{Page, PageResult, render, size_text};
use crate::web::visit::Visit;
use xingfu_core::text::shorten;

/// The most an upload request may carry: the largest file, the form's other fields, and room
/// to read a somewhat larger file to its end so the browser gets the "too big" page.
pub const UPLOAD_BODY_LIMIT: usize = 3 * MAX_UPLOAD;

/// The upload route, with its own body limit (the site-wide limit for forms is smaller).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/rounds/{round}/communities/{code}/evidence",
        post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
    )
}

/// Fixed texts of the evidence page.
pub struct Words {
    pub heading: &'static str,
    pub back: &'static str,
    pub upload_heading: &'static str,
    pub clause: &'static str,
    pub choose: &'static str,
    pub file: &'static str,
    pub file_hint: &'static str,
    pub upload: &'static str,
    pub list_heading: &'static str,
    pub none_yet: &'static str,
    pub wanted: &'static str,
    pub file_name: &'static str,
    pub kind: &'static str,
    pub size: &'static str,
    pub by: &'static str,
    pub when: &'static str,
    pub uploaded: &'static str,
}

static ZH: Words = Words {
    heading: "证明材料",
    back: "返回社区",
    upload_heading: "上传证明材料",
    clause: "对应条款",
    choose: "请选择条款",
    file: "文件",
    file_hint: "照片（JPEG、PNG、WebP）或 PDF，每个文件不超过 10 MB。",
    upload: "上传",
    list_heading: "已上传的证明材料",
    none_yet: "还没有上传证明材料。",
    wanted: "需提供：",
    file_name: "文件名",
    kind: "类型",
    size: "大小",
    by: "上传人",
    when: "上传时间",
    uploaded: "文件已上传。",
};

static EN: Words = Words {
    heading: "Evidence",
    back: "Back to the community",
    upload_heading: "Upload evidence",
    clause: "Clause",
    choose: "Choose a clause",
    file: "File",
    file_hint: "A photo (JPEG, PNG, WebP) or a PDF, at most 10 MB each.",
    upload: "Upload",
    list_heading: "Evidence uploaded",
    none_yet: "No evidence has been uploaded yet.",
    wanted: "Asked for: ",
    file_name: "File",
    kind: "Type",
    size: "Size",
    by: "Uploaded by",
    when: "When",
    uploaded: "The file was uploaded.",
};

fn words(lang: Lang) -> &'static Words {
    if lang.is_en() { &EN } else { &ZH }
}

pub struct FileLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub size: String,
    pub by: String,
    pub when: String,
}

pub struct ClauseGroup {
    pub id: String,
    pub text: String,
    pub wanted: String,
    pub files: Vec<FileLine>,
}

pub struct UploadForm {
    pub csrf: String,
    /// (clause id, label).
    pub clauses: Vec<(String, String)>,
    pub selected: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    page: Page,
    w: &'static Words,
    round_id: String,
    code: String,
    name: String,
    round_heading: String,
    /// (field id, message) for the error summary.
    errors: Vec<(String, String)>,
    clause_error: Option<String>,
    file_error: Option<String>,
    notice: Option<String>,
    form: Option<UploadForm>,
    closed: Option<String>,
    groups: Vec<ClauseGroup>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    uploaded: Option<String>,
}

/// GET: the evidence per clause, and the upload form for those who may upload.
pub async fn page(
    visit: Visit,
    Path((round_id, code)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let notice = query
        .uploaded
        .is_some()
        .then(|| words(visit.lang).uploaded.to_string());
    let problems = Problems {
        notice,
        ..Problems::default()
    };
    render_page(&visit, &round_id, &code, problems).await
}

/// What went wrong with an upload, shown on the page.
#[derive(Default)]
struct Problems {
    clause: Option<String>,
    file: Option<String>,
    selected: String,
    notice: Option<String>,
    status: Option<StatusCode>,
}

async fn render_page(visit: &Visit, round_id: &str, code: &str, problems: Problems) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let w = words(lang);
    user.may_view(code, lang)?;
    let (round, standard, entry) = service::load(state, round_id, code).await?;
    let rows = state.store.evidence_for(round_id, code).await?;

    let clause_label = |id: &str| -> (String, String) {
        match standard.clause(id) {
            Some(c) => (
                lang.pick(&c.text, c.text_en.as_deref().unwrap_or(&c.text))
                    .to_string(),
                c.evidence.clone().unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        }
    };
    let mut groups: Vec<ClauseGroup> = Vec::new();
    // Who uploaded, by name.
    let mut people = crate::rounds::history::People::default();
    for row in &rows {
        let by = people.name(state, &row.uploaded_by).await?;
        if groups.last().map(|g| g.id.as_str()) != Some(row.clause_id.as_str()) {
            let (text, wanted) = clause_label(&row.clause_id);
            groups.push(ClauseGroup {
                id: row.clause_id.clone(),
                text,
                wanted,
                files: Vec::new(),
            });
        }
        if let Some(group) = groups.last_mut() {
            group.files.push(FileLine {
                id: row.id.clone(),
                name: row.file_name.clone(),
                kind: kind_label(&row.content_type),
                size: size_text(row.size),
                by,
                when: crate::web::page::when(row.uploaded_at),
            });
        }
    }
    // Clauses in the standard's order.
    let order: HashMap<&str, usize> = standard
        .clauses()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    groups.sort_by_key(|g| order.get(g.id.as_str()).copied().unwrap_or(usize::MAX));

    let (form, closed) = match upload_closed(user, &entry, lang) {
        None => (
            Some(UploadForm {
                csrf: user.csrf.clone(),
                clauses: standard
                    .clauses()
                    .map(|c| {
                        let text = lang.pick(&c.text, c.text_en.as_deref().unwrap_or(&c.text));
                        (c.id.clone(), format!("{} {}", c.id, shorten(text, 40)))
                    })
                    .collect(),
                selected: problems.selected.clone(),
            }),
            None,
        ),
        // Someone who may upload, but not at this stage, is told why.
        Some(AppError::Conflict(reason)) => (None, Some(reason)),
        Some(_) => (None, None),
    };
    let mut errors = Vec::new();
    if let Some(message) = &problems.clause {
        errors.push(("clause".to_string(), message.clone()));
    }
    if let Some(message) = &problems.file {
        errors.push(("file".to_string(), message.clone()));
    }
    let round_heading = round_title(lang, round.year);
    let title = format!("{} · {}", w.heading, entry.community_name);
    let response = render(EvidencePage {
        page: visit.page_titled(
            &format!("/rounds/{round_id}/communities/{code}/evidence"),
            title,
        ),
        w,
        round_id: round_id.to_string(),
        code: code.to_string(),
        name: entry.community_name.clone(),
        round_heading,
        errors,
        clause_error: problems.clause,
        file_error: problems.file,
        notice: problems.notice,
        form,
        closed,
        groups,
    })?;
    Ok(match problems.status {
        Some(status) => (status, response).into_response(),
        None => response,
    })
}

fn kind_label(content_type: &str) -> String {
    match content_type {
        "image/jpeg" => "JPEG",
        "image/png" => "PNG",
        "image/webp" => "WebP",
        "application/pdf" => "PDF",
        other => other,
    }
    .to_string()
}

/// POST (multipart: csrf, clause, file): a community worker or an administrator covering the
/// community, while it is declared or being scored.
pub async fn upload(
    visit: Visit,
    Path((round_id, code)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let (round_id, code) = (round_id.as_str(), code.as_str());
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    // Who and when first: nothing is read from someone who may not upload.
    evidence::may_add(user, code, lang)?;
    let (_, standard, entry) = service::load(state, round_id, code).await?;
    if let Some(closed) = upload_closed(user, &entry, lang) {
        return Err(closed);
    }
    let Ok(mut multipart) = multipart else {
        return Err(AppError::BadRequest(pick(
            "请通过页面上的表单上传文件",
            "upload the file with the form on the page",
        )));
    };
    let upload = match OneFileForm::read(&mut multipart, &["csrf", "clause"], MAX_UPLOAD).await {
        Ok(upload) => upload,
        Err(error) => {
            tracing::info!("upload interrupted: {error}");
            return Err(AppError::BadRequest(pick(
                "上传没有完成，文件未保存。请重试。",
                "the upload did not complete and nothing was saved; please try again",
            )));
        }
    };
    upload.check_csrf(user)?;
    let clause = upload.get("clause").trim().to_string();
    let offered = Offered {
        clause: clause.clone(),
        file_name: upload.file_name,
        content_type: upload.content_type,
        bytes: upload.bytes,
        too_big: upload.too_big,
    };
    if let Err(refused) =
        accept_evidence(state, user, (round_id, code), &standard, offered, lang).await?
    {
        let problems = Problems {
            status: Some(if refused.too_big {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            }),
            clause: refused.clause,
            file: refused.file,
            selected: clause,
            notice: None,
        };
        return render_page(&visit, round_id, code, problems).await;
    }
    Ok(Redirect::to(&format!(
        "/rounds/{round_id}/communities/{code}/evidence?uploaded=1#clause-{}",
        crate::app::auth::urlencode(&clause)
    ))
    .into_response())
}
