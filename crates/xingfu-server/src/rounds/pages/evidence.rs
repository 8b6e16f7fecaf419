//! Evidence (证明材料) for a community's clauses: the list per clause with the upload form, the
//! upload itself, and the download; and the round's workbooks (results and score sheet).
//!
//! An upload is checked whole before anything is kept: size, content sniffed from its bytes, the
//! declared type and the extension, images decoded (see [`crate::app::files::check_upload`]). The
//! file goes to the file store under a random key, then its row and audit row are written in one
//! transaction; if that fails, the stored file is removed again.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Router, body::Body};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use xingfu_core::Standard;
use xingfu_core::decimal::{Dec2, Fen};
use xingfu_core::panel::PanelCard;
use xingfu_core::region;
use xingfu_core::rewards::{LevelAmount, merge, reward_for};
use xingfu_core::round::{
    Approval, Decision, Outcome, Rejected, RoundReport, Unit, UnitKind, UnitReport,
};
use xingfu_core::scoring::{AnswerError, ClauseStatus, Scorecard, VetoHit, points_needed};
use xingfu_core::workflow::{Stage, may_declare};
use xingfu_store::evidence::{EvidenceRow, NewEvidence};
use xingfu_store::rounds::{EntryRow, RoundRow};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::files::{MAX_UPLOAD, Refused, check_upload, clean_file_name, too_big};
use crate::app::state::{AppState, now_ms};
use crate::i18n::Lang;
use crate::rounds::service;
use crate::web::page::{Page, error_page, render};

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
    file_hint: "照片(JPEG、PNG、WebP)或 PDF,每个文件不超过 10 MB。",
    upload: "上传",
    list_heading: "已上传的证明材料",
    none_yet: "还没有上传证明材料。",
    wanted: "需提供:",
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
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = query
        .uploaded
        .is_some()
        .then(|| words(lang).uploaded.to_string());
    let problems = Problems {
        notice,
        ..Problems::default()
    };
    match render_page(&state, &jar, &user, &round_id, &code, problems).await {
        Ok(response) => response,
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// What went wrong with an upload, shown on the page.
#[derive(Default)]
pub(crate) struct Problems {
    pub clause: Option<String>,
    pub file: Option<String>,
    pub selected: String,
    pub notice: Option<String>,
    pub status: Option<StatusCode>,
}

/// Why uploading is closed for this user and entry, if it is.
pub(crate) fn upload_closed(user: &CurrentUser, entry: &EntryRow, en: bool) -> Option<AppError> {
    if let Err(refusal) = may_declare(&user.actor(), &entry.community_code) {
        return Some(AppError::Forbidden(if en {
            refusal.en
        } else {
            refusal.zh
        }));
    }
    let stage = Stage::parse(&entry.stage);
    if !matches!(stage, Some(Stage::Declared | Stage::Scoring)) {
        let label = stage.map_or(entry.stage.clone(), |s| {
            if en { s.en() } else { s.zh() }.to_string()
        });
        return Some(AppError::Conflict(if en {
            format!("evidence can be added while declared or scoring, not at stage “{label}”")
        } else {
            format!("只有在“已申报”或“评分中”阶段可以上传证明材料,当前阶段为“{label}”")
        }));
    }
    None
}

async fn render_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    round_id: &str,
    code: &str,
    problems: Problems,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let en = lang.is_en();
    let w = words(lang);
    user.may_view(code, en)?;
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
    for row in &rows {
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
                by: row.uploaded_by.clone(),
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

    let (form, closed) = match upload_closed(user, &entry, en) {
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
    let round_heading = if en {
        format!("Round {}", round.year)
    } else {
        format!("{}年度", round.year)
    };
    let title = format!("{} · {}", w.heading, entry.community_name);
    let response = render(EvidencePage {
        page: Page::new(
            jar,
            Some(user.clone()),
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

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(chars).collect();
        short.push('…');
        short
    }
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

fn size_text(size: i64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / (1024.0 * 1024.0))
    } else if size >= 1024 {
        format!("{} KB", (size + 1023) / 1024)
    } else {
        format!("{size} B")
    }
}

/// The upload's fields as read from the form.
#[derive(Default)]
struct Upload {
    csrf: String,
    clause: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
    too_big: bool,
}

/// Reads a file field up to the limit; past it, reads on without keeping anything, so the
/// browser finishes sending and sees the answer.
async fn read_file(field: &mut Field<'_>, upload: &mut Upload) -> Result<(), MultipartError> {
    while let Some(chunk) = field.chunk().await? {
        if upload.too_big {
            continue;
        }
        if upload.bytes.len() + chunk.len() > MAX_UPLOAD {
            upload.too_big = true;
            upload.bytes = Vec::new();
            continue;
        }
        upload.bytes.extend_from_slice(&chunk);
    }
    Ok(())
}

/// Reads the form into `upload`; on an error, what was read before it is kept.
async fn read_upload(multipart: &mut Multipart, upload: &mut Upload) -> Result<(), MultipartError> {
    while let Some(mut field) = multipart.next_field().await? {
        match field.name() {
            Some("file") => {
                upload.file_name = field.file_name().map(str::to_string);
                upload.content_type = field.content_type().map(str::to_string);
                read_file(&mut field, upload).await?;
            }
            Some("csrf") => upload.csrf = field.text().await?,
            Some("clause") => upload.clause = field.text().await?.trim().to_string(),
            _ => {
                // Unknown fields are read and dropped.
                while field.chunk().await?.is_some() {}
            }
        }
    }
    Ok(())
}

/// POST (multipart: csrf, clause, file): a community worker or an administrator covering the
/// community, while it is declared or being scored.
pub async fn upload(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    match upload_inner(&state, &jar, &user, &round_id, &code, multipart).await {
        Ok(response) => response,
        Err(e) => error_page(&jar, Some(user), e),
    }
}

async fn upload_inner(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    round_id: &str,
    code: &str,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let en = lang.is_en();
    let pick = |zh: &str, en_text: &str| lang.pick(zh, en_text).to_string();
    // Who and when first: nothing is read from someone who may not upload.
    if let Err(refusal) = may_declare(&user.actor(), code) {
        return Err(AppError::Forbidden(if en {
            refusal.en
        } else {
            refusal.zh
        }));
    }
    let (_, standard, entry) = service::load(state, round_id, code).await?;
    if let Some(closed) = upload_closed(user, &entry, en) {
        return Err(closed);
    }
    let Ok(mut multipart) = multipart else {
        return Err(AppError::BadRequest(pick(
            "请通过页面上的表单上传文件",
            "upload the file with the form on the page",
        )));
    };
    let mut upload = Upload::default();
    match read_upload(&mut multipart, &mut upload).await {
        Ok(()) => {}
        Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            upload.too_big = true;
            upload.bytes = Vec::new();
        }
        Err(error) => {
            tracing::info!("upload interrupted: {error}");
            return Err(AppError::BadRequest(pick(
                "上传没有完成,文件未保存。请重试。",
                "the upload did not complete and nothing was saved; please try again",
            )));
        }
    }
    // A form without the session's token is refused before anything in it is looked at, even
    // when the body was cut short for size.
    if !upload.too_big || !upload.csrf.is_empty() {
        user.check_csrf(&upload.csrf)?;
    }

    let offered = Offered {
        clause: upload.clause.clone(),
        file_name: upload.file_name.clone(),
        content_type: upload.content_type.clone(),
        bytes: upload.bytes,
        too_big: upload.too_big,
    };
    if let Err(problems) =
        accept_evidence(state, user, round_id, code, &standard, offered, en).await?
    {
        return render_page(state, jar, user, round_id, code, problems).await;
    }
    Ok(Redirect::to(&format!(
        "/rounds/{round_id}/communities/{code}/evidence?uploaded=1#clause-{}",
        crate::app::auth::urlencode(&upload.clause)
    ))
    .into_response())
}

/// A file offered as evidence for a clause, as received from the form or the API.
pub(crate) struct Offered {
    pub clause: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    /// The body went past the size limit and was not kept.
    pub too_big: bool,
}

/// Checks an offered file (the clause exists; the size, the type by its bytes, a full decode of
/// images) and keeps it with its row; the problems by field when it is refused, nothing kept.
pub(crate) async fn accept_evidence(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    code: &str,
    standard: &Standard,
    offered: Offered,
    en: bool,
) -> Result<Result<EvidenceRow, Problems>, AppError> {
    let pick = |zh: &str, en_text: &str| if en { en_text } else { zh }.to_string();
    let mut problems = Problems {
        selected: offered.clause.clone(),
        ..Problems::default()
    };
    if offered.clause.is_empty() {
        problems.clause = Some(pick(
            "请选择这份材料对应的条款",
            "choose the clause this evidence is for",
        ));
    } else if standard.clause(&offered.clause).is_none() {
        problems.clause = Some(if en {
            format!("{} is not a clause of this standard", offered.clause)
        } else {
            format!("{} 不是本标准的条款", offered.clause)
        });
    }
    let file_name = offered
        .file_name
        .as_deref()
        .map(clean_file_name)
        .unwrap_or_default();
    let mut kind = None;
    if offered.too_big {
        let refusal = too_big();
        problems.file = Some(if en { refusal.en } else { refusal.zh });
        problems.status = Some(StatusCode::PAYLOAD_TOO_LARGE);
    } else if offered.file_name.as_deref().is_none_or(str::is_empty) && offered.bytes.is_empty() {
        problems.file = Some(pick("请选择要上传的文件", "choose the file to upload"));
    } else {
        let name = file_name.clone();
        let declared = offered.content_type.clone();
        let bytes = offered.bytes;
        // Decoding an image is CPU and memory work: through the server's decoding gate.
        let (checked, bytes) = state
            .decoding
            .run(move || {
                let checked = check_upload(&name, declared.as_deref(), &bytes);
                (checked, bytes)
            })
            .await
            .map_err(|e| AppError::Internal(e.context("checking an upload")))?;
        match checked {
            Ok(k) => kind = Some((k, bytes)),
            Err(Refused {
                zh, en: en_text, ..
            }) => {
                problems.file = Some(if en { en_text } else { zh });
            }
        }
    }
    let (kind, bytes) = match kind {
        Some(found) if problems.clause.is_none() => found,
        _ => {
            problems.status = problems.status.or(Some(StatusCode::UNPROCESSABLE_ENTITY));
            return Ok(Err(problems));
        }
    };

    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    let key = state.files.put(bytes).await.map_err(AppError::Internal)?;
    let id = xingfu_store::new_id();
    let recorded = state
        .store
        .add_evidence(
            &NewEvidence {
                id: &id,
                round_id,
                community_code: code,
                clause_id: &offered.clause,
                file_key: &key,
                file_name: &file_name,
                content_type: kind.content_type(),
                size,
                sha256: &sha256,
            },
            &user.user.username,
            now_ms(),
        )
        .await;
    match recorded {
        Ok(row) => Ok(Ok(row)),
        Err(error) => {
            // Nothing half-kept: the file goes again when its row could not be written.
            if let Err(e) = state.files.delete(&key).await {
                tracing::error!("removing an unrecorded upload {key}: {e:#}");
            }
            Err(error.into())
        }
    }
}

/// GET /evidence/{id}: the file as uploaded, for anyone whose area covers the community.
pub async fn download(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Response {
    let en = Lang::from_jar(&jar).is_en();
    match evidence_file(&state, &user, &id, en).await {
        Ok(response) => response,
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// An evidence file as an attachment, for anyone whose area covers its community (pages and API).
pub(crate) async fn evidence_file(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    en: bool,
) -> Result<Response, AppError> {
    let row: EvidenceRow = state.store.evidence(id).await?.ok_or(AppError::NotFound)?;
    user.may_view(&row.community_code, en)?;
    let bytes = state.files.get(&row.file_key).await.map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "evidence {} has no file {}: {e:#}",
            row.id,
            row.file_key
        ))
    })?;
    Ok(attachment(&row.content_type, &row.file_name, bytes))
}

/// A download: the content type, `Content-Disposition: attachment` with the name in ASCII and
/// in UTF-8 (RFC 6266), and no caching outside the user's browser.
fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let utf8: String = file_name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The round and the entries of it inside the user's area; refused when the areas do not meet.
async fn round_in_area(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    en: bool,
) -> Result<(RoundRow, Vec<EntryRow>), AppError> {
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let round_level = xingfu_core::region::level_of_code(&round.region_code).to_string();
    let overlaps = region::within(
        &round.region_code,
        &user.user.region_code,
        &user.region_level,
    ) || region::within(&user.user.region_code, &round.region_code, &round_level);
    if !overlaps {
        return Err(AppError::Forbidden(if en {
            "this round is outside your area".into()
        } else {
            "该评选年度不在您的管辖范围内".into()
        }));
    }
    let entries = state
        .store
        .entries_in_area(
            round_id,
            xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level),
        )
        .await?
        .into_iter()
        .filter(|e| user.actor().covers(&e.community_code))
        .collect();
    Ok((round, entries))
}

