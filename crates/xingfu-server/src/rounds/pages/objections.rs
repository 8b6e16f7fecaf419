//! Objections (异议) to a published result: lodged from the community page while the period runs,
//! decided there by the level that decides the rating. A refused form comes back with its text.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::actions::community_page_with;
use super::community::ObjectionDraft;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::service;
use crate::web::page::error_page;

#[derive(serde::Deserialize)]
pub struct LodgeInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

#[derive(serde::Deserialize)]
pub struct DecideInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

fn back_to(round_id: &str, code: &str) -> Response {
    Redirect::to(&format!("/rounds/{round_id}/communities/{code}#objections")).into_response()
}

/// POST /rounds/{round}/communities/{code}/objections
pub async fn lodge(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code)): Path<(String, String)>,
    Form(input): Form<LodgeInput>,
) -> Response {
    let en = Lang::from_jar(&jar).is_en();
    if let Err(e) = user.check_csrf(&input.csrf) {
        return error_page(&jar, Some(user), e);
    }
    match service::lodge_objection(&state, &user, &round_id, &code, &input.text, en).await {
        Ok(_) => back_to(&round_id, &code),
        Err(AppError::BadRequest(error)) => {
            let draft = ObjectionDraft {
                objection_id: None,
                text: input.text,
                error,
            };
            community_page_with(state, jar, user, round_id, code, Some(draft)).await
        }
        Err(e) => error_page(&jar, Some(user), e),
    }
}

/// POST /rounds/{round}/communities/{code}/objections/{id}/decide
pub async fn decide(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((round_id, code, id)): Path<(String, String, String)>,
    Form(input): Form<DecideInput>,
) -> Response {
    let en = Lang::from_jar(&jar).is_en();
    if let Err(e) = user.check_csrf(&input.csrf) {
        return error_page(&jar, Some(user), e);
    }
    let uphold = match input.outcome.as_str() {
        "uphold" => true,
        "dismiss" => false,
        _ => {
            let error = if en {
                "Decision: choose whether the objection stands".to_string()
            } else {
                "处理结果:请选择异议是否成立".to_string()
            };
            let draft = ObjectionDraft {
                objection_id: Some(id),
                text: input.note,
                error,
            };
            return community_page_with(state, jar, user, round_id, code, Some(draft)).await;
        }
    };
    let decided = service::decide_objection(
        &state,
        &user,
        service::ObjectionRef {
            round_id: &round_id,
            community: &code,
            id: &id,
        },
        uphold,
        &input.note,
        en,
    )
    .await;
    match decided {
        Ok(_) => back_to(&round_id, &code),
        Err(AppError::BadRequest(error)) => {
            let draft = ObjectionDraft {
                objection_id: Some(id),
                text: input.note,
                error,
            };
            community_page_with(state, jar, user, round_id, code, Some(draft)).await
        }
        Err(e) => error_page(&jar, Some(user), e),
    }
}
