//! Recording a visit with up to three follow-ups, and marking a follow-up done.

use askama::Template;
use axum::Form;
use axum::extract::Path;
use serde::Deserialize;
use xingfu_store::visits::HouseholdRow;

use super::community::identity;
use super::form::{TokenForm, field_errors, go, saved_or_again, with_problems};
use crate::app::clock::now_ms;
use crate::i18n::Lang;
use crate::people::service::{self as people, FOLLOW_UP_ROWS, PURPOSES, VisitInput};
use crate::web::forms::{HasCsrf, Problem, error_for};
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

/// What was typed into the visit form.
#[derive(Deserialize, Default, Clone)]
pub struct VisitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    visited_at: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    what_1: String,
    #[serde(default)]
    due_1: String,
    #[serde(default)]
    what_2: String,
    #[serde(default)]
    due_2: String,
    #[serde(default)]
    what_3: String,
    #[serde(default)]
    due_3: String,
}

impl VisitForm {
    fn rows(&self) -> [(&str, &str); FOLLOW_UP_ROWS] {
        [
            (&self.what_1, &self.due_1),
            (&self.what_2, &self.due_2),
            (&self.what_3, &self.due_3),
        ]
    }

    /// The visit, or every field that does not parse.
    fn read(&self, lang: Lang) -> Result<VisitInput, Vec<Problem>> {
        let mut errors = Vec::new();
        let visited_at = people::parse_local(&self.visited_at);
        if visited_at.is_none() {
            errors.push((
                "visited_at".to_string(),
                lang.pick(
                    "请填写走访的日期和时间，例如 2024-05-01 09:30",
                    "enter the date and time of the visit, e.g. 2024-05-01 09:30",
                )
                .to_string(),
            ));
        }
        let mut follow_ups = Vec::new();
        for (i, (what, due)) in self.rows().iter().enumerate() {
            let n = i + 1;
            if what.trim().is_empty() && due.trim().is_empty() {
                continue;
            }
            // Due by the end of the day given.
            let due_at = if due.trim().is_empty() {
                None
            } else if let Some(day) = people::parse_day(due) {
                Some(day + 86_400_000 - 1)
            } else {
                errors.push((
                    format!("due_{n}"),
                    if lang.is_en() {
                        format!("follow-up {n}: write the date as year-month-day, e.g. 2024-05-08")
                    } else {
                        format!("第 {n} 条后续事项的期限请按 年-月-日 填写，例如 2024-05-08")
                    },
                ));
                continue;
            };
            follow_ups.push((what.to_string(), due_at));
        }
        match visited_at {
            Some(visited_at) if errors.is_empty() => Ok(VisitInput {
                visited_at,
                purpose: self.purpose.clone(),
                notes: self.notes.clone(),
                follow_ups,
            }),
            _ => Err(errors),
        }
    }
}

pub struct FollowUpField {
    pub n: usize,
    pub what: String,
    pub due: String,
    pub what_error: String,
    pub due_error: String,
}

#[derive(Template)]
#[template(path = "visit_form.html")]
struct VisitFormPage {
    page: Page,
    household: HouseholdRow,
    form: VisitForm,
    purposes: Vec<(String, String)>,
    rows: Vec<FollowUpField>,
    errors: Vec<Problem>,
    max_notes: usize,
    csrf: String,
}

field_errors!(VisitFormPage);

async fn visit_form(v: &Visit, id: &str, form: VisitForm, errors: Vec<Problem>) -> PageResult {
    let lang = v.lang;
    let who = identity(v).await?;
    // The form shows the household's address only: no list, no history, so it is not a view of
    // the record.
    let household = people::household_for(&v.state, &who, id, lang).await?;
    let rows = form
        .rows()
        .iter()
        .enumerate()
        .map(|(i, (what, due))| {
            let n = i + 1;
            FollowUpField {
                n,
                what: what.to_string(),
                due: due.to_string(),
                what_error: error_for(&errors, &format!("follow_up_{n}")),
                due_error: error_for(&errors, &format!("due_{n}")),
            }
        })
        .collect();
    let title = format!(
        "{}{}",
        lang.pick("记录走访：", "Record a visit: "),
        household.address
    );
    with_problems(
        render(VisitFormPage {
            page: v
                .page_titled(&format!("/visits/households/{id}/visits/new"), title)
                .with_offline(),
            household,
            form,
            purposes: PURPOSES
                .iter()
                .map(|p| {
                    let key = people::purpose_key(*p);
                    let label = people::purpose_label(&key, lang);
                    (key, label)
                })
                .collect(),
            rows,
            errors: errors.clone(),
            max_notes: xingfu_core::ops::visits::MAX_NOTES_CHARS,
            csrf: v.user.csrf.clone(),
        }),
        &errors,
    )
}

/// GET /visits/households/{id}/visits/new
pub async fn new_visit(v: Visit, Path(id): Path<String>) -> PageResult {
    let form = VisitForm {
        visited_at: people::input_value(now_ms()),
        purpose: people::purpose_key(PURPOSES[0]),
        ..VisitForm::default()
    };
    visit_form(&v, &id, form, Vec::new()).await
}

/// POST /visits/households/{id}/visits
pub async fn record_visit(
    Path(id): Path<String>,
    Posted { v, form }: Posted<VisitForm>,
) -> PageResult {
    let input = match form.read(v.lang) {
        Ok(input) => input,
        Err(errors) => return visit_form(&v, &id, form, errors).await,
    };
    let who = identity(&v).await?;
    saved_or_again(
        people::record_visit(&v.state, &who, &id, &input, v.lang).await,
        |_| format!("/visits/households/{id}?done=visit"),
        async |errors| visit_form(&v, &id, form, errors).await,
    )
    .await
}

/// POST /visits/visits/{visit}/follow-ups/{seq}/done
pub async fn complete_follow_up(
    // The session is read before the path, as ever: a stranger is sent to sign in first.
    v: Visit,
    Path((visit, seq)): Path<(String, i64)>,
    Form(form): Form<TokenForm>,
) -> PageResult {
    v.user.check_csrf(form.csrf())?;
    let who = identity(&v).await?;
    let (household, done) = people::complete_follow_up(&v.state, &who, &visit, seq, v.lang).await?;
    let done = if done {
        "follow_up"
    } else {
        "follow_up_already"
    };
    go(format!("/visits/households/{household}?done={done}"))
}

crate::csrf_forms!(VisitForm);
