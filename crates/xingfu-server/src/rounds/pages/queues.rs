//! The round's work lists: the approval queue (what this user may approve now), the publication
//! list (公示) with naming, and the rectification tasks (整改) with their reports and checks.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use xingfu_core::workflow::{Role, Stage};
use xingfu_store::rounds::{By, EntryRow, RectificationRow, RoundRow, TaskAt};

use super::actions::admin_of;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::app::versions;
use crate::i18n::Lang;
use crate::rounds::service;
use crate::web::page::when;
use crate::web::page::{Page, decision_label, error_page, points, render, star_text, stars, yuan};

/// Longest rectification report kept, in characters.
const MAX_REPORT: usize = 2000;

/// A round's heading ("2013年度 鹿城区") and the round.
async fn round_heading(
    state: &AppState,
    lang: Lang,
    round_id: &str,
) -> Result<(RoundRow, String), AppError> {
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let region = state
        .store
        .region(&round.region_code)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let heading = if lang.is_en() {
        format!("{} {region}", round.year)
    } else {
        format!("{}年度 {region}", round.year)
    };
    Ok((round, heading))
}

/// The round's entries at `stages` inside the user's area (read by stage, not the whole round).
async fn entries_at(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    stages: &[Stage],
) -> Result<Vec<EntryRow>, AppError> {
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let keys: Vec<&str> = stages.iter().map(|s| s.key()).collect();
    Ok(state
        .store
        .entries_at_stages(round_id, prefix, &keys)
        .await?
        .into_iter()
        .filter(|e| user.actor().covers(&e.community_code))
        .collect())
}

pub struct QueueLine {
    pub code: String,
    pub name: String,
    pub street: String,
    pub total: String,
    pub stars: String,
    pub star_text: String,
    pub previous: String,
    pub decision: String,
    pub reward: String,
}

