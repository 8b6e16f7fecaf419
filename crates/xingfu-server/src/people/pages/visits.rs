//! Home-visit pages (入户走访): the special-attention lists in numbers and by name, households
//! and their records, recording a visit with follow-ups, appointing grid members and building
//! heads, and the access log for district staff.
//!
//! Every list, household list and household record shown is logged by [`crate::people::service`]. Forms
//! are plain POST-redirect; a form with mistakes comes back with an error summary linking to
//! each field and everything typed still in it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xingfu_core::ops::OpsRole;
use xingfu_core::ops::visits::AttentionCategory;
use xingfu_store::visits::{AttentionRow, HouseholdRow};

use crate::app::auth::{CurrentUser, urlencode};
use crate::app::error::AppError;
use crate::app::state::{AppState, now_ms};
use crate::i18n::Lang;
use crate::people::service::{
    self as people, FOLLOW_UP_ROWS, FieldError, HouseholdInput, OpsIdentity, PURPOSES, Refused,
    VisitInput,
};
use crate::web::forms::{Problem, error_for};
use crate::web::page::{Page, error_page, render};

/// An error summary line: (field id, message).

pub fn problems(fields: Vec<FieldError>) -> Vec<Problem> {
    fields.into_iter().map(|f| (f.field, f.message)).collect()
}

pub fn category_label(lang: Lang, key: &str) -> String {
    AttentionCategory::parse(key)
        .map(|c| lang.pick(c.zh(), c.en()).to_string())
        .unwrap_or_else(|| key.to_string())
}

fn with_status(
    response: Result<Response, AppError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    response.map(|mut r| {
        *r.status_mut() = status;
        r
    })
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    done: String,
}

fn notice_text(lang: Lang, done: &str) -> Option<String> {
    let (zh, en) = match done {
        "household" => ("住户已登记。", "The household is registered."),
        "attention" => ("已加入名单。", "Added to the list."),
        "removed" => ("已移出名单。", "Taken off the list."),
        "visit" => ("走访记录已保存。", "The visit is recorded."),
        "follow_up" => ("后续事项已办结。", "The follow-up is done."),
        "follow_up_already" => ("该事项此前已办结。", "That follow-up was already done."),
        "assigned" => ("任命已保存。", "The appointment is saved."),
        "unassigned" => ("任命已撤销。", "The appointment is withdrawn."),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_string())
}

/// One list in numbers.
pub struct CountLine {
    pub key: String,
    pub label: String,
    pub count: usize,
}

pub struct CommunityLine {
    pub name: String,
    pub counts: Vec<usize>,
}

pub struct HouseholdLine {
    pub id: String,
    pub address: String,
    pub grid: String,
    pub building: String,
    pub contact: String,
}

