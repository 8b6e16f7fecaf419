//! The round's documents page, PDF downloads, and the public verification page
//! (`/verify/{serial}`) that a document's QR code opens.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::documents::{DocumentKind, Serial};

use super::service::{self, Available};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::web::download::inline;
use crate::web::one_file_form::OneFileForm;
use crate::web::page::{Page, PageResult, render, when};
use crate::web::public_base::public_base;
use crate::web::visit::Visit;

crate::word_table! {
    /// The documents pages' texts.
    Words, words {
        title: "公文与证书" / "Documents and certificates",
        lead: "公示、命名决定、星级证书、整改通知书、通报和评分报告均为 A4 PDF，可直接打印或张贴。每份文件带编号和二维码，任何人扫码即可核验真伪。" / "Notices, naming decisions, star certificates, rectification notices, bulletins and score reports come as A4 PDFs to print or post. Each carries a serial number and a QR code anyone can scan to check it.",
        next: "下一步：下载后打印、加盖公章张贴或下发；文件内容变化（如新增公示社区）后再次下载，会出具带新编号的新版本，旧版本在核验页上注明已被取代。" / "Next: download, print, stamp and post or send. When what a document says changes (another community published, say), downloading again issues a new version with a new serial; the old one is marked replaced on its verification page.",
        kind: "文件" / "Document",
        about: "对象" / "About",
        serial: "编号" / "Serial",
        not_issued: "下载时出具" / "Issued on download",
        level_documents: "公示、命名决定和通报" / "Notices, naming decisions and bulletins",
        community_documents: "各社区的证书、评分报告和整改通知书" / "Each community's certificate, score report and rectification notice",
        community: "社区" / "Community",
        documents: "文件" / "Documents",
        download: "下载 PDF" / "Download PDF",
        none: "这一评选年度暂时没有可出具的文件：公示文件在结果公示后、命名决定和证书在命名后、评分报告和整改通知书在评分汇总后才能出具。" / "No document can be issued for this round yet: the notice comes once results are published, the decision and certificates after naming, score reports and rectification notices once scores are computed.",
        back: "返回评选年度" / "Back to the round",
        all_at_once: "打包下载全部文件（在后台生成）" / "All of them in one ZIP (made in the background)",
        all_at_once_help: "全部文件出具后打包成一个 ZIP 压缩包，在“我的导出”中下载，适合一次打印全区的证书。" / "Every document is issued and packed into one ZIP to download from “My exports”: for printing a whole district's certificates at once.",
        verify_title: "文件核验" / "Document verification",
        verify_lead: "核验幸福社区公文、证书的真伪：输入文件上的编号，或扫描文件上的二维码。" / "Check a Happy Community document or certificate: type the serial printed on it, or scan its QR code.",
        serial_label: "文件编号（如 ZS-2013-7K3M9Q2X）" / "Serial (e.g. ZS-2013-7K3M9Q2X)",
        check: "核验" / "Check",
        no_such: "查无此编号的文件。请核对编号（字母不区分大小写）；编号无误仍查不到的，文件不是本平台出具的。" / "No document has this serial. Check it (letters in any case); if it is right, the document was not issued here.",
        found: "本平台出具过此文件" / "This document was issued here",
        what: "文件" / "Document",
        issuer: "发文机关" / "Issued by",
        number: "文号" / "Number",
        issued_at: "出具时间" / "Issued at",
        issued_by: "出具人" / "Issued by (person)",
        pages: "页数" / "Pages",
        sha: "文件 SHA-256 校验值" / "The file's SHA-256",
        chain: "审计记录" / "Audit record",
        chain_ok: "出具记录在审计链中，核验通过。" / "The record of its issue stands in the audit chain.",
        chain_bad: "出具记录未通过审计链核验：" / "The record of its issue does not verify in the audit chain: ",
        chain_unchecked: "本服务器未配置审计密钥，未能核验审计链。" / "This server has no audit key: the audit chain was not checked.",
        replaced: "此文件已被新版本取代，新版本编号：" / "This document was replaced by a newer version: ",
        current: "这是现行版本。" / "This is the current version.",
        file_heading: "核对手中的文件" / "Check the file you hold",
        file_help: "选择手中的 PDF 文件，系统计算其校验值并与登记的比对；文件不会被保存。" / "Choose the PDF you hold: its SHA-256 is compared with the one recorded. The file is not kept.",
        file_label: "PDF 文件" / "PDF file",
        file_same: "一致：这份文件与出具时登记的完全相同。" / "Match: this file is exactly the one issued.",
        file_changed: "不一致：这份文件与出具时登记的不同，可能被修改过，请以发文机关存档或重新下载的文件为准。" / "No match: this file differs from the one issued and may have been changed. Rely on the issuer's copy.",
        file_missing: "请选择一个 PDF 文件。" / "Choose a PDF file.",
        file_too_big: "文件过大（超过 10 MB），不是本平台出具的文件。" / "The file is over 10 MB: not one issued here.",
    }
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    page: Page,
    w: &'static Words,
    round_id: String,
    /// 公示, 命名决定 and 通报: one row each.
    levels: Vec<Available>,
    /// A community's documents on one row.
    communities: Vec<CommunityRow>,
}

struct CommunityRow {
    name: String,
    documents: Vec<Available>,
}

