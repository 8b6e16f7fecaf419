//! The round's work lists: the approval queue (what this user may approve now) and the
//! publication list (公示) with naming.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use xingfu_core::Standard;
use xingfu_core::workflow::Stage;
use xingfu_store::rounds::EntryRow;

use super::headings::{round_heading, round_page};
use super::rounds::EntryLine;
use super::words::{Words, done_message, words};
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::rounds::decisions::{self, UnitNames};
use crate::rounds::service;
use crate::web::page::{Page, PageResult, render, when};
use crate::web::visit::Visit;

/// The user's area as a code prefix.
fn area_prefix(visit: &Visit) -> &str {
    xingfu_core::region::subtree_prefix(&visit.user.user.region_code, &visit.user.region_level)
}

/// Results on one page of the publication list; a province-wide round has tens of thousands.
pub const PUBLICATION_PAGE: i64 = 100;

/// What a work list starts from: the round's heading and standard, and its entries at `stages`
/// inside the user's area (read by stage, not the whole round).
struct Queue {
    heading: String,
    standard: Arc<Standard>,
    entries: Vec<EntryRow>,
}

impl Queue {
    async fn read(visit: &Visit, round_id: &str, stages: &[Stage]) -> Result<Queue, AppError> {
        Queue::read_page(visit, round_id, stages, 0, i64::MAX).await
    }

    /// At most `limit` of the entries, after skipping `offset`, by community code.
    async fn read_page(
        visit: &Visit,
        round_id: &str,
        stages: &[Stage],
        offset: i64,
        limit: i64,
    ) -> Result<Queue, AppError> {
        let (state, user) = (&visit.state, &visit.user);
        let (round, heading) = round_heading(state, visit.lang, round_id).await?;
        let standard = state
            .standard(&round.standard_id, &round.standard_version)
            .await?;
        let prefix = area_prefix(visit);
        let entries = state
            .store
            .entries_at_stages_page(round_id, prefix, stages, offset, limit)
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

async fn queue_line(
    visit: &Visit,
    units: &mut UnitNames,
    standard: &Standard,
    e: &EntryRow,
) -> Result<EntryLine, AppError> {
    let next = decisions::next_step_text(&visit.state, units, standard, e, visit.lang).await?;
    Ok(EntryLine::new(visit.lang, e, next, 0))
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    page: Page,
    round_id: String,
    heading: String,
    lines: Vec<EntryLine>,
    csrf: String,
    /// Results in the user's area waiting for another level: "4 个结果待温州市审批".
    elsewhere: Vec<String>,
    /// The confirmation of the last approval or batch.
    done: Option<String>,
    /// Results of the last batch that were not approved: "鼓楼社区（…）".
    not_approved: Vec<String>,
    w: &'static Words,
}

/// What the approval queue's address may carry after a form: `done`, `approved` (how many a
/// batch approved) and `refused` (`code:why` pairs of those it did not).
#[derive(Deserialize, Default)]
pub struct ApprovalsQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    approved: Option<usize>,
    #[serde(default)]
    refused: Option<String>,
    /// The page of the publication list.
    #[serde(default)]
    page: Option<i64>,
}

/// GET /rounds/{round}/approvals: entries awaiting approval that this user may approve, and
/// how many wait for other levels.
pub async fn approvals(
    visit: Visit,
    Path(round_id): Path<String>,
    Query(query): Query<ApprovalsQuery>,
) -> PageResult {
    let (user, lang, t) = (&visit.user, visit.lang, visit.lang.t());
    let w = words(lang);
    let queue = Queue::read(&visit, &round_id, &[Stage::Computed]).await?;
    let mut units = UnitNames::default();
    let mut lines = Vec::new();
    let mut elsewhere: Vec<(String, usize)> = Vec::new();
    for e in &queue.entries {
        if service::may_decide(user, &queue.standard, e).is_ok() {
            lines.push(queue_line(&visit, &mut units, &queue.standard, e).await?);
            continue;
        }
        let level = decisions::deciding_level(&queue.standard, e);
        let unit = units.of(&visit.state, e, level, lang).await?;
        match elsewhere.iter_mut().find(|(u, _)| *u == unit) {
            Some((_, n)) => *n += 1,
            None => elsewhere.push((unit, 1)),
        }
    }
    let elsewhere = elsewhere
        .into_iter()
        .map(|(unit, n)| {
            lang.text(
                format!("{n} 个结果待{unit}审批"),
                format!("{n} result(s) waiting for {unit} to approve"),
            )
        })
        .collect();
    let done = match (query.approved, query.done.as_deref()) {
        (Some(n), _) => Some(lang.text(
            format!("已审批通过 {n} 个社区。"),
            format!("Approved {n} communit{}.", if n == 1 { "y" } else { "ies" }),
        )),
        (None, Some(key)) => done_message(lang, key).map(str::to_string),
        _ => None,
    };
    let not_approved = not_approved(&visit, query.refused.as_deref()).await?;
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
        elsewhere,
        done,
        not_approved,
        w,
    })
}

