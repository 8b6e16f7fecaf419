//! Objections (异议) to a published result: lodged from the community page while the period runs,
//! decided there by the level that decides the rating. A refused form comes back with its text.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};

use super::actions::community_page_with;
use super::community::{Draft, DraftForm};
use crate::app::error::AppError;
use crate::rounds::service;
use crate::web::page::PageResult;
use crate::web::posted::Posted;

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

crate::csrf_forms!(LodgeInput, DecideInput);

fn back_to(round_id: &str, code: &str, done: &str) -> PageResult {
    Ok(Redirect::to(&format!(
        "/rounds/{round_id}/communities/{code}?done={done}#objections"
    ))
    .into_response())
}

/// POST /rounds/{round}/communities/{code}/objections
pub async fn lodge(
    Path((round_id, code)): Path<(String, String)>,
    Posted {
        v: visit,
        form: input,
    }: Posted<LodgeInput>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    match service::lodge_objection(state, user, &round_id, &code, &input.text, lang).await {
        Ok(_) => back_to(&round_id, &code, "objected"),
        Err(AppError::BadRequest(error)) => {
            let draft = Draft {
                form: DraftForm::Lodge,
                text: input.text,
                error,
            };
            community_page_with(visit, round_id, code, Some(draft)).await
        }
        Err(e) => Err(e),
    }
}

/// POST /rounds/{round}/communities/{code}/objections/{id}/decide
pub async fn decide(
    Path((round_id, code, id)): Path<(String, String, String)>,
    Posted {
        v: visit,
        form: input,
    }: Posted<DecideInput>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let uphold = match input.outcome.as_str() {
        "uphold" => Ok(true),
        "dismiss" => Ok(false),
        _ => Err(AppError::BadRequest(lang.text(
            "处理结果：请选择异议是否成立",
            "Decision: choose whether the objection stands",
        ))),
    };
    let which = service::ObjectionRef {
        round_id: &round_id,
        community: &code,
        id: &id,
    };
    let decided = match uphold {
        Ok(uphold) => service::decide_objection(state, user, which, uphold, &input.note, lang)
            .await
            .map(drop),
        Err(refused) => Err(refused),
    };
    match decided {
        Ok(()) => back_to(&round_id, &code, "decided"),
        Err(AppError::BadRequest(error)) => {
            let draft = Draft {
                form: DraftForm::Decide(id),
                text: input.note,
                error,
            };
            community_page_with(visit, round_id, code, Some(draft)).await
        }
        Err(e) => Err(e),
    }
}
