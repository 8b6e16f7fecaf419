//! `GET /api/v1/todo`: the caller's 待办 as JSON, the same list as the workbench page.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service;
use crate::app::clock::now_ms;
use crate::app::state::AppState;
use crate::web::api_call::{Api, ApiResult};

/// One thing waiting for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct TodoLine {
    /// The kind's key, e.g. `check_declaration`, `score_sheet`, `approve_result`.
    #[schema(example = "check_declaration")]
    pub kind: String,
    /// What to do, in the request's language.
    #[schema(example = "资格审查")]
    pub action: String,
    /// What it is about, by name.
    #[schema(example = "鼓楼社区")]
    pub subject: String,
    /// Where or in what (the round, the area).
    #[schema(example = "2013年度 鹿城区")]
    pub context: String,
    /// The deadline in Unix milliseconds, when there is one.
    pub due_ms: Option<i64>,
    /// Past its deadline now.
    pub overdue: bool,
    /// The page that does it, a path on this site.
    #[schema(example = "/rounds/abc/communities/330302006044")]
    pub link: String,
}

/// How many items of one kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: usize,
}

/// The caller's 待办: overdue first, then by deadline, then the rest in workflow order.
#[derive(Debug, Serialize, ToSchema)]
pub struct TodoList {
    pub items: Vec<TodoLine>,
    /// Kinds with at least one item, in workflow order.
    pub counts: Vec<KindCount>,
    /// How many items are overdue.
    pub overdue: usize,
}

/// What waits for the caller across every feature (the workbench page's list).
#[utoipa::path(
    get,
    path = "/todo",
    operation_id = "todo",
    tag = "todo",
    responses(
        (status = 200, description = "The caller's to-do list", body = TodoList),
    )
)]
pub async fn todo(api: Api) -> ApiResult<TodoList> {
    let bench = service::workbench(&api.state, &api.user, now_ms())
        .await
        .map_err(api.app())?;
    let now = bench.now_ms;
    let items = bench
        .items
        .into_iter()
        .map(|item| {
            let (zh, en) = item.kind.action();
            TodoLine {
                kind: item.kind.key().to_string(),
                action: api.lang.pick(zh, en).to_string(),
                overdue: item.is_overdue(now),
                subject: item.subject,
                context: item.context,
                due_ms: item.due_ms,
                link: item.link,
            }
        })
        .collect();
    let counts = bench
        .counts
        .into_iter()
        .map(|(kind, count)| KindCount {
            kind: kind.key().to_string(),
            count,
        })
        .collect();
    Ok(Json(TodoList {
        items,
        counts,
        overdue: bench.overdue,
    }))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(todo))
}
