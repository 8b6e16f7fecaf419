//! The rectification pages (整改): the round's task list with its forms, opening tasks for a
//! community's unmet clauses, and the task steps (report, verify, send back). The rules are the
//! service's ([`crate::rounds::rectifications`]).

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use xingfu_core::rectification::TaskStep;

use super::headings::{region_name, round_heading, round_page};
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::rounds::rectifications::{TaskRefusal, may_move, move_task, open_tasks, status_label};
use crate::web::page::{Page, PageResult, render, when};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

/// A rectification form sent back: the community, the deadline as typed, and what is wrong.
struct OpenForm {
    code: String,
    deadline: String,
    error: String,
}

/// A report form sent back: the task, the report as typed, and what is wrong.
struct SubmitError {
    id: String,
    report: String,
    error: String,
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

#[derive(serde::Deserialize, Default)]
pub struct TasksQuery {
    #[serde(default)]
    opened: Option<String>,
}

/// GET /rounds/{round}/rectifications
pub async fn rectifications(
    visit: Visit,
    Path(round_id): Path<String>,
    Query(query): Query<TasksQuery>,
) -> PageResult {
    let lang = visit.lang;
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
    let sent_back = SentBack::default();
    render_tasks(&visit, &round_id, sent_back, notice).await
}

/// A form sent back for correction, with the status the page is answered with.
#[derive(Default)]
struct SentBack {
    open: Option<OpenForm>,
    submit: Option<SubmitError>,
}

/// The task list with a form sent back for correction, answered with `status`.
async fn sent_back_page(
    visit: &Visit,
    round_id: &str,
    sent_back: SentBack,
    status: StatusCode,
) -> PageResult {
    let mut response = render_tasks(visit, round_id, sent_back, None).await?;
    *response.status_mut() = status;
    Ok(response)
}

async fn render_tasks(
    visit: &Visit,
    round_id: &str,
    SentBack { open, submit }: SentBack,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
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
            Some(OpenFormView {
                name: region_name(state, &form.code).await?,
                code: form.code,
                deadline: form.deadline,
                error: form.error,
            })
        }
        None => None,
    };
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let tasks: Vec<_> = state
        .store
        .rectifications_in_area(round_id, prefix)
        .await?
        .into_iter()
        .filter(|(task, _)| user.actor().covers(&task.community_code))
        .collect();
    // Who verified, by name.
    let mut people = crate::rounds::history::People::default();
    let mut verifiers = std::collections::HashMap::new();
    for (task, _) in &tasks {
        if let Some(by) = &task.verified_by {
            verifiers.insert(by.clone(), people.name(state, by).await?);
        }
    }
    let tasks = tasks
        .into_iter()
        .map(|(task, community)| {
            let clause = standard.clause(&task.clause_id);
            let sent_back = submit.as_ref().filter(|s| s.id == task.id);
            let can_submit = may_move(user, TaskStep::Submit, &task.community_code, task.status);
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
                overdue: task.status.awaits_report() && now > task.deadline,
                status: status_label(lang, task.status),
                report: task.report.clone().unwrap_or_default(),
                verified: match (&task.verified_by, task.verified_at) {
                    (Some(by), Some(at)) => format!(
                        "{} {}",
                        verifiers.get(by).map_or(by.as_str(), String::as_str),
                        when(at)
                    ),
                    _ => String::new(),
                },
                can_submit,
                can_verify: may_move(user, TaskStep::Verify, &task.community_code, task.status),
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
        page: round_page(
            visit,
            round_id,
            "rectifications",
            t.wf_rectifications,
            &heading,
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
pub struct RectifyInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    deadline: String,
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

crate::csrf_forms!(RectifyInput, TaskInput);

/// POST /rounds/{round}/communities/{code}/rectify: opens a task for every unmet clause.
pub async fn rectify(
    Path((round_id, code)): Path<(String, String)>,
    Posted {
        v: visit,
        form: input,
    }: Posted<RectifyInput>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    match open_tasks(state, user, (&round_id, &code), &input.deadline, lang).await? {
        Ok(opened) => Ok(Redirect::to(&format!(
            "/rounds/{round_id}/rectifications?opened={opened}"
        ))
        .into_response()),
        // A bad deadline: the form again, with what was typed and the reason.
        Err(message) => {
            let open = OpenForm {
                code,
                deadline: input.deadline,
                error: message,
            };
            let sent_back = SentBack {
                open: Some(open),
                submit: None,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            sent_back_page(&visit, &round_id, sent_back, status).await
        }
    }
}

async fn task_step(
    (round_id, id): (String, String),
    Posted {
        v: visit,
        form: input,
    }: Posted<TaskInput>,
    step: TaskStep,
) -> PageResult {
    let lang = visit.lang;
    let read_at = crate::web::page::form_version(lang, input.version.as_deref())?;
    let moved = move_task(
        &visit.state,
        &visit.user,
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
            return Ok(Redirect::to(&format!("/rounds/{round_id}/rectifications")).into_response());
        }
        Err(TaskRefusal::Report(problem)) => (problem, StatusCode::UNPROCESSABLE_ENTITY),
        Err(TaskRefusal::Refused(AppError::Stale(stale))) => (stale.message, StatusCode::CONFLICT),
        Err(TaskRefusal::Refused(e)) => return Err(e),
    };
    let submit = SubmitError {
        id,
        report: input.report,
        error: problem,
    };
    let sent_back = SentBack {
        open: None,
        submit: Some(submit),
    };
    sent_back_page(&visit, &round_id, sent_back, status).await
}

macro_rules! task_handler {
    ($name:ident, $step:expr) => {
        pub async fn $name(
            Path(which): Path<(String, String)>,
            posted: Posted<TaskInput>,
        ) -> PageResult {
            task_step(which, posted, $step).await
        }
    };
}

task_handler!(submit, TaskStep::Submit);
task_handler!(verify, TaskStep::Verify);
task_handler!(reopen, TaskStep::Reopen);
