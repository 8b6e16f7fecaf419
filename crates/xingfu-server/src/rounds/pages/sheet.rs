//! The clause scoring sheet: an assessor's own sheet while the community is being scored, or the
//! community's self-assessment (with the veto items) while the declaration is open.
//!
//! One table per category, one row per clause with the input its judging calls for. A POST is
//! checked whole: every field that is wrong is listed at the top, linking to the field, and the
//! form comes back with everything typed still in it; nothing is saved unless every field is
//! right.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use xingfu_core::decimal::{Dec2, DecimalError};
use xingfu_core::scoring::{Answer, Assessment};
use xingfu_core::standard::{Clause, Judge, Standard};
use xingfu_core::workflow::{Role, Stage};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::rounds::service;
use crate::web::page::{Page, PageResult, render};
use crate::web::visit::Visit;

/// Longest note kept with an answer, in characters.
const MAX_NOTE: usize = 1000;

/// One clause's row.
pub struct Field {
    pub id: String,
    pub text: String,
    pub points: String,
    /// `choice` (radio buttons) or `number` (a figure typed in).
    pub kind: &'static str,
    /// The question above the input.
    pub question: String,
    /// Radio buttons: (element id, value, label).
    pub choices: Vec<(String, String, String)>,
    /// The unit after a typed figure.
    pub unit: String,
    /// What was typed, or the saved answer.
    pub value: String,
    pub note: String,
    pub note_label: &'static str,
    pub evidence: String,
    pub methods: String,
    pub error: Option<String>,
    /// On a stale form: the answer saved now, where someone changed it after the form was read.
    pub changed: Option<String>,
}

pub struct Table {
    pub name: String,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "sheet.html")]
struct SheetPage {
    page: Page,
    round_id: String,
    code: String,
    heading: String,
    intro: String,
    editable: bool,
    notice: Option<String>,
    /// Why a stale form was refused: who changed the sheet and when.
    stale: Option<String>,
    /// (field element id, message), in the sheet's order.
    errors: Vec<(String, String)>,
    tables: Vec<Table>,
    csrf: String,
    /// The sheet's version the form carries.
    version: i64,
    /// What happens next to the entry and who does it.
    next_step: String,
    w: &'static super::words::Words,
}

/// What a request on a sheet needs to know.
struct Context {
    standard: std::sync::Arc<Standard>,
    community_name: String,
    saved: HashMap<String, Answer>,
    /// The sheet's version when it was read.
    version: i64,
    /// Clause → the sheet version that wrote its saved answer.
    written_at: HashMap<String, i64>,
    editable: bool,
    assessor: bool,
    next_step: String,
}

