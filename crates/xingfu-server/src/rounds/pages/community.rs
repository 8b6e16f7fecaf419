//! One community in a round: its score card, gap to the next star, history and change log.

use askama::Template;
use axum::http::StatusCode;
use xingfu_core::workflow::{ObjectionStatus, Stage, may_object};
use xingfu_store::rounds::EntryRow;

use super::headings::round_title;
use super::words::{Words, words};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::decisions::{self, UnitNames};
use crate::rounds::{history, service};
use crate::web::page::when;
use crate::web::page::{
    Page, PageResult, decision_label, points, render, stage_label, star_text, stars,
};
use crate::web::visit::Visit;

pub struct Gap {
    pub summary: String,
    pub fixes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "community.html")]
struct CommunityPage {
    page: Page,
    round_id: String,
    code: String,
    round_heading: String,
    name: String,
    street: String,
    stage: String,
    total: String,
    stars: String,
    star_text: String,
    previous: String,
    veto: String,
    assessors: usize,
    categories: Vec<(String, String, String)>,
    gap: Option<Gap>,
    disagreements: Vec<String>,
    history: Vec<(i64, String, String, String, String)>,
    /// The change log, newest first: (when, sentence).
    log: Vec<(String, String)>,
    objections: Option<Objections>,
    /// A refused submission of one of the page's forms.
    draft: Option<Draft>,
    /// A refused 退回, sent back with its note.
    send_back_kept: Option<Kept>,
    /// What happens next and who does it.
    next_step: String,
    /// The 审批意见 of the latest 退回, while the result is being scored again.
    return_note: Option<String>,
    w: &'static Words,
}

/// Which of the page's text forms a refused submission came from.
pub enum DraftForm {
    /// Lodging an objection.
    Lodge,
    /// Deciding the objection with this id.
    Decide(String),
    /// 退回 with 审批意见.
    SendBack,
}

/// A submission of one of the page's text forms that was refused, shown again with what was
/// typed and why.
pub struct Draft {
    pub form: DraftForm,
    pub text: String,
    pub error: String,
}

impl Draft {
    /// The id of the form's text box (the error summary links to it).
    pub fn anchor(&self) -> String {
        match &self.form {
            DraftForm::Lodge => "objection-text".into(),
            DraftForm::Decide(id) => format!("note-{id}"),
            DraftForm::SendBack => "return-note".into(),
        }
    }

    fn kept_for(draft: Option<&Draft>, form: impl Fn(&DraftForm) -> bool) -> Option<Kept> {
        draft.filter(|d| form(&d.form)).map(|d| Kept {
            text: d.text.clone(),
            error: d.error.clone(),
        })
    }
}

/// One objection as the page shows it.
pub struct ObjectionView {
    pub id: String,
    pub lodged: String,
    pub lodged_by: String,
    pub text: String,
    pub status: String,
    pub open: bool,
    pub decision: String,
    /// A refused decision on this objection, sent back.
    pub kept: Option<Kept>,
}

/// What a refused form had in it, and why it was refused.
#[derive(Clone)]
pub struct Kept {
    pub text: String,
    pub error: String,
}

/// The objections section: the list, and the forms this user may use.
pub struct Objections {
    pub list: Vec<ObjectionView>,
    /// Lodging is open to this user now.
    pub may_lodge: bool,
    /// This user decides objections (the level that decides the rating).
    pub may_decide: bool,
    pub period_until: Option<String>,
    /// A refused objection, sent back.
    pub lodge_kept: Option<Kept>,
    pub csrf: String,
}

