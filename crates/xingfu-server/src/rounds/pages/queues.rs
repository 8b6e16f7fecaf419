//! The round's work lists: the approval queue (what this user may approve now) and the
//! publication list (公示) with naming.

use askama::Template;
use axum::extract::{Path, State};
use axum_extra::extract::CookieJar;
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::EntryRow;

use super::headings::round_heading;
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::i18n::Lang;
use crate::rounds::rectifications::admin_of;
use crate::rounds::service;
use crate::web::page::{
    Page, PageResult, decision_label, points, render, star_text, stars, when, yuan,
};

/// The round's entries at `stages` inside the user's area (read by stage, not the whole round).
async fn entries_at(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    stages: &[Stage],
) -> Result<Vec<EntryRow>, AppError> {
    let prefix = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    let keys: Vec<&str> = stages.iter().map(|s| s.key()).collect();
    Ok(state
        .store
        .entries_at_stages(round_id, prefix, &keys)
        .await?
        .into_iter()
        .filter(|e| user.actor().covers(&e.community_code))
        .collect())
}

pub struct QueueLine {
    pub code: String,
    pub name: String,
    pub street: String,
    pub total: String,
    pub stars: String,
    pub star_text: String,
    pub previous: String,
    pub decision: String,
    pub reward: String,
}

fn queue_line(lang: Lang, e: &EntryRow) -> QueueLine {
    QueueLine {
        code: e.community_code.clone(),
        name: e.community_name.clone(),
        street: e.street_name.clone().unwrap_or_default(),
        total: points(e.total),
        stars: stars(e.star.unwrap_or(0)),
        star_text: star_text(lang, e.star),
        previous: star_text(lang, Some(e.previous_star)),
        decision: decision_label(lang, e.decision.as_deref()),
        reward: yuan(e.reward_fen),
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    page: Page,
    round_id: String,
    heading: String,
    lines: Vec<QueueLine>,
    csrf: String,
}

/// GET /rounds/{round}/approvals: entries awaiting approval that this user may approve.
pub async fn approvals(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let (round, heading) = round_heading(&state, lang, &round_id).await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let lines = entries_at(&state, &user, &round_id, &[Stage::Computed])
        .await?
        .iter()
        .filter(|e| service::may_decide(&user, &standard, e).is_ok())
        .map(|e| queue_line(lang, e))
        .collect();
    render(ApprovalsPage {
        page: Page::new(
            &jar,
            Some(user.clone()),
            &format!("/rounds/{round_id}/approvals"),
            format!("{} · {heading}", lang.t().wf_approvals),
        ),
        round_id: round_id.clone(),
        heading,
        lines,
        csrf: user.csrf.clone(),
    })
}

pub struct PublicationLine {
    pub line: QueueLine,
    pub published: String,
    pub until: String,
    pub named: String,
    pub can_name: bool,
}

#[derive(Template)]
#[template(path = "publication.html")]
struct PublicationPage {
    page: Page,
    round_id: String,
    heading: String,
    /// Approved, not yet published; (line, may this user publish it).
    waiting: Vec<(QueueLine, bool)>,
    lines: Vec<PublicationLine>,
    csrf: String,
}

/// GET /rounds/{round}/publication: entries published for objections or named.
pub async fn publication(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(round_id): Path<String>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let t = lang.t();
    let (round, heading) = round_heading(&state, lang, &round_id).await?;
    let entries = entries_at(
        &state,
        &user,
        &round_id,
        &[Stage::Approved, Stage::Published, Stage::Named],
    )
    .await?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let now = now_ms();
    let waiting = entries
        .iter()
        .filter(|e| e.stage == Stage::Approved.key())
        .map(|e| (queue_line(lang, e), admin_of(&user, &e.community_code)))
        .collect();
    let lines = entries
        .iter()
        .filter(|e| e.stage == Stage::Published.key() || e.stage == Stage::Named.key())
        .map(|e| {
            let over = e.objection_until.is_some_and(|until| now >= until);
            let named = match e.named_at {
                Some(at) if e.stage == Stage::Named.key() => {
                    format!("{} {}", t.wf_named, when(at))
                }
                _ if over => t.wf_not_named_yet.to_string(),
                _ => t.wf_in_objection_period.to_string(),
            };
            PublicationLine {
                line: queue_line(lang, e),
                published: e.published_at.map(when).unwrap_or_default(),
                until: e.objection_until.map(when).unwrap_or_default(),
                named,
                // Naming is for the level that approves the star (4–5★: the city).
                can_name: e.stage == Stage::Published.key()
                    && over
                    && service::may_decide(&user, &standard, e).is_ok(),
            }
        })
        .collect();
    render(PublicationPage {
        page: Page::new(
            &jar,
            Some(user.clone()),
            &format!("/rounds/{round_id}/publication"),
            format!("{} · {heading}", t.wf_publication),
        ),
        round_id: round_id.clone(),
        heading,
        waiting,
        lines,
        csrf: user.csrf.clone(),
    })
}
