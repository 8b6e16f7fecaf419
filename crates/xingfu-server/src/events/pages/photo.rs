//! The photos of events, served as stored.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::error::AppError;
use crate::app::state::AppState;

/// GET /event-photos/{id}: a stored photo. Public, like an Open311 `media_url`: the bytes were
/// re-encoded without metadata before they were kept, and the id is random.
pub async fn photo(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let found = match state.store.event_photo(&id).await {
        Ok(Some(row)) => row,
        Ok(None) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(e) => return AppError::from(e).into_response(),
    };
    match state.files.get(&found.file_key).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, found.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(e) => AppError::Internal(anyhow::anyhow!(
            "event photo {} has no file {}: {e:#}",
            found.id,
            found.file_key
        ))
        .into_response(),
    }
}
