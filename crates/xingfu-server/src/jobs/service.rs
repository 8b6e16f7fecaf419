//! What administrators see of the queue: the jobs of their area and of the whole platform,
//! with their state, and queuing a failed job again.

use std::collections::BTreeMap;

use xingfu_core::jobs::JobState;
use xingfu_core::region::subtree_prefix;
use xingfu_core::workflow::Role;
use xingfu_store::jobs::JobRow;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, Stale};
use crate::app::state::AppState;
use crate::i18n::Lang;

/// How many jobs the list shows at most.
pub const LIST_LIMIT: i64 = 200;

/// The jobs an administrator sees.
pub struct Listing {
    /// Per state, in [`JobState::ALL`]'s order.
    pub counts: [i64; 4],
    pub jobs: Vec<JobRow>,
    /// Area code → name, for the jobs that concern an area.
    pub area_names: BTreeMap<String, String>,
}

/// City, district and street administrators see the queue: jobs of the whole platform and of
/// their own area.
pub fn may_see_jobs(user: &CurrentUser) -> bool {
    user.role.level().is_some()
}

/// A failed job may be queued again by an administrator of its area, or for a job of the whole
/// platform by a city administrator.
pub fn may_requeue(user: &CurrentUser, job: &JobRow) -> bool {
    match &job.area {
        Some(area) => may_see_jobs(user) && user.actor().covers(area),
        None => user.role == Role::CityAdmin,
    }
}

fn refuse(lang: Lang) -> AppError {
    AppError::Forbidden(lang.text(
        "后台任务只有市、区、街道管理员可以查看",
        "only city, district and street administrators see the background jobs",
    ))
}

fn prefix(user: &CurrentUser) -> &str {
    subtree_prefix(&user.user.region_code, &user.region_level)
}

/// The newest jobs the administrator sees, in `state` or all.
pub async fn listing(
    state: &AppState,
    user: &CurrentUser,
    filter: Option<JobState>,
    lang: Lang,
) -> Result<Listing, AppError> {
    if !may_see_jobs(user) {
        return Err(refuse(lang));
    }
    let counts = state.store.job_counts(prefix(user)).await?;
    let jobs = state.store.jobs(prefix(user), filter, LIST_LIMIT).await?;
    let mut area_names = BTreeMap::new();
    for code in jobs.iter().filter_map(|j| j.area.as_ref()) {
        if !area_names.contains_key(code)
            && let Some(region) = state.store.region(code).await?
        {
            area_names.insert(code.clone(), region.name);
        }
    }
    Ok(Listing {
        counts,
        jobs,
        area_names,
    })
}

/// Queues a failed job again from its first attempt, if it is still as the administrator saw it
/// (`version`); otherwise [`AppError::Stale`] and nothing changes.
pub async fn requeue(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    version: i64,
    now: i64,
    lang: Lang,
) -> Result<JobRow, AppError> {
    if !may_see_jobs(user) {
        return Err(refuse(lang));
    }
    let Some(job) = state.store.job(id).await? else {
        return Err(AppError::NotFound);
    };
    if !may_requeue(user, &job) {
        return Err(AppError::Forbidden(lang.text(
            "这个任务只能由市级管理员或任务所属地区的管理员重新排队",
            "only a city administrator or an administrator of the job's area may queue it again",
        )));
    }
    if state.store.requeue_job(id, version, now).await? {
        return Ok(job);
    }
    let shown = JobState::parse(&job.state).map_or(("?", "?"), JobState::name);
    Err(AppError::Stale(Stale {
        message: lang.text(
            format!(
                "您打开页面之后这个任务已经变化（现在：{}），没有重新排队。请看任务列表中它现在的状态。",
                shown.0
            ),
            format!(
                "the job changed after you opened the page (now: {}); it was not queued again. See its state in the list.",
                shown.1
            ),
        ),
        version: job.version,
    }))
}
