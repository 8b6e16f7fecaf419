//! The round's operations, shared by the pages and the JSON API: each checks the actor's
//! permission and the stage with the core's rules, then writes through the store (with its
//! audit row) in one transaction.

use std::sync::Arc;

use serde_json::{Value, json};
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::panel::{PanelCard, panel_score};
use xingfu_core::rewards::reward_for;
use xingfu_core::round::Decision;
use xingfu_core::scoring::{Answer, Assessment, check_eligibility};
use xingfu_core::workflow::{
    Action, ObjectionStatus, Role, Stage, may_approve, may_declare, may_object, may_score,
    next_stage,
};
use xingfu_store::objections::{ObjectionRow, Outcome};
use xingfu_store::rounds::{
    AnswerRow, By, EntryChange, EntryRow, RoundRow, SheetRefusal, SheetSaved, SheetWrite,
};

use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::app::versions;
use crate::i18n::Lang;

/// The sheet name of a community's own declaration (self-assessment and veto answers).
pub const SELF_SHEET: &str = "self";

/// An answer as stored: `{"met": true}` or `{"number": 12.5}`, with an optional `"note"`.
pub fn answer_json(answer: &Answer) -> String {
    let mut value = json!({});
    if let Some(met) = answer.met {
        value["met"] = json!(met);
    }
    if let Some(number) = answer.number {
        value["number"] = json!(number);
    }
    if let Some(note) = &answer.note {
        value["note"] = json!(note);
    }
    value.to_string()
}

