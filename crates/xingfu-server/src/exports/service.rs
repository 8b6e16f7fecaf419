//! Exports made in the background: a person asks for a round's results workbook or for every
//! document of a round in one ZIP archive; a job makes the file (on whichever server is free,
//! reading as that person, so they get exactly what they could download themselves), keeps it
//! in the file store (the local folder or S3) and they download it from their list of exports.
//! The file goes when the weekly clear-out removes its job, seven days after it was made.

use std::io::{Cursor, Write};

use serde::{Deserialize, Serialize};
use xingfu_core::jobs::{JobKind, JobState, KEEP_DONE_MS};
use xingfu_store::jobs::{ClaimedJob, JobRow, NewJob};

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::reads::Freshness;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::evidence::Download;

/// How many of a person's exports may wait or run at once.
pub const MAX_WAITING: usize = 3;

/// How many exports a person's list shows.
pub const LISTED: i64 = 20;

/// How often a long export keeps its job's lease (well inside the five-minute lease).
const RENEW_EVERY_MS: i64 = 60_000;

/// What an export makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportWhat {
    /// The round's results workbook for the person's area (as `/rounds/{id}/export.xlsx`).
    Workbook,
    /// Every document the person may download for the round, issued as needed, in one ZIP.
    Documents,
}

impl ExportWhat {
    pub fn parse(text: &str) -> Option<ExportWhat> {
        match text {
            "workbook" => Some(ExportWhat::Workbook),
            "documents" => Some(ExportWhat::Documents),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ExportWhat::Workbook => "workbook",
            ExportWhat::Documents => "documents",
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            ExportWhat::Workbook => {
                lang.pick("评选结果汇总表（Excel）", "Results workbook (Excel)")
            }
            ExportWhat::Documents => lang.pick(
                "全部公文和证书（ZIP 压缩包，内含 PDF）",
                "Every document and certificate (a ZIP of PDFs)",
            ),
        }
    }
}

/// A queued export: what, of which round, for whom, in which language; `public_base` is the
/// site's address for the documents' QR codes, as the person's request gave it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportPayload {
    pub what: ExportWhat,
    pub round_id: String,
    pub username: String,
    pub lang: String,
    pub public_base: String,
}

/// What a finished export made.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExportFile {
    pub file: String,
    pub name: String,
    pub bytes: i64,
    /// Documents in the archive (0 for a workbook).
    #[serde(default)]
    pub documents: i64,
    /// Documents that could not be issued, with why.
    #[serde(default)]
    pub skipped: Vec<String>,
}

/// One line of a person's list of exports.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExportLine {
    pub id: String,
    /// `workbook` or `documents`.
    pub what: String,
    pub what_name: String,
    pub round_id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub state_name: String,
    pub asked_at: i64,
    pub finished_at: Option<i64>,
    pub file_name: Option<String>,
    pub bytes: Option<i64>,
    pub documents: Option<i64>,
    pub skipped: Vec<String>,
    pub error: Option<String>,
    /// Where to download it, once done and until it is cleared out.
    pub download: Option<String>,
    pub kept_until: Option<i64>,
}