fn workbook_response(name: &str, bytes: Vec<u8>) -> Response {
    attachment(XLSX, name, bytes)
}

/// GET /rounds/{round}/export.xlsx: the round's results in the user's area, as the command
/// line's report workbook (communities, streets, districts, the whole, and those not rated).
pub async fn export_round(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> Response {
    let en = Lang::from_jar(&jar).is_en();
    match round_workbook(&state, &user, &round_id, en).await {
        Ok(response) => response,
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// The round's results workbook for the user's area (pages and API).
pub(crate) async fn round_workbook(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    en: bool,
) -> Result<Response, AppError> {
    let (round, entries) = round_in_area(state, user, round_id, en).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let mut district_names: HashMap<String, Option<String>> = HashMap::new();
    for entry in &entries {
        if let Some(district) = region::district_of(&entry.community_code)
            && !district_names.contains_key(&district)
        {
            let name = state.store.region(&district).await?.map(|r| r.name);
            district_names.insert(district, name);
        }
    }
    let report = round_report(&standard, &round, &entries, &district_names);
    let bytes = xingfu_formats::workbook::round_workbook(&report, &standard, en)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the round workbook: {e}")))?;
    Ok(workbook_response(
        &format!("round-{}-{}.xlsx", round.year, round.region_code),
        bytes,
    ))
}

/// The round report from the results kept for each entry: entries not computed yet (or
/// refused) are listed as not rated, with the reason.
pub fn round_report<'s>(
    standard: &'s Standard,
    round: &RoundRow,
    entries: &[EntryRow],
    district_names: &HashMap<String, Option<String>>,
) -> RoundReport<'s> {
    let mut outcomes = Vec::new();
    let mut rejected = Vec::new();
    for entry in entries {
        let (Some(total), Some(star)) = (entry.total, entry.star) else {
            let (zh, en) = match (entry.stage.as_str(), &entry.refusal) {
                ("refused", Some(reason)) => {
                    (format!("不予受理:{reason}"), format!("refused: {reason}"))
                }
                (stage, _) => {
                    let stage = Stage::parse(stage);
                    (
                        format!(
                            "尚未计算结果(当前阶段:{})",
                            stage.map_or(entry.stage.as_str(), |s| s.zh())
                        ),
                        format!(
                            "no result yet (stage: {})",
                            stage.map_or(entry.stage.as_str(), |s| s.en())
                        ),
                    )
                }
            };
            rejected.push(Rejected {
                code: entry.community_code.clone(),
                name: entry.community_name.clone(),
                errors: vec![AnswerError {
                    clause: String::new(),
                    zh,
                    en,
                }],
            });
            continue;
        };
        let star = star.clamp(0, 5) as u8;
        let previous = entry.previous_star.clamp(0, 5) as u8;
        let total = Dec2(total);
        let star_by_score = entry.star_by_score.map_or(star, |s| s.clamp(0, 5) as u8);
        let decision = entry
            .decision
            .as_deref()
            .and_then(|d| {
                Some(match d {
                    "new" => Decision::New,
                    "keep" => Decision::Keep,
                    "upgrade" => Decision::Upgrade,
                    "downgrade" => Decision::Downgrade,
                    "revoke" => Decision::Revoke,
                    "not_rated" => Decision::NotRated,
                    _ => return None,
                })
            })
            .unwrap_or_else(|| Decision::of(previous, star));
        let deciding = previous.max(star);
        let approval = standard.star(deciding).map(|s| Approval {
            star: deciding,
            level: s.approval,
            body: s.approval_body.clone(),
            recommended_by: s.recommended_by,
        });
        let next_star = standard
            .stars
            .iter()
            .filter(|s| s.level > star_by_score)
            .min_by_key(|s| s.level)
            .map(|s| {
                let needed = points_needed(standard, s.min);
                let short = if needed > total {
                    needed - total
                } else {
                    Dec2::ZERO
                };
                (s.level, short)
            });
        let street = match (&entry.street_code, &entry.street_name) {
            (Some(code), name) => Some(Unit {
                code: code.clone(),
                name: name.clone(),
            }),
            (None, _) => {
                region::street_of(&entry.community_code).map(|code| Unit { code, name: None })
            }
        };
        let district = region::district_of(&entry.community_code).map(|code| Unit {
            name: district_names.get(&code).cloned().flatten(),
            code,
        });
        outcomes.push(Outcome {
            code: entry.community_code.clone(),
            name: entry.community_name.clone(),
            street,
            district,
            total,
            share: entry
                .share
                .map_or_else(|| Dec2::percent_of(total, standard.total_points), Dec2),
            star_by_score,
            star,
            vetoed_by: veto_hits(standard, entry.vetoed_by.as_deref()),
            previous_star: previous,
            decision,
            approval,
            reward: reward_for(standard.rewards.as_ref(), previous, star),
            next_star,
        });
    }
    let streets = roll_up(standard, &outcomes, UnitKind::Street, |o| o.street.clone());
    let districts = roll_up(standard, &outcomes, UnitKind::District, |o| {
        o.district.clone()
    });
    let overall = unit_report(
        standard,
        UnitKind::All,
        Unit {
            code: round.region_code.clone(),
            name: None,
        },
        outcomes.iter().collect(),
    );
    RoundReport {
        standard: standard.id.clone(),
        version: standard.version.clone(),
        year: i32::try_from(round.year).ok(),
        outcomes,
        rejected,
        streets,
        districts,
        overall,
    }
}

/// The veto hits kept as JSON with an entry, pointing back into the standard.
fn veto_hits<'s>(standard: &'s Standard, json: Option<&str>) -> Vec<VetoHit<'s>> {
    let Some(value) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) else {
        return Vec::new();
    };
    value
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|hit| {
                    let clause = standard.clause(hit.get("clause")?.as_str()?)?;
                    Some(VetoHit {
                        clause: &clause.id,
                        text: &clause.text,
                        reason: hit
                            .get("reason")
                            .and_then(|r| r.as_str())
                            .map(str::to_string),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn roll_up(
    standard: &Standard,
    outcomes: &[Outcome<'_>],
    kind: UnitKind,
    unit_of: impl Fn(&Outcome) -> Option<Unit>,
) -> Vec<UnitReport> {
    let mut groups: std::collections::BTreeMap<String, (Unit, Vec<&Outcome>)> =
        std::collections::BTreeMap::new();
    for outcome in outcomes {
        let Some(unit) = unit_of(outcome) else {
            continue;
        };
        let group = groups
            .entry(unit.code.clone())
            .or_insert_with(|| (unit.clone(), Vec::new()));
        if group.0.name.is_none() {
            group.0.name = unit.name;
        }
        group.1.push(outcome);
    }
    groups
        .into_values()
        .map(|(unit, members)| unit_report(standard, kind, unit, members))
        .collect()
}

fn unit_report(
    standard: &Standard,
    kind: UnitKind,
    unit: Unit,
    members: Vec<&Outcome<'_>>,
) -> UnitReport {
    let mut by_star = [0usize; 6];
    let mut decisions = std::collections::BTreeMap::new();
    let mut reward_by_level: Vec<LevelAmount> = Vec::new();
    let mut reward_total = Fen::ZERO;
    let mut stars = Vec::with_capacity(members.len());
    for outcome in &members {
        by_star[usize::from(outcome.star.min(5))] += 1;
        *decisions.entry(outcome.decision).or_insert(0) += 1;
        reward_total += outcome.reward.amount;
        merge(&mut reward_by_level, outcome.reward.split.clone());
        stars.push(outcome.star);
    }
    reward_by_level.sort_by_key(|part| part.level);
    UnitReport {
        kind,
        unit,
        communities: members.len(),
        by_star,
        decisions,
        targets: xingfu_core::targets::progress(&standard.targets, &stars),
        reward_total,
        reward_by_level,
    }
}

/// GET /rounds/{round}/score-sheet.xlsx: a row per community in the user's area, a column per
/// clause with the points earned (the assessors' mean), the total and the star.
pub async fn score_sheet(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> Response {
    let en = Lang::from_jar(&jar).is_en();
    match score_sheet_workbook(&state, &user, &round_id, en).await {
        Ok(response) => response,
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// The round's score sheet for the user's area (pages and API).
pub(crate) async fn score_sheet_workbook(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    en: bool,
) -> Result<Response, AppError> {
    let (round, entries) = round_in_area(state, user, round_id, en).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in &entries {
        // Sheets that no longer fit the standard leave the row empty rather than the export.
        let card = match service::panel(state, &standard, round_id, &entry.community_code).await {
            Ok(card) => card.map(mean_card),
            Err(AppError::BadRequest(reason)) => {
                tracing::warn!(
                    "score sheet: {} cannot be scored: {reason}",
                    entry.community_code
                );
                None
            }
            Err(e) => return Err(e),
        };
        rows.push((
            entry.community_code.clone(),
            entry.community_name.clone(),
            card,
        ));
    }
    let bytes = xingfu_formats::standard_xlsx::score_sheet_xlsx(&standard, &rows, en)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the score sheet: {e}")))?;
    Ok(workbook_response(
        &format!("score-sheet-{}-{}.xlsx", round.year, round.region_code),
        bytes,
    ))
}

/// One scorecard for the panel: each clause's points are the assessors' mean; the total, share,
/// stars and veto are the panel's own.
fn mean_card(panel: PanelCard<'_>) -> Scorecard<'_> {
    let sheets = panel.sheets.len() as i64;
    let mut card = panel.sheets[0].clone();
    if sheets > 1 {
        for (ci, category) in card.categories.iter_mut().enumerate() {
            for (ii, item) in category.items.iter_mut().enumerate() {
                for (ki, clause) in item.clauses.iter_mut().enumerate() {
                    let all: Vec<_> = panel
                        .sheets
                        .iter()
                        .map(|s| &s.categories[ci].items[ii].clauses[ki])
                        .collect();
                    let sum: Dec2 = all.iter().map(|c| c.earned).sum();
                    clause.earned = sum.scale(1, sheets);
                    clause.status = if all.iter().all(|c| c.status == ClauseStatus::NotAssessed) {
                        ClauseStatus::NotAssessed
                    } else if all.iter().any(|c| c.status == ClauseStatus::Vetoed) {
                        ClauseStatus::Vetoed
                    } else if all.iter().any(|c| c.status == ClauseStatus::VetoClear) {
                        ClauseStatus::VetoClear
                    } else if clause.earned == clause.max {
                        ClauseStatus::Met
                    } else if clause.earned == Dec2::ZERO {
                        ClauseStatus::NotMet
                    } else {
                        ClauseStatus::Partial
                    };
                }
                item.earned = item.clauses.iter().map(|c| c.earned).sum();
            }
            category.earned = category.items.iter().map(|i| i.earned).sum();
            category.share = Dec2::percent_of(category.earned, category.max);
        }
    }
    card.total = panel.total;
    card.share = panel.share;
    card.star_by_score = panel.star_by_score;
    card.star = panel.star;
    card.vetoed_by = panel.vetoed_by;
    card.next_star = panel.next_star;
    card
}
