//! The round overview: rounds in the user's area, and one round's communities.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::EntryRow;

use super::headings::year_and_region;
use super::words::{Words, words};
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::i18n::Lang;
use crate::rounds::decisions::{self, UnitNames};
use crate::rounds::opening::{self, Choices, OpenForm};
use crate::web::page::{
    Page, PageResult, decision_label, points, render, stage_label, star_text, stars, yuan,
};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

pub async fn home(user: Option<CurrentUser>) -> Response {
    match user {
        // Everyone starts at their workbench (工作台): what waits for them.
        Some(_) => Redirect::to("/workbench").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

pub struct RoundLine {
    pub id: String,
    pub year: i64,
    pub region_name: String,
    pub standard_name: String,
    pub entries: usize,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "rounds.html")]
struct RoundsPage {
    page: Page,
    rounds: Vec<RoundLine>,
    /// Only city administrators see the audit log's state.
    audit: Option<crate::app::audit::AuditPanel>,
    /// The form to open a round (city and district administrators).
    open: Option<OpenRound>,
    w: &'static Words,
}

/// The open-a-round form: its choices, what was typed, and why it was refused.
pub struct OpenRound {
    pub csrf: String,
    pub choices: Choices,
    pub form: OpenForm,
    pub error: Option<String>,
}

pub async fn list(visit: Visit) -> PageResult {
    list_with(&visit, None).await
}

crate::csrf_forms!(OpenForm);

/// POST /rounds: opens a round from the form; back to the form, as typed, if refused.
pub async fn open(
    Posted {
        v: visit,
        form: input,
    }: Posted<OpenForm>,
) -> PageResult {
    match opening::open(&visit.state, &visit.user, &input, visit.lang).await {
        Ok(round) => Ok(Redirect::to(&format!("/rounds/{}?done=opened", round.id)).into_response()),
        Err(AppError::BadRequest(error) | AppError::Conflict(error)) => {
            let mut response = list_with(&visit, Some((input, error))).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

async fn list_with(visit: &Visit, refused: Option<(OpenForm, String)>) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let open = opening::choices(state, user, lang).await?.map(|choices| {
        let (form, error) = match refused {
            Some((form, error)) => (form, Some(error)),
            None => (
                OpenForm {
                    year: choices.this_year.to_string(),
                    objection_days: "7".into(),
                    ..OpenForm::default()
                },
                None,
            ),
        };
        OpenRound {
            csrf: user.csrf.clone(),
            choices,
            form,
            error,
        }
    });
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let mut rounds = Vec::new();
    for round in state.store.rounds_overlapping(prefix).await? {
        let standard = state
            .standard(&round.standard_id, &round.standard_version)
            .await?;
        let region_name = state
            .store
            .region_name(&round.region_code)
            .await?
            .unwrap_or_else(|| round.region_code.clone());
        let counts = state.store.stage_counts(&round.id, prefix).await?;
        let (entries, starred) = (counts.total(), counts.starred());
        let named = counts.at(Stage::Named);
        let summary = if lang.is_en() {
            format!("{starred} with a star, {named} named")
        } else {
            format!("{starred} 个获星，{named} 个已命名")
        };
        rounds.push(RoundLine {
            id: round.id.clone(),
            year: round.year,
            region_name,
            standard_name: lang
                .pick(
                    &standard.name,
                    standard.name_en.as_deref().unwrap_or(&standard.name),
                )
                .to_string(),
            entries: entries as usize,
            summary,
        });
    }
    render(RoundsPage {
        page: visit.page_titled("/rounds", lang.t().rounds.into()),
        rounds,
        audit: (user.role == xingfu_core::workflow::Role::CityAdmin)
            .then(|| crate::app::audit::AuditPanel::new(lang, state.audit.as_deref())),
        open,
        w: words(lang),
    })
}

/// One entry as the round page and its work lists show it.
pub struct EntryLine {
    pub code: String,
    /// The entry's version when the page was read (a stale approval is refused).
    pub version: i64,
    /// What happens next and who does it.
    pub next: String,
    /// Undecided objections (flagged, never by whom).
    pub objections: i64,
    pub name: String,
    pub street: String,
    pub stage: String,
    pub total: String,
    pub stars: String,
    pub star_text: String,
    pub previous: String,
    pub decision: String,
    pub reward: String,
}

impl EntryLine {
    pub fn new(lang: Lang, e: &EntryRow, next: String, objections: i64) -> EntryLine {
        EntryLine {
            code: e.community_code.clone(),
            version: e.version,
            next,
            objections,
            name: e.community_name.clone(),
            street: e.street_name.clone().unwrap_or_default(),
            stage: stage_label(lang, e.stage),
            total: points(e.total),
            stars: stars(e.star.unwrap_or(0)),
            star_text: star_text(lang, e.star),
            previous: star_text(lang, Some(e.previous_star)),
            decision: decision_label(lang, e.decision.as_deref()),
            reward: yuan(e.reward_fen),
        }
    }
}

#[derive(Template)]
#[template(path = "round.html")]
struct RoundPage {
    page: Page,
    round_id: String,
    heading: String,
    standard_name: String,
    stage_counts: Vec<(String, usize)>,
    entries: Vec<EntryLine>,
    page_number: i64,
    pages: i64,
    w: &'static Words,
}

/// Communities per page of the round overview.
const PAGE_SIZE: i64 = 100;

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
    /// The declaration form's search: part of a community's or street's name, or its code.
    #[serde(default)]
    pub find: Option<String>,
    /// The confirmation after a form's redirect.
    #[serde(default)]
    pub done: Option<String>,
}

pub async fn show(
    visit: Visit,
    Path(round_id): Path<String>,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let round_id = round_id.as_str();
    let page = query.page.unwrap_or(1);
    let round = crate::rounds::service::visible_round(state, user, round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let region = state.store.region(&round.region_code).await?;
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let counts = state.store.stage_counts(round_id, prefix).await?;
    let stage_counts = counts
        .stages()
        .map(|stage| {
            let label = lang.pick(stage.zh(), stage.en()).to_string();
            (label, counts.at(stage) as usize)
        })
        .collect();
    let total_entries = counts.total();
    let pages = ((total_entries + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page_number = page.clamp(1, pages);
    let entries = state
        .store
        .entries_page(round_id, prefix, (page_number - 1) * PAGE_SIZE, PAGE_SIZE)
        .await?;
    let open = state.store.open_objection_counts(round_id).await?;
    let mut units = UnitNames::default();
    let mut lines = Vec::new();
    for e in &entries {
        let next = decisions::next_step_text(state, &mut units, &standard, e, lang).await?;
        let objections = open
            .iter()
            .find(|(code, _)| *code == e.community_code)
            .map_or(0, |(_, n)| *n);
        lines.push(EntryLine::new(lang, e, next, objections));
    }
    let region_name = region.map(|r| r.name).unwrap_or_default();
    let heading = year_and_region(lang, round.year, &region_name);
    render(RoundPage {
        page: visit.page_titled(&format!("/rounds/{round_id}"), heading.clone()),
        round_id: round_id.to_string(),
        heading,
        standard_name: lang
            .pick(
                &standard.name,
                standard.name_en.as_deref().unwrap_or(&standard.name),
            )
            .to_string(),
        stage_counts,
        entries: lines,
        page_number,
        pages,
        w: words(lang),
    })
}
