//! A community's resident link: making it, whom residents ask about it, and its printable A4
//! poster with the QR code.

use askama::Template;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use xingfu_core::dates;

use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::surveys::links::{link_contact, qr_svg, resident_link, set_link_contact};
use crate::surveys::pages::form::{Asking, Pairs, title, with_status};
use crate::surveys::pages::results::{Typed, results_page};
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
    /// Who runs the survey, until when, whom to ask: (label, text).
    details: Vec<(String, String)>,
    colon: &'static str,
    back: String,
    back_label: String,
    print_hint: String,
}

/// POST /rounds/{round}/surveys/{code}/contact: whom residents ask, printed on the poster.
pub async fn save_contact(
    headers: HeaderMap,
    Path((round_id, code)): Path<(String, String)>,
    Posted { v: visit, form }: Posted<Pairs>,
) -> PageResult {
    let typed = form.get("contact");
    match set_link_contact(
        &visit.state,
        &visit.user,
        &round_id,
        &code,
        typed,
        visit.lang,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/rounds/{round_id}/surveys?area={code}&saved=contact#link-heading"
        ))
        .into_response()),
        Err(AppError::BadRequest(message)) => {
            let ask = Asking::new(&visit, &round_id);
            let typed = Typed {
                settings: None,
                contact: Some(typed.to_string()),
            };
            let errors = vec![("contact".to_string(), message)];
            let page = results_page(ask, &headers, Some(&code), errors, None, typed).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

/// GET /rounds/{round}/surveys/{code}/poster: the A4 poster with the QR code of the link, who
/// runs the survey, until when, and whom to ask.
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
    let sponsor = sponsor(state, &code, &community).await?;
    let deadline = match survey.settings.closes_at {
        Some(closes) => lang.text(
            format!(
                "{}\u{ff08}当天 24:00 截止\u{ff09}",
                dates::chinese_date(closes - 1)
            ),
            format!("{} (until 24:00 that day)", dates::english_date(closes - 1)),
        ),
        None => w.poster_until_rated.to_string(),
    };
    let contact = link_contact(state, &link, lang).await?;
    let facts = vec![
        format!(
            "{}{}",
            title(lang, q),
            if lang.is_en() {
                format!(": {} questions", q.questions.len())
            } else {
                format!("\u{ff0c}共 {} 题", q.questions.len())
            }
        ),
        lang.pick(
            "每户填写一份\u{ff0c}回答不记名",
            "One form per household; answers are anonymous",
        )
        .to_string(),
        lang.pick("约需两分钟", "About two minutes").to_string(),
    ];
    let details = vec![
        (w.poster_sponsor.to_string(), sponsor),
        (w.poster_deadline.to_string(), deadline),
        (w.poster_contact.to_string(), contact),
    ];
    render(PosterPage {
        lang: lang.code(),
        colon: lang.colon(),
        heading: title(lang, q).to_string(),
        community,
        call: w.poster_call.into(),
        qr: qr_svg(&url)?,
        qr_label: w.poster_qr.into(),
        url,
        facts,
        details,
        back: format!("/rounds/{round_id}/surveys?area={code}"),
        back_label: w.back_to_results.into(),
        print_hint: w.print_hint.into(),
    })
}

/// Who runs a community's survey, by name: its street and the community ("五马街道鼓楼社区").
async fn sponsor(state: &AppState, code: &str, community: &str) -> Result<String, AppError> {
    let street = match state.store.region(code).await?.and_then(|r| r.parent) {
        Some(parent) => state.store.region(&parent).await?.map(|r| r.name),
        None => None,
    };
    Ok(match street {
        Some(street) if !community.starts_with(&street) => format!("{street}{community}"),
        _ => community.to_string(),
    })
}