/// The batch's refusals from the address (`code:why,…`), as "鼓楼社区（在您打开此页之后已有变化）".
async fn not_approved(visit: &Visit, refused: Option<&str>) -> Result<Vec<String>, AppError> {
    let lang = visit.lang;
    let pairs: Vec<(&str, &str)> = refused
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .take(200)
        .collect();
    let mut lines = Vec::new();
    for (code, why) in pairs {
        let Some(name) = decisions::community_names(&visit.state, &[code])
            .await?
            .pop()
        else {
            continue;
        };
        let why = match why {
            "stale" => lang.pick(
                "在您打开此页之后已有变化\u{ff0c}请打开该社区的页面核对",
                "it changed after you opened this page; open its page to check",
            ),
            _ => lang.pick("已不再等待您审批", "it no longer waits for your approval"),
        };
        lines.push(lang.text(
            format!("{name}\u{ff08}{why}\u{ff09}"),
            format!("{name} ({why})"),
        ));
    }
    Ok(lines)
}

/// POST /rounds/{round}/approvals: approves the ticked results (`pick` = `code:version`), each
/// checked on its own; back to the queue saying how many were approved and which were not.
pub async fn approve_picked(
    visit: Visit,
    Path(round_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    user.check_csrf(super::csrf_field(&pairs))?;
    let mut picks = Vec::new();
    for (_, value) in pairs.iter().filter(|(k, _)| k == "pick") {
        let (code, version) = value.split_once(':').unwrap_or((value.as_str(), ""));
        let version = crate::web::page::form_version(lang, Some(version))?;
        picks.push((code.to_string(), Some(version)));
    }
    let batch = decisions::approve_many(state, user, &round_id, &picks, lang).await?;
    let refused: Vec<String> = batch
        .refused
        .iter()
        .map(|r| format!("{}:{}", r.code, r.kind))
        .collect();
    let mut to = format!(
        "/rounds/{round_id}/approvals?approved={}",
        batch.approved.len()
    );
    if !refused.is_empty() {
        to.push_str(&format!("&refused={}", refused.join(",")));
    }
    Ok(Redirect::to(&to).into_response())
}

pub struct PublicationLine {
    pub line: EntryLine,
    pub published: String,
    pub until: String,
    pub named: String,
    pub can_name: bool,
    /// Published and its objection period still runs.
    pub taking_objections: bool,
}

#[derive(Template)]
#[template(path = "publication.html")]
struct PublicationPage {
    page: Page,
    round_id: String,
    heading: String,
    /// Approved, not yet published; (line, may this user publish it).
    waiting: Vec<(EntryLine, bool)>,
    /// Approved beyond the first page of them.
    waiting_more: i64,
    /// The page of the published list, from 1, and how many pages it has.
    page_number: i64,
    pages: i64,
    lines: Vec<PublicationLine>,
    /// Some result is in its objection period: the printed list says how to object.
    taking_objections: bool,
    csrf: String,
    done: Option<&'static str>,
    w: &'static Words,
}

/// GET /rounds/{round}/publication: entries published for objections or named, with their
/// undecided objections flagged (how many, never by whom).
pub async fn publication(
    visit: Visit,
    Path(round_id): Path<String>,
    Query(query): Query<ApprovalsQuery>,
) -> PageResult {
    let (user, lang) = (&visit.user, visit.lang);
    let t = lang.t();
    let counts = visit
        .state
        .store
        .stage_counts(&round_id, area_prefix(&visit))
        .await?;
    let listed = counts.at(Stage::Published) + counts.at(Stage::Named);
    let pages = ((listed + PUBLICATION_PAGE - 1) / PUBLICATION_PAGE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, pages);
    // To publish: the first page of them; the rest show as they are published.
    let to_publish =
        Queue::read_page(&visit, &round_id, &[Stage::Approved], 0, PUBLICATION_PAGE).await?;
    let queue = Queue::read_page(
        &visit,
        &round_id,
        &[Stage::Published, Stage::Named],
        (page_number - 1) * PUBLICATION_PAGE,
        PUBLICATION_PAGE,
    )
    .await?;
    let open = visit.state.store.open_objection_counts(&round_id).await?;
    let now = now_ms();
    let mut units = UnitNames::default();
    let mut waiting = Vec::new();
    for e in &to_publish.entries {
        // The level that approved the rating publishes it.
        let decides = service::may_decide(user, &to_publish.standard, e).is_ok();
        let line = queue_line(&visit, &mut units, &to_publish.standard, e).await?;
        waiting.push((line, decides));
    }
    let waiting_more = (counts.at(Stage::Approved) - waiting.len() as i64).max(0);
    let mut lines = Vec::new();
    for e in &queue.entries {
        let decides = service::may_decide(user, &queue.standard, e).is_ok();
        let mut line = queue_line(&visit, &mut units, &queue.standard, e).await?;
        line.objections = open
            .iter()
            .find(|(code, _)| *code == e.community_code)
            .map_or(0, |(_, n)| *n);
        let over = e.objection_until.is_some_and(|until| now >= until);
        let named = match e.named_at {
            Some(at) if e.stage == Stage::Named => {
                format!("{} {}", t.wf_named, when(at))
            }
            _ if over => t.wf_not_named_yet.to_string(),
            _ => t.wf_in_objection_period.to_string(),
        };
        lines.push(PublicationLine {
            line,
            published: e.published_at.map(when).unwrap_or_default(),
            until: e.objection_until.map(when).unwrap_or_default(),
            named,
            // Naming is for the level that approves the star (4–5★: the city).
            can_name: e.stage == Stage::Published && over && decides,
            taking_objections: e.stage == Stage::Published && !over,
        });
    }
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
        waiting_more,
        page_number,
        pages,
        taking_objections: lines.iter().any(|p| p.taking_objections),
        lines,
        csrf: user.csrf.clone(),
        done: query
            .done
            .as_deref()
            .and_then(|key| done_message(lang, key)),
        w: words(lang),
    })
}
