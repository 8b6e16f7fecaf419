//! A household: registering one, its record (people on lists, visits, follow-ups), and adding
//! and taking people off the special-attention lists. Opening a record is logged.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::ops::visits::AttentionCategory;
use xingfu_store::visits::{AttentionRow, HouseholdRow};

use super::form::{NoticeQuery, TokenForm, field_errors, saved_or_again, with_problems};
use super::labels::{category_label, visit_notice};
use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::i18n::Lang;
use crate::people::service::{self as people, HouseholdInput, OpsIdentity};
use crate::web::forms::{CsrfForm, Problem};
use crate::web::page::{Page, PageResult, render};

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
    jar: &CookieJar,
    user: &CurrentUser,
    who: &OpsIdentity,
    form: HouseholdInput,
    errors: Vec<Problem>,
) -> PageResult {
    let lang = Lang::from_jar(jar);
    let page = render(HouseholdFormPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            "/visits/households/new",
            lang.pick("登记住户", "Register a household"),
        ),
        form,
        grids: who.grids.join(lang.pick("、", ", ")),
        errors: errors.clone(),
        csrf: user.csrf.clone(),
    });
    with_problems(page, &errors)
}

/// GET /visits/households/new
pub async fn new_household(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let who = people::identity(&state, &user, lang).await?;
    if !who.keeps_households() {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有网格员和社区工作者可以登记住户",
                "only grid members and community workers register households",
            )
            .into(),
        ));
    }
    let form = HouseholdInput {
        grid: who.grids.first().cloned().unwrap_or_default(),
        ..HouseholdInput::default()
    };
    household_form(&jar, &user, &who, form, Vec::new())
}

#[derive(Deserialize, Default)]
pub struct HouseholdPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: HouseholdInput,
}

/// POST /visits/households
pub async fn create_household(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm { user, form }: CsrfForm<HouseholdPost>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let who = people::identity(&state, &user, lang).await?;
    saved_or_again(
        people::create_household(&state, &who, &form.input, lang).await,
        |row| format!("/visits/households/{}?done=household", row.id),
        async |errors| household_form(&jar, &user, &who, form.input, errors),
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
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    id: &str,
    form: AttentionForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> PageResult {
    let lang = Lang::from_jar(jar);
    let who = people::identity(state, user, lang).await?;
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
        .map(|v| VisitLine {
            id: v.id.clone(),
            when: people::local_text(v.visited_at),
            purpose: people::purpose_label(&v.purpose, lang),
            visitor: v.visitor_name.clone().unwrap_or_default(),
            notes: v.notes.clone(),
            follow_ups: v
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
        lang.pick("住户档案:", "Household: "),
        record.household.address
    );
    with_problems(
        render(HouseholdPage {
            page: Page::new(
                jar,
                Some(user.clone()),
                &format!("/visits/households/{id}"),
                title,
            ),
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
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let notice = visit_notice(lang, &q.done);
    household_page(
        &state,
        &jar,
        &user,
        &id,
        AttentionForm::default(),
        Vec::new(),
        notice,
    )
    .await
}

/// POST /visits/households/{id}/attention
pub async fn add_attention(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<AttentionForm>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let who = people::identity(&state, &user, lang).await?;
    let outcome = people::add_attention(
        &state,
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
        async |errors| household_page(&state, &jar, &user, &id, form, errors, None).await,
    )
    .await
}

/// POST /visits/households/{id}/attention/{entry}/remove
pub async fn remove_attention(
    State(state): State<AppState>,
    jar: CookieJar,
    Path((id, entry)): Path<(String, String)>,
    CsrfForm { user, .. }: CsrfForm<TokenForm>,
) -> PageResult {
    let lang = Lang::from_jar(&jar);
    let who = people::identity(&state, &user, lang).await?;
    people::remove_attention(&state, &who, &id, &entry, lang).await?;
    Ok(Redirect::to(&format!("/visits/households/{id}?done=removed")).into_response())
}

crate::csrf_forms!(HouseholdPost, AttentionForm);