pub struct FollowLine {
    pub household_id: String,
    pub address: String,
    pub visit_id: String,
    pub seq: i64,
    pub what: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct OverviewPage {
    page: Page,
    role_label: String,
    area: String,
    counts: Vec<CountLine>,
    names_visible: bool,
    headers: Vec<String>,
    communities: Vec<CommunityLine>,
    keeps_households: bool,
    households: Vec<HouseholdLine>,
    follow_ups: Vec<FollowLine>,
    appoints: bool,
    reads_log: bool,
    notice: Option<String>,
    csrf: String,
}

async fn region_name(state: &AppState, code: &str) -> String {
    match state.store.region(code).await {
        Ok(Some(r)) => r.name,
        _ => code.to_string(),
    }
}

/// GET /visits
pub async fn overview(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let who = people::identity(&state, &user, lang).await?;
        let (total, per_community) = people::attention_counts(&state, &who).await?;
        let (households, open) = people::households(&state, &who).await?;
        let now = now_ms();
        let overdue = people::overdue(&open, now);
        let headers = total
            .iter()
            .map(|(c, _)| lang.pick(c.zh(), c.en()).to_string())
            .collect();
        let mut communities = Vec::new();
        if !who.sees_names() {
            for c in per_community {
                communities.push(CommunityLine {
                    name: region_name(&state, &c.community_code).await,
                    counts: c.counts.iter().map(|(_, n)| *n).collect(),
                });
            }
        }
        let title = lang.pick("入户走访", "Home visits");
        render(OverviewPage {
            page: Page::new(&jar, Some(user.clone()), "/visits", title),
            role_label: who.role_label(lang).to_string(),
            area: user.region_name.clone(),
            counts: total
                .iter()
                .map(|(c, n)| CountLine {
                    key: c.key().to_string(),
                    label: lang.pick(c.zh(), c.en()).to_string(),
                    count: *n,
                })
                .collect(),
            names_visible: who.sees_names(),
            headers,
            communities,
            keeps_households: who.keeps_households(),
            households: households
                .iter()
                .map(|h| HouseholdLine {
                    id: h.id.clone(),
                    address: h.address.clone(),
                    grid: h.grid_id.clone().unwrap_or_default(),
                    building: h.building.clone().unwrap_or_default(),
                    contact: h.contact_name.clone().unwrap_or_default(),
                })
                .collect(),
            follow_ups: open
                .iter()
                .zip(overdue)
                .map(|(f, overdue)| FollowLine {
                    household_id: f.household_id.clone(),
                    address: f.address.clone(),
                    visit_id: f.visit_id.clone(),
                    seq: f.seq,
                    what: f.what.clone(),
                    due: f.due.map(people::local_text).unwrap_or_default(),
                    overdue,
                })
                .collect(),
            appoints: who.appoints(),
            reads_log: who.reads_access_log(),
            notice: notice_text(lang, &q.done),
            csrf: user.csrf.clone(),
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

pub struct EntryLine {
    pub person: String,
    pub address: String,
    pub grid: String,
    pub building: String,
    pub note: String,
    pub household_id: String,
}

#[derive(Template)]
#[template(path = "attention_list.html")]
struct ListPage {
    page: Page,
    heading: String,
    entries: Vec<EntryLine>,
    links: bool,
}

/// GET /visits/lists/{category}
pub async fn list(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(category): Path<String>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let category = AttentionCategory::parse(&category).ok_or(AppError::NotFound)?;
        let who = people::identity(&state, &user, lang).await?;
        let rows = people::attention_list(&state, &who, category, lang).await?;
        let heading = lang.pick(category.zh(), category.en()).to_string();
        render(ListPage {
            page: Page::new(
                &jar,
                Some(user.clone()),
                &format!("/visits/lists/{}", category.key()),
                heading.clone(),
            ),
            heading,
            entries: rows
                .into_iter()
                .map(|r| EntryLine {
                    person: r.person,
                    address: r.address,
                    grid: r.grid_id.unwrap_or_default(),
                    building: r.building.unwrap_or_default(),
                    note: r.note.unwrap_or_default(),
                    household_id: r.household_id,
                })
                .collect(),
            links: who.keeps_households(),
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[derive(Template)]
#[template(path = "household_form.html")]
struct HouseholdFormPage {
    page: Page,
    form: HouseholdInput,
    grids: String,
    errors: Vec<Problem>,
    csrf: String,
}

impl HouseholdFormPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

fn household_form(
    jar: &CookieJar,
    user: &CurrentUser,
    who: &OpsIdentity,
    form: HouseholdInput,
    errors: Vec<Problem>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    render(HouseholdFormPage {
        page: Page::new(
            jar,
            Some(user.clone()),
            "/visits/households/new",
            lang.pick("登记住户", "Register a household"),
        ),
        form,
        grids: who.grids.join(lang.pick("、", ", ")),
        errors,
        csrf: user.csrf.clone(),
    })
}

/// GET /visits/households/new
pub async fn new_household(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
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
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
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
    user: CurrentUser,
    Form(form): Form<HouseholdPost>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let who = people::identity(&state, &user, lang).await?;
        match people::create_household(&state, &who, &form.input, lang).await {
            Ok(row) => Ok(
                Redirect::to(&format!("/visits/households/{}?done=household", row.id))
                    .into_response(),
            ),
            Err(Refused::Fields(fields)) => with_status(
                household_form(&jar, &user, &who, form.input, problems(fields)),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
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

impl HouseholdPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

async fn household_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    id: &str,
    form: AttentionForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> Result<Response, AppError> {
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
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
            errors,
            notice,
            csrf: user.csrf.clone(),
        }),
        status,
    )
}

/// GET /visits/households/{id}
pub async fn household(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let notice = notice_text(lang, &q.done);
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
    .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /visits/households/{id}/attention
pub async fn add_attention(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<AttentionForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let who = people::identity(&state, &user, lang).await?;
        match people::add_attention(
            &state,
            &who,
            &id,
            &form.person,
            &form.category,
            &form.note,
            lang,
        )
        .await
        {
            Ok(_) => Ok(
                Redirect::to(&format!("/visits/households/{id}?done=attention")).into_response(),
            ),
            Err(Refused::Fields(fields)) => {
                household_page(&state, &jar, &user, &id, form, problems(fields), None).await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /visits/households/{id}/attention/{entry}/remove
pub async fn remove_attention(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((id, entry)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let who = people::identity(&state, &user, lang).await?;
        people::remove_attention(&state, &who, &id, &entry, lang).await?;
        Ok(Redirect::to(&format!("/visits/households/{id}?done=removed")).into_response())
    }
    .await;
    result.unwrap_or_else(|e: AppError| error_page(&jar, Some(user), e))
}

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
                    "请填写走访的日期和时间,例如 2024-05-01 09:30",
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
                        format!("第 {n} 条后续事项的期限请按 年-月-日 填写,例如 2024-05-08")
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

impl VisitFormPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

async fn visit_form(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    id: &str,
    form: VisitForm,
    errors: Vec<Problem>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let who = people::identity(state, user, lang).await?;
    // The form shows the household's address only: no list, no history, so it is not a view of
    // the record.
    let household = state.store.household(id).await?.ok_or(AppError::NotFound)?;
    if !people::may_see_household(&who, &household) {
        return Err(AppError::Forbidden(
            lang.pick(
                "该住户不在您负责的范围内",
                "this household is not in your care",
            )
            .into(),
        ));
    }
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!(
        "{}{}",
        lang.pick("记录走访:", "Record a visit: "),
        household.address
    );
    with_status(
        render(VisitFormPage {
            page: Page::new(
                jar,
                Some(user.clone()),
                &format!("/visits/households/{id}/visits/new"),
                title,
            ),
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
            errors,
            max_notes: xingfu_core::ops::visits::MAX_NOTES_CHARS,
            csrf: user.csrf.clone(),
        }),
        status,
    )
}

/// GET /visits/households/{id}/visits/new
pub async fn new_visit(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Response {
    let form = VisitForm {
        visited_at: people::input_value(now_ms()),
        purpose: people::purpose_key(PURPOSES[0]),
        ..VisitForm::default()
    };
    visit_form(&state, &jar, &user, &id, form, Vec::new())
        .await
        .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /visits/households/{id}/visits
pub async fn record_visit(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<VisitForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let input = match form.read(lang) {
            Ok(input) => input,
            Err(errors) => return visit_form(&state, &jar, &user, &id, form, errors).await,
        };
        let who = people::identity(&state, &user, lang).await?;
        match people::record_visit(&state, &who, &id, &input, lang).await {
            Ok(_) => {
                Ok(Redirect::to(&format!("/visits/households/{id}?done=visit")).into_response())
            }
            Err(Refused::Fields(fields)) => {
                visit_form(&state, &jar, &user, &id, form, problems(fields)).await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /visits/visits/{visit}/follow-ups/{seq}/done
pub async fn complete_follow_up(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Path((visit, seq)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let who = people::identity(&state, &user, lang).await?;
        let (household, done) = people::complete_follow_up(&state, &who, &visit, seq, lang).await?;
        let done = if done {
            "follow_up"
        } else {
            "follow_up_already"
        };
        Ok(Redirect::to(&format!("/visits/households/{household}?done={done}")).into_response())
    }
    .await;
    result.unwrap_or_else(|e: AppError| error_page(&jar, Some(user), e))
}

#[derive(Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    subject: String,
    /// `at.id` of the last row of the page before.
    #[serde(default)]
    before: String,
}

pub struct LogLine {
    pub when: String,
    pub who: String,
    pub role: String,
    pub community: String,
    pub what: String,
    pub shown: i64,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct LogPage {
    page: Page,
    area: String,
    community: String,
    username: String,
    subject: String,
    subjects: Vec<(String, String)>,
    rows: Vec<LogLine>,
    older: Option<String>,
}

pub const SUBJECTS: [&str; 4] = [
    "attention_counts",
    "attention_list",
    "household_list",
    "household",
];

fn subject_label(lang: Lang, subject: &str) -> String {
    let (zh, en) = match subject {
        "attention_counts" => ("名单人数", "list counts"),
        "attention_list" => ("重点人群名单", "special-attention list"),
        "household_list" => ("住户列表", "household list"),
        "household" => ("住户档案", "household record"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}

/// GET /visits/access-log
pub async fn access_log(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(q): Query<LogQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        let who = people::identity(&state, &user, lang).await?;
        let before = q
            .before
            .split_once('.')
            .and_then(|(at, id)| at.parse::<i64>().ok().map(|at| (at, id)));
        let community = people_optional(&q.community);
        let rows = people::access_log(
            &state,
            &who,
            community,
            people_optional(&q.username),
            people_optional(&q.subject).filter(|s| SUBJECTS.contains(s)),
            before,
            lang,
        )
        .await?;
        let older = (rows.len() as i64 == people::ACCESS_PAGE)
            .then(|| rows.last())
            .flatten()
            .map(|last| {
                format!(
                    "/visits/access-log?community={}&username={}&subject={}&before={}.{}",
                    urlencode(q.community.trim()),
                    urlencode(q.username.trim()),
                    urlencode(q.subject.trim()),
                    last.at,
                    last.id
                )
            });
        let mut lines = Vec::with_capacity(rows.len());
        let mut names: Vec<(String, String)> = Vec::new();
        for r in rows {
            let community = match names.iter().find(|(c, _)| *c == r.community_code) {
                Some((_, n)) => n.clone(),
                None => {
                    let n = region_name(&state, &r.community_code).await;
                    names.push((r.community_code.clone(), n.clone()));
                    n
                }
            };
            let what = match r.subject.as_str() {
                "attention_list" => format!(
                    "{}:{}",
                    subject_label(lang, &r.subject),
                    category_label(lang, &r.target)
                ),
                "household" => format!("{} {}", subject_label(lang, &r.subject), r.target),
                _ => subject_label(lang, &r.subject),
            };
            lines.push(LogLine {
                when: people::local_text(r.at),
                who: r.actor_name,
                role: OpsRole::parse(&r.actor_role)
                    .map(|role| lang.pick(role.zh(), role.en()).to_string())
                    .unwrap_or(r.actor_role),
                community,
                what,
                shown: r.shown,
            });
        }
        render(LogPage {
            page: Page::new(
                &jar,
                Some(user.clone()),
                "/visits/access-log",
                lang.pick("个人信息查阅记录", "Access log"),
            ),
            area: user.region_name.clone(),
            community: q.community.trim().to_string(),
            username: q.username.trim().to_string(),
            subject: q.subject.trim().to_string(),
            subjects: SUBJECTS
                .iter()
                .map(|s| (s.to_string(), subject_label(lang, s)))
                .collect(),
            rows: lines,
            older,
        })
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

fn people_optional(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

#[derive(Deserialize, Default)]
pub struct CommunityQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    done: String,
}

pub struct AssignmentLine {
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub scope: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    community: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    scope: String,
}

#[derive(Template)]
#[template(path = "assignments.html")]
struct AssignmentsPage {
    page: Page,
    community: String,
    community_name: String,
    /// Communities of the caller's area to choose from (administrators).
    choices: Vec<(String, String)>,
    rows: Vec<AssignmentLine>,
    form: AssignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
    csrf: String,
}

impl AssignmentsPage {
    fn error(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

fn kind_label(lang: Lang, kind: &str) -> String {
    match kind {
        "grid_member" => lang.pick("网格员", "grid member").to_string(),
        "building_head" => lang.pick("楼栋长", "building head").to_string(),
        other => other.to_string(),
    }
}

async fn assignments_page(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    community: &str,
    form: AssignForm,
    errors: Vec<Problem>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = Lang::from_jar(jar);
    let who = people::identity(state, user, lang).await?;
    if !who.appoints() {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有社区工作者、街道和区级管理员可以任命网格员和楼栋长",
                "only community workers and street or district administrators appoint grid members and building heads",
            )
            .into(),
        ));
    }
    let community = if who.role == OpsRole::CommunityWorker {
        who.region.clone()
    } else {
        community.trim().to_string()
    };
    let mut choices = Vec::new();
    if who.role != OpsRole::CommunityWorker
        && let Some(area) = state.store.region(&who.region).await?
    {
        choices = state
            .store
            .regions_within(&area, "community")
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect();
    }
    let rows = if community.is_empty() {
        Vec::new()
    } else {
        people::assignments(state, &who, &community, lang)
            .await?
            .into_iter()
            .map(|a| AssignmentLine {
                kind_label: kind_label(lang, &a.kind),
                user_id: a.user_id,
                username: a.username,
                name: a.display_name,
                kind: a.kind,
                scope: a.scope,
            })
            .collect()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let community_name = if community.is_empty() {
        String::new()
    } else {
        region_name(state, &community).await
    };
    with_status(
        render(AssignmentsPage {
            page: Page::new(
                jar,
                Some(user.clone()),
                "/visits/assignments",
                lang.pick("网格员与楼栋长", "Grid members and building heads"),
            ),
            community,
            community_name,
            choices,
            rows,
            form,
            errors,
            notice,
            csrf: user.csrf.clone(),
        }),
        status,
    )
}

/// GET /visits/assignments
pub async fn assignments(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Query(q): Query<CommunityQuery>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let form = AssignForm {
        kind: "grid_member".into(),
        ..AssignForm::default()
    };
    let notice = notice_text(lang, &q.done);
    assignments_page(&state, &jar, &user, &q.community, form, Vec::new(), notice)
        .await
        .unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

/// POST /visits/assignments
pub async fn assign(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<AssignForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let who = people::identity(&state, &user, lang).await?;
        match people::assign(&state, &who, &form.username, &form.kind, &form.scope, lang).await {
            Ok(row) => Ok(Redirect::to(&format!(
                "/visits/assignments?community={}&done=assigned",
                row.community_code
            ))
            .into_response()),
            Err(Refused::Fields(fields)) => {
                let community = form.community.clone();
                assignments_page(
                    &state,
                    &jar,
                    &user,
                    &community,
                    form,
                    problems(fields),
                    None,
                )
                .await
            }
            Err(Refused::App(e)) => Err(e),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&jar, Some(user), e))
}

#[derive(Deserialize, Default)]
pub struct UnassignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    community: String,
    #[serde(default)]
    scope: String,
}

/// POST /visits/assignments/remove
pub async fn unassign(
    State(state): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(form): Form<UnassignForm>,
) -> Response {
    let lang = Lang::from_jar(&jar);
    let result = async {
        user.check_csrf(&form.csrf)?;
        let who = people::identity(&state, &user, lang).await?;
        people::unassign(
            &state,
            &who,
            &form.user_id,
            &form.kind,
            &form.community,
            &form.scope,
            lang,
        )
        .await?;
        Ok(Redirect::to(&format!(
            "/visits/assignments?community={}&done=unassigned",
            urlencode(&form.community)
        ))
        .into_response())
    }
    .await;
    result.unwrap_or_else(|e: AppError| error_page(&jar, Some(user), e))
}