pub async fn show(
    visit: Visit,
    round_id: String,
    code: String,
    draft: Option<Draft>,
) -> PageResult {
    let sent_back = draft.is_some();
    let mut response = show_inner(&visit, &round_id, &code, draft).await?;
    if sent_back {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn show_inner(visit: &Visit, round_id: &str, code: &str, draft: Option<Draft>) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    if !user.actor().covers(code) {
        return Err(AppError::Forbidden(lang.t().forbidden.into()));
    }
    let (round, standard, entry) = service::load(state, round_id, code).await?;
    let objections =
        objections_section(state, user, lang, &standard, &entry, draft.as_ref()).await?;
    let next_step =
        decisions::next_step_text(state, &mut UnitNames::default(), &standard, &entry, lang)
            .await?;
    let card = service::panel(state, &standard, round_id, code).await?;
    let veto = match entry.refusal.as_deref() {
        Some(reason) if !reason.is_empty() => reason.to_string(),
        _ => match &card {
            Some(card) if !card.vetoed_by.is_empty() => card
                .vetoed_by
                .iter()
                .map(|v| format!("{} {}", v.clause, v.text))
                .collect::<Vec<_>>()
                .join(";"),
            _ => lang.t().none.to_string(),
        },
    };
    let mut categories = Vec::new();
    let mut gap = None;
    let mut disagreements = Vec::new();
    let mut assessors = 0;
    if let Some(card) = &card {
        assessors = card.sheets.len();
        // Category points averaged over the sheets.
        let sheets = card.sheets.len() as i64;
        for (index, category) in standard.categories.iter().enumerate() {
            let sum: xingfu_core::Dec2 =
                card.sheets.iter().map(|s| s.categories[index].earned).sum();
            let mean = sum.scale(1, sheets);
            let max = card.sheets[0].categories[index].max;
            categories.push((
                lang.pick(
                    &category.name,
                    category.name_en.as_deref().unwrap_or(&category.name),
                )
                .to_string(),
                format!("{mean} / {max}"),
                xingfu_core::Dec2::percent_of(mean, max).to_string(),
            ));
        }
        if let Some(next) = &card.next_star {
            let summary = if lang.is_en() {
                format!(
                    "{} points short of {} stars.",
                    next.points_short, next.level
                )
            } else {
                format!("距{}星还差 {} 分。", next.level, next.points_short)
            };
            let fixes = next
                .candidates
                .iter()
                .take(next.plan_len.min(10))
                .map(|fix| {
                    let clause = standard.clause(fix.clause);
                    let text = clause
                        .map(|c| {
                            lang.pick(&c.text, c.text_en.as_deref().unwrap_or(&c.text))
                                .to_string()
                        })
                        .unwrap_or_default();
                    (fix.clause.to_string(), text, format!("+{}", fix.gain))
                })
                .collect();
            gap = Some(Gap { summary, fixes });
        }
        let assessors = history::assessor_names(state, round_id, code).await?;
        for d in card.disagreements.iter().take(20) {
            disagreements.push(disagreement(lang, &standard, d, &assessors));
        }
    }
    let history = state
        .store
        .history(code)
        .await?
        .into_iter()
        .map(|(r, e)| {
            (
                r.year,
                stage_label(lang, e.stage),
                points(e.total),
                star_text(lang, e.star),
                decision_label(lang, e.decision.as_deref()),
            )
        })
        .collect();
    // Who lodged an objection is shown only to the level that decides it.
    let objectors = service::may_decide(user, &standard, &entry).is_ok();
    let log = history::change_log(state, &standard, code, objectors, 50, lang)
        .await?
        .into_iter()
        .map(|change| (decisions::clock(lang, change.at), change.sentence))
        .collect();
    let return_note = entry
        .return_note
        .clone()
        .filter(|_| entry.stage == Stage::Scoring || entry.stage == Stage::Computed);
    let round_heading = round_title(lang, round.year);
    render(CommunityPage {
        page: visit.page_titled(
            &format!("/rounds/{round_id}/communities/{code}"),
            entry.community_name.clone(),
        ),
        round_id: round_id.to_string(),
        code: code.to_string(),
        round_heading,
        name: entry.community_name.clone(),
        street: entry.street_name.clone().unwrap_or_default(),
        stage: stage_label(lang, entry.stage),
        total: points(entry.total),
        stars: stars(entry.star.unwrap_or(0)),
        star_text: star_text(lang, entry.star),
        previous: star_text(lang, Some(entry.previous_star)),
        veto,
        assessors,
        categories,
        gap,
        disagreements,
        history,
        log,
        objections,
        send_back_kept: Draft::kept_for(draft.as_ref(), |f| matches!(f, DraftForm::SendBack)),
        draft,
        next_step,
        return_note,
        w: words(lang),
    })
}

/// "ZZ1.1 社区党组织……：评审员甲 12 分，评审员乙 10 分".
fn disagreement(
    lang: Lang,
    standard: &xingfu_core::Standard,
    d: &xingfu_core::panel::Disagreement<'_>,
    assessors: &[String],
) -> String {
    let text = standard
        .clause(d.clause)
        .map(|c| {
            lang.pick(&c.text, c.text_en.as_deref().unwrap_or(&c.text))
                .to_string()
        })
        .unwrap_or_default();
    let values: Vec<String> = d
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let who = assessors.get(i).cloned().unwrap_or_default();
            lang.text(format!("{who} {p} 分"), format!("{who} {p} points"))
        })
        .collect();
    let clause = xingfu_core::text::shorten(&text, 40);
    lang.text(
        format!("{} {clause}\u{ff1a}{}", d.clause, values.join("\u{ff0c}")),
        format!("{} {clause}: {}", d.clause, values.join(", ")),
    )
}

fn objection_status(lang: Lang, status: ObjectionStatus) -> String {
    let (zh, en) = status.words();
    lang.pick(zh, en).to_string()
}

async fn objections_section(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    standard: &xingfu_core::Standard,
    entry: &EntryRow,
    draft: Option<&Draft>,
) -> Result<Option<Objections>, AppError> {
    let list = state
        .store
        .objections(&entry.round_id, &entry.community_code)
        .await?;
    let may_lodge = may_object(
        &user.actor(),
        &entry.community_code,
        entry.stage,
        now_ms(),
        entry.objection_until,
    )
    .is_ok();
    if list.is_empty() && !may_lodge && entry.stage != Stage::Published {
        return Ok(None);
    }
    let may_decide = service::may_decide(user, standard, entry).is_ok();
    let mut people = history::People::default();
    let mut named = Vec::new();
    for o in list {
        // The objector is shown only to the level that decides the objection.
        let lodged_by = if may_decide {
            people.name(state, &o.lodged_by).await?
        } else {
            String::new()
        };
        let decided_by = match &o.decided_by {
            Some(by) => Some(people.name(state, by).await?),
            None => None,
        };
        named.push((o, lodged_by, decided_by));
    }
    let list = named
        .into_iter()
        .map(|(o, lodged_by, decided_by)| ObjectionView {
            kept: Draft::kept_for(draft, |f| matches!(f, DraftForm::Decide(id) if *id == o.id)),
            open: o.status == ObjectionStatus::Open,
            status: objection_status(lang, o.status),
            decision: match (&decided_by, o.decided_at, &o.decision_note) {
                (Some(by), Some(at), note) => format!(
                    "{} · {by} · {}",
                    decisions::clock(lang, at),
                    note.as_deref().unwrap_or_default()
                ),
                _ => String::new(),
            },
            id: o.id,
            lodged: decisions::clock(lang, o.lodged_at),
            lodged_by,
            text: o.text,
        })
        .collect();
    Ok(Some(Objections {
        list,
        may_lodge,
        may_decide,
        period_until: entry.objection_until.map(when),
        lodge_kept: Draft::kept_for(draft, |f| matches!(f, DraftForm::Lodge)),
        csrf: user.csrf.clone(),
    }))
}
