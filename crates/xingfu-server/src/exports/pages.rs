//! `/exports`: the person's exports made in the background (what, when, its state, the file to
//! download), `POST /exports` to ask for one, `GET /exports/{id}/file` to download it.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::service::{self, ExportLine, ExportWhat};
use crate::app::error::AppError;
use crate::web::download::attachment;
use crate::web::page::{Page, PageResult, render, size_text, when};
use crate::web::posted::Posted;
use crate::web::public_base::public_base;
use crate::web::visit::Visit;

crate::word_table! {
    /// The exports page's texts.
    Words, words {
        title: "我的导出" / "My exports",
        lead: "地区较大时，汇总表和全部公文证书在后台生成，不用守在页面上等待。这里列出你申请的导出，最新的在前。" / "For a large area the results workbook and the full set of documents are made in the background, so nobody waits on the page. Your exports are listed here, newest first.",
        next: "下一步：排队中或生成中的，稍后刷新本页查看；生成完成后点“下载”。文件保留 7 天，之后自动删除，需要时可重新申请。" / "Next: while one is queued or being made, reload this page in a while; once it is done, press “Download”. Files are kept for 7 days and then removed; ask again when you need one.",
        none: "你还没有申请过导出。在评选年度页面点“在后台生成”即可申请。" / "You have not asked for an export yet. Ask for one on a round's page with “Make in the background”.",
        asked: "申请时间" / "Asked",
        finished: "完成时间" / "Finished",
        round: "评选年度" / "Round",
        size: "大小" / "Size",
        documents: "份文件" / "documents",
        skipped: "未打包：" / "Not packed: ",
        download: "下载" / "Download",
        kept_until: "保留至" / "Kept until",
        error: "未能生成：" / "Could not be made: ",
        queued_now: "已申请，正在排队生成。" / "Asked for: it is queued to be made.",
        queued_before: "同样的导出已在排队，无需再次申请。" / "The same export is already queued: no need to ask again.",
        too_many: "你已有 3 个导出在排队或生成中，请等其中一个完成后再申请。" / "Three of your exports are waiting or being made: ask again once one is done.",
        reload: "刷新" / "Reload",
    }
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    page: Page,
    w: &'static Words,
    lines: Vec<Line>,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
    pending: bool,
}

struct Line {
    export: ExportLine,
    round: String,
    asked: String,
    finished: Option<String>,
    size: Option<String>,
    kept_until: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

/// GET /exports: the person's exports.
pub async fn list(v: Visit, Query(query): Query<ListQuery>) -> PageResult {
    let w = words(v.lang);
    let exports = service::mine(&v.state, &v.user, v.lang).await?;
    let mut lines = Vec::with_capacity(exports.len());
    for export in exports {
        let round = match v.state.store.round(&export.round_id).await? {
            Some(r) => {
                let region = v.state.store.region(&r.region_code).await?;
                let name = region.map_or(r.region_code, |g| g.name);
                v.lang.text(
                    format!("{name} {}年度", r.year),
                    format!("{name} {}", r.year),
                )
            }
            None => export.round_id.clone(),
        };
        lines.push(Line {
            round,
            asked: when(export.asked_at),
            finished: export.finished_at.map(when),
            size: export.bytes.map(size_text),
            kept_until: export.kept_until.map(when),
            export,
        });
    }
    let (notice, problem) = match query.done.as_deref() {
        Some("queued") => (Some(w.queued_now), None),
        Some("waiting") => (Some(w.queued_before), None),
        Some("full") => (None, Some(w.too_many)),
        _ => (None, None),
    };
    render(ExportsPage {
        page: v.page_titled("/exports", w.title.to_string()),
        w,
        pending: lines
            .iter()
            .any(|l| matches!(l.export.state.as_str(), "queued" | "running")),
        lines,
        notice,
        problem,
    })
}

#[derive(Deserialize)]
pub struct AskForm {
    csrf: String,
    round: String,
    what: String,
}

crate::csrf_forms!(AskForm);

/// POST /exports: queues the export and shows the list with it.
pub async fn ask(headers: HeaderMap, Posted { v, form }: Posted<AskForm>) -> PageResult {
    let what = ExportWhat::parse(&form.what)
        .ok_or_else(|| AppError::BadRequest(format!("unknown export {:?}", form.what)))?;
    let base = public_base(&v.state, &headers);
    let done = match service::ask(&v.state, &v.user, &form.round, what, &base, v.lang).await {
        Ok(true) => "queued",
        Ok(false) => "waiting",
        Err(AppError::Conflict(_)) => "full",
        Err(e) => return Err(e),
    };
    Ok(Redirect::to(&format!("/exports?done={done}")).into_response())
}

/// GET /exports/{id}/file: the file, for the person who asked for it.
pub async fn file(v: Visit, Path(id): Path<String>) -> PageResult {
    let download = service::file(&v.state, &v.user, &id).await?;
    Ok(attachment(
        &download.content_type,
        &download.file_name,
        download.bytes,
    ))
}
