//! The round's work lists: the approval queue (what this user may approve now) and the
//! publication list (公示) with naming.

use std::sync::Arc;

use askama::Template;
use axum::extract::Path;
use xingfu_core::Standard;
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::EntryRow;

use super::headings::{round_heading, round_page};
use crate::app::error::AppError;
use crate::app::state::now_ms;
use crate::i18n::Lang;
use crate::rounds::rectifications::admin_of;
use crate::rounds::service;
use crate::web::page::{
    Page, PageResult, decision_label, points, render, star_text, stars, when, yuan,
};
use crate::web::visit::Visit;

/// What a work list starts from: the round's heading and standard, and its entries at `stages`
/// inside the user's area (read by stage, not the whole round).
struct Queue {
    heading: String,
    standard: Arc<Standard>,
    entries: Vec<EntryRow>,
}

impl Queue {
    async fn read(visit: &Visit, round_id: &str, stages: &[Stage]) -> Result<Queue, AppError> {
        let (state, user) = (&visit.state, &visit.user);
        let (round, heading) = round_heading(state, visit.lang, round_id).await?;
        let standard = state
            .standard(&round.standard_id, &round.standard_version)
            .await?;
        let prefix =
            xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
        let keys: Vec<&str> = stages.iter().map(|s| s.key()).collect();
        let entries = state
            .store
            .entries_at_stages(round_id, prefix, &keys)
            .await?
            .into_iter()
            .filter(|e| user.actor().covers(&e.community_code))
            .collect();
        Ok(Queue {
            heading,
            standard,
            entries,
        })
    }
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
pub async fn approvals(visit: Visit, Path(round_id): Path<String>) -> PageResult {
    let (user, lang, t) = (&visit.user, visit.lang, visit.lang.t());
    let queue = Queue::read(&visit, &round_id, &[Stage::Computed]).await?;
    let lines = queue
        .entries
        .iter()
        .filter(|e| service::may_decide(user, &queue.standard, e).is_ok())
        .map(|e| queue_line(lang, e))
        .collect();
    render(ApprovalsPage {
        page: round_page(
            &visit,
            &round_id,
            "approvals",
            t.wf_approvals,
            &queue.heading,
        ),
        round_id: round_id.clone(),
        heading: queue.heading,
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
pub async fn publication(visit: Visit, Path(round_id): Path<String>) -> PageResult {
    let (user, lang) = (&visit.user, visit.lang);
    let t = lang.t();
    let stages = [Stage::Approved, Stage::Published, Stage::Named];
    let queue = Queue::read(&visit, &round_id, &stages).await?;
    let now = now_ms();
    let waiting = queue
        .entries
        .iter()
        .filter(|e| e.stage == Stage::Approved.key())
        .map(|e| (queue_line(lang, e), admin_of(user, &e.community_code)))
        .collect();
    let lines = queue
        .entries
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
                    && service::may_decide(user, &queue.standard, e).is_ok(),
            }
        })
        .collect();
    render(PublicationPage {
        page: round_page(
            &visit,
            &round_id,
            "publication",
            t.wf_publication,
            &queue.heading,
        ),
        round_id: round_id.clone(),
        heading: queue.heading,
        waiting,
        lines,
        csrf: user.csrf.clone(),
    })
}