fn queue_line(lang: Lang, e: &EntryRow) -> QueueLine {
    QueueLine {
        code: e.community_code.clone(),
        name: e.community_name.clone(),
        street: e.street_name.clone().unwrap_or_default(),
        total: points(e.total),
        stars: stars(e.star.unwrap_or(0)),
        star_text: star_text(lang, e.star),
        previous: star_text(lang, Some(e.previous_star)),
        decision: decision_label(lang, e.decision.as_deref()),
        reward: yuan(e.reward_fen),
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    page: Page,
    round_id: String,
    heading: String,
    lines: Vec<QueueLine>,
    csrf: String,
}

/// GET /rounds/{round}/approvals: entries awaiting approval that this user may approve.
pub async fn approvals(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let (round, heading) = round_heading(&state, lang, &round_id).await?;
        let standard = state
            .standard(&round.standard_id, &round.standard_version)
            .await?;
        let lines = entries_at(&state, &user, &round_id, &[Stage::Computed])
            .await?
            .iter()
            .filter(|e| service::may_decide(&user, &standard, e).is_ok())
            .map(|e| queue_line(lang, e))
            .collect();
        render(ApprovalsPage {
            page: Page::new(
                &jar,
                Some(user.clone()),
                &format!("/rounds/{round_id}/approvals"),
                format!("{} · {heading}", lang.t().wf_approvals),
            ),
            round_id: round_id.clone(),
            heading,
            lines,
            csrf: user.csrf.clone(),
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

pub struct PublicationLine {
    pub line: QueueLine,
    pub published: String,
    pub until: String,
    pub named: String,
    pub can_name: bool,
}

#[derive(Template)]
#[template(path = "publication.html")]
struct PublicationPage {
    page: Page,
    round_id: String,
    heading: String,
    /// Approved, not yet published; (line, may this user publish it).
    waiting: Vec<(QueueLine, bool)>,
    lines: Vec<PublicationLine>,
    csrf: String,
}

/// GET /rounds/{round}/publication: entries published for objections or named.
pub async fn publication(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let t = lang.t();
        let (_, heading) = round_heading(&state, lang, &round_id).await?;
        let entries = entries_at(
            &state,
            &user,
            &round_id,
            &[Stage::Approved, Stage::Published, Stage::Named],
        )
        .await?;
        let round = state
            .store
            .round(&round_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let standard = state
            .standard(&round.standard_id, &round.standard_version)
            .await?;
        let now = now_ms();
        let waiting = entries
            .iter()
            .filter(|e| e.stage == Stage::Approved.key())
            .map(|e| (queue_line(lang, e), admin_of(&user, &e.community_code)))
            .collect();
        let lines = entries
            .iter()
            .filter(|e| e.stage == Stage::Published.key() || e.stage == Stage::Named.key())
            .map(|e| {
                let over = e.objection_until.is_some_and(|until| now >= until);
                let named = match e.named_at {
                    Some(at) if e.stage == Stage::Named.key() => {
                        format!("{} {}", t.wf_named, when(at))
                    }
                    _ if over => t.wf_not_named_yet.to_string(),
                    _ => t.wf_in_objection_period.to_string(),
                };
                PublicationLine {
                    line: queue_line(lang, e),
                    published: e.published_at.map(when).unwrap_or_default(),
                    until: e.objection_until.map(when).unwrap_or_default(),
                    named,
                    // Naming is for the level that approves the star (4–5★: the city).
                    can_name: e.stage == Stage::Published.key()
                        && over
                        && service::may_decide(&user, &standard, e).is_ok(),
                }
            })
            .collect();
        render(PublicationPage {
            page: Page::new(
                &jar,
                Some(user.clone()),
                &format!("/rounds/{round_id}/publication"),
                format!("{} · {heading}", t.wf_publication),
            ),
            round_id: round_id.clone(),
            heading,
            waiting,
            lines,
            csrf: user.csrf.clone(),
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// A rectification form sent back: the community, the deadline as typed, and what is wrong.
pub struct OpenForm {
    pub code: String,
    pub deadline: String,
    pub error: String,
}

/// A report form sent back: the task, the report as typed, and what is wrong.
pub struct SubmitError {
    pub id: String,
    pub report: String,
    pub error: String,
}

pub struct OpenFormView {
    pub code: String,
    pub name: String,
    pub deadline: String,
    pub error: String,
}

pub struct TaskLine {
    pub id: String,
    pub code: String,
    pub community: String,
    pub clause: String,
    pub clause_text: String,
    pub owner: String,
    pub deadline: String,
    pub overdue: bool,
    pub status: String,
    pub report: String,
    pub verified: String,
    pub can_submit: bool,
    pub can_verify: bool,
    /// The report field's content (what was typed, when sent back).
    pub report_value: String,
    pub error: Option<String>,
    /// The task's version, carried by its forms.
    pub version: i64,
}

#[derive(Template)]
#[template(path = "rectifications.html")]
struct RectificationsPage {
    page: Page,
    round_id: String,
    heading: String,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    open_form: Option<OpenFormView>,
    tasks: Vec<TaskLine>,
    csrf: String,
}

/// A task's status in words.
pub fn status_label(lang: Lang, status: &str) -> String {
    let (zh, en) = match status {
        "open" => ("待整改", "to do"),
        "submitted" => ("已提交", "submitted"),
        "verified" => ("已验收", "verified"),
        "reopened" => ("退回", "sent back"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}

fn may_submit(user: &CurrentUser, code: &str, status: &str) -> bool {
    user.role == Role::CommunityWorker
        && user.actor().covers(code)
        && matches!(status, "open" | "reopened")
}

fn may_verify(user: &CurrentUser, code: &str, status: &str) -> bool {
    matches!(user.role, Role::StreetAdmin | Role::DistrictAdmin)
        && user.actor().covers(code)
        && status == "submitted"
}

#[derive(serde::Deserialize, Default)]
pub struct TasksQuery {
    #[serde(default)]
    opened: Option<String>,
}

/// GET /rounds/{round}/rectifications
pub async fn rectifications(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
    Query(query): Query<TasksQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = query
        .opened
        .as_deref()
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| {
            if lang.is_en() {
                format!("Opened {n} rectification task(s).")
            } else {
                format!("已开立 {n} 项整改任务。")
            }
        });
    match render_tasks(&state, &jar, &user, &round_id, None, None, notice).await {
        Ok(response) => response,
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// The rectification page with a form sent back for correction.
pub async fn rectifications_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    round_id: &str,
    open: Option<OpenForm>,
    submit: Option<SubmitError>,
) -> Result<Response, AppError> {
    render_tasks(state, jar, user, round_id, open, submit, None).await
}

async fn render_tasks(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    round_id: &str,
    open: Option<OpenForm>,
    submit: Option<SubmitError>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let t = lang.t();
    let (round, heading) = round_heading(state, lang, round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let now = now_ms();
    let mut errors = Vec::new();
    let open_form = match open {
        Some(form) => {
            errors.push(("deadline".to_string(), form.error.clone()));
            let name = state
                .store
                .region(&form.code)
                .await?
                .map(|r| r.name)
                .unwrap_or_default();
            Some(OpenFormView {
                name,
                code: form.code,
                deadline: form.deadline,
                error: form.error,
            })
        }
        None => None,
    };
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let tasks = state
        .store
        .rectifications_in_area(round_id, prefix)
        .await?
        .into_iter()
        .filter(|(task, _)| user.actor().covers(&task.community_code))
        .map(|(task, community)| {
            let clause = standard.clause(&task.clause_id);
            let sent_back = submit.as_ref().filter(|s| s.id == task.id);
            let can_submit = may_submit(user, &task.community_code, &task.status);
            if let Some(sent_back) = sent_back {
                // The report field when this user has one, else the task's row.
                let anchor = if can_submit { "report" } else { "task" };
                errors.push((format!("{anchor}-{}", task.id), sent_back.error.clone()));
            }
            TaskLine {
                community,
                clause_text: clause
                    .map(|c| {
                        lang.pick(&c.text, c.text_en.as_deref().unwrap_or(&c.text))
                            .to_string()
                    })
                    .unwrap_or_default(),
                deadline: when(task.deadline),
                overdue: matches!(task.status.as_str(), "open" | "reopened") && now > task.deadline,
                status: status_label(lang, &task.status),
                report: task.report.clone().unwrap_or_default(),
                verified: match (&task.verified_by, task.verified_at) {
                    (Some(by), Some(at)) => format!("{by} {}", when(at)),
                    _ => String::new(),
                },
                can_submit,
                can_verify: may_verify(user, &task.community_code, &task.status),
                report_value: sent_back
                    .map(|s| s.report.clone())
                    .or_else(|| task.report.clone())
                    .unwrap_or_default(),
                error: sent_back.map(|s| s.error.clone()),
                version: task.version,
                id: task.id,
                code: task.community_code,
                clause: task.clause_id,
                owner: task.owner,
            }
        })
        .collect();
    render(RectificationsPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            &format!("/rounds/{round_id}/rectifications"),
            format!("{} · {heading}", t.wf_rectifications),
        ),
        round_id: round_id.to_string(),
        heading,
        notice,
        errors,
        open_form,
        tasks,
        csrf: user.csrf.clone(),
    })
}

#[derive(serde::Deserialize)]
pub struct TaskInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    report: String,
    /// The task's version when the page was read.
    #[serde(default)]
    version: Option<String>,
}

#[derive(Clone, Copy)]
pub(crate) enum TaskStep {
    Submit,
    Verify,
    Reopen,
}

/// Why a rectification step did not happen.
pub(crate) enum TaskRefusal {
    /// The report is missing or too long: the message names the field.
    Report(String),
    Refused(AppError),
}

impl From<AppError> for TaskRefusal {
    fn from(error: AppError) -> Self {
        TaskRefusal::Refused(error)
    }
}

impl From<xingfu_store::StoreError> for TaskRefusal {
    fn from(error: xingfu_store::StoreError) -> Self {
        TaskRefusal::Refused(error.into())
    }
}

/// Moves a rectification task one step (the pages' and the API's rule): a community worker
/// submits the report on an open or reopened task; a street or district administrator verifies
/// or reopens a submitted one. A task moved by someone else meanwhile is a conflict; with
/// `read_at` (the version a page was read at), so is a task changed since then — a verifier never
/// verifies a report submitted again after the page showed the earlier one.
pub(crate) async fn move_task(
    state: &AppState,
    user: &CurrentUser,
    (round_id, id): (&str, &str),
    step: TaskStep,
    report: &str,
    read_at: Option<i64>,
    lang: Lang,
) -> Result<RectificationRow, TaskRefusal> {
    let task = state
        .store
        .rectification(id)
        .await?
        .filter(|task| task.round_id == round_id)
        .ok_or(AppError::NotFound)?;
    if !user.actor().covers(&task.community_code) {
        return Err(AppError::Forbidden(lang.t().forbidden.into()).into());
    }
    if read_at.is_some_and(|read_at| read_at != task.version) {
        return Err(task_stale(state, &task, lang).await.into());
    }
    let from = TaskAt {
        status: &task.status,
        version: task.version,
    };
    let by = By {
        actor: &user.user.username,
        at: now_ms(),
    };
    let moved = match step {
        TaskStep::Submit => {
            if !may_submit(user, &task.community_code, &task.status) {
                return Err(refusal(lang, user, &task.status, true).into());
            }
            let report = report.trim();
            if report.is_empty() {
                return Err(TaskRefusal::Report(
                    lang.pick(
                        "整改情况:请写明整改了什么、佐证材料在哪里",
                        "Report: say what was done and where the evidence is",
                    )
                    .into(),
                ));
            }
            if report.chars().count() > MAX_REPORT {
                return Err(TaskRefusal::Report(
                    lang.pick(
                        "整改情况:不能超过 2000 字",
                        "Report: at most 2000 characters",
                    )
                    .into(),
                ));
            }
            state
                .store
                .update_rectification(&task.id, from, "submitted", Some(report), None, by)
                .await?
        }
        TaskStep::Verify | TaskStep::Reopen => {
            if !may_verify(user, &task.community_code, &task.status) {
                return Err(refusal(lang, user, &task.status, false).into());
            }
            let status = if matches!(step, TaskStep::Verify) {
                "verified"
            } else {
                "reopened"
            };
            state
                .store
                .update_rectification(&task.id, from, status, None, Some(&user.user.username), by)
                .await?
        }
    };
    match moved {
        Ok(row) => Ok(row),
        Err(_) => {
            let now = state.store.rectification(id).await?.unwrap_or(task);
            Err(task_stale(state, &now, lang).await.into())
        }
    }
}

/// The refusal of a step on a task changed since it was read, naming the last step's author
/// from the audit trail.
async fn task_stale(state: &AppState, task: &RectificationRow, lang: Lang) -> AppError {
    let marker = format!("\"rectification\":\"{}\"", task.id);
    let last = match state.store.audit_for_community(&task.community_code).await {
        Ok(trail) => trail.into_iter().rev().find(|row| {
            row.action == "rectification"
                && row.after.as_deref().is_some_and(|a| a.contains(&marker))
        }),
        Err(error) => return error.into(),
    };
    versions::stale(
        state,
        lang.is_en(),
        versions::TASK,
        task.version,
        last.as_ref().map(|row| row.actor.as_str()),
        last.as_ref().map(|row| row.at),
    )
    .await
}

async fn task_step(
    state: AppState,
    jar: CookieJar,
    user: CurrentUser,
    round_id: String,
    id: String,
    input: TaskInput,
    step: TaskStep,
) -> Response {
    let lang = Lang::from_jar(&jar);
    if let Err(e) = user.check_csrf(&input.csrf) {
        return error_page(&jar, Some(user), e);
    }
    let read_at = match crate::web::page::form_version(lang, input.version.as_deref()) {
        Ok(version) => version,
        Err(e) => return error_page(&jar, Some(user), e),
    };
    let moved = move_task(
        &state,
        &user,
        (&round_id, &id),
        step,
        &input.report,
        Some(read_at),
        lang,
    )
    .await;
    // A refused step shows the list again, the typed report kept, the reason by the task.
    let (problem, status) = match moved {
        Ok(_) => {
            return Redirect::to(&format!("/rounds/{round_id}/rectifications")).into_response();
        }
        Err(TaskRefusal::Report(problem)) => (problem, StatusCode::UNPROCESSABLE_ENTITY),
        Err(TaskRefusal::Refused(AppError::Stale(stale))) => (stale.message, StatusCode::CONFLICT),
        Err(TaskRefusal::Refused(e)) => return error_page(&jar, Some(user), e),
    };
    let sent_back = SubmitError {
        id,
        report: input.report,
        error: problem,
    };
    match rectifications_page(&state, &jar, &user, &round_id, None, Some(sent_back)).await {
        Ok(mut response) => {
            *response.status_mut() = status;
            response
        }
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// Why a task step is refused: the wrong role, or the task is not at that step.
fn refusal(lang: Lang, user: &CurrentUser, status: &str, submitting: bool) -> AppError {
    let role_ok = if submitting {
        user.role == Role::CommunityWorker
    } else {
        matches!(user.role, Role::StreetAdmin | Role::DistrictAdmin)
    };
    if !role_ok {
        return AppError::Forbidden(
            if submitting {
                lang.pick(
                    "只有社区工作者可以提交整改情况",
                    "only a community worker submits the report",
                )
            } else {
                lang.pick(
                    "只有街道或区级管理员可以验收或退回整改",
                    "only a street or district administrator verifies or sends back a task",
                )
            }
            .into(),
        );
    }
    AppError::Conflict(if lang.is_en() {
        format!(
            "this task is {} and cannot be changed that way",
            status_label(lang, status)
        )
    } else {
        format!(
            "该任务状态为“{}”,不能执行此操作",
            status_label(lang, status)
        )
    })
}

macro_rules! task_handler {
    ($name:ident, $step:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            jar: CookieJar,
            user: CurrentUser,
            Path((round_id, id)): Path<(String, String)>,
            Form(input): Form<TaskInput>,
        ) -> Response {
            task_step(state, jar, user, round_id, id, input, $step).await
        }
    };
}

task_handler!(submit, TaskStep::Submit);
task_handler!(verify, TaskStep::Verify);
task_handler!(reopen, TaskStep::Reopen);
