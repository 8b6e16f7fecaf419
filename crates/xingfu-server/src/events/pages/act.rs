//! Acting on an event (`POST /events/{id}`): a plain form, or a multipart form when photos of
//! the result come with "resolve". A refusal shows the event again with the reason at the top;
//! someone else having changed the event first is a 409 with the event as it now is.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use xingfu_core::ops::events::EventId;

use super::shared::{Visit, form_photos, person_or_refuse};
use super::show::render_event;
use crate::app::clock::now_ms;
use crate::events::service::{ActError, Command, act};
use crate::web::page::PageResult;
use crate::web::upload::UploadForm;

/// POST /events/{id}: one action, from the version the form was rendered with.
pub async fn act_on_event(
    viewer: Visit,
    Path(id): Path<u64>,
    UploadForm(form): UploadForm,
) -> PageResult {
    let id = EventId(id);
    let (state, jar, user, lang) = viewer.into_parts();
    let (state, jar, user) = (&state, &jar, &user);
    let person = person_or_refuse(state, user, lang).await?;
    let incomplete = [
        "表单没有完整提交，请重试",
        "the form did not arrive whole; please try again",
    ];
    form.check_whole(user, lang, incomplete)?;
    let person_ref = &person;
    let refuse = move |message: String, status: StatusCode| async move {
        render_event(
            state,
            jar,
            user,
            person_ref,
            id,
            None,
            vec![message],
            status,
        )
        .await
    };
    let Some(version) = form
        .get("version")
        .and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return refuse(
            lang.pick(
                "表单缺少版本号，请刷新页面后重试",
                "the form has no version; reload the page",
            )
            .into(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let command = match Command::parse(|name| form.get(name), lang) {
        Ok(c) => c,
        Err(message) => return refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let cleaned = match form_photos(state, &form, lang).await? {
        Ok(cleaned) => cleaned,
        Err((message, status)) => return refuse(message, status).await,
    };
    let note = form.get("note");
    match act(
        state,
        &person,
        id,
        version,
        &command,
        note.as_deref(),
        cleaned,
        now_ms(),
        lang,
    )
    .await
    {
        Ok(event) => {
            let kind = form.get("action").unwrap_or_default();
            // A merged duplicate is done with: show the event it went into.
            let target = event.merged_into.unwrap_or(event.id);
            Ok(Redirect::to(&format!("/events/{target}?done={kind}")).into_response())
        }
        Err(ActError::Refused(message)) => refuse(message, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(ActError::Conflict(message)) => refuse(message, StatusCode::CONFLICT).await,
        Err(ActError::App(e)) => Err(e),
    }
}
