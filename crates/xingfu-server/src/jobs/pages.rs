//! `/jobs`: the background jobs administrators see (the counts per state, the newest jobs with
//! what each did or why it failed, when it runs next) and `POST /jobs/{id}/requeue` for a failed
//! one.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xingfu_core::jobs::{JobKind, JobState, MAX_ATTEMPTS};
use xingfu_store::jobs::JobRow;

use super::service::{self, Listing, may_requeue};
use crate::app::clock::now_ms;
use crate::i18n::Lang;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

crate::word_table! {
    /// The job list's texts.
    Words, words {
        title: "后台任务" / "Background jobs",
        lead: "这些工作不在网页请求中完成\u{ff1a}随手拍超时升级\u{ff0c}生成提醒和发送通知\u{ff08}每分钟一次\u{ff09}\u{ff0c}设施变更后重新计算15分钟覆盖率\u{ff08}变更后30秒\u{ff09}\u{ff0c}生成有人申请的导出文件\u{ff0c}每天清理一周前完成的任务。由空闲的服务器自动运行\u{ff0c}每项任务只运行一次。" / "This work runs outside page requests: the deadline sweep of photo reports, reminders and notification delivery (every minute), 15-minute coverage after facilities change (30 seconds after the change), the exports people ask for, and clearing out jobs finished over a week ago each day. A free server runs each job, once.",
        next: "失败的任务会在10秒、1分钟、5分钟后自动重试\u{ff1b}4次都失败就标为\u{201c}失败\u{201d}\u{ff0c}请查看原因\u{ff0c}处理后点\u{201c}重新排队\u{201d}。运行任务的服务器中途停止时\u{ff0c}5分钟后由其他服务器接着运行。" / "A failed job is tried again after 10 seconds, 1 minute and 5 minutes; after 4 failed attempts it is marked failed: read why, put it right, then press \u{201c}Queue again\u{201d}. If the server running a job stops, another server takes it over after 5 minutes.",
        all: "全部" / "All",
        none: "没有这种状态的任务。" / "No job in this state.",
        area: "地区" / "Area",
        whole: "全平台" / "The whole platform",
        created: "排队时间" / "Queued",
        started: "开始时间" / "Started",
        finished: "完成时间" / "Finished",
        next_run: "下次运行" / "Next run",
        attempts: "尝试次数" / "Attempts",
        result: "结果" / "Result",
        error: "失败原因" / "Why it failed",
        requeue: "重新排队" / "Queue again",
        requeue_who: "只有市级管理员或任务所属地区的管理员可以重新排队。" / "Only a city administrator or an administrator of the job's area may queue it again.",
        shown_newest: "只显示最新的200项。" / "The newest 200 are shown.",
    }
}

/// What one job did, in words: each count with its label.
fn outcome_text(lang: Lang, outcome: &str) -> String {
    let Ok(serde_json::Value::Object(counts)) = serde_json::from_str(outcome) else {
        return outcome.to_string();
    };
    let parts: Vec<String> = counts
        .iter()
        // An export's file key and its list of documents not issued are for its owner's page.
        .filter(|(key, _)| !matches!(key.as_str(), "file" | "skipped"))
        .map(|(key, value)| {
            let label = match key.as_str() {
                "escalated" => lang.pick("升级", "escalated"),
                "closed" => lang.pick("自动办结", "closed"),
                "supervised" => lang.pick("区级督办", "under district supervision"),
                "skipped" => lang.pick("已被他人处理而跳过", "skipped (changed meanwhile)"),
                "made" => lang.pick("生成提醒", "reminders made"),
                "sent" => lang.pick("已发送", "sent"),
                "retried" => lang.pick("待重发", "to resend"),
                "failed" => lang.pick("发送失败", "failed"),
                "lost" => lang.pick("由其他服务器发送", "sent by another server"),
                "origins" => lang.pick("计算住宅", "homes computed"),
                "facilities" => lang.pick("设施", "facilities"),
                "never_computed" => lang.pick(
                    "本区从未计算覆盖率，未计算",
                    "never computed for this district, skipped",
                ),
                "removed" => lang.pick("清理任务记录", "job records removed"),
                "files" => lang.pick("删除导出文件", "export files removed"),
                "name" => lang.pick("文件名", "file"),
                "bytes" => lang.pick("字节", "bytes"),
                "documents" => lang.pick("公文和证书", "documents"),
                other => other,
            };
            format!("{label}{}{value}", lang.colon())
        })
        .collect();
    parts.join(lang.pick("\u{ff1b}", "; "))
}

