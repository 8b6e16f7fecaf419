//! `GET /api/v1/jobs`: the background jobs the caller administers, as the `/jobs` page shows.

use axum::Json;
use axum::extract::Query;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xingfu_core::jobs::{JobKind, JobState};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service;
use crate::app::state::AppState;
use crate::web::api_call::{Api, ApiResult};
use crate::web::api_error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// `queued`, `running`, `done` or `failed`; all when absent.
    pub state: Option<String>,
}

/// One job.
#[derive(Debug, Serialize, ToSchema)]
pub struct Job {
    pub id: String,
    /// `deadline_sweep`, `reminders`, `deliveries`, `coverage`, `prune` or `export`.
    #[schema(example = "coverage")]
    pub kind: String,
    /// The kind in the request's language.
    pub kind_name: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// The region the job concerns; absent for the whole platform.
    pub area: Option<String>,
    pub area_name: Option<String>,
    /// Attempts made so far (at most 4).
    pub attempts: i64,
    /// Unix milliseconds: when it was queued, started (its last attempt), finished.
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    /// When a queued job runs next (Unix milliseconds).
    pub run_at_ms: i64,
    /// What a done job did: counts by name, as JSON text.
    pub outcome: Option<String>,
    /// Why its last attempt failed.
    pub last_error: Option<String>,
}

/// Jobs per state and the newest jobs (at most 200), newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Jobs {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
    pub items: Vec<Job>,
}

/// The background jobs of the whole platform and of the caller's area (administrators).
#[utoipa::path(
    get,
    path = "/jobs",
    operation_id = "jobs",
    tag = "jobs",
    params(JobsQuery),
    responses(
        (status = 200, description = "The jobs", body = Jobs),
        (status = 400, description = "An unknown state", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
pub async fn list(api: Api, Query(query): Query<JobsQuery>) -> ApiResult<Jobs> {
    let filter = match query.state.as_deref() {
        None | Some("") => None,
        Some(text) => Some(JobState::parse(text).ok_or_else(|| {
            ApiError::bad_request(api.lang.pick(
                "state：须为 queued、running、done 或 failed",
                "state: must be queued, running, done or failed",
            ))
        })?),
    };
    let listing = service::listing(&api.state, &api.user, filter, api.lang)
        .await
        .map_err(api.app())?;
    let [queued, running, done, failed] = listing.counts;
    let items = listing
        .jobs
        .into_iter()
        .map(|row| Job {
            kind_name: JobKind::parse(&row.kind)
                .map(|k| api.lang.pick(k.name().0, k.name().1).to_string())
                .unwrap_or_default(),
            area_name: row
                .area
                .as_ref()
                .and_then(|a| listing.area_names.get(a).cloned()),
            id: row.id,
            kind: row.kind,
            state: row.state,
            area: row.area,
            attempts: row.attempts,
            created_ms: row.created_at,
            started_ms: row.started_at,
            finished_ms: row.finished_at,
            run_at_ms: row.run_at,
            outcome: row.outcome,
            last_error: row.last_error,
        })
        .collect();
    Ok(Json(Jobs {
        queued,
        running,
        done,
        failed,
        items,
    }))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(list))
}
