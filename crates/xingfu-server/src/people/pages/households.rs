//! A household: registering one, its record (people on lists, visits, follow-ups), and adding
//! and taking people off the special-attention lists. Opening a record is logged.

use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;
use xingfu_core::ops::visits::AttentionCategory;
use xingfu_store::visits::{AttentionRow, HouseholdRow};

use super::community::identity;
use super::form::{NoticeQuery, TokenForm, field_errors, go, saved_or_again, with_problems};
use super::labels::{VISIT_NOTICES, category_label};
use crate::app::clock::now_ms;
use crate::people::service::{self as people, HouseholdInput, OpsIdentity};
use crate::web::forms::Problem;
use crate::web::page::{Page, PageResult, render};
use crate::web::posted::Posted;
use crate::web::visit::Visit;

#[derive(Template)]
#[template(path = "household_form.html")]
struct HouseholdFormPage {
    page: Page,
    form: HouseholdInput,
    grids: String,
    errors: Vec<Problem>,
    csrf: String,
}

fn household_form(
    v: &Visit,
    who: &OpsIdentity,
    form: HouseholdInput,
    errors: Vec<Problem>,
) -> PageResult {
    let lang = v.lang;
    let page = render(HouseholdFormPage {
        page: v.page_titled(
            "/visits/households/new",
            lang.text("登记住户", "Register a household"),
        ),
        form,
        grids: who.grids.join(lang.pick("、", ", ")),
        errors: errors.clone(),
        csrf: v.user.csrf.clone(),
    });
    with_problems(page, &errors)
}

/// GET /visits/households/new
pub async fn new_household(v: Visit) -> PageResult {
    let lang = v.lang;
    let who = identity(&v).await?;
    people::require_keeps_households(&who, lang)?;
    let form = HouseholdInput {
        grid: who.grids.first().cloned().unwrap_or_default(),
        ..HouseholdInput::default()
    };
    household_form(&v, &who, form, Vec::new())
}

#[derive(Deserialize, Default)]
pub struct HouseholdPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: HouseholdInput,
}

/// POST /visits/households
pub async fn create_household(Posted { v, form }: Posted<HouseholdPost>) -> PageResult {
    let who = identity(&v).await?;
    saved_or_again(
        people::create_household(&v.state, &who, &form.input, v.lang).await,
        |row| format!("/visits/households/{}?done=household", row.id),
        async |errors| household_form(&v, &who, form.input, errors),
    )
    .await
}

pub struct AttentionLine {
    pub id: String,
    pub person: String,
    pub category: String,
    pub note: String,
    pub added: String,
}

pub struct FollowUpLine {
    pub seq: i64,
    pub what: String,
    pub due: String,
    pub done: String,
    pub overdue: bool,
}

pub struct VisitLine {
    pub id: String,
    pub when: String,
    pub purpose: String,
    pub visitor: String,
    pub notes: String,
    pub follow_ups: Vec<FollowUpLine>,
}

/// What was typed into the add-to-list form.
#[derive(Deserialize, Default, Clone)]
pub struct AttentionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    page: Page,
    household: HouseholdRow,
    attention: Vec<AttentionLine>,
    visits: Vec<VisitLine>,
    categories: Vec<(String, String)>,
    form: AttentionForm,
    errors: Vec<Problem>,
    notice: Option<String>,
    csrf: String,
}

field_errors!(HouseholdFormPage, HouseholdPage);

async fn household_page(
    v: &Visit,
    id: &str,
    form: AttentionForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let (state, user, lang) = (&v.state, &v.user, v.lang);
    let who = identity(v).await?;
    let record = people::household_record(state, &who, id, lang).await?;
    let now = now_ms();
    let attention = record
        .attention
        .iter()
        .map(|a: &AttentionRow| AttentionLine {
            id: a.id.clone(),
            person: a.person.clone(),
            category: category_label(lang, &a.category),
            note: a.note.clone().unwrap_or_default(),
            added: people::day_text(a.added_at),
        })
        .collect();
    let visits = record
        .visits
        .iter()
        .map(|visit| VisitLine {
            id: visit.id.clone(),
            when: people::local_text(visit.visited_at),
            purpose: people::purpose_label(&visit.purpose, lang),
            visitor: visit.visitor_name.clone().unwrap_or_default(),
            notes: visit.notes.clone(),
            follow_ups: visit
                .follow_ups
                .iter()
                .map(|f| FollowUpLine {
                    seq: f.seq,
                    what: f.what.clone(),
                    due: f.due.map(people::local_text).unwrap_or_default(),
                    done: f.done_at.map(people::local_text).unwrap_or_default(),
                    overdue: f.done_at.is_none() && f.due.is_some_and(|d| now > d),
                })
                .collect(),
        })
        .collect();
    let title = format!(
        "{}{}",
        lang.pick("住户档案：", "Household: "),
        record.household.address
    );
    with_problems(
        render(HouseholdPage {
            page: v.page_titled(&format!("/visits/households/{id}"), title),
            household: record.household,
            attention,
            visits,
            categories: AttentionCategory::ALL
                .iter()
                .map(|c| (c.key().to_string(), lang.pick(c.zh(), c.en()).to_string()))
                .collect(),
            form,
            errors: errors.clone(),
            notice,
            csrf: user.csrf.clone(),
        }),
        &errors,
    )
}

/// GET /visits/households/{id}
pub async fn household(
    v: Visit,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let notice = VISIT_NOTICES.after(v.lang, &q.done);
    household_page(&v, &id, AttentionForm::default(), Vec::new(), notice).await
}

/// POST /visits/households/{id}/attention
pub async fn add_attention(
    Path(id): Path<String>,
    Posted { v, form }: Posted<AttentionForm>,
) -> PageResult {
    let (state, lang) = (&v.state, v.lang);
    let who = identity(&v).await?;
    let outcome = people::add_attention(
        state,
        &who,
        &id,
        &form.person,
        &form.category,
        &form.note,
        lang,
    )
    .await;
    saved_or_again(
        outcome,
        |_| format!("/visits/households/{id}?done=attention"),
        async |errors| household_page(&v, &id, form, errors, None).await,
    )
    .await
}

/// POST /visits/households/{id}/attention/{entry}/remove
pub async fn remove_attention(
    Path((id, entry)): Path<(String, String)>,
    Posted { v, .. }: Posted<TokenForm>,
) -> PageResult {
    let who = identity(&v).await?;
    people::remove_attention(&v.state, &who, &id, &entry, v.lang).await?;
    go(format!("/visits/households/{id}?done=removed"))
}

crate::csrf_forms!(HouseholdPost, AttentionForm);