async fn context(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    round_id: &str,
    code: &str,
) -> Result<Context, AppError> {
    user.may_view(code, lang)?;
    // The same permission as saving: an assessor's own sheet, or the declaration.
    let own = service::own_sheet(state, user, round_id, code, lang).await?;
    let (_, standard, entry) = service::load(state, round_id, code).await?;
    let assessor = user.role == Role::Assessor;
    let editable = if assessor {
        entry.stage == Stage::Scoring
    } else {
        entry.stage == Stage::Declared
    };
    let next_step = crate::rounds::decisions::next_step_text(
        state,
        &mut Default::default(),
        &standard,
        &entry,
        lang,
    )
    .await?;
    Ok(Context {
        next_step,
        standard,
        community_name: entry.community_name,
        saved: own.answers.into_iter().collect(),
        version: own.version,
        written_at: own.written_at,
        editable,
        assessor,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// GET /rounds/{round}/communities/{code}/sheet
pub async fn show(
    visit: Visit,
    Path((round_id, code)): Path<(String, String)>,
    Query(query): Query<SheetQuery>,
) -> PageResult {
    let lang = visit.lang;
    let ctx = context(&visit.state, &visit.user, lang, &round_id, &code).await?;
    let saved = query.saved.as_deref().and_then(|n| n.parse::<usize>().ok());
    let notice = saved.map(|n| {
        if lang.is_en() {
            format!("Saved {n} answer(s).")
        } else {
            format!("已保存 {n} 项。")
        }
    });
    let values: HashMap<String, (String, String)> = ctx
        .saved
        .iter()
        .filter_map(|(id, answer)| {
            let clause = ctx.standard.clause(id)?;
            Some((id.clone(), saved_value(clause, answer)))
        })
        .collect();
    page(
        &visit,
        (&round_id, &code),
        &ctx,
        &values,
        Feedback {
            notice,
            ..Feedback::default()
        },
    )
}

/// POST /rounds/{round}/communities/{code}/sheet
pub async fn save(
    visit: Visit,
    Path((round_id, code)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (state, user, lang) = (&visit.state, &visit.user, visit.lang);
    let (round_id, code) = (round_id.as_str(), code.as_str());
    user.check_csrf(super::csrf_field(&pairs))?;
    let ctx = context(state, user, lang, round_id, code).await?;
    if !ctx.editable {
        return Err(AppError::Conflict(
            lang.pick(
                "当前阶段不能修改此表，没有保存任何内容。",
                "This sheet cannot be changed at this stage; nothing was saved.",
            )
            .into(),
        ));
    }
    let read_at = crate::web::page::form_version(
        lang,
        pairs
            .iter()
            .find(|(k, _)| k == "version")
            .map(|(_, v)| v.as_str()),
    )?;
    let form: HashMap<String, String> = pairs.into_iter().collect();
    let mut values: HashMap<String, (String, String)> = HashMap::new();
    let mut errors: HashMap<String, String> = HashMap::new();
    let mut answers: Vec<(String, Answer)> = Vec::new();
    for clause in ctx.standard.clauses() {
        let value = form
            .get(&format!("v_{}", clause.id))
            .map(|v| v.trim().to_string())
            .unwrap_or_default();
        let note = form
            .get(&format!("n_{}", clause.id))
            .map(|v| v.trim().to_string())
            .unwrap_or_default();
        match read_answer(clause, &value, &note, lang) {
            Ok(Some(answer)) => answers.push((clause.id.clone(), answer)),
            Ok(None) if ctx.saved.contains_key(&clause.id) => {
                errors.insert(
                    clause.id.clone(),
                    clause_message(
                        lang,
                        &clause.id,
                        "已保存的答案不能清空；如需修改，请填写新的答案",
                        "an answer already saved cannot be emptied; give the new answer instead",
                    ),
                );
            }
            Ok(None) => {}
            Err(message) => {
                errors.insert(clause.id.clone(), message);
            }
        }
        values.insert(clause.id.clone(), (value, note));
    }
    // The core's own checks (ranges, the kind of answer each clause takes) on what did parse,
    // so every problem is shown at once.
    let mut trial = Assessment::default();
    for (id, answer) in &answers {
        trial.answers.insert(id.clone(), answer.clone());
    }
    if let Err(problems) = xingfu_core::scoring::score(&ctx.standard, &trial) {
        for problem in problems {
            errors
                .entry(problem.clause.clone())
                .or_insert_with(|| lang.pick(&problem.zh, &problem.en).to_string());
        }
    }
    if !errors.is_empty() {
        let feedback = Feedback {
            errors,
            ..Feedback::default()
        };
        let mut response = page(&visit, (round_id, code), &ctx, &values, feedback)?;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let saved =
        service::save_sheet_from(state, user, round_id, code, answers, Some(read_at), lang).await;
    match saved {
        Ok(saved) => Ok(Redirect::to(&format!(
            "/rounds/{round_id}/communities/{code}/sheet?saved={}",
            saved.changed
        ))
        .into_response()),
        // Refused whole by the service's own check: the form again, nothing lost.
        Err(AppError::BadRequest(message)) => {
            let feedback = Feedback {
                general: message
                    .lines()
                    .map(|line| ("sheet".to_string(), line.to_string()))
                    .collect(),
                ..Feedback::default()
            };
            let mut response = page(&visit, (round_id, code), &ctx, &values, feedback)?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        // Someone saved the sheet after this form was read: the form again with everything the
        // user typed, the answers changed since marked with what is saved now, and the current
        // version, so submitting again is a decision made knowing the other change.
        Err(AppError::Stale(stale)) => {
            let now = context(state, user, lang, round_id, code).await?;
            let changed = now
                .written_at
                .iter()
                .filter(|(_, written)| **written > read_at)
                .filter_map(|(id, _)| {
                    let clause = now.standard.clause(id)?;
                    let answer = now.saved.get(id)?;
                    Some((id.clone(), stored_text(lang, &now.standard, clause, answer)))
                })
                .collect();
            let feedback = Feedback {
                stale: Some(stale.message),
                changed,
                ..Feedback::default()
            };
            let mut response = page(&visit, (round_id, code), &now, &values, feedback)?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

/// A saved answer as words: the choice's label or the figure with its unit, then the note.
fn stored_text(lang: Lang, standard: &Standard, clause: &Clause, answer: &Answer) -> String {
    let (value, note) = saved_value(clause, answer);
    let shown = field(lang, standard, clause, value.clone(), note.clone(), None);
    let value_text = if shown.kind == "choice" {
        shown
            .choices
            .iter()
            .find(|(_, choice, _)| *choice == value)
            .map(|(_, _, label)| label.clone())
            .unwrap_or(value)
    } else if shown.unit.is_empty() {
        value
    } else {
        format!("{value} {}", shown.unit)
    };
    if note.is_empty() {
        value_text
    } else {
        format!("{value_text}{}{note}", lang.pick("\u{ff1b}", "; "))
    }
}

fn clause_message(lang: Lang, clause: &str, zh: &str, en: &str) -> String {
    if lang.is_en() {
        format!("clause {clause}: {en}")
    } else {
        format!("条款 {clause}\u{ff1a}{zh}")
    }
}

/// Reads one clause's fields: `Ok(None)` when left empty.
fn read_answer(
    clause: &Clause,
    value: &str,
    note: &str,
    lang: Lang,
) -> Result<Option<Answer>, String> {
    let message = |zh: &str, en: &str| clause_message(lang, &clause.id, zh, en);
    if note.chars().count() > MAX_NOTE {
        return Err(message(
            &format!("说明超过 {MAX_NOTE} 字"),
            &format!("the note is longer than {MAX_NOTE} characters"),
        ));
    }
    let note = (!note.is_empty()).then(|| note.to_string());
    if value.is_empty() {
        if note.is_some() {
            return Err(if clause.veto {
                message(
                    "填写原因前请先选择是否符合此项要求",
                    "say whether the requirement is met before giving a reason",
                )
            } else {
                message(
                    "填写说明前请先填写评分",
                    "give the answer before adding a note",
                )
            });
        }
        return Ok(None);
    }
    if let Some((met_key, unmet_key)) = choice_keys(clause) {
        let met = if value == met_key {
            true
        } else if value == unmet_key {
            false
        } else if clause.veto {
            return Err(message(
                "请选择\u{201c}符合\u{201d}或\u{201c}不符合\u{201d}",
                "choose “met” or “not met”",
            ));
        } else {
            return Err(message(
                "请选择“达标”“未达标”或“未评”",
                "choose “met”, “not met” or “not assessed”",
            ));
        };
        return Ok(Some(Answer {
            met: Some(met),
            number: None,
            note,
        }));
    }
    let number = Dec2::parse(value).map_err(|e| match e {
        DecimalError::TooPrecise => message(
            &format!("“{value}”的小数超过两位"),
            &format!("“{value}” has more than two decimals"),
        ),
        DecimalError::TooLarge => message(
            &format!("“{value}”太大"),
            &format!("“{value}” is too large"),
        ),
        _ => message(
            &format!("“{value}”不是数字，请填写数字，例如 12 或 12.5"),
            &format!("“{value}” is not a number: write a number such as 12 or 12.5"),
        ),
    })?;
    Ok(Some(Answer {
        met: None,
        number: Some(number),
        note,
    }))
}

/// The field values that answer a met / not met clause: (met, not met). A veto item asks
/// "does the veto apply?", so there yes means the item is not met.
fn choice_keys(clause: &Clause) -> Option<(&'static str, &'static str)> {
    if clause.veto {
        Some(("no", "yes"))
    } else if clause.judge == Judge::Met {
        Some(("met", "unmet"))
    } else {
        None
    }
}

/// A saved answer as the sheet's fields show it: (value, note).
fn saved_value(clause: &Clause, answer: &Answer) -> (String, String) {
    let value = if let Some((met_key, unmet_key)) = choice_keys(clause) {
        match answer.met {
            Some(true) => met_key.to_string(),
            Some(false) => unmet_key.to_string(),
            None => String::new(),
        }
    } else {
        match (answer.number, answer.met) {
            (Some(number), _) => number.to_string(),
            // A graded clause answered met / not met (as the API allows): full or no points.
            (None, Some(true)) => clause.points.to_string(),
            (None, Some(false)) => "0".to_string(),
            (None, None) => String::new(),
        }
    };
    (value, answer.note.clone().unwrap_or_default())
}

/// What a page shows besides the fields: a notice, errors, or why a stale form was refused.
#[derive(Default)]
struct Feedback {
    notice: Option<String>,
    /// Clause → what is wrong with it.
    errors: HashMap<String, String>,
    /// Errors about the sheet as a whole: (anchor, message).
    general: Vec<(String, String)>,
    stale: Option<String>,
    /// Clause → its answer saved now, for the clauses changed since the form was read.
    changed: HashMap<String, String>,
}

fn page(
    visit: &Visit,
    (round_id, code): (&str, &str),
    ctx: &Context,
    values: &HashMap<String, (String, String)>,
    feedback: Feedback,
) -> PageResult {
    let (user, lang) = (&visit.user, visit.lang);
    let t = lang.t();
    let Feedback {
        notice,
        errors,
        general,
        stale,
        changed,
    } = feedback;
    let mut summary = general;
    let mut tables = Vec::new();
    for category in &ctx.standard.categories {
        let mut fields = Vec::new();
        for clause in category.items.iter().flat_map(|i| i.clauses.iter()) {
            let (value, note) = values.get(&clause.id).cloned().unwrap_or_default();
            let error = errors.get(&clause.id).cloned();
            if let Some(error) = &error {
                summary.push((format!("v-{}", clause.id), error.clone()));
            }
            let mut shown = field(lang, &ctx.standard, clause, value, note, error);
            if let Some(now) = changed.get(&clause.id) {
                let line = clause_message(
                    lang,
                    &clause.id,
                    &format!("已被他人修改\u{ff0c}现在保存的是\u{ff1a}{now}"),
                    &format!("changed by someone else; saved now: {now}"),
                );
                summary.push((format!("v-{}", clause.id), line.clone()));
                shown.changed = Some(line);
            }
            fields.push(shown);
        }
        if fields.is_empty() {
            continue;
        }
        tables.push(Table {
            name: {
                let points: Dec2 = category
                    .items
                    .iter()
                    .flat_map(|i| i.clauses.iter())
                    .map(|c| c.points)
                    .sum();
                if lang.is_en() {
                    format!(
                        "{} ({points} points)",
                        category.name_en.as_deref().unwrap_or(&category.name)
                    )
                } else {
                    format!("{}（共 {points} 分）", category.name)
                }
            },
            fields,
        });
    }
    let sheet_name = if ctx.assessor {
        t.wf_score_sheet
    } else {
        t.wf_self_sheet
    };
    let heading = format!("{sheet_name}{}{}", lang.colon(), ctx.community_name);
    let intro = if ctx.assessor {
        lang.pick(
            "请逐条评分。留空的条款视为未评\u{ff0c}计 0 分。一票否决项如不符合要求\u{ff0c}请选\u{201c}不符合\u{201d}并写明原因。",
            "Score each clause. A clause left empty is not assessed and earns 0. If a veto item's requirement is not met, choose “not met” and give the reason.",
        )
    } else {
        lang.pick(
            "请逐条自评，并如实回答一票否决项。提交资格审查之前可以随时修改。",
            "Assess each clause and answer the veto items truthfully. You can change the sheet until the eligibility check.",
        )
    };
    render(SheetPage {
        page: visit.page_titled(
            &format!("/rounds/{round_id}/communities/{code}/sheet"),
            heading.clone(),
        ),
        round_id: round_id.to_string(),
        code: code.to_string(),
        heading,
        intro: intro.to_string(),
        editable: ctx.editable,
        notice,
        stale,
        errors: summary,
        tables,
        csrf: user.csrf.clone(),
        version: ctx.version,
        next_step: ctx.next_step.clone(),
        w: super::words::words(lang),
    })
}

fn field(
    lang: Lang,
    standard: &Standard,
    clause: &Clause,
    value: String,
    note: String,
    error: Option<String>,
) -> Field {
    let t = lang.t();
    let w = super::words::words(lang);
    let en = lang.is_en();
    let choices = |options: [(&str, &str); 3]| {
        options
            .iter()
            .enumerate()
            .map(|(index, (value, label))| {
                let id = if index == 0 {
                    format!("v-{}", clause.id)
                } else {
                    format!(
                        "v-{}-{}",
                        clause.id,
                        if value.is_empty() { "none" } else { value }
                    )
                };
                (id, value.to_string(), label.to_string())
            })
            .collect::<Vec<_>>()
    };
    let (kind, question, choices, unit) = if clause.veto {
        (
            "choice",
            // Veto items read "…未被一票否决": asked whether the item is met, not whether the
            // veto is "triggered", so no answer is a double negative.
            w.veto_question.to_string(),
            choices([
                ("no", w.veto_met),
                ("yes", w.veto_unmet),
                ("", t.wf_not_answered),
            ]),
            String::new(),
        )
    } else {
        match &clause.judge {
            Judge::Met => (
                "choice",
                t.wf_is_met.to_string(),
                choices([
                    ("met", t.wf_met),
                    ("unmet", t.wf_unmet),
                    ("", t.wf_unassessed),
                ]),
                String::new(),
            ),
            Judge::Graded => (
                "number",
                if en {
                    format!("Points (0 to {}, up to two decimals)", clause.points)
                } else {
                    format!("得分（0–{} 分，最多两位小数）", clause.points)
                },
                Vec::new(),
                lang.pick("分", "points").to_string(),
            ),
            Judge::Numeric { measure, unit, .. }
            | Judge::Metric {
                metric: measure,
                unit,
                ..
            } => (
                "number",
                if en {
                    format!("Value: {measure}")
                } else {
                    format!("数值：{measure}")
                },
                Vec::new(),
                unit.clone().unwrap_or_default(),
            ),
            Judge::Survey { dimension, .. } => {
                let name = standard
                    .dimension(dimension)
                    .map(|d| {
                        lang.pick(&d.name, d.name_en.as_deref().unwrap_or(&d.name))
                            .to_string()
                    })
                    .unwrap_or_else(|| dimension.clone());
                (
                    "number",
                    if en {
                        format!("Satisfaction rate, {name} (percent, 0 to 100)")
                    } else {
                        format!("{name}满意率（百分数，0–100）")
                    },
                    Vec::new(),
                    "%".to_string(),
                )
            }
        }
    };
    let methods: Vec<&str> = clause
        .methods
        .iter()
        .map(|m| lang.pick(m.zh(), m.en()))
        .collect();
    Field {
        id: clause.id.clone(),
        text: lang
            .pick(
                &clause.text,
                clause.text_en.as_deref().unwrap_or(&clause.text),
            )
            .to_string(),
        points: if clause.veto {
            t.veto.to_string()
        } else {
            clause.points.to_string()
        },
        kind,
        question,
        choices,
        unit,
        value,
        note,
        note_label: if clause.veto {
            t.wf_veto_reason
        } else {
            t.wf_note
        },
        evidence: clause.evidence.clone().unwrap_or_default(),
        methods: methods.join(lang.pick("、", ", ")),
        error,
        changed: None,
    }
}