/// Queues an export of `round_id` for `user`. True when queued now, false when the same export
/// is already waiting (it is made once).
pub async fn ask(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    what: ExportWhat,
    public_base: &str,
    lang: Lang,
) -> Result<bool, AppError> {
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let area = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    if !xingfu_core::region::overlaps(&round.region_code, area) {
        return Err(AppError::NotFound);
    }
    let mine = state
        .store
        .jobs_requested_by(&user.user.username, JobKind::Export, LISTED)
        .await?;
    let waiting = mine
        .iter()
        .filter(|j| {
            matches!(
                JobState::parse(&j.state),
                Some(JobState::Queued | JobState::Running)
            )
        })
        .count();
    let key = format!("export:{}:{}:{round_id}", user.user.username, what.key());
    if waiting >= MAX_WAITING
        && !mine
            .iter()
            .any(|j| j.state == "queued" && same(j, what, round_id))
    {
        return Err(AppError::Conflict(lang.text(
            format!("已有 {MAX_WAITING} 个导出在排队或生成中，请等其中一个完成后再申请"),
            format!("{MAX_WAITING} of your exports are waiting or being made: ask again once one is done"),
        )));
    }
    let payload = serde_json::to_string(&ExportPayload {
        what,
        round_id: round_id.to_string(),
        username: user.user.username.clone(),
        lang: lang.code().to_string(),
        public_base: public_base.to_string(),
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let now = now_ms();
    let job = NewJob {
        kind: JobKind::Export,
        payload: &payload,
        area: Some(&user.user.region_code),
        dedupe_key: Some(&key),
        release_key_on_start: true,
        run_at: now,
        requested_by: Some(&user.user.username),
    };
    Ok(state.store.enqueue_job(&job, now).await?)
}

fn same(job: &JobRow, what: ExportWhat, round_id: &str) -> bool {
    payload_of(job).is_some_and(|p| p.what == what && p.round_id == round_id)
}

fn payload_of(job: &JobRow) -> Option<ExportPayload> {
    serde_json::from_str(&job.payload).ok()
}

/// The person's exports, newest first.
pub async fn mine(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
) -> Result<Vec<ExportLine>, AppError> {
    let jobs = state
        .store
        .jobs_requested_by(&user.user.username, JobKind::Export, LISTED)
        .await?;
    Ok(jobs
        .iter()
        .filter_map(|job| {
            let payload = payload_of(job)?;
            let job_state = JobState::parse(&job.state)?;
            let file: Option<ExportFile> = (job_state == JobState::Done)
                .then(|| {
                    job.outcome
                        .as_deref()
                        .and_then(|o| serde_json::from_str(o).ok())
                })
                .flatten();
            let (zh, en) = job_state.name();
            Some(ExportLine {
                id: job.id.clone(),
                what: payload.what.key().to_string(),
                what_name: payload.what.name(lang).to_string(),
                round_id: payload.round_id,
                state: job_state.key().to_string(),
                state_name: lang.pick(zh, en).to_string(),
                asked_at: job.created_at,
                finished_at: job.finished_at,
                file_name: file.as_ref().map(|f| f.name.clone()),
                bytes: file.as_ref().map(|f| f.bytes),
                documents: file.as_ref().map(|f| f.documents),
                skipped: file.as_ref().map(|f| f.skipped.clone()).unwrap_or_default(),
                error: (job_state != JobState::Done)
                    .then(|| job.last_error.clone())
                    .flatten(),
                download: file.as_ref().map(|_| format!("/exports/{}/file", job.id)),
                kept_until: job
                    .finished_at
                    .filter(|_| file.is_some())
                    .map(|at| at + KEEP_DONE_MS),
            })
        })
        .collect())
}

/// The file an export of the person's made; not found for anyone else's, or before it is done.
pub async fn file(state: &AppState, user: &CurrentUser, id: &str) -> Result<Download, AppError> {
    let job = state.store.job(id).await?.ok_or(AppError::NotFound)?;
    if job.requested_by.as_deref() != Some(user.user.username.as_str())
        || job.kind != JobKind::Export.key()
        || job.state != JobState::Done.key()
    {
        return Err(AppError::NotFound);
    }
    let made: ExportFile = job
        .outcome
        .as_deref()
        .and_then(|o| serde_json::from_str(o).ok())
        .ok_or(AppError::NotFound)?;
    let bytes = state
        .files
        .get(&made.file)
        .await
        .map_err(|_| AppError::NotFound)?;
    let content_type = if made.name.ends_with(".zip") {
        "application/zip"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    Ok(Download {
        content_type: content_type.to_string(),
        file_name: made.name,
        bytes,
    })
}

/// Makes a claimed export (the job worker calls it); what it made, or why it failed.
pub async fn run(
    state: &AppState,
    owner: &str,
    job: &ClaimedJob,
) -> Result<serde_json::Value, String> {
    let payload: ExportPayload =
        serde_json::from_str(&job.payload).map_err(|e| format!("payload: {e}"))?;
    let lang = if payload.lang == "en" {
        Lang::En
    } else {
        Lang::Zh
    };
    let user = person(state, &payload.username).await?;
    let made = match payload.what {
        ExportWhat::Workbook => {
            let download = crate::rounds::report::round_workbook(
                state,
                &user,
                &payload.round_id,
                Freshness::MayLag,
                lang,
            )
            .await
            .map_err(|e| e.as_text())?;
            keep(state, download.file_name, download.bytes, 0, Vec::new()).await?
        }
        ExportWhat::Documents => documents(state, owner, job, &user, &payload, lang).await?,
    };
    serde_json::to_value(&made).map_err(|e| e.to_string())
}

async fn person(state: &AppState, username: &str) -> Result<CurrentUser, String> {
    let row = state
        .store
        .user_by_username(username)
        .await
        .map_err(|e| format!("{e:#}"))?
        .ok_or_else(|| format!("the account {username} no longer exists"))?;
    crate::app::auth::person(state, row, String::new(), 0)
        .await
        .map_err(|e| format!("{e:#}"))?
        .ok_or_else(|| format!("the account {username} has no role or region"))
}

/// Every document the person may download for the round, issued as needed (the one already
/// issued when nothing changed), in one ZIP; the job's lease is kept while it runs.
async fn documents(
    state: &AppState,
    owner: &str,
    job: &ClaimedJob,
    user: &CurrentUser,
    payload: &ExportPayload,
    lang: Lang,
) -> Result<ExportFile, String> {
    use crate::documents::service::{available, issue};
    use xingfu_core::documents::DocumentKind;

    let round_id = payload.round_id.as_str();
    let list = available(state, user, round_id, lang)
        .await
        .map_err(|e| e.as_text())?;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // PDFs are compressed already.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut renewed = now_ms();
    let (mut count, mut skipped) = (0, Vec::new());
    for doc in &list {
        if now_ms() - renewed > RENEW_EVERY_MS {
            renewed = now_ms();
            let kept = state
                .store
                .renew_job_lease(&job.id, owner, renewed)
                .await
                .map_err(|e| format!("{e:#}"))?;
            if !kept {
                return Err("the job's lease was lost: another server runs it".to_string());
            }
        }
        let Some(kind) = DocumentKind::parse(&doc.kind) else {
            continue;
        };
        match issue(
            state,
            user,
            round_id,
            (kind, &doc.target),
            &payload.public_base,
            lang,
        )
        .await
        {
            Ok(issued) => {
                let name = format!(
                    "{}-{}-{}.pdf",
                    doc.kind_name,
                    crate::app::files::clean_file_name(&doc.target_name),
                    issued.row.serial
                );
                zip.start_file(name, options).map_err(|e| e.to_string())?;
                zip.write_all(&issued.pdf).map_err(|e| e.to_string())?;
                count += 1;
            }
            Err(e) => skipped.push(format!("{}{}{}", doc.kind_name, lang.colon(), e.as_text())),
        }
    }
    if count == 0 && skipped.is_empty() {
        return Err(lang
            .pick(
                "这一评选年度暂时没有可出具的文件",
                "no document can be issued for this round yet",
            )
            .to_string());
    }
    let bytes = zip.finish().map_err(|e| e.to_string())?.into_inner();
    let round = state
        .store
        .round(round_id)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let name = match round {
        Some(r) => format!("documents-{}-{}.zip", r.year, user.user.region_code),
        None => format!("documents-{round_id}.zip"),
    };
    keep(state, name, bytes, count, skipped).await
}

async fn keep(
    state: &AppState,
    name: String,
    bytes: Vec<u8>,
    documents: i64,
    skipped: Vec<String>,
) -> Result<ExportFile, String> {
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let file = state.files.put(bytes).await.map_err(|e| format!("{e:#}"))?;
    Ok(ExportFile {
        file,
        name,
        bytes: size,
        documents,
        skipped,
    })
}

/// Removes the files of the exports the clear-out at `now` removes; returns how many.
pub async fn remove_old_files(state: &AppState, now: i64) -> Result<usize, AppError> {
    let old = state.store.jobs_to_prune(JobKind::Export, now).await?;
    let mut removed = 0;
    for job in old {
        let made: Option<ExportFile> = job
            .outcome
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok());
        if let Some(made) = made
            && state.files.delete(&made.file).await.is_ok()
        {
            removed += 1;
        }
    }
    Ok(removed)
}
