//! `GET /api/v1/notifications` and `POST /api/v1/notifications/{id}/read`: the caller's
//! messages, the same as the message list page.

use axum::Json;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use xingfu_core::notify::Kind;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service;
use crate::app::clock::now_ms;
use crate::app::state::AppState;
use crate::web::api_call::{Api, ApiResult};
use crate::web::api_error::{ApiError, ApiPath, ErrorBody};

/// One message.
#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub id: String,
    /// `new_todo`, `sla_due`, `rectification_due`, `objection_ending`, `survey_closing` or
    /// `weekly_digest`.
    #[schema(example = "sla_due")]
    pub kind: String,
    /// The kind in the request's language.
    #[schema(example = "随手拍处置期限将到")]
    pub kind_name: String,
    pub subject: String,
    pub body: String,
    /// The page the message is about, a path on this site.
    #[schema(example = "/workbench")]
    pub link: String,
    /// Unix milliseconds.
    pub created_ms: i64,
    pub read: bool,
}

/// The caller's newest messages (at most 100), newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Messages {
    pub unread: i64,
    pub items: Vec<Message>,
}

/// The caller's messages, newest first.
#[utoipa::path(
    get,
    path = "/notifications",
    operation_id = "notifications",
    tag = "notifications",
    responses((status = 200, description = "The caller's messages", body = Messages))
)]
pub async fn list(api: Api) -> ApiResult<Messages> {
    let rows = service::messages(&api.state, &api.user)
        .await
        .map_err(api.app())?;
    let unread = service::unread(&api.state, &api.user)
        .await
        .map_err(api.app())?;
    let items = rows
        .into_iter()
        .map(|row| {
            let kind_name = Kind::parse(&row.kind)
                .map(|k| api.lang.pick(k.name().0, k.name().1).to_string())
                .unwrap_or_else(|| row.kind.clone());
            Message {
                id: row.id,
                kind: row.kind,
                kind_name,
                subject: row.subject,
                body: row.body,
                link: row.link,
                created_ms: row.created_at,
                read: row.read_at.is_some(),
            }
        })
        .collect();
    Ok(Json(Messages { unread, items }))
}

/// Marks one of the caller's messages read (again is fine).
#[utoipa::path(
    post,
    path = "/notifications/{id}/read",
    operation_id = "notification_read",
    tag = "notifications",
    params(("id" = String, Path, description = "Message id")),
    responses(
        (status = 204, description = "Read"),
        (status = 404, description = "The caller has no such message", body = ErrorBody),
    )
)]
pub async fn read(api: Api, ApiPath(id): ApiPath<String>) -> Result<StatusCode, ApiError> {
    service::mark_read(&api.state, &api.user, &id, now_ms())
        .await
        .map_err(api.app())?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list))
        .routes(routes!(read))
}