pub fn answer_from_json(text: &str) -> Answer {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    Answer {
        met: value.get("met").and_then(Value::as_bool),
        number: value
            .get("number")
            .and_then(Value::as_f64)
            .and_then(|n| Dec2::from_f64(n).ok()),
        note: value
            .get("note")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// The declaration's answers, and each assessor's sheet (assessor id, answers).
pub fn sheets(rows: &[AnswerRow]) -> (Assessment, Vec<(String, Assessment)>) {
    let mut declaration = Assessment::default();
    let mut by_assessor: Vec<(String, Assessment)> = Vec::new();
    for row in rows {
        let answer = answer_from_json(&row.answer);
        if row.sheet == SELF_SHEET {
            declaration.answers.insert(row.clause_id.clone(), answer);
            continue;
        }
        match by_assessor.iter_mut().find(|(id, _)| *id == row.sheet) {
            Some((_, sheet)) => {
                sheet.answers.insert(row.clause_id.clone(), answer);
            }
            None => {
                let mut sheet = Assessment::default();
                sheet.answers.insert(row.clause_id.clone(), answer);
                by_assessor.push((row.sheet.clone(), sheet));
            }
        }
    }
    (declaration, by_assessor)
}

/// A round, its standard and one entry, or not found.
pub async fn load(
    state: &AppState,
    round_id: &str,
    community: &str,
) -> Result<(RoundRow, Arc<Standard>, EntryRow), AppError> {
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let standard = state
        .standard(&round.standard_id, &round.standard_version)
        .await?;
    let entry = state
        .store
        .entry(round_id, community)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((round, standard, entry))
}

/// [`load`] for a community the user's area covers; another area's community is refused
/// before anything is looked up, so the answer is the same whether or not it declared.
pub async fn load_visible(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<(RoundRow, Arc<Standard>, EntryRow), AppError> {
    user.may_view(community, lang)?;
    load(state, round_id, community).await
}

/// A round whose region shares ground with the user's area; any other is not found, as the
/// list of rounds leaves it out.
pub async fn visible_round(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
) -> Result<RoundRow, AppError> {
    let area = xingfu_core::region::subtree_prefix(&user.user.region_code, &user.region_level);
    state
        .store
        .round(round_id)
        .await?
        .filter(|round| xingfu_core::region::overlaps(&round.region_code, area))
        .ok_or(AppError::NotFound)
}

pub(crate) fn refused(refusal: xingfu_core::workflow::Refusal, lang: Lang) -> AppError {
    AppError::Forbidden(lang.text(refusal.zh, refusal.en))
}

/// The stage `action` takes the entry to, or why the workflow refuses it.
fn stage_after(entry: &EntryRow, action: Action, lang: Lang) -> Result<Stage, AppError> {
    next_stage(entry.stage, action).map_err(|r| refused(r, lang))
}

/// Moves an entry to stage `to` with `change`, if no one else changed it since it was read.
pub(crate) async fn apply(
    state: &AppState,
    entry: &EntryRow,
    to: Stage,
    mut change: EntryChange,
    action: &str,
    user: &CurrentUser,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    change.stage = Some(to);
    let by = By {
        actor: &user.user.username,
        at: now_ms(),
    };
    match state
        .store
        .update_entry(
            &entry.round_id,
            &entry.community_code,
            entry.version,
            &change,
            action,
            by,
        )
        .await?
    {
        Ok(updated) => Ok(updated),
        Err(_) => Err(AppError::Conflict(lang.text(
            "他人刚刚修改了该社区的记录，请刷新页面后重试",
            "someone else changed this community's record; reload the page and try again",
        ))),
    }
}

/// Declares a community into a round; last year's star comes from the previous round.
pub async fn declare(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    may_declare(&user.actor(), community).map_err(|r| refused(r, lang))?;
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let region = state.store.region(community).await?;
    if region.as_ref().map(|r| r.level.as_str()) != Some("community") {
        return Err(AppError::BadRequest(lang.text(
            format!("{community} 不是社区编码"),
            format!("{community} is not a community code"),
        )));
    }
    if !xingfu_core::region::within(
        community,
        &round.region_code,
        xingfu_core::region::level_of_code(&round.region_code),
    ) {
        return Err(AppError::BadRequest(lang.text(
            "该社区不在本评选年度的范围内",
            "this community is outside the round's area",
        )));
    }
    // Last year's star is the title the community holds: its most recent named result in an
    // earlier round of the same programme and area (a title stands until it is re-reviewed).
    let previous = state
        .store
        .history(community)
        .await?
        .into_iter()
        .find(|(r, e)| {
            r.year < round.year
                && r.standard_id == round.standard_id
                && r.region_code == round.region_code
                && e.stage == Stage::Named
        })
        .and_then(|(_, e)| e.star)
        .unwrap_or(0);
    let declared = state
        .store
        .declare(round_id, community, previous, &user.user.username, now_ms())
        .await;
    let taken = (
        "该社区已在本年度申报",
        "this community has already declared in this round",
    );
    unless_duplicate(declared, lang, taken)
}

/// A write the store refused as a duplicate is a conflict, told in `lang` as `(zh, en)`.
fn unless_duplicate<T>(
    written: Result<T, xingfu_store::StoreError>,
    lang: Lang,
    (zh, en): (&str, &str),
) -> Result<T, AppError> {
    match written {
        Err(xingfu_store::StoreError::Duplicate { .. }) => {
            Err(AppError::Conflict(lang.text(zh, en)))
        }
        other => Ok(other?),
    }
}

/// Saves answers on a sheet without a version check (the demo's seeding, API clients that send
/// no version): the answers named are written as sent. See [`save_sheet_from`].
pub async fn save_sheet(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    answers: Vec<(String, Answer)>,
    lang: Lang,
) -> Result<usize, AppError> {
    let saved = save_sheet_from(state, user, round_id, community, answers, None, lang).await?;
    Ok(saved.changed)
}

/// Saves answers on a sheet: the declaration (community worker) or the user's own assessor
/// sheet, if the sheet is still at `read_at` (the version the form was read at; `None`: any).
/// Answers are checked against the standard before anything is written; the stage and the
/// version are checked again inside the write's transaction, so a step such as compute never
/// runs beside a save, and a stale form is refused whole ([`AppError::Stale`]).
pub async fn save_sheet_from(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    answers: Vec<(String, Answer)>,
    read_at: Option<i64>,
    lang: Lang,
) -> Result<SheetSaved, AppError> {
    let (_, standard, entry) = load(state, round_id, community).await?;
    let stage = entry.stage;
    let (sheet, open_at) = sheet_of(user, community, lang)?;
    if stage != open_at {
        return Err(sheet_closed(open_at, stage, lang));
    }
    // Check every answer with the core before writing any.
    let mut trial = Assessment::default();
    for (clause, answer) in &answers {
        trial.answers.insert(clause.clone(), answer.clone());
    }
    if let Err(errors) = xingfu_core::scoring::score(&standard, &trial) {
        let text: Vec<String> = errors
            .iter()
            .map(|e| lang.pick(&e.zh, &e.en).to_string())
            .collect();
        return Err(AppError::BadRequest(text.join("\n")));
    }
    let rows: Vec<(String, String)> = answers
        .iter()
        .map(|(c, a)| (c.clone(), answer_json(a)))
        .collect();
    let write = SheetWrite {
        round_id,
        community,
        sheet: &sheet,
        open_at: open_at.key(),
        expected_version: read_at,
        by: By {
            actor: &user.user.username,
            at: now_ms(),
        },
    };
    match state.store.save_answers(&write, &rows).await? {
        Ok(saved) => Ok(saved),
        Err(SheetRefusal::Stage(now)) => Err(sheet_closed(
            open_at,
            Stage::parse(&now).unwrap_or(open_at),
            lang,
        )),
        Err(SheetRefusal::Stale(now)) => Err(versions::stale(
            state,
            lang,
            versions::SHEET,
            now.version,
            now.updated_by.as_deref(),
            now.updated_at,
        )
        .await),
    }
}

/// The sheet `user` writes on for `community` and the stage it takes answers at: an assessor's
/// own sheet while scoring, or the declaration while declared.
fn sheet_of(user: &CurrentUser, community: &str, lang: Lang) -> Result<(String, Stage), AppError> {
    if user.role == Role::Assessor {
        may_score(&user.actor(), community).map_err(|r| refused(r, lang))?;
        Ok((user.user.id.clone(), Stage::Scoring))
    } else {
        may_declare(&user.actor(), community).map_err(|r| refused(r, lang))?;
        Ok((SELF_SHEET.to_string(), Stage::Declared))
    }
}

fn sheet_closed(open_at: Stage, now: Stage, lang: Lang) -> AppError {
    AppError::Conflict(match open_at {
        Stage::Scoring => lang.text(
            format!("当前阶段“{}”不能评分", now.zh()),
            format!("scoring is closed at stage {}", now.en()),
        ),
        _ => lang.text(
            "申报材料已进入审核\u{ff0c}不能再修改",
            "the declaration can no longer be changed",
        ),
    })
}

/// The eligibility check (veto items) after declaration: refused with the reason, or on to scoring.
pub async fn check(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    let (_, standard, entry) = load_visible(state, user, round_id, community, lang).await?;
    require_admin(user, community, lang)?;
    let rows = state.store.answers(round_id, community).await?;
    let (declaration, _) = sheets(&rows);
    let verdict = check_eligibility(&standard, &declaration);
    let vetoed = verdict.is_err();
    let to = stage_after(&entry, Action::CheckEligibility { vetoed }, lang)?;
    let mut change = EntryChange::default();
    if let Err(ineligible) = verdict {
        let reasons: Vec<String> = ineligible
            .vetoed_by
            .iter()
            .map(|v| {
                format!(
                    "{} {}{}",
                    v.clause,
                    v.text,
                    v.reason
                        .as_ref()
                        .map(|r| format!(":{r}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        change.refusal = Some(reasons.join(";"));
        change.vetoed_by = Some(serde_json::to_string(&ineligible.vetoed_by).unwrap_or_default());
        change.star = Some(0);
    }
    apply(state, &entry, to, change, "check_eligibility", user, lang).await
}

fn require_admin(user: &CurrentUser, community: &str, lang: Lang) -> Result<(), AppError> {
    if user.role.level().is_none() || !user.actor().covers(community) {
        return Err(AppError::Forbidden(lang.text(
            "只有本辖区的管理员可以执行此操作",
            "only an administrator of this area may do this",
        )));
    }
    Ok(())
}

/// The panel's result for an entry, if any assessor has scored.
pub async fn panel<'s>(
    state: &AppState,
    standard: &'s Standard,
    round_id: &str,
    community: &str,
) -> Result<Option<PanelCard<'s>>, AppError> {
    let rows = state.store.answers(round_id, community).await?;
    let (declaration, by_assessor) = sheets(&rows);
    if by_assessor.is_empty() {
        return Ok(None);
    }
    let mut sheets: Vec<Assessment> = by_assessor.into_iter().map(|(_, a)| a).collect();
    if let Some(feed) = crate::surveys::results::survey_feed(state, round_id, community).await? {
        for sheet in &mut sheets {
            crate::surveys::results::apply_feed(&feed, sheet);
        }
    }
    // Metric clauses take the platform's own figures for the round's year.
    if crate::metrics::uses_metrics(standard)
        && let Some(round) = state.store.round(round_id).await?
    {
        let figures = crate::metrics::for_year(state, community, round.year).await?;
        for sheet in &mut sheets {
            sheet.metrics.extend(figures.clone());
        }
    }
    panel_score(standard, &declaration, &sheets)
        .map(Some)
        .map_err(|errors| {
            AppError::BadRequest(
                // Both languages: the callers of this read-only view do not carry one.
                errors
                    .iter()
                    .map(|e| format!("{} / {}", e.zh, e.en))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
}

/// Computes score, star, re-review decision and reward from the assessors' sheets.
pub async fn compute(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    let (_, standard, entry) = load_visible(state, user, round_id, community, lang).await?;
    require_admin(user, community, lang)?;
    let to = stage_after(&entry, Action::Compute, lang)?;
    let Some(card) = panel(state, &standard, round_id, community).await? else {
        return Err(AppError::Conflict(
            lang.text("还没有评审员评分", "no assessor has scored yet"),
        ));
    };
    let previous = entry.previous_star.clamp(0, 5) as u8;
    let decision = Decision::of(previous, card.star);
    let reward = reward_for(standard.rewards.as_ref(), previous, card.star);
    let shares: Vec<(String, i64)> = reward
        .split
        .iter()
        .map(|p| (p.level.key().to_string(), p.amount.0))
        .collect();
    let change = EntryChange {
        total: Some(card.total.hundredths()),
        share: Some(card.share.hundredths()),
        star_by_score: Some(i64::from(card.star_by_score)),
        star: Some(i64::from(card.star)),
        decision: Some(decision.key().to_string()),
        vetoed_by: Some(serde_json::to_string(&card.vetoed_by).unwrap_or_default()),
        reward_fen: Some(reward.amount.0),
        reward_basis: Some(serde_json::to_string(&reward.basis).unwrap_or_default()),
        reward_shares: Some(shares),
        ..EntryChange::default()
    };
    apply(state, &entry, to, change, "compute", user, lang).await
}

/// A workflow step on an entry, as the pages' buttons and the API name them.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    Check,
    Compute,
    Approve,
    Publish,
    Name,
}

impl Step {
    /// The step's name in a page's address (`?done=approve`).
    pub fn key(self) -> &'static str {
        match self {
            Step::Check => "check",
            Step::Compute => "compute",
            Step::Approve => "approve",
            Step::Publish => "publish",
            Step::Name => "name",
        }
    }
}

/// May `user` decide this entry's rating (approve it, name it)? Only the level the standard names
/// for the higher of last year's and this year's star: the one rule the service, the buttons and
/// the queues all ask.
pub fn may_decide(
    user: &CurrentUser,
    standard: &Standard,
    entry: &EntryRow,
) -> Result<(), xingfu_core::workflow::Refusal> {
    let star = entry.star.unwrap_or(0).clamp(0, 5) as u8;
    let previous = entry.previous_star.clamp(0, 5) as u8;
    may_approve(
        &user.actor(),
        standard,
        &entry.community_code,
        star,
        previous,
    )
}

/// An entry the user decides, and the stage `action` takes it to.
pub(crate) async fn deciding(
    state: &AppState,
    user: &CurrentUser,
    (round_id, community): (&str, &str),
    action: Action,
    lang: Lang,
) -> Result<(RoundRow, EntryRow, Stage), AppError> {
    let (round, standard, entry) = load_visible(state, user, round_id, community, lang).await?;
    may_decide(user, &standard, &entry).map_err(|r| refused(r, lang))?;
    let to = stage_after(&entry, action, lang)?;
    Ok((round, entry, to))
}

/// Publication (公示): the objection period starts now. The level that approved the rating
/// publishes it — it is that level's decision being put up for objections.
pub async fn publish(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    let (round, entry, to) =
        deciding(state, user, (round_id, community), Action::Publish, lang).await?;
    let now = now_ms();
    let change = EntryChange {
        published_at: Some(now),
        objection_until: Some(now + round.objection_days * 86_400_000),
        ..EntryChange::default()
    };
    apply(state, &entry, to, change, "publish", user, lang).await
}

/// Naming (命名) once the objection period is over.
pub async fn name(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<EntryRow, AppError> {
    let (_, standard, entry) = load_visible(state, user, round_id, community, lang).await?;
    // Naming is done by the level that approves the star (4–5★ by the city in Lucheng).
    may_decide(user, &standard, &entry).map_err(|r| refused(r, lang))?;
    let over = entry.objection_until.is_some_and(|until| now_ms() >= until);
    let open_objections = state
        .store
        .objections(round_id, community)
        .await?
        .iter()
        .filter(|o| o.status == ObjectionStatus::Open)
        .count();
    let action = Action::Name {
        objection_period_over: over,
        open_objections: u32::try_from(open_objections).unwrap_or(u32::MAX),
    };
    let to = stage_after(&entry, action, lang)?;
    let change = EntryChange {
        named_at: Some(now_ms()),
        ..EntryChange::default()
    };
    apply(state, &entry, to, change, "name", user, lang).await
}

/// The longest objection or decision text accepted, in characters.
pub const MAX_OBJECTION_CHARS: usize = 2000;

/// Checks an objection's or a decision's text: `field` names the form field in the message.
pub fn objection_text<'t>(text: &'t str, field: &str, lang: Lang) -> Result<&'t str, AppError> {
    let text = text.trim();
    let count = text.chars().count();
    if count == 0 {
        return Err(AppError::BadRequest(lang.text(
            format!("{field}：请写明理由"),
            format!("{field}: please write the reason"),
        )));
    }
    if count > MAX_OBJECTION_CHARS {
        return Err(AppError::BadRequest(lang.text(
            format!("{field}：不能超过 {MAX_OBJECTION_CHARS} 字（现有 {count} 字）"),
            format!("{field}: at most {MAX_OBJECTION_CHARS} characters (this has {count})"),
        )));
    }
    Ok(text)
}

/// Lodges an objection (异议) to a published result, while the period runs.
pub async fn lodge_objection(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    text: &str,
    lang: Lang,
) -> Result<ObjectionRow, AppError> {
    let (_, _, entry) = load_visible(state, user, round_id, community, lang).await?;
    let now = now_ms();
    may_object(
        &user.actor(),
        community,
        entry.stage,
        now,
        entry.objection_until,
    )
    .map_err(|r| refused(r, lang))?;
    let text = objection_text(text, lang.pick("异议内容", "Objection"), lang)?;
    let by = By {
        actor: &user.user.username,
        at: now,
    };
    Ok(state
        .store
        .lodge_objection(round_id, community, text, by)
        .await?)
}

/// Which objection: its round, its community and its id.
#[derive(Debug, Clone, Copy)]
pub struct ObjectionRef<'a> {
    pub round_id: &'a str,
    pub community: &'a str,
    pub id: &'a str,
}

/// Decides an open objection, by the level that decides the rating. Upholding sends a published
/// entry back to scoring; if an earlier upheld objection already did, this one is marked upheld
/// and the entry stays where it is.
pub async fn decide_objection(
    state: &AppState,
    user: &CurrentUser,
    which: ObjectionRef<'_>,
    uphold: bool,
    note: &str,
    lang: Lang,
) -> Result<ObjectionRow, AppError> {
    let ObjectionRef {
        round_id,
        community,
        id: objection_id,
    } = which;
    let (_, standard, entry) = load_visible(state, user, round_id, community, lang).await?;
    may_decide(user, &standard, &entry).map_err(|r| refused(r, lang))?;
    let objection = state
        .store
        .objection(objection_id)
        .await?
        .filter(|o| o.round_id == round_id && o.community_code == community)
        .ok_or(AppError::NotFound)?;
    let note = objection_text(note, lang.pick("处理意见", "Decision"), lang)?;
    let outcome = if !uphold {
        Outcome::Dismissed
    } else if entry.stage == Stage::Published {
        next_stage(Stage::Published, Action::UpholdObjection).map_err(|r| refused(r, lang))?;
        Outcome::Upheld {
            entry_version: Some(entry.version),
        }
    } else {
        Outcome::Upheld {
            entry_version: None,
        }
    };
    let by = By {
        actor: &user.user.username,
        at: now_ms(),
    };
    match state
        .store
        .decide_objection(&objection.id, outcome, note, by)
        .await?
    {
        Ok((decided, _)) => Ok(decided),
        Err(_) => Err(AppError::Conflict(lang.text(
            "该异议或评定刚被他人处理过，请刷新后重试",
            "this objection or its entry was changed just now; reload and try again",
        ))),
    }
}

/// Opens a round (评选年度): a city or district administrator, for a region inside their area
/// (not a single community), on a standard version kept in the database.
pub async fn open_round(
    state: &AppState,
    user: &CurrentUser,
    new: &xingfu_store::rounds::NewRound<'_>,
    lang: Lang,
) -> Result<RoundRow, AppError> {
    if !matches!(user.role, Role::CityAdmin | Role::DistrictAdmin) {
        return Err(AppError::Forbidden(lang.text(
            "只有市级或区级管理员可以开设评选年度",
            "only a city or district administrator opens a round",
        )));
    }
    if !(2000..=2100).contains(&new.year) {
        return Err(AppError::BadRequest(lang.text(
            format!("year:年度 {} 不在 2000–2100 之间", new.year),
            format!("year: {} is not between 2000 and 2100", new.year),
        )));
    }
    if !(0..=365).contains(&new.objection_days) {
        return Err(AppError::BadRequest(lang.text(
            format!(
                "objection_days:公示期 {} 天不在 0–365 之间",
                new.objection_days
            ),
            format!(
                "objection_days: {} is not between 0 and 365",
                new.objection_days
            ),
        )));
    }
    let Some(region) = state.store.region(new.region_code).await? else {
        return Err(AppError::BadRequest(lang.text(
            format!("region_code:没有区划编码为 {} 的地区", new.region_code),
            format!("region_code: no region has the code {}", new.region_code),
        )));
    };
    if region.level == "community" {
        return Err(AppError::BadRequest(lang.text(
            "region_code:评选年度的范围不能是单个社区",
            "region_code: a round covers a street, district or city, not one community",
        )));
    }
    if !xingfu_core::region::within(&region.code, &user.user.region_code, &user.region_level) {
        return Err(AppError::Forbidden(lang.text(
            format!("{} 不在您的管辖范围内", region.name),
            format!("{} is outside your area", region.code),
        )));
    }
    match state.standard(new.standard_id, new.standard_version).await {
        Ok(_) => {}
        Err(AppError::NotFound) => {
            return Err(AppError::BadRequest(lang.text(
                format!(
                    "standard_id / standard_version:没有评价标准 {} {}",
                    new.standard_id, new.standard_version
                ),
                format!(
                    "standard_id / standard_version: no standard {} {} is stored",
                    new.standard_id, new.standard_version
                ),
            )));
        }
        Err(e) => return Err(e),
    }
    let created = state
        .store
        .create_round(new, &user.user.username, now_ms())
        .await;
    let taken = (
        "该地区本年度已按此标准开设评选",
        "this region already has a round for that year and standard",
    );
    unless_duplicate(created, lang, taken)
}

/// What each level owes for a round: for the city and district administrators whose area
/// contains the round's region.
pub async fn budget(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    lang: Lang,
) -> Result<Vec<(String, i64)>, AppError> {
    let round = state
        .store
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = matches!(user.role, Role::CityAdmin | Role::DistrictAdmin)
        && xingfu_core::region::within(
            &round.region_code,
            &user.user.region_code,
            &user.region_level,
        );
    if !allowed {
        return Err(AppError::Forbidden(lang.text(
            "只有管辖范围包含本评选年度的市级或区级管理员可以查看奖励预算",
            "only a city or district administrator whose area contains the round sees its budget",
        )));
    }
    Ok(state.store.reward_budget(round_id).await?)
}

/// The sheet a user writes on for an entry, as a form reads it.
#[derive(Debug, Clone)]
pub struct OwnSheet {
    /// `self` for the declaration, the assessor's id for an assessor.
    pub sheet: String,
    /// The sheet's version, read before its answers (so a save in between can only make the
    /// form look stale, never let it pass as current).
    pub version: i64,
    pub answers: Vec<(String, Answer)>,
    /// Clause → the sheet version that last wrote its answer.
    pub written_at: std::collections::HashMap<String, i64>,
}

/// The sheet this user writes on for an entry and its answers: the same permission as saving
/// it, at any stage.
pub async fn own_sheet(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<OwnSheet, AppError> {
    let (sheet, _) = sheet_of(user, community, lang)?;
    load(state, round_id, community).await?;
    let version = state
        .store
        .sheet_version(round_id, community, &sheet)
        .await?
        .version;
    let rows: Vec<AnswerRow> = state
        .store
        .answers(round_id, community)
        .await?
        .into_iter()
        .filter(|row| row.sheet == sheet)
        .collect();
    Ok(OwnSheet {
        version,
        written_at: rows
            .iter()
            .map(|row| (row.clause_id.clone(), row.sheet_version))
            .collect(),
        answers: rows
            .into_iter()
            .map(|row| (row.clause_id, answer_from_json(&row.answer)))
            .collect(),
        sheet,
    })
}
