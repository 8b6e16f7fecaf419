//! A community's resident link: making it, and its printable A4 poster with the QR code.

use askama::Template;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};

use crate::app::error::AppError;
use crate::surveys::links::{qr_svg, resident_link};
use crate::surveys::pages::form::{Pairs, title};
use crate::surveys::pages::words::words;
use crate::surveys::service::{region_name, round_survey};
use crate::web::page::{PageResult, render};
use crate::web::posted::Posted;
use crate::web::public_base::public_base;

use crate::web::visit::Visit;

/// POST /rounds/{round}/surveys/{code}/link: make the community's resident link.
pub async fn make_link(
    Path((round_id, code)): Path<(String, String)>,
    Posted { v: visit, .. }: Posted<Pairs>,
) -> PageResult {
    resident_link(&visit.state, &visit.user, &round_id, &code, visit.lang).await?;
    Ok(Redirect::to(&format!(
        "/rounds/{round_id}/surveys?area={code}#link-heading"
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "survey_poster.html")]
struct PosterPage {
    lang: &'static str,
    heading: String,
    community: String,
    call: String,
    qr: String,
    qr_label: String,
    url: String,
    facts: Vec<String>,
    back: String,
    back_label: String,
    print_hint: String,
}

/// GET /rounds/{round}/surveys/{code}/poster: the A4 poster with the QR code of the link.
pub async fn poster(
    visit: Visit,
    headers: HeaderMap,
    Path((round_id, code)): Path<(String, String)>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let w = words(lang);
    user.may_view(&code, lang)?;
    let link = state
        .store
        .survey_link_for(&round_id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let survey = round_survey(state, &round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let q = &survey.questionnaire;
    let community = region_name(state, &code).await?;
    let url = format!("{}/s/{}", public_base(state, &headers), link.token);
    let minutes = lang.pick("约需两分钟", "About two minutes");
    let facts = vec![
        format!(
            "{}{}",
            title(lang, q),
            if lang.is_en() {
                format!(": {} questions", q.questions.len())
            } else {
                format!("，共 {} 题", q.questions.len())
            }
        ),
        lang.pick(
            "每户填写一份，回答不记名",
            "One form per household; answers are anonymous",
        )
        .to_string(),
        minutes.to_string(),
    ];
    render(PosterPage {
        lang: lang.code(),
        heading: title(lang, q).to_string(),
        community,
        call: w.poster_call.into(),
        qr: qr_svg(&url)?,
        qr_label: w.poster_qr.into(),
        url,
        facts,
        back: format!("/rounds/{round_id}/surveys?area={code}"),
        back_label: w.back_to_results.into(),
        print_hint: w.print_hint.into(),
    })
}