pub struct Line {
    pub id: String,
    pub kind: &'static str,
    pub state: JobState,
    pub state_name: &'static str,
    pub area: String,
    pub created: String,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub next_run: Option<String>,
    pub attempts: String,
    pub result: Option<String>,
    pub error: Option<String>,
    pub version: i64,
    pub may_requeue: bool,
}

fn line(lang: Lang, w: &Words, listing: &Listing, job: JobRow, may: bool) -> Line {
    let state = JobState::parse(&job.state).unwrap_or(JobState::Queued);
    let time = |ms: i64| xingfu_core::dates::local_text(ms);
    let kind = JobKind::parse(&job.kind).map_or("?", |k| lang.pick(k.name().0, k.name().1));
    let area = match &job.area {
        Some(code) => listing
            .area_names
            .get(code)
            .cloned()
            .unwrap_or(code.clone()),
        None => w.whole.to_string(),
    };
    Line {
        kind,
        state,
        state_name: lang.pick(state.name().0, state.name().1),
        area,
        created: time(job.created_at),
        started: job.started_at.map(time),
        finished: job.finished_at.map(time),
        next_run: (state == JobState::Queued).then(|| time(job.run_at)),
        attempts: lang.text(
            format!("{} / {MAX_ATTEMPTS}", job.attempts),
            format!("{} of {MAX_ATTEMPTS}", job.attempts),
        ),
        result: job.outcome.as_deref().map(|o| outcome_text(lang, o)),
        error: job.last_error.clone(),
        version: job.version,
        may_requeue: may && state == JobState::Failed,
        id: job.id,
    }
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct ListPage {
    page: Page,
    w: &'static Words,
    csrf: String,
    /// (state key, name, count, chosen) for the filter links; "" is all.
    filters: Vec<(&'static str, &'static str, i64, bool)>,
    lines: Vec<Line>,
    full: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
}

/// GET /jobs?state=failed
pub async fn list(v: Visit, Query(query): Query<ListQuery>) -> PageResult {
    let lang = v.lang;
    let w = words(lang);
    let filter = JobState::parse(&query.state);
    let listing = service::listing(&v.state, &v.user, filter, lang).await?;
    let total: i64 = listing.counts.iter().sum();
    let mut filters = vec![("", w.all, total, filter.is_none())];
    for (state, count) in JobState::ALL.into_iter().zip(listing.counts) {
        filters.push((
            state.key(),
            lang.pick(state.name().0, state.name().1),
            count,
            filter == Some(state),
        ));
    }
    let full = listing.jobs.len() as i64 >= service::LIST_LIMIT;
    let rows = listing.jobs.clone();
    let lines = rows
        .into_iter()
        .map(|job| {
            let may = may_requeue(&v.user, &job);
            line(lang, w, &listing, job, may)
        })
        .collect();
    render(ListPage {
        page: v.page_titled("/jobs", w.title.to_string()),
        w,
        csrf: v.user.csrf.clone(),
        filters,
        lines,
        full,
    })
}

#[derive(Deserialize)]
pub struct RequeueForm {
    csrf: String,
    version: i64,
}

crate::csrf_forms!(RequeueForm);

/// POST /jobs/{id}/requeue: back to the list of queued jobs, where it now stands first.
pub async fn requeue(
    Path(id): Path<String>,
    Posted { v, form }: Posted<RequeueForm>,
) -> PageResult {
    service::requeue(&v.state, &v.user, &id, form.version, now_ms(), v.lang).await?;
    Ok(Redirect::to(&format!("/jobs?state=queued#job-{id}")).into_response())
}