/// GET /rounds/{round}/documents: the documents the person may download for the round.
pub async fn list(v: Visit, Path(round_id): Path<String>) -> PageResult {
    let documents = service::available(&v.state, &v.user, &round_id, v.lang).await?;
    let w = words(v.lang);
    let mut levels = Vec::new();
    let mut communities: Vec<CommunityRow> = Vec::new();
    for document in documents {
        let per_community =
            DocumentKind::parse(&document.kind).is_some_and(DocumentKind::per_community);
        if !per_community {
            levels.push(document);
        } else if let Some(row) = communities
            .iter_mut()
            .find(|row| row.documents[0].target == document.target)
        {
            row.documents.push(document);
        } else {
            communities.push(CommunityRow {
                name: document.target_name.clone(),
                documents: vec![document],
            });
        }
    }
    render(DocumentsPage {
        page: v.page_titled(&format!("/rounds/{round_id}/documents"), w.title.into()),
        w,
        round_id,
        levels,
        communities,
    })
}

/// GET /rounds/{round}/documents/{kind}/{target}: the PDF, issued now unless the same
/// content was issued before.
pub async fn download(
    v: Visit,
    headers: HeaderMap,
    Path((round_id, kind, target)): Path<(String, String, String)>,
) -> PageResult {
    let kind = DocumentKind::parse(&kind).ok_or(AppError::NotFound)?;
    let base = public_base(&v.state, &headers);
    let issued =
        service::issue(&v.state, &v.user, &round_id, (kind, &target), &base, v.lang).await?;
    Ok(inline(
        "application/pdf",
        &service::pdf_name(&issued.row),
        issued.pdf,
    ))
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    page: Page,
    w: &'static Words,
    serial: String,
    found: Option<Found>,
    /// The outcome of checking a file: (matches, message).
    file: Option<(bool, &'static str)>,
}

struct Found {
    kind: &'static str,
    title: String,
    issuer: String,
    number: String,
    issued_at: String,
    issued_by: String,
    pages: i64,
    sha256: String,
    chain: (Option<bool>, String),
    superseded_by: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SerialQuery {
    #[serde(default)]
    serial: Option<String>,
}

/// GET /verify?serial=…: the form to type a serial; a typed serial goes to its page.
pub async fn verify_form(jar: CookieJar, Query(query): Query<SerialQuery>) -> PageResult {
    if let Some(serial) = query.serial.as_deref().and_then(Serial::parse) {
        return Ok(Redirect::to(&format!("/verify/{serial}")).into_response());
    }
    let lang = Lang::from_jar(&jar);
    let w = words(lang);
    let typed = query.serial.unwrap_or_default();
    verify_page(&jar, lang, typed, None, None, w.verify_title)
}

/// GET /verify/{serial}: what was issued under the serial, public.
pub async fn verify(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(serial): Path<String>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let found = found(&state, &serial, lang).await?;
    verify_page(&jar, lang, serial, found, None, words(lang).verify_title)
}

/// The largest file the check accepts: any upload's limit, far above any document issued here.
const MAX_CHECKED_FILE: usize = crate::app::files::MAX_UPLOAD;

/// POST /verify/{serial}: compares the file someone holds with the one issued.
pub async fn verify_file(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(serial): Path<String>,
    mut multipart: Multipart,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let w = words(lang);
    let form = OneFileForm::read(&mut multipart, &[], MAX_CHECKED_FILE)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let verification = match Serial::parse(&serial) {
        Some(_) => service::verify(&state, &serial, lang).await.ok(),
        None => None,
    };
    let file = match (&verification, form.too_big, form.bytes.is_empty()) {
        (_, true, _) => Some((false, w.file_too_big)),
        (_, false, true) => Some((false, w.file_missing)),
        (Some(v), false, false) if service::same_file(&v.row, &form.bytes) => {
            Some((true, w.file_same))
        }
        (Some(_), false, false) => Some((false, w.file_changed)),
        (None, _, _) => None,
    };
    let found = found(&state, &serial, lang).await?;
    verify_page(&jar, lang, serial, found, file, w.verify_title)
}

async fn found(state: &AppState, serial: &str, lang: Lang) -> Result<Option<Found>, AppError> {
    let w = words(lang);
    match service::verify(state, serial, lang).await {
        Ok(v) => {
            let kind = DocumentKind::parse(&v.row.kind).map_or("", |k| lang.pick(k.zh(), k.en()));
            let chain_text = match (v.in_chain, &v.chain_problem) {
                (Some(true), _) => w.chain_ok.to_string(),
                (Some(false), problem) => {
                    format!("{}{}", w.chain_bad, problem.clone().unwrap_or_default())
                }
                (None, _) => w.chain_unchecked.to_string(),
            };
            Ok(Some(Found {
                kind,
                title: v.row.title.clone(),
                issuer: v.row.issuer.clone(),
                number: v.row.number.clone(),
                issued_at: when(v.row.issued_at),
                issued_by: v.issued_by,
                pages: v.row.pages,
                sha256: v.row.pdf_sha256.clone(),
                chain: (v.in_chain, chain_text),
                superseded_by: v.superseded_by,
            }))
        }
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

fn verify_page(
    jar: &CookieJar,
    lang: Lang,
    serial: String,
    found: Option<Found>,
    file: Option<(bool, &'static str)>,
    title: &str,
) -> Result<Response, AppError> {
    let path = if serial.is_empty() {
        "/verify".to_string()
    } else {
        format!("/verify/{}", crate::web::download::path_segment(&serial))
    };
    let status = if found.is_none() && !serial.is_empty() {
        axum::http::StatusCode::NOT_FOUND
    } else {
        axum::http::StatusCode::OK
    };
    let page = render(VerifyPage {
        page: Page::new(jar, None, &path, title.to_string()),
        w: words(lang),
        serial,
        found,
        file,
    })?;
    Ok((status, page).into_response())
}
